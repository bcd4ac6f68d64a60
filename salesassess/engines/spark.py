"""The Spark engine's library half: the raw tables as Parquet, a Spark session, and dbt run
on Spark.

DuckDB is the embedded default: the ingestion writes ``raw.*`` into the warehouse file and
dbt-duckdb reads it there. For Spark (``ASSESSMENT_ENGINE=spark``, the pip extra
``spark``) the same models read the raw tables as Parquet, one folder per table and one
file per partition label (``calls/2026-Q3.parquet``, ``calls/2026-Q3-followup.parquet``),
registered as external tables by the dbt macro ``register_raw_parquet``. The command line
is ``python -m orchestration.engine``; the Dagster resource is
:mod:`orchestration.assessment_engine`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import duckdb

from salesassess.engines.sql_dialect import SPARK
from salesassess.engines.warehouse import connect
from salesassess.method.calendar import partitioned_dbt_args
from salesassess.platform.environment import dbt_project_dir

ENGINE_VARIABLE = "ASSESSMENT_ENGINE"
_LABEL = re.compile(r"^[A-Za-z0-9_.-]+$")
_TABLE = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
EMPTY_FILE = "empty.parquet"  # a table without rows: its schema only


def raw_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The warehouse's raw tables and their columns, in order."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'raw' order by table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def export_raw_parquet(warehouse: Path, out_dir: Path) -> dict[str, int]:
    """Write every raw table of ``warehouse`` to ``out_dir/<table>/<label>.parquet``, one file
    per partition label (the ``cycle`` column), replacing the files written before; a table
    without the column is one file ``all.parquet``. Returns the rows written per table."""
    with connect(warehouse, read_only=True) as con:
        return export_raw_tables(con, out_dir)


def export_raw_tables(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    labels: Collection[str] | None = None,
    tables: Collection[str] | None = None,
) -> dict[str, int]:
    """Write the raw tables (``tables``, default all) to ``out_dir/<table>/<label>.parquet``.
    With ``labels`` None, every label is written and the files of labels no longer in the
    table are removed; else the given labels (a file removed when its label has no rows
    left) and the labels that have no file yet (a warehouse filled before the engine was
    Spark). Tables without a ``cycle`` column are
    written whole. Returns the rows written per table."""
    written: dict[str, int] = {}
    for table, columns in raw_tables(con).items():
        if tables is not None and table not in tables:
            continue
        folder = out_dir / table
        folder.mkdir(parents=True, exist_ok=True)
        if "cycle" in columns:
            present = [
                label
                for (label,) in con.execute(
                    f'select distinct cycle from raw."{table}" where cycle is not null'
                ).fetchall()
            ]
            wanted = [
                label
                for label in present
                if labels is None or label in labels or not (folder / f"{label}.parquet").exists()
            ]
            parts = {label: ("cycle = ?", [label]) for label in wanted}
        else:
            present = ["all"]
            parts = {"all": ("true", [])}
        rows = 0
        for label, (condition, params) in parts.items():
            if not _LABEL.match(label):
                raise ValueError(f"raw.{table}: partition label {label!r} is not a file name")
            select = f'select * from raw."{table}" where {condition}'
            rows += _copy(con, select, params, folder, label)
        if not present:
            _copy(con, f'select * from raw."{table}" limit 0', [], folder, "empty")
        keep = {f"{label}.parquet" for label in present} or {EMPTY_FILE}
        for stale in folder.glob("*.parquet"):
            ours = labels is None or stale.name == EMPTY_FILE or stale.stem in labels
            if stale.name not in keep and ours:
                stale.unlink()
        written[table] = rows
    return written


def _copy(con, select: str, params: list, folder: Path, label: str) -> int:
    """One Parquet file, written beside its final name and renamed into place; its rows."""
    target = folder / f"{label}.parquet"
    partial = folder / f".{label}.parquet.partial"
    (rows,) = con.execute(
        f"copy ({select}) to '{_quoted(partial)}' (format parquet, compression zstd)", params
    ).fetchone()
    partial.replace(target)
    return rows


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def spark_session(app: str, spark_home: Path | None = None):
    """A Spark session as the engine's steps use it (``ASSESSMENT_SPARK_MASTER``, default
    ``local[*]``; UTC; few shuffle partitions, as the dbt profile). With ``spark_home``, the
    Hive metastore and tables of dbt-spark's session method under that folder."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(os.environ.get("ASSESSMENT_SPARK_MASTER", "local[*]"))
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # instants as Parquet's UTC-adjusted microseconds (DuckDB reads timestamptz)
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        # as the dbt profile: Spark's default of 200 shuffle partitions makes every step
        # of a local run hundreds of empty tasks; a cluster sets its own
        .config(
            "spark.sql.shuffle.partitions",
            os.environ.get("ASSESSMENT_SPARK_SHUFFLE_PARTITIONS", "4"),
        )
    )
    if spark_home is not None:
        home = spark_home.resolve()
        builder = (
            builder.config("spark.sql.warehouse.dir", str(home / "warehouse"))
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}")
            .enableHiveSupport()
        )
    return builder.getOrCreate()


def write_single_parquet(frame, target: Path) -> Path:
    """A Spark frame as one Parquet file at ``target``, written beside it and renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.stem}.spark"
    frame.repartition(1).write.mode("overwrite").parquet(str(staging.resolve()))
    (part,) = staging.glob("part-*.parquet")
    part.replace(target)
    shutil.rmtree(staging)
    return target


def collect_from_spark(spark, out_dir: Path, tables: Mapping[str, str]) -> dict[str, int]:
    """Each table ``schema.name`` of the Spark metastore, restricted by its condition in
    ``tables`` (``column=value``; empty, or a column it lacks: the whole table), as one
    Parquet file ``out_dir/<schema>.<name>.parquet``. Returns the rows written per table."""
    written = {}
    for table, condition in tables.items():
        if not _TABLE.match(table):
            raise ValueError(f"{table!r} is not a schema.table name")
        frame = spark.table(table)
        column, _, value = condition.partition("=")
        if column and column in frame.columns:
            frame = frame.where(frame[column] == value)
        file = write_single_parquet(frame, out_dir / f"{table}.parquet")
        written[table] = spark.read.parquet(str(file.resolve())).count()
    return written


def register_raw_tables(spark, raw_dir: Path, tables: Collection[str]) -> list[str]:
    """The raw tables among ``tables`` (``raw.<name>``) whose Parquet folder exists, as
    tables of the session's ``raw`` schema over it (as dbt's ``register_raw_parquet``
    registers them); the names registered."""
    registered = []
    spark.sql("create schema if not exists raw")
    for table in sorted(tables):
        schema, _, name = table.partition(".")
        folder = raw_dir.resolve() / name
        if schema != "raw" or not _TABLE.match(table) or not folder.is_dir():
            continue
        spark.sql(f"drop table if exists {table}")
        spark.sql(f"create table {table} using parquet location {SPARK.literal(str(folder))}")
        registered.append(table)
    return registered


def engine_dbt_args(
    partition_key: str,
    raw_dir: Path,
    method_settings: Mapping[str, object] | None = None,
    *,
    monthly: bool = False,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    target: str = "spark",
) -> list[str]:
    """The ``dbt build`` of a Dagster run for one cycle (or check-in month) on ``target``:
    on spark with the Parquet folder as a var; ``target="duckdb"`` gives the same run on the
    embedded default (benchmarks)."""
    extra = {} if target == "duckdb" else {"raw_parquet_dir": str(raw_dir.resolve())}
    args = partitioned_dbt_args(partition_key, method_settings, monthly=monthly, extra_vars=extra)
    args += ["--target", target]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    return args


def run_dbt_on_spark(
    args: Sequence[str], spark_home: Path, *, log: Path | None = None
) -> subprocess.CompletedProcess:
    """Run dbt with the spark target in the project folder, a local Spark session's
    warehouse and metastore under ``spark_home``."""
    env = {
        **os.environ,
        ENGINE_VARIABLE: "spark",
        "ASSESSMENT_SPARK_HOME": str(spark_home.resolve()),
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), *args, "--profiles-dir", ".", "--target-path", "target-spark"]
    if log is None:
        return subprocess.run(command, cwd=dbt_project_dir(), env=env, check=False, text=True)
    with log.open("w") as out:
        return subprocess.run(
            command, cwd=dbt_project_dir(), env=env, check=False, stdout=out, stderr=out, text=True
        )
