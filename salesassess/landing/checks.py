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

from collections.abc import Callable, Sequence
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


def _scoped_sql(kind: LandingKind, sources: Sequence[LandedFile]) -> str:
    """CTEs ending in ``scoped``: the landed rows with their file, record and row, whether
    they belong to this partition (``in_partition``, NULL: cannot tell), their typed key and
    the first rule they break (``violation``, NULL for a row of another partition)."""
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
    key_columns = ", ".join(f"t.{quote_identifier(name)}" for name in kind.key)
    return (
        f"with landed as ({landed_sql(kind, sources)}), "
        f"typed as (select l._file_index, l._rec, l._row, {typed_columns}, "
        f"{field_case} as field_violation from landed l), "
        f"placed as (select t.*{version_column}, ({partition_condition(kind)}) as in_partition "
        "from typed t), "
        # only what the verdict needs goes on (never the text columns)
        f"scoped as (select t._file_index, t._rec, t._row, t.in_partition, {key_columns}, "
        "case when t.in_partition is not false then "
        f"coalesce(t.field_violation, {reference_case}) end as violation from placed t)"
    )


def _landed_column(name: str) -> str:
    return f"l.{quote_identifier(name)}"


def _typed_key(kind: LandingKind, text: Callable[[str], str]) -> list[str]:
    """SQL of the typed key columns, ``text(name)`` giving a column's landed text."""
    return [kind.column(name).typed(text(name)) for name in kind.key]


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
    con: duckdb.DuckDBPyConnection, kind: LandingKind, sources: Sequence[LandedFile]
) -> str | None:
    """Which landed rows may repeat an earlier row's typed key, found in one streamed pass
    (no sort; memory for the values of the key's first column that start a block).

    Each file is read in its order (the row before each row is checked to be the one at
    rowid - 1). Its rows form blocks of one value of the key's first column; within a block
    the other key columns strictly increase (a NULL never does), except at a "broken" row.
    Two rows with equal keys are then either in two blocks of the same first value (in one
    file or two) or in one block with a broken row. So only the first values that start
    two blocks or have a broken row (the temp table ``duplicate_suspects``, by hash: a
    collision only adds a suspect) can repeat a key.

    Returns None when no key can repeat, else SQL over a landed row ``l`` (see
    :func:`landed_sql`) selecting the rows to rank: those of the suspected first values,
    or all rows when a file was not read in its order.
    """
    if not sources:
        return None
    per_file = []
    for source in sources:

        def text(name: str, source: LandedFile = source) -> str:
            if name not in source.columns:
                return "cast(null as varchar)"
            return f"cast(l.{source.columns[name]} as varchar)"

        keys = _typed_key(kind, text)
        names = [f"k{position}" for position in range(len(keys))]
        values = ", ".join(f"{key} as {name}" for key, name in zip(keys, names, strict=True))
        lagged = ", ".join(f"lag({name}) over () as p{name}" for name in names)
        continues = "pr is not null and k0 is not distinct from pk0"
        rising = _increases(names[1:], [f"p{name}" for name in names[1:]])
        per_file.append(
            f"select k0, pr is not null and pr <> r - 1 as disordered, "
            f"{continues} as continues, {continues} and not {rising} as broken from ("
            f"select r, {', '.join(names)}, lag(r) over () as pr, {lagged} from ("
            f"select l.rowid as r, {values} from {source.table} l))"
        )
    con.execute(
        "create or replace temp table duplicate_suspects as select h, disordered from ("
        "select hash(k0) as h, bool_or(disordered) as disordered, bool_or(broken) as broken, "
        "count(*) filter (where not continues) as starts from ("
        + " union all ".join(per_file)
        + ") where disordered or broken or not continues group by 1) "
        "where disordered or broken or starts > 1"
    )
    disordered, suspects = con.execute(
        "select coalesce(bool_or(disordered), false), count(*) from duplicate_suspects"
    ).fetchone()
    if disordered:
        return "true"
    if not suspects:
        return None
    first = _typed_key(kind, _landed_column)[0]
    return f"hash({first}) in (select h from duplicate_suspects)"


def judge(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    sources: Sequence[LandedFile],
    params: dict[str, object],
) -> None:
    """The temp table ``verdict``: every row that is not accepted, with its rule (NULL for a
    row of another partition). Only these rows are kept, so it stays small.

    A row is ``duplicate_key`` when an earlier row (file order) of this partition that
    breaks no rule has its typed key. The keys are not sorted for that: only the rows that
    :func:`duplicate_suspects` cannot prove unique are ranked, most often none.
    """
    execute_named(
        con,
        f"create or replace temp table verdict as {_scoped_sql(kind, sources)} "
        "select _file_index, _rec, _row, violation as rule from scoped "
        "where in_partition is false or violation is not null",
        params,
    )
    try:
        suspects = duplicate_suspects(con, kind, sources)
        if suspects is None:
            return
        # the suspects that break no rule and belong to this partition: not in the verdict
        key = ", ".join(quote_identifier(name) for name in kind.key)
        typed_key = ", ".join(
            f"{typed} as {quote_identifier(name)}"
            for typed, name in zip(_typed_key(kind, _landed_column), kind.key, strict=True)
        )
        con.execute(
            "insert into verdict with suspected as (select l._file_index, l._rec, l._row, "
            f"{typed_key} from ({landed_sql(kind, sources)}) l where {suspects}), "
            "candidates as (select s.* from suspected s anti join verdict v "
            "on v._file_index = s._file_index and v._rec = s._rec), "
            "ranked as (select _file_index, _rec, _row, row_number() over ("
            f"partition by {key} order by _file_index, _rec) as key_rank from candidates) "
            "select _file_index, _rec, _row, 'duplicate_key' from ranked where key_rank > 1"
        )
    finally:
        con.execute("drop table if exists duplicate_suspects")
