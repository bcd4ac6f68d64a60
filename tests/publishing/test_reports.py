"""The HTML scorecards, rendered by a real materialisation of the small fixture.

The landing is tests/fixtures/small_landing with three changes that test the pages as
user data: r2's name is a script tag, r3's a SQL fragment, and r3's manager id tries to
leave the reports folder. The numbers are those of tests/orchestration/test_pipeline.py
(cycle 2026-Q3): r1 Ana Silva 3.55 vs team 3.375, close rate 50% vs 33%, priorities d (3.00 vs 3.75,
weight 10%, gap 7.5) then c (4.00 vs 4.25, 20%, 5.0); evidence c1 on 2026-07-02 at 01:05
(redacted excerpt) and c2 without transcript. The follow-up data of tests/method/test_followup.py
then gives r1 4.60 on d (delta +1.60, improved) and r2 insufficient_followup.
"""

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from tests.helpers import ROOT, materialize_cycle
from tests.method.test_followup import run_followup, write_followup_landing

SCRIPT_NAME = "<script>alert('x')</script>"
SQL_NAME = "'; drop table --"
ESCAPING_MANAGER = "../m2"


class _Text(HTMLParser):
    """The text a reader sees: everything outside the hidden elements."""

    def __init__(self, hidden: tuple[str, ...]):
        super().__init__()
        self.parts: list[str] = []
        self.hidden_tags = hidden
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.hidden_tags:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.hidden_tags:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str, hidden: tuple[str, ...] = ("title", "style", "script", "svg")) -> str:
    """The page's text with whitespace collapsed; by default without the charts' labels."""
    parser = _Text(hidden)
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def page_text(path: Path) -> str:
    return visible_text(path.read_text(encoding="utf-8"))


def write_landing(folder: Path) -> Path:
    write_followup_landing(folder)
    (folder / "reps.csv").write_text(
        "rep_id,rep_name,manager_id,team,region\n"
        "r1,Ana Silva,m1,t,west\n"
        f'r2,"{SCRIPT_NAME}",m1,t,east\n'
        f"r3,{SQL_NAME},{ESCAPING_MANAGER},t,west\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def reports(environment, tmp_path_factory):
    landing = write_landing(tmp_path_factory.mktemp("report_landing"))
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    result = materialize_cycle("2026-07-01")
    assert result.success
    root = environment["warehouse"].with_name("reports")
    return {"root": root, "cycle": root / "2026-Q3", "result": result, "env": environment}


def test_layout_one_page_per_rep_and_an_index_per_manager_and_cycle(reports):
    cycle = reports["cycle"]
    files = sorted(str(p.relative_to(cycle)) for p in cycle.rglob("*") if p.is_file())
    escaped_manager = next(p.name for p in cycle.iterdir() if p.name.startswith("m2-"))
    assert re.fullmatch(r"m2-[0-9a-f]{8}", escaped_manager)
    assert files == sorted(
        [
            ".sales-assessment-reports",  # the marker: a folder the reports may replace
            "index.html",
            "criterion_vs_win.svg",
            "m1/index.html",
            "m1/r1.html",
            "m1/r2.html",
            f"{escaped_manager}/index.html",
            f"{escaped_manager}/r3.html",
        ]
    )
    # nothing written outside the reports folder, no staging folder left behind: the cycle
    # is a link to the one version written, switched in atomically
    assert sorted(p.name for p in reports["root"].iterdir()) == [".versions", "2026-Q3"]
    assert [p.name for p in (reports["root"] / ".versions").iterdir()] == ["2026-Q3"]
    assert len(list((reports["root"] / ".versions" / "2026-Q3").iterdir())) == 1
    assert (reports["root"] / "2026-Q3").is_symlink()


def test_rep_page_shows_scores_priorities_evidence_and_close_rate(reports):
    page = reports["cycle"] / "m1" / "r1.html"
    text = page_text(page)
    assert text.startswith(
        "← m1's team Ana Silva r1 · manager m1 · cycle 2026-Q3 · 2 scored calls of 2 "
        "Weighted score 3.55 team 3.38 · 63.7 / 100 "
        "Close rate 50% team 33% · 1 won of 2 closed "
    )
    assert (
        "criterion weight rep team weighted gap Criterion A 40% 3.50 2.75 -30.0 "
        "Criterion B 30% 3.50 3.50 0.0 Criterion C 20% 4.00 4.25 5.0 "
        "Criterion D 10% 3.00 3.75 7.5 " in text
    )
    assert (
        "Coaching priorities Criterion D : rep 3.00 vs team 3.75, weight 10%, weighted gap 7.5 "
        "Criterion C : rep 4.00 vs team 4.25, weight 20%, weighted gap 5.0 "
        "not_calibrated: rubric version 1: within-1 agreement under 80% on: a (0%), d (0%)." in text
    )
    assert (
        "The calls that most clearly illustrate the first priority, Criterion D. "
        "call date moment score excerpt (personal data redacted) "
        "2026-07-02 01:05 2.0 prospect: We have used our current vendor for 3 years. / rep: "
        "Let me walk you through pricing. Card [card] is fine. / prospect: Okay, call me on "
        "[phone] or [email]. 2026-08-10 --:-- 4.0 (no_transcript) Follow-up" in text
    )
    assert "jane.doe" not in text and "4111" not in text
    assert "Not available yet: the follow-up runs once the 30-day window" in text
    html = page.read_text()
    assert html.count("<svg") == 1
    # the chart: inline SVG whose labels are text, its axis the rubric's whole scale 1-5
    assert "Criterion D (10%)" in html and "team benchmark" in html
    assert "mean criterion score (rubric scale 1-5)" in html
    # one cycle assessed: no trend, no previous cycle
    assert "Trend over the last cycles First cycle assessed: no trend yet." in text
    assert "Last cycle's priorities (2026-Q2) No coaching priority in 2026-Q2." in text


def test_rep_page_shows_the_practice_scenarios_under_the_priorities(reports):
    text = page_text(reports["cycle"] / "m1" / "r1.html")
    # fct_practice_scenarios of r1 (tests/orchestration/test_pipeline.py): d on c1 at 01:05, c on c2
    assert (
        "Practice scenarios priority call the prospect said the rep said aim for (level 4) "
        "Criterion D 2026-07-02 01:05 We have used our current vendor for 3 years. "
        "Let me walk you through pricing. Card [card] is fine. d4 "
        "Criterion C 2026-08-10 (no transcript) - c4 Evidence moments" in text
    )
    assert text.index("Coaching priorities") < text.index("Practice scenarios")


def test_pages_fetch_nothing_when_viewed(reports):
    for page in reports["cycle"].rglob("*.html"):
        html = page.read_text()
        assert not re.search(r"<(script|link|img|iframe)\b", html), page
        # XML namespaces name, they do not fetch: no link, source or style points out
        assert not re.search(r"(src|href)\s*=\s*\"(https?:)?//", html), page
        assert not re.search(r"xlink:href=\"(?!#)", html), page
        assert "@import" not in html
        assert not re.search(r"url\((?!#)", html), page


def test_names_are_text_not_markup(reports):
    page = reports["cycle"] / "m1" / "r2.html"
    html = page.read_text()
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert page_text(page).split(" r2 · ")[0].endswith(SCRIPT_NAME)
    manager_index = page_text(reports["cycle"] / "m1" / "index.html")
    assert f"Ana Silva 3.55 50% Criterion D - {SCRIPT_NAME} 3.20 0% Criterion A -" in (
        manager_index
    )
    assert 'href="r2.html">&lt;script&gt;' in (reports["cycle"] / "m1" / "index.html").read_text()
    escaped = next(p for p in reports["cycle"].iterdir() if p.name.startswith("m2-"))
    text = page_text(escaped / "r3.html")
    assert f"{SQL_NAME} r3 · manager {ESCAPING_MANAGER} · cycle 2026-Q3" in text
    assert "insufficient_sample (fewer than 2 scored calls: no coaching priority)" in text
    assert "No coaching priority this cycle (insufficient sample)" in text


def test_every_chart_is_well_formed_svg_with_a_title(reports):
    """Each inline chart and chart file parses as XML, an SVG image with a title and a
    description for screen readers (the charts are written as text, issue 31)."""
    charts = []
    for path in reports["cycle"].rglob("*"):
        if path.suffix == ".html":
            charts += re.findall(r"<svg.*?</svg>", path.read_text(), re.S)
        elif path.suffix == ".svg":
            charts.append(path.read_text())
    assert len(charts) >= 4  # r1's and r2's criteria, the validity chart in its page and file
    for chart in charts:
        root = _svg_tree(chart)
        assert _all(root, "title")[0].text and _all(root, "desc")[0].text is not None


def test_cycle_index_links_managers_and_shows_team_gaps_and_validity(reports):
    index = reports["cycle"] / "index.html"
    text = page_text(index)
    assert text.startswith(
        "Rep scorecards, cycle 2026-Q3 3 reps, 2 managers Managers manager reps coaching "
        "effectiveness ../m2 1 - m1 2 - "
        "Team: the two widest gaps between top and bottom performers "
        "Criterion A (team t): top 3.50 vs bottom 2.00 (gap 1.50; reps ranked by "
        "weighted_score) "
        "Manager effectiveness Not available yet: the follow-up has not run. "
        "Criteria against won deals criterion r p n Criterion A +1.000 0 3 "
    )
    html = index.read_text()
    escaped = next(p.name for p in reports["cycle"].iterdir() if p.name.startswith("m2-"))
    assert 'href="m1/index.html"' in html and f'href="{escaped}/index.html"' in html
    assert html.count("<svg") == 1
    assert "Criterion C (n=3)" in (reports["cycle"] / "criterion_vs_win.svg").read_text()


def test_materialisation_metadata_says_where_the_reports_are(reports):
    materialization = next(
        m
        for m in reports["result"].asset_materializations_for_node("rep_scorecard_reports")
        if m.asset_key.to_user_string() == "reports/rep_scorecards"
    )
    metadata = materialization.metadata
    assert metadata["index"].value == str(reports["cycle"] / "index.html")
    assert metadata["rep_pages"].value == 3
    assert metadata["manager_pages"].value == 2
    assert metadata["followup_included"].value is False


def test_followup_rewrites_the_pages_with_its_result(reports):
    assert run_followup(reports["env"]["patch"], "2026-11-04").success
    cycle = reports["cycle"]
    text = page_text(cycle / "m1" / "r1.html")
    assert (
        "d: cycle score 3.00, follow-up score 4.60 over 5 calls from 2026-10-05, delta +1.60: "
        "improved" in text
    )
    r2 = page_text(cycle / "m1" / "r2.html")
    assert "a: cycle score 2.00, follow-up score 2.33 over 3 calls" in r2
    assert "insufficient_followup" in r2
    assert (cycle / "manager_effectiveness.svg").exists()
    assert "<svg" in (cycle / "manager_effectiveness.svg").read_text()
    assert "Not available yet" not in page_text(cycle / "index.html")


def test_summary_says_where_the_reports_are(reports):
    from salesassess.publishing.summary import report_lines

    cycle = reports["cycle"]
    assert report_lines(reports["root"], "2026-Q3") == [
        f"Reports: {cycle / 'index.html'}",
        f"  3 rep scorecards and 2 manager indexes ({cycle}/<manager_id>/<rep_id>.html); "
        "charts: criterion_vs_win.svg, manager_effectiveness.svg",
    ]
    assert report_lines(reports["root"], "2026-Q2") == [
        f"Reports: none written yet for 2026-Q2 (expected {reports['root'] / '2026-Q2'}/index.html)"
    ]


def test_ui_metadata_of_the_marts_for_the_partition(reports):
    """What the Dagster UI shows for 2026-Q3: row counts, top rows, the team's two widest
    gaps and the reliability result (numbers of tests/orchestration/test_pipeline.py)."""
    metadata = {
        m.asset_key.to_user_string(): m.metadata
        for node in ("assessment_dbt_models", "rubric_reliability")
        for m in reports["result"].asset_materializations_for_node(node)
    }
    scorecards = metadata["marts/fct_rep_scorecards"]
    assert scorecards["dagster/row_count"].value == 3
    preview = scorecards["preview"].value.splitlines()
    assert preview[0] == (
        "| rep_id | rep_name | manager_id | n_scored_calls | sample_status | weighted_score "
        "| close_rate | team_close_rate |"
    )
    assert preview[2] == "| r1 | Ana Silva | m1 | 2 | ok | 3.550 | 0.500 | 0.333 |"
    assert preview[3].startswith(f"| r2 | {SCRIPT_NAME} | m1 | 2 | ok | 3.200 |")
    gaps = metadata["marts/fct_top_bottom_gaps"]
    assert gaps["dagster/row_count"].value == 4
    # b's gap of 0 is no team priority (only positive gaps of at least 0.1 point are)
    assert gaps["team_widest_gaps"].value == (
        "1. **a** (team t): top 3.50 vs bottom 2.00 (gap 1.50, reps ranked by weighted_score)"
    )
    assert metadata["marts/fct_coaching_priorities"]["dagster/row_count"].value == 3
    assert metadata["marts/fct_call_scores"]["dagster/row_count"].value == 5
    reliability = metadata["marts/fct_rubric_reliability"]["calibration"].value
    assert reliability == (
        "- version 1, auto_vs_human: **not calibrated**: within-1 agreement under 80% on: "
        "a (0%), b (0%), c (0%)\n"
        "- version 1, external_vs_human: **insufficient double scoring**: fewer than 1 "
        "double-scored calls on: a (0), b (0), c (0), d (0)\n"
        "- version 1, human: **not calibrated**: within-1 agreement under 80% on: a (0%), d (0%)"
    )


def test_every_mart_and_column_is_documented_for_dbt_docs(reports):
    """Every table of schema marts in the materialised warehouse (assessment and follow-up)
    is a dbt model or source with a description, and so is each of its columns; the
    reports are dbt exposures of the marts they read."""
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    documented = {
        node["name"]: node
        for node in [*manifest["nodes"].values(), *manifest["sources"].values()]
        if node["resource_type"] in ("model", "source")
    }
    with duckdb.connect(str(reports["env"]["warehouse"]), read_only=True) as con:
        tables = con.execute(
            "select table_name, list(column_name order by ordinal_position) "
            "from information_schema.columns where table_schema = 'marts' group by table_name"
        ).fetchall()
    assert len(tables) >= 17
    undocumented = [
        f"{table}.{column}"
        for table, columns in tables
        for column in columns
        if not documented[table]["columns"].get(column, {}).get("description")
    ]
    assert undocumented == []
    assert all(documented[table]["description"] for table, _ in tables)
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == {
        "rep_scorecard_reports",
        "manager_effectiveness_chart",
        "criterion_vs_win_chart",
    }
    assert (
        "model.sales_assessment.fct_coaching_evidence"
        in (exposures["rep_scorecard_reports"]["depends_on"]["nodes"])
    )


def test_rep_page_shows_the_trend_and_last_cycles_priorities_and_the_cycle_index_links(
    reports, tmp_path
):
    """A copy of the warehouse (after the follow-up) gets a hand-made 2026-Q2 for r1: weighted
    score 3.10, criterion d 2.50 and a 3.00, priority d whose follow-up went 2.50 -> 2.60
    (not_improved). 2026-Q3's page then shows both cycles, oldest first."""
    from salesassess.publishing.reporting import write_cycle_reports

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(reports["env"]["warehouse"], warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into marts.fct_rep_scorecards by name select * replace "
            "('2026-Q2' as cycle, 3.10 as weighted_score) from marts.fct_rep_scorecards "
            "where cycle = '2026-Q3' and rep_id = 'r1'"
        )
        con.execute(
            "insert into marts.fct_rep_criterion_scores by name select * replace "
            "('2026-Q2' as cycle, case criterion_id when 'd' then 2.5 when 'a' then 3.0 "
            "else rep_score end as rep_score) from marts.fct_rep_criterion_scores "
            "where cycle = '2026-Q3' and rep_id = 'r1'"
        )
        con.execute(
            "insert into marts.fct_coaching_priorities by name select * replace "
            "('2026-Q2' as cycle, 2.5 as rep_score) from marts.fct_coaching_priorities "
            "where cycle = '2026-Q3' and rep_id = 'r1' and rank = 1"
        )
        con.execute(
            "insert into marts.fct_rescore_deltas by name select * replace ('2026-Q2' as "
            "cycle, 2.5 as cycle_score, 2.6 as followup_score, 4 as n_followup_calls, "
            "0.1 as delta, 'not_improved' as status) from marts.fct_rescore_deltas "
            "where cycle = '2026-Q3' and rep_id = 'r1'"
        )
    out = tmp_path / "reports"
    write_cycle_reports(warehouse, out, "2026-Q3", 2)
    page = out / "2026-Q3" / "m1" / "r1.html"
    text = page_text(page)
    assert (
        "Trend over the last cycles cycle weighted score Criterion A Criterion B Criterion C "
        "Criterion D 2026-Q2 3.10 3.00 3.50 4.00 2.50 2026-Q3 3.55 3.50 3.50 4.00 3.00 " in text
    )
    assert (
        "Last cycle's priorities (2026-Q2) criterion cycle score follow-up score calls delta "
        "result 1. Criterion D 2.50 2.60 4 +0.10 not_improved Coaching priorities" in text
    )
    html = page.read_text()
    assert html.count("<svg") == 2  # criteria against the team, and the trend
    trend = html[html.index('id="trend-chart"') :]
    assert "weighted score" in trend and "2026-Q2" in trend and "rubric scale 1-5" in trend
    index = (out / "2026-Q3" / "index.html").read_text()
    assert 'href="../2026-Q2/index.html">2026-Q2</a>' in index
    assert page_text(out / "2026-Q3" / "index.html").startswith("Cycles: 2026-Q2 2026-Q3 ")


def test_a_cycle_folder_the_reports_did_not_write_is_never_deleted(reports, tmp_path):
    from salesassess.publishing.reporting import ReportsFolderError, write_cycle_reports

    out = tmp_path / "reports"
    (out / "2026-Q3").mkdir(parents=True)
    (out / "2026-Q3" / "board.pdf").write_bytes(b"someone else's file")
    with pytest.raises(ReportsFolderError, match="was not written by the reports"):
        write_cycle_reports(reports["env"]["warehouse"], out, "2026-Q3", 2)
    assert (out / "2026-Q3" / "board.pdf").read_bytes() == b"someone else's file"
    assert sorted(p.name for p in out.iterdir()) == ["2026-Q3"]


def _rep(**changes):
    from salesassess.publishing.reporting import RepReport

    rep = RepReport(
        rep_id="r1",
        rep_name=SCRIPT_NAME,
        manager_id="m1",
        manager_name=None,
        n_calls=2,
        n_scored_calls=2,
        sample_status="ok",
        weighted_score=3.55,
        weighted_score_100=63.7,
        team_weighted_score=3.375,
        close_rate=0.5,
        team_close_rate=1 / 3,
        n_closed=2,
        n_won=1,
    )
    rep.criteria = [
        {
            "criterion_id": "a",
            "criterion_name": "Criterion A",
            "weight": 40,
            "rep_score": 3.5,
            "team_benchmark": 2.75,
        },
        {
            "criterion_id": "b",
            "criterion_name": "Criterion B",
            "weight": 30,
            "rep_score": 3.5,
            "team_benchmark": None,
        },
        {
            "criterion_id": "c",
            "criterion_name": "Criterion C",
            "weight": 20,
            "rep_score": 4.0,
            "team_benchmark": 4.25,
        },
        {
            "criterion_id": "d",
            "criterion_name": "Criterion D",
            "weight": 10,
            "rep_score": 3.0,
            "team_benchmark": 3.75,
        },
    ]
    for name, value in changes.items():
        setattr(rep, name, value)
    return rep


def _svg_tree(svg):
    from xml.etree import ElementTree

    root = ElementTree.fromstring(str(svg))  # well-formed XML, one <svg> element
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
    return root


def _all(root, tag: str) -> list:
    return root.findall(f".//{{http://www.w3.org/2000/svg}}{tag}")


def test_criterion_chart_bars_are_the_scores_on_the_rubric_scale():
    """Axes 357.12 pt wide (6.4 in x 0.775, as matplotlib drew them) from 0 to 5: a score of
    3.5 is a bar 3.5 / 5 x 357.12 = 249.98 pt long, the team's 2.75 one of 196.42 pt; four
    criteria: rows 41.33 pt apart, bars 0.38 of a row, 15.71 pt tall (matplotlib's own
    figures for these scores); no benchmark (b): no team bar."""
    from salesassess.publishing.reporting.charts import criterion_chart

    root = _svg_tree(criterion_chart(_rep(), (1, 5)))
    bars = [r for r in _all(root, "rect") if r.get("fill") in ("#1f5f8b", "#b8c4ce")]
    # 7 bars (4 of the rep, 3 of the team) and the legend's 2 swatches
    legend = [r for r in bars if float(r.get("height")) < 7]
    bars = [r for r in bars if r not in legend]
    lengths = [(r.get("fill"), r.get("width")) for r in bars]
    assert lengths == [
        ("#b8c4ce", "196.42"),  # a: team 2.75
        ("#1f5f8b", "249.98"),  # a: rep 3.5
        ("#1f5f8b", "249.98"),  # b: rep 3.5, no team bar
        ("#b8c4ce", "303.55"),  # c: team 4.25
        ("#1f5f8b", "285.70"),  # c: rep 4.0
        ("#b8c4ce", "267.84"),  # d: team 3.75
        ("#1f5f8b", "214.27"),  # d: rep 3.0
    ]
    assert {r.get("height") for r in bars} == {"15.71"}
    assert len({r.get("x") for r in bars}) == 1  # every bar starts at 0
    tops = [float(r.get("y")) for r in bars if r.get("fill") == "#1f5f8b"]
    gaps = [b - a for a, b in zip(tops, tops[1:], strict=False)]
    assert gaps == pytest.approx([41.33] * 3, abs=0.011)
    texts = [t.text for t in _all(root, "text")]
    assert texts[:6] == ["1", "2", "3", "4", "5", "mean criterion score (rubric scale 1-5)"]
    assert texts[6:10] == [
        f"Criterion {c} ({w}%)" for c, w in zip("ABCD", (40, 30, 20, 10), strict=True)
    ]
    assert texts[10:] == ["team benchmark", SCRIPT_NAME]  # the rep's name is text
    assert "<script>" not in str(criterion_chart(_rep(), (1, 5)))
    title = _all(root, "title")[0].text
    assert (
        title == f"{SCRIPT_NAME}: mean score on each criterion against the team benchmark "
        "(rubric scale 1-5)"
    )
    assert _all(root, "desc")[0].text.startswith(
        "Criterion A (40%): rep 3.50, team 2.75; Criterion B (30%): rep 3.50, team -; "
    )


def test_trend_chart_points_are_the_scores_and_a_missing_score_is_a_gap():
    """Axes 188.50 pt tall (3.4 in x 0.77) for the scale 1-5, 10.62 pt from the top: a score
    of 3.0 is at 10.62 + 188.50 x (5 - 3) / 4 = 104.87 pt, 4.0 at 57.74 pt; cycles at 5%
    and 95% of the 357.12 pt axes for two, criterion b's missing 2026-Q2 breaks its line."""
    from salesassess.publishing.reporting.charts import trend_chart

    rep = _rep(
        trend=[
            {"cycle": "2026-Q1", "weighted_score": 3.0, "criteria": {"a": 4.0, "b": 2.0}},
            {"cycle": "2026-Q2", "weighted_score": 3.5, "criteria": {"a": 4.0}},
            {"cycle": "2026-Q3", "weighted_score": 4.0, "criteria": {"a": 3.0, "b": 2.5}},
        ]
    )
    root = _svg_tree(trend_chart(rep, (1, 5)))
    # each line's group (the legend's groups follow, with the same colours)
    lines: dict = {}
    for group in _all(root, "g"):
        lines.setdefault(group.get("stroke"), group)
    polyline, circle = "{http://www.w3.org/2000/svg}polyline", "{http://www.w3.org/2000/svg}circle"
    (weighted,) = lines["#1f5f8b"].findall(polyline)
    numbers = [float(v) for v in weighted.get("points").split()]
    xs, ys = numbers[0::2], numbers[1::2]
    assert ys == [104.87, 81.31, 57.74]
    assert round(xs[1] - xs[0], 2) == round(xs[2] - xs[1], 2) == round(357.12 / 2.2, 2)
    assert weighted.get("stroke-width") == "2.60"
    # criterion b (the second colour): two scores, no line across the missing cycle
    assert lines["#d95f02"].findall(polyline) == []
    assert len(lines["#d95f02"].findall(circle)) == 2
    texts = [t.text for t in _all(root, "text")]
    assert texts[:3] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert texts[3:12] == ["1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"]
    assert texts[12:] == [
        "score (rubric scale 1-5)",
        "weighted score",
        "Criterion A",
        "Criterion B",
        "Criterion C",
        "Criterion D",
    ]
    assert "Criterion B: 2026-Q1 2.00, 2026-Q2 -, 2026-Q3 2.50" in _all(root, "desc")[0].text


def test_cycle_charts_bars_are_the_shares_and_the_correlations():
    """Manager effectiveness on 0-100: 75% is 267.84 pt of the 357.12 pt axes, a share
    that is provisional only is hatched; criterion against won deals: r = 0.31 with its
    interval 0.12-0.48 is 0.31 / 0.504 x 357.12 = 219.66 pt long: the axis from the bars' 0
    to the interval's end with a 5% margin (matplotlib drew the same 219.66 pt)."""
    from salesassess.publishing.reporting.charts import manager_chart, validity_chart

    managers = [
        {
            "manager_id": "m1",
            "n_coached": 4,
            "n_improved": 3,
            "improved_share": 0.75,
            "status": "working",
            "n_coached_all": 4,
            "n_improved_all": 3,
            "improved_share_all": 0.75,
        },
        {
            "manager_id": "m2",
            "n_coached": 0,
            "n_improved": 0,
            "improved_share": None,
            "status": None,
            "n_coached_all": 2,
            "n_improved_all": 1,
            "improved_share_all": 0.5,
        },
    ]
    root = _svg_tree(manager_chart(managers))
    bars = [r for r in _all(root, "rect") if r.get("height") and r.get("fill") != "#ffffff"]
    bars = [r for r in bars if r.get("width") != "9"]  # the hatch pattern's tile
    assert [(r.get("fill"), r.get("width")) for r in bars] == [
        ("#2e8b57", "267.84"),
        ("url(#provisional-share)", "178.56"),
    ]
    texts = [t.text for t in _all(root, "text")]
    assert texts[:6] == ["0", "20", "40", "60", "80", "100"]
    assert texts[-2:] == ["m1 (3/4)", "m2 (provisional 1/2)"]
    correlations = [
        {
            "criterion_id": "a",
            "criterion_name": "Criterion A",
            "r": 0.31,
            "ci_low": 0.12,
            "ci_high": 0.48,
            "n": 40,
            "significant_positive": True,
            "not_predictive": False,
        },
        {
            "criterion_id": "b",
            "criterion_name": "Criterion B",
            "r": None,
            "ci_low": None,
            "ci_high": None,
            "n": 1,
            "significant_positive": False,
            "not_predictive": False,
        },
    ]
    root = _svg_tree(validity_chart(correlations))
    (bar,) = [r for r in _all(root, "rect") if r.get("fill") == "#1f5f8b"]
    assert bar.get("width") == "219.66"
    assert [t.text for t in _all(root, "text")][:6] == ["0.0", "0.1", "0.2", "0.3", "0.4", "0.5"]
    assert _all(root, "desc")[0].text == "Criterion A (n=40): r +0.310, 95% CI +0.120 to +0.480"


def test_axis_ticks_are_the_ones_matplotlib_chose():
    """9 bins at most, the step 1, 2, 2.5 or 5 times a power of ten: what matplotlib drew
    on these axes before the charts were written as text (the demo's 2026-Q2 validity axis
    from -0.057 to 0.366 has steps of 0.05, not 0.1)."""
    from salesassess.publishing.reporting.charts import _ticks

    assert [label for _, label in _ticks(1, 5)] == [f"{v / 2:.1f}" for v in range(2, 11)]
    assert [label for _, label in _ticks(0, 100)] == ["0", "20", "40", "60", "80", "100"]
    assert [label for _, label in _ticks(-0.0569, 0.3655)] == [
        "\u22120.05",
        "0.00",
        "0.05",
        "0.10",
        "0.15",
        "0.20",
        "0.25",
        "0.30",
        "0.35",
    ]
    assert [label for _, label in _ticks(-1, 1)][:2] == ["\u22121.00", "\u22120.75"]
