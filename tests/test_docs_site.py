"""The documentation site builds as `make docs` builds it (MkDocs, mkdocs-material, --strict):
a broken link, a missing anchor or a page left out of the nav fails the build; the pages
fetch nothing from the network when viewed; every module path and `python -m` command the
README and the pages name exists in the repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.helpers import ROOT

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
TEXTS = [ROOT / "README.md", *PAGES]
EXTERNAL = re.compile(r"^(https?:)?//", re.I)


def mkdocs_build(project: Path, site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    built = mkdocs_build(ROOT, site)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stdout + built.stderr
    return site


@pytest.fixture
def docs_copy(tmp_path) -> Path:
    """mkdocs.yml and docs/ in a folder of their own, to break."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(DOCS, tmp_path / "docs")
    return tmp_path


def test_every_page_is_built_and_the_dbt_docs_are_linked(site):
    built = {path.name for path in site.glob("*.html")}
    assert {page.with_suffix(".html").name for page in PAGES} <= built
    assert (site / "dbt" / "index.html").is_file()
    assert (site / "images" / "scorecard.png").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="dbt/index.html"' in home
    assert 'src="images/scorecard.png"' in home
    # the hooks folder is the build's, not the site's
    assert not (site / "_hooks").exists()


@pytest.mark.parametrize(
    ("page", "addition", "message"),
    [
        ("scale.md", "See [the adapters](adapter.md).", "adapter.md"),
        (
            "index.md",
            "See [the cycles](operations.md#partitions-and-cycle).",
            "#partitions-and-cycle",
        ),
        ("index.md", "![scorecard](images/score_card.png)", "images/score_card.png"),
        ("orphan.md", "# A page nobody put in the nav", "orphan.md"),
    ],
)
def test_a_broken_link_or_a_page_outside_the_nav_fails_the_build(
    docs_copy, tmp_path, page, addition, message
):
    with (docs_copy / "docs" / page).open("a", encoding="utf-8") as text:
        text.write(f"\n\n{addition}\n")
    built = mkdocs_build(docs_copy, tmp_path / "site")
    output = built.stdout + built.stderr
    assert built.returncode == 1
    assert "Aborted with 1 warnings in strict mode" in output
    assert message in output.split("WARNING", 1)[1]


def test_the_unbroken_copy_builds(docs_copy, tmp_path):
    built = mkdocs_build(docs_copy, tmp_path / "site")
    assert built.returncode == 0, built.stderr


class Fetches(HTMLParser):
    """What a page loads when viewed: style sheets, scripts, images, frames, fonts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") not in ("next", "prev", "canonical"):
            self.urls.append(values.get("href") or "")
        elif tag in ("script", "img", "iframe", "source", "video", "audio"):
            self.urls.append(values.get("src") or "")


def test_the_pages_fetch_nothing_from_the_network(site):
    pages = [path for path in site.rglob("*.html")]
    assert len(pages) >= len(PAGES)
    fetched = []
    for page in pages:
        parser = Fetches()
        parser.feed(page.read_text(encoding="utf-8"))
        # Material's pages load its style sheet and scripts (the dbt docs are one file)
        assert parser.urls or page.parent.name == "dbt", page
        fetched += [(page.name, url) for url in parser.urls if EXTERNAL.match(url)]
    assert fetched == []
    for sheet in site.rglob("*.css"):
        css = sheet.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*[\"']?(https?:)?//", css), sheet.name


def test_the_fetch_check_sees_a_font_from_a_cdn():
    parser = Fetches()
    parser.feed('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">')
    parser.feed('<script src="//unpkg.com/mermaid"></script><a href="https://example.org">')
    assert [url for url in parser.urls if EXTERNAL.match(url)] == [
        "https://fonts.googleapis.com/css?family=Roboto",
        "//unpkg.com/mermaid",
    ]


FILE_PATH = re.compile(
    r"(?<![\w/.])((?:salesassess|orchestration|assets|bench|tests|dbt_project|rubrics|docs)"
    r"/[\w/.-]*[\w/])"
)
COMMAND = re.compile(r"python -m ([a-z_][\w.]*)")
# named but not in a checkout: what `make docs-dbt` writes, and the folders the wheel maps
# the dbt project and the rubric templates to (pyproject's package-dir)
GENERATED = {"dbt_project/target/static_index.html"}
IN_THE_WHEEL = {
    "salesassess/dbt_project": "dbt_project",
    "salesassess/rubric_templates": "rubrics/templates",
}


def test_every_file_and_module_the_docs_name_exists():
    missing = []
    for text_path in TEXTS:
        text = text_path.read_text(encoding="utf-8")
        for path in FILE_PATH.findall(text):
            if not (ROOT / path).exists() and path not in GENERATED | set(IN_THE_WHEEL):
                missing.append((text_path.name, path))
        for module in COMMAND.findall(text):
            base = ROOT.joinpath(*module.split("."))
            if not any(
                candidate.is_file() for candidate in (base.with_suffix(".py"), base / "__main__.py")
            ):
                missing.append((text_path.name, f"python -m {module}"))
    assert missing == []
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for installed, source in IN_THE_WHEEL.items():
        assert f'"{installed.replace("/", ".")}" = "{source}"' in pyproject


def test_the_path_check_sees_a_module_that_moved():
    assert FILE_PATH.findall("in `salesassess/quality.py` and `salesassess/reporting/`") == [
        "salesassess/quality.py",
        "salesassess/reporting/",
    ]
    assert not (ROOT / "salesassess/quality.py").exists()
    assert COMMAND.findall("`python -m salesassess.demo_data --help`") == ["salesassess.demo_data"]
