"""Data quality of one quarterly partition: expectations evaluated where the data is.

Every raw kind (and the two main marts) has a suite of rules
(:mod:`salesassess.quality.suites`, made of the expectations of
:mod:`salesassess.quality.expectations`). The suites of the landing
kinds are generated from the landing contract (:mod:`salesassess.landing.contract`), the same
declaration the landing checks are generated from: key columns not null and the key
unique within the cycle, required values present, allowed values, lowest values,
references to the cycle's reps and calls, the contract's row rules and the
reconciliation of ``raw.load_log``; rules that need the cycle's rubric (scores on their
version's scale and criteria, weights summing to 100) and the marts' rules are declared
here.

A rule is an expectation in the vocabulary of Great Expectations
(``expect_column_values_to_be_between(column='score', min_value=1.0, max_value=5.0)
where rubric_version == '1'``) evaluated by DuckDB in the warehouse: one query per frame
(``rows``: the partition's rows of the table; other frames: small aggregates such as the
weights per rubric version) returns, per rule, the number of failing rows and the first
failing row in the frame's order. Nothing reads a table into Python, so a check's memory
does not grow with the partition (DuckDB spills to its temporary directory).

``run_quality`` returns a ``QualityResult``: passed, the failing check, the number of failing
rows, an example failing row and a text description. Nothing here knows about Dagster
(``orchestration/checks.py`` turns results into asset check results).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import duckdb

from salesassess.engines.sql_dialect import DUCKDB, Dialect
from salesassess.engines.warehouse import connect, execute_named, table_exists
from salesassess.method.calendar import CycleWindow
from salesassess.quality.expectations import ERROR, WARN, Frame, Reference, Rule, Suite
from salesassess.quality.suites import build_suite

__all__ = [
    "ERROR",
    "WARN",
    "QualityResult",
    "RuleOutcome",
    "Tables",
    "evaluate",
    "read_reference",
    "run_quality",
    "validate_suite",
]


class Tables(Protocol):
    """Where a suite is evaluated: the engine's SQL dialect, its query runner (named
    parameter ``cycle``) and its catalogue. :class:`WarehouseTables` is the DuckDB
    warehouse; the Spark engine has its own (``salesassess.quality.spark.SparkTables``)."""

    dialect: Dialect

    def rows(self, sql: str, cycle: str) -> list[Sequence[Any]]: ...

    def has_table(self, table: str) -> bool: ...


@dataclass(frozen=True)
class WarehouseTables:
    """The DuckDB warehouse, through an open connection."""

    con: duckdb.DuckDBPyConnection
    dialect: Dialect = DUCKDB

    def rows(self, sql: str, cycle: str) -> list[Sequence[Any]]:
        return execute_named(self.con, sql, {"cycle": cycle}).fetchall()

    def has_table(self, table: str) -> bool:
        return table_exists(self.con, table)


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


@dataclass(frozen=True)
class QualityResult:
    """The verdict on one table's partition.

    ``check`` is the first failing rule (the suite's name when every rule passed);
    ``failing_rows`` counts distinct failing rows of the table plus failing rows of the
    aggregate frames (rubric versions, load_log files); ``severity`` is ERROR when a failed
    rule is an error, else WARN; ``engine`` evaluated the suite.
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
        return cls(**{**data, "outcomes": outcomes})


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


@dataclass(frozen=True)
class _Evaluated:
    rows: int
    failing: dict[str, int]
    examples: dict[str, dict[str, Any] | None]
    failing_any: int


def _checked(rules: Sequence[Rule]) -> list[Rule]:
    """The row-level rules (table-level ones read the row count only)."""
    return [rule for rule in rules if rule.expectation.unique or rule.expectation.fails]


def _key(dialect: Dialect, columns: Sequence[str]) -> str:
    return ", ".join(dialect.quote(column) for column in columns)


def _count_failing(
    tables: Tables, frame: Frame, rules: Sequence[Rule], cycle: str
) -> tuple[int, dict[str, int]]:
    """One scan: the frame's row count and each rule's failing rows (a unique key's
    failing rows are those of its duplicated values, counted by a GROUP BY)."""
    measures = ["count(*)"]
    for rule in rules:
        expectation = rule.expectation
        if expectation.unique:
            key = _key(tables.dialect, expectation.unique)
            measures.append(
                f"(select coalesce(sum(n), 0) from (select count(*) as n from ({frame.sql}) g "
                f"group by {key} having count(*) > 1) d)"
            )
        else:
            measures.append(f"count(*) filter (where coalesce({expectation.fails}, false))")
    (values,) = tables.rows(f"select {', '.join(measures)} from ({frame.sql}) f", cycle)
    return int(values[0]), {rule.name: int(n) for rule, n in zip(rules, values[1:], strict=True)}


def _failing_rows(
    tables: Tables, frame: Frame, rules: Sequence[Rule], cycle: str
) -> tuple[dict[str, dict[str, Any] | None], int]:
    """For failing rules only: the first failing row of each (in the frame's order) and
    the number of rows failing any of them."""
    dialect = tables.dialect
    duplicates: list[str] = []
    flags: list[str] = []
    for number, rule in enumerate(rules):
        expectation = rule.expectation
        if expectation.unique:
            key = _key(dialect, expectation.unique)
            duplicates.append(
                f"dup_{number} as (select {key} from ({frame.sql}) g "
                f"group by {key} having count(*) > 1)"
            )
            match = " and ".join(
                f"d.{dialect.quote(c)} = f.{dialect.quote(c)}" for c in expectation.unique
            )
            flags.append(f"exists (select 1 from dup_{number} d where {match}) as _fails_{number}")
        else:
            flags.append(f"coalesce({expectation.fails}, false) as _fails_{number}")
    row, order = dialect.struct(frame.columns), dialect.struct(frame.order)
    measures = [
        f"{dialect.arg_min(row, order)} filter (where _fails_{number})"
        for number in range(len(rules))
    ]
    any_failing = " or ".join(f"_fails_{number}" for number in range(len(rules)))
    measures.append(f"count(*) filter (where {any_failing})")
    with_clause = f"with {', '.join(duplicates)} " if duplicates else ""
    (values,) = tables.rows(
        f"{with_clause}select {', '.join(measures)} from (select f.*, {', '.join(flags)} "
        f"from ({frame.sql}) f) x where {any_failing}",
        cycle,
    )
    examples = {
        rule.name: {str(k): _jsonable(v) for k, v in example.items()}
        if example is not None
        else None
        for rule, example in zip(rules, values[:-1], strict=True)
    }
    return examples, int(values[-1])


def _evaluate_frame(tables: Tables, frame: Frame, rules: Sequence[Rule], cycle: str) -> _Evaluated:
    """The frame's row count, and per row-level rule its failing rows and the first failing
    row (in the frame's order); rows failing any rule. A first scan counts; only when a
    rule fails, a second one finds its rows."""
    checked = _checked(rules)
    rows, failing = _count_failing(tables, frame, checked, cycle)
    failed = [rule for rule in checked if failing[rule.name]]
    examples: dict[str, dict[str, Any] | None] = dict.fromkeys(failing)
    failing_any = 0
    if failed:
        found, failing_any = _failing_rows(tables, frame, failed, cycle)
        examples |= found
    return _Evaluated(rows, failing, examples, failing_any)


def validate_suite(tables: Tables, suite: Suite, cycle: str) -> QualityResult:
    """Evaluate every frame of ``suite`` (built in the dialect of ``tables``) for ``cycle``."""
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
        )

    outcomes: list[RuleOutcome] = []
    failing_rows = 0
    rows_checked = 0
    for frame_name, frame in suite.frames.items():
        rules = [rule for rule in suite.rules if rule.frame == frame_name]
        if not rules:
            continue
        evaluated = _evaluate_frame(tables, frame, rules, cycle)
        if frame_name == "rows":
            rows_checked = evaluated.rows
            failing_rows += evaluated.failing_any
        for rule in rules:
            expectation = rule.expectation
            if expectation.min_rows is not None:
                passed = evaluated.rows >= expectation.min_rows
                count, example = 0, None
                text = f"fails (observed {evaluated.rows})"
            else:
                count = evaluated.failing[rule.name]
                passed, example = count == 0, evaluated.examples[rule.name]
                text = f"{count} row(s) of {evaluated.rows} fail"
                if frame_name != "rows":
                    failing_rows += count
            outcomes.append(
                RuleOutcome(
                    rule.name,
                    passed,
                    rule.severity,
                    0 if passed else count,
                    None if passed else example,
                    expectation.describe(),
                    f"{rule.description}: " + ("ok" if passed else text),
                )
            )

    order = {rule.name: position for position, rule in enumerate(suite.rules)}
    outcomes.sort(key=lambda outcome: order[outcome.rule])
    failed = [outcome for outcome in outcomes if not outcome.passed]
    if not failed:
        description = (
            f"{suite.name} {cycle}: {rows_checked} row(s), all {len(outcomes)} expectations pass"
        )
        worst = ERROR if any(rule.severity == ERROR for rule in suite.rules) else WARN
        return QualityResult(
            suite=suite.name,
            cycle=cycle,
            passed=True,
            check=suite.name,
            failing_rows=0,
            example_row=None,
            description=description,
            severity=worst,
            rows_checked=rows_checked,
            outcomes=tuple(outcomes),
            engine=tables.dialect.name,
        )
    first = failed[0]
    example = next((o.example_row for o in failed if o.example_row is not None), None)
    severity = ERROR if any(o.severity == ERROR for o in failed) else WARN
    description = (
        f"{suite.name} {cycle}: {len(failed)} of {len(outcomes)} expectations fail, "
        f"{failing_rows} failing row(s) of {rows_checked}. "
        + " ".join(f"[{o.rule}] {o.description}." for o in failed)
    )
    return QualityResult(
        suite=suite.name,
        cycle=cycle,
        passed=False,
        check=first.rule,
        failing_rows=failing_rows,
        example_row=example,
        description=description,
        severity=severity,
        rows_checked=rows_checked,
        outcomes=tuple(outcomes),
        engine=tables.dialect.name,
    )


def evaluate(tables: Tables, table: str, window: CycleWindow) -> QualityResult:
    """Build ``table``'s suite for the cycle, in the dialect of ``tables``, and evaluate it
    there."""
    reference = read_reference(tables, window.cycle)
    suite = build_suite(table, window, reference, tables.dialect)
    return validate_suite(tables, suite, window.cycle)


def run_quality(warehouse: Path | str, table: str, window: CycleWindow) -> QualityResult:
    """Open the warehouse read-only and evaluate ``table``'s suite for the cycle in it."""
    with connect(Path(warehouse), read_only=True) as con:
        return evaluate(WarehouseTables(con), table, window)
