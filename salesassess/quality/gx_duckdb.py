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

On the same engine, ``expect_compound_columns_to_be_unique`` counts a key's rows with
:class:`DuckDBCompoundColumnsCount`: GX's SQL joins every row of the batch to its key's
count (a hash join of the whole partition against a table as large, about three times the
cost of grouping the key on a partition of 6 M transcript lines); here only the keys that
repeat are joined, and every other row counts one. ``expect_column_values_to_be_unique``
counts a value's rows the same way (:class:`DuckDBColumnValuesCountPerValue`), where GX's
SQL counts them in a window partitioned by the column (on DuckDB about twice the cost of the
grouped count: 0.13-0.19 s against 0.06-0.09 s on 1,000,000 call scores).
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine
from great_expectations.expectations.metrics.column_map_metrics.column_values_unique import (
    ColumnValuesUnique,
)
from great_expectations.expectations.metrics.map_metric_provider import column_function_partial
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_function_partial import (  # noqa: E501
    multicolumn_function_partial,
)
from great_expectations.expectations.metrics.multicolumn_map_metrics.compound_columns_unique import (  # noqa: E501
    CompoundColumnsUnique,
)

__all__ = [
    "DuckDBColumnValuesCountPerValue",
    "DuckDBCompoundColumnsCount",
    "DuckDBDatasource",
    "DuckDBExecutionEngine",
]

#: a value or key repeats from this many rows on (GX's threshold)
REPEATED = 2


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

    def test_connection(self, test_assets: bool = True) -> None:
        """No test connection: GX would open the file only to close it (an engine and a
        DuckDB connection of their own, about 20 ms a check), and its execution engine opens
        it again. A file that does not open fails the first query, in the expectations'
        results."""


class DuckDBCompoundColumnsCount(CompoundColumnsUnique):
    """GX's ``compound_columns.count`` map on DuckDB: each row of the batch with the number
    of rows of its key, as GX's own, but joined only to the keys that repeat (a left join;
    the rows of a key that does not repeat count one). ``compound_columns.unique`` (GX's
    condition, ``_num_rows < 2``) and every count and example GX derives from it are
    unchanged; a row with a missing key value counts one, where GX's inner join leaves it
    out of the map: neither makes it unexpected."""

    @multicolumn_function_partial(engine=DuckDBExecutionEngine)
    def _duckdb_function(cls, column_list, **kwargs):
        table_columns = [sa.column(name) for name in kwargs["_table_columns"]]
        rows = sa.select(*table_columns).select_from(kwargs["_table"]).alias("rows")
        repeated = (
            sa.select(*column_list, sa.func.count().label("_num_rows"))
            .select_from(rows)
            .group_by(*column_list)
            .having(sa.func.count() >= REPEATED)
            .alias("repeated_keys")
        )
        same_key = sa.and_(*(repeated.c[name] == rows.c[name] for name in kwargs["_column_names"]))
        return (
            sa.select(rows, sa.func.coalesce(repeated.c._num_rows, 1).label("_num_rows"))
            .select_from(rows.join(repeated, onclause=same_key, isouter=True))
            .alias("rows_with_key_counts")
        )


class DuckDBColumnValuesCountPerValue(ColumnValuesUnique):
    """GX's ``column_values.count_per_value`` map on DuckDB: the column of each row with the
    number of rows of its value, as GX's own narrow projection (the column and
    ``_num_rows``), but counted by grouping the values that repeat and joining them, where
    GX counts in a window over every row. ``column_values.unique`` (GX's condition,
    ``_num_rows < 2``), its counts and examples are unchanged; a missing value counts one
    here, and GX's condition leaves missing values out either way."""

    @column_function_partial(engine=DuckDBExecutionEngine)
    def _duckdb_function(cls, column, _table, **kwargs):
        label = "_num_rows"
        while label in {str(name) for name in kwargs["_metrics"]["table.columns"]}:
            label = f"_{label}"  # as GX's: no column of the table shadows the count
        source = _table.subquery() if isinstance(_table, sa.Select) else _table
        rows = sa.select(sa.column(column.name)).select_from(source).alias("rows")
        value = rows.c[column.name]
        repeated = (
            sa.select(value.label("value"), sa.func.count().label("repeats"))
            .where(value.is_not(None))
            .group_by(value)
            .having(sa.func.count() >= REPEATED)
            .alias("repeated_values")
        )
        return (
            sa.select(value, sa.func.coalesce(repeated.c.repeats, 1).label(label))
            .select_from(rows.join(repeated, onclause=value == repeated.c.value, isouter=True))
            .alias("column_values_count_per_value_subquery")
        )
