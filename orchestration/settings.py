"""Configuration, read from the environment when a run needs it (never at import).

``ASSESSMENT_LANDING_DIR`` (default ``data/landing``), ``ASSESSMENT_WAREHOUSE``
(default ``data/warehouse.duckdb``) and ``ASSESSMENT_CONFIG`` (optional YAML file of method
settings overriding the dbt vars' defaults in ``dbt_project/dbt_project.yml``, e.g.
``min_scored_calls: 12``); relative paths are resolved against the project root.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import yaml

from orchestration.writer import hold_warehouse, killed_runs_line
from salesassess.platform.environment import SHIPPED_DBT_PROJECT, resolve
from salesassess.platform.yaml_input import load_yaml_file

DBT_PROJECT_FILE = SHIPPED_DBT_PROJECT / "dbt_project.yml"
DEFAULT_LANDING_DIR = "data/landing"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
DEFAULT_PUBLISHED = "data/published.duckdb"
DEFAULT_REPORTS_DIR = "data/reports"


class AssessmentSettings(dg.ConfigurableResource):
    """Where the landing files are and which DuckDB file is the warehouse.

    Empty fields fall back to the environment variables, then to the defaults.
    """

    landing_dir: str = ""
    warehouse: str = ""
    config_file: str = ""
    today: str = ""
    published: str = ""
    reports_dir: str = ""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[AssessmentSettings]:
        """A run holds the warehouse's writer lock from before its first step to after its
        last (see ``orchestration.writer``); a schedule's or sensor's evaluation only reads."""
        run = context.run
        if run is None:
            yield self
            return
        holder = f"run {run.run_id} ({run.job_name})"
        with hold_warehouse(
            self.warehouse_path(), context.instance, holder, run.run_id, self.outputs()
        ) as killed:
            if killed:
                context.log.warning(killed_runs_line(killed))
            yield self

    def outputs(self) -> list[tuple[str, Path]]:
        """What a run writes besides the warehouse, locked with it (by real path)."""
        return [("published file", self.published_path()), ("reports folder", self.reports_path())]

    def landing_path(self) -> Path:
        return resolve(
            self.landing_dir or os.environ.get("ASSESSMENT_LANDING_DIR") or DEFAULT_LANDING_DIR
        )

    def warehouse_path(self) -> Path:
        return resolve(
            self.warehouse or os.environ.get("ASSESSMENT_WAREHOUSE") or DEFAULT_WAREHOUSE
        )

    def published_path(self) -> Path:
        """The file BI tools read: marts published only after every blocking check passed."""
        return resolve(
            self.published or os.environ.get("ASSESSMENT_PUBLISHED") or DEFAULT_PUBLISHED
        )

    def published_parquet_path(self) -> Path:
        """The published marts as Parquet, one folder per mart partitioned by cycle:
        ``ASSESSMENT_PUBLISHED_PARQUET``, else ``<published file's stem>_parquet`` beside
        the published file (``data/published_parquet``)."""
        value = os.environ.get("ASSESSMENT_PUBLISHED_PARQUET") or ""
        if value:
            return resolve(value)
        published = self.published_path()
        return published.with_name(f"{published.stem}_parquet")

    def reports_path(self) -> Path:
        """Where the static HTML scorecards are written, one folder per cycle."""
        return resolve(
            self.reports_dir or os.environ.get("ASSESSMENT_REPORTS_DIR") or DEFAULT_REPORTS_DIR
        )

    def method_settings(self) -> dict[str, object]:
        """Overrides of the method's numbers (dbt vars), from ``ASSESSMENT_CONFIG``."""
        value = self.config_file or os.environ.get("ASSESSMENT_CONFIG") or ""
        if not value:
            return {}
        path = resolve(value)
        if not path.is_file():
            raise ValueError(f"ASSESSMENT_CONFIG names {path}, which is no file")
        document = load_yaml_file(path) or {}
        if not isinstance(document, dict):
            raise ValueError(f"{path}: the method settings file must hold one YAML mapping")
        return document

    def method(self) -> dict[str, object]:
        """Every number of the method: the dbt vars' defaults (dbt_project/dbt_project.yml,
        the one place they are written) with the ``ASSESSMENT_CONFIG`` overrides on top.
        Python assets read their numbers here, so SQL and Python share one setting."""
        defaults = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))["vars"]
        return {**defaults, **self.method_settings()}

    def as_of(self) -> date:
        """Today (UTC), or ``ASSESSMENT_TODAY`` (YYYY-MM-DD) to replay a past day."""
        value = self.today or os.environ.get("ASSESSMENT_TODAY") or ""
        return date.fromisoformat(value) if value else datetime.now(UTC).date()
