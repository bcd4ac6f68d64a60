"""Rerun determinism (issue 32): identical input gives bit-identical float marts and
byte-identical Parquet, however many threads add the rows up.

Every sum and mean of doubles that reaches a mart goes through the macros of
``dbt_project/macros/stable_aggregates.sql`` (stable_avg, stable_sum), which add a group's
values in ascending order of the values. The tests render those macros as dbt does on
DuckDB (``default__``) and run them on 2,000,000 score rows (17 row groups of DuckDB's
122,880 rows, so the scan and the hash aggregate are split between threads), with 4
threads, several times:

* the stable aggregates give one result, bit for bit, on every run, and that result is
  the values' sum added in ascending order (computed in Python, independently);
* the plain ``avg`` on the same rows does not: measured on this data, 5 runs of plain avg
  gave 5 different lists of 2,000 means (up to 1.1e-12 apart on means near 1,670, 6.9e-16
  relatively), and 5 runs of the plain scorecard below 5 different weighted scores (up to
  5.6e-16 relatively); the stable macros gave 1 of 5 in both, at 0.4-0.7 s a run instead
  of 0.07-0.11 s;
* a mart built from those aggregates in two runs and exported by the publish step's
  ``export_parquet`` gives byte-identical Parquet files; the plain aggregate's do differ.

The warehouse and published DuckDB files themselves are not compared byte for byte: their
bytes hold the file's free-block list and the layout of the checkpoint, which depend on
the order threads flush blocks in, not on the data. What is guaranteed is their content
(every mart's rows, bit-identical) and the Parquet files.

The spark-marked test renders the ``spark__`` variants and runs them on local Spark over
the same values: the same additions in the same order, so Spark's result equals DuckDB's
bit for bit.
"""

from __future__ import annotations

import struct
from pathlib import Path

import duckdb
import jinja2
import pytest

from tests.helpers import ROOT

MACROS = ROOT / "dbt_project" / "macros" / "stable_aggregates.sql"
ROWS = 2_000_000
REPS = 2_000
RUNS = 5
THREADS = 4


def macros(engine: str):
    """The macro file's ``<engine>__stable_avg`` and ``<engine>__stable_sum``, rendered by
    Jinja as dbt renders them (dbt's dispatch picks ``default__`` on DuckDB)."""
    module = jinja2.Environment().from_string(MACROS.read_text(encoding="utf-8")).module
    return getattr(module, f"{engine}__stable_avg"), getattr(module, f"{engine}__stable_sum")


STABLE_AVG, STABLE_SUM = macros("default")


@pytest.fixture(scope="module")
def scores(tmp_path_factory) -> Path:
    """A warehouse file with 2,000,000 criterion scores of 2,000 reps on 5 criteria, each a
    third of an integer (not exact in binary, so the order of the additions shows)."""
    path = tmp_path_factory.mktemp("determinism") / "scores.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table scores as select i % $reps as rep_id, i % 5 as criterion_id, "
            "(((i * 7919) % 10007) + 1) / 3.0 as score, 10 + 5 * (i % 5) as weight "
            "from range($rows) t(i)",
            {"reps": REPS, "rows": ROWS},
        )
    return path


def mart_sql(avg, total) -> str:
    """A rep scorecard as fct_rep_scorecards builds it: the rep's criterion score is the mean
    of its scores, the weighted score the sum of criterion score x weight / 100."""
    return (
        "select rep_id, '2026-Q3' as cycle, "
        f"{total('rep_score * weight')} / 100.0 as weighted_score, "
        f"{avg('rep_score')} as mean_score from ("
        f"select rep_id, criterion_id, any_value(weight) as weight, {avg('score')} as rep_score "
        "from scores group by rep_id, criterion_id) group by rep_id"
    )


def bits(values) -> bytes:
    return struct.pack(f"<{len(values)}d", *values)


def runs(warehouse: Path, sql: str, times: int = RUNS) -> set[bytes]:
    """The distinct results (as bytes) of ``sql``'s first column over ``times`` runs, each
    in a fresh connection with THREADS threads."""
    seen = set()
    for _ in range(times):
        with duckdb.connect(str(warehouse), read_only=True) as con:
            con.execute(f"set threads = {THREADS}")
            rows = con.execute(f"select * from ({sql}) order by rep_id").fetchall()
        seen.add(
            b"".join(bits([value for value in row[1:] if isinstance(value, float)]) for row in rows)
        )
    return seen


def test_stable_aggregates_are_bit_identical_on_every_run(scores):
    per_rep = (
        f"select rep_id, {STABLE_AVG('score')} as mean, {STABLE_SUM('score * weight')} as total "
        "from scores group by rep_id"
    )
    assert len(runs(scores, per_rep)) == 1
    assert len(runs(scores, mart_sql(STABLE_AVG, STABLE_SUM))) == 1


def test_plain_aggregates_differ_on_the_same_rows(scores):
    """Why the macros exist: without an order, the same rows give different means."""
    plain = "select rep_id, avg(score) as mean from scores group by rep_id"
    assert len(runs(scores, plain)) > 1


def test_stable_aggregates_add_in_ascending_order(scores):
    with duckdb.connect(str(scores), read_only=True) as con:
        con.execute(f"set threads = {THREADS}")
        for rep in (0, 7, REPS - 1):
            values = [
                row[0]
                for row in con.execute(
                    "select score * weight from scores where rep_id = $rep", {"rep": rep}
                ).fetchall()
            ]
            expected = 0.0
            for value in sorted(values):
                expected += value
            got_avg, got_sum = con.execute(
                f"select {STABLE_AVG('score * weight')}, {STABLE_SUM('score * weight')} "
                "from scores where rep_id = $rep",
                {"rep": rep},
            ).fetchone()
            assert bits([got_sum, got_avg]) == bits([expected, expected / len(values)])
        assert con.execute(
            f"select {STABLE_AVG('score')}, {STABLE_SUM('score')} from scores where rep_id < 0"
        ).fetchone() == (None, None)


def published_parquet(scores: Path, folder: Path, sql: str) -> dict[str, bytes]:
    """One run: a published file with the scorecard mart built by ``sql`` and a mart of
    300,000 criterion scores (3 row groups), exported by the publish step."""
    from assets.publish import export_parquet

    folder.mkdir()
    published = folder / "published.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute(f"set threads = {THREADS}")
        con.execute(f"attach '{scores}' as source (read_only)")
        con.execute("create schema marts")
        con.execute(
            f"create table marts.fct_rep_scorecards as {sql.replace('scores', 'source.scores')}"
        )
        con.execute(
            "create table marts.fct_call_criterion_scores as select rep_id, criterion_id, "
            "'2026-Q3' as cycle, score from source.scores where rep_id < 300"
        )
    export_parquet(published, folder / "parquet")
    return {
        str(path.relative_to(folder / "parquet")): path.read_bytes()
        for path in sorted((folder / "parquet").rglob("*.parquet"))
    }


def test_parquet_of_two_runs_is_byte_identical(scores, tmp_path):
    """Both marts' files are the same bytes. The big one was not before the publish step
    wrote one plain copy per partition: copy's partition_by writes rows in the order its
    threads finish (measured: 500,000 rows of fct_call_criterion_scores, two exports of
    identical content, different row order and row groups of 122,880 + 123,168 + 8,192
    rows against 122,880 + 8,480)."""
    stable = mart_sql(STABLE_AVG, STABLE_SUM)
    first = published_parquet(scores, tmp_path / "run1", stable)
    second = published_parquet(scores, tmp_path / "run2", stable)
    assert list(first) == [
        "fct_call_criterion_scores/cycle=2026-Q3/data_0.parquet",
        "fct_rep_scorecards/cycle=2026-Q3/data_0.parquet",
    ]
    assert first == second
    with duckdb.connect() as con:
        path = tmp_path / "run1" / "parquet" / "fct_call_criterion_scores"
        assert (
            con.execute(
                f"select count(*), count(distinct row_group_id) from parquet_metadata('{path}/*/*')"
            ).fetchone()[1]
            == 3
        )
        # the partition value is in the folder name only, as copy's partition_by writes it
        assert con.execute(
            f"select count(*) filter (where name = 'cycle') from parquet_schema('{path}/*/*')"
        ).fetchone() == (0,)

    scorecards = "fct_rep_scorecards/cycle=2026-Q3/data_0.parquet"
    plain = mart_sql(lambda expr: f"avg({expr})", lambda expr: f"sum({expr})")
    exports = [published_parquet(scores, tmp_path / f"plain{run}", plain) for run in range(3)]
    assert len({export[scorecards] for export in exports}) > 1


@pytest.mark.spark
def test_spark_variants_equal_duckdb_bit_for_bit(scores):
    """The spark__ variants on local Spark: the same sums and means as DuckDB's, bit for
    bit, over 200,000 of the rows."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    spark_avg, spark_sum = macros("spark")
    query = (
        "select rep_id, {avg} as mean, {total} as total from scores "
        "where rep_id < 200 group by rep_id order by rep_id"
    )
    with duckdb.connect(str(scores), read_only=True) as con:
        rows = con.execute("select rep_id, score, weight from scores where rep_id < 200").fetchall()
        expected = con.execute(
            query.format(avg=STABLE_AVG("score"), total=STABLE_SUM("score * weight"))
        ).fetchall()
    spark = SparkSession.builder.master("local[2]").appName("determinism").getOrCreate()
    try:
        frame = spark.createDataFrame(rows, "rep_id long, score double, weight long")
        frame.repartition(8).createOrReplaceTempView("scores")
        got = spark.sql(
            query.format(avg=spark_avg("score"), total=spark_sum("score * weight"))
        ).collect()
    finally:
        spark.stop()
    assert [tuple(row) for row in got] == expected
    assert bits([v for row in got for v in row[1:]]) == bits(
        [v for row in expected for v in row[1:]]
    )
