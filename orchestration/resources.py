"""Resources shared by the assets."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.project import dbt_project
from orchestration.settings import AssessmentSettings


def dbt_executable() -> str:
    """The dbt next to the running Python (the project's .venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_resources() -> dict[str, object]:
    return {
        "settings": AssessmentSettings(),
        # The Dagster jobs run dbt on the embedded DuckDB warehouse their Python assets read,
        # whatever ASSESSMENT_ENGINE says; Spark runs go through orchestration.engine.
        "dbt": DbtCliResource(
            project_dir=dbt_project, dbt_executable=dbt_executable(), target="duckdb"
        ),
    }
