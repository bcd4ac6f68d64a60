"""Resources shared by the assets."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.assessment_engine import AssessmentEngine, engine_name
from orchestration.project import dbt_project
from orchestration.settings import AssessmentSettings


def dbt_executable() -> str:
    """The dbt next to the running Python (the project's .venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def build_resources(engine: str | None = None) -> dict[str, object]:
    """The settings, the engine (``engine``, else ``ASSESSMENT_ENGINE``, else duckdb) and
    dbt on that engine's target."""
    name = engine_name(engine)
    return {
        "settings": AssessmentSettings(),
        "engine": AssessmentEngine(name=name),
        "dbt": DbtCliResource(
            project_dir=dbt_project, dbt_executable=dbt_executable(), target=name
        ),
    }
