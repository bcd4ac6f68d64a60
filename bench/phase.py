"""One benchmark phase in its own process: materialise a group selection for a cycle."""

from __future__ import annotations

import argparse
import time

import dagster as dg
import psutil

from orchestration.assessment_engine import AssessmentEngine
from orchestration.checks import CHECK_NAME, TARGETS, check_result
from orchestration.definitions import build_definitions
from orchestration.jobs import FOLLOWUP, REPORTS
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.method.calendar import cycle_window
from salesassess.quality.validation import run_quality

BACKBONE_MARTS = dg.AssetSelection.assets(
    *(dg.AssetKey(["marts", name]) for name in ("fct_call_scores", "fct_rep_scorecards"))
)
AUTO_SCORES = dg.AssetSelection.assets(dg.AssetKey(["raw", "auto_scores"]))
PHASES = {
    # landing files -> raw tables (no checks)
    "ingest": dg.AssetSelection.groups("ingest").without_checks(),
    # raw -> every dbt model of the assessment: one dbt build with its dbt tests (as in
    # make assess), without the automated scorer (a step of its own) or the GX checks
    "marts": (
        dg.AssetSelection.groups("score", "assess")
        - dg.AssetSelection.kind("python")
        - AUTO_SCORES
        - dg.AssetSelection.checks(
            *(dg.AssetCheckKey(target.asset, CHECK_NAME) for target in TARGETS)
        )
    ),
    # raw -> the backbone marts only (fct_call_scores, fct_rep_scorecards and upstream)
    "backbone_marts": BACKBONE_MARTS.upstream().without_checks()
    - dg.AssetSelection.groups("ingest"),
    # the Python statistics over the marts (criterion validity, reliability)
    "statistics": dg.AssetSelection.kind("python") - dg.AssetSelection.groups("follow_up"),
    # the automated scorer alone (every call of the cycle scored again)
    "auto_scores": AUTO_SCORES.without_checks(),
    # the whole assess_cycle job: ingest, auto-score, marts, statistics, checks, publish,
    # reports (what `make assess` runs for a quarter before its follow-up)
    "cycle": dg.AssetSelection.all() - FOLLOWUP,
    # ingestion again with its Great Expectations checks (the checks' cost is the difference)
    "ingest_checked": dg.AssetSelection.groups("ingest"),
}
# One step of the assess_cycle job each, in the job's order (``python -m bench.run --steps``):
# what each asset costs on its own, peak memory included.
_RAW = ("reps", "calls", "utterances", "scores", "opportunities", "coaching_sessions")
STEPS = {
    "ingest_rubric": dg.AssetSelection.assets(
        dg.AssetKey(["raw", "rubric_criteria"]), dg.AssetKey(["raw", "rubric_anchors"])
    ).without_checks(),
    **{
        f"ingest_{kind}": dg.AssetSelection.assets(dg.AssetKey(["raw", kind])).without_checks()
        for kind in _RAW
    },
    # the quality checks of the raw tables, without their assets (see CHECKS)
    "checks_raw": None,
    "auto_scores": PHASES["auto_scores"],
    "marts": PHASES["marts"],
    "checks_marts": None,
    "statistics": PHASES["statistics"] - REPORTS,
    "publish": dg.AssetSelection.assets(dg.AssetKey(["published", "assessment_marts"])),
    "reports": dg.AssetSelection.assets(dg.AssetKey(["reports", "rep_scorecards"])),
}
PHASES |= STEPS


@dg.asset(key=dg.AssetKey(["bench", "nothing"]), partitions_def=quarterly_partitions)
def nothing(settings: AssessmentSettings, engine: AssessmentEngine) -> dg.MaterializeResult:
    """Does nothing, with the steps' resources: a run of it is Dagster's fixed cost of a
    step's run (the run, its events, the resources), which every step pays."""
    return dg.MaterializeResult()


# Dagster's fixed cost of a step's run (``python -m bench.run`` prints it beside the steps)
PHASES["dagster_run"] = dg.AssetSelection.assets(nothing.key)
# A Dagster job cannot select partitioned checks without their assets: these steps run the
# body of each check (its suite, evaluated in the warehouse, and its check result).
CHECKS = {
    "checks_raw": [target for target in TARGETS if target.table.startswith("raw.")],
    "checks_marts": [target for target in TARGETS if target.table.startswith("marts.")],
}


def run_checks(step: str, partition: str) -> None:
    settings = AssessmentSettings()
    window = cycle_window(partition)
    for target in CHECKS[step]:
        check_result(run_quality(settings.warehouse_path(), target.table, window))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.phase")
    parser.add_argument("--phase", choices=sorted(PHASES), required=True)
    parser.add_argument("--partition", required=True)
    args = parser.parse_args()
    if args.phase in CHECKS:
        print(f"BASE_RSS {psutil.Process().memory_info().rss}")
        started = time.perf_counter()
        run_checks(args.phase, args.partition)
        print(f"PHASE_SECONDS {time.perf_counter() - started:.3f}")
        return
    defs = build_definitions()
    job = dg.define_asset_job(f"bench_{args.phase}", selection=PHASES[args.phase])
    extra = dg.Definitions(assets=[nothing], jobs=[job])
    resolved = dg.Definitions.merge(defs, extra).resolve_job_def(job.name)
    # the process before the step: Python, Dagster and the definitions loaded
    print(f"BASE_RSS {psutil.Process().memory_info().rss}")
    started = time.perf_counter()
    result = resolved.execute_in_process(partition_key=args.partition)
    elapsed = time.perf_counter() - started
    if not result.success:
        raise SystemExit(f"phase {args.phase} failed")
    print(f"PHASE_SECONDS {elapsed:.3f}")


if __name__ == "__main__":
    main()
