"""Duplicate keys: which row wins, what is quarantined, what the load log counts.

A row is ``duplicate_key`` when an earlier row (file order, the files in their order) of
the same partition that breaks no rule has the same typed key; a row breaking a rule keeps
that rule, and a row of another partition is left for it. The landing checks prove most
landings free of repeated keys without sorting them (``duplicate_suspects``) and rank
only the calls whose keys may repeat: these cases pin the winners, the quarantine, the
counts, and which calls are ranked on small files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from salesassess.landing import raw_tables
from salesassess.landing.checks import duplicate_suspects
from salesassess.landing.contract import KINDS
from salesassess.landing.ingest import ingest_kind, store_rubrics
from salesassess.method.calendar import cycle_window
from salesassess.method.rubric import load_rubrics
from tests.helpers import FIXTURE_PARTITION, SMALL_LANDING

Q3 = cycle_window(FIXTURE_PARTITION)
UTTERANCES_HEADER = "call_id,seq,start_ms,end_ms,speaker_role,text\n"


@pytest.fixture
def landing(tmp_path) -> Path:
    """Rubric, reps r1 and r2, calls c1 and c2 in 2026-Q3 and c3 in 2026-Q4."""
    folder = tmp_path / "landing"
    folder.mkdir()
    shutil.copy(SMALL_LANDING / "rubric.yaml", folder / "rubric.yaml")
    (folder / "reps.csv").write_text("rep_id,rep_name,manager_id\nr1,Ana,m1\nr2,Ben,m1\n")
    (folder / "calls.csv").write_text(
        "call_id,rep_id,started_at,duration_s\n"
        "c1,r1,2026-07-02T10:00:00Z,900\n"
        "c2,r2,2026-08-10T09:00:00Z,1200\n"
        "c3,r1,2026-10-05T09:00:00Z,600\n"
    )
    return folder


def utterance(call_id, seq, start_ms, end_ms, role, text) -> dict:
    line = {"call_id": call_id, "seq": seq, "start_ms": start_ms, "end_ms": end_ms}
    return line | ({"speaker_role": role} if role else {}) | {"text": text}


def ingest(con, landing: Path, kind: str):
    return ingest_kind(con, kind, landing, cycle=Q3.cycle, start=Q3.start, end=Q3.end)


# the rows of a file not accepted are skipped by their runs, or (more than KEPT_RUNS runs)
# by a function over a bitmap of them: both keep the same rows in the same order
@pytest.mark.parametrize("kept_runs", [raw_tables.KEPT_RUNS, 0], ids=["runs", "bitmap"])
def test_the_first_valid_row_of_a_key_wins_across_rows_files_and_typed_values(
    landing, con, monkeypatch, kept_runs
):
    monkeypatch.setattr(raw_tables, "KEPT_RUNS", kept_runs)
    (landing / "utterances.csv").write_text(
        UTTERANCES_HEADER + "c1,1,0,1000,rep,Hello\n"  # 1 accepted
        "c1,2,1000,2000,prospect,Hi\n"  # 2 accepted
        "c1,01,2000,3000,rep,Again\n"  # 3 seq 01 is 1: duplicate of row 1
        "c1,3,5000,4000,rep,Backwards\n"  # 4 end_before_start
        "c1,3,5000,6000,rep,Fixed\n"  # 5 accepted: row 4 broke a rule, it wins nothing
        "c2,1,0,1000,bot,Beep\n"  # 6 not_allowed:speaker_role
        "c3,1,0,1000,rep,Next quarter\n"  # 7 other partition
        "c3,1,0,1000,rep,Next quarter again\n"  # 8 other partition, not a duplicate here
        "c2,1,0,1000,rep,First good c2\n"  # 9 accepted
        "c1,2,7000,8000,rep,Repeat\n"  # 10 duplicate of row 2
        "c9,1,0,1000,rep,Unknown\n"  # 11 unknown_call
    )
    lines = [
        utterance("c2", 1, 0, 10, "rep", "x"),  # 1 duplicate of utterances.csv row 9
        utterance("c1", 5, 0, 10, "rep", "y"),  # 2 accepted
        utterance("c1", 5, 0, 10, "rep", "z"),  # 3 duplicate of line 2
        utterance("c1", "2", 0, 1, "rep", "w"),  # 4 duplicate of utterances.csv row 2
        utterance("c2", 2, 0, 10, None, "no role"),  # 5 missing_value:speaker_role
        utterance("c2", 2, 0, 10, "REP", "v"),  # 6 accepted: line 5 broke a rule
        utterance("c1", 1, 9, 1, "rep", "u"),  # 7 its own rule before duplicate_key
    ]
    (landing / "utterances_2.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    store_rubrics(con, load_rubrics(landing), Q3.cycle)
    for kind in ("reps", "calls"):
        ingest(con, landing, kind)

    counts = ingest(con, landing, "utterances")

    assert [
        (Path(c.file).name, c.rows_read, c.accepted, c.quarantined, c.other_partition)
        for c in counts
    ] == [("utterances.csv", 11, 4, 5, 2), ("utterances_2.jsonl", 7, 2, 5, 0)]
    assert con.execute(
        "select regexp_extract(file, '[^/]+$'), rows_read, rows_accepted, rows_quarantined, "
        "rows_other_partition from raw.load_log where kind = 'utterances' order by file"
    ).fetchall() == [("utterances.csv", 11, 4, 5, 2), ("utterances_2.jsonl", 7, 2, 5, 0)]
    assert con.execute(
        "select regexp_extract(file, '[^/]+$'), row_number, rule from raw.quarantine "
        "where kind = 'utterances' order by file, row_number"
    ).fetchall() == [
        ("utterances.csv", 3, "duplicate_key"),
        ("utterances.csv", 4, "end_before_start"),
        ("utterances.csv", 6, "not_allowed:speaker_role"),
        ("utterances.csv", 10, "duplicate_key"),
        ("utterances.csv", 11, "unknown_call"),
        ("utterances_2.jsonl", 1, "duplicate_key"),
        ("utterances_2.jsonl", 3, "duplicate_key"),
        ("utterances_2.jsonl", 4, "duplicate_key"),
        ("utterances_2.jsonl", 5, "missing_value:speaker_role"),
        ("utterances_2.jsonl", 7, "end_before_start"),
    ]
    assert con.execute(
        "select call_id, seq, text, regexp_extract(source_file, '[^/]+$'), source_row "
        "from raw.utterances order by source_file, source_row"
    ).fetchall() == [
        ("c1", 1, "Hello", "utterances.csv", 1),
        ("c1", 2, "Hi", "utterances.csv", 2),
        ("c1", 3, "Fixed", "utterances.csv", 5),
        ("c2", 1, "First good c2", "utterances.csv", 9),
        ("c1", 5, "y", "utterances_2.jsonl", 2),
        ("c2", 2, "v", "utterances_2.jsonl", 6),
    ]


@pytest.mark.parametrize(
    ("files", "suspects"),
    [
        # one block per call, seq rising: no key can repeat, whatever the order of the calls
        ({"u.csv": ["c1,1", "c1,2", "c2,1", "c2,5"]}, None),
        ({"u.csv": ["c2,1", "c2,2", "c1,7", "c1,9"]}, None),
        ({"u.csv": ["c1,1", "c1,2"], "u_2.csv": ["c2,1"]}, None),
        # a repeated key, next to its first or far from it, in one file or two
        ({"u.csv": ["c1,1", "c1,1", "c2,1"]}, ["c1"]),
        ({"u.csv": ["c1,1", "c1,01"]}, ["c1"]),
        ({"u.csv": ["c1,1", "c2,1", "c1,1", "c3,1"]}, ["c1"]),
        ({"u.csv": ["c1,1", "c2,1"], "u_2.csv": ["c2,1"]}, ["c2"]),
        # keys that do not repeat but cannot be told apart in one pass: ranked as well
        ({"u.csv": ["c1,2", "c1,1", "c2,1"]}, ["c1"]),
        ({"u.csv": ["c1,1", "c2,1", "c1,2"]}, ["c1"]),
        # the stored rows of two files follow each other: one block, rising
        ({"u.csv": ["c1,1"], "u_2.csv": ["c1,2"]}, None),
        ({"u.csv": ["c1,1", "c1,", "c2,3"]}, ["c1"]),
    ],
)
def test_only_the_calls_whose_keys_may_repeat_are_ranked(con, files, suspects):
    # the stored rows of the files, in their order, with their typed keys
    kind = KINDS["utterances"]
    rows = [row.split(",") for file_rows in files.values() for row in file_rows]
    con.execute("create table stored (call_id varchar, seq bigint)")
    con.executemany("insert into stored values (?, try_cast(nullif(?, '') as bigint))", rows)
    condition = duplicate_suspects(con, kind, "select rowid as r, call_id, seq from stored", {})
    if suspects is None:
        assert condition is None
        return
    ranked = con.execute(
        f"select distinct call_id from stored where {condition} order by 1"
    ).fetchall()
    assert [call_id for (call_id,) in ranked] == suspects


def test_rows_not_read_in_their_order_are_all_ranked(con):
    rows = "select * from (values (1, 'c1', 1), (0, 'c2', 1)) t(r, call_id, seq)"
    assert duplicate_suspects(con, KINDS["utterances"], rows, {}) == "true"
