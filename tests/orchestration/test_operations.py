"""Operating it: one writer per warehouse, a cycle published whole, failures that leave
nothing behind and say what happened, killed runs marked failed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import dagster as dg
import duckdb

from assets.publish import (
    ASSESSMENT_MARTS,
    FOLLOWUP_MARTS,
    publish_cycle,
    staging_path,
)
from salesassess.platform.writer_lock import lock_path
from salesassess.publishing.folder_swap import switch_folder
from tests.helpers import ROOT, SMALL_LANDING, materialize_cycle

CYCLE = "2026-Q3"


def write_marts(warehouse, score: float) -> None:
    """A warehouse whose cycle holds a rep's criterion score and the follow-up's delta
    computed from it (what a rerun of both steps writes)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.fct_rep_criterion_scores as select * from "
            "(values ($cycle, 'r1', 'a', $score)) t(cycle, rep_id, criterion_id, score)",
            {"cycle": CYCLE, "score": score},
        )
        con.execute(
            "create or replace table marts.fct_rescore_deltas as select * from "
            "(values ($cycle, 'r1', 'a', $score, 4.0, 4.0 - $score)) "
            "t(cycle, rep_id, criterion_id, cycle_score, followup_score, delta)",
            {"cycle": CYCLE, "score": score},
        )


def read(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def parts(published):
    return read(
        published,
        "select part, status, tables from marts.published_cycles where cycle = '2026-Q3' "
        "order by part",
    )


def test_a_cycle_is_published_whole_across_a_kill(tmp_path):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published.duckdb"
    write_marts(warehouse, 3.0)
    # a first assessment has no follow-up yet: it is published at once
    assert publish_cycle(warehouse, published, CYCLE, ASSESSMENT_MARTS) == {
        "fct_rep_criterion_scores": 1
    }
    assert read(published, "select score from marts.fct_rep_criterion_scores") == [(3.0,)]
    publish_cycle(warehouse, published, CYCLE, FOLLOWUP_MARTS)
    assessment, followup = ",".join(ASSESSMENT_MARTS), ",".join(FOLLOWUP_MARTS)
    assert parts(published) == [
        ("assessment", "current", assessment),
        ("followup", "current", followup),
    ]

    # the cycle is assessed again (score 3.5): its assessment is published, then the run
    # is killed before the follow-up computed from it is published
    write_marts(warehouse, 3.5)
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from assets.publish import ASSESSMENT_MARTS, publish_cycle
        publish_cycle(Path({str(warehouse)!r}), Path({str(published)!r}), {CYCLE!r},
                      ASSESSMENT_MARTS)
        print("assessment published", flush=True)
        time.sleep(120)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout.readline() == "assessment published\n"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL

    # BI tools still read the previous consistent set: the deltas' cycle score is the
    # cycle score; the new assessment waits in the pending schema
    assert read(
        published,
        "select s.score, d.cycle_score from marts.fct_rep_criterion_scores s "
        "join marts.fct_rescore_deltas d using (cycle, rep_id, criterion_id)",
    ) == [(3.0, 3.0)]
    assert read(published, "select score from pending.fct_rep_criterion_scores") == [(3.5,)]
    assert parts(published) == [
        ("assessment", "pending", assessment),
        ("followup", "current", followup),
    ]

    # recovery: the rerun publishes the follow-up, and the cycle whole with it
    publish_cycle(warehouse, published, CYCLE, FOLLOWUP_MARTS)
    assert read(
        published,
        "select s.score, d.cycle_score, d.delta from marts.fct_rep_criterion_scores s "
        "join marts.fct_rescore_deltas d using (cycle, rep_id, criterion_id)",
    ) == [(3.5, 3.5, 0.5)]
    assert read(published, "select count(*) from pending.fct_rep_criterion_scores") == [(0,)]
    assert parts(published) == [
        ("assessment", "current", assessment),
        ("followup", "current", followup),
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.duckdb", "warehouse.duckdb"]


def test_stale_stages_are_removed_at_the_start_of_a_publish(tmp_path):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published.duckdb"
    write_marts(warehouse, 3.0)
    # what a kill during a copy left: the fixed stage, and an earlier version's per-pid one
    staging_path(published).write_bytes(b"half a copy")
    (tmp_path / ".published.duckdb.4242.tmp").write_bytes(b"x" * 1000)
    publish_cycle(warehouse, published, CYCLE, ASSESSMENT_MARTS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.duckdb", "warehouse.duckdb"]


LIMITED_WRITE = """
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
try:
{body}
except Exception as error:
    print(f"{{type(error).__name__}}: {{error}}")
"""


def limited_write(body: str, limit: int) -> str:
    """Run ``body`` where no file may grow past ``limit`` bytes (a full disk's writes fail
    the same way); what it raised, printed."""
    script = LIMITED_WRITE.format(limit=limit, body=textwrap.indent(textwrap.dedent(body), "    "))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_failed_commit_says_the_write_failed(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table scores (cycle varchar, note varchar)")
        con.execute("insert into scores values ('2026-Q2', 'kept')")
    size = warehouse.stat().st_size
    said = limited_write(
        f"""
        from salesassess.engines.warehouse import connect, replace_cycle_rows
        con = connect(Path({str(warehouse)!r}))
        rows = [("2026-Q3", "x" * 200 + str(n)) for n in range(20000)]
        replace_cycle_rows(con, "scores", "cycle varchar, note varchar", "2026-Q3", rows)
        """,
        size + 50_000,
    )
    # the write error is the headline, not "cannot rollback - no transaction is active"
    assert said == (
        "TransactionException: TransactionContext Error: Failed to commit: Could not write "
        f'file "{warehouse}.wal": File too large'
    )
    assert read(warehouse, "select * from scores") == [("2026-Q2", "kept")]


def test_a_publish_that_cannot_write_leaves_the_published_file_and_no_stage(tmp_path):
    warehouse, published = tmp_path / "warehouse.duckdb", tmp_path / "published.duckdb"
    write_marts(warehouse, 3.0)
    publish_cycle(warehouse, published, CYCLE, ASSESSMENT_MARTS)
    before = published.read_bytes()
    write_marts(warehouse, 3.5)
    said = limited_write(
        f"""
        from assets.publish import ASSESSMENT_MARTS, publish_cycle
        publish_cycle(Path({str(warehouse)!r}), Path({str(published)!r}), "2026-Q3",
                      ASSESSMENT_MARTS)
        """,
        100_000,
    )
    assert said.startswith("IOException: IO Error: ")
    assert said.endswith(f'Could not write file "{staging_path(published)}": File too large')
    assert published.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.duckdb", "warehouse.duckdb"]


HOLD = """
import sys, time
from pathlib import Path
from salesassess.platform.writer_lock import writer_lock
with writer_lock(Path(sys.argv[1]), "a maintenance script"):
    print("held", flush=True)
    time.sleep(120)
"""


def test_a_dagster_run_is_refused_while_another_process_writes(environment):
    warehouse = environment["warehouse"]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(warehouse)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout.readline() == "held\n"
        result = materialize_cycle("2026-07-01")
        assert not result.success
        [failure] = [
            event.event_specific_data.error
            for event in result.all_events
            if event.event_type == dg.DagsterEventType.RUN_FAILURE
        ]
        causes = []
        while failure is not None:
            causes.append(failure.message)
            failure = failure.cause
        assert causes[0].startswith("dagster._core.errors.DagsterResourceFunctionError")
        assert causes[1].startswith(
            f"salesassess.platform.writer_lock.WarehouseBusy: the warehouse {warehouse} is being "
            f"written by a maintenance script (pid {holder.pid} on "
        )
        assert not warehouse.exists()  # no step ran
    finally:
        holder.kill()
        holder.wait()
    assert materialize_cycle("2026-07-01").success


def test_two_make_assess_on_one_warehouse_and_a_killed_run(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    warehouse = tmp_path / "warehouse.duckdb"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ASSESSMENT_LANDING_DIR": str(SMALL_LANDING),
        "ASSESSMENT_CONFIG": str(SMALL_LANDING / "method.yaml"),
        "ASSESSMENT_WAREHOUSE": str(warehouse),
        "ASSESSMENT_PUBLISHED": str(tmp_path / "published.duckdb"),
        "ASSESSMENT_REPORTS_DIR": str(tmp_path / "reports"),
        "ASSESSMENT_ADAPTED_DIR": str(tmp_path / "adapted"),
        "ASSESSMENT_TODAY": "2026-10-02",  # the follow-up's window is still open
    }
    command = [sys.executable, "-m", "orchestration.assess", "--partition", "2026-07-01"]
    first = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True, text=True)
    lock = lock_path(warehouse)
    deadline = time.time() + 600
    record: dict = {}
    while time.time() < deadline and not record.get("runs"):
        time.sleep(0.5)
        if lock.exists() and lock.read_text():
            record = json.loads(lock.read_text())
    [run_id] = record["runs"]
    assert record["holder"] == "make assess --partition 2026-07-01 --quarters 1"

    second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 3
    [line] = second.stderr.splitlines()
    assert line.startswith(
        f"error: the warehouse {warehouse} is being written by run {run_id} (pid {first.pid} on "
    )
    assert line.endswith("one run writes it at a time: start again when that one has finished")

    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED

    # the next writer marks the killed run failed, and the rerun recovers
    third = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert third.returncode == 0, third.stderr
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    assert read(
        tmp_path / "published.duckdb",
        "select call_id from marts.fct_call_scores order by 1",
    ) == [("c1",), ("c2",), ("c4",), ("c6",), ("c7",)]
    assert json.loads(lock.read_text())["runs"] == []


def test_a_folder_is_switched_whole_while_readers_read(tmp_path):
    """While versions are switched in, a page is never missing or half written, and a
    reader that resolved the folder once reads one version's pages (the previous version
    is kept for it); older versions are removed."""
    target = tmp_path / "2026-Q3"
    switch_folder(target, lambda folder: write_pages(folder, 0))
    seen: list[tuple[str, str]] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                assert (target / "rep.html").read_text().isdigit()
                folder = target.resolve()
                seen.append(
                    ((folder / "index.html").read_text(), (folder / "rep.html").read_text())
                )
            except Exception as error:  # noqa: BLE001 - reported by the test below
                errors.append(error)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for number in range(1, 41):
            switch_folder(target, lambda folder, n=number: write_pages(folder, n))
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert len(seen) > 40
    assert all(index == rep for index, rep in seen)
    assert (target / "index.html").read_text() == "40"
    versions = sorted((tmp_path / ".versions" / "2026-Q3").iterdir())
    assert len(versions) == 2
    assert target.resolve() in versions


def write_pages(folder, number: int) -> None:
    (folder / "index.html").write_text(str(number))
    time.sleep(0.05)  # a version takes a while to write; a reader's read does not
    (folder / "rep.html").write_text(str(number))
