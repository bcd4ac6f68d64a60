"""The Dagster jobs on Spark, checked against DuckDB (`make test-spark`).

A small generated company (demo data, one quarter and the months after it) is assessed
twice by the same Dagster jobs (assess_cycle, followup_cycle, monthly_checkin, materialised
in process): once with the engine resource on DuckDB, once on Spark (the automated scorer
in Spark SQL over the raw Parquet, dbt-spark's session method on a local Spark, the marts
collected back for the statistics, checks, reports and publish). Then the automated
scores are compared row by row, every dbt mart in the manifest (every dbt model of schema
marts) as Spark's metastore holds it is compared with DuckDB's, and every mart of the Spark
run's warehouse (the collected dbt marts and the marts the Python steps wrote from them)
with the DuckDB run's: table by table and row by row, ordered by its key: the same
columns, the same row count, numbers equal to 1e-9, text exactly (a JSON text column is
compared as JSON, its numbers to 1e-9), timestamps to the microsecond.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.helpers import ROOT

pytest.importorskip("pyspark", reason="the spark extra: pip install -e '.[spark]'")
pytestmark = pytest.mark.spark

QUARTER = "2026-04-01"  # cycle 2026-Q2
MONTH = "2026-07-01"  # its first check-in month, 2026-07
TOLERANCE = 1e-9


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """Both engines' runs of the same cycle and month: the DuckDB run's warehouse, the
    Spark run's warehouse and raw Parquet, and a Spark session over the tables dbt-spark
    wrote."""
    folder = tmp_path_factory.mktemp("spark_vs_duckdb")
    landing = folder / "landing"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "salesassess.demo.data",
            "--out",
            str(landing),
            "--seed",
            "11",
            "--reps",
            "10",
            "--quarters",
            "1",
            "--calls-per-rep",
            "24",
            "--last-quarter",
            QUARTER,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    _add_personal_data(landing / "utterances.parquet")
    (folder / "method.yaml").write_text("learned_scorer_enabled: false\n")
    runs, checks = {}, {}
    for engine in ("duckdb", "spark"):
        home = folder / engine
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {
                "DAGSTER_HOME": home / "dagster_home",
                "ASSESSMENT_LANDING_DIR": landing,
                "ASSESSMENT_WAREHOUSE": home / "warehouse.duckdb",
                "ASSESSMENT_PUBLISHED": home / "published.duckdb",
                "ASSESSMENT_REPORTS_DIR": home / "reports",
                "ASSESSMENT_TODAY": "2026-12-31",
                "ASSESSMENT_ENGINE": engine,
                "ASSESSMENT_CONFIG": folder / "method.yaml",
            }.items():
                patch.setenv(name, str(value))
            for name in ("ASSESSMENT_RAW_PARQUET_DIR", "ASSESSMENT_SPARK_HOME"):
                patch.delenv(name, raising=False)
            (home / "dagster_home").mkdir(parents=True)
            started = time.perf_counter()
            checks[engine] = _assess()
            print(f"{engine}: the three jobs in {time.perf_counter() - started:.1f} s")
        runs[engine] = home
    session = _spark_session(runs["spark"] / "spark")
    try:
        yield {
            "warehouse": runs["duckdb"] / "warehouse.duckdb",
            "spark_warehouse": runs["spark"] / "warehouse.duckdb",
            "raw_parquet": runs["spark"] / "raw_parquet",
            "spark": session,
            "checks": checks,
            "landing": landing,
        }
    finally:
        session.stop()


# Personal data said in every third utterance, so that the excerpts' redaction (regular
# expressions: RE2 on DuckDB, Java's on Spark) is compared too.
PERSONAL_DATA = (
    " Call me on +1 (415) 555-0100 or 415.555.0199, jane.doe+sales@example.co.uk,",
    " card 4111 1111 1111 1111 or 5500-0000-0000-0004, ref 12345.",
)


def _add_personal_data(utterances: Path) -> None:
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * replace (case when seq % 3 = 0 then text || ? || ? else text end "
            f"as text) from '{utterances}') to '{utterances}.new' (format parquet)",
            list(PERSONAL_DATA),
        )
    Path(f"{utterances}.new").replace(utterances)


def _assess() -> dict[str, dict]:
    """The three jobs of the quarter and its first check-in month, on the engine that
    ``ASSESSMENT_ENGINE`` names (the resources read it when the definitions are built);
    the quality checks' results, per checked asset."""
    from orchestration.checkin_definitions import build_checkin_definitions
    from orchestration.checks import CHECK_NAME
    from orchestration.definitions import build_definitions

    definitions = build_definitions()
    checks = {}
    for job in ("assess_cycle", "followup_cycle"):
        result = definitions.resolve_job_def(job).execute_in_process(partition_key=QUARTER)
        assert result.success, job
        for evaluation in result.get_asset_check_evaluations():
            if evaluation.check_name == CHECK_NAME:
                metadata = {key: value.value for key, value in evaluation.metadata.items()}
                checks[evaluation.asset_key.to_user_string()] = {
                    "passed": evaluation.passed,
                    **{key: metadata[key] for key in ("failing_rows", "rows_checked", "engine")},
                    "expectations": metadata["expectations"],
                }
    checkins = build_checkin_definitions().resolve_job_def("monthly_checkin")
    assert checkins.execute_in_process(partition_key=MONTH).success
    return checks


def _spark_session(spark_home: Path):
    from pyspark.sql import SparkSession

    home = spark_home.resolve()
    return (
        SparkSession.builder.master("local[2]")
        .appName("test_spark")
        .config("spark.sql.warehouse.dir", str(home / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={home}")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .enableHiveSupport()
        .getOrCreate()
    )


def mart_specs() -> list[tuple[str, list[str], str]]:
    """Every dbt model of schema marts in the manifest: its name, its key (the columns of
    its unique_combination test, else every non-float column) and its partition column."""
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    keys: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        metadata = node.get("test_metadata") or {}
        if node["resource_type"] == "test" and metadata.get("name") == "unique_combination":
            model = node["attached_node"]
            keys[model] = metadata["kwargs"].get("columns") or keys.get(model, [])
    specs = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "model" and node["schema"] == "marts":
            partition = "month" if "checkin" in node["tags"] else "cycle"
            specs.append((node["name"], keys.get(unique_id, []), partition))
    return sorted(specs)


SPECS = mart_specs()


def test_every_mart_is_compared():
    """The comparison below covers the marts of all three jobs (assessment, follow-up,
    check-in), read from the manifest: none is left out by a hard-coded list."""
    names = {name for name, _, _ in mart_specs()}
    assert {"fct_call_scores", "fct_rescore_deltas", "fct_monthly_checkins"} <= names
    assert len(names) >= 13


def test_redaction_is_exercised(engines):
    with duckdb.connect(str(engines["warehouse"]), read_only=True) as con:
        excerpts = [
            e for (e,) in con.execute("select excerpt from marts.fct_coaching_evidence").fetchall()
        ]
    redacted = [e for e in excerpts if e and "[phone]" in e and "[email]" in e and "[card]" in e]
    assert redacted and not any("555-0100" in e or "@example" in e for e in excerpts if e)


def python_marts() -> list[str]:
    """The marts the Python steps write (the marts source of the dbt project)."""
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    return sorted(
        node["name"] for node in manifest["sources"].values() if node["source_name"] == "marts"
    )


PYTHON_MARTS = python_marts()


def test_auto_scores_are_the_same_on_spark_and_duckdb(engines):
    """The automated scorer run on Spark, in the Dagster jobs, gives every call of the
    cycle, its follow-up and its check-in month the same score, evidence moment, evidence
    text and reason as on DuckDB (and the marts below are built from Spark's)."""
    with duckdb.connect(str(engines["warehouse"]), read_only=True) as con:
        labels = [
            label
            for (label,) in con.execute(
                "select distinct cycle from raw.auto_scores order by 1"
            ).fetchall()
        ]
    assert labels == ["2026-07-checkin", "2026-Q2", "2026-Q2-followup"]
    for label in labels:
        file = engines["raw_parquet"] / "auto_scores" / f"{label}.parquet"
        with duckdb.connect() as con:
            (writer,) = con.execute(
                f"select created_by from parquet_file_metadata('{file}')"
            ).fetchone()
            assert not writer.startswith("DuckDB"), (label, writer)
            spark_rows = _rows(con, f"select * from '{file}' order by call_id, criterion_id")
        with duckdb.connect(str(engines["warehouse"]), read_only=True) as con:
            duck_rows = _rows(
                con,
                f"select * from raw.auto_scores where cycle = '{label}' "
                "order by call_id, criterion_id",
            )
        if label == "2026-Q2":
            assert len(duck_rows) > 100
            assert {r["score"] for r in duck_rows} >= {1.0, 2.0, 3.0}
        assert len(spark_rows) == len(duck_rows), label
        differences = [
            f"{label} {d['call_id']} {d['criterion_id']} {column}: duckdb {d[column]!r} != "
            f"spark {s[column]!r}"
            for d, s in zip(duck_rows, spark_rows, strict=True)
            for column in d
            if not same_value(d[column], s.get(column))
        ]
        assert not differences, f"{len(differences)} values differ\n" + "\n".join(differences[:20])


def test_an_empty_window_is_scored_on_spark_and_handed_to_the_learned_scorer(engines, tmp_path):
    """A follow-up window without a transcript (the export ends with the quarter): Spark
    writes empty scores and signal counts with their columns, DuckDB loads them, and the
    learned scorer's window step says there is nothing to score."""
    from orchestration.assessment_engine import load_auto_scores
    from salesassess.method.rubric import cycle_rubric_file
    from salesassess.scoring.auto_scorer import OUTPUT_COLUMNS
    from salesassess.scoring.learned_scorer import LearnedSettings, score_window_with_cycle_models
    from salesassess.scoring.scorer_spec import load_scorer
    from salesassess.scoring.spark import score_on_spark

    raw = tmp_path / "raw"
    shutil.copytree(engines["raw_parquet"], raw)
    label, before = "2026-Q4-followup", dt.date(2027, 1, 31)  # no utterance carries it
    scored = score_on_spark(
        engines["spark"], raw, label, before, engines["landing"], signal_counts=True
    )
    assert scored == {"calls": 0, "rows": 0}
    spec = load_scorer(cycle_rubric_file(engines["landing"], before))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        assert load_auto_scores(con, raw / "auto_scores" / f"{label}.parquet", label) == 0
        counts = raw / "_signal_counts" / f"{label}.parquet"
        con.execute(f"create temp table _counts as select * from '{counts}'")
        columns = [row[0] for row in con.execute("describe _counts").fetchall()]
        assert columns == ["call_id", *(f"n{i}" for i in range(len(spec.signals)))]
        assert con.execute("select count(*) from _counts").fetchone() == (0,)
        report = score_window_with_cycle_models(
            con, spec, label, "2026-Q4", LearnedSettings(), signal_counts_table="_counts"
        )
        assert report["criteria"] == [] and report["reason"] == (
            f"the rules score every criterion of 2026-Q4 under rubric version {spec.rubric_version}"
        )
        assert [row[0] for row in con.execute("describe raw.auto_scores").fetchall()] == [
            name for name, _ in OUTPUT_COLUMNS
        ]


def test_quality_checks_run_on_spark_with_the_same_results(engines):
    """The quality checks of the Spark run evaluated their suites in Spark SQL (the raw
    tables over the Parquet the ingestion wrote, the marts in the metastore) and found what
    the DuckDB run found: the same verdicts, rows checked and expectations."""
    duck, spark = engines["checks"]["duckdb"], engines["checks"]["spark"]
    assert sorted(duck) == sorted(spark) == sorted(CHECKED_ASSETS)
    with duckdb.connect(str(engines["warehouse"]), read_only=True) as con:
        (calls,) = con.execute("select count(*) from raw.calls where cycle = '2026-Q2'").fetchone()
    assert duck["raw/calls"]["rows_checked"] == calls > 100
    for asset in duck:
        assert duck[asset]["engine"] == "duckdb"
        assert spark[asset] == {**duck[asset], "engine": "spark"}, asset
        assert duck[asset]["passed"], asset


CHECKED_ASSETS = [
    "raw/rubric_criteria",
    "raw/reps",
    "raw/calls",
    "raw/utterances",
    "raw/scores",
    "raw/opportunities",
    "marts/fct_call_scores",
    "marts/fct_rep_scorecards",
]
# Faults planted in a copy of the DuckDB run's cycle, and what each raw table's suite must
# find: (rule, failing rows) of every failed rule.
FAULTS = (
    # a call twice: both rows fail the key
    "insert into raw.calls select * from raw.calls where cycle = '2026-Q2' "
    "and call_id = (select min(call_id) from raw.calls where cycle = '2026-Q2')",
    # a score of 9 on the 1..5 scale, and a load log that lost a row
    "insert into raw.scores select * replace (9.0 as score, 'h9' as scorer_id) from raw.scores "
    "where cycle = '2026-Q2' and rowid = (select min(rowid) from raw.scores "
    "where cycle = '2026-Q2')",
    "update raw.load_log set rows_read = rows_read + 1 where cycle = '2026-Q2' and kind = 'scores'",
    # three transcript lines ending before they start, one with an unknown speaker
    "update raw.utterances set end_ms = start_ms - 1 where cycle = '2026-Q2' and rowid in "
    "(select rowid from raw.utterances where cycle = '2026-Q2' order by rowid limit 3)",
    "update raw.utterances set speaker_role = 'robot' where cycle = '2026-Q2' and rowid = "
    "(select max(rowid) from raw.utterances where cycle = '2026-Q2')",
    # an opportunity won but not closed, and one owned by nobody known
    "update raw.opportunities set is_closed = false, is_won = true where cycle = '2026-Q2' "
    "and rowid = (select min(rowid) from raw.opportunities where cycle = '2026-Q2')",
    "update raw.opportunities set owner_rep_id = 'nobody' where cycle = '2026-Q2' "
    "and rowid = (select max(rowid) from raw.opportunities where cycle = '2026-Q2')",
    # a rep without a name; a criterion's weight raised, so the version sums to 110
    "update raw.reps set rep_name = null where cycle = '2026-Q2' and rowid = "
    "(select min(rowid) from raw.reps where cycle = '2026-Q2')",
    "update raw.rubric_criteria set weight = weight + 10 where cycle = '2026-Q2' and rowid = "
    "(select min(rowid) from raw.rubric_criteria where cycle = '2026-Q2')",
)
FOUND = {
    "raw.calls": {"call_id_unique": 2},
    "raw.scores": {"score_within_scale_v1": 1, "load_log_reconciles": 1},
    "raw.utterances": {"end_not_before_start": 3, "speaker_role_known": 1},
    "raw.opportunities": {"won_implies_closed": 1, "owner_rep_id_known": 1},
    "raw.reps": {"rep_name_not_null": 1},
    "raw.rubric_criteria": {"weights_sum_to_100": 1},
}


def test_a_broken_partition_fails_the_same_rules_on_spark(engines, tmp_path):
    """Faults planted in every raw table: GX on Spark (dataframes of Spark SQL over the
    Parquet) finds each, with the same failing rows, observed values, example rows and
    verdict as GX on DuckDB over the warehouse."""
    from salesassess.engines.spark import export_raw_parquet
    from salesassess.method.calendar import cycle_window
    from salesassess.quality.spark import check_on_spark
    from salesassess.quality.validation import run_quality

    broken = tmp_path / "broken.duckdb"
    shutil.copy(engines["warehouse"], broken)
    with duckdb.connect(str(broken)) as con:
        for fault in FAULTS:
            con.execute(fault)
    export_raw_parquet(broken, tmp_path / "raw")
    window = cycle_window(QUARTER)
    for table, found in FOUND.items():
        duck = run_quality(broken, table, window)
        spark = check_on_spark(
            engines["spark"], tmp_path / "raw", table, window, tmp_path / "spark.gx"
        )
        failed = {outcome.rule: outcome.failing_rows for outcome in duck.failed}
        assert failed == found, table
        assert spark.engine == "spark"
        # GX's result files and pages: the DuckDB run's beside its warehouse, Spark's in
        # the folder it was given
        assert all(
            Path(file).is_file() for file in duck.validation_results + spark.validation_results
        )
        assert Path(spark.data_docs).is_relative_to(tmp_path / "spark.gx" / "data_docs")
        same = {"engine": "duckdb", "data_docs": duck.data_docs}
        same["validation_results"] = duck.validation_results
        assert dataclasses.replace(spark, **same) == duck, table


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.parametrize(("mart", "key", "partition"), SPECS, ids=[s[0] for s in SPECS])
def test_mart_is_the_same_on_spark_and_duckdb(engines, mart, key, partition):
    """Every dbt mart as the Spark run left it in Spark's metastore."""
    value = "2026-07" if partition == "month" else "2026-Q2"
    sql = f"select * from marts.{mart} where {partition} = '{value}'"
    with duckdb.connect(str(engines["warehouse"]), read_only=True) as con:
        duck_rows = _rows(con, sql)
    frame = engines["spark"].sql(sql)
    spark_rows = [row.asDict() for row in frame.collect()]
    assert_same_rows(mart, duck_rows, spark_rows, frame.columns, key)


@pytest.mark.parametrize("mart", [name for name, _, _ in SPECS] + PYTHON_MARTS)
def test_warehouse_mart_is_the_same_on_spark_and_duckdb(engines, mart):
    """Every mart of the Spark run's warehouse, where the statistics, checks, reports and
    publish step read them: the dbt marts collected from Spark, and the marts the Python
    steps computed from them."""
    keys = {name: key for name, key, _ in SPECS}
    sql = f"select * from marts.{mart}"
    with duckdb.connect(str(engines["warehouse"]), read_only=True) as con:
        duck_rows = _rows(con, sql)
    with duckdb.connect(str(engines["spark_warehouse"]), read_only=True) as con:
        cursor = con.execute(sql)
        columns = [c[0] for c in cursor.description]
        spark_rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    assert_same_rows(mart, duck_rows, spark_rows, columns, keys.get(mart, []))


def test_published_file_is_the_same_on_spark_and_duckdb(engines):
    """The publish step wrote the BI-facing copy from the Spark run's marts: the same
    tables with the same row counts as the DuckDB run's."""
    counts = {}
    for engine in ("warehouse", "spark_warehouse"):
        published = engines[engine].parent / "published.duckdb"
        with duckdb.connect(str(published), read_only=True) as con:
            tables = con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' and table_name != 'published_cycles' order by 1"
            ).fetchall()
            counts[engine] = {
                t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for (t,) in tables
            }
    assert len(counts["warehouse"]) >= 13 and all(counts["warehouse"].values())
    assert counts["spark_warehouse"] == counts["warehouse"]


def assert_same_rows(mart, duck_rows, other_rows, other_columns, key) -> None:
    """The same columns, row count and values (``same_value``), rows ordered by ``key``
    (else by every non-float column)."""
    assert duck_rows, f"{mart}: no rows on DuckDB: the comparison would be empty"
    duck_columns = list(duck_rows[0])
    assert sorted(other_columns) == sorted(duck_columns), f"{mart}: columns differ"
    assert len(other_rows) == len(duck_rows), (
        f"{mart}: {len(other_rows)} rows on Spark, {len(duck_rows)} on DuckDB"
    )
    order = key or [c for c in duck_columns if c not in _float_columns(duck_rows)]
    differences = []
    for duck_row, spark_row in zip(
        sorted(duck_rows, key=lambda r: _sort_key(r, order)),
        sorted(other_rows, key=lambda r: _sort_key(r, order)),
        strict=True,
    ):
        for column in duck_columns:
            if not same_value(duck_row[column], spark_row[column]):
                where = ", ".join(f"{c}={duck_row[c]!r}" for c in order[:3])
                differences.append(
                    f"  {where}: {column}: duckdb {duck_row[column]!r} != spark "
                    f"{spark_row[column]!r}"
                )
    assert not differences, f"{mart}: {len(differences)} values differ\n" + "\n".join(
        differences[:20]
    )


def _float_columns(rows: list[dict]) -> set[str]:
    return {c for row in rows for c, v in row.items() if isinstance(v, float)}


def _sort_key(row: dict, columns: list[str]) -> tuple:
    return tuple((row[c] is None, "" if row[c] is None else str(row[c])) for c in columns)


def same_value(duck, spark) -> bool:
    """One value on both engines: numbers to 1e-9, JSON text as JSON, other text exactly,
    instants to the microsecond."""
    if duck is None or spark is None:
        return duck is None and spark is None
    if isinstance(duck, bool) or isinstance(spark, bool):
        return type(duck) is type(spark) and duck == spark
    if isinstance(duck, int | float | Decimal) and isinstance(spark, int | float | Decimal):
        return math.isclose(float(duck), float(spark), rel_tol=0, abs_tol=TOLERANCE)
    if isinstance(duck, dt.datetime) and isinstance(spark, dt.datetime):
        # DuckDB gives an aware UTC instant; pyspark a naive one in the process's zone
        return round(duck.timestamp() * 1e6) == round(spark.timestamp() * 1e6)
    if isinstance(duck, str) and isinstance(spark, str):
        if duck == spark:
            return True
        return _same_json(duck, spark)
    return type(duck) is type(spark) and duck == spark


def _same_json(duck: str, spark: str) -> bool:
    try:
        left, right = json.loads(duck), json.loads(spark)
    except ValueError:
        return False
    if not isinstance(left, dict) or not isinstance(right, dict):
        return False
    return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)


def test_same_value_rules():
    assert same_value(1.0, 1.0 + 1e-12)
    assert not same_value(1.0, 1.0 + 1e-8)
    assert same_value(3, 3.0)
    assert not same_value("a", "a ")
    assert same_value('{"a":3.3333333333333335}', '{"a":3.333333333333333}')
    assert not same_value('{"a":1}', '{"b":1}')
    assert not same_value(True, 1)
    assert same_value(None, None) and not same_value(None, 0)
    utc = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    assert same_value(utc, utc.astimezone().replace(tzinfo=None))
