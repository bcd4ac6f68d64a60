"""The floor of issue 31 (bench/floor.py): on the small fixture landing its scores and
priorities equal the product's, row for row."""

from __future__ import annotations

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
