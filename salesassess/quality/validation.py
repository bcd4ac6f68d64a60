"""Data quality of one quarterly partition: Great Expectations validates the suites where
the data is.

Every raw kind (and the two main marts) has a suite of rules
(:mod:`salesassess.quality.suites`, made of the expectations of
:mod:`salesassess.quality.expectations`). The suites of the landing kinds are generated
from the landing contract (:mod:`salesassess.landing.contract`), the same declaration the
landing checks are generated from; rules that need the cycle's rubric and the marts'
rules are declared there too.

A suite is one GX ``ExpectationSuite`` over one batch, the partition's rows of the table:
on DuckDB a query asset per table and partition of a SQL datasource on the warehouse file
(:mod:`salesassess.quality.gx_duckdb`), on Spark a dataframe asset of Spark SQL over the
same tables (:mod:`salesassess.quality.spark`). Its rules over a small aggregate (the
``load_log`` files of the kind, the rubric's ``weights`` per version) are
``UnexpectedRowsExpectation``s whose query reads that aggregate. A ``Checkpoint``
validates the suite, and its validation result (JSON) and page are added to the
warehouse's Data Docs site (:func:`data_docs_dir`), as ``UpdateDataDocsAction`` does. Every
query GX sends is an aggregate, a ``LIMIT`` query for example rows or an
``UnexpectedRowsExpectation``'s failing rows: nothing reads a table into Python.

``run_quality`` returns a ``QualityResult``: passed, the first failing rule, the number of
failing rows, an example failing row, each expectation's observed value and failing count,
and the partition's Data Docs page. Nothing here knows about Dagster
(``orchestration/checks.py`` turns results into asset check results).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import great_expectations as gx
from great_expectations.core.batch_definition import BatchDefinition
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import DataContextConfig, ProgressBarsConfig
from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier
from great_expectations.datasource.fluent import SQLDatasource

from salesassess.engines.sql_dialect import DUCKDB, Dialect, using
from salesassess.engines.warehouse import connect, duckdb_settings, execute_named
from salesassess.method.calendar import CycleWindow
from salesassess.quality.data_docs import data_docs_dir, data_docs_index
from salesassess.quality.expectations import ERROR, UNEXPECTED_ROWS, WARN, Frame, Reference, Suite
from salesassess.quality.gx_duckdb import DuckDBDatasource
from salesassess.quality.suites import build_suite

__all__ = [
    "ERROR",
    "WARN",
    "QualityResult",
    "RuleOutcome",
    "Tables",
    "WarehouseTables",
    "data_docs_dir",
    "data_docs_index",
    "read_reference",
    "run_quality",
    "validate_suite",
]

#: example rows and unexpected values GX reports per expectation (its Data Docs show them)
PARTIAL_UNEXPECTED = 10
DATA_DOCS_SITE = "warehouse"
#: validation results the site's index lists, the latest first (older pages stay in the site)
INDEX_VALIDATIONS = 50
#: the styles that make the Data Docs pages read well offline (GX inlines them in each page)
OFFLINE_STYLES = Path(__file__).with_name("data_docs_offline.css")

# GX logs every failing metric query at ERROR level and its progress bars on stderr: a
# failing expectation is a result here, reported with the check
logging.getLogger("great_expectations").setLevel(logging.CRITICAL)


class Tables(Protocol):
    """Where a suite is validated: the engine's SQL dialect, a query runner for the
    cycle's rubric (``read_reference``), its catalogue, and the GX batch of a frame's
    SQL. :class:`WarehouseTables` is the DuckDB warehouse; the Spark engine has its own
    (:class:`salesassess.quality.spark.SparkTables`)."""

    dialect: Dialect

    def rows(self, sql: str, cycle: str) -> list[Sequence[Any]]: ...

    def has_table(self, table: str) -> bool: ...

    def batch(
        self, context: AbstractDataContext, name: str, sql: str
    ) -> tuple[BatchDefinition, dict[str, Any]]: ...

    def plain(self, value: Any) -> Any: ...


@dataclass
class WarehouseTables:
    """The DuckDB warehouse file: read directly for its catalogue and the cycle's rubric,
    and by GX's SQL datasource (read-only, with the warehouse's memory limit, temporary
    folder and UTC) for the suites."""

    path: Path
    dialect: Dialect = DUCKDB
    _connection: Any = field(default=None, init=False, repr=False, compare=False)

    @contextmanager
    def reading(self) -> Iterator[WarehouseTables]:
        """One connection for the reads before GX's (the catalogue, the cycle's rubric):
        opening the warehouse costs about as much as such a query. It is closed before GX
        opens the file with a configuration of its own."""
        with connect(self.path, read_only=True) as con:
            self._connection = con
            try:
                yield self
            finally:
                self._connection = None

    @contextmanager
    def _connected(self) -> Iterator[Any]:
        if self._connection is not None:
            yield self._connection
        else:
            with connect(self.path, read_only=True) as con:
                yield con

    def rows(self, sql: str, cycle: str) -> list[Sequence[Any]]:
        with self._connected() as con:
            return execute_named(con, sql, {"cycle": cycle}).fetchall()

    def has_table(self, table: str) -> bool:
        return table in self.catalogue

    @cached_property
    def catalogue(self) -> frozenset[str]:
        """The warehouse's tables and views (``schema.name``), read once per check."""
        with self._connected() as con:
            listed = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
        return frozenset(name for (name,) in listed)

    def batch(
        self, context: AbstractDataContext, name: str, sql: str
    ) -> tuple[BatchDefinition, dict[str, Any]]:
        source = next(iter(context.data_sources.all().values()), None) or (
            context.data_sources.add_duckdb(
                name="warehouse",
                connection_string=f"duckdb:///{self.path}",
                kwargs={
                    "connect_args": {
                        "read_only": True,
                        "config": {**duckdb_settings(self.path), "timezone": "UTC"},
                    }
                },
            )
        )
        assert isinstance(source, DuckDBDatasource)
        asset = source.add_query_asset(name, query=sql)
        return asset.add_batch_definition_whole_table("partition"), {}

    def plain(self, value: Any) -> Any:
        """A value of a failing row as GX read it (DuckDB's are already plain)."""
        return value


# --------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    passed: bool
    severity: str
    failing_rows: int
    example_row: dict[str, Any] | None
    expectation: str
    description: str
    observed: Any = None


@dataclass(frozen=True)
class QualityResult:
    """The verdict on one table's partition.

    ``check`` is the first failing rule (the suite's name when every rule passed);
    ``failing_rows`` is the most rows of the partition any one failing expectation found,
    plus the failing rows of the aggregate frames (rubric versions, load_log files);
    ``severity`` is ERROR when a failed rule is an error, else WARN; ``engine`` validated
    the suite; ``data_docs`` is the Data Docs page of the partition's rows (the site's
    index when the suite did not run), ``validation_results`` GX's result files.
    """

    suite: str
    cycle: str
    passed: bool
    check: str
    failing_rows: int
    example_row: dict[str, Any] | None
    description: str
    severity: str
    rows_checked: int
    outcomes: tuple[RuleOutcome, ...]
    engine: str = DUCKDB.name
    data_docs: str = ""
    validation_results: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[RuleOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.passed)

    def outcome(self, rule: str) -> RuleOutcome:
        return next(outcome for outcome in self.outcomes if outcome.rule == rule)

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON (an engine's check process hands it back so)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QualityResult:
        outcomes = tuple(RuleOutcome(**outcome) for outcome in data["outcomes"])
        results = tuple(data.get("validation_results", ()))
        return cls(**{**data, "outcomes": outcomes, "validation_results": results})


def _jsonable(value: Any) -> Any:
    """A value of a result row as plain JSON (timestamps as ISO-8601, missing as None)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def read_reference(tables: Tables, cycle: str) -> Reference:
    """The cycle's rubric versions (scale and criteria), as ingested."""
    if not tables.has_table("raw.rubric_criteria"):
        return Reference()
    dialect = tables.dialect
    versions = tables.rows(
        "select rubric_version, min(scale_min), max(scale_max), "
        f"{dialect.distinct_list('criterion_id')} from raw.rubric_criteria "
        f"where cycle = {dialect.param('cycle')} and rubric_version is not null "
        "group by rubric_version",
        cycle,
    )
    return Reference(
        scales={v: (float(low), float(high)) for v, low, high, _ in versions},
        criteria={v: tuple(sorted(c for c in ids if c is not None)) for v, *_, ids in versions},
    )


# --------------------------------------------------------------------------------------
# The warehouse's Data Docs site and GX context


def _filesystem(base: Path) -> dict[str, Any]:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(base)}


def _view(name: str) -> dict[str, str]:
    """A Data Docs view of :mod:`salesassess.quality.gx_views` (templates compiled once)."""
    return {"module_name": "salesassess.quality.gx_views", "class_name": name}


def gx_context(root: Path) -> AbstractDataContext:
    """An ephemeral GX context whose suites, validation results and Data Docs are files
    under ``root`` (checkpoints and validation definitions live for one validation), and
    whose pages carry the offline styles."""
    memory = {"class_name": "InMemoryStoreBackend"}
    styles = root / "plugins" / "custom_data_docs" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    css = styles / "data_docs_custom_styles.css"
    if not css.is_file() or css.read_bytes() != OFFLINE_STYLES.read_bytes():
        # written whole, then renamed: a check building its pages meanwhile reads either
        temporary = css.with_name(f"{css.name}.{os.getpid()}")
        shutil.copyfile(OFFLINE_STYLES, temporary)
        os.replace(temporary, css)
    config = DataContextConfig(
        plugins_directory=str(root / "plugins"),
        stores={
            "expectations_store": {
                "class_name": "ExpectationsStore",
                "store_backend": _filesystem(root / "expectations"),
            },
            "validation_results_store": {
                "class_name": "ValidationResultsStore",
                "store_backend": _filesystem(root / "validations"),
            },
            "checkpoint_store": {"class_name": "CheckpointStore", "store_backend": memory},
            "validation_definition_store": {
                "class_name": "ValidationDefinitionStore",
                "store_backend": memory,
            },
        },
        expectations_store_name="expectations_store",
        validation_results_store_name="validation_results_store",
        checkpoint_store_name="checkpoint_store",
        data_docs_sites={
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": _filesystem(root / "data_docs"),
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "view": _view("CompiledOnceIndexPageView"),
                    # GX reads every result it lists: a bounded index keeps a check's cost
                    # from growing with the warehouse's history
                    "validation_results_limit": INDEX_VALIDATIONS,
                },
                "site_section_builders": {
                    "expectations": {"view": _view("CompiledOncePageView")},
                    "validations": {"view": _view("CompiledOncePageView")},
                    # no profiling runs here: its section would only scan the results again
                    "profiling": "0",
                },
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


@contextmanager
def _site_lock(root: Path) -> Iterator[None]:
    """One check at a time builds the site's pages and index (checks may run in parallel
    processes)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class _Validated:
    outcomes: list[RuleOutcome]
    rows: int
    result_file: str
    identifier: ValidationResultIdentifier


def _example(row: dict[str, Any] | None, frame: Frame, tables: Tables) -> dict[str, Any] | None:
    """A failing row as the frame shows it (only its shown columns: a transcript's text
    stays out), its values as the engine's ``plain`` makes them."""
    if not row:
        return None
    return {
        column: _jsonable(tables.plain(row[column])) for column in frame.columns if column in row
    }


def _exception(info: dict | None) -> str | None:
    """The first line of the error GX met validating an expectation, if any (its result's
    ``exception_info``: one record, or one per metric that failed)."""
    records = [info] if info and "raised_exception" in info else list((info or {}).values())
    for record in records:
        if isinstance(record, dict) and (
            record.get("raised_exception") or record.get("exception_message")
        ):
            lines = str(record.get("exception_message") or "").strip().splitlines()
            return lines[0] if lines else "error"
    return None


def _outcome(rule, frame: Frame, result, tables: Tables) -> tuple[RuleOutcome, int | None]:
    """A rule's outcome from its GX expectation result, and the batch's row count when the
    expectation reports it."""
    expectation = rule.expectation
    gx_result = result.result or {}
    rows = gx_result.get("element_count")
    example = None
    error = _exception(result.exception_info)
    if error is not None:
        count, observed, text = 0, None, f"GX could not validate it: {error}"
    elif expectation.kind == UNEXPECTED_ROWS:
        count = int(gx_result.get("observed_value") or 0)
        unexpected = (gx_result.get("details") or {}).get("unexpected_rows") or []
        example = _example(unexpected[0] if unexpected else None, frame, tables)
        observed, text = count, f"{count} row(s) fail"
    elif "unexpected_count" in gx_result:
        count = int(gx_result["unexpected_count"] or 0)
        indexes = gx_result.get("partial_unexpected_index_list") or []
        example = _example(indexes[0] if indexes else None, frame, tables)
        observed = gx_result.get("observed_value", f"{count} of {rows} unexpected")
        text = f"{count} row(s) of {rows} fail"
    else:
        observed = gx_result.get("observed_value")
        count, text = 0, f"fails (observed {observed})"
    passed = bool(result.success)
    return (
        RuleOutcome(
            rule.name,
            passed,
            rule.severity,
            0 if passed else count,
            None if passed else example,
            expectation.describe(),
            f"{rule.description}: " + ("ok" if passed else text),
            _jsonable(observed),
        ),
        rows,
    )


def _validate(context: AbstractDataContext, tables: Tables, suite: Suite, cycle: str) -> _Validated:
    """The suite's expectations as one GX suite over its rows' batch (a rule of an aggregate
    frame reads that frame's SQL in its own query), validated by a checkpoint: one
    validation result and one Data Docs page per table and partition."""
    rows_frame = suite.frames["rows"]
    with using(tables.dialect):
        expectations = [
            rule.expectation.to_gx(rule, suite.frames[rule.frame], rule.frame != "rows")
            for rule in suite.rules
        ]
    gx_suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=suite.name, expectations=expectations)
    )
    partition = f"{suite.name}-{cycle}"
    batch, parameters = tables.batch(context, partition, rows_frame.sql)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=partition, data=batch, suite=gx_suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=partition,
            validation_definitions=[definition],
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": PARTIAL_UNEXPECTED,
                "unexpected_index_column_names": list(rows_frame.columns),
            },
        )
    )
    run = checkpoint.run(batch_parameters=parameters, run_id=RunIdentifier(run_name=cycle))
    ((identifier, validation),) = run.run_results.items()
    by_rule = {result.expectation_config.meta["rule"]: result for result in validation.results}
    outcomes, rows = [], 0
    for rule in suite.rules:
        outcome, counted = _outcome(rule, suite.frames[rule.frame], by_rule[rule.name], tables)
        outcomes.append(outcome)
        rows = max(rows, counted or 0)
    result_file = context.validation_results_store.store_backend.get_url_for_key(
        identifier.to_tuple()
    ).removeprefix("file://")
    return _Validated(outcomes, rows, result_file, identifier)


def _close(context: AbstractDataContext) -> None:
    """Close the warehouse connection GX's execution engine opened (a DuckDB file takes
    connections of one configuration at a time in a process, and the next step opens it
    with the warehouse's own; the datasource opens none: see ``DuckDBDatasource``)."""
    for source in context.data_sources.all().values():
        if isinstance(source, SQLDatasource):
            source.get_execution_engine().engine.dispose()


def validate_suite(
    tables: Tables, suite: Suite, cycle: str, data_docs: Path | str
) -> QualityResult:
    """Have GX validate ``suite`` (built in the dialect of ``tables``) for ``cycle``, its
    result and page added to the GX folder ``data_docs``."""
    root = Path(data_docs)
    index = str(root / "data_docs" / "index.html")
    missing = sorted(table for table in suite.tables if not tables.has_table(table))
    if missing:
        text = f"{suite.name} {cycle}: table(s) {', '.join(missing)} do not exist"
        outcome = RuleOutcome("table_exists", False, ERROR, 0, None, "table exists", text)
        return QualityResult(
            suite.name,
            cycle,
            False,
            "table_exists",
            0,
            None,
            text,
            ERROR,
            0,
            (outcome,),
            tables.dialect.name,
            index,
        )

    context = gx_context(root)
    try:
        validated = _validate(context, tables, suite, cycle)
    finally:
        _close(context)
    # one check at a time writes the site
    with _site_lock(root):
        context.build_data_docs(
            site_names=[DATA_DOCS_SITE], resource_identifiers=[validated.identifier]
        )
    (site,) = context.get_docs_sites_urls(
        resource_identifier=validated.identifier, site_name=DATA_DOCS_SITE
    )
    page = site["site_url"].removeprefix("file://")
    outcomes, rows_checked = validated.outcomes, validated.rows
    # the most rows of the partition one expectation finds failing, plus every failing row
    # of the aggregate frames (rubric versions, load_log files)
    in_rows = [
        o.failing_rows for o, r in zip(outcomes, suite.rules, strict=True) if r.frame == "rows"
    ]
    failing_rows = max(in_rows, default=0) + sum(
        o.failing_rows for o, r in zip(outcomes, suite.rules, strict=True) if r.frame != "rows"
    )
    failed = [outcome for outcome in outcomes if not outcome.passed]
    common = {
        "suite": suite.name,
        "cycle": cycle,
        "rows_checked": rows_checked,
        "outcomes": tuple(outcomes),
        "engine": tables.dialect.name,
        "data_docs": page,
        "validation_results": (validated.result_file,),
    }
    if not failed:
        description = (
            f"{suite.name} {cycle}: {rows_checked} row(s), all {len(outcomes)} expectations pass"
        )
        worst = ERROR if any(rule.severity == ERROR for rule in suite.rules) else WARN
        return QualityResult(
            passed=True,
            check=suite.name,
            failing_rows=0,
            example_row=None,
            description=description,
            severity=worst,
            **common,
        )
    example = next((o.example_row for o in failed if o.example_row is not None), None)
    severity = ERROR if any(o.severity == ERROR for o in failed) else WARN
    description = (
        f"{suite.name} {cycle}: {len(failed)} of {len(outcomes)} expectations fail, "
        f"{failing_rows} failing row(s) of {rows_checked}. "
        + " ".join(f"[{o.rule}] {o.description}." for o in failed)
    )
    return QualityResult(
        passed=False,
        check=failed[0].rule,
        failing_rows=failing_rows,
        example_row=example,
        description=description,
        severity=severity,
        **common,
    )


def run_quality(warehouse: Path | str, table: str, window: CycleWindow) -> QualityResult:
    """Build ``table``'s suite for the cycle and have GX validate it in the warehouse
    (read-only), its results added to the warehouse's Data Docs."""
    warehouse = Path(warehouse)
    tables = WarehouseTables(warehouse)
    with tables.reading():  # the catalogue is read with the rubric (read_reference)
        reference = read_reference(tables, window.cycle)
    suite = build_suite(table, window, reference, tables.dialect)
    return validate_suite(tables, suite, window.cycle, data_docs_dir(warehouse))
