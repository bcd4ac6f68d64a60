"""Writing one landing kind's partition: ``raw.<kind>``, ``raw.quarantine``, ``raw.load_log``.

After :func:`salesassess.landing.checks.judge`, :func:`store` replaces the partition in
one transaction: the accepted rows (typed, with their non-contract columns in ``extra``
and their file and row), the quarantined rows with file, row number, rule and raw
content, and per file the counts, which reconcile (:func:`file_counts`):
``rows_read = accepted + quarantined + other_partition``. :func:`store_rubrics` writes
the rubrics of a partition (``raw.rubric_criteria``, ``raw.rubric_anchors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from salesassess.engines.warehouse import (
    ensure_raw_schema,
    execute_named,
    quote_identifier,
    rollback,
)
from salesassess.landing.checks import resolved_rubric_version_sql
from salesassess.landing.contract import LandingKind
from salesassess.landing.files import LandedFile
from salesassess.method.rubric import Rubric

STORE_SLICE_ROWS = 500_000  # accepted rows are inserted in sorted slices of this many


@dataclass
class FileCounts:
    """One landing file's rows: read = accepted + quarantined + other_partition."""

    file: str
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    other_partition: int = 0


def store(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    sources: Sequence[LandedFile],
    counts: Sequence[FileCounts],
    params: dict[str, object],
) -> None:
    """Replace the partition: accepted rows, quarantine and load_log, in one transaction."""
    cycle = params["cycle"]
    table_columns = ", ".join(
        f"{quote_identifier(column.name)} {column.sql_type}" for column in kind.columns
    )
    version_ddl = ", rubric_version_resolved varchar" if kind.name == "scores" else ""
    # the partition column; a kind that carries its own cycle (coaching sessions) is
    # partitioned by it
    has_cycle = any(column.name == "cycle" for column in kind.columns)
    cycle_ddl = "" if has_cycle else "cycle varchar, "
    cycle_select = "" if has_cycle else "$cycle, "
    con.execute(
        f"create table if not exists raw.{kind.name} ({cycle_ddl}{table_columns}"
        f"{version_ddl}, extra varchar, source_file varchar, source_row bigint, "
        "loaded_at timestamptz)"
    )
    typed_columns = ", ".join(
        f"{column.typed('l.' + quote_identifier(column.name))} as {quote_identifier(column.name)}"
        for column in kind.columns
    )
    contract_columns = ", ".join(f"t.{quote_identifier(column.name)}" for column in kind.columns)
    version_select = f", {resolved_rubric_version_sql()}" if kind.name == "scores" else ""
    con.execute("begin transaction")
    try:
        con.execute(f"delete from raw.{kind.name} where cycle = $cycle", {"cycle": cycle})
        for index, source in enumerate(sources):
            # in slices of the file, each sorted: rows keep file order, memory stays flat
            low, high = con.execute(
                f"select min({source.rec}), max({source.rec}) from {source.table} l"
            ).fetchone()
            if low is None:
                continue
            for first in _slices_with_accepted_rows(con, source, index, low, high):
                where = f"{source.rec} >= {first} and {source.rec} < {first + STORE_SLICE_ROWS}"
                # the verdict's rows of this slice only: a join over the whole verdict (the
                # rows of other partitions among them) would cost every slice its size
                rejected = (
                    f"select _rec from verdict where _file_index = {index} "
                    f"and _rec >= {first} and _rec < {first + STORE_SLICE_ROWS}"
                )
                execute_named(
                    con,
                    f"insert into raw.{kind.name} with landed as "
                    f"({source.select_sql(kind, index, carry=True, where=where)}), "
                    f"kept as (select l.* from landed l anti join ({rejected}) v "
                    "on v._rec = l._rec), "
                    "typed as (select l._rec, l._row, l._extra, l._file, "
                    f"{typed_columns} from kept l) "
                    f"select {cycle_select}{contract_columns}{version_select}, "
                    "t._extra, t._file, t._row, now() from typed t order by t._rec",
                    params,
                )
        con.execute(
            "delete from raw.quarantine where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind.name},
        )
        for index, source in enumerate(sources):
            con.execute(
                "insert into raw.quarantine select $cycle, $kind, $file, row_number, rule, "
                "raw_content, now() from ("
                f"select v._row as row_number, v.rule, cast({source.raw} as varchar) "
                f"as raw_content from {source.table} l join verdict v "
                f"on v._file_index = {index} and v._rec = {source.rec} "
                "where v.rule is not null "
                "union all select row_number, rule, raw_content from parse_rejects "
                "where file = $file) order by row_number",
                {"cycle": cycle, "kind": kind.name, "file": str(source.path)},
            )
        con.execute(
            "delete from raw.load_log where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind.name},
        )
        for item in counts:
            con.execute(
                "insert into raw.load_log values ($cycle, $kind, $file, $read, $accepted, "
                "$quarantined, $other, now())",
                {
                    "cycle": cycle,
                    "kind": kind.name,
                    "file": item.file,
                    "read": item.rows_read,
                    "accepted": item.accepted,
                    "quarantined": item.quarantined,
                    "other": item.other_partition,
                },
            )
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise


def _slices_with_accepted_rows(
    con: duckdb.DuckDBPyConnection, source: LandedFile, index: int, low: int, high: int
) -> list[int]:
    """The first record of each slice of ``source`` holding an accepted row: a slice whose
    every row is in the verdict (rows of another partition, most often) is not read."""
    slice_of = f"({source.rec} - {low}) // {STORE_SLICE_ROWS}"
    landed = dict(
        con.execute(f"select {slice_of}, count(*) from {source.table} l group by 1").fetchall()
    )
    judged = dict(
        con.execute(
            f"select (_rec - {low}) // {STORE_SLICE_ROWS}, count(*) from verdict "
            f"where _file_index = {index} group by 1"
        ).fetchall()
    )
    return [
        low + number * STORE_SLICE_ROWS
        for number in range((high - low) // STORE_SLICE_ROWS + 1)
        if landed.get(number, 0) > judged.get(number, 0)
    ]


def file_counts(con: duckdb.DuckDBPyConnection, sources: Sequence[LandedFile]) -> list[FileCounts]:
    """Per file: rows read = accepted + quarantined (by rule or by the reader) + other."""
    judged = {
        index: (quarantined, other)
        for index, quarantined, other in con.execute(
            "select _file_index, count(rule), count(*) - count(rule) from verdict group by 1"
        ).fetchall()
    }
    rejected = dict(
        con.execute("select file, count(*) from parse_rejects group by file").fetchall()
    )
    counts = []
    for index, source in enumerate(sources):
        parsed = con.execute(f"select count(*) from {source.table}").fetchone()[0]
        quarantined, other = judged.get(index, (0, 0))
        reader = rejected.get(str(source.path), 0)
        counts.append(
            FileCounts(
                str(source.path),
                rows_read=parsed + reader,
                accepted=parsed - quarantined - other,
                quarantined=quarantined + reader,
                other_partition=other,
            )
        )
    return counts


def store_rubrics(con: duckdb.DuckDBPyConnection, rubrics: Sequence[Rubric], cycle: str) -> int:
    """Replace partition ``cycle`` of ``raw.rubric_criteria`` and ``raw.rubric_anchors``."""
    ensure_raw_schema(con)
    criteria_rows = [
        (
            cycle,
            rubric.rubric_id,
            rubric.version,
            rubric.effective_from,
            rubric.scale_min,
            rubric.scale_max,
            position,
            criterion.id,
            criterion.name,
            criterion.description,
            criterion.weight,
            rubric.source_file,
        )
        for rubric in rubrics
        for position, criterion in enumerate(rubric.criteria, start=1)
    ]
    anchor_rows = [
        (cycle, rubric.version, criterion.id, level, text)
        for rubric in rubrics
        for criterion in rubric.criteria
        for level, text in criterion.anchors.items()
    ]
    con.execute("begin transaction")
    try:
        for table in ("rubric_criteria", "rubric_anchors"):
            con.execute(f"delete from raw.{table} where cycle = $cycle", {"cycle": cycle})
        con.executemany(
            "insert into raw.rubric_criteria values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            criteria_rows,
        )
        con.executemany("insert into raw.rubric_anchors values (?, ?, ?, ?, ?, now())", anchor_rows)
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
    return len(criteria_rows)
