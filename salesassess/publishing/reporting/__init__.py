"""What managers read: static HTML scorecards of a cycle, from the published marts.

``write_cycle_reports`` reads a cycle's marts (:mod:`.model`, one query per mart for the
whole cycle), draws the charts (:mod:`.charts`, SVG written as text) and renders the pages
from the Jinja templates in ``templates/``, compiled once a run (:mod:`.render`)::

    <cycle>/index.html                      managers, team gaps, both cycle charts, all cycles,
                                            each manager's band beside the coaching effect
    <cycle>/manager_effectiveness.svg       improved share per manager (after the follow-up)
    <cycle>/criterion_vs_win.svg            point-biserial r with its 95% CI per criterion
    <cycle>/<manager_id>/index.html         the manager's reps
    <cycle>/<manager_id>/<rep_id>.html      one rep's scorecard, with the trend of the last
                                            cycles and last cycle's priorities

No Dagster here: ``assets/reports.py`` is the asset that calls it.
"""

from salesassess.publishing.reporting.model import (
    REPORT_MARTS,
    CycleReport,
    RepReport,
    load_cycle,
    safe_name,
)
from salesassess.publishing.reporting.render import (
    MARKER,
    RenderResult,
    ReportsFolderError,
    render_cycle,
    write_cycle_reports,
)

__all__ = [
    "MARKER",
    "REPORT_MARTS",
    "CycleReport",
    "RenderResult",
    "RepReport",
    "ReportsFolderError",
    "load_cycle",
    "render_cycle",
    "safe_name",
    "write_cycle_reports",
]
