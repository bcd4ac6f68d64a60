"""Writing one landing kind's partition: ``raw.<kind>``, ``raw.quarantine``, ``raw.load_log``.

After :func:`salesassess.landing.checks.judge`, :func:`store` replaces the partition in
one transaction: the accepted rows (typed, with their non-contract columns in ``extra``
and their file and row; a row repeating an earlier one's key is quarantined instead),
the quarantined rows with file, row number, rule and raw content, and per file the
counts, which reconcile (:func:`file_counts`):
``rows_read = accepted + quarantined + other_partition``. :func:`store_rubrics` writes
the rubrics of a partition (``raw.rubric_criteria``, ``raw.rubric_anchors``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from duckdb import sqltypes

from salesassess.engines.warehouse import (
    ensure_raw_schema,
    execute_named,
    quote_identifier,
    rollback,
    sql_literal,
)
from salesassess.landing.checks import (
    find_duplicates,
    resolved_rubric_version_sql,
    typed_columns,
)
from salesassess.landing.contract import LandingKind
from salesassess.landing.files import LandedFile, LandingError
from salesassess.method.rubric import Rubric

# the filter of a file's accepted rows while they are stored: the rejected records' runs
# when there are at most KEPT_RUNS, else a function over a bitmap of them
KEPT_RUNS = 64
KEPT_FUNCTION = "landing_row_kept"


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
    params: dict[str, object],
) -> list[FileCounts]:
    """Replace the partition in one transaction: the accepted rows (each file's in file
    order, the files in their order), then the repeated keys among them moved to the
    quarantine (:func:`~salesassess.landing.checks.find_duplicates`), the quarantine and
    the load_log. Returns each file's counts, which reconcile."""
    cycle = params["cycle"]
    table_columns = ", ".join(
        f"{quote_identifier(column.name)} {column.sql_type}" for column in kind.columns
    )
    version_ddl = ", rubric_version_resolved varchar" if kind.name == "scores" else ""
    # the partition column; a kind that carries its own cycle (coaching sessions) is
    # partitioned by it
    has_cycle = any(column.name == "cycle" for column in kind.columns)
    cycle_ddl = "" if has_cycle else "cycle varchar, "
    con.execute(
        f"create table if not exists raw.{kind.name} ({cycle_ddl}{table_columns}"
        f"{version_ddl}, extra varchar, source_file varchar, source_row bigint, "
        "loaded_at timestamptz)"
    )
    con.execute("begin transaction")
    try:
        con.execute(f"delete from raw.{kind.name} where cycle = $cycle", {"cycle": cycle})
        stored = [
            _store_file(con, kind, source, index, params) for index, source in enumerate(sources)
        ]
        find_duplicates(con, kind, cycle)
        _quarantine_duplicates(con, sources)
        con.execute(f"delete from raw.{kind.name} where rowid in (select row_id from duplicates)")
        counts = file_counts(con, sources, stored)
        con.execute(
            "delete from raw.quarantine where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind.name},
        )
        for index, source in enumerate(sources):
            con.execute(
                "insert into raw.quarantine select $cycle, $kind, $file, row_number, rule, "
                "raw_content, now() from ("
                "select _row as row_number, rule, raw_content from verdict "
                f"where _file_index = {index} and rule is not null "
                "union all select row_number, rule, raw_content from duplicate_rows "
                "where file = $file "
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
    finally:
        con.execute("drop table if exists duplicate_rows")
    return counts


def _store_file(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    source: LandedFile,
    index: int,
    params: dict[str, object],
) -> int:
    """Append the accepted rows of ``source`` (file number ``index``: its rows not in the
    verdict) to ``raw.<kind>`` in file order; the number of rows appended.

    The rows are read once and filtered by their record (outside the runs of the verdict's
    records, or a function over a bitmap of them), not joined to the verdict: without a
    join (or a rubric version to resolve, for scores) the statement is a scan, a filter and
    a batch insert, which keeps the file's order in parallel. Otherwise (a CSV file with
    rejected rows, scores) the rows are sorted."""
    has_cycle = any(column.name == "cycle" for column in kind.columns)
    cycle_select = "" if has_cycle else "$cycle, "
    contract_columns = ", ".join(f"t.{quote_identifier(column.name)}" for column in kind.columns)
    version_select = f", {resolved_rubric_version_sql()}" if kind.name == "scores" else ""
    rejected = con.execute(
        "select _rec from verdict where _file_index = $index order by _rec", {"index": index}
    ).fetchnumpy()["_rec"]
    function, kept_sql = None, "true"
    # the rejected records as runs of consecutive ones (other partitions' calls, mostly)
    runs = []
    if len(rejected):
        ends = np.flatnonzero(np.diff(rejected) != 1)
        runs = list(zip(rejected[np.r_[0, ends + 1]], rejected[np.r_[ends, -1]], strict=True))
    if 0 < len(runs) <= KEPT_RUNS:
        kept_sql = " and ".join(
            f"{source.rec} not between {first} and {last}" for first, last in runs
        )
    elif runs:
        flags = np.zeros(int(rejected[-1]) + 1, dtype=bool)
        flags[rejected] = True

        def function(records: pa.Array) -> pa.Array:
            numbers = records.to_numpy()
            rejected_here = np.zeros(len(numbers), dtype=bool)
            inside = numbers < len(flags)
            rejected_here[inside] = flags[numbers[inside]]
            return pa.array(~rejected_here)

        kept_sql = f"{KEPT_FUNCTION}({source.rec})"
    sql = (
        f"insert into raw.{kind.name} with t as (select {source.rec} as _rec, "
        f"{source.row} as _row, cast({source.extra} as varchar) as _extra, "
        f"{', '.join(typed_columns(kind, source))} from {source.table} l {source.join} "
        f"where {kept_sql}) "
        f"select {cycle_select}{contract_columns}{version_select}, t._extra, "
        f"{sql_literal(str(source.path))}, t._row, now() from t"
    )
    if function is not None:
        con.create_function(
            KEPT_FUNCTION,
            function,
            [sqltypes.BIGINT],
            sqltypes.BOOLEAN,
            type="arrow",
            side_effects=False,
        )
    try:
        plan = execute_named(con, f"explain {sql}", params).fetchall()[0][1]
        if "BATCH_INSERT" not in plan.upper().replace(" ", "_"):
            sql += " order by t._rec"
        (appended,) = execute_named(con, sql, params).fetchone()
    finally:
        if function is not None:
            con.remove_function(KEPT_FUNCTION)
    return appended


def _quarantine_duplicates(con: duckdb.DuckDBPyConnection, sources: Sequence[LandedFile]) -> None:
    """The temp table ``duplicate_rows``: the rows of the temp table ``duplicates`` as
    quarantine rows (file, row number, rule, raw content read back from their file)."""
    con.execute(
        "create or replace temp table duplicate_rows "
        "(file varchar, row_number bigint, rule varchar, raw_content varchar)"
    )
    files = {
        file for (file,) in con.execute("select distinct source_file from duplicates").fetchall()
    }
    for source in sources:
        if str(source.path) not in files:
            continue
        con.execute(
            f"insert into duplicate_rows select $file, {source.row}, 'duplicate_key', "
            f"cast({source.raw} as varchar) from {source.table} l {source.join} "
            f"where {source.row} in (select source_row from duplicates where source_file = $file)",
            {"file": str(source.path)},
        )


def file_counts(
    con: duckdb.DuckDBPyConnection, sources: Sequence[LandedFile], stored: Sequence[int]
) -> list[FileCounts]:
    """Per file: rows read = accepted + quarantined (by rule, as a repeated key or by the
    reader) + other partition. The rows stored (``stored``) must be the rows read that the
    verdict did not keep, or the load fails."""
    judged = {
        index: (quarantined, other)
        for index, quarantined, other in con.execute(
            "select _file_index, count(rule), count(*) - count(rule) from verdict group by 1"
        ).fetchall()
    }
    rejected = dict(
        con.execute("select file, count(*) from parse_rejects group by file").fetchall()
    )
    repeated = dict(
        con.execute("select source_file, count(*) from duplicates group by 1").fetchall()
    )
    counts = []
    for index, source in enumerate(sources):
        parsed = con.execute(f"select count(*) from {source.table}").fetchone()[0]
        quarantined, other = judged.get(index, (0, 0))
        if stored[index] != parsed - quarantined - other:
            raise LandingError(
                source.path,
                "rows_accounted",
                f"{parsed:,} rows read, {quarantined + other:,} not accepted, but "
                f"{stored[index]:,} stored",
            )
        duplicates = repeated.get(str(source.path), 0)
        reader = rejected.get(str(source.path), 0)
        counts.append(
            FileCounts(
                str(source.path),
                rows_read=parsed + reader,
                accepted=stored[index] - duplicates,
                quarantined=quarantined + duplicates + reader,
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
