"""Great Expectations suites as Dagster asset checks, on real materialisations.

GX validates every suite (a checkpoint per frame of the partition) and adds its results and
pages to the warehouse's Data Docs. The clean fixture (tests/fixtures/small_landing, cycle
2026-Q3) passes every check. A
warehouse broken after ingestion (ingestion itself quarantines every row the raw suites look
for, so the damage is done with DuckDB afterwards) fails the right check with the right
failing row count and example row, and a failed blocking check on raw/calls stops the dbt
models of the same run.
"""

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import dagster as dg
import duckdb
import pytest

import assets.ingest
from orchestration.checks import CHECK_NAME, build_quality_checks, check_result
from orchestration.definitions import build_definitions
from orchestration.partitions import quarterly_partitions
from salesassess.method.calendar import cycle_window
from salesassess.quality.validation import (
    ERROR,
    WARN,
    data_docs_dir,
    data_docs_index,
    run_quality,
)
from tests.helpers import FIXTURE_PARTITION

WINDOW = cycle_window(FIXTURE_PARTITION)
CHECKED = {
    "raw/rubric_criteria": True,
    "raw/reps": True,
    "raw/calls": True,
    "raw/utterances": False,
    "raw/scores": True,
    "raw/opportunities": True,
    "marts/fct_call_scores": True,
    "marts/fct_rep_scorecards": True,
}


def _definitions() -> dg.Definitions:
    return build_definitions()


def _assess(partition_key: str = FIXTURE_PARTITION) -> dg.ExecuteInProcessResult:
    job = _definitions().resolve_job_def("assess_cycle")
    return job.execute_in_process(partition_key=partition_key, raise_on_error=False)


def _gx_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {
        evaluation.asset_key.to_user_string(): evaluation
        for evaluation in result.get_asset_check_evaluations()
        if evaluation.check_name == CHECK_NAME
    }


def _materialised(result: dg.ExecuteInProcessResult) -> set[str]:
    return {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}


@pytest.fixture(scope="module")
def clean_run(environment):
    return _assess()


@pytest.fixture
def broken_copy(clean_run, environment, tmp_path):
    """A copy of the clean warehouse, to break with DuckDB."""
    copy = tmp_path / "broken.duckdb"
    shutil.copy(environment["warehouse"], copy)
    return copy


def test_checks_are_partitioned_like_their_assets_and_run_in_the_assessment_job():
    defs = _definitions()
    graph = defs.resolve_asset_graph()
    checks = {
        spec.asset_key.to_user_string(): spec
        for checks_def in build_quality_checks()
        for spec in checks_def.check_specs
    }
    assert {key: spec.blocking for key, spec in checks.items()} == CHECKED
    for key, spec in checks.items():
        assert spec.name == CHECK_NAME
        assert spec.partitions_def == quarterly_partitions
        assert graph.get(dg.AssetKey.from_user_string(key)).partitions_def == spec.partitions_def
    job_checks = defs.resolve_job_def("assess_cycle").asset_layer.asset_graph.asset_check_keys
    assert {k.asset_key.to_user_string() for k in job_checks if k.name == CHECK_NAME} == set(
        CHECKED
    )


def test_every_check_passes_on_the_clean_fixture(clean_run, environment):
    assert clean_run.success
    evaluations = _gx_evaluations(clean_run)
    assert set(evaluations) == set(CHECKED)
    for key, evaluation in evaluations.items():
        assert evaluation.passed, (key, evaluation.description)
        assert evaluation.partition == FIXTURE_PARTITION
        assert evaluation.metadata["failing_rows"].value == 0
        assert evaluation.metadata["cycle"].value == "2026-Q3"
        assert evaluation.metadata["suite"].value == key.replace("/", ".")
        page = Path(unquote(urlparse(evaluation.metadata["data_docs"].value).path))
        assert page.is_file() and page.is_relative_to(data_docs_dir(environment["warehouse"]))
    assert data_docs_index(environment["warehouse"]).is_file()
    assert evaluations["raw/calls"].metadata["rows_checked"].value == 5  # c1 c2 c4 c6 c7
    assert evaluations["raw/scores"].metadata["rows_checked"].value == 25
    assert evaluations["marts/fct_rep_scorecards"].metadata["rows_checked"].value == 3


def test_a_score_outside_the_scale_fails_the_scores_check(broken_copy):
    with duckdb.connect(str(broken_copy)) as con:
        con.execute(
            "insert into raw.scores select * replace (9.0 as score, 'h9' as scorer_id) "
            "from raw.scores where call_id = 'c1' and criterion_id = 'a' and scorer_id = 'h1'"
        )
    result = run_quality(broken_copy, "raw.scores", WINDOW)
    assert not result.passed
    assert result.check == "score_within_scale_v1"
    assert [outcome.rule for outcome in result.failed] == ["score_within_scale_v1"]
    assert result.failing_rows == 1
    assert result.severity == ERROR
    assert {k: result.example_row[k] for k in ("call_id", "criterion_id", "scorer_id")} == {
        "call_id": "c1",
        "criterion_id": "a",
        "scorer_id": "h9",
    }
    assert result.example_row["score"] == 9.0
    assert "1..5" in result.description

    check = check_result(result)
    assert not check.passed
    assert check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["failing_rows"].value == 1
    assert check.metadata["example_row"].value["score"] == 9.0
    assert check.metadata["expectation"].value == (
        "expect_column_values_to_be_between(column='score', min_value=1.0, max_value=5.0) "
        "where rubric_version == '1'"
    )
    assert check.metadata["suite"].value == "raw.scores"
    assert "| score_within_scale_v1 | FAIL (ERROR) | 1 of 26 unexpected | 1 |" in (
        check.metadata["expectations"].value
    )
    # GX's validation result of the partition's rows, and its Data Docs page
    rows_result = json.loads(Path(result.validation_results[0]).read_text())
    assert rows_result["success"] is False
    assert rows_result["meta"]["run_id"]["run_name"] == "2026-Q3"
    (failed,) = [r for r in rows_result["results"] if not r["success"]]
    assert failed["expectation_config"]["type"] == "expect_column_values_to_be_between"
    assert failed["expectation_config"]["meta"]["rule"] == "score_within_scale_v1"
    assert failed["result"]["unexpected_count"] == 1
    assert failed["result"]["element_count"] == 26
    page = Path(result.data_docs)
    assert page.is_file() and page.parent.parent.name == "2026-Q3"
    assert page.is_relative_to(data_docs_dir(broken_copy) / "data_docs" / "validations")
    assert check.metadata["data_docs"].value == page.as_uri()
    # the other tables of the cycle are untouched
    for table in ("raw.calls", "raw.reps", "raw.rubric_criteria", "raw.opportunities"):
        assert run_quality(broken_copy, table, WINDOW).passed, table


def test_a_duplicate_call_fails_the_calls_check_on_both_copies(broken_copy):
    with duckdb.connect(str(broken_copy)) as con:
        con.execute("insert into raw.calls select * from raw.calls where call_id = 'c1'")
    result = run_quality(broken_copy, "raw.calls", WINDOW)
    assert not result.passed
    assert (result.check, result.failing_rows, result.rows_checked) == ("call_id_unique", 2, 6)
    assert result.example_row["call_id"] == "c1"
    assert result.example_row["started_at"] == "2026-07-02T10:00:00+00:00"
    assert result.example_row["source_row"] == 1


@pytest.mark.parametrize(
    ("table", "damage", "rule", "failing_rows", "example"),
    [
        pytest.param(
            "raw.calls",
            "insert into raw.calls select * replace ('c99' as call_id, "
            "timestamptz '2026-10-01 00:00:00+00' as started_at) "
            "from raw.calls where call_id = 'c2'",
            "started_at_in_window",  # the window is half-open: its end is outside
            1,
            {"call_id": "c99", "started_at": "2026-10-01T00:00:00+00:00"},
            id="started_at_in_window",
        ),
        pytest.param(
            "raw.calls",
            "update raw.calls set rep_id = 'rx' where call_id = 'c4'",
            "rep_id_known",
            1,
            {"call_id": "c4", "rep_id": "rx"},
            id="rep_id_known",
        ),
        pytest.param(
            "raw.opportunities",
            "update raw.opportunities set is_closed = false where opportunity_id = 'o1'",
            "won_implies_closed",
            1,
            {"opportunity_id": "o1", "is_won": True, "is_closed": False},
            id="won_implies_closed",
        ),
        pytest.param(
            "raw.rubric_criteria",
            "update raw.rubric_criteria set weight = 45 where criterion_id = 'a'",
            "weights_sum_to_100",
            1,
            {"rubric_version": "1", "weight_total": 105},
            id="weights_sum_to_100",
        ),
        pytest.param(
            "raw.scores",
            "update raw.load_log set rows_read = rows_read + 1 where kind = 'scores'",
            "load_log_reconciles",
            1,
            {"kind": "scores", "rows_read": 30, "rows_accounted": 29},
            id="load_log_reconciles",
        ),
        pytest.param(
            "marts.fct_rep_scorecards",
            "update marts.fct_rep_scorecards set sample_status = 'unknown' where rep_id = 'r2'",
            "sample_status_known",
            1,
            {"rep_id": "r2", "sample_status": "unknown"},
            id="sample_status_known",
        ),
        # rules generated from the landing contract (salesassess/landing/contract.py)
        pytest.param(
            "raw.calls",
            "update raw.calls set duration_s = -5 where call_id = 'c2'",
            "duration_s_in_range",
            1,
            {"call_id": "c2", "duration_s": -5.0},
            id="duration_s_in_range",
        ),
        pytest.param(
            "raw.opportunities",
            "update raw.opportunities set close_date = null where opportunity_id = 'o2'",
            "close_date_not_null",
            1,
            {"opportunity_id": "o2", "close_date": None, "created_at": "2026-06-15"},
            id="close_date_not_null",
        ),
        pytest.param(
            "raw.utterances",
            "update raw.utterances set text = null where call_id = 'c1' and seq in (2, 3)",
            "text_not_null",
            2,
            {"call_id": "c1", "seq": 2, "start_ms": 4000},
            id="text_not_null",
        ),
        pytest.param(
            "marts.fct_call_scores",
            "update marts.fct_call_scores set weighted_score = 5.5 where call_id = 'c7'",
            "weighted_score_within_scale_v1",
            1,
            {"call_id": "c7", "weighted_score": 5.5},
            id="weighted_score_within_scale_v1",
        ),
    ],
)
def test_broken_rows_fail_the_right_rule(broken_copy, table, damage, rule, failing_rows, example):
    with duckdb.connect(str(broken_copy)) as con:
        con.execute(damage)
    result = run_quality(broken_copy, table, WINDOW)
    assert not result.passed
    assert [outcome.rule for outcome in result.failed] == [rule]
    assert result.failing_rows == failing_rows
    assert {key: result.example_row[key] for key in example} == example


def test_transcript_problems_only_warn(broken_copy):
    with duckdb.connect(str(broken_copy)) as con:
        con.execute("update raw.utterances set end_ms = start_ms - 1 where call_id = 'c1'")
        (n_lines,) = con.execute(
            "select count(*) from raw.utterances where call_id = 'c1'"
        ).fetchone()
    result = run_quality(broken_copy, "raw.utterances", WINDOW)
    assert (result.passed, result.check, result.failing_rows) == (
        False,
        "end_not_before_start",
        n_lines,
    )
    assert "text" not in result.example_row  # transcript content stays out of metadata
    assert result.severity == WARN
    assert check_result(result).severity == dg.AssetCheckSeverity.WARN


def test_failed_blocking_check_on_calls_stops_the_dbt_models(
    environment, clean_run, monkeypatch, tmp_path
):
    # A fresh warehouse, and raw.calls damaged right after its (real) ingestion.
    warehouse = tmp_path / "blocked.duckdb"
    monkeypatch.setenv("ASSESSMENT_WAREHOUSE", str(warehouse))
    real_ingest = assets.ingest.ingest_kind

    def ingest_then_duplicate_c1(con, kind, landing, **window):
        counts = real_ingest(con, kind, landing, **window)
        if kind == "calls":
            con.execute(
                "insert into raw.calls select * from raw.calls "
                "where cycle = $cycle and call_id = 'c1'",
                {"cycle": window["cycle"]},
            )
        return counts

    monkeypatch.setattr(assets.ingest, "ingest_kind", ingest_then_duplicate_c1)
    result = _assess()

    assert not result.success
    calls_check = _gx_evaluations(result)["raw/calls"]
    assert not calls_check.passed
    assert calls_check.blocking
    assert calls_check.severity == dg.AssetCheckSeverity.ERROR
    assert calls_check.partition == FIXTURE_PARTITION
    assert calls_check.metadata["failing_rows"].value == 2
    assert calls_check.metadata["example_row"].value["call_id"] == "c1"
    assert "call_id_unique" in calls_check.metadata["failed_checks"].value
    assert "expect_column_values_to_be_unique" in calls_check.metadata["expectation"].value

    materialised = _materialised(result)
    assert "raw/calls" in materialised
    assert {"raw/reps", "raw/rubric_criteria"} <= materialised
    # everything downstream of raw/calls waits for its blocking check, and does not run
    assert not {"raw/scores", "raw/utterances"} & materialised
    assert not {key for key in materialised if key.split("/")[0] != "raw"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        schemas = {
            name for (name,) in con.execute("select schema_name from duckdb_schemas()").fetchall()
        }
    assert "marts" not in schemas
