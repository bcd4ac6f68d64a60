"""The quality suite of every raw kind and of the two main marts: the landing kinds' rules
generated from the landing contract (:mod:`salesassess.landing.contract`), the rules that need the
cycle's rubric, and the marts' rules (Great Expectations validates them:
:mod:`salesassess.quality.validation`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from salesassess.engines.sql_dialect import DUCKDB, Dialect, current, using
from salesassess.landing.contract import KINDS, LandingKind
from salesassess.method.calendar import CycleWindow
from salesassess.quality.expectations import (
    ERROR,
    WARN,
    Frame,
    Reference,
    Rule,
    Suite,
    between,
    in_set,
    in_table,
    not_null,
    pair_greater,
    row_count_at_least,
    satisfies,
    unique,
)

SAMPLE_STATUSES = ("ok", "insufficient_sample", "unrepresentative")


def _name(column: str) -> str:
    """The output name of a select item (``expression as name`` or a column)."""
    return column.rsplit(" as ", 1)[-1]


def _rows(
    table: str,
    cycle: str,
    columns: Sequence[str],
    order: Sequence[str],
    hidden: Sequence[str] = (),
) -> Frame:
    """The partition's rows of ``table``: ``columns`` shown in an example row, ``hidden``
    columns only checked, ordered by ``order``."""
    names = [_name(column) for column in columns]
    extra = [column for column in order if column not in names]
    select = [*columns, *hidden, *(f"{column} as _order_{column}" for column in extra)]
    return Frame(
        table,
        f"select {', '.join(select)} from {table} where cycle = {current().value(cycle)}",
        tuple(names),
        tuple(column if column in names else f"_order_{column}" for column in order),
    )


def _load_log(kind: str, cycle: str) -> Frame:
    return Frame(
        "raw.load_log",
        "select kind, file, rows_read, rows_accepted, rows_quarantined, rows_other_partition, "
        "rows_accepted + rows_quarantined + rows_other_partition as rows_accounted "
        f"from raw.load_log where cycle = {current().value(cycle)} and kind = '{kind}'",
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
        satisfies("rows_read = rows_accounted"),
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


def _raw_frame(kind: LandingKind, cycle: str, order: Sequence[str]) -> Frame:
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
    return _rows(f"raw.{kind.name}", cycle, [*columns, "source_file", "source_row"], order, hidden)


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
            "rows": _raw_frame(kind, window.cycle, order),
            "load_log": _load_log(kind.name, window.cycle),
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
                window.cycle,
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
            # a sum per group: the engine sums, the expectation checks the sums
            "weights": Frame(
                "raw.rubric_criteria",
                "select rubric_version, sum(weight) as weight_total, count(*) as n_criteria "
                f"from raw.rubric_criteria where cycle = {current().value(window.cycle)} "
                "group by rubric_version",
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
                pair_greater("scale_max", "scale_min"),
            ),
            Rule(
                "weights_sum_to_100",
                "the weights of every rubric version sum to 100",
                satisfies("weight_total = 100"),
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
                window.cycle,
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
                window.cycle,
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


def build_suite(
    table: str, window: CycleWindow, reference: Reference, dialect: Dialect = DUCKDB
) -> Suite:
    """The rules of ``table`` (``raw.<kind>`` or a checked mart) for one cycle, their SQL in
    ``dialect``."""
    if table not in SUITES:
        raise KeyError(f"no quality suite for {table!r} (known: {', '.join(SUITES)})")
    with using(dialect):
        return SUITES[table](window, reference)
