"""The landing checks: which rows of a landing kind are accepted, generated from the contract.

Every row of the files read by :mod:`salesassess.landing.files` is typed by its contract
columns and judged (:func:`judge`): it is quarantined under the first rule it breaks
(a field rule of :class:`~salesassess.landing.contract.Column`, then :func:`landing_rules`:
lowest values, row rules, references, the kind's own rules), or as ``duplicate_key``
when an earlier row (file order) has its key; a row of another partition
(:func:`partition_condition`) is left for that partition.

Transcript and score rows are placed by their call's start: the call index
(:func:`build_call_index`) holds every call id of the landing calls files. A score row
without a rubric version gets the version in force on its call's date
(:func:`resolved_rubric_version_sql`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from salesassess.engines.warehouse import drop_tables, execute_named, quote_identifier, sql_literal
from salesassess.landing.contract import CALLS, Column, LandingKind
from salesassess.landing.files import LandedFile, LandingError, landing_files, open_landing_file


def reference_rules(column: Column) -> list[tuple[str, str]]:
    """The landing rules of a column that refers to another kind: a call must be in the
    landing calls files and accepted in ``raw.calls``; a rep in the cycle's ``raw.reps``."""
    value = f"t.{quote_identifier(column.name)}"
    if column.references == "calls":
        return [
            ("unknown_call", f"{value} not in (select call_id from landing_call_index)"),
            (
                "call_quarantined",
                f"{value} not in (select call_id from raw.calls where cycle = $cycle)",
            ),
        ]
    if column.references == "reps":
        return [
            (
                "unknown_rep",
                f"{value} not in (select rep_id from raw.reps where cycle = $cycle)",
            )
        ]
    return []


def landing_rules(kind: LandingKind) -> list[tuple[str, str]]:
    """(rule, condition over the typed row ``t`` that breaks it), in order, generated from
    the contract: lowest values, row rules, references, then the kind's own rules."""
    rules = [
        (column.below_minimum, f"t.{quote_identifier(column.name)} < {column.minimum:g}")
        for column in kind.columns
        if column.minimum is not None
    ]
    rules += [(rule.landing_rule, f"not ({rule.holds})") for rule in kind.row_rules]
    rules += [rule for column in kind.columns for rule in reference_rules(column)]
    return rules + list(kind.reference_rules)


def partition_condition(kind: LandingKind) -> str:
    """SQL deciding whether a row belongs to this partition (NULL: cannot tell)."""
    if kind.name == "calls":
        return "t.started_at >= $start and t.started_at < $end"
    if kind.name in ("utterances", "scores"):
        return (
            "(select i.started_at >= $start and i.started_at < $end "
            "from landing_call_index i where i.call_id = t.call_id)"
        )
    if kind.name == "coaching_sessions":
        return "t.cycle = $cycle"
    return "true"  # reps and opportunities are snapshots: each cycle keeps its own copy


def landed_sql(kind: LandingKind, sources: Sequence[LandedFile]) -> str:
    """Every source's rows (see :meth:`LandedFile.select_sql`), or no row at all."""
    if not sources:
        return (
            "select 0 as _file_index, cast(null as bigint) as _rec, "
            "cast(null as bigint) as _row, "
            + ", ".join(
                f"cast(null as varchar) as {quote_identifier(c.name)}" for c in kind.columns
            )
            + " where false"
        )
    return " union all ".join(
        source.select_sql(kind, index, carry=False) for index, source in enumerate(sources)
    )


def build_call_index(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    """Every call id in the landing calls files with its start (its first occurrence in
    file order that has one), to place transcript and score rows in their partition."""
    con.execute(
        "create or replace temp table landing_call_rows "
        "(call_id varchar, started_at timestamptz, _file_index integer, _rec bigint)"
    )
    started = next(column for column in CALLS.columns if column.name == "started_at")
    for number, path in enumerate(landing_files(landing_dir, "calls")):
        table = f"call_index_{number}"
        try:
            source = open_landing_file(
                con, CALLS, path, table, record_rejects=False, keep=("call_id", "started_at")
            )
        except LandingError:
            continue  # the calls asset reports this file; here it simply places no rows
        call_id = f"cast(l.{source.columns['call_id']} as varchar)"
        start = f"cast(l.{source.columns['started_at']} as varchar)"
        con.execute(
            f"insert into landing_call_rows select {call_id}, {started.typed(start)}, "
            f"{number}, {source.rec} from {table} l where {call_id} is not null"
        )
        drop_tables(con, source.temp_tables)
    con.execute(
        "create or replace temp table landing_call_index as select call_id, "
        "arg_min(started_at, (_file_index, _rec)) filter (where started_at is not null) "
        "as started_at from landing_call_rows group by call_id"
    )
    con.execute("drop table landing_call_rows")


def resolved_rubric_version_sql() -> str:
    """SQL over the typed score row ``t``: its rubric version if the cycle's rubrics have it,
    else (none given) the version in force on its call's date; NULL when neither."""
    return (
        "coalesce(case when nullif(trim(t.rubric_version), '') is not null then "
        "(select any_value(v.rubric_version) from raw.rubric_criteria v "
        "where v.cycle = $cycle and v.rubric_version = trim(t.rubric_version)) end, "
        "case when nullif(trim(t.rubric_version), '') is null then "
        "(select arg_max(v.rubric_version, v.effective_from) from raw.rubric_criteria v "
        "join landing_call_index i on i.call_id = t.call_id "
        "where v.cycle = $cycle and v.effective_from <= cast(i.started_at as date)) end)"
    )


def judge(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    sources: Sequence[LandedFile],
    params: dict[str, object],
) -> None:
    """The temp table ``verdict``: every row that is not accepted, with its rule (NULL for a
    row of another partition). Only these rows are kept, so it stays small."""
    typed_columns = ", ".join(
        f"{column.typed('l.' + quote_identifier(column.name))} as {quote_identifier(column.name)}"
        for column in kind.columns
    )
    field_rules = [
        rule
        for column in kind.columns
        for rule in column.rules(f"l.{quote_identifier(column.name)}")
    ]
    field_case = (
        "case "
        + " ".join(f"when {condition} then {sql_literal(rule)}" for rule, condition in field_rules)
        + " end"
    )
    rules = landing_rules(kind)
    reference_case = (
        "case "
        + " ".join(f"when {condition} then {sql_literal(rule)}" for rule, condition in rules)
        + " end"
        if rules
        else "null"
    )
    version_column = (
        f", {resolved_rubric_version_sql()} as resolved_rubric_version"
        if kind.name == "scores"
        else ""
    )
    key = ", ".join(quote_identifier(name) for name in kind.key)
    key_columns = ", ".join(f"t.{quote_identifier(name)}" for name in kind.key)
    execute_named(
        con,
        "create or replace temp table verdict as "
        f"with landed as ({landed_sql(kind, sources)}), "
        f"typed as (select l._file_index, l._rec, l._row, {typed_columns}, "
        f"{field_case} as field_violation from landed l), "
        f"placed as (select t.*{version_column}, ({partition_condition(kind)}) as in_partition "
        "from typed t), "
        # only what the ranking needs goes on (never the text columns: the window sorts it)
        f"scoped as (select t._file_index, t._rec, t._row, t.in_partition, {key_columns}, "
        "case when t.in_partition is not false then "
        f"coalesce(t.field_violation, {reference_case}) end as violation from placed t), "
        "ranked as (select *, case when in_partition is not false and violation is null "
        "then row_number() over (partition by in_partition is not false and violation is null, "
        f"{key} order by _file_index, _rec) end as key_rank from scoped) "
        "select _file_index, _rec, _row, case when in_partition is not false then "
        "coalesce(violation, 'duplicate_key') end as rule from ranked "
        "where in_partition is false or violation is not null or key_rank > 1",
        params,
    )
