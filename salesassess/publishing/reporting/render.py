"""Writing a cycle's pages: Jinja templates (``templates/``, package data) with every value
escaped; the cycle's folder is a link to a version written beside the old one and switched
in with one atomic rename (:mod:`salesassess.publishing.folder_swap`).

The pages are read from the published file (:func:`write_cycle_reports`), never from the
warehouse: the published file holds one version per cycle state (a new assessment of a
cycle whose follow-up is published waits in ``pending``), so a page never shows one run's
assessment next to another run's follow-up.

The reports folder may be shared with other files: a cycle's folder is replaced only when
it carries the marker file this module writes (``.sales-assessment-reports``); a folder of
the same name that the reports did not create stops the run with a message instead of
being deleted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from salesassess.engines.warehouse import duckdb_settings, quote_identifier, sql_literal
from salesassess.method.coaching_statistics import effect_text
from salesassess.publishing.folder_swap import new_version, switch_to
from salesassess.publishing.reporting.charts import (
    criterion_chart,
    manager_chart,
    trend_chart,
    validity_chart,
)
from salesassess.publishing.reporting.model import CycleReport, load_cycle, safe_name

TEMPLATES = Path(__file__).resolve().parent / "templates"
MARKER = ".sales-assessment-reports"
MANAGER_CHART = "manager_effectiveness.svg"
VALIDITY_CHART = "criterion_vs_win.svg"


class ReportsFolderError(RuntimeError):
    """The cycle's folder exists and was not written by the reports: it is left alone."""


def _num(value, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # compiled once a run: no file check per page
    )
    # filters, not globals: a filter is called directly, a global through the context
    environment.filters.update(num=_num, pct=_pct)
    environment.globals.update(
        effect=effect_text,
        safe_name=safe_name,
        style=Markup((TEMPLATES / "style.css").read_text(encoding="utf-8")),
    )
    return environment


@dataclass(frozen=True)
class RenderResult:
    folder: Path
    rep_pages: int
    manager_pages: int
    followup_included: bool
    seconds: float


def render_cycle(report: CycleReport, reports_dir: Path) -> RenderResult:
    """Write the cycle's pages and charts into ``reports_dir/<cycle>``, replacing it whole
    (only when it is a folder the reports wrote)."""
    started = time.perf_counter()
    target = reports_dir / safe_name(report.cycle)
    if target.exists() and not (target / MARKER).is_file():
        raise ReportsFolderError(
            f"{target} exists and was not written by the reports (no {MARKER} in it): "
            "move it away or set ASSESSMENT_REPORTS_DIR to another folder"
        )
    environment = _environment()
    rep_template = environment.get_template("rep.html")
    manager_template = environment.get_template("manager.html")
    generated_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    common = {"report": report, "generated_at": generated_at}
    # written under a version name of this run's, then switched in with one atomic rename
    staging = new_version(target)
    (staging / MARKER).write_text(f"rep scorecards of cycle {report.cycle}\n", encoding="utf-8")
    effectiveness = {m["manager_id"]: m for m in report.managers}
    managers = []
    rep_pages = 0
    for manager_id, reps in report.managers_by_id().items():
        folder = staging / safe_name(manager_id)
        folder.mkdir()
        for rep in reps:
            page = rep_template.render(
                rep=rep,
                chart=criterion_chart(rep, report.scale),
                trend_chart=trend_chart(rep, report.scale),
                **common,
            )
            (folder / rep.file_name).write_text(page, encoding="utf-8")
            rep_pages += 1
        page = manager_template.render(
            manager_id=manager_id, reps=reps, effectiveness=effectiveness.get(manager_id), **common
        )
        (folder / "index.html").write_text(page, encoding="utf-8")
        managers.append(
            {
                "dir": folder.name,
                "name": reps[0].manager_name or manager_id,
                "n_reps": len(reps),
                "status": (effectiveness.get(manager_id) or {}).get("status"),
            }
        )
    manager_svg = manager_chart(report.managers)
    validity_svg = validity_chart(report.correlations)
    for name, svg in ((MANAGER_CHART, manager_svg), (VALIDITY_CHART, validity_svg)):
        if svg is not None:
            (staging / name).write_text(str(svg), encoding="utf-8")
    page = environment.get_template("cycle.html").render(
        managers=managers, manager_svg=manager_svg, validity_svg=validity_svg, **common
    )
    (staging / "index.html").write_text(page, encoding="utf-8")
    switch_to(target, staging)
    return RenderResult(
        target, rep_pages, len(managers), report.followup_available, time.perf_counter() - started
    )


@contextmanager
def published_marts(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection whose ``marts`` schema is the marts of ``published`` (read-only, the
    version the file holds when it opens) and whose ``raw.rubric_criteria`` has each cycle's
    rubric scale (from ``dim_criteria``, or the raw table of a warehouse file)."""
    with duckdb.connect(config={"memory_limit": duckdb_settings(published)["memory_limit"]}) as con:
        con.execute("set timezone = 'UTC'")
        con.execute(f"attach {sql_literal(str(published))} as pub (read_only)")
        tables = {
            (schema, name)
            for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'pub'"
            ).fetchall()
        }
        con.execute("create schema marts")
        con.execute("create schema raw")
        for schema, name in sorted(tables):
            if schema == "marts":
                table = quote_identifier(name)
                con.execute(f"create view marts.{table} as select * from pub.marts.{table}")
        scale = (
            "select cycle, scale_min, scale_max from pub.raw.rubric_criteria"
            if ("raw", "rubric_criteria") in tables
            else "select cycle, scale_min, scale_max from pub.marts.dim_criteria"
            if ("marts", "dim_criteria") in tables
            else "select null::varchar as cycle, null::double as scale_min, "
            "null::double as scale_max where false"
        )
        con.execute(f"create view raw.rubric_criteria as {scale}")
        yield con


def write_cycle_reports(
    published: Path, reports_dir: Path, cycle: str, min_scored_calls: int
) -> tuple[CycleReport, RenderResult]:
    """The cycle's pages, from the marts of ``published`` (:func:`published_marts`)."""
    with published_marts(published) as con:
        report = load_cycle(con, cycle, min_scored_calls)
    return report, render_cycle(report, reports_dir)
