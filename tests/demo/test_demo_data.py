"""The demo-data generator writes a canonical, deterministic and internally consistent landing."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from salesassess.demo.data import DEFAULT_RUBRIC, OUTPUT_FILES, generate, main
from salesassess.demo.model import latest_complete_quarter
from tests.helpers import ROOT

SMALL = {"seed": 7, "reps": 6, "calls_per_rep": 12, "quarters": 2, "last_quarter": "2026-07-01"}
DATA_START = pd.Timestamp("2026-04-01", tz="UTC")
LAST_QUARTER = (pd.Timestamp("2026-07-01", tz="UTC"), pd.Timestamp("2026-10-01", tz="UTC"))
DATA_END = pd.Timestamp("2026-10-31", tz="UTC")  # end of the last quarter + 30 days, exclusive
COLUMNS = {
    "reps.csv": [
        "rep_id",
        "rep_name",
        "manager_id",
        "manager_name",
        "email",
        "team",
        "hired_on",
        "active",
    ],
    "calls.csv": [
        "call_id",
        "rep_id",
        "started_at",
        "duration_s",
        "opportunity_id",
        "title",
        "direction",
    ],
    "utterances.parquet": [
        "call_id",
        "seq",
        "start_ms",
        "end_ms",
        "speaker_role",
        "speaker_name",
        "text",
    ],
    "scores.csv": [
        "call_id",
        "criterion_id",
        "score",
        "scorer_id",
        "scorer_kind",
        "rubric_version",
        "scored_at",
        "evidence_start_ms",
    ],
    "opportunities.csv": [
        "opportunity_id",
        "owner_rep_id",
        "created_at",
        "close_date",
        "is_closed",
        "is_won",
        "stage",
        "amount",
        "account_id",
    ],
    "coaching_sessions.csv": [
        "rep_id",
        "cycle",
        "criterion_id",
        "delivered_on",
        "coach_id",
        "note",
    ],
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    generate(out, **SMALL)
    return out


@pytest.fixture(scope="module")
def tables(landing) -> dict[str, pd.DataFrame]:
    frames = {
        name: pd.read_csv(landing / name, keep_default_na=False)
        for name in COLUMNS
        if name.endswith(".csv")
    }
    frames["utterances.parquet"] = pd.read_parquet(landing / "utterances.parquet")
    calls = frames["calls.csv"]
    calls["utc"] = pd.to_datetime(calls["started_at"], utc=True, format="ISO8601")
    return frames


@pytest.fixture(scope="module")
def truth(landing) -> dict:
    return json.loads((landing / "_truth" / "truth.json").read_text())


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in OUTPUT_FILES}


def test_same_arguments_give_identical_bytes(landing, tmp_path):
    again = tmp_path / "again"
    generate(again, **SMALL)
    assert _bytes(again) == _bytes(landing)
    other = tmp_path / "other"
    generate(other, **{**SMALL, "seed": 8})
    differing = {n for n, content in _bytes(other).items() if content != _bytes(landing)[n]}
    assert {"calls.csv", "scores.csv", "utterances.parquet", "opportunities.csv"} <= differing


def test_every_file_has_the_contract_columns(landing, tables):
    for name, columns in COLUMNS.items():
        if name.endswith(".csv"):
            header = (landing / name).read_text().split("\n", 1)[0]
            assert header.split(",") == columns, name
    assert (landing / "rubric.yaml").read_bytes() == DEFAULT_RUBRIC.read_bytes()
    assert set(pq.read_schema(landing / "utterances.parquet").names) == set(
        COLUMNS["utterances.parquet"]
    )


def test_reps_and_managers_are_believable(tables):
    reps = tables["reps.csv"]
    assert list(reps["rep_id"]) == [f"rep_{i:03d}" for i in range(1, 7)]
    assert reps["rep_name"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()
    assert reps["manager_id"].str.fullmatch(r"mgr_\d{2}").all()
    assert reps["manager_id"].nunique() == 3  # max(3, ceil(6 / 8))
    assert reps["email"].is_unique
    assert set(reps["team"]) == {"field_sales"} and set(reps["active"]) == {True}


def test_started_at_has_an_offset_and_stays_in_the_generated_range(tables):
    calls = tables["calls.csv"]
    assert (
        calls["started_at"]
        .str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\+00:00|-05:00|\+01:00)")
        .all()
    )
    assert calls["utc"].min() >= DATA_START and calls["utc"].max() < DATA_END
    local = pd.to_datetime(calls["started_at"].str[:19])
    assert (local.dt.day_of_week < 5).all()
    assert local.dt.hour.between(8, 17).all()
    assert calls.groupby("rep_id")["started_at"].agg(lambda s: s.str[19:].nunique()).eq(1).all()
    assert calls["duration_s"].between(600, 2400).all()
    assert set(calls["direction"]) == {"outbound", "inbound"}
    # calls run into the 30-day follow-up window, at about the same rate
    in_window = (calls["utc"] >= LAST_QUARTER[1]).sum()
    assert 0.2 * len(calls) / 2 < in_window < 0.5 * len(calls) / 2


def test_every_call_belongs_to_a_known_rep(tables):
    assert set(tables["calls.csv"]["rep_id"]) <= set(tables["reps.csv"]["rep_id"])
    assert tables["calls.csv"]["call_id"].is_unique


def test_opportunities_are_consistent_with_their_calls(tables):
    calls, opportunities = tables["calls.csv"], tables["opportunities.csv"]
    assert set(calls["opportunity_id"]) == set(opportunities["opportunity_id"])
    joined = calls.merge(opportunities, on="opportunity_id")
    assert (joined["rep_id"] == joined["owner_rep_id"]).all()
    per_opportunity = joined.groupby("opportunity_id").agg(
        n=("call_id", "size"),
        last_call=("utc", "max"),
        first_call=("utc", "min"),
        close_date=("close_date", "first"),
        created_at=("created_at", "first"),
    )
    assert per_opportunity["n"].between(1, 3).all()
    days_to_close = (
        pd.to_datetime(per_opportunity["close_date"])
        - per_opportunity["last_call"].dt.tz_localize(None).dt.normalize()
    ).dt.days
    assert days_to_close.between(5, 40).all()
    created = pd.to_datetime(per_opportunity["created_at"])
    assert (created <= per_opportunity["first_call"].dt.tz_localize(None)).all()


def test_won_implies_closed_and_open_deals_close_after_the_data(tables):
    opportunities = tables["opportunities.csv"]
    closed, won = opportunities["is_closed"].astype(bool), opportunities["is_won"].astype(bool)
    assert not (won & ~closed).any()
    close = pd.to_datetime(opportunities["close_date"]).dt.tz_localize("UTC")
    assert (close[closed] < DATA_END).all() and (close[~closed] >= DATA_END).all()
    assert set(opportunities.loc[won, "stage"]) == {"closed_won"}
    assert set(opportunities.loc[closed & ~won, "stage"]) == {"closed_lost"}
    assert not opportunities.loc[~closed, "stage"].str.startswith("closed").any()
    assert 0.2 < won[closed].mean() < 0.8


def test_utterances_are_timed_inside_their_call(tables):
    utterances = tables["utterances.parquet"]
    calls = tables["calls.csv"].set_index("call_id")
    assert set(utterances["call_id"]) == set(calls.index)
    utterances = utterances.sort_values(["call_id", "seq"])
    grouped = utterances.groupby("call_id")
    assert grouped["seq"].apply(lambda s: list(s) == list(range(1, len(s) + 1))).all()
    assert (utterances["end_ms"] > utterances["start_ms"]).all()
    assert (utterances["start_ms"] >= 0).all()
    assert grouped["start_ms"].apply(lambda s: s.is_monotonic_increasing and s.is_unique).all()
    assert grouped["end_ms"].apply(lambda s: s.is_monotonic_increasing and s.is_unique).all()
    previous_end = grouped["end_ms"].shift()
    assert (utterances["start_ms"][previous_end.notna()] > previous_end.dropna()).all()
    last_end = grouped["end_ms"].max()
    assert (last_end <= calls.loc[last_end.index, "duration_s"] * 1000).all()
    assert grouped.size().between(25, 70).all()
    assert set(utterances["speaker_role"]) == {"rep", "prospect"}


def test_transcripts_carry_the_behaviour_and_personal_data(tables):
    utterances, scores = tables["utterances.parquet"], tables["scores.csv"]
    text = utterances.groupby("call_id")["text"].agg(" ".join)
    strong = text.str.contains("costing you each month|What does the current process cost you")
    urgency = scores[scores["criterion_id"] == "urgency_creation"]
    mean_score = urgency.groupby("call_id")["score"].mean()
    assert mean_score[mean_score.index.isin(text.index[strong])].mean() > 3.5
    assert mean_score[mean_score.index.isin(text.index[~strong])].mean() < 3.0
    prospect = utterances.loc[utterances["speaker_role"] == "prospect", "text"]
    assert prospect.str.contains(r"[a-z]+\.[a-z]+@[a-z-]+\.(?:com|co|net)").any()
    assert prospect.str.contains(r"\+\d{1,2} \d{2,3} \d{3,4} \d{4}").any()


def test_scores_are_unique_per_call_criterion_and_scorer(tables, truth):
    scores, calls = tables["scores.csv"], tables["calls.csv"]
    assert not scores.duplicated(["call_id", "criterion_id", "scorer_id"]).any()
    assert set(scores["call_id"]) <= set(calls["call_id"])
    rubric = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    assert set(scores["criterion_id"]) == {c["id"] for c in rubric["criteria"]}
    assert scores["score"].between(1, 5).all()
    assert set(scores["rubric_version"].astype(str)) == {"1"}
    assert set(scores["scorer_kind"]) == {"human", "external"}
    assert set(scores.loc[scores["scorer_kind"] == "external", "scorer_id"]) == {"gong_scorecard"}
    # every scorer scores a call on all criteria
    assert scores.groupby(["call_id", "scorer_id"]).size().eq(5).all()
    ended = calls.set_index("call_id")
    ended = ended["utc"] + pd.to_timedelta(ended["duration_s"], unit="s")
    scored_at = pd.to_datetime(scores["scored_at"], utc=True, format="ISO8601")
    assert (scored_at.to_numpy() > ended.loc[scores["call_id"]].to_numpy()).all()


def _primary(tables) -> pd.DataFrame:
    scores = tables["scores.csv"].merge(tables["calls.csv"][["call_id", "rep_id", "utc"]])
    scores = scores.merge(tables["reps.csv"][["rep_id", "manager_id"]])
    return scores


def test_one_rep_has_an_insufficient_sample_in_the_last_quarter(tables, truth):
    scores = _primary(tables)
    in_last = scores["utc"].between(*LAST_QUARTER, inclusive="left")
    primary = scores[in_last & (scores["scorer_id"] == scores["manager_id"])]
    per_rep = primary.groupby("rep_id")["call_id"].nunique()
    assert truth["insufficient_sample"] == {
        "rep_id": "rep_006",
        "cycle": "2026-Q3",
        "n_scored_calls": 6,
    }
    assert per_rep["rep_006"] == 6
    # no other scorer adds calls of that rep in that quarter: the pipeline counts 6
    assert scores[in_last & (scores["rep_id"] == "rep_006")]["call_id"].nunique() == 6
    assert (per_rep.drop("rep_006") >= 12).all()


def _iso_weeks(started: pd.Series) -> int:
    return started.dt.isocalendar().week.nunique()


def test_the_sample_is_stratified_by_iso_week(tmp_path):
    generate(tmp_path, **{**SMALL, "quarters": 1, "calls_per_rep": 60}, transcripts=False)
    tables = {
        name: pd.read_csv(tmp_path / name) for name in ("calls.csv", "scores.csv", "reps.csv")
    }
    tables["calls.csv"]["utc"] = pd.to_datetime(
        tables["calls.csv"]["started_at"], utc=True, format="ISO8601"
    )
    scores = _primary(tables)
    in_quarter = scores["utc"].between(*LAST_QUARTER, inclusive="left")
    sample = scores[in_quarter & (scores["scorer_id"] == scores["manager_id"])]
    sample = sample.drop_duplicates("call_id")
    calls = tables["calls.csv"][tables["calls.csv"]["utc"] < LAST_QUARTER[1]]
    with_calls = calls.groupby("rep_id")["utc"].agg(_iso_weeks)
    sampled_weeks = sample.groupby("rep_id")["utc"].agg(_iso_weeks)
    per_rep = sample.groupby("rep_id")["call_id"].size()
    assert per_rep.drop("rep_006").eq(12).all() and per_rep["rep_006"] == 6
    # 12 calls from 12 different weeks (the short sample: 6 different weeks)
    expected = np.minimum(with_calls, per_rep)
    assert sampled_weeks.equals(expected.rename("utc"))


def test_calibration_pairs_and_followups(tables, truth):
    scores = _primary(tables)
    human = scores[scores["scorer_kind"] == "human"]
    second = human[human["scorer_id"] != human["manager_id"]]
    # 10 calls per manager's team and quarter get a second reviewer (another manager)
    assert second.groupby("manager_id")["call_id"].nunique().eq(2 * 10).all()
    assert set(second["scorer_id"]) <= set(tables["reps.csv"]["manager_id"])
    roles = truth["scoring"]["pairs_by_role"]
    assert roles["followup"] > 0 and roles["external"] > 0


def test_coaching_sessions_reference_known_reps_and_criteria(tables, truth):
    sessions = tables["coaching_sessions.csv"]
    rubric = yaml.safe_load(DEFAULT_RUBRIC.read_text())
    assert set(sessions["rep_id"]) == set(tables["reps.csv"]["rep_id"])
    assert set(sessions["criterion_id"]) <= {c["id"] for c in rubric["criteria"]}
    assert sorted(set(sessions["cycle"])) == ["2026-Q2", "2026-Q3"]
    assert not sessions.duplicated(["rep_id", "cycle"]).any()
    managers = tables["reps.csv"].set_index("rep_id")["manager_id"]
    assert (sessions["coach_id"] == managers.loc[sessions["rep_id"]].to_numpy()).all()
    assessed = sessions["cycle"].map({"2026-Q2": "2026-07-01", "2026-Q3": "2026-10-01"})
    delay = (pd.to_datetime(sessions["delivered_on"]) - pd.to_datetime(assessed)).dt.days
    assert delay.between(1, 7).all()
    assert len(truth["coaching_sessions"]) == len(sessions)


def test_truth_records_the_hidden_structure(truth):
    weights = truth["win_model"]["weights"]
    assert weights == {
        "urgency_creation": 1.3,
        "objection_handling_depth": 0.9,
        "close_attempt_quality": 0.6,
        "discovery_quality": 0.3,
        "next_step_process": 0.0,
    }
    assert truth["win_model"]["most_predictive_criterion"] == "urgency_creation"
    assert list(truth["manager_coaching_efficacy"].values()) == [0.8, 0.5, 0.15]
    skills = np.array([list(s.values()) for s in truth["rep_skills"].values()])
    assert skills.shape == (6, 5) and skills.min() >= 1.3 and skills.max() <= 4.7
    assert set(truth["coaching_responders"]) == {"2026-Q2", "2026-Q3"}


def test_human_share_scores_every_call_and_overwrites(tmp_path):
    out = tmp_path / "bench"
    generate(out, **SMALL)
    (out / "calls_extra_note.txt").write_text("not ours")
    counts = generate(
        out, **{**SMALL, "calls_per_rep": 20, "quarters": 1}, transcripts=False, human_share=1.0
    )
    assert not (out / "utterances.parquet").exists()
    assert (out / "calls_extra_note.txt").exists()  # only the generator's own files are replaced
    calls = pd.read_csv(out / "calls.csv")
    scores = pd.read_csv(out / "scores.csv")
    assert counts["calls.csv"] == len(calls) and counts["scores.csv"] == len(scores)
    assert len(scores) == 5 * len(calls)
    assert set(scores["scorer_kind"]) == {"human"}
    in_quarters = pd.to_datetime(calls["started_at"], utc=True, format="ISO8601") < LAST_QUARTER[1]
    assert in_quarters.sum() == 6 * 20  # reps x calls_per_rep x quarters, exactly


def test_another_rubric_gets_its_own_criteria_and_weights(tmp_path):
    rubric = ROOT / "rubrics" / "templates" / "complex_b2b.yaml"
    generate(tmp_path, **{**SMALL, "quarters": 1}, rubric_path=rubric)
    scores = pd.read_csv(tmp_path / "scores.csv")
    truth = json.loads((tmp_path / "_truth" / "truth.json").read_text())
    ids = [c["id"] for c in yaml.safe_load(rubric.read_text())["criteria"]]
    assert set(scores["criterion_id"]) == set(ids)
    assert list(truth["win_model"]["weights"].values()) != []
    assert truth["win_model"]["weights"][ids[0]] == 1.3
    assert truth["scoring"]["vague_criterion"] is None
    text = " ".join(pd.read_parquet(tmp_path / "utterances.parquet")["text"])
    assert "who signs off" in text.lower() or "final call" in text.lower()


def test_command_line(tmp_path, capsys):
    main(["--out", str(tmp_path), "--reps", "3", "--calls-per-rep", "4", "--quarters", "1"])
    main(["--out", str(tmp_path), "--reps", "3", "--calls-per-rep", "4", "--no-transcripts"])
    assert "calls.csv" in capsys.readouterr().out
    assert not (tmp_path / "utterances.parquet").exists()
    truth = json.loads((tmp_path / "_truth" / "truth.json").read_text())
    assert truth["generator"]["managers"] == 3
    assert truth["generator"]["last_quarter"] == latest_complete_quarter().isoformat()
    assert re.fullmatch(r"\d{4}-\d\d-01", truth["generator"]["last_quarter"])


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 11, 28), dt.date(2026, 7, 1)),
        (dt.date(2026, 10, 1), dt.date(2026, 7, 1)),
        (dt.date(2026, 1, 15), dt.date(2025, 10, 1)),
        (dt.date(2026, 9, 30), dt.date(2026, 4, 1)),
    ],
)
def test_default_last_quarter_is_the_latest_complete_one(today, expected):
    assert latest_complete_quarter(today) == expected


def test_last_quarter_must_start_a_quarter(tmp_path):
    with pytest.raises(ValueError, match="first day of a calendar quarter"):
        generate(tmp_path, **{**SMALL, "last_quarter": "2026-08-01"})


def test_scores_point_at_the_transcript_moment_of_their_criterion(tables):
    """evidence_start_ms is the start of an utterance of the scored call (the line of the
    criterion's decisive moment), so evidence marts can show mm:ss and an excerpt."""
    scores, utterances = tables["scores.csv"], tables["utterances.parquet"]
    starts = set(zip(utterances["call_id"], utterances["start_ms"], strict=True))
    assert scores["evidence_start_ms"].notna().all()
    pairs = zip(scores["call_id"], scores["evidence_start_ms"].astype(int), strict=True)
    assert all(pair in starts for pair in pairs)
