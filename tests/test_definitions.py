"""Layer 1: the code location loads and has what the UI and the scheduler need."""

from datetime import UTC, datetime

from orchestration.definitions import build_definitions
from orchestration.partitions import quarterly_partitions

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


def test_definitions_load_with_every_asset_partitioned_by_quarter():
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
    assert keys[0] == "2022-01-01"
