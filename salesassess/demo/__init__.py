"""The demo: a believable sales team written as a canonical landing folder (:mod:`.data` is
the entry point). Imports any subpackage; nothing imports it but tests and benchmarks.
"""
