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

Beside the steps, the floor (`bench/floor.py`, issue 31): the same quarter's work written
plainly in bare DuckDB, run in the same run on the same landing folder after the steps, and
checked against the product's marts. Each step is printed beside its floor with the ratio
(`reports 250.5 s, floor 9.1 s, 27.5x`), then the totals, dbt's fixed start-up (a dbt run
of one view, timed once) and the issue's targets: the whole job within 3x the floor's total
and under 240 s at 1,000,000 calls, no step above 5x its floor except dbt's start-up.

`--scale 400x250,2000x250,4000x250` (the last line of `make bench`): the steps once per
size, 100,000, 500,000 and 1,000,000 calls in the quarter, then the scale targets: the
highest peak of any step under 4 GB at 500,000 calls and under 6 GB at 1,000,000, and ten
times the calls in no more than ten times the time, and the floor's targets. Exits 1
when a target is missed.
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
from orchestration.settings import AssessmentSettings
from salesassess.demo.data import generate
from salesassess.engines.warehouse import duckdb_environment
from salesassess.method.calendar import (
    cycle_window,
    partition_environment,
    partitioned_dbt_args,
)
from salesassess.platform.environment import dbt_project_dir

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
    floors: list[dict] = []
    startup = dagster_run = None
    print(f"load before the steps: {load()}", flush=True)
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
        if not only:
            floors.append(run_floor(landing, workdir, warehouse, env))
            print(
                f"run {run + 1} floor: {sum(floors[-1]['seconds'].values()):.1f} s, "
                f"peak {floors[-1]['peak'] / 2**20:.0f} MB, "
                f"{floors[-1]['mismatched']} mismatched rows, load {load()}",
                flush=True,
            )
            if run == 0:
                startup = dbt_startup(env)
                dagster_run = dagster_run_cost(env)
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
    calls = quarter_calls(workdir / f"warehouse_{0 if only else runs - 1}.duckdb", counts)
    product = {
        step: statistics.median(m[0] for m in measured) for step, measured in results.items()
    }
    return {
        "calls": calls,
        "seconds": total,
        "peak": max(m[1] for measured in results.values() for m in measured),
        "floor": beside_floor(product, floors, startup, calls, dagster_run) if floors else None,
    }


def load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def run_floor(landing: Path, workdir: Path, warehouse: Path, env: dict[str, str]) -> dict:
    """The floor on the same landing folder, checked against the product's warehouse: its
    seconds per stage, peak memory and mismatched rows."""
    command = [sys.executable, "-m", "bench.floor", "--landing", str(landing)]
    command += ["--partition", PARTITION, "--out", str(workdir / "floor")]
    _, peak, output = measure([*command, "--compare", str(warehouse)], env)
    for line in output.splitlines():
        if line.startswith(("compare ", "learned scorer")):
            print(f"  {line}")
    found = json.loads(re.search(r"FLOOR_STAGES (.*)", output).group(1))
    return {**found, "peak": peak}


def dagster_run_cost(env: dict[str, str], runs: int = 3) -> float:
    """Seconds of a Dagster run of an asset that does nothing, with the steps' resources
    (``bench.phase --phase dagster_run``; median of ``runs``): the fixed cost every step's
    run pays, whatever the data."""
    command = [sys.executable, "-m", "bench.phase", "--phase", "dagster_run"]
    command += ["--partition", PARTITION]
    return statistics.median(run_step(command, env)[0] for _ in range(runs))


def dbt_startup(env: dict[str, str]) -> float | None:
    """Seconds of a dbt run of one view (stg_raw__reps, rebuilt as it is) on the product's
    warehouse, started as the Dagster runs start dbt (the same target, profile, vars and
    partition environment, from the parse the marts step saved): dbt's fixed start-up (the
    process, its partial parse, the adapter), which every marts step pays whatever the
    data."""
    project = dbt_project_dir()
    dbt = Path(sys.executable).parent / "dbt"
    warehouse = Path(env["ASSESSMENT_WAREHOUSE"])
    run_env = {**env, **duckdb_environment(warehouse), **partition_environment(PARTITION)}
    with tempfile.TemporaryDirectory(prefix="dbt_startup_") as target:
        parsed = project / "target" / "partial_parse.msgpack"
        if parsed.exists():  # as the Dagster runs do: dbt's partial parse is reused
            (Path(target) / "partial_parse.msgpack").write_bytes(parsed.read_bytes())
        build = partitioned_dbt_args(
            PARTITION, AssessmentSettings().method_settings(), window_as_vars=False
        )
        dbt_vars = build[build.index("--vars") : build.index("--vars") + 2]
        command = [str(dbt), "run", "--select", "stg_raw__reps", "--target", "duckdb"]
        command += [*dbt_vars, "--profiles-dir", str(project)]
        command += ["--target-path", target, "--log-path", target]
        started = time.perf_counter()
        try:
            measure(command, run_env, cwd=project)
        except SystemExit as failed:  # stated as unknown, the steps' figures still stand
            print(f"dbt's start-up not measured: {str(failed)[-300:]}")
            return None
        return time.perf_counter() - started


#: the floor's targets (issue 31): the whole job within this many times the floor's total
#: and under WHOLE_SECONDS at WHOLE_AT calls; no step above STEP_RATIO times its floor
WHOLE_RATIO, WHOLE_SECONDS, WHOLE_AT, STEP_RATIO = 3.0, 240.0, 1_000_000, 5.0


def beside_floor(
    product: dict[str, float],
    floors: list[dict],
    startup: float | None,
    calls: int,
    dagster_run: float | None = None,
) -> dict:
    """Each step beside its floor (medians over the runs), the totals and the targets;
    returns the ratios and how many targets were missed."""
    floor = {
        stage: statistics.median(run["seconds"][stage] for run in floors)
        for stage in floors[0]["seconds"]
    }
    runs = len(floors)
    figures = f"medians of {runs} runs each" if runs > 1 else "one run each"
    print(
        f"\nSteps beside their floor (bench/floor.py: the same work in bare DuckDB, after "
        f"the steps on the same landing folder; {figures}; load now {load()})"
    )
    ratios = {}
    for step, seconds in product.items():
        below = floor.get(step)
        ratio = seconds / below if below else None
        ratios[step] = ratio
        shown = f"{ratio:.1f}x" if ratio is not None else "-"
        print(f"{step:<26} {seconds:>7.1f} s, floor {below or 0:>6.2f} s, {shown:>7}")
    whole, floor_total = sum(product.values()), sum(floor[s] for s in product if s in floor)
    print(
        f"{'whole assess_cycle':<26} {whole:>7.1f} s, floor {floor_total:>6.2f} s, "
        f"{whole / floor_total:>6.1f}x"
    )
    mismatched = max(run["mismatched"] for run in floors)
    print(
        f"floor peak {max(run['peak'] for run in floors) / 2**30:.2f} GiB; its check against the "
        f"product's marts: {mismatched} mismatched rows"
    )
    missed = 0 if mismatched == 0 else 1
    learned = floors[0].get("learned") or {}
    if learned.get("enabled"):
        copied = ", ".join(learned.get("copied") or []) or "none"
        print(
            "auto_scores: the product's step also trains the learned scorer, which the floor "
            f"does not redo (criteria it took over, their scores copied: {copied})"
        )
    if startup is not None:
        marts = product.get("marts", 0.0)
        print(
            f"dbt's fixed start-up: {startup:.1f} s (a dbt run of one view, one run); "
            f"marts without it {marts - startup:.1f} s, floor {floor.get('marts', 0):.2f} s, "
            f"{(marts - startup) / floor['marts'] if floor.get('marts') else 0:.1f}x"
        )
    at = f"at {calls:,} calls"
    if calls >= WHOLE_AT:
        ok = whole <= WHOLE_RATIO * floor_total
        missed += not ok
        print(
            f"target: whole job within {WHOLE_RATIO:.0f}x the floor's total {at}: "
            f"{whole / floor_total:.1f}x {'ok' if ok else 'MISSED'}"
        )
        ok = whole < WHOLE_SECONDS
        missed += not ok
        print(
            f"target: whole job under {WHOLE_SECONDS:.0f} s {at}: {whole:.1f} s "
            f"{'ok' if ok else 'MISSED'}"
        )
    else:
        print(
            f"(whole job {whole / floor_total:.1f}x its floor {at}; the targets of "
            f"{WHOLE_RATIO:.0f}x and {WHOLE_SECONDS:.0f} s are set at {WHOLE_AT:,} calls)"
        )
    dbt_apart = {"marts": product.get("marts", 0.0) - (startup or 0.0)}
    above = [
        f"{step} {(dbt_apart.get(step, seconds)) / floor[step]:.1f}x"
        for step, seconds in product.items()
        if floor.get(step) and dbt_apart.get(step, seconds) > STEP_RATIO * floor[step]
    ]
    missed += bool(above)
    print(
        f"target: no step above {STEP_RATIO:.0f}x its floor (marts without dbt's start-up): "
        + (f"MISSED ({', '.join(above)})" if above else "ok")
    )
    if dagster_run is not None:
        # the steps that run in Dagster (the checks' steps run their suites without it)
        net = {
            step: dbt_apart.get(step, seconds) - dagster_run
            for step, seconds in product.items()
            if floor.get(step) and not step.startswith("checks_")
        }
        beyond = [
            f"{step} {net[step]:.2f} s, {net[step] / floor[step]:.1f}x"
            if net[step] > 0
            else f"{step} none beyond it"
            for step in net
            if dbt_apart.get(step, product[step]) > STEP_RATIO * floor[step]
        ]
        print(
            f"Dagster's fixed cost of a step's run: {dagster_run:.2f} s (a run of an asset that "
            f"does nothing, median of 3); without it, the steps above {STEP_RATIO:.0f}x: "
            + ("; ".join(beyond) if beyond else "none")
        )
    return {"ratios": ratios, "missed": missed, "floor_seconds": floor_total}


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
#: allowed: ten times the calls in at most ten times the time (issue 31; it was twelve)
PEAK_TARGETS = ((500_000, 4 * 2**30), (1_000_000, 6 * 2**30))
GROWTH_ALLOWED = 1.0


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
    for result in measured:
        floor = result.get("floor")
        if floor:
            missed += floor["missed"]
            ratios = {step: ratio for step, ratio in floor["ratios"].items() if ratio}
            worst = max(ratios, key=ratios.get)
            print(
                f"{result['calls']:>10,} calls: whole job {result['seconds']:.1f} s, "
                f"{result['seconds'] / floor['floor_seconds']:.1f}x its floor; highest step "
                f"{worst} {ratios[worst]:.1f}x; the floor's targets "
                f"{'MISSED' if floor['missed'] else 'ok'} (above)"
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
