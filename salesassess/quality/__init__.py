"""The quality gate of each partition: expectation suites built from the contract, validated where
the data is. Imports platform, method, engines, landing and scoring.
"""
