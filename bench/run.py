"""`make bench`: benchmarks on generated data; medians of several runs and peak memory.

Backbone benchmark: one quarter of 1,000,000 calls, every call scored on 5 criteria
(5,000,000 score rows, no transcripts). It times ingestion (landing files -> raw), the
backbone marts (raw -> fct_call_scores and fct_rep_scorecards with everything upstream
and their dbt tests; target 20 s or less, under 3 GB), all the marts (raw -> every dbt
model and dbt test of the assessment) and the Python statistics separately, each in a
fresh process whose process tree's resident memory is sampled every 50 ms; "in-run"
seconds leave out the process start and the loading of the Dagster definitions.
`--phases ingest_checked` adds a run of ingestion with its quality checks.

`--steps 200x250`: every step of the assess_cycle job (ingestion per kind, the raw tables'
quality checks, the automated scorer, dbt build, the marts' checks, statistics, publish,
reports) on one quarter of demo data with transcripts (reps x calls per rep), one process
per step in the job's order: median seconds and peak resident memory of each step's process
tree, and how far above the process's start (Python, Dagster, the definitions) it rose.
`--workdir` keeps the generated quarter (and the last warehouse) for the next run;
`--only` runs some steps again on it.

`--scale 400x250,2000x250,4000x250` (the last line of `make bench`): the steps once per
size, 100,000, 500,000 and 1,000,000 calls in the quarter, then the scale targets: the
highest peak of any step under 4 GB at 500,000 calls and under 6 GB at 1,000,000, and ten
times the calls in no more than twelve times the time. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb
import psutil

from bench.phase import STEPS
from salesassess.demo.data import generate
from salesassess.method.calendar import cycle_window

PARTITION = "2026-07-01"


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def measure(
    command: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[float, int, str]:
    """(wall seconds, peak RSS bytes of the process tree, output); fails with the output's
    tail."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, _tree_rss(watched))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        log.seek(0)
        output = log.read().decode(errors="replace")
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return wall, peak, output


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, seconds reported by the phase, peak RSS bytes of the process tree)."""
    wall, peak, output = measure(command, env)
    reported = float(re.search(r"PHASE_SECONDS ([0-9.]+)", output).group(1))
    return wall, reported, peak


def run_step(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """(seconds of the step, peak RSS bytes of the process tree, RSS bytes of the process
    before the step: Python, Dagster and the definitions loaded)."""
    _, peak, output = measure(command, env)
    reported = float(re.search(r"PHASE_SECONDS ([0-9.]+)", output).group(1))
    base = int(re.search(r"BASE_RSS ([0-9]+)", output).group(1))
    return reported, peak, base


def generate_quarter(
    landing: Path, reps: int, calls_per_rep: int, last_quarter: str = PARTITION, **options
) -> dict[str, int]:
    """One quarter of demo data, timed."""
    started = time.perf_counter()
    counts = generate(
        landing,
        seed=11,
        reps=reps,
        quarters=1,
        calls_per_rep=calls_per_rep,
        last_quarter=last_quarter,
        **options,
    )
    print(f"{reps}x{calls_per_rep}: generated {counts} in {time.perf_counter() - started:.1f} s")
    return counts


def phase_env(workdir: Path, landing: Path, warehouse: Path) -> dict[str, str]:
    """The environment of a measured run: everything it writes stays under ``workdir``."""
    (workdir / "dagster_home").mkdir(exist_ok=True)
    return {
        **os.environ,
        "ASSESSMENT_LANDING_DIR": str(landing),
        "ASSESSMENT_WAREHOUSE": str(warehouse),
        "ASSESSMENT_PUBLISHED": str(workdir / "published.duckdb"),
        "ASSESSMENT_REPORTS_DIR": str(workdir / "reports"),
        "DAGSTER_HOME": str(workdir / "dagster_home"),
    }


def backbone(runs: int, reps: int, calls_per_rep: int, workdir: Path, phases: list[str]) -> None:
    landing = workdir / "landing"
    generate_quarter(landing, reps, calls_per_rep, transcripts=False, human_share=1.0)
    results: dict[str, list[tuple[float, float, int]]] = {phase: [] for phase in phases}
    for run in range(runs):
        warehouse = workdir / f"warehouse_{run}.duckdb"
        env = phase_env(workdir, landing, warehouse)
        for phase in phases:
            command = [sys.executable, "-m", "bench.phase", "--phase", phase]
            results[phase].append(run_measured([*command, "--partition", PARTITION], env))
            print(f"run {run + 1} {phase}: {results[phase][-1][0]:.1f} s", flush=True)
        warehouse.unlink()
    print(f"\nBackbone benchmark: {runs} runs, partition {PARTITION}")
    print(f"{'phase':<8} {'median wall s':>14} {'median in-run s':>16} {'peak RSS MB':>12}")
    for phase, measured in results.items():
        wall = statistics.median(m[0] for m in measured)
        reported = statistics.median(m[1] for m in measured)
        peak = max(m[2] for m in measured) / 2**20
        print(f"{phase:<8} {wall:>14.1f} {reported:>16.1f} {peak:>12.0f}")
        print(f"         runs (wall s): {', '.join(f'{m[0]:.1f}' for m in measured)}")


def steps(
    runs: int,
    reps: int,
    calls_per_rep: int,
    workdir: Path,
    keep: bool = False,
    only: Sequence[str] = (),
) -> dict[str, float]:
    """Every step of the assess_cycle job on a quarter with transcripts, one process each,
    in the job's order: seconds and peak memory per step. Returns the quarter's size, the
    steps' total seconds and the highest peak (bytes)."""
    landing = workdir / f"landing_{reps}x{calls_per_rep}"
    done = landing / "generated.json"
    if done.exists():  # a kept --workdir: the same quarter, generated before
        counts = json.loads(done.read_text())
    else:
        counts = generate_quarter(landing, reps, calls_per_rep)
        done.write_text(json.dumps(counts))
    chosen = [step for step in STEPS if not only or step in only]
    results: dict[str, list[tuple[float, int, int]]] = {step: [] for step in chosen}
    for run in range(runs):
        # --only: the steps again on the warehouse kept by the last run (each replaces its
        # partition)
        warehouse = workdir / f"warehouse_{0 if only else run}.duckdb"
        if not only:
            warehouse.unlink(missing_ok=True)
        env = phase_env(workdir, landing, warehouse)
        for step in chosen:
            command = [sys.executable, "-m", "bench.phase", "--phase", step]
            results[step].append(run_step([*command, "--partition", PARTITION], env))
            seconds, peak, _ = results[step][-1]
            print(f"run {run + 1} {step}: {seconds:.1f} s, peak {peak / 2**20:.0f} MB", flush=True)
        if not only and (run < runs - 1 or not keep):  # --workdir keeps the last warehouse
            warehouse.unlink()
    calls = counts.get("calls.csv", 0)
    print(f"\nSteps of assess_cycle: {calls} calls with transcripts, {runs} run(s)")
    print(f"{'step':<26} {'median s':>9} {'peak RSS MB':>12} {'above start MB':>15}")
    total = 0.0
    for step, measured in results.items():
        seconds = statistics.median(m[0] for m in measured)
        total += seconds
        peak = max(m[1] for m in measured)
        above = max(m[1] - m[2] for m in measured)
        print(f"{step:<26} {seconds:>9.1f} {peak / 2**20:>12.0f} {above / 2**20:>15.0f}")
    worst = max(results, key=lambda step: max(m[1] for m in results[step]))
    print(f"{'all steps':<26} {total:>9.1f}   highest peak: {worst}")
    return {
        "calls": quarter_calls(workdir / f"warehouse_{0 if only else runs - 1}.duckdb", counts),
        "seconds": total,
        "peak": max(m[1] for measured in results.values() for m in measured),
    }


def quarter_calls(warehouse: Path, counts: dict[str, int]) -> int:
    """The calls of the assessed quarter (the landing file also holds the month after it)."""
    if not warehouse.exists():
        return counts.get("calls.csv", 0)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (calls,) = con.execute(
            "select count(*) from raw.calls where cycle = ?", [cycle_window(PARTITION).cycle]
        ).fetchone()
    return int(calls)


#: (calls in the quarter, highest peak of a step) the scale targets name, and the growth
#: allowed: ten times the calls in at most twelve times the time
PEAK_TARGETS = ((500_000, 4 * 2**30), (1_000_000, 6 * 2**30))
GROWTH_ALLOWED = 1.2


def scale(sizes: Sequence[str], workdir: Path) -> int:
    """Every step once per size (REPSxCALLS, smallest first; each quarter kept under
    ``workdir``), then the targets: each size's highest peak under the target for its
    calls, and the steps' total time growing no faster than GROWTH_ALLOWED times the calls.
    Returns 0 when every target is met."""
    measured = []
    for size in sizes:
        reps, calls_per_rep = (int(part) for part in size.split("x"))
        folder = workdir / size
        folder.mkdir(parents=True, exist_ok=True)
        measured.append(steps(1, reps, calls_per_rep, folder, keep=True))
    print("\nScale targets (one run per size)")
    print(f"{'calls':>10} {'all steps s':>12} {'highest peak GB':>16} {'target GB':>10} {'':>5}")
    missed = 0
    for result in measured:
        limits = [peak for calls, peak in PEAK_TARGETS if result["calls"] <= calls]
        target = limits[0] if limits else None
        ok = target is None or result["peak"] <= target
        missed += not ok
        shown = f"{target / 2**30:.0f}" if target else "-"
        print(
            f"{result['calls']:>10,} {result['seconds']:>12.1f} {result['peak'] / 2**30:>16.2f} "
            f"{shown:>10} {'ok' if ok else 'MISSED':>5}"
        )
    smallest, largest = measured[0], measured[-1]
    if len(measured) > 1:
        growth = (largest["seconds"] / smallest["seconds"]) / (largest["calls"] / smallest["calls"])
        ok = growth <= GROWTH_ALLOWED
        missed += not ok
        print(
            f"time: {largest['calls'] / smallest['calls']:.1f}x the calls in "
            f"{largest['seconds'] / smallest['seconds']:.1f}x the time "
            f"(allowed {GROWTH_ALLOWED:.1f}x per 1x) {'ok' if ok else 'MISSED'}"
        )
    return 1 if missed else 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--calls-per-rep", type=int, default=2500)
    parser.add_argument(
        "--phases",
        default="ingest,backbone_marts,marts,statistics",
        help="comma-separated, in order: ingest, backbone_marts, marts, statistics, ingest_checked",
    )
    parser.add_argument(
        "--steps",
        metavar="REPSxCALLS",
        help="instead: every step of assess_cycle on a quarter with transcripts, e.g. 200x250",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="with --steps: keep the generated landing files here and reuse them next time",
    )
    parser.add_argument("--only", help="with --workdir: these steps only, on its warehouse")
    parser.add_argument(
        "--scale",
        metavar="REPSxCALLS,...",
        help="instead: --steps once per size (smallest first) and the scale targets checked",
    )
    args = parser.parse_args()
    if args.scale:
        sizes = args.scale.split(",")
        if args.workdir:
            raise SystemExit(scale(sizes, args.workdir))
        with tempfile.TemporaryDirectory(prefix="assessment_bench_") as folder:
            raise SystemExit(scale(sizes, Path(folder)))
    if args.steps:
        reps, calls_per_rep = (int(part) for part in args.steps.split("x"))
        if args.workdir:
            args.workdir.mkdir(parents=True, exist_ok=True)
            only = args.only.split(",") if args.only else ()
            steps(args.runs, reps, calls_per_rep, args.workdir, keep=True, only=only)
            return
        with tempfile.TemporaryDirectory(prefix="assessment_bench_") as folder:
            steps(args.runs, reps, calls_per_rep, Path(folder))
        return
    with tempfile.TemporaryDirectory(prefix="assessment_bench_") as folder:
        backbone(args.runs, args.reps, args.calls_per_rep, Path(folder), args.phases.split(","))


if __name__ == "__main__":
    main()
