"""Bounded memory: one landing contract for the landing checks and the quality suites,
DuckDB's memory limit and temporary folder on every connection (and dbt's), statistics
fed with counts instead of one row per pair."""

import json
import os
import subprocess
from collections import Counter

import pytest

from assets.validity import correlate
from orchestration.resources import dbt_executable
from salesassess.engines.warehouse import connect, default_memory_limit, duckdb_environment
from salesassess.landing.checks import landing_rules
from salesassess.landing.contract import KINDS
from salesassess.method.calendar import cycle_window
from salesassess.platform.environment import dbt_project_dir
from salesassess.quality.expectations import Reference
from salesassess.quality.suites import build_suite
from tests.method.test_statistics import SAS_490_OUTCOME, SAS_490_SCORE

WINDOW = cycle_window("2026-07-01")


def test_landing_rules_are_generated_from_the_contract_in_order():
    assert {kind: [rule for rule, _ in landing_rules(KINDS[kind])] for kind in KINDS} == {
        "reps": [],
        "calls": ["negative_duration", "unknown_rep"],
        "utterances": ["negative_start", "end_before_start", "unknown_call", "call_quarantined"],
        "scores": [
            "unknown_call",
            "call_quarantined",
            "unknown_rubric_version",
            "unknown_criterion",
            "score_outside_scale",
        ],
        "opportunities": ["won_but_not_closed", "unknown_rep"],
        "coaching_sessions": ["unknown_rep", "unknown_criterion"],
    }


def test_quality_suites_are_generated_from_the_same_contract():
    reference = Reference(scales={"1": (1.0, 5.0)}, criteria={"1": ("a", "b")})
    rules = {
        table: [rule.name for rule in build_suite(table, WINDOW, reference).rules]
        for table in ("raw.reps", "raw.calls", "raw.utterances", "raw.opportunities")
    }
    assert rules == {
        "raw.reps": [
            "has_reps",
            "rep_id_not_null",
            "rep_id_unique",
            "rep_name_not_null",
            "manager_id_not_null",
            "load_log_reconciles",
        ],
        "raw.calls": [
            "call_id_not_null",
            "call_id_unique",
            "rep_id_not_null",
            "rep_id_known",
            "started_at_not_null",
            "started_at_in_window",
            "duration_s_not_null",
            "duration_s_in_range",
            "load_log_reconciles",
        ],
        "raw.utterances": [
            "call_id_not_null",
            "seq_not_null",
            "call_id_seq_unique",
            "call_id_known",
            "start_ms_not_null",
            "start_ms_in_range",
            "end_ms_not_null",
            "speaker_role_not_null",
            "speaker_role_known",
            "text_not_null",
            "end_not_before_start",
            "load_log_reconciles",
        ],
        "raw.opportunities": [
            "opportunity_id_not_null",
            "opportunity_id_unique",
            "owner_rep_id_not_null",
            "owner_rep_id_known",
            "created_at_not_null",
            "close_date_not_null",
            "is_closed_not_null",
            "is_won_not_null",
            "won_implies_closed",
            "load_log_reconciles",
        ],
    }
    scores = [rule.name for rule in build_suite("raw.scores", WINDOW, reference).rules]
    assert scores == [
        "call_id_not_null",
        "criterion_id_not_null",
        "scorer_id_not_null",
        "call_id_criterion_id_scorer_id_unique",
        "call_id_known",
        "score_not_null",
        "scorer_kind_not_null",
        "scorer_kind_known",
        # the rubric's rules, on the version each score was resolved to
        "rubric_version_not_null",
        "rubric_version_known",
        "criterion_id_known_v1",
        "score_within_scale_v1",
        "load_log_reconciles",
    ]


def _mem_total() -> int:
    with open("/proc/meminfo") as meminfo:
        line = next(line for line in meminfo if line.startswith("MemTotal:"))
    return int(line.split()[1]) * 1024


def test_default_memory_limit_is_a_quarter_of_the_machine_at_most_2_gib():
    expected = min(_mem_total() // 4, 2 << 30) >> 20
    assert default_memory_limit() == f"{expected}MiB"


def test_every_connection_has_the_memory_limit_and_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_DUCKDB_MEMORY_LIMIT", "300MiB")
    monkeypatch.setenv("ASSESSMENT_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    warehouse = tmp_path / "warehouse.duckdb"
    with connect(warehouse) as con:
        con.execute("create table t as select 1 as x")
    for read_only in (False, True):
        with connect(warehouse, read_only=read_only) as con:
            settings = con.execute(
                "select current_setting('memory_limit'), current_setting('temp_directory')"
            ).fetchone()
        assert settings == ("300.0 MiB", str(tmp_path / "spill"))
    monkeypatch.delenv("ASSESSMENT_DUCKDB_TEMP_DIR")
    with connect(warehouse, read_only=True) as con:
        (temp,) = con.execute("select current_setting('temp_directory')").fetchone()
    assert temp == f"{warehouse}.tmp"


def test_a_query_larger_than_the_memory_limit_spills_and_completes(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_DUCKDB_MEMORY_LIMIT", "64MiB")
    monkeypatch.setenv("ASSESSMENT_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    with connect(tmp_path / "warehouse.duckdb") as con:
        con.execute("set threads = 1")
        # 3 million distinct 40-byte keys: a hash table far above 64 MiB
        (groups,) = con.execute(
            "select count(*) from (select repeat('x', 32) || i::varchar as k, count(*) "
            "from range(3000000) t(i) group by k)"
        ).fetchone()
    assert groups == 3_000_000


def test_dbt_runs_with_the_same_settings(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    environment = {
        **os.environ,
        **duckdb_environment(warehouse),
        "ASSESSMENT_DUCKDB_MEMORY_LIMIT": "300MiB",
        "ASSESSMENT_WAREHOUSE": str(warehouse),
    }
    result = subprocess.run(
        [
            dbt_executable(),
            "show",
            "--inline",
            "select current_setting('memory_limit') as memory_limit, "
            "current_setting('temp_directory') as temp_directory",
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--output",
            "json",
            "--log-format",
            "json",
        ],
        cwd=dbt_project_dir(),
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    shown = next(
        json.loads(event["data"]["preview"])
        for event in map(json.loads, result.stdout.splitlines())
        if event["info"]["name"] == "ShowNode"
    )
    assert shown == [{"memory_limit": "300.0 MiB", "temp_directory": f"{warehouse}.tmp"}]


def test_correlation_from_counted_pairs_is_the_published_point_biserial():
    # SAS sample 490 (scipy's test_pointbiserial): r = 0.36149 over 34 pairs. Counted in
    # the warehouse, the pairs arrive as (criterion, score, won, count) rows.
    counted = Counter(zip(SAS_490_SCORE, SAS_490_OUTCOME, strict=True))
    rows = [("a", score, won, n) for (score, won), n in sorted(counted.items())]
    assert len(rows) < 34  # repeated pairs are counted once
    result = correlate(rows, 0.95)["a"]
    assert result.n == 34
    assert result.r == pytest.approx(0.36149, abs=5e-6)
