"""A cycle's assessment as printed text, read from the warehouse: every rep's scorecard, the
coaching priorities with their evidence moments, the team's widest gaps, criteria against
won deals, inter-rater reliability, the follow-up and the check-ins, and where the HTML
scorecards are. The command line is ``python -m orchestration.summary``."""

from __future__ import annotations

from pathlib import Path

from salesassess.engines.warehouse import table_exists


def _number(value, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def rep_summary_lines(con, cycle: str) -> list[str]:
    rows = con.execute(
        "select rep_id, rep_name, manager_id, n_calls, n_scored_calls, sample_status, "
        "weighted_score, weighted_score_100, close_rate, team_close_rate, rep_status "
        "from marts.fct_rep_scorecards where cycle = $cycle "
        "order by manager_id, weighted_score desc nulls last, rep_id",
        {"cycle": cycle},
    ).fetchall()
    header = (
        f"{'rep':<10} {'name':<20} {'manager':<8} {'calls':>5} {'scored':>6} "
        f"{'sample':<19} {'weighted':>8} {'0-100':>6} {'close':>6} {'team':>6}"
    )
    lines = [header, "-" * len(header)]
    for rep, name, manager, calls, scored, status, ws, ws100, close, team, rep_status in rows:
        lines.append(
            f"{rep:<10} {name[:20]:<20} {manager:<8} {calls:>5} {scored:>6} {status:<19} "
            f"{_number(ws, '8.2f')} {_number(ws100, '6.1f')} "
            f"{_number(close, '6.0%')} {_number(team, '6.0%')}"
            + (" [inactive: not coached]" if rep_status == "inactive" else "")
        )
    return lines


def priority_lines(con, cycle: str) -> list[str]:
    priorities = con.execute(
        "select rep_id, rank, criterion_id, rep_score, team_score, weight, weighted_gap, "
        "calibration_status, sample_status from marts.fct_coaching_priorities "
        "where cycle = $cycle "
        "order by rep_id, rank",
        {"cycle": cycle},
    ).fetchall()
    evidence = con.execute(
        "select rep_id, call_date, moment_mm_ss, score, excerpt, evidence_status "
        "from marts.fct_coaching_evidence where cycle = $cycle order by rep_id, evidence_rank",
        {"cycle": cycle},
    ).fetchall()
    lines = []
    for rep in sorted({p[0] for p in priorities}):
        items = [
            f"{c} (rep {rs:.2f} vs team {ts:.2f}, weight {w}%, gap {g:.1f})"
            for r, _, c, rs, ts, w, g, _, _ in priorities
            if r == rep
        ]
        status, sample = next((p[7], p[8]) for p in priorities if p[0] == rep)
        reasons = [status] if status != "calibrated" else []
        reasons += ["unrepresentative sample"] if sample == "unrepresentative" else []
        flag = f" [{', '.join(reasons)}: provisional]" if reasons else ""
        lines.append(f"{rep}: " + "; ".join(items) + flag)
        for r, day, mm_ss, score, excerpt, ev_status in evidence:
            if r != rep:
                continue
            text = (excerpt or ev_status)[:150]
            lines.append(f"    {day} at {mm_ss or '--:--'} (score {score:.1f}): {text}")
    return lines


def report_lines(reports_dir: Path, cycle: str) -> list[str]:
    """Where the cycle's HTML scorecards are, and the other cycles written beside."""
    folder = reports_dir / cycle
    index = folder / "index.html"
    if not index.exists():
        return [f"Reports: none written yet for {cycle} (expected {index})"]
    managers = [p for p in sorted(folder.iterdir()) if (p / "index.html").exists()]
    reps = sum(len(list(m.glob("*.html"))) - 1 for m in managers)
    charts = [p.name for p in sorted(folder.glob("*.svg"))]
    others = sorted(
        p.name for p in reports_dir.iterdir() if (p / "index.html").exists() and p.name != cycle
    )
    lines = [
        f"Reports: {index}",
        f"  {reps} rep scorecards and {len(managers)} manager indexes "
        f"({folder}/<manager_id>/<rep_id>.html); charts: {', '.join(charts) or 'none'}",
    ]
    if others:
        lines.append(f"  other cycles in {reports_dir}: {', '.join(others)}")
    return lines


def effectiveness_lines(con, cycle: str) -> list[str]:
    """Each manager's band and, beside it, the coaching effect net of regression to the
    mean with its 95% interval: the confirmed one first (without the reps whose priority is
    provisional), then, where it differs, the one with them; then the team's raw changes
    against the effect."""
    from salesassess.method.coaching_statistics import effect_text

    effects = {}
    if table_exists(con, "marts.fct_coaching_effect"):
        cursor = con.execute(
            "select manager_id, effect_confirmed as effect, ci_low_confirmed as ci_low, "
            "ci_high_confirmed as ci_high, note_confirmed as effect_note, "
            "raw_change_coached_confirmed as raw_change_coached, "
            "raw_change_comparison_confirmed as raw_change_comparison, n_provisional, "
            "struct_pack(effect := effect, ci_low := ci_low, ci_high := ci_high, "
            "effect_note := note) as with_provisional "
            "from marts.fct_coaching_effect where cycle = $cycle",
            {"cycle": cycle},
        )
        names = [column[0] for column in cursor.description]
        effects = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    lines = []
    for row in con.execute(
        "select manager_id, n_coached_confirmed, n_improved_confirmed, "
        "improved_share_confirmed, status_confirmed, n_provisional, n_coached, n_improved, "
        "improved_share, status from marts.fct_manager_effectiveness where cycle = $cycle "
        "order by manager_id = 'team', manager_id",
        {"cycle": cycle},
    ).fetchall():
        manager, coached, improved, share, status, provisional = row[:6]
        effect = effects.get(manager)
        line = (
            f"  {manager:<8} {improved}/{coached} improved ({_number(share, '.0%')}): "
            f"{status:<16} coaching effect " + (effect_text(effect) if effect else "not computed")
        )
        if provisional:
            # the verdicts on provisional priorities (uncalibrated scores, an unrepresentative
            # sample) beside the confirmed ones, never instead of them
            all_coached, all_improved, all_share, all_status = row[6:]
            line += (
                f"; with the {provisional} provisional: {all_improved}/{all_coached} improved "
                f"({_number(all_share, '.0%')}), {all_status}"
                + (f", coaching effect {effect_text(effect['with_provisional'])}" if effect else "")
            )
        lines.append(line)
    team = effects.get("team")
    if team and team["raw_change_coached"] is not None:
        lines.append(
            "  coaching effect: how much more the coached criterion rose than criteria not "
            "coached from the same score"
        )
        lines.append(
            "  (net of regression to the mean); raw change: coached criterion "
            f"{team['raw_change_coached']:+.2f}, criteria not coached "
            f"{_number(team['raw_change_comparison'], '+.2f')}"
        )
    return lines


def print_cycle(con, cycle: str) -> None:
    """Print the cycle's assessment from the marts of the connection ``con``."""
    print("Rep scorecards (weighted score on the rubric scale; close rate vs team)")
    print("\n".join(rep_summary_lines(con, cycle)))
    print("\nCoaching priorities and evidence moments (primary priority's 3 calls)")
    print("\n".join(priority_lines(con, cycle)))
    print("\nTeam: the two criteria with the widest top-vs-bottom gap, per team")
    for team, criterion, ranked_by, top, bottom, gap, rank in con.execute(
        "select team, criterion_id, ranked_by, top_mean, bottom_mean, gap, rank "
        "from marts.fct_top_bottom_gaps where cycle = $cycle and is_team_priority "
        "order by team, rank",
        {"cycle": cycle},
    ).fetchall():
        print(
            f"  {team} {rank}. {criterion}: top {top:.2f} vs bottom {bottom:.2f} "
            f"(gap {gap:.2f}, reps ranked by {ranked_by})"
        )
    print("\nCriteria vs won deals (point-biserial r, 95% CI, n)")
    for criterion, r, p, low, high, n, flag in con.execute(
        "select criterion_id, r, p_value, ci_low, ci_high, n, not_predictive "
        "from marts.fct_criterion_win_correlation where cycle = $cycle "
        "order by r desc nulls last",
        {"cycle": cycle},
    ).fetchall():
        interval = f"[{low:.2f}, {high:.2f}]" if low is not None else "[-]"
        value = f"r={r:+.3f} p={p:.3g}" if r is not None else "r=-"
        print(f"  {criterion:<28} {value} {interval} n={n}{' NOT PREDICTIVE' if flag else ''}")
    print(
        "\nInter-rater reliability (calls, within-1 share, kappa, Krippendorff alpha "
        "ordinal, ICC(1,1); a scorer against the humans only)"
    )
    for comparison, criterion, calls, rate, kappa, alpha, icc, status in con.execute(
        "select comparison, criterion_id, n_calls, within_one_rate, "
        "quadratic_weighted_kappa, krippendorff_alpha_ordinal, icc_1_1, "
        "calibration_status from marts.fct_rubric_reliability where cycle = $cycle "
        "and coalesce(scores_calls, true) order by comparison, criterion_id",
        {"cycle": cycle},
    ).fetchall():
        print(
            f"  {comparison:<17} {criterion:<28} calls={calls:<5} within-1={rate:.0%} "
            f"kappa={_number(kappa, '.2f')} alpha={_number(alpha, '.2f')} "
            f"icc={_number(icc, '.2f')}" + (f"  {status}" if criterion == "overall" else "")
        )
    for comparison, status, reason in con.execute(
        "select distinct comparison, calibration_status, calibration_reason "
        "from marts.fct_rubric_reliability where cycle = $cycle "
        "and rubric_version in (select rubric_version from marts.fct_rep_scorecards "
        "where cycle = $cycle) and calibration_status != 'calibrated' order by comparison",
        {"cycle": cycle},
    ).fetchall():
        print(f"  {comparison}: {status} ({reason}): priorities from it are provisional")
    if table_exists(con, "marts.fct_manager_effectiveness"):
        print("\nFollow-up: manager effectiveness (coached reps improved >= 0.5 in 30 days)")
        print("\n".join(effectiveness_lines(con, cycle)))
        flagged = con.execute(
            "select rep_id, criterion_id, is_provisional from marts.fct_rescore_deltas "
            "where cycle = $cycle and change_coaching_approach order by rep_id",
            {"cycle": cycle},
        ).fetchall()
        print(
            "  change_coaching_approach: "
            + (
                ", ".join(
                    f"{rep} ({criterion}{', provisional' if provisional else ''})"
                    for rep, criterion, provisional in flagged
                )
                or "none"
            )
        )
    else:
        print("\nFollow-up: not materialised yet for this cycle")
    if table_exists(con, "marts.fct_monthly_checkins"):
        print("\nMonthly check-ins (5 most recent calls on the primary criterion vs cycle)")
        for month, improving, below, not_improving, few, no_calls in con.execute(
            "select month, count(*) filter (where status = 'improving'), "
            "count(*) filter (where status = 'improving_below_target'), "
            "count(*) filter (where status = 'not_improving'), "
            "count(*) filter (where status = 'insufficient_checkin'), "
            "count(*) filter (where status = 'no_calls') "
            "from marts.fct_monthly_checkins where cycle = $cycle group by month "
            "order by month",
            {"cycle": cycle},
        ).fetchall():
            print(
                f"  {month}: {improving} improving, {below} improving below target, "
                f"{not_improving} not improving, {few} with too few calls for a verdict, "
                f"{no_calls} without calls yet"
            )
