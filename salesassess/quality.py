"""Data quality of one quarterly partition: expectations evaluated where the data is.

Every raw kind (and the two main marts) has a suite of rules. The suites of the landing
kinds are generated from the landing contract (:mod:`salesassess.contract`), the same
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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from salesassess.calendar import CycleWindow
from salesassess.contract import KINDS, LandingKind
from salesassess.warehouse import connect, table_exists

ERROR = "ERROR"
WARN = "WARN"

SAMPLE_STATUSES = ("ok", "insufficient_sample")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, datetime):
        return f"timestamptz '{value.isoformat()}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


class Shown(str):
    """An argument shown as written (``repr`` without quotes), e.g. a set read in SQL."""

    def __repr__(self) -> str:
        return str(self)


# --------------------------------------------------------------------------------------
# Expectations


@dataclass(frozen=True)
class Expectation:
    """One expectation and the SQL that evaluates it over a frame.

    ``fails``: SQL over one row of the frame (alias ``f``), true when the row breaks the
    expectation (NULL does not fail); ``unique``: the columns whose combined value must be
    unique (duplicates are found with a GROUP BY); ``min_rows``: a table-level expectation
    on the frame's row count. ``kind``, ``arguments`` and ``where`` describe it in check
    metadata; ``tables`` are the other tables the SQL reads.
    """

    kind: str
    arguments: tuple[tuple[str, Any], ...]
    fails: str = ""
    where: str = ""
    unique: tuple[str, ...] = ()
    min_rows: int | None = None
    tables: tuple[str, ...] = ()

    def describe(self) -> str:
        def show(value: Any) -> str:
            if isinstance(value, (datetime, date)):
                return value.isoformat()
            return repr(value)

        arguments = ", ".join(
            f"{key}={show(value)}" for key, value in self.arguments if value is not None
        )
        return f"{self.kind}({arguments})" + (f" where {self.where}" if self.where else "")


def _condition(where: Mapping[str, str]) -> tuple[str, str]:
    """(SQL, shown) of a row condition such as ``rubric_version == '1'``."""
    sql = " and ".join(f"f.{_quote(c)} = {_sql_literal(v)}" for c, v in where.items())
    shown = " and ".join(f"{c} == {v!r}" for c, v in where.items())
    return sql, shown


def not_null(column: str) -> Expectation:
    return Expectation(
        "expect_column_values_to_not_be_null",
        (("column", column),),
        fails=f"f.{_quote(column)} is null",
    )


def unique(key: Sequence[str]) -> Expectation:
    if len(key) == 1:
        return Expectation(
            "expect_column_values_to_be_unique", (("column", key[0]),), unique=tuple(key)
        )
    return Expectation(
        "expect_compound_columns_to_be_unique", (("column_list", list(key)),), unique=tuple(key)
    )


def in_set(
    column: str, values: Sequence[Any], where: Mapping[str, str] | None = None
) -> Expectation:
    value = f"f.{_quote(column)}"
    condition, shown = _condition(where or {})
    options = ", ".join(_sql_literal(v) for v in sorted(values))
    fails = f"{value} is not null" + (f" and {value} not in ({options})" if options else "")
    return Expectation(
        "expect_column_values_to_be_in_set",
        (("column", column), ("value_set", sorted(values))),
        fails=f"{condition} and {fails}" if condition else fails,
        where=shown,
    )


def in_table(column: str, table: str, key: str, cycle: str) -> Expectation:
    """``column`` is a ``key`` of ``table`` in the same cycle (a semi-join in DuckDB)."""
    value = f"f.{_quote(column)}"
    return Expectation(
        "expect_column_values_to_be_in_set",
        (("column", column), ("value_set", Shown(f"{table}.{key} of {cycle}"))),
        fails=f"{value} is not null and not exists (select 1 from {table} r "
        f"where r.cycle = $cycle and r.{_quote(key)} = {value})",
        tables=(table,),
    )


def between(
    column: str,
    low: Any = None,
    high: Any = None,
    *,
    strict_max: bool = False,
    where: Mapping[str, str] | None = None,
) -> Expectation:
    value = f"f.{_quote(column)}"
    outside = []
    if low is not None:
        outside.append(f"{value} < {_sql_literal(low)}")
    if high is not None:
        outside.append(f"{value} {'>=' if strict_max else '>'} {_sql_literal(high)}")
    condition, shown = _condition(where or {})
    fails = f"{value} is not null and ({' or '.join(outside)})"
    arguments = [("column", column), ("min_value", low), ("max_value", high)]
    if strict_max:
        arguments.append(("strict_max", True))
    return Expectation(
        "expect_column_values_to_be_between",
        tuple(arguments),
        fails=f"{condition} and {fails}" if condition else fails,
        where=shown,
    )


def satisfies(holds: str, kind: str = "", arguments: tuple = ()) -> Expectation:
    """Every row satisfies the SQL condition ``holds`` (over the frame's columns)."""
    return Expectation(
        kind or "expect_row_values_to_satisfy",
        arguments or (("condition", holds),),
        fails=f"not ({holds})",
    )


def row_count_at_least(minimum: int) -> Expectation:
    return Expectation(
        "expect_table_row_count_to_be_between", (("min_value", minimum),), min_rows=minimum
    )


# --------------------------------------------------------------------------------------
# Suites


@dataclass(frozen=True)
class Rule:
    """One check of a suite: an expectation over one frame of the partition."""

    name: str
    description: str
    expectation: Expectation
    frame: str = "rows"
    severity: str = ERROR


@dataclass(frozen=True)
class Reference:
    """The cycle's rubric versions, as ingested: scale and criteria per version."""

    scales: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    criteria: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Frame:
    """Rows a suite validates: ``sql`` (with the ``$cycle`` parameter) selecting
    ``columns`` (what an example row shows) and ``order`` (the frame's order: the example
    is the first failing row)."""

    table: str
    sql: str
    columns: tuple[str, ...]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Suite:
    """The rules of one table and the frames they are validated on (``rows``: the table's
    partition; other frames: aggregates computed in DuckDB)."""

    name: str
    table: str
    frames: Mapping[str, Frame]
    rules: tuple[Rule, ...]

    @property
    def tables(self) -> set[str]:
        read = {rule_table for rule in self.rules for rule_table in rule.expectation.tables}
        return {self.table, *(frame.table for frame in self.frames.values()), *read}


def _name(column: str) -> str:
    """The output name of a select item (``expression as name`` or a column)."""
    return column.rsplit(" as ", 1)[-1]


def _rows(
    table: str, columns: Sequence[str], order: Sequence[str], hidden: Sequence[str] = ()
) -> Frame:
    """The partition's rows of ``table``: ``columns`` shown in an example row, ``hidden``
    columns only checked, ordered by ``order``."""
    names = [_name(column) for column in columns]
    extra = [column for column in order if column not in names]
    select = [*columns, *hidden, *(f"{column} as _order_{column}" for column in extra)]
    return Frame(
        table,
        f"select {', '.join(select)} from {table} where cycle = $cycle",
        tuple(names),
        tuple(column if column in names else f"_order_{column}" for column in order),
    )


def _load_log(kind: str) -> Frame:
    return Frame(
        "raw.load_log",
        "select kind, file, rows_read, rows_accepted, rows_quarantined, rows_other_partition, "
        "rows_accepted + rows_quarantined + rows_other_partition as rows_accounted "
        f"from raw.load_log where cycle = $cycle and kind = '{kind}'",
        (
            "kind",
            "file",
            "rows_read",
            "rows_accepted",
            "rows_quarantined",
            "rows_other_partition",
            "rows_accounted",
        ),
        ("file",),
    )


def _not_null(column: str, severity: str = ERROR) -> Rule:
    return Rule(
        f"{column}_not_null", f"{column} is never null", not_null(column), severity=severity
    )


def _key_rules(key: Sequence[str], severity: str = ERROR) -> list[Rule]:
    """Every key column not null, the key unique within the cycle."""
    return [
        *(_not_null(column, severity) for column in key),
        Rule(
            f"{'_'.join(key)}_unique",
            f"({', '.join(key)}) is unique within the cycle",
            unique(key),
            severity=severity,
        ),
    ]


def _in_set(column: str, values: Sequence[str], what: str, severity: str = ERROR) -> Rule:
    return Rule(
        f"{column}_known", f"{column} is one of {what}", in_set(column, values), severity=severity
    )


def _between(column: str, low, high, description: str, severity: str = ERROR) -> Rule:
    return Rule(f"{column}_in_range", description, between(column, low, high), severity=severity)


def _load_log_rule(severity: str = ERROR) -> Rule:
    return Rule(
        "load_log_reconciles",
        "raw.load_log: rows_read = rows_accepted + rows_quarantined + rows_other_partition "
        "for every file",
        satisfies(
            "f.rows_read = f.rows_accounted",
            "expect_column_pair_values_to_be_equal",
            (("column_A", "rows_read"), ("column_B", "rows_accounted")),
        ),
        frame="load_log",
        severity=severity,
    )


def _scale_rules(column: str, reference: Reference) -> list[Rule]:
    """``column`` inside the scale of the row's rubric version (scale read for the cycle)."""
    return [
        Rule(
            f"{column}_within_scale_v{version}",
            f"{column} of rubric version {version} lies inside its scale {low:g}..{high:g}",
            between(column, low, high, where={"rubric_version": version}),
        )
        for version, (low, high) in sorted(reference.scales.items())
    ]


REFERENCED_KEYS = {"reps": "rep_id", "calls": "call_id"}


def contract_rules(kind: LandingKind, window: CycleWindow, severity: str = ERROR) -> list[Rule]:
    """The rules the landing contract declares for ``raw.<kind>``: per column in the
    contract's order (the key first) not null when required, the key unique, allowed
    values, the reference, the lowest value and the cycle's window; then the row rules."""
    key_columns = [kind.column(name) for name in kind.key]
    others = [column for column in kind.columns if column.name not in kind.key]
    rules = _key_rules(kind.key, severity)
    for column in [*key_columns, *others]:
        name = column.name
        if column.required and name not in kind.key:
            rules.append(_not_null(name, severity))
        if column.allowed:
            rules.append(_in_set(name, column.allowed, ", ".join(column.allowed), severity))
        if column.references:
            table = f"raw.{column.references}"
            rules.append(
                Rule(
                    f"{name}_known",
                    f"{name} is one of the {column.references} of {window.cycle} ({table})",
                    in_table(name, table, REFERENCED_KEYS[column.references], window.cycle),
                    severity=severity,
                )
            )
        if column.minimum is not None:
            what = "not negative" if column.minimum == 0 else f"at least {column.minimum:g}"
            rules.append(_between(name, column.minimum, None, f"{name} is {what}", severity))
        if name == kind.window_column:
            rules.append(
                Rule(
                    f"{name}_in_window",
                    f"{name} lies in the cycle's window {window.start.isoformat()} <= "
                    f"{name} < {window.end.isoformat()}",
                    between(name, window.start, window.end, strict_max=True),
                    severity=severity,
                )
            )
    rules += [
        Rule(rule.check, rule.description, satisfies(rule.holds), severity=severity)
        for rule in kind.row_rules
    ]
    return rules


# the rubric version a score was resolved to is the one its rules read
_RESOLVED = {"rubric_version": "rubric_version_resolved as rubric_version"}


def _raw_frame(kind: LandingKind, order: Sequence[str]) -> Frame:
    """The partition's rows of ``raw.<kind>``: the contract's columns and their source
    (``text`` is checked but never shown: transcript content stays out of check metadata;
    a score's ``rubric_version`` is the resolved one)."""
    columns = [
        _RESOLVED.get(column.name, column.name) if kind.name == "scores" else column.name
        for column in kind.columns
        if column.name != "text"
    ]
    if "cycle" not in columns:
        columns.insert(0, "cycle")
    hidden = ["text"] if any(column.name == "text" for column in kind.columns) else []
    return _rows(f"raw.{kind.name}", [*columns, "source_file", "source_row"], order, hidden)


def _raw_suite(
    kind_name: str,
    window: CycleWindow,
    extra_rules: Sequence[Rule] = (),
    *,
    severity: str = ERROR,
    first: Sequence[Rule] = (),
) -> Suite:
    kind = KINDS[kind_name]
    order = ["source_file", "source_row", *kind.key]
    return Suite(
        name=f"raw.{kind.name}",
        table=f"raw.{kind.name}",
        frames={
            "rows": _raw_frame(kind, order),
            "load_log": _load_log(kind.name),
        },
        rules=(
            *first,
            *contract_rules(kind, window, severity),
            *extra_rules,
            _load_log_rule(severity),
        ),
    )


def _reps_suite(window: CycleWindow, reference: Reference) -> Suite:
    return _raw_suite(
        "reps",
        window,
        first=[Rule("has_reps", "the cycle has at least one rep", row_count_at_least(1))],
    )


def _calls_suite(window: CycleWindow, reference: Reference) -> Suite:
    return _raw_suite("calls", window)


def _utterances_suite(window: CycleWindow, reference: Reference) -> Suite:
    # Transcripts are evidence, not scores: a broken line warns, it does not gate the cycle.
    return _raw_suite("utterances", window, severity=WARN)


def _scores_suite(window: CycleWindow, reference: Reference) -> Suite:
    versions = f"the rubric versions of {window.cycle} (raw.rubric_criteria)"
    return _raw_suite(
        "scores",
        window,
        [
            _not_null("rubric_version"),
            _in_set("rubric_version", list(reference.scales), versions),
            *(
                Rule(
                    f"criterion_id_known_v{version}",
                    f"criterion_id is a criterion of rubric version {version}",
                    in_set("criterion_id", criteria, where={"rubric_version": version}),
                )
                for version, criteria in sorted(reference.criteria.items())
            ),
            *_scale_rules("score", reference),
        ],
    )


def _opportunities_suite(window: CycleWindow, reference: Reference) -> Suite:
    return _raw_suite("opportunities", window)


def _rubric_criteria_suite(window: CycleWindow, reference: Reference) -> Suite:
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
            # a sum per group: DuckDB sums, the expectation checks the sums
            "weights": Frame(
                "raw.rubric_criteria",
                "select rubric_version, sum(weight) as weight_total, count(*) as n_criteria "
                "from raw.rubric_criteria where cycle = $cycle group by rubric_version",
                ("rubric_version", "weight_total", "n_criteria"),
                ("rubric_version",),
            ),
        },
        rules=(
            Rule("has_rubric", "the cycle has a rubric", row_count_at_least(1)),
            *_key_rules(["rubric_version", "criterion_id"]),
            _not_null("weight"),
            _between("weight", 1, 100, "every weight is a whole percent from 1 to 100"),
            Rule(
                "scale_max_above_min",
                "scale_max > scale_min",
                satisfies(
                    "f.scale_max > f.scale_min",
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    (("column_A", "scale_max"), ("column_B", "scale_min")),
                ),
            ),
            Rule(
                "weights_sum_to_100",
                "the weights of every rubric version sum to 100",
                between("weight_total", 100, 100),
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
    """A value of a DuckDB row as plain JSON (timestamps as ISO-8601, missing as None)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def read_reference(con: duckdb.DuckDBPyConnection, cycle: str) -> Reference:
    """The cycle's rubric versions (scale and criteria), as ingested."""
    if not table_exists(con, "raw.rubric_criteria"):
        return Reference()
    versions = con.execute(
        "select rubric_version, min(scale_min), max(scale_max), list(distinct criterion_id) "
        "from raw.rubric_criteria where cycle = $cycle and rubric_version is not null "
        "group by rubric_version",
        {"cycle": cycle},
    ).fetchall()
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


def _key(columns: Sequence[str]) -> str:
    return ", ".join(_quote(column) for column in columns)


def _count_failing(
    con: duckdb.DuckDBPyConnection, frame: Frame, rules: Sequence[Rule], cycle: str
) -> tuple[int, dict[str, int]]:
    """One scan: the frame's row count and each rule's failing rows (a unique key's
    failing rows are those of its duplicated values, counted by a GROUP BY)."""
    measures = ["count(*)"]
    for rule in rules:
        expectation = rule.expectation
        if expectation.unique:
            key = _key(expectation.unique)
            measures.append(
                f"(select coalesce(sum(n), 0) from (select count(*) as n from ({frame.sql}) g "
                f"group by {key} having count(*) > 1))"
            )
        else:
            measures.append(f"count(*) filter (where coalesce({expectation.fails}, false))")
    values = con.execute(
        f"select {', '.join(measures)} from ({frame.sql}) f", {"cycle": cycle}
    ).fetchone()
    return int(values[0]), {rule.name: int(n) for rule, n in zip(rules, values[1:], strict=True)}


def _failing_rows(
    con: duckdb.DuckDBPyConnection, frame: Frame, rules: Sequence[Rule], cycle: str
) -> tuple[dict[str, dict[str, Any] | None], int]:
    """For failing rules only: the first failing row of each (in the frame's order) and
    the number of rows failing any of them."""
    duplicates: list[str] = []
    flags: list[str] = []
    for number, rule in enumerate(rules):
        expectation = rule.expectation
        if expectation.unique:
            key = _key(expectation.unique)
            duplicates.append(
                f"dup_{number} as (select {key} from ({frame.sql}) g "
                f"group by {key} having count(*) > 1)"
            )
            match = " and ".join(f"d.{_quote(c)} = f.{_quote(c)}" for c in expectation.unique)
            flags.append(f"exists (select 1 from dup_{number} d where {match}) as _fails_{number}")
        else:
            flags.append(f"coalesce({expectation.fails}, false) as _fails_{number}")
    row = "struct_pack(" + ", ".join(f"{_quote(c)} := {_quote(c)}" for c in frame.columns) + ")"
    order = "struct_pack(" + ", ".join(f"{_quote(c)} := {_quote(c)}" for c in frame.order) + ")"
    measures = [
        f"arg_min({row}, {order}) filter (where _fails_{number})" for number in range(len(rules))
    ]
    any_failing = " or ".join(f"_fails_{number}" for number in range(len(rules)))
    measures.append(f"count(*) filter (where {any_failing})")
    with_clause = f"with {', '.join(duplicates)} " if duplicates else ""
    values = con.execute(
        f"{with_clause}select {', '.join(measures)} from (select f.*, {', '.join(flags)} "
        f"from ({frame.sql}) f) x where {any_failing}",
        {"cycle": cycle},
    ).fetchone()
    examples = {
        rule.name: {str(k): _jsonable(v) for k, v in example.items()}
        if example is not None
        else None
        for rule, example in zip(rules, values[:-1], strict=True)
    }
    return examples, int(values[-1])


def _evaluate_frame(
    con: duckdb.DuckDBPyConnection, frame: Frame, rules: Sequence[Rule], cycle: str
) -> _Evaluated:
    """The frame's row count, and per row-level rule its failing rows and the first failing
    row (in the frame's order); rows failing any rule. A first scan counts; only when a
    rule fails, a second one finds its rows."""
    checked = _checked(rules)
    rows, failing = _count_failing(con, frame, checked, cycle)
    failed = [rule for rule in checked if failing[rule.name]]
    examples: dict[str, dict[str, Any] | None] = dict.fromkeys(failing)
    failing_any = 0
    if failed:
        found, failing_any = _failing_rows(con, frame, failed, cycle)
        examples |= found
    return _Evaluated(rows, failing, examples, failing_any)


def validate_suite(con: duckdb.DuckDBPyConnection, suite: Suite, cycle: str) -> QualityResult:
    """Evaluate every frame of ``suite`` for ``cycle`` on an open warehouse connection."""
    missing = sorted(table for table in suite.tables if not table_exists(con, table))
    if missing:
        text = f"{suite.name} {cycle}: table(s) {', '.join(missing)} do not exist"
        outcome = RuleOutcome("table_exists", False, ERROR, 0, None, "table exists", text)
        return QualityResult(
            suite.name, cycle, False, "table_exists", 0, None, text, ERROR, 0, (outcome,)
        )

    outcomes: list[RuleOutcome] = []
    failing_rows = 0
    rows_checked = 0
    for frame_name, frame in suite.frames.items():
        rules = [rule for rule in suite.rules if rule.frame == frame_name]
        if not rules:
            continue
        evaluated = _evaluate_frame(con, frame, rules, cycle)
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
    """Open the warehouse read-only, build ``table``'s suite for the cycle and evaluate it."""
    with connect(Path(warehouse), read_only=True) as con:
        reference = read_reference(con, window.cycle)
        suite = build_suite(table, window, reference)
        return validate_suite(con, suite, window.cycle)
