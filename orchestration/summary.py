"""Print a cycle's assessment from the warehouse (ASSESSMENT_WAREHOUSE): every rep's
scorecard, the coaching priorities with their evidence moments, the team's widest gaps,
criteria against won deals, inter-rater reliability, the follow-up and the check-ins, and
where the HTML scorecards are."""

from __future__ import annotations

import sys

from salesassess.method.calendar import CalendarError, cycle_window
from salesassess.platform.commands import fail, parser, prepare_environment


def main(argv: list[str] | None = None) -> int:
    arguments = parser("python -m orchestration.summary", __doc__)
    arguments.add_argument(
        "--partition", required=True, help="the quarter: its first day, YYYY-MM-DD"
    )
    args = arguments.parse_args(argv)
    prepare_environment()
    try:
        cycle = cycle_window(args.partition).cycle
    except CalendarError as error:
        return fail(str(error))

    from orchestration.settings import AssessmentSettings
    from salesassess.engines.warehouse import connect
    from salesassess.publishing.summary import print_cycle, report_lines

    settings = AssessmentSettings()
    if not settings.warehouse_path().exists():
        return fail(f"no warehouse at {settings.warehouse_path()}: run make assess first")
    with connect(settings.warehouse_path(), read_only=True) as con:
        print(f"\nAssessment cycle {cycle} ({settings.warehouse_path()})\n")
        print_cycle(con, cycle)
    print()
    print("\n".join(report_lines(settings.reports_path(), cycle)))
    index = settings.reports_path() / cycle / "index.html"
    if index.exists():
        print(f"\nOpen the scorecards in a browser: {index.as_uri()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
