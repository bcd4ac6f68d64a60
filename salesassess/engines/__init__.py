"""Where the SQL runs: the DuckDB warehouse file, the SQL dialects, dbt's command line and the Spark
engine's library half. Imports :mod:`salesassess.platform` and :mod:`salesassess.method`.
"""
