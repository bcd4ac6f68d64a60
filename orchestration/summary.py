"""Print a cycle's assessment from the warehouse: ``python -m orchestration.summary``."""

from __future__ import annotations

import argparse

from assets.warehouse import connect
from orchestration.partitions import cycle_window
from orchestration.settings import AssessmentSettings


def _number(value, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def rep_summary_lines(con, cycle: str) -> list[str]:
    rows = con.execute(
        "select rep_id, rep_name, manager_id, n_calls, n_scored_calls, sample_status, "
        "weighted_score, weighted_score_100, close_rate, team_close_rate "
        "from marts.fct_rep_scorecards where cycle = $cycle "
        "order by manager_id, weighted_score desc nulls last, rep_id",
        {"cycle": cycle},
    ).fetchall()
    header = (
        f"{'rep':<10} {'name':<20} {'manager':<8} {'calls':>5} {'scored':>6} "
        f"{'sample':<19} {'weighted':>8} {'0-100':>6} {'close':>6} {'team':>6}"
    )
    lines = [header, "-" * len(header)]
    for rep, name, manager, calls, scored, status, ws, ws100, close, team in rows:
        lines.append(
            f"{rep:<10} {name[:20]:<20} {manager:<8} {calls:>5} {scored:>6} {status:<19} "
            f"{_number(ws, '8.2f')} {_number(ws100, '6.1f')} "
            f"{_number(close, '6.0%')} {_number(team, '6.0%')}"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partition", required=True, help="quarter's first day, YYYY-MM-DD")
    args = parser.parse_args(argv)
    window = cycle_window(args.partition)
    settings = AssessmentSettings()
    with connect(settings.warehouse_path(), read_only=True) as con:
        print(f"\nAssessment cycle {window.cycle} ({settings.warehouse_path()})\n")
        print("Rep scorecards (weighted score on the rubric scale; close rate vs team)")
        print("\n".join(rep_summary_lines(con, window.cycle)))


if __name__ == "__main__":
    main()
