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
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from orchestration.cli import HelpFormatter, fail, prepare_environment
from salesassess.calendar import CalendarError, checkin_window, cycle_window, partitioned_dbt_args
from salesassess.environment import dbt_project_dir
from salesassess.warehouse import connect

HELP = """The dbt project on another engine than the embedded DuckDB: the warehouse's raw
tables exported as Parquet (one folder per table, one file per partition label), the
automated scorer and dbt build run on Spark (ASSESSMENT_ENGINE=spark, pip extra "spark").

    python -m orchestration.engine export --out data/raw_parquet
    python -m orchestration.engine score --partition 2026-07-01 --raw data/raw_parquet
    python -m orchestration.engine build --partition 2026-07-01 --raw data/raw_parquet
"""
ENGINE_VARIABLE = "ASSESSMENT_ENGINE"
_LABEL = re.compile(r"^[A-Za-z0-9_.-]+$")
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
    written: dict[str, int] = {}
    with connect(warehouse, read_only=True) as con:
        for table, columns in raw_tables(con).items():
            folder = out_dir / table
            folder.mkdir(parents=True, exist_ok=True)
            if "cycle" in columns:
                labels = [
                    label
                    for (label,) in con.execute(
                        f'select distinct cycle from raw."{table}" where cycle is not null'
                    ).fetchall()
                ]
                parts = {label: ("cycle = ?", [label]) for label in labels}
            else:
                parts = {"all": ("true", [])}
            keep, rows = set(), 0
            for label, (condition, params) in parts.items():
                if not _LABEL.match(label):
                    raise ValueError(f"raw.{table}: partition label {label!r} is not a file name")
                keep.add(f"{label}.parquet")
                select = f'select * from raw."{table}" where {condition}'
                rows += _copy(con, select, params, folder, label)
            if not parts:
                keep.add(EMPTY_FILE)
                _copy(con, f'select * from raw."{table}" limit 0', [], folder, "empty")
            for stale in folder.glob("*.parquet"):
                if stale.name not in keep:
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


def score_on_spark(spark, raw_dir: Path, partition_key: str, landing: Path) -> dict[str, int]:
    """The automated scorer on Spark: the rubric's signals matched and its rules applied in
    Spark SQL (the same statements as on DuckDB, in the Spark dialect) over the Parquet
    utterances of the cycle; the scores replace ``raw_dir/auto_scores/<cycle>.parquet``.
    Returns the calls and rows scored."""
    from assets.scoring import cycle_rubric_file
    from salesassess.auto_scorer import OUTPUT_COLUMNS, SPARK, output_sql, scoring_sql
    from salesassess.scorer_spec import load_scorer

    window = cycle_window(partition_key)
    file = cycle_rubric_file(landing, window.end.date())
    spec = load_scorer(file) if file else None
    if spec is None or not spec.criteria:
        raise SystemExit(f"{file}: the rubric declares no automated scorer")
    source = "_auto_scorer_utterances"
    spark.read.parquet(str(raw_dir.resolve() / "utterances")).createOrReplaceTempView(source)
    args = {"cycle": window.cycle}
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
        folder = raw_dir / "auto_scores"
        folder.mkdir(parents=True, exist_ok=True)
        staging = folder / f".{window.cycle}.spark"
        scores.repartition(1).write.mode("overwrite").parquet(str(staging.resolve()))
        (part,) = staging.glob("part-*.parquet")
        part.replace(folder / f"{window.cycle}.parquet")
        shutil.rmtree(staging)
        calls = spark.table("_auto_scorer_calls").count()
        rows = spark.read.parquet(str((folder / f"{window.cycle}.parquet").resolve())).count()
    finally:
        for view in views:
            spark.catalog.uncacheTable(view)
            spark.catalog.dropTempView(view)
    return {"calls": calls, "rows": rows}


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
    score.add_argument("--partition", required=True, help="the quarter's first day")
    score.add_argument("--raw", type=Path, required=True, help="the Parquet folder")
    build = sub.add_parser(
        "build",
        formatter_class=HelpFormatter,
        help="dbt build of one partition on the spark target",
    )
    build.add_argument("--partition", required=True, help="quarter's first day (or month's)")
    build.add_argument("--raw", type=Path, required=True, help="the Parquet folder")
    build.add_argument("--monthly", action="store_true", help="a check-in month")
    build.add_argument("--select", nargs="*", default=(), help="dbt selection")
    build.add_argument(
        "--spark-home",
        type=Path,
        default=Path(os.environ.get("ASSESSMENT_SPARK_HOME", "data/spark")),
        help="local session: warehouse and metastore folder",
    )
    options = parser.parse_args(argv)
    prepare_environment()
    if options.action in ("score", "build"):
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
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master(os.environ.get("ASSESSMENT_SPARK_MASTER", "local[*]"))
            .appName("automated_scorer")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            # as the dbt profile: Spark's default of 200 shuffle partitions makes every step
            # of a local run hundreds of empty tasks; a cluster sets its own
            .config(
                "spark.sql.shuffle.partitions",
                os.environ.get("ASSESSMENT_SPARK_SHUFFLE_PARTITIONS", "4"),
            )
            .getOrCreate()
        )
        try:
            counts = score_on_spark(spark, options.raw, options.partition, settings.landing_path())
        finally:
            spark.stop()
        print(
            f"scored {counts['calls']} calls ({counts['rows']} rows) on Spark in "
            f"{time.perf_counter() - started:.1f} s"
        )
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
