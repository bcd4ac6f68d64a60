"""Shared fixtures: a real DuckDB file materialised by real Dagster + dbt runs."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SMALL_LANDING = FIXTURES / "small_landing"
FIXTURE_PARTITION = "2026-07-01"

# The adapter tests' sources.yaml files name exports among the fixtures and in temporary
# folders: the operator's allow-list (tests/test_inputs.py checks the confinement itself).
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


def materialize_cycle(partition_key: str) -> dg.ExecuteInProcessResult:
    """Materialise every asset of one cycle, as `make assess` does."""
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    return defs.resolve_job_def("assess_cycle").execute_in_process(
        partition_key=partition_key, raise_on_error=False
    )


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


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()
