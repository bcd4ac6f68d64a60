"""Deterministic demo data: a believable sales team written as a canonical landing folder.

``python -m salesassess.demo.data --out data/landing`` writes the landing files of
DATA_CONTRACT.md (``rubric.yaml``, ``reps.csv``, ``calls.csv``, ``utterances.parquet``,
``scores.csv``, ``opportunities.csv``, ``coaching_sessions.csv``) and
``_truth/truth.json``, the hidden structure the analytics must rediscover (ingestion
ignores it). The same arguments give byte-identical files.

The company behind the data:

* every rep has a latent skill per criterion; each call shows a behaviour per criterion
  around that skill, and its transcript is written from phrase banks of that behaviour
  level, so a rule-based scorer can recover the level from the words;
* an opportunity's chance of being won rises with the behaviour shown on its calls, with
  hidden weights per criterion (for the one-call-close rubric, urgency creation matters
  most and next step / process adherence not at all);
* each quarter, every rep's manager scores a sample of 12 of the rep's calls stratified
  by ISO week (one rep gets only 6 in the last quarter: ``insufficient_sample``); 10 calls
  per team get a second reviewer, who disagrees more on the criterion with vague anchors;
  the manager re-scores up to 8 calls in the 30 days after each coaching session; about
  15% of calls also carry an external platform scorecard;
* after each quarter every rep gets a coaching session on their largest weighted skill gap;
  a rep responds with the manager's coaching efficacy and then improves on that criterion.

Calls, scores and opportunities are built with vectorised numpy (a million calls without
transcripts take seconds); only the transcripts are written call by call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from salesassess.demo.model import (
    CALIBRATION_CALLS,
    COACHING_LIFT,
    COMPANY_KINDS,
    COMPANY_STEMS,
    EXTERNAL_SCORER,
    EXTERNAL_SD,
    EXTERNAL_SHARE,
    FOLLOWUP_CALLS,
    FOLLOWUP_DAYS,
    HUMAN_SD,
    OFFSETS,
    ROLE_NAMES,
    SAMPLE_CALLS,
    VAGUE_CRITERION,
    VAGUE_SD,
    WIN_INTERCEPT,
    Coaching,
    RubricInfo,
    Team,
    _behaviour,
    _company,
    _days,
    _ids,
    _levels,
    _make_calls,
    _make_coaching,
    _make_opportunities,
    _make_team,
    _plan_scores,
    _quarter_day,
    _score_table,
    _sessions_before,
    _timestamps,
    _width,
    load_rubric,
    win_weights,
)
from salesassess.demo.transcripts import UTTERANCES_SCHEMA, TranscriptWriter
from salesassess.method.calendar import add_quarters, cycle_key
from salesassess.platform.environment import RUBRIC_TEMPLATES, load_dotenv, resolve

DEFAULT_RUBRIC = RUBRIC_TEMPLATES / "one_call_close.yaml"
DEFAULT_LANDING_DIR = "data/landing"

CALLS_PER_PART = 20_000  # utterances are written to Parquet every this many calls
# Every file the generator writes (and removes first, so a rerun overwrites them).
OUTPUT_FILES = (
    "rubric.yaml",
    "reps.csv",
    "calls.csv",
    "utterances.parquet",
    "scores.csv",
    "opportunities.csv",
    "coaching_sessions.csv",
    "_truth/truth.json",
)

# --- the hidden structure (all on a 1..5 scale; other scales are mapped linearly) -------


# --- writing ------------------------------------------------------------------------------
# Columns the generator builds from ids, dates and fixed word lists: never need quoting.
SAFE_COLUMNS = frozenset(
    ("call_id", "rep_id", "owner_rep_id", "opportunity_id", "account_id", "started_at")
    + ("scored_at", "title", "direction", "stage", "email", "manager_id", "coach_id")
)


def _needs_quotes(name: str, column: pa.ChunkedArray) -> bool:
    if name in SAFE_COLUMNS:
        return False
    values = column.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary
    if not pa.types.is_string(values.type):
        return False
    return bool(pc.any(pc.match_substring_regex(values, '[,"\r\n]')).as_py())


def write_csv(table: pa.Table, path: Path) -> None:
    """CSV with a plain header; values are quoted only when a column needs it."""
    columns = zip(table.column_names, table.columns, strict=True)
    quoting = "needed" if any(_needs_quotes(n, c) for n, c in columns) else "none"
    with path.open("wb") as sink:
        sink.write((",".join(table.column_names) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style=quoting)
        pacsv.write_csv(table, sink, options)


def _round(value: float) -> float:
    return round(float(value), 4)


def _write_part(parquet: pq.ParquetWriter, table: pa.Table) -> int:
    if table.num_rows:
        parquet.write_table(table)
    return table.num_rows


def generate(
    out_dir: str | Path,
    *,
    seed: int = 7,
    reps: int = 24,
    managers: int | None = None,
    quarters: int = 4,
    calls_per_rep: int = 50,
    last_quarter: str | dt.date | None = None,
    rubric_path: str | Path | None = None,
    transcripts: bool = True,
    human_share: float | None = None,
) -> dict[str, int]:
    """Write the demo landing folder into ``out_dir``; return the row count per file."""
    managers = managers if managers is not None else max(3, math.ceil(reps / 8))
    if seed < 0 or reps < 1 or managers < 1 or quarters < 1 or calls_per_rep < 1:
        raise ValueError("seed must be >= 0; reps, managers, quarters, calls_per_rep >= 1")
    if human_share is not None and not 0.0 <= human_share <= 1.0:
        raise ValueError("human_share must be between 0 and 1")
    managers = min(managers, reps)
    rubric_file = Path(rubric_path) if rubric_path is not None else DEFAULT_RUBRIC
    rubric = load_rubric(rubric_file)
    betas = win_weights(rubric)
    last_start = _quarter_day(last_quarter)
    starts = [add_quarters(last_start, k - quarters + 1) for k in range(quarters)]
    assessed = [add_quarters(start, 1) for start in starts]
    data_end = assessed[-1] + dt.timedelta(days=FOLLOWUP_DAYS)  # exclusive
    periods = [*zip(starts, assessed, strict=True), (assessed[-1], data_end)]

    team = _make_team(seed, reps, managers, starts[0])
    calls = _make_calls(seed, team, periods, calls_per_rep)
    coaching = _make_coaching(seed, team, rubric, assessed)
    sessions = _sessions_before(calls, coaching)
    behaviour = _behaviour(seed, calls, coaching, rubric, sessions)
    last_day = _days(data_end) - np.timedelta64(1, "D")
    rep_ids = pa.array(team.rep_ids)
    opportunities = _make_opportunities(seed, calls, behaviour, rubric, betas, last_day, rep_ids)
    plan = _plan_scores(seed, calls, team, coaching, sessions, quarters, human_share)

    call_ids = _ids("call_", np.arange(1, len(calls) + 1), _width(len(calls), 6))
    offsets = pc.take(
        pa.array([text for text, _ in OFFSETS]), pa.array(team.offset_of_rep[calls.rep])
    )
    call_labels = np.array(
        [
            ["Intro and demo", "", ""],
            ["Discovery call", "Demo and pricing", ""],
            ["Discovery call", "Product demo", "Proposal review"],
        ]
    )[opportunities.size[opportunities.of_call] - 1, opportunities.position]
    company_names = pa.array([_company(i) for i in range(len(COMPANY_STEMS) * len(COMPANY_KINDS))])
    call_company = pc.take(company_names, pa.array(opportunities.company[opportunities.of_call]))
    calls_table = pa.table(
        {
            "call_id": call_ids,
            "rep_id": pc.take(rep_ids, pa.array(calls.rep)),
            "started_at": _timestamps(calls.local, offsets),
            "duration_s": pa.array(calls.duration_s, pa.int64()),
            "opportunity_id": pc.take(
                opportunities.table["opportunity_id"], pa.array(opportunities.of_call)
            ),
            "title": pc.binary_join_element_wise(call_company, pa.array(call_labels), " - "),
            "direction": pa.array(np.where(calls.outbound, "outbound", "inbound")),
        }
    )
    scores_table = _score_table(seed, plan, calls, behaviour, rubric, team, call_ids)
    coaching_table = _coaching_table(team, rubric, coaching, starts)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        (out / name).unlink(missing_ok=True)
    shutil.copyfile(rubric_file, out / "rubric.yaml")
    counts = {"rubric.yaml": 1}
    for name, table in (
        ("reps.csv", team.table),
        ("calls.csv", calls_table),
        ("opportunities.csv", opportunities.table),
        ("coaching_sessions.csv", coaching_table),
    ):
        write_csv(table, out / name)
        counts[name] = table.num_rows
    moments: dict[tuple[str, int], int] = {}
    if transcripts:
        writer = TranscriptWriter(seed, rubric, team, opportunities)
        per_call = zip(
            call_ids.to_pylist(),
            calls.rep.tolist(),
            opportunities.of_call.tolist(),
            calls.day.astype(dt.date).tolist(),
            calls.duration_s.tolist(),
            _levels(behaviour, rubric).tolist(),
            strict=True,
        )
        written = 0
        with pq.ParquetWriter(
            out / "utterances.parquet", UTTERANCES_SCHEMA, compression="zstd"
        ) as parquet:
            for number, call in enumerate(per_call, start=1):
                writer.add_call(*call)
                if number % CALLS_PER_PART == 0:
                    written += _write_part(parquet, writer.table())
            written += _write_part(parquet, writer.table())
        counts["utterances.parquet"] = written
        moments = writer.moments
    if moments:
        # reviewers note the moment that decided each score (evidence_start_ms)
        criterion_index = {cid: i for i, cid in enumerate(rubric.ids)}
        evidence = [
            moments.get((call, criterion_index[criterion]))
            for call, criterion in zip(
                scores_table["call_id"].to_pylist(),
                scores_table["criterion_id"].to_pylist(),
                strict=True,
            )
        ]
        scores_table = scores_table.append_column(
            "evidence_start_ms", pa.array(evidence, pa.int64())
        )
    write_csv(scores_table, out / "scores.csv")
    counts["scores.csv"] = scores_table.num_rows

    truth = _truth(
        seed=seed,
        rubric=rubric,
        betas=betas,
        team=team,
        coaching=coaching,
        starts=starts,
        assessed=assessed,
        data_end=data_end,
        plan=plan,
        calls=calls,
        opportunities=opportunities,
        settings={
            "reps": reps,
            "managers": managers,
            "quarters": quarters,
            "calls_per_rep": calls_per_rep,
            "last_quarter": last_start.isoformat(),
            "transcripts": transcripts,
            "human_share": human_share,
        },
        counts=counts,
    )
    (out / "_truth").mkdir(exist_ok=True)
    (out / "_truth" / "truth.json").write_text(json.dumps(truth, indent=2, sort_keys=True) + "\n")
    return counts


def _coaching_table(
    team: Team, rubric: RubricInfo, coaching: Coaching, starts: list[dt.date]
) -> pa.Table:
    reps, quarters = coaching.focus.shape
    rep = np.tile(np.arange(reps), quarters)
    quarter = np.repeat(np.arange(quarters), reps)
    focus = coaching.focus.T.ravel()
    manager = team.manager_of_rep[rep]
    notes = [
        f"Quarterly feedback on {rubric.names[c].lower()}: reviewed the sampled calls together "
        "and agreed to practise the level-4 behaviour."
        for c in range(len(rubric.ids))
    ]
    return pa.table(
        {
            "rep_id": [team.rep_ids[r] for r in rep],
            "cycle": [cycle_key(starts[k]) for k in quarter],
            "criterion_id": [rubric.ids[c] for c in focus],
            "delivered_on": pa.array(coaching.delivered.T.ravel(), pa.date32()),
            "coach_id": [team.manager_ids[m] for m in manager],
            "note": [notes[c] for c in focus],
        }
    )


def _truth(
    *,
    seed,
    rubric,
    betas,
    team,
    coaching,
    starts,
    assessed,
    data_end,
    plan,
    calls,
    opportunities,
    settings,
    counts,
) -> dict:
    cycles = [cycle_key(start) for start in starts]
    reps, quarters = coaching.focus.shape
    sessions = [
        {
            "rep_id": team.rep_ids[r],
            "cycle": cycles[k],
            "criterion_id": rubric.ids[coaching.focus[r, k]],
            "delivered_on": str(coaching.delivered[r, k]),
            "coach_id": team.manager_ids[team.manager_of_rep[r]],
            "responded": bool(coaching.responded[r, k]),
        }
        for k in range(quarters)
        for r in range(reps)
    ]
    won = opportunities.table["is_won"].to_numpy(zero_copy_only=False)
    closed = opportunities.table["is_closed"].to_numpy(zero_copy_only=False)
    insufficient = None
    if plan.short_rep is not None:
        in_last = calls.period[plan.call] == quarters - 1
        mine = calls.rep[plan.call] == plan.short_rep
        insufficient = {
            "rep_id": team.rep_ids[plan.short_rep],
            "cycle": cycles[-1],
            "n_scored_calls": int(len(np.unique(plan.call[in_last & mine]))),
        }
    return {
        "generator": {"seed": seed, **settings},
        "rubric": {
            "rubric_id": rubric.rubric_id,
            "version": rubric.version,
            "criteria": list(rubric.ids),
        },
        "data_window": {
            "start": starts[0].isoformat(),
            "end_exclusive": data_end.isoformat(),
            "followup_days_after_last_cycle": FOLLOWUP_DAYS,
        },
        "cycles": [
            {"cycle": c, "start": s.isoformat(), "assessment_date": a.isoformat()}
            for c, s, a in zip(cycles, starts, assessed, strict=True)
        ],
        "win_model": {
            "formula": "P(won) = sigmoid(intercept + sum_c weight_c * "
            "(mean behaviour_c over the opportunity's calls - centre) / unit)",
            "intercept": WIN_INTERCEPT,
            "centre": rubric.centre,
            "unit": rubric.unit,
            "weights": {c: _round(b) for c, b in zip(rubric.ids, betas, strict=True)},
            "most_predictive_criterion": rubric.ids[int(np.argmax(betas))],
            "n_opportunities": int(len(won)),
            "n_closed": int(closed.sum()),
            "n_won": int(won.sum()),
        },
        "manager_coaching_efficacy": {
            team.manager_ids[m]: _round(p) for m, p in enumerate(coaching.efficacy)
        },
        "coaching_lift": COACHING_LIFT * rubric.unit,
        "rep_skills": {
            team.rep_ids[r]: {c: _round(coaching.skills[r, 0, i]) for i, c in enumerate(rubric.ids)}
            for r in range(reps)
        },
        "rep_skills_by_cycle": {
            team.rep_ids[r]: {
                cycles[k]: {c: _round(coaching.skills[r, k, i]) for i, c in enumerate(rubric.ids)}
                for k in range(quarters)
            }
            for r in range(reps)
        },
        "coaching_sessions": sessions,
        "coaching_responders": {
            cycles[k]: [team.rep_ids[r] for r in range(reps) if coaching.responded[r, k]]
            for k in range(quarters)
        },
        "insufficient_sample": insufficient,
        "scoring": {
            "policy": "human_share" if settings["human_share"] is not None else "sample",
            "sample_calls_per_rep_and_quarter": SAMPLE_CALLS,
            "calibration_calls_per_team_and_quarter": CALIBRATION_CALLS,
            "followup_calls_per_session": FOLLOWUP_CALLS,
            "external_share": EXTERNAL_SHARE,
            "external_scorer": EXTERNAL_SCORER,
            "noise_sd": {
                "human": HUMAN_SD,
                "second_reviewer_vague": VAGUE_SD,
                "external": EXTERNAL_SD,
            },
            "vague_criterion": VAGUE_CRITERION if VAGUE_CRITERION in rubric.ids else None,
            "pairs_by_role": {
                ROLE_NAMES[role]: int((plan.role == role).sum()) for role in range(len(ROLE_NAMES))
            },
        },
        "counts": counts,
    }


def main(argv: list[str] | None = None) -> None:
    load_dotenv()
    parser = argparse.ArgumentParser(
        prog="python -m salesassess.demo.data",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Write deterministic demo data (a canonical landing folder). "
        "Relative paths are relative to the project root.",
    )
    parser.add_argument(
        "--out",
        default=os.environ.get("ASSESSMENT_LANDING_DIR") or DEFAULT_LANDING_DIR,
        help="the landing folder to write (ASSESSMENT_LANDING_DIR)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed: same seed, same data")
    parser.add_argument("--reps", type=int, default=24, help="number of sales reps")
    parser.add_argument(
        "--managers", type=int, default=None, help="default: max(3, ceil(reps / 8))"
    )
    parser.add_argument(
        "--quarters", type=int, default=4, help="quarters of calls, up to --last-quarter"
    )
    parser.add_argument("--calls-per-rep", type=int, default=50, help="per rep and quarter")
    parser.add_argument(
        "--last-quarter",
        default=None,
        help="first day of the last assessed quarter, YYYY-MM-DD "
        "(default: latest complete quarter)",
    )
    parser.add_argument(
        "--rubric", default=str(DEFAULT_RUBRIC), help="the rubric the scores are drawn for"
    )
    parser.add_argument("--no-transcripts", action="store_true", help="skip utterances.parquet")
    parser.add_argument(
        "--human-share",
        type=float,
        default=None,
        help="score every call by its rep's manager with this probability "
        "instead of the sample policy",
    )
    args = parser.parse_args(argv)
    out = resolve(args.out)
    started = time.perf_counter()
    counts = generate(
        out,
        seed=args.seed,
        reps=args.reps,
        managers=args.managers,
        quarters=args.quarters,
        calls_per_rep=args.calls_per_rep,
        last_quarter=args.last_quarter,
        rubric_path=resolve(args.rubric),
        transcripts=not args.no_transcripts,
        human_share=args.human_share,
    )
    print(f"wrote {out} in {time.perf_counter() - started:.1f} s")
    for name, rows in counts.items():
        print(f"  {name:<24} {rows:>10,} rows")


if __name__ == "__main__":
    main()
