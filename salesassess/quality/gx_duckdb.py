"""Great Expectations' SQL path on DuckDB: an execution engine that reads each result before
its connection closes, and the fluent datasource that uses it (type ``duckdb``).

GX's ``SqlAlchemyExecutionEngine.execute_query`` (great-expectations 1.24) returns the
cursor result after leaving ``with engine.connect()``; duckdb_engine's cursor is the DuckDB
connection itself, and closing the SQLAlchemy connection discards DuckDB's one pending result,
so every metric reads an empty result (``MetricResolutionError: list index out of range``).
Upstream: great_expectations issues 10738 and 11579 and pull request 12084 (a native DuckDB
engine, open); duckdb_engine issues 734 and 1087. The fix buffers the rows first. GX reads a
row-returning result only for example values (``LIMIT`` 20) and an
``UnexpectedRowsExpectation``'s failing rows; every other query it sends is an aggregate.
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine

__all__ = ["DuckDBDatasource", "DuckDBExecutionEngine"]


class DuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """GX's SQLAlchemy engine with each result fetched while its connection is open."""

    def execute_query(self, query: sa.Selectable | sa.TextClause) -> sa.Result:
        with self.get_connection() as connection:
            return connection.execute(query).freeze()()  # type: ignore[arg-type]


class DuckDBDatasource(SQLDatasource):
    """A SQL datasource on a DuckDB file (``duckdb:///path``), validated by
    :class:`DuckDBExecutionEngine`."""

    type: Literal["duckdb"] = "duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> type[SqlAlchemyExecutionEngine]:
        return DuckDBExecutionEngine
