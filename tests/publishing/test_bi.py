"""What BI tools read: the published file opened by an older DuckDB client, the marts as
Parquet, the dimensions; and reruns on identical inputs that give identical marts."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from datetime import date

import duckdb
import pyarrow.parquet as pq
import pytest

from assets.publish import ASSESSMENT_MARTS
from tests.helpers import ROOT, SMALL_LANDING, materialize_cycle

PARTITION, CYCLE = "2026-07-01", "2026-Q3"
BI_PYTHON = ROOT / ".venv-bi" / "bin" / "python"
# columns that record when a run wrote a row, not what it computed
RUN_TIMES = {"published_at", "loaded_at", "quarantined_at", "scored_at_run", "computed_at"}


def snapshot(path) -> dict[str, list[tuple]]:
    """Every table of ``marts``, its rows in one order, run-time columns left out."""
    tables = {}
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
        for (table,) in names:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_schema = "
                    "'marts' and table_name = $t order by ordinal_position",
                    {"t": table},
                ).fetchall()
                if row[0] not in RUN_TIMES
            ]
            listed = ", ".join(f'"{column}"' for column in columns)
            tables[table] = con.execute(
                f"select {listed} from marts.{table} order by all"
            ).fetchall()
    return tables


@pytest.fixture(scope="module")
def runs(environment, tmp_path_factory):
    """Two runs of the cycle on one landing, where rep r1's id is ``index``."""
    landing = tmp_path_factory.mktemp("bi_landing")
    shutil.copytree(SMALL_LANDING, landing, dirs_exist_ok=True)
    for name in ("reps.csv", "calls.csv", "opportunities.csv"):
        path = landing / name
        path.write_text(re.sub(r"\br1\b", "index", path.read_text()))
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    subprocess.run(["make", "-s", "bi-client"], cwd=ROOT, check=True)
    warehouse = environment["warehouse"]
    published = warehouse.with_name("published.duckdb")
    result = []
    for _ in range(2):
        assert materialize_cycle(PARTITION).success
        result.append((snapshot(warehouse), snapshot(published)))
    return {"snapshots": result, "published": published, "folder": warehouse.parent}


def test_two_identical_runs_give_identical_marts(runs):
    (warehouse_1, published_1), (warehouse_2, published_2) = runs["snapshots"]
    assert sorted(warehouse_1) == sorted(warehouse_2)
    assert set(warehouse_1) == set(ASSESSMENT_MARTS)  # the assessment's marts, dimensions too
    for table, rows in warehouse_1.items():
        assert rows == warehouse_2[table], table  # floats equal to the last bit
    for table, rows in published_1.items():
        assert rows == published_2[table], table
    assert warehouse_1["fct_criterion_win_correlation"]
    assert warehouse_1["fct_weight_calibration"]


OLD_CLIENT = """
import json, sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
out = {"version": duckdb.__version__}
for table in ("dim_reps", "dim_managers", "dim_criteria", "dim_criterion_anchors",
              "fct_rep_scorecards"):
    out[table] = con.execute(f"select * from marts.{table} order by all").fetchall()
print(json.dumps(out, default=str))
"""


def test_an_older_duckdb_client_opens_the_published_file(runs):
    done = subprocess.run(
        [str(BI_PYTHON), "-c", OLD_CLIENT, str(runs["published"])],
        capture_output=True,
        text=True,
        check=True,
    )
    read = json.loads(done.stdout)
    assert read["version"] == "1.1.3"
    # the fixture's reps (r1 renamed index): no manager names, so the id; team t; active
    assert read["dim_reps"] == [
        ["index", CYCLE, "Ana Silva", "m1", "m1", "t", True],
        ["r2", CYCLE, "Ben Okafor", "m1", "m1", "t", True],
        ["r3", CYCLE, "Chen Li", "m2", "m2", "t", True],
    ]
    assert read["dim_managers"] == [
        ["m1", CYCLE, "m1", "t", 1, 2],
        ["m2", CYCLE, "m2", "t", 1, 1],
    ]
    # the fixture's rubric: four criteria weighted 40/30/20/10 on a 1-5 scale
    assert read["dim_criteria"] == [
        [criterion, "1", CYCLE, "fixture", "2020-01-01", position, name, "", weight, 1, 5, True]
        for position, (criterion, name, weight) in enumerate(
            [
                ("a", "Criterion A", 40),
                ("b", "Criterion B", 30),
                ("c", "Criterion C", 20),
                ("d", "Criterion D", 10),
            ],
            start=1,
        )
    ]
    assert read["dim_criterion_anchors"] == [
        [criterion, "1", level, CYCLE, f"{criterion}{level}"]
        for criterion in "abcd"
        for level in range(1, 6)
    ]
    with duckdb.connect(str(runs["published"]), read_only=True) as con:
        scorecards = con.execute("select * from marts.fct_rep_scorecards order by all").fetchall()
    assert [len(row) for row in read["fct_rep_scorecards"]] == [len(row) for row in scorecards]
    assert [row[0] for row in read["fct_rep_scorecards"]] == ["index", "r2", "r3"]


def test_the_marts_are_published_as_parquet_one_folder_per_mart(runs):
    folder = runs["folder"] / "published_parquet"
    assert folder.is_symlink()
    versions = runs["folder"] / ".versions" / "published_parquet"
    # every publish writes a version; the one before the current is kept for readers
    assert len(list(versions.iterdir())) == 2
    assert sorted(p.name for p in (folder / "fct_rep_scorecards").iterdir()) == [f"cycle={CYCLE}"]
    table = pq.read_table(folder / "fct_rep_scorecards", partitioning="hive")
    with duckdb.connect(str(runs["published"]), read_only=True) as con:
        expected = con.execute(
            "select rep_id, cycle, weighted_score, n_scored_calls from marts.fct_rep_scorecards "
            "order by rep_id"
        ).fetchall()
        marts = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    rows = sorted(
        zip(
            *(
                table.column(name).to_pylist()
                for name in ("rep_id", "cycle", "weighted_score", "n_scored_calls")
            ),
            strict=True,
        )
    )
    assert rows == expected
    assert {p.name for p in folder.iterdir()} == marts
    dims = pq.read_table(folder / "dim_criteria", partitioning="hive")
    assert sorted(
        zip(dims.column("criterion_id").to_pylist(), dims.column("weight").to_pylist(), strict=True)
    ) == [
        ("a", 40),
        ("b", 30),
        ("c", 20),
        ("d", 10),
    ]
    assert dims.column("effective_from").to_pylist()[0] == date(2020, 1, 1)


def test_a_rep_whose_id_is_index_keeps_their_scorecard(runs):
    team = runs["folder"] / "reports" / CYCLE / "m1"
    page = team / f"index-{hashlib.sha1(b'index').hexdigest()[:8]}.html"
    assert sorted(p.name for p in team.iterdir()) == sorted(["index.html", page.name, "r2.html"])
    assert "Ana Silva" in page.read_text()
    assert f'href="{page.name}"' in (team / "index.html").read_text()
