"""The DuckDB warehouse file: connections and the ``raw`` schema's bookkeeping tables."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import duckdb


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (creating its folder), with UTC as the session time zone."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("set timezone = 'UTC'")
    return con


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if one is still open. A commit that failed (a full
    disk, a write error) has already ended it: its error is the one to report, not the
    "cannot rollback - no transaction is active" a second rollback would raise."""
    with suppress(duckdb.Error):
        con.execute("rollback")


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``raw`` schema and the tables every ingestion asset writes to."""
    con.execute("create schema if not exists raw")
    con.execute(
        "create table if not exists raw.quarantine (cycle varchar, kind varchar, "
        "file varchar, row_number bigint, rule varchar, raw_content varchar, "
        "quarantined_at timestamptz)"
    )
    con.execute(
        "create table if not exists raw.load_log (cycle varchar, kind varchar, file varchar, "
        "rows_read bigint, rows_accepted bigint, rows_quarantined bigint, "
        "rows_other_partition bigint, loaded_at timestamptz)"
    )
    con.execute(
        "create table if not exists raw.rubric_criteria (cycle varchar, rubric_id varchar, "
        "rubric_version varchar, effective_from date, scale_min integer, scale_max integer, "
        "position integer, criterion_id varchar, criterion_name varchar, "
        "description varchar, weight integer, source_file varchar, loaded_at timestamptz)"
    )
    con.execute(
        "create table if not exists raw.rubric_anchors (cycle varchar, rubric_version varchar, "
        "criterion_id varchar, level integer, anchor varchar, loaded_at timestamptz)"
    )


def replace_cycle_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    ddl: str,
    cycle: str,
    rows: Sequence[tuple],
    key_column: str = "cycle",
) -> None:
    """Replace one cycle's (or other partition's, by ``key_column``) rows of a table
    written from Python, in one transaction."""
    con.execute(f"create table if not exists {table} ({ddl})")
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {table} where {key_column} = $cycle", {"cycle": cycle})
        if rows:
            marks = ", ".join("?" for _ in rows[0])
            con.executemany(f"insert into {table} values ({marks})", rows)
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
