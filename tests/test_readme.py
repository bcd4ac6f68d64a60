"""The README is a front door that stands alone: short, the two set-up commands first, a
screenshot of a scorecard, a link to every page of the documentation; no path of another
machine or outside the repository, every file and anchor it links exists, and every `make`
verb it names is a Makefile target."""

from __future__ import annotations

import re

from markdown.extensions.toc import slugify

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", flags=re.M | re.S)
OUTSIDE = re.compile(r"\.\./[\w./-]+|/work/[\w./-]*|/home/\w+|/Users/\w+")
LINK = re.compile(r"\]\(((?!https?:)[^)\s]+)\)")


def links(text: str) -> list[str]:
    """The relative links of a Markdown text (images included), outside code blocks."""
    return LINK.findall(FENCE.sub("", text))


def anchors(page: str) -> set[str]:
    """The heading anchors of a Markdown page, as MkDocs' toc extension makes them."""
    text = FENCE.sub("", page)
    return {slugify(title.strip(), "-") for title in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_no_path_outside_the_repository():
    for path, text in [(ROOT / "README.md", README)] + [(p, p.read_text()) for p in PAGES]:
        found = OUTSIDE.findall(text)
        # `../x` is the reports' example of a rep id that tries to leave the reports folder
        assert [hit for hit in found if hit != "../x"] == [], path.name


def test_every_linked_file_and_anchor_exists():
    found = links(README)
    assert "docs/ASSESSMENT_RULES.md" in found and "docs/DATA_CONTRACT.md" in found
    broken = []
    for link in found:
        target, _, anchor = link.partition("#")
        path = ROOT / target
        exists = path.exists()
        if not exists or (anchor and anchor not in anchors(path.read_text(encoding="utf-8"))):
            broken.append(link)
    assert broken == []


def test_the_anchor_check_sees_a_missing_anchor():
    page = (DOCS / "operations.md").read_text(encoding="utf-8")
    assert "the-dagster-ui" in anchors(page)
    assert "partitions-and-cycles" in anchors(page)
    assert "the-dagster-gui" not in anchors(page)


def test_the_readme_links_every_page_of_the_docs():
    linked = {link.partition("#")[0] for link in links(README)}
    pages = {f"docs/{page.name}" for page in PAGES if page.name != "index.md"}
    assert pages - linked == set()
    assert {
        "docs/operations.md",
        "docs/adapters.md",
        "docs/scorer.md",
        "docs/scale.md",
        "docs/statistics.md",
        "docs/architecture.md",
    } <= pages


def test_the_readme_is_a_front_door():
    lines = README.splitlines()
    assert len(lines) <= 250
    # the first code block is the set-up: exactly make demo and make test
    first_block = FENCE.search(README).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()]
    assert commands == ["make demo", "make test"]
    headings = re.findall(r"^## (.+)$", FENCE.sub("", README), re.M)
    assert headings[0] == "From clone to a scorecard in the browser"
    for section in ("Running on your own data", "The Dagster UI", "BI access", "Documentation"):
        assert section in headings


def test_running_on_your_own_data_fits_in_about_ten_lines():
    section = README.split("## Running on your own data", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.strip() and not line.startswith("```")]
    assert len(lines) <= 15
    assert "make assess PARTITION=2026-07-01" in section
    assert "ASSESSMENT_LANDING_DIR=" in section
    assert {"docs/DATA_CONTRACT.md", "docs/adapters.md"} <= set(links(section))


def test_the_screenshot_of_a_scorecard_is_a_png_in_the_repository():
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert images == ["docs/images/scorecard.png"]
    assert (ROOT / images[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_make_verb_is_a_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    verbs = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    for block in FENCE.findall(README):
        verbs |= set(re.findall(r"^\s*(?:[A-Z_]+=\S+\s+)*make ([a-z][a-z-]*)", block, re.M))
    assert verbs - targets == set()
    assert {"demo", "demo-dev", "help", "dev", "assess", "test", "docs", "docs-dbt"} <= verbs
