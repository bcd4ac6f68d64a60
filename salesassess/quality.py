"""Data quality of one quarterly partition: Great Expectations 1.x suites over the warehouse.

Every raw kind (and the two main marts) has a suite of rules. A rule is one GX expectation
validated against a pandas frame read read-only from DuckDB and filtered by ``cycle``:

* ``rows``: the partition's rows of the table itself (keys unique and not null, values in
  their set or range, timestamps inside the cycle's half-open window, references to the
  cycle's reps and calls, scores on their rubric version's scale, ...);
* an aggregate frame computed in DuckDB where GX has no expectation for it (weights per
  rubric version, the reconciliation of ``raw.load_log``), validated with GX as well.

``run_quality`` returns a ``QualityResult``: passed, the failing check, the number of failing
rows, an example failing row and a text description. Nothing here knows about Dagster
(``orchestration/checks.py`` turns results into asset check results).

GX is imported lazily (its import takes seconds), with analytics and progress bars off.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from salesassess.calendar import CycleWindow
from salesassess.vocabulary import SCORER_KINDS, SPEAKER_ROLES
from salesassess.warehouse import connect

ERROR = "ERROR"
WARN = "WARN"

SAMPLE_STATUSES = ("ok", "insufficient_sample")
RESULT_FORMAT = {"result_format": "COMPLETE"}  # exact index lists: distinct failing rows


@cache
def _gx():
    """``great_expectations``, imported once with its analytics off and its import noise
    (DeprecationWarnings of its own dependencies) silenced."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
    return gx


def _context():
    """A fresh in-memory GX context: no data docs site, no progress bars, no analytics."""
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        analytics_enabled=False,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _version_is(version: str):
    """GX row condition: rows of one rubric version."""
    _gx()
    from great_expectations.expectations.row_conditions import Column

    return Column("rubric_version") == version


# --------------------------------------------------------------------------------------
# Suites


@dataclass(frozen=True)
class Rule:
    """One check of a suite: a GX expectation over one frame of the partition."""

    name: str
    description: str
    expectation: Any  # a great_expectations Expectation
    frame: str = "rows"
    severity: str = ERROR


@dataclass(frozen=True)
class Reference:
    """What the cycle's rows are checked against: its reps, calls and rubric versions."""

    rep_ids: tuple[str, ...] = ()
    call_ids: tuple[str, ...] = ()
    scales: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    criteria: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Frame:
    """Rows a suite validates: SQL over ``table`` with the ``$cycle`` parameter."""

    table: str
    sql: str


@dataclass(frozen=True)
class Suite:
    """The rules of one table and the frames they are validated on (``rows``: the table's
    partition; other frames: aggregates computed in DuckDB)."""

    name: str
    table: str
    frames: Mapping[str, Frame]
    rules: tuple[Rule, ...]


def _rows(table: str, columns: Sequence[str], order: Sequence[str]) -> Frame:
    return Frame(
        table,
        f"select {', '.join(columns)} from {table} where cycle = $cycle "
        f"order by {', '.join(order)}",
    )


def _load_log(kind: str) -> Frame:
    return Frame(
        "raw.load_log",
        "select kind, file, rows_read, rows_accepted, rows_quarantined, rows_other_partition, "
        "rows_accepted + rows_quarantined + rows_other_partition as rows_accounted "
        f"from raw.load_log where cycle = $cycle and kind = '{kind}' order by file",
    )


def _not_null(column: str, severity: str = ERROR) -> Rule:
    gx = _gx()
    return Rule(
        f"{column}_not_null",
        f"{column} is never null",
        gx.expectations.ExpectColumnValuesToNotBeNull(column=column),
        severity=severity,
    )


def _key_rules(key: Sequence[str], severity: str = ERROR) -> list[Rule]:
    """Every key column not null, the key unique within the cycle."""
    gx = _gx()
    unique = (
        gx.expectations.ExpectColumnValuesToBeUnique(column=key[0])
        if len(key) == 1
        else gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=list(key))
    )
    name = "_".join(key)
    return [
        *(_not_null(column, severity) for column in key),
        Rule(
            f"{name}_unique",
            f"({', '.join(key)}) is unique within the cycle",
            unique,
            severity=severity,
        ),
    ]


def _in_set(column: str, values: Sequence[str], what: str, severity: str = ERROR) -> Rule:
    gx = _gx()
    return Rule(
        f"{column}_known",
        f"{column} is one of {what}",
        gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=sorted(values)),
        severity=severity,
    )


def _load_log_rule(severity: str = ERROR) -> Rule:
    gx = _gx()
    return Rule(
        "load_log_reconciles",
        "raw.load_log: rows_read = rows_accepted + rows_quarantined + rows_other_partition "
        "for every file",
        gx.expectations.ExpectColumnPairValuesToBeEqual(
            column_A="rows_read", column_B="rows_accounted"
        ),
        frame="load_log",
        severity=severity,
    )


def _scale_rules(column: str, reference: Reference) -> list[Rule]:
    """``column`` inside the scale of the row's rubric version (scale read for the cycle)."""
    gx = _gx()
    return [
        Rule(
            f"{column}_within_scale_v{version}",
            f"{column} of rubric version {version} lies inside its scale {low:g}..{high:g}",
            gx.expectations.ExpectColumnValuesToBeBetween(
                column=column,
                min_value=low,
                max_value=high,
                row_condition=_version_is(version),
            ),
        )
        for version, (low, high) in sorted(reference.scales.items())
    ]


def _between(column: str, low, high, description: str, severity: str = ERROR) -> Rule:
    gx = _gx()
    return Rule(
        f"{column}_in_range",
        description,
        gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high),
        severity=severity,
    )


def _reps_suite(window: CycleWindow, reference: Reference) -> Suite:
    gx = _gx()
    return Suite(
        name="raw.reps",
        table="raw.reps",
        frames={
            "rows": _rows(
                "raw.reps",
                ["cycle", "rep_id", "rep_name", "manager_id", "team", "source_file", "source_row"],
                ["source_file", "source_row"],
            ),
            "load_log": _load_log("reps"),
        },
        rules=(
            Rule(
                "has_reps",
                "the cycle has at least one rep",
                gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
            ),
            *_key_rules(["rep_id"]),
            _not_null("rep_name"),
            _not_null("manager_id"),
            _load_log_rule(),
        ),
    )


def _calls_suite(window: CycleWindow, reference: Reference) -> Suite:
    gx = _gx()
    return Suite(
        name="raw.calls",
        table="raw.calls",
        frames={
            "rows": _rows(
                "raw.calls",
                [
                    "cycle",
                    "call_id",
                    "rep_id",
                    "started_at",
                    "duration_s",
                    "opportunity_id",
                    "source_file",
                    "source_row",
                ],
                ["source_file", "source_row", "call_id"],
            ),
            "load_log": _load_log("calls"),
        },
        rules=(
            *_key_rules(["call_id"]),
            _not_null("rep_id"),
            _in_set("rep_id", reference.rep_ids, f"the reps of {window.cycle} (raw.reps)"),
            _not_null("started_at"),
            Rule(
                "started_at_in_window",
                f"started_at lies in the cycle's window {window.start.isoformat()} <= "
                f"started_at < {window.end.isoformat()}",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column="started_at",
                    min_value=window.start,
                    max_value=window.end,
                    strict_max=True,
                ),
            ),
            _not_null("duration_s"),
            _between("duration_s", 0, None, "duration_s is not negative"),
            _load_log_rule(),
        ),
    )


def _utterances_suite(window: CycleWindow, reference: Reference) -> Suite:
    # Transcripts are evidence, not scores: a broken line warns, it does not gate the cycle.
    gx = _gx()
    return Suite(
        name="raw.utterances",
        table="raw.utterances",
        frames={
            # no ``text``: transcript content is never copied into check metadata
            "rows": _rows(
                "raw.utterances",
                [
                    "cycle",
                    "call_id",
                    "seq",
                    "start_ms",
                    "end_ms",
                    "speaker_role",
                    "source_file",
                    "source_row",
                ],
                ["source_file", "source_row", "call_id", "seq"],
            ),
            "load_log": _load_log("utterances"),
        },
        rules=(
            *_key_rules(["call_id", "seq"], WARN),
            _in_set("call_id", reference.call_ids, f"the calls of {window.cycle}", WARN),
            _not_null("speaker_role", WARN),
            _in_set("speaker_role", SPEAKER_ROLES, ", ".join(SPEAKER_ROLES), WARN),
            _between("start_ms", 0, None, "start_ms is not negative", WARN),
            Rule(
                "end_not_before_start",
                "end_ms >= start_ms",
                gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="end_ms", column_B="start_ms", or_equal=True
                ),
                severity=WARN,
            ),
            _load_log_rule(WARN),
        ),
    )


def _scores_suite(window: CycleWindow, reference: Reference) -> Suite:
    gx = _gx()
    criteria_rules = [
        Rule(
            f"criterion_id_known_v{version}",
            f"criterion_id is a criterion of rubric version {version}",
            gx.expectations.ExpectColumnValuesToBeInSet(
                column="criterion_id",
                value_set=sorted(criteria),
                row_condition=_version_is(version),
            ),
        )
        for version, criteria in sorted(reference.criteria.items())
    ]
    return Suite(
        name="raw.scores",
        table="raw.scores",
        frames={
            "rows": _rows(
                "raw.scores",
                [
                    "cycle",
                    "call_id",
                    "criterion_id",
                    "scorer_id",
                    "scorer_kind",
                    "score",
                    "rubric_version_resolved as rubric_version",
                    "source_file",
                    "source_row",
                ],
                ["source_file", "source_row", "call_id", "criterion_id", "scorer_id"],
            ),
            "load_log": _load_log("scores"),
        },
        rules=(
            *_key_rules(["call_id", "criterion_id", "scorer_id"]),
            _in_set("call_id", reference.call_ids, f"the calls of {window.cycle} (raw.calls)"),
            _not_null("scorer_kind"),
            _in_set("scorer_kind", SCORER_KINDS, ", ".join(SCORER_KINDS)),
            _not_null("rubric_version"),
            _in_set(
                "rubric_version",
                list(reference.scales),
                f"the rubric versions of {window.cycle} (raw.rubric_criteria)",
            ),
            *criteria_rules,
            _not_null("score"),
            *_scale_rules("score", reference),
            _load_log_rule(),
        ),
    )


def _opportunities_suite(window: CycleWindow, reference: Reference) -> Suite:
    gx = _gx()
    return Suite(
        name="raw.opportunities",
        table="raw.opportunities",
        frames={
            "rows": _rows(
                "raw.opportunities",
                [
                    "cycle",
                    "opportunity_id",
                    "owner_rep_id",
                    "created_at",
                    "close_date",
                    "is_closed",
                    "is_won",
                    "source_file",
                    "source_row",
                ],
                ["source_file", "source_row", "opportunity_id"],
            ),
            "load_log": _load_log("opportunities"),
        },
        rules=(
            *_key_rules(["opportunity_id"]),
            _not_null("owner_rep_id"),
            _in_set("owner_rep_id", reference.rep_ids, f"the reps of {window.cycle} (raw.reps)"),
            _not_null("is_closed"),
            _not_null("is_won"),
            Rule(
                "won_implies_closed",
                "an opportunity that is won is closed (is_won implies is_closed)",
                gx.expectations.ExpectColumnPairValuesToBeInSet(
                    column_A="is_won",
                    column_B="is_closed",
                    value_pairs_set=[(True, True), (False, True), (False, False)],
                ),
            ),
            _load_log_rule(),
        ),
    )


def _rubric_criteria_suite(window: CycleWindow, reference: Reference) -> Suite:
    gx = _gx()
    return Suite(
        name="raw.rubric_criteria",
        table="raw.rubric_criteria",
        frames={
            "rows": _rows(
                "raw.rubric_criteria",
                [
                    "cycle",
                    "rubric_id",
                    "rubric_version",
                    "criterion_id",
                    "weight",
                    "scale_min",
                    "scale_max",
                    "source_file",
                ],
                ["rubric_version", "position", "criterion_id"],
            ),
            # GX has no "sum per group" expectation: DuckDB sums, GX checks the sums.
            "weights": Frame(
                "raw.rubric_criteria",
                "select rubric_version, sum(weight) as weight_total, count(*) as n_criteria "
                "from raw.rubric_criteria where cycle = $cycle group by rubric_version "
                "order by rubric_version",
            ),
        },
        rules=(
            Rule(
                "has_rubric",
                "the cycle has a rubric",
                gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
            ),
            *_key_rules(["rubric_version", "criterion_id"]),
            _not_null("weight"),
            _between("weight", 1, 100, "every weight is a whole percent from 1 to 100"),
            Rule(
                "scale_max_above_min",
                "scale_max > scale_min",
                gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="scale_max", column_B="scale_min"
                ),
            ),
            Rule(
                "weights_sum_to_100",
                "the weights of every rubric version sum to 100",
                gx.expectations.ExpectColumnValuesToBeBetween(
                    column="weight_total", min_value=100, max_value=100
                ),
                frame="weights",
            ),
        ),
    )


def _call_scores_suite(window: CycleWindow, reference: Reference) -> Suite:
    return Suite(
        name="marts.fct_call_scores",
        table="marts.fct_call_scores",
        frames={
            "rows": _rows(
                "marts.fct_call_scores",
                [
                    "cycle",
                    "call_id",
                    "rep_id",
                    "rubric_version",
                    "weighted_score",
                    "weighted_score_100",
                ],
                ["call_id"],
            )
        },
        rules=(
            *_key_rules(["call_id"]),
            _not_null("rep_id"),
            _in_set(
                "rubric_version",
                list(reference.scales),
                f"the rubric versions of {window.cycle} (raw.rubric_criteria)",
            ),
            *_scale_rules("weighted_score", reference),
            _between("weighted_score_100", 0, 100, "weighted_score_100 lies in 0..100"),
        ),
    )


def _rep_scorecards_suite(window: CycleWindow, reference: Reference) -> Suite:
    return Suite(
        name="marts.fct_rep_scorecards",
        table="marts.fct_rep_scorecards",
        frames={
            "rows": _rows(
                "marts.fct_rep_scorecards",
                [
                    "cycle",
                    "rep_id",
                    "rubric_version",
                    "n_scored_calls",
                    "sample_status",
                    "weighted_score",
                    "weighted_score_100",
                    "close_rate",
                ],
                ["rep_id"],
            )
        },
        rules=(
            *_key_rules(["rep_id", "cycle"]),
            _not_null("sample_status"),
            _in_set("sample_status", SAMPLE_STATUSES, ", ".join(SAMPLE_STATUSES)),
            *_scale_rules("weighted_score", reference),
            _between("weighted_score_100", 0, 100, "weighted_score_100 lies in 0..100"),
            _between("close_rate", 0, 1, "close_rate lies in 0..1"),
        ),
    )


SUITES: dict[str, Callable[[CycleWindow, Reference], Suite]] = {
    "raw.reps": _reps_suite,
    "raw.calls": _calls_suite,
    "raw.utterances": _utterances_suite,
    "raw.scores": _scores_suite,
    "raw.opportunities": _opportunities_suite,
    "raw.rubric_criteria": _rubric_criteria_suite,
    "marts.fct_call_scores": _call_scores_suite,
    "marts.fct_rep_scorecards": _rep_scorecards_suite,
}


def build_suite(table: str, window: CycleWindow, reference: Reference) -> Suite:
    """The rules of ``table`` (``raw.<kind>`` or a checked mart) for one cycle."""
    if table not in SUITES:
        raise KeyError(f"no quality suite for {table!r} (known: {', '.join(SUITES)})")
    return SUITES[table](window, reference)


def expectation_suites(suite: Suite) -> dict[str, Any]:
    """One ``gx.ExpectationSuite`` per frame; each expectation carries its rule in ``meta``."""
    gx = _gx()
    suites: dict[str, Any] = {}
    for rule in suite.rules:
        if rule.frame not in suites:
            suites[rule.frame] = gx.ExpectationSuite(name=f"{suite.name}:{rule.frame}")
        expectation = rule.expectation.copy(deep=True)
        expectation.meta = {"rule": rule.name}
        suites[rule.frame].add_expectation(expectation)
    return suites


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
    rule is an error, else WARN.
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

    @property
    def failed(self) -> tuple[RuleOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.passed)

    def outcome(self, rule: str) -> RuleOutcome:
        return next(outcome for outcome in self.outcomes if outcome.rule == rule)


def _jsonable(value: Any) -> Any:
    """A value of a pandas row as plain JSON (timestamps as ISO-8601, missing as None)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):  # a list or an array: not a missing scalar
        pass
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _row(frame, index) -> dict[str, Any]:
    return {str(column): _jsonable(value) for column, value in frame.loc[index].items()}


def _describe_expectation(expectation_config) -> str:
    """``expect_...(column='x', ...)`` with its row condition, for check metadata."""

    def show(value: Any) -> str:
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        return repr(value)

    arguments = ", ".join(
        f"{key}={show(value)}"
        for key, value in expectation_config.kwargs.items()
        if key not in ("batch_id", "row_condition", "condition_parser") and value is not None
    )
    condition = expectation_config.kwargs.get("row_condition")
    if isinstance(condition, Mapping) and {"column", "operator", "parameter"} <= condition.keys():
        column = condition["column"]
        name = column.get("name") if isinstance(column, Mapping) else column
        condition = f"{name} {condition['operator']} {condition['parameter']!r}"
    where = f" where {condition}" if condition else ""
    return f"{expectation_config.type}({arguments}){where}"


def _exception_message(exception_info) -> str | None:
    infos = [exception_info] if isinstance(exception_info, dict) else []
    if isinstance(exception_info, dict) and "raised_exception" not in exception_info:
        infos = [info for info in exception_info.values() if isinstance(info, dict)]
    for info in infos:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "the expectation raised an error")
    return None


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = $schema and table_name = $name",
            {"schema": schema, "name": name},
        ).fetchone()[0]
    )


def read_reference(con: duckdb.DuckDBPyConnection, cycle: str) -> Reference:
    """The cycle's reps, calls and rubric versions (scale and criteria), as ingested."""

    def rows(table: str, sql: str) -> list[tuple]:
        return con.execute(sql, {"cycle": cycle}).fetchall() if _table_exists(con, table) else []

    reps = rows("raw.reps", "select distinct rep_id from raw.reps where cycle = $cycle")
    calls = rows("raw.calls", "select distinct call_id from raw.calls where cycle = $cycle")
    versions = rows(
        "raw.rubric_criteria",
        "select rubric_version, min(scale_min), max(scale_max), list(distinct criterion_id) "
        "from raw.rubric_criteria where cycle = $cycle and rubric_version is not null "
        "group by rubric_version",
    )
    return Reference(
        rep_ids=tuple(sorted(r for (r,) in reps if r is not None)),
        call_ids=tuple(sorted(c for (c,) in calls if c is not None)),
        scales={v: (float(low), float(high)) for v, low, high, _ in versions},
        criteria={v: tuple(sorted(c for c in ids if c is not None)) for v, *_, ids in versions},
    )


def validate_suite(con: duckdb.DuckDBPyConnection, suite: Suite, cycle: str) -> QualityResult:
    """Validate every frame of ``suite`` for ``cycle`` on an open warehouse connection."""
    tables = {suite.table, *(frame.table for frame in suite.frames.values())}
    missing = sorted(table for table in tables if not _table_exists(con, table))
    if missing:
        text = f"{suite.name} {cycle}: table(s) {', '.join(missing)} do not exist"
        outcome = RuleOutcome("table_exists", False, ERROR, 0, None, "table exists", text)
        return QualityResult(
            suite.name, cycle, False, "table_exists", 0, None, text, ERROR, 0, (outcome,)
        )

    rules = {rule.name: rule for rule in suite.rules}
    context = _context()
    source = context.data_sources.add_pandas(name="warehouse")
    outcomes: list[RuleOutcome] = []
    failing_table_rows: set = set()
    failing_other_rows = 0
    rows_checked = 0
    for frame_name, gx_suite in expectation_suites(suite).items():
        frame = con.execute(suite.frames[frame_name].sql, {"cycle": cycle}).df()
        if frame_name == "rows":
            rows_checked = len(frame)
        batch = (
            source.add_dataframe_asset(name=frame_name)
            .add_batch_definition_whole_dataframe("partition")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        validation = batch.validate(gx_suite, result_format=RESULT_FORMAT)
        for result in validation.results:
            rule = rules[result.expectation_config.meta["rule"]]
            expectation = _describe_expectation(result.expectation_config)
            error = _exception_message(result.exception_info)
            indexes = list(result.result.get("unexpected_index_list") or [])
            count = int(result.result.get("unexpected_count") or len(indexes))
            example = _row(frame, indexes[0]) if indexes and not result.success else None
            if result.success:
                text = f"{rule.description}: ok"
            elif error:
                text = f"{rule.description}: could not be evaluated: {error}"
            elif indexes or count:
                text = f"{rule.description}: {count} row(s) of {len(frame)} fail"
            else:
                observed = result.result.get("observed_value")
                text = f"{rule.description}: fails (observed {observed})"
            if not result.success:
                if frame_name == "rows":
                    failing_table_rows.update(indexes)
                else:
                    failing_other_rows += count
            outcomes.append(
                RuleOutcome(
                    rule.name,
                    bool(result.success),
                    rule.severity,
                    count if not result.success else 0,
                    example,
                    expectation,
                    text,
                )
            )

    order = {rule.name: position for position, rule in enumerate(suite.rules)}
    outcomes.sort(key=lambda outcome: order[outcome.rule])
    failed = [outcome for outcome in outcomes if not outcome.passed]
    failing_rows = len(failing_table_rows) + failing_other_rows
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
    )


def run_quality(warehouse: Path | str, table: str, window: CycleWindow) -> QualityResult:
    """Open the warehouse read-only, build ``table``'s suite for the cycle and validate it."""
    with connect(Path(warehouse), read_only=True) as con:
        reference = read_reference(con, window.cycle)
        suite = build_suite(table, window, reference)
        return validate_suite(con, suite, window.cycle)
