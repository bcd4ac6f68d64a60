"""Fault findings (issue 32): nothing lost, nothing leaked, reruns equal to the last bit.

Each case reproduces one finding of the fault-injection round with real files, a real
DuckDB warehouse and real runs: a row too big for DuckDB's CSV reader, a file with too many
columns, a landing file linked out of the landing folder, a warehouse (or published file)
reached through a symlink or a relative path while another run writes it, a kill between
an assessment and its follow-up, the console after a failure and after a killed run.
docs/guarantees.md states what these guarantee.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from salesassess.landing.files import LandingError
from salesassess.landing.ingest import ingest_kind
from salesassess.landing.rows import MAX_COLUMNS, MAX_ROW_BYTES
from salesassess.method.calendar import cycle_window
from salesassess.method.rubric import RubricError, load_rubrics
from tests.helpers import FIXTURE_PARTITION, ROOT

Q3 = cycle_window(FIXTURE_PARTITION)  # 2026-Q3
REPS = "rep_id,rep_name,manager_id\nr1,Ana Silva,m1\nr2,Ben Okafor,m1\n"
CALLS_HEADER = "call_id,rep_id,started_at,duration_s\n"
# DuckDB 2.0.1's CSV reader drops a row from about 33 MB without a reject record
GIANT_BYTES = 34_000_000


@pytest.fixture
def landing(tmp_path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "reps.csv").write_text(REPS)
    return folder


def ingest(con, landing: Path, kind: str):
    return ingest_kind(con, kind, landing, cycle=Q3.cycle, start=Q3.start, end=Q3.end)


def quarantine(con, kind: str) -> list[tuple]:
    return con.execute(
        "select regexp_extract(file, '[^/]+$'), row_number, rule, raw_content "
        "from raw.quarantine where kind = $kind order by file, row_number",
        {"kind": kind},
    ).fetchall()


def load_log(con, kind: str) -> list[tuple]:
    return con.execute(
        "select regexp_extract(file, '[^/]+$'), rows_read, rows_accepted, rows_quarantined, "
        "rows_other_partition from raw.load_log where kind = $kind order by file",
        {"kind": kind},
    ).fetchall()


# --- 1. every row accounted for, whatever the CSV reader does ----------------------------


def _call(call_id: str, extra: str = "") -> str:
    return f"{call_id},r1,2026-07-02T10:00:00Z,900{extra}"


def test_a_giant_csv_row_is_quarantined_as_unreadable_with_its_row_and_size(landing, con):
    giant = "cg,r1,2026-07-02T10:00:00Z," + "9" * GIANT_BYTES
    lines = [
        _call("c1"),
        _call("c2"),
        "",  # a blank line: no row, but the rows after it keep their numbers
        giant,
        _call("c4"),
        _call("c5", ",too,many"),
        _call("c6"),
    ]
    (landing / "calls.csv").write_text(CALLS_HEADER + "\n".join(lines) + "\n")
    ingest(con, landing, "reps")
    counts = ingest(con, landing, "calls")

    rows = quarantine(con, "calls")
    assert [row[:3] for row in rows] == [
        ("calls.csv", 4, "unreadable_row"),
        ("calls.csv", 6, "unparsable_row:too_many_columns"),
    ]
    assert json.loads(rows[0][3]) == {
        "row_bytes": len(giant) + 1,
        "max_row_bytes": MAX_ROW_BYTES,
        "start": giant[:200],
        "error": f"row 4 is {len(giant) + 1:,} bytes, over the maximum row size of "
        f"{MAX_ROW_BYTES:,} bytes: not read",
    }
    assert con.execute(
        "select call_id, source_row from raw.calls order by source_row"
    ).fetchall() == [("c1", 1), ("c2", 2), ("c4", 5), ("c6", 7)]
    # 6 rows besides the header and the blank line: 4 accepted + 2 quarantined
    assert load_log(con, "calls") == [("calls.csv", 6, 4, 2, 0)]
    assert [(c.rows_read, c.accepted, c.quarantined) for c in counts] == [(6, 4, 2)]


def test_a_giant_json_line_is_quarantined_as_unreadable_with_its_line_and_size(landing, con):
    def call(call_id: str) -> str:
        return json.dumps(
            {
                "call_id": call_id,
                "rep_id": "r1",
                "started_at": "2026-07-02T10:00:00Z",
                "duration_s": 900,
            }
        )

    giant = json.dumps({"call_id": "cg", "rep_id": "r1", "note": "x" * GIANT_BYTES})
    content = "\n".join([call("c1"), giant, call("c3")]).encode() + b"\n\xff\xfe\n"
    (landing / "calls.jsonl").write_bytes(content + call("c5").encode() + b"\n")
    ingest(con, landing, "reps")
    ingest(con, landing, "calls")

    rows = quarantine(con, "calls")
    assert [row[:3] for row in rows] == [
        ("calls.jsonl", 2, "unreadable_row"),
        ("calls.jsonl", 4, "unparsable_row:invalid_encoding"),
    ]
    assert json.loads(rows[0][3])["row_bytes"] == len(giant) + 1
    assert con.execute(
        "select call_id, source_row from raw.calls order by source_row"
    ).fetchall() == [("c1", 1), ("c3", 3), ("c5", 5)]
    assert load_log(con, "calls") == [("calls.jsonl", 5, 3, 2, 0)]


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_every_row_is_counted_whatever_its_line_breaks(landing, con, line_break):
    rows = ["r1,Ana,m1", 'r2,"Ben', 'Okafor",m1', "", "r3,Chen,m2", "r4,Dee", "r5,Eve,m2"]
    (landing / "reps.csv").write_text(
        line_break.join(["rep_id,rep_name,manager_id", *rows]) + line_break, newline=""
    )
    ingest(con, landing, "reps")

    assert con.execute(
        "select rep_id, rep_name, source_row from raw.reps order by source_row"
    ).fetchall() == [
        ("r1", "Ana", 1),
        ("r2", f"Ben{line_break}Okafor", 2),
        ("r3", "Chen", 4),  # row 3 is the blank line
        ("r5", "Eve", 6),
    ]
    assert [row[:3] for row in quarantine(con, "reps")] == [
        ("reps.csv", 5, "unparsable_row:missing_columns")
    ]
    assert load_log(con, "reps") == [("reps.csv", 5, 4, 1, 0)]


def test_a_csv_of_10000_columns_is_refused_in_one_line(landing, con):
    extra = [f"extra_{number}" for number in range(10_000 - 4)]
    header = ",".join(["call_id", "rep_id", "started_at", "duration_s", *extra])
    row = _call("c1", "," * len(extra))
    (landing / "calls.csv").write_text(f"{header}\n{row}\n")
    ingest(con, landing, "reps")

    with pytest.raises(LandingError) as caught:
        ingest(con, landing, "calls")
    assert str(caught.value) == (
        f"{landing / 'calls.csv'}: rule max_columns: 10,000 columns; a landing file has at "
        f"most {MAX_COLUMNS:,}"
    )


# --- 3. landing files stay inside the landing folder -------------------------------------


def test_a_landing_file_linked_outside_the_landing_folder_is_refused_unread(
    tmp_path, landing, con, monkeypatch
):
    monkeypatch.setenv("ASSESSMENT_SOURCES_ALLOW", "")  # the tests allow the temp folder
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    (landing / "reps_x.csv").symlink_to(secret)

    with pytest.raises(LandingError) as caught:
        ingest(con, landing, "reps")
    assert str(caught.value) == (
        f"{landing / 'reps_x.csv'}: rule path_inside_landing: the file is a link to a file "
        "outside the landing folder, so it is not read; an operator can allow other folders "
        "with ASSESSMENT_SOURCES_ALLOW"
    )


@pytest.mark.parametrize("name", ["rubric.yaml", "rubrics/2027.yaml"])
def test_a_rubric_linked_outside_the_landing_folder_is_refused_unread(
    tmp_path, landing, monkeypatch, name
):
    monkeypatch.setenv("ASSESSMENT_SOURCES_ALLOW", "")  # the tests allow the temp folder
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    link = landing / name
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(secret)

    with pytest.raises(RubricError) as caught:
        load_rubrics(landing)
    assert str(caught.value) == (
        f"{link}: rule path_inside_landing: the file is a link to a file outside the landing "
        "folder, so it is not read; an operator can allow other folders with "
        "ASSESSMENT_SOURCES_ALLOW"
    )


def test_a_first_line_that_is_no_header_is_not_echoed(landing, con):
    (landing / "reps_x.csv").write_text("root:x:0:0:root:/root:/bin/bash\n")

    with pytest.raises(LandingError) as caught:
        ingest(con, landing, "reps")
    assert "root" not in str(caught.value).replace(str(landing), "")
    assert str(caught.value).endswith(
        "rule required_column: missing required column(s) rep_id, rep_name, manager_id "
        "(the first line has 1 field(s) that are no column names, not shown)"
    )


# --- 2. one writer per warehouse, whatever path reaches it -------------------------------

HOLD = """
import sys, time
from pathlib import Path
from salesassess.platform.writer_lock import writer_lock
with writer_lock(Path(sys.argv[1]), "a maintenance script",
                 outputs=[("published file", Path(sys.argv[2]))]):
    print("held", flush=True)
    time.sleep(120)
"""


def _assess_env(tmp_path: Path, warehouse: Path, published: Path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ASSESSMENT_LANDING_DIR": str(tmp_path / "landing"),
        "ASSESSMENT_WAREHOUSE": str(warehouse),
        "ASSESSMENT_PUBLISHED": str(published),
        "ASSESSMENT_REPORTS_DIR": str(tmp_path / "reports"),
        "ASSESSMENT_CONFIG": "",
    }


@pytest.mark.parametrize("reached_by", ["warehouse_symlink", "relative_path", "published_symlink"])
def test_a_second_writer_reaching_the_same_files_another_way_is_refused(
    tmp_path, landing, reached_by
):
    real = tmp_path / "data" / "warehouse.duckdb"
    published = tmp_path / "data" / "published.duckdb"
    real.parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(real), str(published)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        if reached_by == "warehouse_symlink":
            warehouse, cwd, other = tmp_path / "link.duckdb", ROOT, tmp_path / "p.duckdb"
            warehouse.symlink_to(real)
            what = f"warehouse {warehouse} (that is {real})"
        elif reached_by == "relative_path":  # relative to the project root, with ".."
            warehouse, cwd, other = Path(os.path.relpath(real, ROOT)), ROOT, tmp_path / "p.duckdb"
            what = f"warehouse {ROOT / warehouse} (that is {real})"
        else:
            warehouse, cwd, other = tmp_path / "own.duckdb", ROOT, tmp_path / "link.duckdb"
            other.symlink_to(published)
            what = f"published file {other} (that is {published})"
        result = subprocess.run(
            [sys.executable, "-m", "orchestration.assess", "--partition", FIXTURE_PARTITION],
            env=_assess_env(tmp_path, warehouse, other),
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith(
        f"error: the {what} is being written by a maintenance script (pid {holder.pid} on "
    )
    assert result.stderr.rstrip().endswith(
        "one run writes it at a time: start again when that one has finished"
    )
    assert not real.exists()  # nothing ran
    assert sorted(path.name for path in tmp_path.iterdir() if path.suffix == ".duckdb") == (
        ["link.duckdb"] if reached_by != "relative_path" else []
    )


def test_a_reports_folder_that_cannot_be_locked_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "a_file").write_text("not a folder\n")
    env = _assess_env(tmp_path, tmp_path / "warehouse.duckdb", tmp_path / "published.duckdb")
    env["ASSESSMENT_REPORTS_DIR"] = str(tmp_path / "a_file" / "reports")
    command = [sys.executable, "-m", "orchestration.assess", "--partition", FIXTURE_PARTITION]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (
        2,
        f"error: cannot lock the reports folder {tmp_path / 'a_file' / 'reports'}: File "
        f"exists: {tmp_path / 'a_file'}\n",
    )


# --- 5. reports: one version per cycle state, like the published file --------------------


def test_a_kill_between_the_assessment_and_its_follow_up_never_mixes_two_runs_on_a_page(
    environment,
):
    import dagster as dg
    import duckdb

    from assets.publish import FOLLOWUP_MARTS, publish_cycle
    from orchestration.definitions import build_definitions
    from tests.helpers import materialize_cycle
    from tests.publishing.test_reports import page_text

    warehouse = environment["warehouse"]
    published = warehouse.with_name("published.duckdb")
    page = warehouse.with_name("reports") / "2026-Q3" / "m1" / "r1.html"
    # r1 3.55 (tests/orchestration/test_pipeline.py)
    assert materialize_cycle(FIXTURE_PARTITION).success
    # its follow-up (r1 improved on d) is published
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table marts.fct_rescore_deltas as select '2026-Q3' as cycle, 'r1' as "
            "rep_id, 'd' as criterion_id, 3.0 as cycle_score, 4.6 as followup_score, "
            "5 as n_followup_calls, 1.6 as delta, 'improved' as status, "
            "date '2026-10-05' as followup_start, false as change_coaching_approach, "
            "false as is_provisional"
        )
    publish_cycle(warehouse, published, "2026-Q3", FOLLOWUP_MARTS)
    # the cycle is assessed again (r1 3.39) and the run is killed before its follow-up: the
    # new assessment's publish and pages ran, the follow-up marts are still the last run's
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.fct_rep_scorecards set weighted_score = 3.39 "
            "where cycle = '2026-Q3' and rep_id = 'r1'"
        )
    result = (
        build_definitions()
        .resolve_job_def("assess_cycle")
        .execute_in_process(
            partition_key=FIXTURE_PARTITION,
            asset_selection=[
                dg.AssetKey(["published", "assessment_marts"]),
                dg.AssetKey(["reports", "rep_scorecards"]),
            ],
            raise_on_error=False,
        )
    )
    assert result.success

    # the published file keeps the last whole version (3.55 with its follow-up) and the
    # new assessment waits in pending; the page shows the same version
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute(
            "select 'marts', weighted_score from marts.fct_rep_scorecards where rep_id = 'r1' "
            "union all select 'pending', weighted_score from pending.fct_rep_scorecards "
            "where rep_id = 'r1' order by 1"
        ).fetchall() == [("marts", 3.55), ("pending", 3.39)]
    text = page_text(page)
    assert "Weighted score 3.55 team 3.38" in text
    assert "3.39" not in text
    assert "improved" in text


def test_a_rep_id_windows_reserves_gets_a_file_name_a_windows_share_opens():
    import hashlib

    from salesassess.publishing.reporting import safe_name

    def hashed(value: str, slug: str) -> str:
        return f"{slug}-{hashlib.sha1(value.encode()).hexdigest()[:8]}"

    assert safe_name("CON") == hashed("CON", "CON")
    assert safe_name("nul") == hashed("nul", "nul")
    assert safe_name("Com1.backup") == hashed("Com1.backup", "Com1_backup")
    assert [safe_name(value) for value in ("CONSOLE", "r-7", "COM10")] == [
        "CONSOLE",
        "r-7",
        "COM10",
    ]


# --- 6. what the console says ------------------------------------------------------------


def test_the_meaningful_line_of_an_error_is_the_operating_systems_reason():
    from orchestration.progress import meaningful_line

    full_disk = (
        "IO Error: CHECKPOINT during DETACH failed\n"
        "\n"
        'Could not write file "/srv/data/.published.duckdb.staging": No space left on device\n'
    )
    assert meaningful_line(full_disk) == (
        'Could not write file "/srv/data/.published.duckdb.staging": No space left on device'
    )
    assert meaningful_line("cannot reshape array of size 0\ninto shape (0,newaxis)\n\nmore\n") == (
        "cannot reshape array of size 0 into shape (0,newaxis)"
    )
    # a failed dbt command (dagster-dbt's message, as a Binder Error in a model gave it)
    dbt_failed = (
        "The dbt CLI process with command\n\n`dbt build --select fqn:*`\n\nfailed with exit "
        "code `1`. Check the stdout in the Dagster compute logs for the full information "
        "about the error, or view the dbt debug log: target/dbt.log.\n\n"
        "Errors parsed from dbt logs:\n\n"
        "79 of 140 ERROR creating sql table model intermediate.int_rep_samples .... [ERROR]\n\n"
        "Failure in model int_rep_samples (models/intermediate/int_rep_samples.sql)\n\n"
        "  Runtime Error in model int_rep_samples (models/intermediate/int_rep_samples.sql)\n"
        '  Binder Error: Referenced column "abc" not found in FROM clause!\n'
    )
    assert meaningful_line(dbt_failed) == (
        "Runtime Error in model int_rep_samples (models/intermediate/int_rep_samples.sql): "
        'Binder Error: Referenced column "abc" not found in FROM clause!'
    )
    test_failed = dbt_failed.split("Failure in")[0] + (
        "Failure in test not_null_fct_x_rep_id (models/marts/marts.yml)\n"
        "  Got 1 result, configured to fail if != 0\n"
    )
    assert meaningful_line(test_failed) == (
        "Failure in test not_null_fct_x_rep_id (models/marts/marts.yml): Got 1 result, "
        "configured to fail if != 0"
    )


KILLED_RUN = """
import sys, time
from pathlib import Path
import dagster as dg
from salesassess.platform.writer_lock import writer_lock

@dg.asset
def holds_the_warehouse(context):
    with writer_lock(Path(sys.argv[1]), "a run", context.run_id):
        print("held", context.run_id, flush=True)
        time.sleep(120)

with dg.DagsterInstance.get() as instance:
    dg.materialize([holds_the_warehouse], instance=instance)
"""


def test_the_next_run_says_it_found_a_previous_run_killed(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    env = _assess_env(tmp_path, warehouse, tmp_path / "published.duckdb")
    # a Dagster run whose process is killed while it holds the warehouse
    first = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(warehouse)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        held, run_id = first.stdout.readline().split()
        assert held == "held"
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()

    # the next run (on a landing without a rubric: it stops at its first step) says so
    command = [sys.executable, "-m", "orchestration.assess", "--partition", FIXTURE_PARTITION]
    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 1, second.stderr
    assert second.stdout.splitlines()[0] == (
        f"found a previous run killed ({run_id}): the process ended while holding the "
        "warehouse; marked failed in Dagster, and this run replaces what it left"
    )
