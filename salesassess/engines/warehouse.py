"""The DuckDB warehouse file: connections and the ``raw`` schema's bookkeeping tables."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

import duckdb

from salesassess.platform.environment import resolve

MEMORY_LIMIT_VARIABLE = "ASSESSMENT_DUCKDB_MEMORY_LIMIT"
TEMP_DIRECTORY_VARIABLE = "ASSESSMENT_DUCKDB_TEMP_DIR"
MEMORY_SHARE = 4  # the default memory limit: a quarter of the machine's memory ...
MEMORY_CAP = 2 << 30  # ... and at most 2 GiB: beyond it DuckDB spills, the run stays bounded
MEMORY_FLOOR = 256 << 20


def default_memory_limit() -> str:
    """DuckDB's memory limit when ``ASSESSMENT_DUCKDB_MEMORY_LIMIT`` is not set: a quarter
    of the machine's physical memory, at least 256 MiB and at most 2 GiB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: assume 8 GiB
        total = 8 << 30
    limit = max(MEMORY_FLOOR, min(total // MEMORY_SHARE, MEMORY_CAP))
    return f"{limit >> 20}MiB"


def duckdb_settings(path: Path) -> dict[str, str]:
    """``memory_limit`` and ``temp_directory`` of every connection to the warehouse at
    ``path`` (and of dbt's): what does not fit in memory spills to the temporary folder,
    by default ``<warehouse>.tmp`` beside the file."""
    temp = os.environ.get(TEMP_DIRECTORY_VARIABLE)
    return {
        "memory_limit": os.environ.get(MEMORY_LIMIT_VARIABLE) or default_memory_limit(),
        "temp_directory": str(resolve(temp)) if temp else f"{path}.tmp",
    }


def duckdb_environment(path: Path) -> dict[str, str]:
    """The environment variables giving a dbt run on ``path`` the same settings (the
    dbt-duckdb profile reads them; without ``ASSESSMENT_DUCKDB_TEMP_DIR`` it spills to
    ``<ASSESSMENT_WAREHOUSE>.tmp`` too)."""
    settings = duckdb_settings(path)
    environment = {MEMORY_LIMIT_VARIABLE: settings["memory_limit"]}
    if os.environ.get(TEMP_DIRECTORY_VARIABLE):
        environment[TEMP_DIRECTORY_VARIABLE] = settings["temp_directory"]
    return environment


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (creating its folder) with the configured memory limit and
    temporary folder, and UTC as the session time zone."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=duckdb_settings(path))
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


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``schema.table`` exists in the warehouse."""
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = $schema and table_name = $name",
            {"schema": schema, "name": name},
        ).fetchone()[0]
    )


def quote_identifier(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier (any name, a keyword or a quote included)."""
    return '"' + identifier.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def execute_named(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]):
    """Execute ``sql`` with the named parameters it uses (DuckDB rejects unused ones)."""
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return con.execute(sql, used)


def drop_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    """Drop the (temporary) tables that exist among ``tables``."""
    for table in tables:
        con.execute(f"drop table if exists {table}")
