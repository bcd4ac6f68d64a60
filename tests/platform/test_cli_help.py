"""Every command line as a newcomer meets it: named as typed, plain help, fast, one-line errors.

Each CLI runs as a subprocess (`python -m ...`), as the README and the Makefile call it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest

from tests.helpers import ROOT

COMMANDS = [
    ("orchestration.assess",),
    ("orchestration.summary",),
    ("orchestration.engine",),
    ("orchestration.engine", "export"),
    ("orchestration.engine", "score"),
    ("orchestration.engine", "build"),
    ("orchestration.engine", "collect"),
    ("salesassess.demo.data",),
    ("salesassess.landing.adapters",),
    ("assets.adapters",),
    ("salesassess.method.calendar",),
    ("salesassess.engines.dbt_cli",),
]
HELP_SECONDS = 2.0


def run(*args: str, env: dict | None = None) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return completed, time.perf_counter() - started


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_names_the_command_as_typed_is_plain_text_and_fast(command):
    completed, seconds = run(*command, "--help")
    assert completed.returncode == 0, completed.stderr
    text = completed.stdout
    module = "salesassess.landing.adapters" if command[0] == "assets.adapters" else command[0]
    assert text.startswith(f"usage: python -m {' '.join((module, *command[1:]))} ")
    assert "``" not in text and ":func:" not in text and ":mod:" not in text
    # every option has its help: on the option's line, or indented on the next one
    undocumented = [
        line.split()[0]
        for i, line in enumerate(text.splitlines())
        if line.startswith("  -")
        and len(line.split("  ")) < 3
        and not text.splitlines()[i + 1].startswith(" " * 10)
    ]
    assert undocumented == [], undocumented
    assert seconds < HELP_SECONDS, f"{' '.join(command)} --help took {seconds:.1f} s"


@pytest.mark.parametrize(
    "command",
    [
        ("orchestration.assess", "--partition", "2026-07-02"),
        ("orchestration.summary", "--partition", "2026-07-02"),
        ("orchestration.engine", "build", "--partition", "2026-07-02", "--raw", "x"),
        ("orchestration.engine", "score", "--partition", "2026-07-02", "--raw", "x"),
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_bad_partition_is_one_line_and_exit_2(command, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)}
    completed, seconds = run(*command, env=env)
    assert completed.returncode == 2
    assert completed.stderr == (
        "error: partition '2026-07-02' is not the first day of a quarter "
        "(the quarter containing it starts 2026-07-01)\n"
    )
    assert seconds < HELP_SECONDS


def test_make_help_lists_the_verbs():
    completed = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=ROOT, capture_output=True, text=True
    )
    assert completed.returncode == 0
    verbs = re.findall(r"^  make (\S+)", completed.stdout, flags=re.M)
    assert verbs[:6] == ["help", "install", "demo", "demo-dev", "assess", "test"]
    assert {"dev", "docs", "lint", "bench", "clean"} <= set(verbs)
