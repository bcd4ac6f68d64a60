"""The publish step: BI tools read a separate file, replaced only by a checked partition."""

import shutil
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

import assets.ingest
from tests.helpers import SMALL_LANDING, materialize_cycle

PARTITION, CYCLE = "2026-07-01", "2026-Q3"


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("publish_landing")
    shutil.copytree(SMALL_LANDING, folder, dirs_exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def published(environment, landing, tmp_path_factory):
    path = tmp_path_factory.mktemp("published") / "published.duckdb"
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    environment["patch"].setenv("ASSESSMENT_PUBLISHED", str(path))
    assert materialize_cycle(PARTITION).success
    return path


def published_rows(path, sql):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_published_file_holds_the_checked_cycle(environment, published):
    calls = published_rows(
        published, f"select call_id from marts.fct_call_scores where cycle = '{CYCLE}' order by 1"
    )
    assert calls == [("c1",), ("c2",), ("c4",), ("c6",), ("c7",)]
    with duckdb.connect(str(environment["warehouse"]), read_only=True) as con:
        warehouse = con.execute(
            "select * from marts.fct_rep_scorecards where cycle = $c order by rep_id",
            {"c": CYCLE},
        ).fetchall()
    assert warehouse == published_rows(
        published, f"select * from marts.fct_rep_scorecards where cycle = '{CYCLE}' order by 1"
    )
    assert published_rows(published, "select cycle from marts.published_cycles") == [(CYCLE,)]


def test_a_failed_gate_leaves_the_published_partition_untouched(
    environment, landing, published, monkeypatch
):
    before = published.read_bytes()
    with (landing / "calls.csv").open("a") as calls:
        calls.write("c10,r3,2026-09-02T08:00:00+00:00,500,\n")
    real_ingest = assets.ingest.ingest_kind

    def ingest_then_corrupt(con, kind, *args, **kwargs):
        counts = real_ingest(con, kind, *args, **kwargs)
        if kind == "calls":  # a duplicate key slips into raw.calls: the GX check must stop it
            con.execute("insert into raw.calls select * from raw.calls where call_id = 'c1'")
        return counts

    monkeypatch.setattr(assets.ingest, "ingest_kind", ingest_then_corrupt)
    result = materialize_cycle(PARTITION)
    assert not result.success
    failed = [
        evaluation for evaluation in result.get_asset_check_evaluations() if not evaluation.passed
    ]
    assert [str(e.asset_key.to_user_string()) for e in failed] == ["raw/calls"]
    assert failed[0].metadata["failing_rows"].value == 2
    assert published.read_bytes() == before

    monkeypatch.setattr(assets.ingest, "ingest_kind", real_ingest)
    assert materialize_cycle(PARTITION).success
    calls = published_rows(
        published, f"select count(*) from marts.fct_call_scores where cycle = '{CYCLE}'"
    )
    assert calls == [(6,)]


def test_readers_query_while_a_run_writes(environment, published, tmp_path):
    """A reader process holding the published file open, and one reconnecting, both keep
    answering while the same partition is materialised, and never see half a partition."""
    log = tmp_path / "reader.log"
    reader = textwrap.dedent(
        f"""
        import time, duckdb
        held = duckdb.connect({str(published)!r}, read_only=True)
        sql = "select count(*) from marts.fct_call_scores where cycle = '{CYCLE}'"
        end = time.time() + 25
        with open({str(log)!r}, "w") as out:
            while time.time() < end:
                fresh = duckdb.connect({str(published)!r}, read_only=True)
                out.write(f"{{held.execute(sql).fetchone()[0]}} "
                          f"{{fresh.execute(sql).fetchone()[0]}}\\n")
                out.flush()
                fresh.close()
                time.sleep(0.05)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", reader])
    time.sleep(1.5)
    assert materialize_cycle(PARTITION).success
    assert process.wait(timeout=60) == 0
    answers = [line.split() for line in log.read_text().splitlines()]
    assert len(answers) > 20
    assert {value for pair in answers for value in pair} == {"6"}
