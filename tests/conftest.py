"""Shared fixtures: a real DuckDB file materialised by real Dagster + dbt runs (the helpers
they use: :mod:`tests.helpers`)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from salesassess.engines.warehouse import connect
from tests.helpers import FIXTURES, ROOT, SMALL_LANDING

# The adapter tests' sources.yaml files name exports among the fixtures and in temporary
# folders: the operator's allow-list (tests/landing/test_inputs.py checks the confinement itself).
os.environ.setdefault(
    "ASSESSMENT_SOURCES_ALLOW", os.pathsep.join([str(FIXTURES), tempfile.gettempdir()])
)


def _ensure_manifest() -> None:
    if not (ROOT / "dbt_project" / "target" / "manifest.json").exists():
        dbt = Path(sys.executable).parent / "dbt"
        subprocess.run(
            [str(dbt), "parse", "--quiet", "--profiles-dir", "."],
            cwd=ROOT / "dbt_project",
            check=True,
        )


_ensure_manifest()


@pytest.fixture(scope="module")
def environment(tmp_path_factory):
    """Environment for one module: a fresh warehouse, the small hand-computed landing."""
    home = tmp_path_factory.mktemp("dagster_home")
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        patch.setenv("ASSESSMENT_LANDING_DIR", str(SMALL_LANDING))
        patch.setenv("ASSESSMENT_WAREHOUSE", str(warehouse))
        patch.setenv("ASSESSMENT_CONFIG", str(SMALL_LANDING / "method.yaml"))
        # what BI tools read: never the project's own data/published.duckdb
        patch.setenv("ASSESSMENT_PUBLISHED", str(warehouse.with_name("published.duckdb")))
        # the HTML scorecards: never the project's own data/reports
        patch.setenv("ASSESSMENT_REPORTS_DIR", str(warehouse.with_name("reports")))
        yield {"warehouse": warehouse, "patch": patch}


@pytest.fixture
def adapted_dir(tmp_path, monkeypatch):
    """The adapters' output folder in the test's temporary folder, no ``sources.yaml`` set."""
    monkeypatch.setenv("ASSESSMENT_ADAPTED_DIR", str(tmp_path / "adapted"))
    monkeypatch.delenv("ASSESSMENT_SOURCES", raising=False)
    return tmp_path / "adapted"


@pytest.fixture
def con(tmp_path):
    """A connection to a fresh warehouse file in the test's temporary folder."""
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection
