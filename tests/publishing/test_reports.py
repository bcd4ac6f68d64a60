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
