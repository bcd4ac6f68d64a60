"""What readers see: the marts written in Python, the folder swap, the scorecard pages and the
printed summary. Imports every subpackage but :mod:`salesassess.demo`.
"""
