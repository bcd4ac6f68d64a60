"""Landing files to ``raw.*``: the landing contract, reading, landing checks, raw tables and the
adapters of real exports. Imports platform, method and engines.
"""
