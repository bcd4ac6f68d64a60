"""Great Expectations on DuckDB: the engine fix against the pinned GX, what GX sends to the
warehouse, the Data Docs read offline in Chromium, and the demo's planted fault.

The warehouse is the small fixture's reps and calls of 2026-Q3, ingested for real
(c1 c2 c4 c6 c7 of r1 r2 r3); a call entered twice is the planted fault.
"""

import re
import subprocess
from pathlib import Path

import great_expectations as gx
import pytest
import sqlalchemy as sa
from great_expectations.expectations.registry import get_metric_provider
from PIL import Image

from salesassess.demo import planted_fault
from salesassess.engines.warehouse import connect
from salesassess.landing.ingest import ingest_kind
from salesassess.method.calendar import cycle_window
from salesassess.quality.data_docs import data_docs_dir, data_docs_index
from salesassess.quality.gx_duckdb import (
    DuckDBColumnValuesCountPerValue,
    DuckDBCompoundColumnsCount,
    DuckDBExecutionEngine,
)
from salesassess.quality.validation import run_quality
from tests.helpers import FIXTURE_PARTITION, SMALL_LANDING
from tests.publishing.test_browser import chromium

WINDOW = cycle_window(FIXTURE_PARTITION)
DUPLICATE = "insert into raw.calls select * from raw.calls where call_id = 'c1'"


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with connect(path) as con:
        for kind in ("reps", "calls"):
            ingest_kind(
                con, kind, SMALL_LANDING, cycle=WINDOW.cycle, start=WINDOW.start, end=WINDOW.end
            )
    return path


def test_gx_own_engine_reads_nothing_from_duckdb_and_the_fixed_one_reads_the_rows(tmp_path):
    """The upstream bug is still there in the pinned GX (when this fails, GX reads DuckDB
    results and gx_duckdb.py can go): its engine returns the result after giving the
    connection back, which empties DuckDB's pending result."""
    assert gx.__version__ == "1.24.1"
    url = f"duckdb:///{tmp_path / 'any.duckdb'}"
    query = sa.text("select 42 as answer union all select 43")
    plain = gx.execution_engine.SqlAlchemyExecutionEngine(connection_string=url)
    assert plain.execute_query(query).fetchall() == []
    fixed = DuckDBExecutionEngine(connection_string=url)
    result = fixed.execute_query(query)
    assert list(result.keys()) == ["answer"]
    assert result.fetchall() == [(42,), (43,)]
    plain.engine.dispose()
    fixed.engine.dispose()


def test_gx_sends_aggregates_bounded_queries_and_failing_rows_only(warehouse):
    """Every statement GX sends for the calls suite: an aggregate, a LIMIT query (example
    rows and values), an expect_no_unexpected_rows query (its failing rows, ordered: of the
    batch, or of the load_log files) or the batch's own query, whose column names GX reads
    (DuckDB computes its first rows only)."""
    with connect(warehouse) as con:
        con.execute(DUPLICATE)
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    try:
        result = run_quality(warehouse, "raw.calls", WINDOW)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)
    assert (result.check, result.failing_rows, result.rows_checked) == ("call_id_unique", 2, 6)
    frames = {
        "select cycle, call_id, rep_id, started_at, duration_s, opportunity_id, title, "
        "direction, source_file, source_row from raw.calls where cycle = '2026-Q3'",
    }
    kinds = {"aggregate": 0, "limit": 0, "failing rows": 0, "frame": 0, "session": 0}
    for statement in sent:
        lowered = statement.lower()
        if lowered.startswith(("select current_schema", "select version", "show ")):
            kinds["session"] += 1
        elif re.search(r"\blimit (\d+|\$\d+|\?)$", lowered):
            kinds["limit"] += 1
        elif re.search(r"\) f where coalesce\(.*, false\) order by ", lowered):
            kinds["failing rows"] += 1  # of the batch, or of the load_log (an aggregate frame)
        elif re.match(r"select (count|sum|max|min|avg)\(|select .*\b(count|sum)\(", lowered):
            kinds["aggregate"] += 1
        elif lowered.startswith("select cycle, call_id"):
            kinds["frame"] += 1
            assert any(statement.startswith(frame) for frame in frames)
        else:
            pytest.fail(f"GX sent an unexpected statement: {statement}")
    assert kinds["aggregate"] and kinds["limit"] and kinds["failing rows"]


def test_data_docs_read_offline_in_chromium(warehouse, tmp_path):
    """The partition's page, with the network cut off: the project's styles lay it out and
    write each status in words, a failure in red and a pass in green."""
    with connect(warehouse) as con:
        con.execute(DUPLICATE)
    result = run_quality(warehouse, "raw.calls", WINDOW)
    assert data_docs_index(warehouse).is_file()
    index = data_docs_index(warehouse).read_text()
    assert "raw.calls" in index and "2026-Q3" in index
    page = data_docs_dir(warehouse) / "data_docs" / "validations"
    assert result.data_docs.startswith(str(page))
    html = Path(result.data_docs).read_text()
    assert "(call_id) is unique within the cycle" in html
    assert 'class="fas fa-times text-danger"' in html  # the failed expectation's icon
    shot = tmp_path / "page.png"
    subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no internet: every CDN fails
            "--virtual-time-budget=5000",
            "--window-size=1400,3000",
            f"--screenshot={shot}",
            f"file://{result.data_docs}",
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    colours = Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 20)
    present = {colour for _, colour in colours}

    def near(target):
        return any(sum(abs(a - b) for a, b in zip(c, target, strict=True)) < 40 for c in present)

    assert near((0xB4, 0x23, 0x18))  # "✗ FAIL"
    assert near((0x1E, 0x7B, 0x34))  # "✓ pass"


def test_demo_plants_a_fault_that_gx_catches(warehouse, monkeypatch, capsys):
    monkeypatch.setenv("ASSESSMENT_WAREHOUSE", str(warehouse))
    before = warehouse.read_bytes()
    assert planted_fault.main(["--partition", FIXTURE_PARTITION]) == 0
    out = capsys.readouterr().out
    assert f"Data Docs of the demo's warehouse: {data_docs_index(warehouse)}" in out
    assert "Planted fault: call c1 of 2026-Q3 entered twice in raw.calls (a copy)" in out
    assert (
        "GX caught it: raw.calls 2026-Q3 failed call_id_unique "
        "(expect_column_values_to_be_unique(column='call_id')), 2 failing rows, e.g. call_id c1"
    ) in out
    (page,) = re.findall(r"its Data Docs page: (\S+)", out)
    copy = warehouse.with_name(planted_fault.COPY)
    assert page.startswith(str(data_docs_dir(copy))) and Path(page).is_file()
    assert warehouse.read_bytes() == before


def test_data_docs_views_compile_gx_templates_once_and_render_as_gx_does(warehouse, monkeypatch):
    """The site's views are GX's with a bytecode cache the process shares: a second view
    compiles none of GX's templates, and renders the page GX's own view renders."""
    import jinja2
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    from salesassess.quality.gx_views import CompiledOncePageView
    from salesassess.quality.validation import gx_context

    result = run_quality(warehouse, "raw.calls", WINDOW)
    context = gx_context(data_docs_dir(warehouse))
    file = result.validation_results[0]
    validation = context.validation_results_store.deserialize(Path(file).read_text())
    compiled = []
    original = jinja2.Environment.compile

    def counted(self, *args, **kwargs):
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)
    # a page's document is escaped in place as it renders: one document per page
    cached_page = CompiledOncePageView().render(ValidationResultsPageRenderer().render(validation))
    assert compiled == []
    gx_page = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(validation))
    assert len(compiled) > 10  # GX's own view compiles its templates again
    # the pages differ only in their build time and the random ids of collapsible blocks
    varying = re.compile(r"\d{8}T\d{6}\.\d{6}Z|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
    assert varying.sub("-", cached_page) == varying.sub("-", gx_page)


def _validate_one(path, name, expectation, result_format):
    """``expectation`` validated by GX on the DuckDB file's table ``t``: its result and the
    execution engine it ran on."""
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_duckdb(name="w", connection_string=f"duckdb:///{path}")
    batch = source.add_query_asset("t", query="select * from t").add_batch_definition_whole_table(
        "all"
    )
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=[expectation]))
    definition = gx.ValidationDefinition(name=name, data=batch, suite=suite)
    validation = definition.run(result_format=result_format)
    ((result,),) = [validation.results]
    engine = source.get_execution_engine()
    engine.engine.dispose()
    return result, engine


def test_compound_key_uniqueness_counts_every_row_of_a_repeated_key(tmp_path):
    """expect_compound_columns_to_be_unique on DuckDB (DuckDBCompoundColumnsCount): by hand,
    keys (a,1) x3, (a,2), (b,1) x2, (b,NULL) x2, (NULL,NULL): the five rows of the two
    repeated keys fail; a key with a missing value never does (as in GX's own SQL)."""
    path = tmp_path / "keys.duckdb"
    with connect(path) as con:
        con.execute("create table t (k varchar, n integer, v integer)")
        con.execute(
            "insert into t values ('a', 1, 1), ('a', 1, 2), ('a', 1, 3), ('a', 2, 4), "
            "('b', 1, 5), ('b', 1, 6), ('b', null, 7), ('b', null, 8), (null, null, 9)"
        )
    expectation = gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["k", "n"])
    result, engine = _validate_one(path, "keys", expectation, {"result_format": "COMPLETE"})
    assert not result.success
    assert result.result["unexpected_count"] == 5
    keys = sorted((row["k"], row["n"]) for row in result.result["unexpected_list"])
    assert keys == [("a", 1)] * 3 + [("b", 1)] * 2
    provider, _ = get_metric_provider("compound_columns.count.map", engine)
    assert provider is DuckDBCompoundColumnsCount


def test_value_uniqueness_counts_every_row_of_a_repeated_value(tmp_path):
    """expect_column_values_to_be_unique on DuckDB (DuckDBColumnValuesCountPerValue): by
    hand, values a x3, b, c x2, NULL x2: the five rows of the two repeated values fail, the
    missing values never do (as in GX's own SQL); the first failing values are a, a, a, c, c."""
    path = tmp_path / "values.duckdb"
    with connect(path) as con:
        con.execute("create table t (k varchar, v integer)")
        con.execute(
            "insert into t values ('a', 1), ('a', 2), ('a', 3), ('b', 4), ('c', 5), ('c', 6), "
            "(null, 7), (null, 8)"
        )
    result, engine = _validate_one(
        path,
        "values",
        gx.expectations.ExpectColumnValuesToBeUnique(column="k"),
        {"result_format": "SUMMARY", "unexpected_index_column_names": ["v"]},
    )
    assert not result.success
    assert result.result["unexpected_count"] == 5
    assert result.result["missing_count"] == 2
    assert sorted(result.result["partial_unexpected_list"]) == ["a", "a", "a", "c", "c"]
    assert sorted(row["v"] for row in result.result["partial_unexpected_index_list"]) == [
        1,
        2,
        3,
        5,
        6,
    ]
    provider, _ = get_metric_provider("column_values.count_per_value.map", engine)
    assert provider is DuckDBColumnValuesCountPerValue
