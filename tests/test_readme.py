"""The README stands alone: no path of another machine or outside the repository, every
file it links exists, and every `make` verb it names is a Makefile target."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_path_outside_the_repository():
    found = re.findall(r"\.\./[\w./-]+|/work/[\w./-]*|/home/\w+|/Users/\w+", README)
    # `../x` is the README's example of a rep id that tries to leave the reports folder
    assert [path for path in found if path != "../x"] == []


def test_every_linked_file_exists():
    links = re.findall(r"\]\(((?!https?:)[^)#]+)\)", README)
    assert "docs/ASSESSMENT_RULES.md" in links and "docs/DATA_CONTRACT.md" in links
    assert [link for link in links if not (ROOT / link).exists()] == []


def test_every_make_verb_is_a_target():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    verbs = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert verbs - targets == set()
    assert {"demo", "demo-dev", "help", "dev", "assess", "test"} <= verbs
