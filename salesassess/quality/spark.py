"""A quality suite validated by Great Expectations on Spark: GX's Spark datasource over the
raw tables' Parquet files and the marts dbt built in the metastore, each frame of the suite
a dataframe of Spark SQL (the same suites as on DuckDB, in Spark's dialect)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.data_context import AbstractDataContext

from salesassess.engines.spark import register_raw_tables
from salesassess.engines.sql_dialect import SPARK, Dialect
from salesassess.method.calendar import CycleWindow
from salesassess.quality.suites import build_suite
from salesassess.quality.validation import QualityResult, read_reference, validate_suite


@dataclass(frozen=True)
class SparkTables:
    """A Spark session as the place a quality suite is validated
    (:class:`salesassess.quality.validation.Tables`): Spark SQL, the session's catalogue,
    and a GX dataframe asset per frame."""

    spark: Any
    dialect: Dialect = SPARK

    def rows(self, sql: str, cycle: str) -> list[Sequence[Any]]:
        return [
            tuple(_plain(value) for value in row)
            for row in self.spark.sql(sql, args={"cycle": cycle}).collect()
        ]

    def has_table(self, table: str) -> bool:
        return self.spark.catalog.tableExists(table)

    def batch(
        self, context: AbstractDataContext, name: str, sql: str
    ) -> tuple[BatchDefinition, dict[str, Any]]:
        source = next(iter(context.data_sources.all().values()), None) or (
            context.data_sources.add_spark(name="spark")
        )
        asset = source.add_dataframe_asset(name)
        return asset.add_batch_definition_whole_dataframe("partition"), {
            "dataframe": self.spark.sql(sql)
        }

    def plain(self, value: Any) -> Any:
        return _plain(value)


def _plain(value: Any) -> Any:
    """A value Spark returned as DuckDB returns it: a struct as a dict, an instant (which
    pyspark gives as a naive local time) as an aware UTC datetime."""
    if hasattr(value, "asDict"):
        return {key: _plain(item) for key, item in value.asDict().items()}
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.astimezone(UTC)
    return value


def check_on_spark(
    spark, raw_dir: Path, table: str, window: CycleWindow, data_docs: Path
) -> QualityResult:
    """``table``'s quality suite for the cycle validated by GX on Spark: a raw table over
    its Parquet files (the rubric and the tables the suite reads registered first), a mart
    in the metastore where dbt built it; results and pages go to the GX folder
    ``data_docs`` (the warehouse's: :func:`salesassess.quality.validation.data_docs_dir`)."""
    tables = SparkTables(spark)
    register_raw_tables(spark, raw_dir, {"raw.rubric_criteria"})
    suite = build_suite(table, window, read_reference(tables, window.cycle), SPARK)
    register_raw_tables(spark, raw_dir, suite.tables - {"raw.rubric_criteria"})
    return validate_suite(tables, suite, window.cycle, data_docs)
