"""The dbt project on another engine: the raw tables as Parquet, and dbt run on Spark.

DuckDB is the embedded default: the ingestion writes ``raw.*`` into the warehouse file and
dbt-duckdb reads it there. For Spark (``ASSESSMENT_ENGINE=spark``, the pip extra
``spark``) the same models read the raw tables as Parquet, one folder per table and one
file per partition label (``calls/2026-Q3.parquet``, ``calls/2026-Q3-followup.parquet``),
registered as external tables by the dbt macro ``register_raw_parquet``.

    python -m orchestration.engine export --out data/raw_parquet
    python -m orchestration.engine score --partition 2026-07-01 --raw data/raw_parquet
    python -m orchestration.engine build --partition 2026-07-01 --raw data/raw_parquet

``score`` runs the automated scorer in Spark (its matching over every utterance is Spark
SQL, so it scales with the cluster) and replaces the cycle's ``auto_scores`` file.
``collect`` writes tables of the Spark metastore (a partition of each) as Parquet files.
With ``ASSESSMENT_ENGINE=spark`` the Dagster jobs run these steps themselves, through the
engine resource (:mod:`orchestration.assessment_engine`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from orchestration.cli import HelpFormatter, fail, prepare_environment
from salesassess.calendar import (
    CalendarError,
    CycleWindow,
    checkin_window,
    cycle_window,
    partitioned_dbt_args,
)
from salesassess.environment import dbt_project_dir
from salesassess.quality import QualityResult, read_reference, validate_suite
from salesassess.quality_suites import build_suite
from salesassess.sql_dialect import SPARK, Dialect
from salesassess.warehouse import connect

HELP = """The dbt project on another engine than the embedded DuckDB: the warehouse's raw
tables exported as Parquet (one folder per table, one file per partition label), the
automated scorer and dbt build run on Spark (ASSESSMENT_ENGINE=spark, pip extra "spark").

    python -m orchestration.engine export --out data/raw_parquet
    python -m orchestration.engine score --partition 2026-07-01 --raw data/raw_parquet
    python -m orchestration.engine build --partition 2026-07-01 --raw data/raw_parquet
    python -m orchestration.engine check --table raw.calls --partition 2026-07-01 \\
        --raw data/raw_parquet

With ASSESSMENT_ENGINE=spark, make assess and the Dagster jobs run these steps themselves.
"""
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


def score_on_spark(
    spark, raw_dir: Path, label: str, before: date, landing: Path, *, signal_counts: bool = False
) -> dict[str, int]:
    """The automated scorer on Spark: the rubric's signals matched and its rules applied in
    Spark SQL (the same statements as on DuckDB, in the Spark dialect) over the Parquet
    utterances labelled ``label``, under the rubric in force before the day ``before``; the
    scores replace ``raw_dir/auto_scores/<label>.parquet``. With ``signal_counts``, each
    call's count per signal (the learned scorer's features) goes to
    ``raw_dir/_signal_counts/<label>.parquet``. Returns the calls and rows scored."""
    from assets.scoring import cycle_rubric_file
    from salesassess.auto_scorer import OUTPUT_COLUMNS, SPARK, output_sql, scoring_sql
    from salesassess.scorer_spec import load_scorer

    file = cycle_rubric_file(landing, before)
    spec = load_scorer(file) if file else None
    if spec is None or not spec.criteria:
        raise SystemExit(f"{file}: the rubric declares no automated scorer")
    source = "_auto_scorer_utterances"
    spark.read.parquet(str(raw_dir.resolve() / "utterances")).createOrReplaceTempView(source)
    args = {"cycle": label}
    views = []
    try:
        for name, sql in scoring_sql(spec, SPARK, source).items():
            view = f"_auto_scorer_{name}"
            spark.sql(sql, args=args).createOrReplaceTempView(view)
            spark.catalog.cacheTable(view)
            views.append(view)
        scores = spark.sql(
            output_sql(SPARK),
            args={**args, "scorer_id": spec.scorer_id, "rubric_version": spec.rubric_version},
        ).select(*(name for name, _ in OUTPUT_COLUMNS))
        written = write_single_parquet(scores, raw_dir / "auto_scores" / f"{label}.parquet")
        if signal_counts:
            counts = ", ".join(f"n{i}" for i in range(len(spec.signals))) or "0 as none"
            frame = spark.sql(f"select call_id, {counts} from _auto_scorer_wide")
            write_single_parquet(frame, raw_dir / "_signal_counts" / f"{label}.parquet")
        calls = spark.table("_auto_scorer_calls").count()
        rows = spark.read.parquet(str(written.resolve())).count()
    finally:
        for view in views:
            spark.catalog.uncacheTable(view)
            spark.catalog.dropTempView(view)
    return {"calls": calls, "rows": rows}


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


@dataclass(frozen=True)
class SparkTables:
    """A Spark session as the place a quality suite is evaluated
    (:class:`salesassess.quality.Tables`): Spark SQL, the session's catalogue."""

    spark: Any
    dialect: Dialect = SPARK

    def rows(self, sql: str, cycle: str) -> list[Sequence[Any]]:
        return [
            tuple(_plain(value) for value in row)
            for row in self.spark.sql(sql, args={"cycle": cycle}).collect()
        ]

    def has_table(self, table: str) -> bool:
        return self.spark.catalog.tableExists(table)


def _plain(value: Any) -> Any:
    """A value Spark returned as DuckDB returns it: a struct as a dict, an instant (which
    pyspark gives as a naive local time) as an aware UTC datetime."""
    if hasattr(value, "asDict"):
        return {key: _plain(item) for key, item in value.asDict().items()}
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.astimezone(UTC)
    return value


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


def check_on_spark(spark, raw_dir: Path, table: str, window: CycleWindow) -> QualityResult:
    """``table``'s quality suite for the cycle evaluated in Spark SQL: a raw table over its
    Parquet files (the rubric and the tables the suite reads registered first), a mart in
    the metastore where dbt built it."""
    tables = SparkTables(spark)
    register_raw_tables(spark, raw_dir, {"raw.rubric_criteria"})
    suite = build_suite(table, window, read_reference(tables, window.cycle), SPARK)
    register_raw_tables(spark, raw_dir, suite.tables - {"raw.rubric_criteria"})
    return validate_suite(tables, suite, window.cycle)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.engine",
        description=HELP,
        formatter_class=HelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", required=True)
    export = sub.add_parser(
        "export", formatter_class=HelpFormatter, help="write the warehouse's raw tables as Parquet"
    )
    export.add_argument("--out", type=Path, required=True, help="the Parquet folder")
    score = sub.add_parser(
        "score", formatter_class=HelpFormatter, help="the automated scorer of one cycle on Spark"
    )
    score.add_argument("--partition", help="the quarter's first day (or --label and --before)")
    score.add_argument("--raw", type=Path, required=True, help="the Parquet folder")
    score.add_argument(
        "--label", help="score this partition label instead (a follow-up or check-in window)"
    )
    score.add_argument(
        "--before", type=date.fromisoformat, help="with --label: the window's end (YYYY-MM-DD)"
    )
    score.add_argument(
        "--signal-counts", action="store_true", help="also write the learned scorer's features"
    )
    build = sub.add_parser(
        "build",
        formatter_class=HelpFormatter,
        help="dbt build of one partition on the spark target",
    )
    build.add_argument("--partition", required=True, help="quarter's first day (or month's)")
    build.add_argument("--raw", type=Path, required=True, help="the Parquet folder")
    build.add_argument("--monthly", action="store_true", help="a check-in month")
    build.add_argument("--select", nargs="*", default=(), help="dbt selection")
    collect = sub.add_parser(
        "collect",
        formatter_class=HelpFormatter,
        help="tables of the Spark metastore (a partition of each) as Parquet files",
    )
    collect.add_argument("--out", type=Path, required=True, help="the folder of the files")
    collect.add_argument(
        "--table",
        action="append",
        default=[],
        help="schema.name, or schema.name:column=value for one partition (repeatable)",
    )
    check = sub.add_parser(
        "check",
        formatter_class=HelpFormatter,
        help="a table's quality suite for one cycle, evaluated on Spark",
    )
    check.add_argument("--table", required=True, help="raw.<kind> or a checked mart")
    check.add_argument("--partition", required=True, help="the quarter's first day")
    check.add_argument("--raw", type=Path, required=True, help="the Parquet folder")
    check.add_argument("--out", type=Path, help="write the result here as JSON")
    for command in (build, collect, check):
        command.add_argument(
            "--spark-home",
            type=Path,
            default=Path(os.environ.get("ASSESSMENT_SPARK_HOME", "data/spark")),
            help="local session: warehouse and metastore folder",
        )
    options = parser.parse_args(argv)
    prepare_environment()
    if options.action == "score" and not options.partition:
        if not (options.label and options.before):
            return fail("score: give --partition, or --label and --before")
    elif options.action in ("score", "build", "check"):
        try:
            if getattr(options, "monthly", False):
                checkin_window(options.partition)
            else:
                cycle_window(options.partition)
        except CalendarError as error:
            return fail(str(error))
    from orchestration.settings import AssessmentSettings

    settings = AssessmentSettings()
    started = time.perf_counter()
    if options.action == "export":
        counts = export_raw_parquet(settings.warehouse_path(), options.out)
        for table, rows in counts.items():
            print(f"raw.{table}: {rows} rows")
        print(f"exported to {options.out} in {time.perf_counter() - started:.1f} s")
        return 0
    if options.action == "score":
        window = cycle_window(options.partition) if options.partition else None
        label = options.label or window.cycle
        before = options.before or window.end.date()
        spark = spark_session("automated_scorer")
        try:
            counts = score_on_spark(
                spark,
                options.raw,
                label,
                before,
                settings.landing_path(),
                signal_counts=options.signal_counts,
            )
        finally:
            spark.stop()
        print(
            f"scored {counts['calls']} calls ({counts['rows']} rows) on Spark in "
            f"{time.perf_counter() - started:.1f} s"
        )
        return 0
    if options.action == "check":
        spark = spark_session("quality_check", options.spark_home)
        try:
            result = check_on_spark(
                spark, options.raw, options.table, cycle_window(options.partition)
            )
        finally:
            spark.stop()
        if options.out:
            options.out.write_text(json.dumps(result.to_json()))
        print(result.description)
        return 0
    if options.action == "collect":
        tables = dict((item.split(":", 1) + [""])[:2] for item in options.table)
        spark = spark_session("collect_marts", options.spark_home)
        try:
            counts = collect_from_spark(spark, options.out, tables)
        finally:
            spark.stop()
        for table, rows in counts.items():
            print(f"{table}: {rows} rows")
        return 0
    args = engine_dbt_args(
        options.partition,
        options.raw,
        settings.method_settings(),
        monthly=options.monthly,
        select=options.select,
    )
    result = run_dbt_on_spark(args, options.spark_home)
    print(f"dbt on spark: exit {result.returncode} in {time.perf_counter() - started:.1f} s")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
