"""The method's rules in plain Python: the calendar, the rubric (Step 1), the follow-up window and
the statistics of Steps 2 and 5. Imports only :mod:`salesassess.platform`.
"""
