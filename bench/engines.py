"""`python -m bench.engines`: the same quarter on both engines, and what the default handles.

For each size (reps x calls per rep, one quarter of demo data with transcripts):

1. the whole ``assess_cycle`` job on DuckDB (ingest, automated scorer on every call, every
   dbt model and test, statistics, checks, publish, reports): wall time and peak memory,
   the figure behind the README's scale limits of the embedded default;
2. the raw tables exported to Parquet (``orchestration.engine``);
3. the automated scorer of the cycle on each engine (the ``raw/auto_scores`` asset on
   DuckDB; ``python -m orchestration.engine score`` on a local Spark), and ``dbt build`` of
   every assessment model for the cycle, on DuckDB and on a local Spark session
   (dbt-spark, method session, ``local[*]``) from those files: medians of ``--runs`` runs
   and peak memory of the process tree (Python and Spark's JVM).

Needs the spark extra (``make test-spark`` installs it) and Java.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

from bench.run import generate_quarter, measure, phase_env
from orchestration.project import DBT_PROJECT_DIR
from salesassess.engines.spark import ENGINE_VARIABLE, engine_dbt_args, export_raw_parquet

PARTITION = "2026-04-01"
ASSESSMENT_MODELS = ("tag:followup", "tag:checkin")  # excluded: the cycle's models only


def _transcript_gb(landing: Path) -> float:
    with duckdb.connect() as con:
        (size,) = con.execute(
            f"select sum(strlen(text)) from '{landing / 'utterances.parquet'}'"
        ).fetchone()
    return size / 1e9


def one_size(reps: int, calls_per_rep: int, runs: int, workdir: Path) -> dict[str, object]:
    landing = workdir / "landing"
    generate_quarter(landing, reps, calls_per_rep, last_quarter=PARTITION)
    warehouse = workdir / "warehouse.duckdb"
    env = phase_env(workdir, landing, warehouse)
    env.pop(ENGINE_VARIABLE, None)
    phase = [sys.executable, "-m", "bench.phase", "--phase", "cycle", "--partition", PARTITION]
    cycle_wall, cycle_peak, _ = measure(phase, env)
    print(f"  assess_cycle on DuckDB: {cycle_wall:.1f} s, peak {cycle_peak / 2**20:.0f} MB")

    raw = workdir / "raw_parquet"
    if runs:
        export_raw_parquet(warehouse, raw)
    dbt = str(Path(sys.executable).parent / "dbt")
    results: dict[str, list[tuple[float, int]]] = {"duckdb": [], "spark": []}
    scorer: dict[str, list[tuple[float, int]]] = {"duckdb": [], "spark": []}
    for run in range(runs):
        # the automated scorer: the asset on DuckDB, `orchestration.engine score` on Spark
        rescore = [sys.executable, "-m", "bench.phase", "--phase", "auto_scores"]
        scorer["duckdb"].append(measure([*rescore, "--partition", PARTITION], env)[:2])
        spark_score = [sys.executable, "-m", "orchestration.engine", "score"]
        scorer["spark"].append(
            measure([*spark_score, "--partition", PARTITION, "--raw", str(raw)], env)[:2]
        )
        print(
            f"  run {run + 1} automated scorer: duckdb {scorer['duckdb'][-1][0]:.1f} s, "
            f"spark {scorer['spark'][-1][0]:.1f} s"
        )
        for target in results:
            args = engine_dbt_args(PARTITION, raw, exclude=ASSESSMENT_MODELS, target=target)
            command = [dbt, *args, "--profiles-dir", ".", "--target-path", f"target-{target}"]
            run_env = dict(env)
            if target == "spark":
                run_env |= {
                    ENGINE_VARIABLE: "spark",
                    "ASSESSMENT_SPARK_HOME": str(workdir / "spark"),
                }
            results[target].append(measure(command, run_env, cwd=DBT_PROJECT_DIR)[:2])
            print(f"  run {run + 1} dbt build on {target}: {results[target][-1][0]:.1f} s")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (calls,) = con.execute("select count(*) from raw.calls").fetchone()
        (utterances,) = con.execute("select count(*) from raw.utterances").fetchone()
    if not runs:  # --runs 0: the end-to-end cycle on DuckDB only
        results = {target: [(float("nan"), 0)] for target in results}
        scorer = {target: [(float("nan"), 0)] for target in scorer}
    return {
        "size": f"{reps}x{calls_per_rep}",
        "calls": calls,
        "utterances": utterances,
        "transcript_gb": _transcript_gb(landing),
        "cycle": (cycle_wall, cycle_peak),
        **{
            target: (statistics.median(m[0] for m in ms), max(m[1] for m in ms))
            for target, ms in results.items()
        },
        **{
            f"score_{target}": (statistics.median(m[0] for m in ms), max(m[1] for m in ms))
            for target, ms in scorer.items()
        },
        "runs": {target: [round(m[0], 1) for m in ms] for target, ms in results.items()},
        "score_runs": {target: [round(m[0], 1) for m in ms] for target, ms in scorer.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engines", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--sizes", default="24x50,200x250", help="reps x calls per rep, ...")
    parser.add_argument(
        "--runs", type=int, default=3, help="dbt builds per engine (0: assess_cycle only)"
    )
    options = parser.parse_args()
    rows = []
    for size in options.sizes.split(","):
        reps, calls_per_rep = (int(part) for part in size.split("x"))
        with tempfile.TemporaryDirectory(prefix="assessment_engines_") as folder:
            rows.append(one_size(reps, calls_per_rep, options.runs, Path(folder)))
        shutil.rmtree(DBT_PROJECT_DIR / "target-duckdb", ignore_errors=True)
    print(f"\nEngines: one quarter each, dbt build medians of {options.runs} runs")
    print(
        f"{'size':<10} {'calls':>8} {'utterances':>11} {'text GB':>8} "
        f"{'assess_cycle s':>15} {'peak MB':>8} {'dbt duckdb s':>13} {'peak MB':>8} "
        f"{'dbt spark s':>12} {'peak MB':>8}"
    )
    for row in rows:
        print(
            f"{row['size']:<10} {row['calls']:>8} {row['utterances']:>11} "
            f"{row['transcript_gb']:>8.2f} {row['cycle'][0]:>15.1f} "
            f"{row['cycle'][1] / 2**20:>8.0f} {row['duckdb'][0]:>13.1f} "
            f"{row['duckdb'][1] / 2**20:>8.0f} {row['spark'][0]:>12.1f} "
            f"{row['spark'][1] / 2**20:>8.0f}"
        )
        print(
            f"           automated scorer: duckdb {row['score_duckdb'][0]:.1f} s "
            f"({row['score_duckdb'][1] / 2**20:.0f} MB), spark {row['score_spark'][0]:.1f} s "
            f"({row['score_spark'][1] / 2**20:.0f} MB)"
        )
        print(f"           runs: dbt {row['runs']}, scorer {row['score_runs']}")


if __name__ == "__main__":
    main()
