"""The bad-input matrix: every broken landing file gives a clear message, and no good row is lost.

Each case ingests real files into a real DuckDB warehouse in ``tmp_path`` with
``ingest_kind`` (after loading the rubric and the reps it needs), then checks the message
or the quarantine entry (file, row, rule, raw content), that ``raw.load_log`` reconciles
(``rows_read = accepted + quarantined + other_partition``) and that every good row is in
its raw table. Three cases run the whole ``assess_cycle`` job.

Row numbers: 1 is a CSV file's first data row (so line = row + 1 when no quoted field
spans lines), a JSON Lines file's first line, a Parquet file's first row.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from salesassess.landing.files import LandingError
from salesassess.landing.ingest import FileCounts, ingest_kind, store_rubrics
from salesassess.method.calendar import cycle_window
from salesassess.method.rubric import RubricError, load_rubrics
from tests.helpers import FIXTURE_PARTITION, SMALL_LANDING, materialize_cycle, query

Q3 = cycle_window(FIXTURE_PARTITION)  # 2026-Q3: [2026-07-01, 2026-10-01)
REPS = "rep_id,rep_name,manager_id,team\nr1,Ana Silva,m1,t\nr2,Ben Okafor,m1,t\nr3,Chen Li,m2,t\n"
CALLS_HEADER = "call_id,rep_id,started_at,duration_s,opportunity_id\n"
SCORES_HEADER = "call_id,criterion_id,score,scorer_id,scorer_kind\n"
INJECTION = ["=cmd|' /C calc'!A0", "+SUM(1)", "@x"]
SQL_SHAPED = ["Robert'); drop table raw.calls; --", '"; DELETE FROM x; --']


# --- helpers -----------------------------------------------------------------------------


@pytest.fixture
def landing(tmp_path) -> Path:
    """A landing folder with the fixture's rubric (a=40 b=30 c=20 d=10 on 1..5) and 3 reps."""
    folder = tmp_path / "landing"
    folder.mkdir()
    shutil.copy(SMALL_LANDING / "rubric.yaml", folder / "rubric.yaml")
    (folder / "reps.csv").write_text(REPS)
    return folder


def ingest(con, landing: Path, kind: str, partition: str = FIXTURE_PARTITION) -> list[FileCounts]:
    window = cycle_window(partition)
    return ingest_kind(con, kind, landing, cycle=window.cycle, start=window.start, end=window.end)


def prepare(con, landing: Path, *kinds: str, partition: str = FIXTURE_PARTITION) -> None:
    """Load the rubric, then the given kinds (the references of what the test ingests)."""
    store_rubrics(con, load_rubrics(landing), cycle_window(partition).cycle)
    for kind in kinds:
        ingest(con, landing, kind, partition)


def quarantine(con, kind: str, cycle: str = Q3.cycle) -> list[tuple]:
    """(file name, row, rule, raw content) of a kind's quarantined rows, in file order."""
    return con.execute(
        "select regexp_extract(file, '[^/]+$'), row_number, rule, raw_content "
        "from raw.quarantine where kind = $kind and cycle = $cycle order by file, row_number",
        {"kind": kind, "cycle": cycle},
    ).fetchall()


def load_log(con, kind: str, cycle: str = Q3.cycle) -> dict[str, tuple[int, int, int, int]]:
    """file name -> (read, accepted, quarantined, other partitions), reconciliation checked."""
    rows = con.execute(
        "select regexp_extract(file, '[^/]+$'), rows_read, rows_accepted, rows_quarantined, "
        "rows_other_partition from raw.load_log where kind = $kind and cycle = $cycle",
        {"kind": kind, "cycle": cycle},
    ).fetchall()
    for name, read, accepted, quarantined, other in rows:
        assert read == accepted + quarantined + other, name
    return {name: tuple(counts) for name, *counts in rows}


def reconciled(con, kind: str, counts: list[FileCounts], cycle: str = Q3.cycle) -> dict:
    """The load log, checked against the returned counts, the raw table and the quarantine."""
    logged = load_log(con, kind, cycle)
    assert logged == {
        Path(c.file).name: (c.rows_read, c.accepted, c.quarantined, c.other_partition)
        for c in counts
    }
    accepted = dict(
        con.execute(
            f"select regexp_extract(source_file, '[^/]+$'), count(*) from raw.{kind} "
            "where cycle = $cycle group by 1",
            {"cycle": cycle},
        ).fetchall()
    )
    quarantined = dict(
        con.execute(
            "select regexp_extract(file, '[^/]+$'), count(*) from raw.quarantine "
            "where kind = $kind and cycle = $cycle group by 1",
            {"kind": kind, "cycle": cycle},
        ).fetchall()
    )
    for name, (_, n_accepted, n_quarantined, _) in logged.items():
        assert accepted.get(name, 0) == n_accepted, name
        assert quarantined.get(name, 0) == n_quarantined, name
    return logged


def column(con, kind: str, name: str, cycle: str = Q3.cycle) -> list:
    return [
        value
        for (value,) in con.execute(
            f'select "{name}" from raw.{kind} where cycle = $cycle order by source_file, '
            "source_row",
            {"cycle": cycle},
        ).fetchall()
    ]


def calls_csv(*rows: str) -> str:
    return CALLS_HEADER + "".join(f"{row}\n" for row in rows)


GOOD_CALLS = (
    "c1,r1,2026-07-02T10:00:00+00:00,900,o1",
    "c2,r1,2026-08-10T09:00:00-05:00,1200,o2",
    "c3,r2,2026-07-15T12:00:00Z,800,o3",
)


# --- whole files that cannot be used ---------------------------------------------------
#
# A file that cannot be used fails the ingestion, naming the file and the rule; nothing of
# the partition changes (the good rows loaded before stay, no count is half written).


@pytest.fixture
def loaded(landing, con) -> Path:
    """The landing folder after a good calls file (calls_good.csv) has been ingested."""
    (landing / "calls_good.csv").write_text(calls_csv(*GOOD_CALLS))
    prepare(con, landing, "reps", "calls")
    assert column(con, "calls", "call_id") == ["c1", "c2", "c3"]
    return landing


def _state(con, kind: str) -> list:
    tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    return [
        con.execute(f"select * exclude (loaded_at) from raw.{kind} order by all").fetchall()
        if kind in tables
        else None,
        con.execute(
            "select * exclude (loaded_at) from raw.load_log where kind = $kind order by all",
            {"kind": kind},
        ).fetchall(),
        con.execute(
            "select * exclude (quarantined_at) from raw.quarantine where kind = $kind order by all",
            {"kind": kind},
        ).fetchall(),
    ]


def fails_keeping_the_partition(con, landing: Path, kind: str = "calls") -> LandingError:
    before = _state(con, kind)
    with pytest.raises(LandingError) as caught:
        ingest(con, landing, kind)
    assert _state(con, kind) == before
    return caught.value


def test_a_parquet_file_that_is_not_parquet_fails_naming_it(loaded, con):
    (loaded / "calls_2026q3.parquet").write_bytes(b"call_id,rep_id\nc9,r1\n")  # CSV text

    error = fails_keeping_the_partition(con, loaded)

    assert error.rule == "parsable_file"
    assert error.file == str(loaded / "calls_2026q3.parquet")
    assert str(error).startswith(
        f"{loaded / 'calls_2026q3.parquet'}: rule parsable_file: cannot be parsed as parquet: "
    )
    assert load_log(con, "calls") == {"calls_good.csv": (3, 3, 0, 0)}


@pytest.mark.parametrize("quoted_titles", [False, True], ids=["plain", "quoted_titles"])
def test_a_csv_quote_never_closed_fails_the_file(loaded, con, quoted_titles):
    # The quote opened in row 2 runs over the next lines: up to the end of the file, where
    # DuckDB's parallel reader resumes somewhere further on and silently drops the rows in
    # between, or up to row 3's first quote, merging two rows. Either way: refused.
    title = '"Call {i}, part 1"' if quoted_titles else "Call {i}"
    rows = [f"c{i},r1,2026-07-02T10:00:00Z,{i},o1,{title.format(i=i)}" for i in range(4, 300_001)]
    rows[1] = 'c5,r1,"2026-07-02T10:00:00Z,5,o1,x'
    (loaded / "calls.csv").write_text(CALLS_HEADER.replace("\n", ",title\n") + "\n".join(rows))

    error = fails_keeping_the_partition(con, loaded)

    assert error.rule == "parsable_file"
    assert error.file == str(loaded / "calls.csv")
    assert str(error) == (
        f"{loaded / 'calls.csv'}: rule parsable_file: cannot be parsed as csv: "
        "unterminated quote in row 2 ('c5,r1,\"2026-07-02T10:00:00Z,5,o1,x'): the quoted "
        "field runs over the next lines, so the rows after it cannot be told apart; close "
        'the quote, or double a quote inside a field ("")'
    )


def test_a_stray_quote_in_one_row_quarantines_only_that_row(landing, con):
    # a closed quote followed by text, and a quote left open on the last line: each
    # spoils one row only, which is quarantined; the rows around it are accepted
    (landing / "calls.csv").write_text(
        calls_csv(
            GOOD_CALLS[0],
            'c8,r1,"2026-07-02T10:00:00Z"x,900,o1',
            GOOD_CALLS[1],
            GOOD_CALLS[2],
            'c9,r1,2026-07-02T10:00:00Z,"900,o1',
        )
    )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert [(f, row, rule) for f, row, rule, _ in quarantine(con, "calls")] == [
        ("calls.csv", 2, "unparsable_row:unquoted_value"),
        ("calls.csv", 5, "unparsable_row:unquoted_value"),
    ]
    assert json.loads(quarantine(con, "calls")[0][3])["line"] == (
        'c8,r1,"2026-07-02T10:00:00Z"x,900,o1'
    )
    assert reconciled(con, "calls", counts) == {"calls.csv": (5, 3, 2, 0)}
    assert column(con, "calls", "call_id") == ["c1", "c2", "c3"]
    assert column(con, "calls", "source_row") == [1, 3, 4]


@pytest.mark.parametrize("name", ["calls.csv", "calls.parquet", "calls.jsonl"])
def test_an_empty_file_fails_naming_it(loaded, con, name):
    (loaded / name).write_bytes(b"")

    error = fails_keeping_the_partition(con, loaded)

    assert error.rule == "non_empty_file"
    assert str(error) == (
        f"{loaded / name}: rule non_empty_file: the file is empty (no header, no rows)"
    )


@pytest.mark.parametrize(
    "header", [CALLS_HEADER, CALLS_HEADER.rstrip("\n"), "\ufeff" + CALLS_HEADER]
)
def test_a_header_only_file_has_no_rows_and_counts_zero(landing, con, header):
    (landing / "calls.csv").write_text(header, encoding="utf-8")
    (landing / "calls_more.csv").write_text(calls_csv(*GOOD_CALLS))
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert reconciled(con, "calls", counts) == {
        "calls.csv": (0, 0, 0, 0),
        "calls_more.csv": (3, 3, 0, 0),
    }
    assert column(con, "calls", "call_id") == ["c1", "c2", "c3"]
    assert quarantine(con, "calls") == []


@pytest.mark.parametrize(
    ("content", "rule", "message"),
    [
        (
            "call_id,rep_id,duration_s\nc1,r1,900\n",
            "required_column",
            "missing required column(s) started_at (found: call_id, rep_id, duration_s)",
        ),
        (
            "call_id;rep_id;started_at;duration_s\nc1;r1;2026-07-02T10:00:00Z;900\n",
            "required_column",
            "missing required column(s) call_id, rep_id, started_at, duration_s (found: "
            "call_id;rep_id;started_at;duration_s); the header has no comma: landing CSV "
            "files are comma-separated",
        ),
        (
            "call_id,rep_id,started_at,started_at,duration_s\nc1,r1,x,y,900\n",
            "unique_columns",
            "column 'started_at' appears twice in the header (columns 3 and 4); which one "
            "holds the value is ambiguous",
        ),
        (
            "\n\ncall_id\n",
            "header_row",
            "the first line is empty; a CSV file starts with a header row naming its columns",
        ),
        (
            "call_id,r\xe9p_id,started_at,duration_s\nc1,r1,2026-07-02T10:00:00Z,900\n",
            "utf8_encoding",
            "the header row is not valid UTF-8 text; landing CSV files must be UTF-8",
        ),
    ],
    ids=["missing_column", "semicolons", "duplicate_column", "blank_first_line", "latin1"],
)
def test_a_csv_without_a_usable_header_fails_naming_file_and_rule(
    loaded, con, content, rule, message
):
    (loaded / "calls.csv").write_bytes(content.encode("latin-1"))

    error = fails_keeping_the_partition(con, loaded)

    assert (error.file, error.rule) == (str(loaded / "calls.csv"), rule)
    assert str(error) == f"{loaded / 'calls.csv'}: rule {rule}: {message}"


def test_a_missing_required_column_in_parquet_and_json_lines(loaded, con):
    with duckdb.connect() as scratch:
        scratch.execute(
            f"copy (select 'c1' as call_id, 'r1' as rep_id) to '{loaded / 'calls.parquet'}'"
        )
    error = fails_keeping_the_partition(con, loaded)
    assert str(error) == (
        f"{loaded / 'calls.parquet'}: rule required_column: missing required column(s) "
        "started_at, duration_s (found: call_id, rep_id)"
    )

    (loaded / "calls.parquet").unlink()
    (loaded / "calls.jsonl").write_text('{"call_id": "c1", "rep_id": "r1", "duration_s": 5}\n')
    error = fails_keeping_the_partition(con, loaded)
    assert str(error) == (
        f"{loaded / 'calls.jsonl'}: rule required_column: missing required column(s) "
        "started_at (found: call_id, rep_id, duration_s)"
    )


# --- rows that break the contract ---------------------------------------------------------


def test_duplicate_ids_within_a_file_keep_the_first(landing, con):
    (landing / "calls.csv").write_text(
        calls_csv(
            GOOD_CALLS[0],
            "c1,r2,2026-07-03T10:00:00Z,111,o9",  # same id, later: quarantined
            GOOD_CALLS[1],
            "c1,r3,2026-07-04T10:00:00Z,222,o9",
        )
    )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    rows = quarantine(con, "calls")
    assert [(f, row, rule) for f, row, rule, _ in rows] == [
        ("calls.csv", 2, "duplicate_key"),
        ("calls.csv", 4, "duplicate_key"),
    ]
    assert json.loads(rows[0][3]) == {
        "call_id": "c1",
        "rep_id": "r2",
        "started_at": "2026-07-03T10:00:00Z",
        "duration_s": "111",
        "opportunity_id": "o9",
    }
    assert reconciled(con, "calls", counts) == {"calls.csv": (4, 2, 2, 0)}
    assert con.execute(
        "select call_id, rep_id, duration_s, source_row from raw.calls order by source_row"
    ).fetchall() == [("c1", "r1", 900.0, 1), ("c2", "r1", 1200.0, 3)]


def test_duplicate_ids_across_two_files_keep_the_first_file(landing, con):
    (landing / "calls.csv").write_text(calls_csv(*GOOD_CALLS))
    (landing / "calls_extra.csv").write_text(
        calls_csv("c4,r3,2026-09-01T08:00:00Z,1000,", "c2,r3,2026-09-02T08:00:00Z,50,o7")
    )
    (landing / "scores.csv").write_text(SCORES_HEADER + "c2,a,4,h1,human\nc4,b,3,h1,human\n")
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert [(f, row, rule) for f, row, rule, _ in quarantine(con, "calls")] == [
        ("calls_extra.csv", 2, "duplicate_key"),
    ]
    assert reconciled(con, "calls", counts) == {
        "calls.csv": (3, 3, 0, 0),
        "calls_extra.csv": (2, 1, 1, 0),
    }
    assert con.execute(
        "select call_id, rep_id, regexp_extract(source_file, '[^/]+$'), source_row "
        "from raw.calls order by call_id"
    ).fetchall() == [
        ("c1", "r1", "calls.csv", 1),
        ("c2", "r1", "calls.csv", 2),
        ("c3", "r2", "calls.csv", 3),
        ("c4", "r3", "calls_extra.csv", 1),
    ]
    # the duplicated call id does not confuse the placing of its scores
    counts = ingest(con, landing, "scores")
    assert reconciled(con, "scores", counts) == {"scores.csv": (2, 2, 0, 0)}


def test_scores_outside_the_scale_unknown_criteria_and_bad_numbers(landing, con):
    (landing / "calls.csv").write_text(calls_csv(*GOOD_CALLS))
    (landing / "scores.csv").write_text(
        SCORES_HEADER
        + "c1,a,4,h1,human\n"
        + "c1,b,6,h1,human\n"  # scale is 1..5
        + "c1,c,0,h1,human\n"
        + "c1,d,4.5,h1,human\n"  # inside the scale: fine
        + "c2,zz,3,h1,human\n"  # no such criterion in the rubric
        + "c2,a,four,h1,human\n"
        + "c2,b,3,h1,robot\n"
        + "c3,a,NaN,h1,human\n"
        + "c3,b,2,h1,external\n"
    )
    prepare(con, landing, "reps", "calls")
    counts = ingest(con, landing, "scores")

    assert [(row, rule) for _, row, rule, _ in quarantine(con, "scores")] == [
        (2, "score_outside_scale"),
        (3, "score_outside_scale"),
        (5, "unknown_criterion"),
        (6, "invalid_number:score"),
        (7, "not_allowed:scorer_kind"),
        (8, "invalid_number:score"),
    ]
    assert reconciled(con, "scores", counts) == {"scores.csv": (9, 3, 6, 0)}
    assert con.execute(
        "select call_id, criterion_id, score from raw.scores order by source_row"
    ).fetchall() == [("c1", "a", 4.0), ("c1", "d", 4.5), ("c3", "b", 2.0)]


def test_unknown_rep_is_quarantined(landing, con):
    (landing / "calls.csv").write_text(
        calls_csv(GOOD_CALLS[0], "c8,rx,2026-08-21T10:00:00Z,1100,", *GOOD_CALLS[1:])
    )
    (landing / "coaching_sessions.csv").write_text(
        "rep_id,cycle,criterion_id,delivered_on\nr1,2026-Q3,d,2026-10-05\n"
        "rx,2026-Q3,d,2026-10-05\nr2,2026-Q3,zz,2026-10-05\n"
    )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert [(row, rule) for _, row, rule, _ in quarantine(con, "calls")] == [(2, "unknown_rep")]
    assert reconciled(con, "calls", counts) == {"calls.csv": (4, 3, 1, 0)}
    assert column(con, "calls", "call_id") == ["c1", "c2", "c3"]

    counts = ingest(con, landing, "coaching_sessions")
    assert [(row, rule) for _, row, rule, _ in quarantine(con, "coaching_sessions")] == [
        (2, "unknown_rep"),
        (3, "unknown_criterion"),
    ]
    assert reconciled(con, "coaching_sessions", counts) == {"coaching_sessions.csv": (3, 1, 2, 0)}


@pytest.mark.parametrize(
    ("weights", "rule", "message"),
    [
        ([40, 30, 20, 5], "weights_sum_to_100", "weights sum to 95, not 100 (c0=40, c1=30"),
        ([50, 30, 20], "criteria_count", "3 criteria; the method requires 4 to 6"),
        ([20, 20, 20, 10, 10, 10, 10], "criteria_count", "7 criteria; the method requires 4"),
    ],
    ids=["weights_95", "three_criteria", "seven_criteria"],
)
def test_a_rubric_breaking_step_1_fails_naming_file_and_rule(landing, weights, rule, message):
    document = yaml.safe_load((landing / "rubric.yaml").read_text())
    document["criteria"] = [
        {"id": f"c{i}", "name": f"C{i}", "weight": w, "anchors": [f"c{i} {n}" for n in range(5)]}
        for i, w in enumerate(weights)
    ]
    (landing / "rubric.yaml").write_text(yaml.safe_dump(document))

    with pytest.raises(RubricError) as caught:
        load_rubrics(landing)

    assert caught.value.rule == rule
    assert caught.value.file == str(landing / "rubric.yaml")
    assert str(caught.value).startswith(f"{landing / 'rubric.yaml'}: rule {rule}: ")
    assert message in str(caught.value)


def test_timestamps_without_offset_are_quarantined(landing, con):
    (landing / "calls.csv").write_text(
        calls_csv(
            GOOD_CALLS[0],
            "c5,r3,2026-08-22 10:00:00,1100,",
            "c6,r3,2026-08-22T10:00:00,1100,",
            "c7,r3,2026-08-22,1100,",
            "c8,r3,yesterday,1100,",
            "c9,r3,2026-08-22T10:00:00+0200,1100,",  # offset without colon: fine
            *GOOD_CALLS[1:],
        )
    )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert [
        (row, rule, json.loads(raw)["call_id"]) for _, row, rule, raw in quarantine(con, "calls")
    ] == [
        (2, "timestamp_without_offset:started_at", "c5"),
        (3, "timestamp_without_offset:started_at", "c6"),
        (4, "timestamp_without_offset:started_at", "c7"),
        (5, "invalid_timestamp:started_at", "c8"),
    ]
    assert reconciled(con, "calls", counts) == {"calls.csv": (8, 4, 4, 0)}
    assert column(con, "calls", "call_id") == ["c1", "c9", "c2", "c3"]
    assert (
        con.execute("select started_at from raw.calls where call_id = 'c9'")
        .fetchone()[0]
        .isoformat()
        == "2026-08-22T08:00:00+00:00"
    )


def test_a_call_of_another_quarter_waits_for_its_partition(landing, con):
    (landing / "calls.csv").write_text(
        calls_csv(
            GOOD_CALLS[0],
            "c4,r1,2026-09-30T23:30:00-02:00,600,o3",  # 2026-10-01T01:30Z: Q4
            "c5,r2,2026-06-30T23:59:59Z,700,o4",  # Q2
            *GOOD_CALLS[1:],
        )
    )
    (landing / "scores.csv").write_text(SCORES_HEADER + "c1,a,4,h1,human\nc4,a,2,h1,human\n")
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")
    assert reconciled(con, "calls", counts) == {"calls.csv": (5, 3, 0, 2)}
    assert column(con, "calls", "call_id") == ["c1", "c2", "c3"]
    counts = ingest(con, landing, "scores")
    assert reconciled(con, "scores", counts) == {"scores.csv": (2, 1, 0, 1)}

    prepare(con, landing, "reps", partition="2026-10-01")
    q4 = cycle_window("2026-10-01").cycle
    counts = ingest(con, landing, "calls", partition="2026-10-01")
    assert reconciled(con, "calls", counts, cycle=q4) == {"calls.csv": (5, 1, 0, 4)}
    assert column(con, "calls", "call_id", cycle=q4) == ["c4"]
    counts = ingest(con, landing, "scores", partition="2026-10-01")
    assert reconciled(con, "scores", counts, cycle=q4) == {"scores.csv": (2, 1, 0, 1)}
    assert column(con, "scores", "call_id", cycle=q4) == ["c4"]
    # Q3 is untouched by the Q4 run
    assert column(con, "calls", "call_id") == ["c1", "c2", "c3"]


def test_non_utf8_bytes_quarantine_their_row_only(landing, con):
    # row 2 is Latin-1; row 3 has a quoted line break (one row over two lines)
    content = (
        CALLS_HEADER.replace("\n", ",title\n").encode()
        + b"c1,r1,2026-07-02T10:00:00Z,900,o1,Intro\n"
        + b"c2,r1,2026-08-10T09:00:00Z,1200,o2,D\xe9mo\n"
        + b'c3,r2,2026-07-15T12:00:00Z,800,o3,"Pricing,\nround 2"\n'
        + b"c4,r2,2026-07-16T12:00:00Z,\xff\xfe,o3,Bad\n"
        + b"c5,r3,2026-07-17T12:00:00Z,100,o5,Caf\xc3\xa9\n"
    )
    (landing / "calls.csv").write_bytes(content)
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    rows = quarantine(con, "calls")
    assert [(f, row, rule) for f, row, rule, _ in rows] == [
        ("calls.csv", 2, "unparsable_row:invalid_encoding"),
        ("calls.csv", 4, "unparsable_row:invalid_encoding"),
    ]
    assert json.loads(rows[0][3])["line"].startswith("c2,r1,2026-08-10T09:00:00Z,1200,o2,D")
    assert "not utf-8" in json.loads(rows[0][3])["error"]
    assert reconciled(con, "calls", counts) == {"calls.csv": (5, 3, 2, 0)}
    assert con.execute(
        "select call_id, title, source_row from raw.calls order by source_row"
    ).fetchall() == [("c1", "Intro", 1), ("c3", "Pricing,\nround 2", 3), ("c5", "Café", 5)]


def test_injection_and_sql_shaped_text_is_carried_as_plain_data(landing, con):
    names = [*INJECTION, *SQL_SHAPED]
    odd_column = 'x"); drop table raw.reps; --'

    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    (landing / "reps.csv").write_text(
        f"rep_id,rep_name,manager_id,team,{cell(odd_column)}\n"
        + "".join(
            f"r{i},{cell(name)},{cell(name)},t,{cell(name)}\n" for i, name in enumerate(names)
        )
    )
    (landing / "calls.csv").write_text(
        CALLS_HEADER.replace("\n", ",title\n")
        + "".join(
            f"c{i},r{i},2026-07-0{i + 1}T10:00:00Z,60,{cell(name)},{cell(name)}\n"
            for i, name in enumerate(names)
        )
    )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert column(con, "reps", "rep_name") == names
    assert column(con, "reps", "manager_id") == names
    assert [json.loads(extra) for extra in column(con, "reps", "extra")] == [
        {odd_column: name} for name in names
    ]
    assert column(con, "calls", "title") == names
    assert column(con, "calls", "opportunity_id") == names
    assert reconciled(con, "calls", counts) == {"calls.csv": (5, 5, 0, 0)}
    assert quarantine(con, "reps") == [] and quarantine(con, "calls") == []
    tables = {name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert {"calls", "reps"} <= tables


def test_json_lines_with_broken_lines_quarantine_them_with_their_line(landing, con):
    (landing / "calls.csv").write_text(calls_csv(*GOOD_CALLS))
    lines = [
        {
            "call_id": "c1",
            "seq": 1,
            "start_ms": 0,
            "end_ms": 4000,
            "speaker_role": "rep",
            "text": "Hi, thanks\nfor joining.",
            "speaker_name": "Ana",
            "sentiment": 0.5,
        },
        '{"call_id": "c1", "seq": 2, "start_ms": 4000, "end_ms": ',  # cut off
        "",  # blank line: no row
        {
            "call_id": "c1",
            "seq": 3,
            "start_ms": 9000,
            "end_ms": 9500,
            "speaker_role": "prospect",
            "text": "=cmd|' /C calc'!A0",
        },
        "[1, 2, 3]",  # valid JSON, not an object
        {
            "call_id": "c2",
            "seq": 1,
            "start_ms": 10,
            "end_ms": 5,
            "speaker_role": "rep",
            "text": "ends before it starts",
        },
        {
            "call_id": "c2",
            "seq": 2,
            "start_ms": 20,
            "end_ms": 30,
            "speaker_role": "rep",
            "text": "Caf\u00e9",
        },
    ]
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    content = text.encode().replace(b"Caf\\u00e9", "Café".encode())
    content += b'\n{"call_id": "c3", "seq": 1, "start_ms": 0, "end_ms": 1, "text": "\xff"}\n'
    content += (
        b'{"call_id": "c3", "seq": 2, "start_ms": 1, "end_ms": 2, "speaker_role": "rep", '
        b'"text": "ok"}\n'
    )
    (landing / "utterances.jsonl").write_bytes(content)
    prepare(con, landing, "reps", "calls")
    counts = ingest(con, landing, "utterances")

    rows = quarantine(con, "utterances")
    assert [(f, row, rule) for f, row, rule, _ in rows] == [
        ("utterances.jsonl", 2, "unparsable_json_line"),
        ("utterances.jsonl", 5, "not_a_json_object"),
        ("utterances.jsonl", 6, "end_before_start"),
        ("utterances.jsonl", 8, "unparsable_row:invalid_encoding"),
    ]
    assert json.loads(rows[0][3]) == {"line": lines[1]}
    assert reconciled(con, "utterances", counts) == {"utterances.jsonl": (8, 4, 4, 0)}
    assert con.execute(
        "select call_id, seq, text, source_row, extra from raw.utterances order by source_row"
    ).fetchall() == [
        ("c1", 1, "Hi, thanks\nfor joining.", 1, '{"sentiment":0.5}'),
        ("c1", 3, "=cmd|' /C calc'!A0", 4, None),
        ("c2", 2, "Café", 7, None),
        ("c3", 2, "ok", 9, None),
    ]


def test_parquet_with_typed_columns_is_accepted(landing, con):
    calls = landing / "calls.parquet"
    utterances = landing / "utterances.parquet"
    with duckdb.connect() as scratch:
        scratch.execute("set timezone = 'Europe/Berlin'")
        scratch.execute(
            f"""copy (select * from (values
                ('c1', 'r1', timestamptz '2026-07-02 10:00:00+00', 900::integer, 7::bigint),
                ('c2', 'r1', timestamptz '2026-08-10 14:00:00+00', 1200::integer, null),
                ('c3', 'rx', timestamptz '2026-07-15 12:00:00+00', 800::integer, 1::bigint),
                ('c4', 'r2', timestamptz '2026-12-15 12:00:00+00', 800::integer, 1::bigint)
            ) t(call_id, rep_id, started_at, duration_s, n_participants)) to '{calls}'"""
        )
        scratch.execute(
            f"""copy (select 'c1' as call_id, i::integer as seq, (i * 1000)::bigint as start_ms,
                (i * 1000 + 999)::bigint as end_ms, 'rep' as speaker_role, 'line ' || i as text
                from range(1, 4) t(i)) to '{utterances}'"""
        )
        scratch.execute(
            f"""copy (select 'c2' as call_id, 'r2' as rep_id,
                timestamp '2026-08-11 10:00:00' as started_at, 60.5 as duration_s)
                to '{landing / "calls_naive.parquet"}'"""
        )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert [(f, row, rule) for f, row, rule, _ in quarantine(con, "calls")] == [
        ("calls.parquet", 3, "unknown_rep"),
        ("calls_naive.parquet", 1, "timestamp_without_offset:started_at"),
    ]
    assert reconciled(con, "calls", counts) == {
        "calls.parquet": (4, 2, 1, 1),
        "calls_naive.parquet": (1, 0, 1, 0),
    }
    assert [
        (call, started.isoformat(), duration, json.loads(extra))
        for call, started, duration, extra in con.execute(
            "select call_id, started_at, duration_s, extra from raw.calls order by call_id"
        ).fetchall()
    ] == [
        ("c1", "2026-07-02T10:00:00+00:00", 900.0, {"n_participants": "7"}),
        ("c2", "2026-08-10T14:00:00+00:00", 1200.0, {"n_participants": None}),
    ]
    counts = ingest(con, landing, "utterances")
    assert reconciled(con, "utterances", counts) == {"utterances.parquet": (3, 3, 0, 0)}
    assert con.execute(
        "select seq, start_ms, end_ms, source_row from raw.utterances order by seq"
    ).fetchall() == [(1, 1000, 1999, 1), (2, 2000, 2999, 2), (3, 3000, 3999, 3)]


def test_single_column_files_and_quoted_commas_and_line_breaks_parse(landing, con):
    # a one-column reps file parses (and then misses its other required columns)
    (landing / "reps.csv").write_text("rep_id\nr1\nr2\n")
    with pytest.raises(LandingError) as caught:
        ingest(con, landing, "reps")
    assert caught.value.rule == "required_column"
    assert "(found: rep_id)" in str(caught.value)

    (landing / "reps.csv").write_text(
        'rep_id,rep_name,manager_id,"team, region"\n'
        'r1,"Silva, Ana","m1",west\n'
        "# r2,not a comment,m1,\n"
        'r3,"Li,\r\n""Chen""",m2,"north,\nsouth"\n'
        "r4,Okafor,m1,\n"
    )
    counts = ingest(con, landing, "reps")
    assert reconciled(con, "reps", counts) == {"reps.csv": (4, 4, 0, 0)}
    assert con.execute(
        "select rep_id, rep_name, extra, source_row from raw.reps order by source_row"
    ).fetchall() == [
        ("r1", "Silva, Ana", '{"team, region":"west"}', 1),
        ("# r2", "not a comment", '{"team, region":null}', 2),
        ("r3", 'Li,\r\n"Chen"', '{"team, region":"north,\\nsouth"}', 3),
        ("r4", "Okafor", '{"team, region":null}', 4),
    ]


def test_quoted_commas_far_down_the_file_parse(landing, con):
    # DuckDB's sniffer judges the dialect on the first rows only; a quoted comma after them
    # was split into too many columns and the good row quarantined
    rows = [f"c{i},r1,2026-07-02T10:00:00Z,{i},o1,Call {i}" for i in range(1, 30_001)]
    rows[25_000] = 'c25001,r1,2026-07-02T10:00:00Z,60,o1,"Pricing, round 2"'
    (landing / "calls.csv").write_text(
        CALLS_HEADER.replace("\n", ",title\n") + "\n".join(rows) + "\n"
    )
    prepare(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    assert reconciled(con, "calls", counts) == {"calls.csv": (30_000, 30_000, 0, 0)}
    assert con.execute(
        "select title, source_row from raw.calls where call_id = 'c25001'"
    ).fetchall() == [("Pricing, round 2", 25_001)]


def test_columns_named_like_reader_internals_are_plain_data(landing, con):
    (landing / "reps.csv").write_text(
        "rep_id,rep_name,manager_id,rowid,_rec,file_row_number\n"
        "r1,Ana,m1,x,y,z\nr2,Ben,m1,,,\nr3,Chen,m2,7,8,9\n"
    )
    with duckdb.connect() as scratch:  # 300k rows: several row groups, read in parallel
        scratch.execute(
            f"""copy (select 'c' || i as call_id, 'r' || (i % 3 + 1) as rep_id,
                timestamptz '2026-07-01 00:00:00+00' + to_seconds(i) as started_at,
                i as duration_s, i as rowid, 'n' || i as _rec, 'x' as file_row_number
                from range(300000) t(i)) to '{landing / "calls.parquet"}' (row_group_size 10000)"""
        )
    counts = ingest(con, landing, "reps")
    assert reconciled(con, "reps", counts) == {"reps.csv": (3, 3, 0, 0)}
    assert [json.loads(extra) for extra in column(con, "reps", "extra")] == [
        {"rowid": "x", "_rec": "y", "file_row_number": "z"},
        {"rowid": None, "_rec": None, "file_row_number": None},
        {"rowid": "7", "_rec": "8", "file_row_number": "9"},
    ]
    counts = ingest(con, landing, "calls")
    assert reconciled(con, "calls", counts) == {"calls.parquet": (300_000, 300_000, 0, 0)}
    assert con.execute(
        "select count(*) filter (where source_row = duration_s + 1 "
        'and extra = \'{"rowid":"\' || duration_s::bigint || \'","_rec":"n\' '
        '|| duration_s::bigint || \'","file_row_number":"x"}\') from raw.calls'
    ).fetchone() == (300_000,)


# --- volume -------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class _RssSampler(threading.Thread):
    """The process's largest resident set while running, sampled every 10 ms (an earlier
    test's peak cannot hide in ``ru_maxrss``)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self):
        page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
        while not self._stop_event.wait(0.01):
            with open("/proc/self/statm") as statm:
                self.peak_mb = max(self.peak_mb, int(statm.read().split()[1]) * page_mb)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self._stop_event.set()
        self.join()


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_a_200_mb_calls_csv_is_ingested_in_bounded_memory(landing, con):
    n_rows = 2_000_000
    with duckdb.connect() as scratch:
        scratch.execute(
            f"""copy (select 'call-' || lpad(i::varchar, 8, '0') as call_id,
                'r' || (i % 3 + 1) as rep_id,
                strftime(timestamptz '2026-07-01 00:00:00+00' + to_seconds(i * 4),
                    '%Y-%m-%dT%H:%M:%SZ') as started_at,
                (i % 3600)::varchar as duration_s,
                'opp-' || (i % 50000) as opportunity_id,
                'Discovery call about renewal terms #' || i as title,
                case when i % 2 = 0 then 'outbound' else 'inbound' end as direction
                from range({n_rows}) t(i)) to '{landing / "calls.csv"}' (header)"""
        )
    size_mb = (landing / "calls.csv").stat().st_size / 1e6
    assert 180 < size_mb < 230
    prepare(con, landing, "reps")

    before = _peak_rss_mb()
    started = time.perf_counter()
    with _RssSampler() as sampled:
        counts = ingest(con, landing, "calls")
    seconds = time.perf_counter() - started
    after = _peak_rss_mb()
    print(
        f"\n{size_mb:.0f} MB calls CSV: {seconds:.1f} s, peak RSS while ingesting "
        f"{sampled.peak_mb:.0f} MB (ru_maxrss {before:.0f} -> {after:.0f} MB)"
    )

    assert sampled.peak_mb < 1500
    assert after < 1500 or after == before  # a new process peak, if any, is under 1.5 GB
    assert seconds < 60
    # rows from 2026-10-01 on (i * 4 s past 92 days) belong to the next quarter
    in_q3 = (92 * 86400 + 3) // 4
    assert reconciled(con, "calls", counts) == {"calls.csv": (n_rows, in_q3, 0, n_rows - in_q3)}
    assert con.execute(
        "select count(*), count(distinct call_id), min(source_row), max(source_row) from raw.calls"
    ).fetchone() == (in_q3, in_q3, 1, in_q3)


# --- whole runs -------------------------------------------------------------------------


@pytest.fixture
def run_on(environment, tmp_path):
    """Point the Dagster job at a landing folder and a fresh warehouse; returns the runner."""

    def run(landing: Path) -> tuple[dg.ExecuteInProcessResult, Path]:
        warehouse = tmp_path / f"{landing.name}.duckdb"
        environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
        environment["patch"].setenv("ASSESSMENT_WAREHOUSE", str(warehouse))
        return materialize_cycle(FIXTURE_PARTITION), warehouse

    yield run
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(SMALL_LANDING))
    environment["patch"].setenv("ASSESSMENT_WAREHOUSE", str(environment["warehouse"]))


def _fixture_copy(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(SMALL_LANDING, folder)
    return folder


def test_a_full_run_carries_odd_names_to_the_marts_and_quarantines_bad_rows(tmp_path, run_on):
    landing = _fixture_copy(tmp_path, "odd_landing")
    # rep names, manager names and the team: SQL-shaped and formula-shaped text
    names = {"r1": SQL_SHAPED[0], "r2": SQL_SHAPED[1], "r3": INJECTION[0]}
    managers = {"r1": INJECTION[1], "r2": INJECTION[1], "r3": SQL_SHAPED[1]}
    team = INJECTION[2]
    with (landing / "reps.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["rep_id", "rep_name", "manager_id", "team", "manager_name"])
        writer.writerows(
            [rep, names[rep], manager, team, managers[rep]]
            for rep, manager in [("r1", "m1"), ("r2", "m1"), ("r3", "m2")]
        )
    # a duplicate of c1 in a second calls file and a Latin-1 row: both quarantined
    (landing / "calls_extra.csv").write_bytes(
        CALLS_HEADER.encode()
        + b"c1,r2,2026-07-03T10:00:00Z,60,\n"
        + b"c10,r3,2026-07-04T10:00:00Z,60,D\xe9mo\n"
    )
    # the transcript as JSON Lines, with a broken line 3 (row 8 of the CSV is now line 9)
    with (landing / "utterances.csv").open(newline="") as handle:
        lines = [json.dumps(record) for record in csv.DictReader(handle)]
    (landing / "utterances.csv").unlink()
    lines.insert(2, '{"call_id": "c1", "seq": ')
    (landing / "utterances.jsonl").write_text("\n".join(lines) + "\n")

    result, warehouse = run_on(landing)

    assert result.success
    expected = [(rep, names[rep], managers[rep], team) for rep in ("r1", "r2", "r3")]
    for table in ("raw.reps", "marts.fct_rep_scorecards"):
        assert (
            query(
                warehouse,
                f"select rep_id, rep_name, manager_name, team from {table} "
                "where cycle = '2026-Q3' order by rep_id",
            )
            == expected
        ), table
    assert query(
        warehouse, "select team from marts.fct_scoring_coverage where cycle = '2026-Q3'"
    ) == [(team,)]
    assert query(
        warehouse,
        "select kind, regexp_extract(file, '[^/]+$'), row_number, rule from raw.quarantine "
        "where cycle = '2026-Q3' and kind in ('calls', 'utterances') order by kind, file, "
        "row_number",
    ) == [
        ("calls", "calls.csv", 8, "unknown_rep"),
        ("calls", "calls.csv", 9, "timestamp_without_offset:started_at"),
        ("calls", "calls_extra.csv", 1, "duplicate_key"),
        ("calls", "calls_extra.csv", 2, "unparsable_row:invalid_encoding"),
        ("utterances", "utterances.jsonl", 3, "unparsable_json_line"),
        ("utterances", "utterances.jsonl", 9, "end_before_start"),
    ]
    logged = query(
        warehouse,
        "select kind, regexp_extract(file, '[^/]+$'), rows_read, rows_accepted, "
        "rows_quarantined, rows_other_partition from raw.load_log where cycle = '2026-Q3' "
        "and kind in ('calls', 'utterances') order by kind, file",
    )
    assert logged == [
        ("calls", "calls.csv", 9, 5, 2, 2),
        ("calls", "calls_extra.csv", 2, 0, 2, 0),
        ("utterances", "utterances.jsonl", 9, 6, 2, 1),
    ]
    # the marts match the clean fixture's: the good rows all made it
    assert query(
        warehouse,
        "select call_id, weighted_score_100 from marts.fct_call_scores "
        "where cycle = '2026-Q3' order by call_id",
    ) == [("c1", 67.5), ("c2", 60.0), ("c4", 50.0), ("c6", None), ("c7", 60.0)]


def _break_calls_quote(landing: Path) -> str:
    calls = (landing / "calls.csv").read_text().splitlines()
    calls[3] = calls[3].replace(",2026-", ',"2026-')  # c3's quote is never closed
    (landing / "calls.csv").write_text("\n".join(calls) + "\n")
    return (
        f"salesassess.landing.files.LandingError: {landing / 'calls.csv'}: rule parsable_file: "
        "cannot be parsed as csv: unterminated quote in row 3 "
        "('c3,r1,\"2026-09-30T23:30:00-02:00,600,o3')"
    )


def _break_rubric_weights(landing: Path) -> str:
    rubric = (landing / "rubric.yaml").read_text()
    (landing / "rubric.yaml").write_text(rubric.replace("weight: 10", "weight: 5"))
    return (
        "salesassess.method.rubric.RubricError: "
        f"{landing / 'rubric.yaml'}: rule weights_sum_to_100: "
        "weights sum to 95, not 100 (a=40, b=30, c=20, d=5)"
    )


@pytest.mark.parametrize(
    ("damage", "op", "broken"),
    [
        (_break_calls_quote, "raw__calls", {"raw/calls"}),
        (_break_rubric_weights, "raw__rubric", {"raw/rubric_criteria", "raw/rubric_anchors"}),
    ],
    ids=["calls_unterminated_quote", "rubric_weights_95"],
)
def test_a_full_run_stops_at_a_broken_file_naming_it_and_the_rule(
    tmp_path, run_on, damage, op, broken
):
    landing = _fixture_copy(tmp_path, "broken_landing")
    message = damage(landing)

    result, warehouse = run_on(landing)

    assert not result.success
    failures = [
        event.step_failure_data.error
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_FAILURE
    ]
    assert len(failures) == 1
    assert f'Error occurred while executing op "{op}"' in failures[0].message
    assert failures[0].cause.message.startswith(message)  # the error the UI shows
    materialised = {
        event.asset_key.to_user_string() for event in result.get_asset_materialization_events()
    }
    assert "raw/reps" in materialised
    assert not materialised & broken
    assert not {key for key in materialised if not key.startswith("raw/")}  # no mart built
    assert query(warehouse, "select count(*) from raw.reps where cycle = '2026-Q3'") == [(3,)]
