"""The automated scorer of one partition label (a cycle, or a follow-up or check-in window):
the rules under the rubric in force, then the learned scorer after them."""

from __future__ import annotations

from salesassess.method.rubric import cycle_rubric_file
from salesassess.scoring.auto_scorer import OUTPUT_COLUMNS, score_calls
from salesassess.scoring.learned_scorer import (
    LearnedSettings,
    learn_and_score,
    score_window_with_cycle_models,
)
from salesassess.scoring.scorer_spec import load_scorer


def auto_score_partition(
    con,
    landing_dir,
    label: str,
    before,
    learned: LearnedSettings | None = None,
    cycle: str | None = None,
) -> dict | None:
    """The automated scorer over the calls with a transcript in ``raw.utterances`` under
    ``label`` (a cycle, or a follow-up or check-in window), under the rubric in force
    before the day ``before`` (the window's end); its scores replace the label's rows of
    ``raw.auto_scores``. ``None`` (and no rows) when that rubric declares no scorer.
    With ``learned``, the learned scorer follows the rules (its report is the result's
    ``learned``): for the cycle itself it trains and competes with the rules; for a window
    of ``cycle`` the criteria it won in the cycle score the window with the cycle's model,
    so a follow-up compares like with like."""
    file = cycle_rubric_file(landing_dir, before)
    spec = load_scorer(file) if file else None
    if spec is None or not spec.criteria:
        columns = ", ".join(f"{name} {kind}" for name, kind in OUTPUT_COLUMNS)
        con.execute("create schema if not exists raw")
        con.execute(f"create table if not exists raw.auto_scores ({columns})")
        con.execute("delete from raw.auto_scores where cycle = $c", {"c": label})
        return None
    counts = "_learned_signal_counts" if learned is not None else None
    result = score_calls(
        con, spec, cycle=label, rubric_version=spec.rubric_version, signal_counts_table=counts
    )
    if learned is not None:
        result["learned"] = learned_after_rules(con, spec, label, learned, cycle, counts)
    return result


def learned_after_rules(con, spec, label: str, learned: LearnedSettings, cycle, counts):
    """The learned scorer after the rules scored ``label`` (each call's signal counts in the
    temp table ``counts``): for the cycle itself it trains and competes with the rules; for
    a window of ``cycle`` the criteria it won in the cycle score the window with the
    cycle's model. Its report."""
    if cycle not in (None, label):
        return score_window_with_cycle_models(
            con, spec, label, cycle, settings=learned, signal_counts_table=counts
        )
    return learn_and_score(con, spec, cycle=label, settings=learned, signal_counts_table=counts)
