"""Empty and partial slices: every step ends with an honest status, never a traceback.

A sparse landing, as users bring it: one rep (Ana) with three calls in 2026-Q2 and nothing
after the quarter (the export ends with it), and variants: no transcripts, no scores, one
call, calls in the 30 days after the quarter without a transcript, a rubric with no
automated scorer, a quarter with no call at all.

The step-level matrix runs the automated scorer's step (the rules, then the learned scorer
when it is enabled) over every shape, for the cycle itself and for a follow-up window,
with the learned scorer on and off. Whole ``make assess`` runs (cycle, follow-up,
check-in) are kept for what only they prove: the follow-up and check-in of a quarter whose
later data is missing, and the marts and statuses after an empty slice.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.assess import main
from salesassess.landing.ingest import ingest_kind, slice_status, store_rubrics
from salesassess.method.rubric import load_rubrics
from salesassess.scoring.cycle import auto_score_partition
from salesassess.scoring.learned_scorer import LearnedSettings
from tests.helpers import ROOT, SMALL_LANDING, query

SCORED_RUBRIC = ROOT / "rubrics" / "templates" / "complex_b2b.yaml"
CRITERIA = (
    "economic_buyer_identification",
    "technical_fit_qualification",
    "multi_stakeholder_alignment",
    "business_case_quantification",
    "mutual_action_plan",
)
QUARTER, CYCLE, FOLLOWUP = "2026-04-01", "2026-Q2", "2026-Q2-followup"
Q1 = "2026-Q1"
CALLS = (
    "c1,r1,2026-04-10T10:00:00Z,900,o1",
    "c2,r1,2026-05-12T10:00:00Z,900,o1",
    "c3,r1,2026-06-15T10:00:00Z,900,o1",
)
WINDOW_CALL = "c4,r1,2026-07-10T10:00:00Z,900,o1"  # 9 days into the follow-up window
UTTERANCES = (
    "c1,1,0,4000,rep,Who makes the final call on this?",
    "c1,2,4000,9000,prospect,That would be Maria our CFO.",
    "c2,1,0,4000,rep,Our pricing is per seat per month.",
    "c2,2,4000,9000,prospect,I will take it to my boss.",
    "c3,1,0,4000,rep,Can we meet on Friday?",
    "c3,2,4000,9000,prospect,Sure.",
)


def sparse_landing(
    folder: Path,
    *,
    calls=CALLS,
    utterances=UTTERANCES,
    scores: bool = True,
    scorer: bool = True,
    method: str | None = None,
) -> Path:
    """The landing of one rep's quarter; each keyword takes a part away (or adds one)."""
    folder.mkdir(parents=True)
    shutil.copy(SCORED_RUBRIC if scorer else SMALL_LANDING / "rubric.yaml", folder / "rubric.yaml")
    files = {
        "reps.csv": ["rep_id,rep_name,manager_id,team,region", "r1,Ana Silva,m1,t,west"],
        "calls.csv": ["call_id,rep_id,started_at,duration_s,opportunity_id", *calls],
        "opportunities.csv": [
            "opportunity_id,owner_rep_id,created_at,close_date,is_closed,is_won",
            "o1,r1,2026-03-01,2026-06-30,true,true",
        ],
    }
    if utterances:
        files["utterances.csv"] = ["call_id,seq,start_ms,end_ms,speaker_role,text", *utterances]
    if scores:
        # every call of the quarter scored by one reviewer: level 1 + (call + criterion) % 5
        criteria = CRITERIA if scorer else ("a", "b", "c", "d")
        files["scores.csv"] = [
            "call_id,criterion_id,score,scorer_id,scorer_kind,evidence_start_ms",
            *(
                f"{call.split(',')[0]},{criterion},{1 + (i + j) % 5},h1,human,"
                for i, call in enumerate(c for c in calls if c.startswith(("c1", "c2", "c3")))
                for j, criterion in enumerate(criteria)
            ),
        ]
    if method is not None:
        files["method.yaml"] = [method]
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


# --- the scorer's step over every shape ----------------------------------------------------
SHAPES = {
    "empty window": {"calls": CALLS},
    "window without transcripts": {"calls": (*CALLS, WINDOW_CALL)},
    "one call in the window": {
        "calls": (*CALLS, WINDOW_CALL),
        "utterances": (*UTTERANCES, "c4,1,0,3000,rep,Who signs off on this?"),
    },
    "no transcripts": {"calls": (*CALLS, WINDOW_CALL), "utterances": ()},
    "nothing scored": {"calls": CALLS, "utterances": (), "scores": False},
    "one call": {"calls": CALLS[:1], "utterances": UTTERANCES[:2]},
    "no scorer": {"calls": (*CALLS, WINDOW_CALL), "scorer": False},
}
Q2 = (datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC))
WINDOW = (datetime(2026, 7, 1, tzinfo=UTC), datetime(2026, 7, 31, tzinfo=UTC))


def load_slice(con, landing: Path, label: str, start, end) -> None:
    store_rubrics(con, load_rubrics(landing), label)
    for kind in ("reps", "calls", "utterances", "scores"):
        ingest_kind(con, kind, landing, cycle=label, start=start, end=end)


# (shape, slice) -> (calls, calls with a transcript) of the slice
EXPECTED_SLICE = {
    ("empty window", "cycle"): (3, 3),
    ("empty window", "window"): (0, 0),
    ("window without transcripts", "cycle"): (3, 3),
    ("window without transcripts", "window"): (1, 0),
    ("one call in the window", "cycle"): (3, 3),
    ("one call in the window", "window"): (1, 1),
    ("no transcripts", "cycle"): (3, 0),
    ("no transcripts", "window"): (1, 0),
    ("nothing scored", "cycle"): (3, 0),
    ("nothing scored", "window"): (0, 0),
    ("one call", "cycle"): (1, 1),
    ("one call", "window"): (0, 0),
    ("no scorer", "cycle"): (3, 3),
    ("no scorer", "window"): (1, 0),
}


@pytest.mark.parametrize("learned", [True, False], ids=["learned", "rules"])
@pytest.mark.parametrize("part", ["cycle", "window"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_the_scorer_step_ends_with_a_status_on_every_shape(tmp_path, shape, part, learned):
    landing = sparse_landing(tmp_path / "landing", **SHAPES[shape])
    settings = LearnedSettings(enabled=learned)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        load_slice(con, landing, CYCLE, *Q2)
        result = auto_score_partition(con, landing, CYCLE, Q2[1].date(), settings)
        label, what = CYCLE, CYCLE
        if part == "window":
            load_slice(con, landing, FOLLOWUP, *WINDOW)
            result = auto_score_partition(
                con, landing, FOLLOWUP, WINDOW[1].date(), settings, cycle=CYCLE
            )
            label, what = FOLLOWUP, "the window"
        status = slice_status(con, label, result, what)
        rows = con.execute(
            "select count(*) from raw.auto_scores where cycle = $l", {"l": label}
        ).fetchone()[0]
    calls, transcribed = EXPECTED_SLICE[(shape, part)]
    s = "" if calls == 1 else "s"
    if calls == 0:
        assert status == f"no calls in {what}"
    elif transcribed == 0:
        assert (
            status
            == f"{calls} call{s} in {what}, none with a transcript: none scored automatically"
        )
    elif shape == "no scorer":
        assert status == (
            f"{calls} call{s} in {what}, {transcribed} with a transcript; no rubric in force "
            "declares a scorer"
        )
    else:
        assert status == f"{calls} call{s} in {what}, {transcribed} scored automatically"
    if shape == "no scorer":
        assert result is None and rows == 0
        return
    # the rules score the five criteria of every call with a transcript
    assert rows == result["rows_written"] == 5 * transcribed
    report = result["learned"]
    assert report["learned_criteria"] == [] and report["scorer_id"] is None
    if not learned and part == "cycle":
        assert report["reason"] == "disabled"
    elif part == "cycle":
        assert report["reason"] == "fewer than 50 human-scored calls per criterion"
    else:  # no model won in the cycle: the rules keep the window
        assert report["reason"] == (
            f"the rules score every criterion of {CYCLE} under rubric version 1"
        )


# --- whole runs: make assess on a quarter whose later data is missing ----------------------
@pytest.fixture
def environment(environment, tmp_path):
    """The module's environment with a warehouse of the test's own: each run lands another
    company (the same call ids in other quarters)."""
    folder = tmp_path / "warehouse"
    folder.mkdir()
    for name, path in {
        "ASSESSMENT_WAREHOUSE": folder / "warehouse.duckdb",
        "ASSESSMENT_PUBLISHED": folder / "published.duckdb",
        "ASSESSMENT_REPORTS_DIR": folder / "reports",
    }.items():
        environment["patch"].setenv(name, str(path))
    return {**environment, "warehouse": folder / "warehouse.duckdb"}


def assess_sparse(environment, landing: Path, partition: str, today: str, capsys) -> str:
    """``make assess`` of ``partition`` on ``today`` (its follow-up window and first
    check-in month are over, nothing later); its printed lines."""
    for name, value in {
        "ASSESSMENT_LANDING_DIR": landing,
        "ASSESSMENT_CONFIG": landing / "method.yaml",
        "ASSESSMENT_TODAY": today,
    }.items():
        environment["patch"].setenv(name, str(value))
    capsys.readouterr()
    assert main(["--partition", partition]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out and "Traceback" not in out
    return out


def step_line(out: str, step: str) -> str:
    [line] = re.findall(rf"^  {step} +\d+\.\d s  (.*)$", out, re.M)
    return line


def marts(warehouse: Path, table: str, columns: str, cycle: str = CYCLE) -> list[tuple]:
    return query(
        warehouse,
        f"select {columns} from marts.{table} where cycle = $c order by all",
        {"c": cycle},
    )


def test_one_rep_three_calls_and_nothing_after_the_quarter(environment, tmp_path, capsys):
    """The shape that stopped make assess at the follow-up (learned scorer on, the
    default): every step ends, the windows say they are empty, the Step 5 marts keep a row
    that says why there is no number."""
    landing = sparse_landing(tmp_path / "landing", method="{}")
    out = assess_sparse(environment, landing, QUARTER, "2026-08-05", capsys)
    warehouse = environment["warehouse"]
    assert step_line(out, "auto_scores") == "15 rows, 3 calls in 2026-Q2, 3 scored automatically"
    assert step_line(out, "raw__followup") == "0 rows, no calls in the window"
    assert step_line(out, "raw__checkin_windows") == "0 rows, no calls in the window"
    assert step_line(out, "coaching_effect") == (
        "1 rows, team effect not estimable (too_few_coached_reps), checks 1 passed"
    )
    assert step_line(out, "followup_significance") == (
        "1 rows, 0 coached reps followed up, too few observations"
    )
    assert "check-in of 2026-07 done" in out
    # 3 scored calls are fewer than the method's 10: no priority, nobody coached
    assert marts(warehouse, "fct_rep_scorecards", "rep_id, n_scored_calls, sample_status") == [
        ("r1", 3, "insufficient_sample")
    ]
    assert marts(warehouse, "fct_coaching_priorities", "rep_id") == []
    assert marts(warehouse, "fct_manager_effectiveness", "manager_id, n_coached, status") == [
        ("team", 0, "no_followup")
    ]
    assert marts(warehouse, "fct_coaching_effect", "scope, n_coached, effect, note") == [
        ("team", 0, None, "too_few_coached_reps")
    ]
    assert marts(warehouse, "fct_followup_significance", "n, mean_delta, note") == [
        (0, None, "too_few_observations")
    ]
    assert query(
        warehouse,
        "select label from raw.followup_windows union all select label from "
        "raw.checkin_windows order by 1",
    ) == [("2026-07-checkin",), ("2026-Q2-followup",)]


def test_a_coached_rep_whose_window_has_a_call_without_transcript(environment, tmp_path, capsys):
    """Two reps; Ana (r1) is below Ben (r2, 5 on everything) and is coached; her only call
    after the quarter has no transcript and no score; the rules alone score (learned off)."""
    landing = sparse_landing(
        tmp_path / "landing",
        calls=(*CALLS, WINDOW_CALL),
        method="min_scored_calls: 3\nlearned_scorer_enabled: false",
    )
    ben = ("d1,r2,2026-04-11T10:00:00Z,900,o2", "d2,r2,2026-05-13T10:00:00Z,900,o2")
    ben += ("d3,r2,2026-06-16T10:00:00Z,900,o2",)
    with (landing / "reps.csv").open("a") as reps:
        reps.write("r2,Ben Okafor,m1,t,east\n")
    with (landing / "calls.csv").open("a") as calls:
        calls.write("".join(f"{line}\n" for line in ben))
    with (landing / "scores.csv").open("a") as scores:
        scores.write("".join(f"d{i},{c},5,h1,human,\n" for i in (1, 2, 3) for c in CRITERIA))
    out = assess_sparse(environment, landing, QUARTER, "2026-08-05", capsys)
    warehouse = environment["warehouse"]
    none_scored = "1 call in the window, none with a transcript: none scored automatically"
    assert step_line(out, "raw__followup") == f"1 rows, {none_scored}"
    assert step_line(out, "raw__checkin_windows") == f"1 rows, {none_scored}"
    # Ana's levels (human): 1 + (call + criterion) % 5, so her means are 2, 3, 4, 3.33, 2.67;
    # the team's are halfway to Ben's 5. Weighted gaps: (3.5 - 2) x 25 = 37.5 and
    # (4 - 3) x 20 = 20 lead (then 17.5, 16.7, 10)
    assert marts(
        warehouse, "fct_coaching_priorities", "rep_id, rank, criterion_id, weighted_gap"
    ) == [
        ("r1", 1, "economic_buyer_identification", 37.5),
        ("r1", 2, "technical_fit_qualification", 20.0),
    ]
    assert marts(
        warehouse, "fct_rescore_deltas", "rep_id, criterion_id, n_followup_calls, delta, status"
    ) == [("r1", "economic_buyer_identification", 0, None, "insufficient_followup")]
    assert marts(
        warehouse,
        "fct_manager_effectiveness",
        "manager_id, n_coached, n_insufficient_followup, status",
    ) == [("m1", 0, 1, "no_followup"), ("team", 0, 1, "no_followup")]
    assert marts(warehouse, "fct_monthly_checkins", "rep_id, n_checkin_calls, status") == [
        ("r1", 0, "no_calls")
    ]
    assert marts(warehouse, "fct_coaching_effect", "scope, manager_id, note") == [
        ("manager", "m1", "too_few_coached_reps"),
        ("team", "team", "too_few_coached_reps"),
    ]


def test_a_quarter_without_a_call(environment, tmp_path, capsys):
    """The export starts after the quarter: nothing to score, the rep's scorecard says
    insufficient_sample; the follow-up window (the next quarter's first month) is scored."""
    landing = sparse_landing(tmp_path / "landing", method="{}")
    out = assess_sparse(environment, landing, "2026-01-01", "2026-05-05", capsys)
    assert step_line(out, "raw__calls") == "0 accepted, 0 quarantined"
    assert step_line(out, "auto_scores") == "0 rows, no calls in 2026-Q1"
    assert "  2026-Q1: 0 calls ingested, 0 rows quarantined, 0 calls scored, 0 of 1 reps" in out
    # the 30 days from 2026-04-01 hold c1 (2026-04-10) with its transcript
    assert step_line(out, "raw__followup") == "1 rows, 1 call in the window, 1 scored automatically"
    warehouse = environment["warehouse"]
    assert marts(warehouse, "fct_rep_scorecards", "rep_id, n_calls, sample_status", Q1) == [
        ("r1", 0, "insufficient_sample")
    ]
    assert marts(warehouse, "fct_followup_significance", "n, note", Q1) == [
        (0, "too_few_observations")
    ]


def test_real_exports_with_a_scaffold_assess_a_quarter_with_no_follow_up_data(
    environment, tmp_path, capsys
):
    """Real export shapes (tests/fixtures/adapters/real, origins in its README): a
    Salesforce User export without ManagerId, an Opportunity export without IsClosed, IsWon
    and CreatedDate, and a real Zoom transcript (speakers in 'Name: text' cues), with a
    scaffold of calls and a rubric; the export ends with the quarter."""
    real = ROOT / "tests" / "fixtures" / "adapters" / "real"
    landing = tmp_path / "landing"
    (landing / "exports" / "zoom").mkdir(parents=True)
    for name in ("User.csv", "Opportunity.csv"):
        shutil.copy(real / "salesforce_optional" / name, landing / "exports" / name)
    shutil.copy(real / "zoom" / "board_meeting.vtt", landing / "exports" / "zoom" / "z1.vtt")
    shutil.copy(SCORED_RUBRIC, landing / "rubric.yaml")
    (landing / "method.yaml").write_text("{}\n")
    ana, ben = "005Ak00000RpA01AAB", "005Ak00000RpB02AAB"
    (landing / "calls.csv").write_text(
        "call_id,rep_id,started_at,duration_s,opportunity_id\n"
        f"z1,{ana},2026-07-15T15:00:00Z,180,006Ak00000OpA01AAB\n"
        f"c2,{ana},2026-08-03T15:00:00Z,900,006Ak00000OpA02AAB\n"
        f"c3,{ben},2026-08-20T15:00:00Z,900,006Ak00000OpA03AAB\n"
    )
    (landing / "sources.yaml").write_text(
        "reps: {adapter: salesforce, path: exports/User.csv, top_manager_id: vp_sales}\n"
        "opportunities: {adapter: salesforce, path: exports/Opportunity.csv,\n"
        "                stages: {Signed: won, On hold: open}}\n"
        'utterances: {adapter: webvtt, path: "exports/zoom/*.vtt", speaker_roles:\n'
        "             {Scott Thompson: rep, Andrew Henshaw: prospect, Scott Smith: prospect}}\n"
    )
    environment["patch"].setenv("ASSESSMENT_ADAPTED_DIR", str(tmp_path / "adapted"))
    out = assess_sparse(environment, landing, "2026-07-01", "2026-11-02", capsys)
    # 3 users (Ana, Ben, Automated Process), 5 opportunities; 20 cues, of which 'mary: Oh.'
    # (a name on one cue, not mapped) and 'about.' (no name) have no speaker
    assert step_line(out, "raw__reps") == "3 accepted, 0 quarantined"
    assert step_line(out, "raw__opportunities") == "5 accepted, 0 quarantined"
    assert step_line(out, "raw__utterances") == "18 accepted, 2 quarantined"
    assert step_line(out, "auto_scores") == "5 rows, 3 calls in 2026-Q3, 1 scored automatically"
    assert step_line(out, "raw__followup") == "0 rows, no calls in the window"
    assert step_line(out, "raw__checkin_windows") == "0 rows, no calls in the window"
    warehouse = environment["warehouse"]
    q3 = {"c": "2026-Q3"}
    assert query(
        warehouse,
        "select speaker_role, count(*) from raw.utterances where cycle = $c group by 1 order by 1",
        q3,
    ) == [("prospect", 7), ("rep", 11)]
    assert query(warehouse, "select distinct manager_id from raw.reps where cycle = $c", q3) == [
        ("vp_sales",)
    ]
    # Closed Won, Closed Lost, Negotiation/Review (open), Signed (won by the stage map), On
    # hold (open by the stage map); CreatedDate absent: the CloseDate stands in
    assert query(
        warehouse,
        "select right(opportunity_id, 6), is_closed, is_won, created_at = close_date "
        "from raw.opportunities where cycle = $c order by 1",
        q3,
    ) == [
        ("A01AAB", True, True, True),
        ("A02AAB", True, False, True),
        ("A03AAB", False, False, True),
        ("A04AAB", True, True, True),
        ("A05AAB", False, False, True),
    ]
    assert marts(
        warehouse, "fct_manager_effectiveness", "manager_id, n_coached, status", "2026-Q3"
    ) == [("team", 0, "no_followup")]


def test_gong_and_hubspot_reads_assess_a_quarter_no_rubric_covers(environment, tmp_path, capsys):
    """Gong's one-object responses (a user, a call of 2018-02-17), HubSpot deals with a null
    and an unknown stage, and the real Zoom transcript as the call's: the only rubric takes
    effect in 2020, so 2018-Q1 has no scorecards, and its follow-up and check-in still run."""
    real = ROOT / "tests" / "fixtures" / "adapters" / "real"
    landing = tmp_path / "landing"
    call = "7782342274025937895"
    for folder, name, target in (
        ("gong_single", "user.json", "gong/user.json"),
        ("gong_single", "call.json", "gong/call.json"),
        ("hubspot_null_stage", "deals.json", "hubspot/deals.json"),
        ("zoom", "board_meeting.vtt", f"zoom/{call}.vtt"),
    ):
        (landing / "exports" / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(real / folder / name, landing / "exports" / target)
    shutil.copy(SCORED_RUBRIC, landing / "rubric.yaml")
    (landing / "method.yaml").write_text("{}\n")
    (landing / "sources.yaml").write_text(
        "reps: {adapter: gong, path: exports/gong/user.json}\n"
        "calls: {adapter: gong, path: exports/gong/call.json}\n"
        "opportunities: {adapter: hubspot, path: exports/hubspot/deals.json,\n"
        '                owners: {"910901": "234599484848423", "910902": "234599484848423"}}\n'
        'utterances: {adapter: webvtt, path: "exports/zoom/*.vtt", speaker_roles:\n'
        "             {Scott Thompson: rep, Andrew Henshaw: prospect, Scott Smith: prospect,\n"
        "              mary: prospect}}\n"
    )
    environment["patch"].setenv("ASSESSMENT_ADAPTED_DIR", str(tmp_path / "adapted"))
    out = assess_sparse(environment, landing, "2018-01-01", "2018-05-02", capsys)
    assert step_line(out, "raw__rubric") == (
        "2 assets, no rubric version in force in 2018-Q1 (the earliest takes effect on "
        "2020-01-01): no scorecards"
    )
    assert step_line(out, "raw__reps") == "1 accepted, 0 quarantined"
    assert step_line(out, "raw__calls") == "1 accepted, 0 quarantined"
    # the deal with a null stage and the one of another pipeline: is_closed unknown
    assert step_line(out, "raw__opportunities") == "1 accepted, 2 quarantined"
    # 20 cues, 'about.' has no speaker
    assert step_line(out, "raw__utterances") == "19 accepted, 1 quarantined"
    assert step_line(out, "auto_scores") == (
        "0 rows, 1 call in 2018-Q1, 1 with a transcript; no rubric in force declares a scorer"
    )
    assert step_line(out, "raw__followup") == "0 rows, no calls in the window"
    assert step_line(out, "raw__checkin_windows") == "0 rows, no calls in the window"
    assert query(
        environment["warehouse"],
        "select rep_id, rep_name, manager_id from raw.reps where cycle = '2018-Q1'",
    ) == [("234599484848423", "Jon Snow", "563515258458745")]
    assert query(
        environment["warehouse"],
        "select json_extract_string(raw_content, '$.adapter_note') from raw.quarantine "
        "where kind = 'opportunities' and cycle = '2018-Q1' order by row_number",
    ) == [
        ("hs_is_closed and dealstage empty: is_closed unknown",),
        (
            "hs_is_closed empty and dealstage '1178253' is no stage of the default pipeline: "
            "is_closed unknown",
        ),
    ]


def test_a_check_in_of_a_quarter_never_assessed_here_is_refused(environment, tmp_path):
    from orchestration.checkin_definitions import build_checkin_definitions

    landing = sparse_landing(tmp_path / "landing", method="{}")
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    environment["patch"].setenv("ASSESSMENT_CONFIG", str(landing / "method.yaml"))
    environment["patch"].setenv("ASSESSMENT_TODAY", "2026-12-07")
    environment["patch"].setenv("ASSESSMENT_WAREHOUSE", str(tmp_path / "new.duckdb"))
    environment["patch"].setenv("DAGSTER_HOME", str(tmp_path))
    job = build_checkin_definitions().resolve_job_def("monthly_checkin")
    result = job.execute_in_process(partition_key="2026-10-01", raise_on_error=False)
    [failure] = result.get_step_failure_events()
    assert failure.step_failure_data.error.message.endswith(
        "The check-in of 2026-10 follows up the 2026-Q3 assessment, which was not assessed in "
        "this warehouse: materialise the 2026-07-01 partition first (make assess "
        "PARTITION=2026-07-01). Nothing was written.\n"
    )
