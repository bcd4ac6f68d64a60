"""The command line of the Spark engine (its library half: :mod:`salesassess.engines.spark`).

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
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from salesassess.engines.spark import (
    collect_from_spark,
    engine_dbt_args,
    export_raw_parquet,
    run_dbt_on_spark,
    spark_session,
)
from salesassess.method.calendar import CalendarError, checkin_window, cycle_window
from salesassess.platform.commands import HelpFormatter, fail, prepare_environment

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
            from salesassess.scoring.spark import score_on_spark

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
            from salesassess.quality.spark import check_on_spark
            from salesassess.quality.validation import data_docs_dir

            result = check_on_spark(
                spark,
                options.raw,
                options.table,
                cycle_window(options.partition),
                data_docs_dir(settings.warehouse_path()),
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
