"""Step 5: did coaching work, or did low scores regress to the mean?

dbt prepares every rep's cycle and follow-up score on every criterion
(``int_followup_rep_criterion_scores``); this asset estimates the coaching effect with
:func:`salesassess.method.coaching_statistics.coaching_effect` and writes
``marts.fct_coaching_effect``: one row for the team (``scope = team``, ``manager_id = 'team'`` as in
``fct_manager_effectiveness``) and one per manager with coached reps (``scope = manager``).

The rows in the model: active reps with a sufficient cycle sample (the reps who can be
given priorities: sample ``ok`` or ``unrepresentative``), criteria with a follow-up score
over at least ``followup_min_calls`` calls (as a verdict needs); the primary priority is
the coached criterion, every criterion that was no priority is a comparison criterion.
Secondary priorities are left out: the practice scenarios target them too, so they are
neither coached nor untouched. A rep inactive in the cycle's reps snapshot or the
follow-up window's is left out entirely (coached and comparison rows).

Two estimates per row: with every rep of the model (``effect``, ``ci_low``, ... as
before), and confirmed (``effect_confirmed``, ...), the model refitted without the reps
whose primary priority is provisional (scores not calibrated, or an unrepresentative
sample): neither their coached nor their comparison rows. ``n_provisional`` counts the
coached reps the confirmed estimate leaves out; ``is_provisional`` says the first
estimate rests partly on them. The summary and the reports lead with the confirmed one.
"""

from collections.abc import Mapping

import dagster as dg

from assets.mart_metadata import SLICE_STATUS, markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.method.calendar import cycle_window
from salesassess.method.coaching_statistics import CoachingEffect, coaching_effect, effect_text
from salesassess.publishing.python_marts import write_mart

COACHING_EFFECT_KEY = dg.AssetKey(["marts", "fct_coaching_effect"])
COACHING_EFFECT_TABLE = "marts.fct_coaching_effect"
TEAM = "team"


def model_rows(con, cycle: str, method: Mapping[str, object]) -> list[tuple]:
    """(rep_id, manager_id, criterion_id, cycle_score, followup_score, coached, confirmed)
    of the rep-criteria the model uses; ``confirmed``: the rep's evidence is neither
    provisional (primary priority) nor from an unrepresentative sample."""
    return con.execute(
        "select rep_id, coalesce(manager_id, ''), criterion_id, cycle_score, followup_score, "
        "coalesce(priority_rank = 1, false), "
        "sample_status = 'ok' and not coalesce(is_provisional, false) "
        "from intermediate.int_followup_rep_criterion_scores "
        "where cycle = $cycle and sample_status in ('ok', 'unrepresentative') "
        "and coalesce(is_active, true) and cycle_score is not null "
        "and n_followup_calls >= $min_calls and coalesce(priority_rank, 1) = 1 "
        "order by rep_id, criterion_id",
        {"cycle": cycle, "min_calls": int(method["followup_min_calls"])},
    ).fetchall()


def _estimates(result: CoachingEffect) -> tuple:
    return (
        result.n_coached,
        result.n_comparison,
        result.raw_change_coached,
        result.raw_change_comparison,
        result.effect,
        result.ci_low,
        result.ci_high,
        result.p_value,
        result.std_error,
        result.df,
    )


def _row(
    cycle: str, scope: str, manager: str, result: CoachingEffect, confirmed: CoachingEffect
) -> tuple:
    n_provisional = result.n_coached - confirmed.n_coached
    return (
        (cycle, scope, manager)
        + _estimates(result)
        + (result.method, result.reason, n_provisional > 0, n_provisional)
        + _estimates(confirmed)
        + (confirmed.reason,)
    )


def _effects(rows: list[tuple]) -> tuple[CoachingEffect, dict]:
    """The team's estimate and the managers' from model rows."""
    reps, groups, criteria, before, after, coached = (
        [list(column) for column in zip(*(row[:6] for row in rows), strict=True)]
        if rows
        else [[]] * 6
    )
    team = coaching_effect(reps, criteria, before, after, coached)[None]
    return team, coaching_effect(reps, criteria, before, after, coached, group=groups)


def build_coaching_effect_rows(con, cycle: str, method: Mapping[str, object]) -> list[tuple]:
    """The team's row, then one per manager with coached reps in the cycle."""
    rows = model_rows(con, cycle, method)
    managers = sorted(
        manager
        for (manager,) in con.execute(
            "select distinct manager_id from marts.fct_rescore_deltas "
            "where cycle = $cycle and manager_id is not null",
            {"cycle": cycle},
        ).fetchall()
    )
    team, by_manager = _effects(rows)
    team_confirmed, by_manager_confirmed = _effects([row for row in rows if row[6]])
    out = [_row(cycle, TEAM, TEAM, team, team_confirmed)]
    for manager in managers:
        # a manager without rep in the model (or in the confirmed one) has no estimate
        result = by_manager.get(manager) or _no_rows()
        confirmed = by_manager_confirmed.get(manager) or _no_rows()
        out.append(_row(cycle, "manager", manager, result, confirmed))
    return out


def _no_rows() -> CoachingEffect:
    return coaching_effect([], [], [], [], [])[None]


@dg.multi_asset(
    name="coaching_effect",
    specs=[
        dg.AssetSpec(
            key=COACHING_EFFECT_KEY,
            group_name="follow_up",
            deps=[
                dg.AssetKey(["intermediate", "int_followup_rep_criterion_scores"]),
                dg.AssetKey(["marts", "fct_rescore_deltas"]),
            ],
            description="Step 5: the coaching effect net of regression to the mean, for the "
            "team and per manager: ANCOVA of follow-up on cycle score with rep and criterion "
            "effects, CR2 cluster-robust 95% interval.",
            kinds={"python", "duckdb"},
        )
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "coaching_effect_key",
            asset=COACHING_EFFECT_KEY,
            description="One row per cycle, scope and manager_id; the team row present; "
            "every effect (and confirmed effect) inside its interval.",
            blocking=True,
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def coaching_effect_asset(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    with connect(settings.warehouse_path()) as con:
        rows = build_coaching_effect_rows(con, cycle, settings.method())
        team = rows[0]
        write_mart(con, "fct_coaching_effect", cycle, rows)
        problems = key_problems(con, cycle)
    columns = ["scope", "manager_id", "n_coached", "n_provisional", "effect_confirmed"]
    columns += ["ci_low_confirmed", "ci_high_confirmed", "effect", "ci_low", "ci_high"]
    status = "team effect " + effect_text(
        {"effect": team[21], "ci_low": team[22], "ci_high": team[23], "effect_note": team[27]}
    )
    if team[16]:
        status += f"; with the {team[16]} provisional: " + effect_text(
            {"effect": team[7], "ci_low": team[8], "ci_high": team[9], "effect_note": team[14]}
        )
    yield dg.MaterializeResult(
        asset_key=COACHING_EFFECT_KEY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(rows)),
            SLICE_STATUS: dg.MetadataValue.text(status),
            "preview": markdown_table(
                [row[1:4] + row[16:17] + row[21:24] + row[7:10] for row in rows], columns
            ),
        },
    )
    yield dg.AssetCheckResult(
        asset_key=COACHING_EFFECT_KEY,
        check_name="coaching_effect_key",
        passed=not problems,
        metadata={"problems": dg.MetadataValue.text("; ".join(problems) or "none")},
    )


def key_problems(con, cycle: str) -> list[str]:
    """What breaks the mart's contract for a cycle (empty when none)."""
    problems = []
    duplicates = con.execute(
        f"select scope, manager_id, count(*) from {COACHING_EFFECT_TABLE} where cycle = $cycle "
        "group by all having count(*) > 1",
        {"cycle": cycle},
    ).fetchall()
    problems += [f"{scope} {manager}: {n} rows" for scope, manager, n in duplicates]
    teams = con.execute(
        f"select count(*) from {COACHING_EFFECT_TABLE} where cycle = $cycle and scope = 'team'",
        {"cycle": cycle},
    ).fetchone()[0]
    if teams != 1:
        problems.append(f"{teams} team rows")
    outside = con.execute(
        f"select count(*) from {COACHING_EFFECT_TABLE} where cycle = $cycle and ("
        "(effect is not null and not (ci_low <= effect and effect <= ci_high)) or "
        "(effect_confirmed is not null and not "
        "(ci_low_confirmed <= effect_confirmed and effect_confirmed <= ci_high_confirmed)))",
        {"cycle": cycle},
    ).fetchone()[0]
    if outside:
        problems.append(f"{outside} effects outside their interval")
    return problems
