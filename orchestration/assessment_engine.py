"""The engine the Dagster jobs compute on: one resource, chosen by ``ASSESSMENT_ENGINE``.

``duckdb`` (the default) computes everything in the warehouse file. ``spark`` runs the same
jobs, assets, partitions and checks with the heavy steps on Spark:

* the landing layer stays the DuckDB warehouse: ingestion validates and quarantines there,
  and writes the partition label of each table it loads as Parquet (one folder per table,
  one file per label: :func:`salesassess.engines.spark.export_raw_tables`) for Spark, once;
* the quality checks evaluate their suites in Spark SQL (``python -m orchestration.engine
  check``): a raw table's over its Parquet files, a mart's in the metastore dbt built;
* the automated scorer matches the rubric's signals over the Parquet utterances in Spark
  SQL (:func:`salesassess.scoring.spark.score_on_spark`); its scores come back into
  ``raw.auto_scores``, and the learned scorer, when enabled, trains beside them on the
  landing tables with the signal counts Spark computed;
* dbt builds on the ``spark`` target, reading the raw Parquet (var ``raw_parquet_dir``);
* then the partition's marts, and the few intermediate tables the Python steps read, are
  collected from Spark into the warehouse (small tables: thousands of rows), so the
  statistics, the reports and the publish step read them where they read them on DuckDB.

Every Spark step runs in a process of its own (``python -m orchestration.engine``) that
ends with it: a local session's metastore (Derby) admits one process at a time, and dbt
runs in another.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.settings import AssessmentSettings
from salesassess.engines.spark import ENGINE_VARIABLE, export_raw_tables, raw_tables
from salesassess.engines.warehouse import connect, rollback
from salesassess.landing.contract import KINDS
from salesassess.method.calendar import CycleWindow, checkin_window, cycle_window
from salesassess.platform.environment import resolve
from salesassess.quality.validation import QualityResult, run_quality

ENGINES = ("duckdb", "spark")
RAW_PARQUET_VARIABLE = "ASSESSMENT_RAW_PARQUET_DIR"
SPARK_HOME_VARIABLE = "ASSESSMENT_SPARK_HOME"
#: the intermediate models the Python steps read (statistics, coaching effect), collected
#: whole from Spark after the dbt run that built them, as DuckDB rebuilds them whole
PYTHON_READS = frozenset(
    {
        "int_criterion_outcome_pairs",
        "int_followup_rep_criterion_scores",
        "int_reliability_scores",
        "int_rubric_agreement",
        "int_rubric_calibration",
        "int_rubric_criteria_in_force",
        "int_scorer_pairs",
        "int_weight_calibration_sample",
    }
)


#: the raw tables a rubric is stored in
RUBRIC_TABLES = ("rubric_criteria", "rubric_anchors")
#: the raw tables the landing writes (ingestion, the follow-up's and check-ins' windows):
#: on Spark each load writes its label's Parquet file itself (:meth:`AssessmentEngine.landed`)
LANDED = frozenset({*KINDS, *RUBRIC_TABLES, "load_log", "quarantine"})


class EngineError(RuntimeError):
    """A step of the engine failed: its command and the end of its output."""


def engine_name(value: str | None = None) -> str:
    """The engine: ``value``, else ``ASSESSMENT_ENGINE``, else ``duckdb``."""
    name = (value or os.environ.get(ENGINE_VARIABLE) or "duckdb").strip().lower()
    if name not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}={name!r}: the engine is one of {', '.join(ENGINES)}")
    return name


class AssessmentEngine(dg.ConfigurableResource):
    """Where the scorer, dbt and the marts run. Empty fields fall back to the environment
    (``ASSESSMENT_ENGINE``, ``ASSESSMENT_RAW_PARQUET_DIR``, ``ASSESSMENT_SPARK_HOME``); the
    Parquet folder defaults to ``raw_parquet`` and a local Spark's tables and metastore to
    ``spark``, both beside the warehouse file."""

    name: str = ""
    raw_parquet_dir: str = ""
    spark_home: str = ""

    @property
    def on_spark(self) -> bool:
        return engine_name(self.name) == "spark"

    def raw_dir(self, settings: AssessmentSettings) -> Path:
        value = self.raw_parquet_dir or os.environ.get(RAW_PARQUET_VARIABLE)
        return resolve(value) if value else settings.warehouse_path().parent / "raw_parquet"

    def spark_home_path(self, settings: AssessmentSettings) -> Path:
        value = self.spark_home or os.environ.get(SPARK_HOME_VARIABLE)
        return resolve(value) if value else settings.warehouse_path().parent / "spark"

    # --- the landing ----------------------------------------------------------------
    def landed(self, con, settings: AssessmentSettings, label: str, tables: Iterable[str]) -> None:
        """After a load of ``tables`` for ``label``: on Spark, their label's Parquet files
        (and the load log's and quarantine's) written for the checks, scorer and dbt."""
        if self.on_spark:
            written = {*tables, "load_log", "quarantine"}
            export_raw_tables(con, self.raw_dir(settings), labels={label}, tables=written)

    # --- the quality checks -----------------------------------------------------------
    def quality(
        self, settings: AssessmentSettings, table: str, window: CycleWindow
    ) -> QualityResult:
        """``table``'s quality suite for the cycle, evaluated on this engine."""
        if not self.on_spark:
            return run_quality(settings.warehouse_path(), table, window)
        raw = self.raw_dir(settings)
        out = raw.parent / f".check-{table}-{window.cycle}.json"
        command = ["check", "--table", table, "--partition", window.start.date().isoformat()]
        command += ["--raw", str(raw), "--spark-home", str(self.spark_home_path(settings))]
        self._run(settings, [*command, "--out", str(out)])
        try:
            return QualityResult.from_json(json.loads(out.read_text()))
        finally:
            out.unlink()

    # --- the automated scorer -------------------------------------------------------
    def auto_score(
        self, con, settings: AssessmentSettings, label: str, before: date, learned, cycle=None
    ):
        """The automated scorer over ``label``'s transcripts (see
        :func:`salesassess.scoring.cycle.auto_score_partition`), on this engine."""
        from salesassess.method.rubric import cycle_rubric_file
        from salesassess.scoring.cycle import auto_score_partition, learned_after_rules
        from salesassess.scoring.scorer_spec import load_scorer

        landing = settings.landing_path()
        file = cycle_rubric_file(landing, before)
        spec = load_scorer(file) if file else None
        if not self.on_spark or spec is None or not spec.criteria:
            result = auto_score_partition(con, landing, label, before, learned, cycle)
            if self.on_spark:  # no scorer: the label's file goes with its rows
                export_raw_tables(con, self.raw_dir(settings), {label}, {"auto_scores"})
            return result
        raw = self.raw_dir(settings)
        started = time.perf_counter()
        # the landing wrote the label's utterances; only a label without a file (loaded
        # before the engine was Spark) is written here
        export_raw_tables(con, raw, labels=(), tables={"utterances"})
        exported = time.perf_counter()
        command = ["score", "--raw", str(raw), "--label", label, "--before", before.isoformat()]
        if learned is not None:
            command.append("--signal-counts")
        self._run(settings, command)
        scored = time.perf_counter()
        rows = load_auto_scores(con, raw / "auto_scores" / f"{label}.parquet", label)
        result = {
            "cycle": label,
            "scorer_id": spec.scorer_id,
            "rows_written": rows,
            "seconds": {
                "export_utterances": round(exported - started, 3),
                "spark": round(scored - exported, 3),
                "load": round(time.perf_counter() - scored, 3),
            },
        }
        if learned is not None:
            counts, table = raw / "_signal_counts" / f"{label}.parquet", "_learned_signal_counts"
            con.execute(f"create or replace temp table {table} as select * from {_parquet(counts)}")
            try:
                result["learned"] = learned_after_rules(con, spec, label, learned, cycle, table)
            finally:
                con.execute(f"drop table if exists temp.{table}")
            if result["learned"]["learned_criteria"]:
                # the learned scorer replaced these criteria's rows of raw.auto_scores, which
                # dbt reads: the label's file is written again from them
                export_raw_tables(con, raw, labels={label}, tables={"auto_scores"})
        return result

    # --- dbt -----------------------------------------------------------------------
    def dbt_target(self) -> str:
        return engine_name(self.name)

    def before_dbt(
        self, settings: AssessmentSettings, partition_key: str, *, monthly: bool = False
    ) -> dict[str, str]:
        """Prepare a dbt run of the partition; the extra dbt vars it needs. On Spark: the
        raw tables of the run's labels (and of labels never written) as Parquet, and the
        local session's folder for dbt-spark."""
        if not self.on_spark:
            return {}
        window = checkin_window(partition_key) if monthly else cycle_window(partition_key)
        run_vars = window.dbt_vars()
        keys = ("cycle", "followup_label", "checkin_label")
        labels = {run_vars[k] for k in keys if k in run_vars}
        raw = self.raw_dir(settings)
        with connect(settings.warehouse_path(), read_only=True) as con:
            # the landing and the scorer wrote their labels' files themselves: of theirs only
            # missing ones (a warehouse filled before the engine was Spark)
            written = set(raw_tables(con))
            export_raw_tables(con, raw, labels=labels, tables=written - LANDED - {"auto_scores"})
            export_raw_tables(con, raw, labels=(), tables=written & {*LANDED, "auto_scores"})
        os.environ[SPARK_HOME_VARIABLE] = str(self.spark_home_path(settings))
        return {"raw_parquet_dir": str(raw)}

    def after_dbt(
        self,
        context: dg.AssetExecutionContext,
        events: Iterable,
        settings: AssessmentSettings,
        key_column: str,
        key: str,
    ) -> Iterator:
        """dbt's events; once dbt has finished, on Spark, the partition's rows of the marts
        it built, and the intermediate tables the Python steps read, collected into the
        warehouse."""
        yield from events
        if not self.on_spark:
            return
        tables = {}
        for asset_key in context.selected_asset_keys:
            schema, name = asset_key.path[0], asset_key.path[-1]
            if schema == "marts":
                tables[f"marts.{name}"] = f"{key_column}={key}"
            elif schema == "intermediate" and name in PYTHON_READS:
                tables[f"intermediate.{name}"] = ""
        if not tables:
            return
        folder = self.raw_dir(settings).parent / f".collected-{key}"
        command = ["collect", "--out", str(folder)]
        command += ["--spark-home", str(self.spark_home_path(settings))]
        for table, condition in sorted(tables.items()):
            command += ["--table", f"{table}:{condition}" if condition else table]
        self._run(settings, command)
        with connect(settings.warehouse_path()) as con:
            load_collected(con, folder, tables, key_column, key)
        for file in folder.glob("*.parquet"):
            file.unlink()
        folder.rmdir()

    def _run(self, settings: AssessmentSettings, arguments: list[str]) -> None:
        """One Spark step in a process of its own, with this run's settings."""
        env = {
            **os.environ,
            ENGINE_VARIABLE: "spark",
            "ASSESSMENT_LANDING_DIR": str(settings.landing_path()),
            "ASSESSMENT_WAREHOUSE": str(settings.warehouse_path()),
        }
        command = [sys.executable, "-m", "orchestration.engine", *arguments]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise EngineError(
                f"{' '.join(command[1:4])} failed (exit {done.returncode}):\n"
                f"{(done.stdout + done.stderr)[-4000:]}"
            )


def _parquet(file: Path) -> str:
    """``read_parquet`` of a file, its path as a SQL literal."""
    return "read_parquet('" + str(file).replace("'", "''") + "')"


def _describe(con: duckdb.DuckDBPyConnection, file: Path) -> list[str]:
    return [row[0] for row in con.execute(f"describe select * from {_parquet(file)}").fetchall()]


def load_auto_scores(con: duckdb.DuckDBPyConnection, file: Path, label: str) -> int:
    """Spark's scores of ``label`` replace its rows of ``raw.auto_scores``; their count."""
    from salesassess.scoring.auto_scorer import OUTPUT_COLUMNS

    columns = ", ".join(f"{name} {kind}" for name, kind in OUTPUT_COLUMNS)
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists raw.auto_scores ({columns})")
    con.execute("begin transaction")
    try:
        con.execute("delete from raw.auto_scores where cycle = ?", [label])
        (rows,) = con.execute(
            f"insert into raw.auto_scores by name select * from {_parquet(file)}"
        ).fetchone()
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
    return rows


def load_collected(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    tables: dict[str, str],
    key_column: str,
    key: str,
) -> None:
    """The collected files into the warehouse, in one transaction: a partitioned mart's
    rows of the partition replaced, any other table replaced whole."""
    con.execute("begin transaction")
    try:
        for table, condition in tables.items():
            schema, name = table.split(".")
            file = folder / f"{table}.parquet"
            source = _parquet(file)
            con.execute(f"create schema if not exists {schema}")
            (kind,) = con.execute(
                "select coalesce(max(table_type), '') from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, name],
            ).fetchone()
            if kind == "VIEW":
                con.execute(f"drop view {table}")
            if condition and key_column in _describe(con, file):
                con.execute(f"create table if not exists {table} as select * from {source} limit 0")
                con.execute(f"delete from {table} where {key_column} = ?", [key])
                con.execute(f"insert into {table} by name select * from {source}")
            else:
                con.execute(f"create or replace table {table} as select * from {source}")
        con.execute("commit")
    except BaseException:
        rollback(con)
        raise
