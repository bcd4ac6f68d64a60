"""The floor of issue 31 (bench/floor.py): on the small fixture landing its scores and
priorities equal the product's, row for row."""

from __future__ import annotations

import shutil

import pytest

from bench.floor import Floor, compare
from tests.helpers import FIXTURE_PARTITION, SMALL_LANDING, assess_landing


@pytest.fixture(scope="module")
def warehouse(environment):
    return assess_landing(environment, SMALL_LANDING)


def test_floor_equals_the_product(warehouse, tmp_path):
    floor = Floor(SMALL_LANDING, FIXTURE_PARTITION, tmp_path, SMALL_LANDING / "method.yaml")
    seconds = floor.run(warehouse)
    assert set(seconds) >= {"ingest_utterances", "auto_scores", "marts", "reports"}
    results = compare(floor, warehouse)
    assert {"call scores", "rep scorecards", "priorities", "evidence moments"} <= set(results)
    assert {what: differ for what, (_, differ) in results.items() if differ} == {}
    priorities = floor.con.execute("select count(*) from priorities").fetchone()[0]
    assert priorities > 0 and results["priorities"][0] == priorities
    assert len(list((tmp_path / "reports").glob("*.html"))) == 3


def test_the_floor_keeps_the_first_row_of_a_repeated_key(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SMALL_LANDING, landing)
    with (landing / "utterances.csv").open("a", encoding="utf-8") as file:
        file.write("c1,1,0,4000,rep,A later copy of the first line.\n")
    floor = Floor(landing, FIXTURE_PARTITION, tmp_path / "floor", landing / "method.yaml")
    floor.run()
    rows = floor.con.execute(
        "select text, count(*) over () from utterances where call_id = 'c1' and seq = 1"
    ).fetchall()
    assert rows == [("Hi, thanks for joining.", 1)]
