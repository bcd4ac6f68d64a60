"""Layer 1: the code location loads and has what the UI and the scheduler need."""

from datetime import UTC, datetime

from orchestration.checkin_definitions import build_checkin_definitions
from orchestration.definitions import build_definitions
from orchestration.partitions import monthly_partitions, quarterly_partitions

EXPECTED_RAW = {
    "rubric_criteria",
    "rubric_anchors",
    "reps",
    "calls",
    "utterances",
    "scores",
    "opportunities",
    "coaching_sessions",
}


CHECKIN_ASSETS = {
    "raw/checkin_windows",
    "intermediate/int_checkin_call_scores",
    "marts/fct_monthly_checkins",
    "published/checkin_marts",
}


def test_definitions_load_with_every_asset_partitioned_by_quarter():
    """One partitions definition for the whole location: the documented CLI
    ``dagster asset materialize -m orchestration.definitions --select '*' --partition P``
    needs every asset to share it."""
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {f"raw/{name}" for name in EXPECTED_RAW} <= keys
    assert {
        "marts/fct_call_scores",
        "marts/fct_rep_scorecards",
        "marts/fct_rep_criterion_scores",
    } <= keys
    for key in graph.get_all_asset_keys():
        assert graph.get(key).partitions_def == quarterly_partitions, key


def test_monthly_checkins_run_on_the_first_of_each_month_for_the_month_that_closed():
    defs = build_checkin_definitions()
    schedule = defs.resolve_schedule_def("monthly_checkin")
    assert schedule.cron_schedule == "0 4 1 * *"
    assert schedule.job_name == "monthly_checkin"
    keys = monthly_partitions.get_partition_keys(current_time=datetime(2026, 11, 28, tzinfo=UTC))
    assert keys[-1] == "2026-10-01"
    job = defs.resolve_job_def("monthly_checkin")
    selected = {key.to_user_string() for key in job.asset_layer.selected_asset_keys}
    assert selected == CHECKIN_ASSETS
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        if graph.get(key).is_materializable:
            assert graph.get(key).partitions_def == monthly_partitions, key


def test_quarterly_schedule_targets_the_assessment_job():
    defs = build_definitions()
    schedule = defs.resolve_schedule_def("quarterly_assessment")
    assert schedule.cron_schedule == "0 0 1 */3 *"
    assert schedule.job_name == "assess_cycle"


def test_groups_read_as_the_method_steps():
    graph = build_definitions().resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups == {"ingest", "score", "assess", "follow_up", "publish"}


def test_last_complete_quarter_is_the_latest_partition():
    keys = quarterly_partitions.get_partition_keys(current_time=datetime(2026, 11, 28, tzinfo=UTC))
    assert keys[-1] == "2026-07-01"
    assert keys[0] == "2016-01-01"  # ASSESSMENT_FIRST_CYCLE default
