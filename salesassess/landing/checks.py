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
    landing calls files and accepted in ``raw.calls`` (the call index's row ``t._call``,
    see :func:`build_call_index`); a rep in the cycle's ``raw.reps``."""
    value = f"t.{quote_identifier(column.name)}"
    if column.references == "calls":
        return [
            ("unknown_call", "t._call.call_id is null"),
            ("call_quarantined", "not t._call.accepted"),
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
    if placed_by_call(kind):
        return "t._call.started_at >= $start and t._call.started_at < $end"
    if kind.name == "coaching_sessions":
        return "t.cycle = $cycle"
    return "true"  # reps and opportunities are snapshots: each cycle keeps its own copy


def placed_by_call(kind: LandingKind) -> bool:
    """Whether rows of ``kind`` are placed by their call (the call index, see
    :func:`build_call_index`): transcripts and scores."""
    return any(column.references == "calls" for column in kind.columns)


def typed_columns(kind: LandingKind, source: LandedFile) -> list[str]:
    """SQL of the kind's typed columns over a row ``l`` of ``source``, each named."""
    return [
        f"{column.typed(*source.landed(column.name))} as {quote_identifier(column.name)}"
        for column in kind.columns
    ]


def build_call_index(con: duckdb.DuckDBPyConnection, landing_dir: Path, cycle: str) -> None:
    """Every call id in the landing calls files with its start (its first occurrence in
    file order that has one), to place transcript and score rows in their partition, and
    whether ``raw.calls`` accepted it in ``cycle``."""
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
            f"{number}, {source.rec} from {source.table} l where {call_id} is not null"
        )
        drop_tables(con, source.temp_tables)
    con.execute(
        "create or replace temp table landing_call_index as select call_id, started_at, "
        "call_id in (select call_id from raw.calls where cycle = $cycle) as accepted from ("
        "select call_id, arg_min(started_at, (_file_index, _rec)) "
        "filter (where started_at is not null) as started_at "
        "from landing_call_rows group by call_id)",
        {"cycle": cycle},
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


def _verdict_sql(kind: LandingKind, source: LandedFile, index: int) -> str:
    """SQL: the rows of ``source`` (file number ``index``) that are not accepted, with their
    file, record and row, the first rule they break (NULL for a row of another partition)
    and, for a rule breaker, its raw content. One pass: the landed row travels as the
    struct ``l``, turned into text only for the rows quarantined."""
    field_rules = [
        rule for column in kind.columns for rule in column.rules(*source.landed(column.name))
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
    landed = (
        f"select {source.rec} as _rec, {source.row} as _row, l, "
        f"{', '.join(typed_columns(kind, source))}, {field_case} as field_violation "
        f"from {source.table} l {source.join}"
    )
    placed = f"select * from ({landed}) t"
    if placed_by_call(kind):  # the call index's row of the row's call, as the struct _call
        reference = next(column for column in kind.columns if column.references == "calls")
        placed = (
            f"select t.*, i as _call from ({landed}) t left join landing_call_index i "
            f"on i.call_id = t.{quote_identifier(reference.name)}"
        )
    return (
        f"select {index} as _file_index, _rec, _row, rule, case when rule is not null "
        f"then cast({source.raw} as varchar) end as raw_content from ("
        "select t._rec, t._row, t.l, t.in_partition, case when t.in_partition is not false "
        f"then coalesce(t.field_violation, {reference_case}) end as rule from ("
        f"select t.*, ({partition_condition(kind)}) as in_partition{version_column} from ("
        f"{placed}) t) t) v where in_partition is false or rule is not null"
    )


def judge(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    sources: Sequence[LandedFile],
    params: dict[str, object],
) -> None:
    """The temp table ``verdict``: every landed row that is not accepted, with its rule
    (NULL for a row of another partition) and, when quarantined, its raw content. One
    streamed pass over each file; only these rows are kept, so it stays small. Repeated
    keys are found among the stored rows afterwards (:func:`find_duplicates`)."""
    con.execute(
        "create or replace temp table verdict (_file_index integer, _rec bigint, "
        "_row bigint, rule varchar, raw_content varchar)"
    )
    for index, source in enumerate(sources):
        execute_named(con, f"insert into verdict {_verdict_sql(kind, source, index)}", params)


def _increases(current: Sequence[str], before: Sequence[str]) -> str:
    """SQL: the columns ``current`` strictly above ``before``, in order (NULL decides not)."""
    if not current:
        return "false"
    terms = []
    for position, (value, previous) in enumerate(zip(current, before, strict=True)):
        equal = [f"{v} = {p}" for v, p in zip(current[:position], before[:position], strict=True)]
        terms.append("(" + " and ".join([*equal, f"{value} > {previous}"]) + ")")
    return f"coalesce({' or '.join(terms)}, false)"


def duplicate_suspects(
    con: duckdb.DuckDBPyConnection, kind: LandingKind, rows: str, params: dict[str, object]
) -> str | None:
    """Which of ``rows`` (SQL of the stored rows of a load: ``rowid`` as ``r`` in file
    order, the typed key columns by name) may repeat an earlier row's key, found in one
    streamed pass (no sort; memory for the values of the key's first column that start a
    block).

    The rows are read in ``r`` order (checked: ``r`` rises from each row to the next). They
    form blocks of one value of the key's first column; within a block the other key
    columns strictly increase (a NULL never does), except at a "broken" row. Two rows with
    equal keys are then either in two blocks of the same first value or in one block with
    a broken row. So only the first values that start two blocks or have a broken row (the
    temp table ``duplicate_suspects``, by hash: a collision only adds a suspect) can repeat
    a key.

    Returns None when no key can repeat, else SQL over a row of ``rows`` selecting the rows
    to rank: those of the suspected first values, or all rows when they were not read in
    order.
    """
    names = [quote_identifier(name) for name in kind.key]
    lagged = ", ".join(f"lag({name}) over () as p{position}" for position, name in enumerate(names))
    continues = f"pr is not null and {names[0]} is not distinct from p0"
    rising = _increases(names[1:], [f"p{position}" for position in range(1, len(names))])
    execute_named(
        con,
        "create or replace temp table duplicate_suspects as select h, disordered from ("
        "select hash(k0) as h, bool_or(disordered) as disordered, bool_or(broken) as broken, "
        "count(*) filter (where not continues) as starts from ("
        f"select {names[0]} as k0, pr is not null and pr >= r as disordered, "
        f"{continues} as continues, {continues} and not {rising} as broken from ("
        f"select *, lag(r) over () as pr, {lagged} from ({rows}))) "
        "where disordered or broken or not continues group by 1) "
        "where disordered or broken or starts > 1",
        params,
    )
    disordered, suspects = con.execute(
        "select coalesce(bool_or(disordered), false), count(*) from duplicate_suspects"
    ).fetchone()
    if disordered:
        return "true"
    if not suspects:
        return None
    return f"hash({names[0]}) in (select h from duplicate_suspects)"


def find_duplicates(con: duckdb.DuckDBPyConnection, kind: LandingKind, cycle: str) -> None:
    """The temp table ``duplicates``: the stored rows of partition ``cycle`` of
    ``raw.<kind>`` (the rows of this load, in file order: see
    :func:`salesassess.landing.raw_tables.store`) whose key an earlier one has, with their
    ``rowid``, file and row. The stored rows are the accepted ones, so a row is
    ``duplicate_key`` when an earlier row (file order) of this partition that breaks no rule
    has its typed key. The keys are not sorted for that: only the rows that
    :func:`duplicate_suspects` cannot prove unique are ranked, most often none."""
    key = ", ".join(quote_identifier(name) for name in kind.key)
    table = f"raw.{kind.name}"
    rows = f"select rowid as r, {key} from {table} where cycle = $cycle"
    con.execute(
        "create or replace temp table duplicates "
        "(row_id bigint, source_file varchar, source_row bigint)"
    )
    try:
        suspects = duplicate_suspects(con, kind, rows, {"cycle": cycle})
        if suspects is None:
            return
        execute_named(
            con,
            "insert into duplicates select r, source_file, source_row from ("
            "select rowid as r, source_file, source_row, row_number() over ("
            f"partition by {key} order by rowid) as key_rank from {table} "
            f"where cycle = $cycle and {suspects}) where key_rank > 1",
            {"cycle": cycle},
        )
    finally:
        con.execute("drop table if exists duplicate_suspects")
