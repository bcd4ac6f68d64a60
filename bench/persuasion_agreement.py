"""Held-out agreement of the rules and the learned scorer with human levels on real chats:
``python -m bench.persuasion_agreement``.

Data: PersuasionForGood's 300 annotated dialogues (``data/external/persuasionforgood``,
``annotated_dialog.csv``), scored with ``rubrics/templates/persuasion.yaml``. The human level
of a dialogue on a criterion comes from the annotators' strategy labels of the persuader's
sentences (``er_label_1``, ``er_label_2``): level = 1 + the number of sentences labelled
with one of the criterion's strategies (:data:`STRATEGIES`), capped at the top of the scale.

Split, fixed before any experiment: the dialogues in collection order (the adapter's order:
the time in the id, then the id); the first half is the development set (the learned
scorer is trained there, and its ridge penalty was chosen by cross-validation on it
alone); the second half is the held-out set, scored once per change and never used to
choose anything. The rules see no label at all.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import numpy as np

from salesassess.scoring.auto_scorer import score_calls
from salesassess.scoring.learned_scorer import LearnedSettings, agreement, learn_and_score
from salesassess.scoring.scorer_spec import load_scorer

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "data" / "external" / "persuasionforgood"
TEMPLATE = ROOT / "rubrics" / "templates" / "persuasion.yaml"
CYCLE = "2026-Q3"
STRATEGIES = {
    "rapport_discovery": (
        "personal-related-inquiry",
        "task-related-inquiry",
        "source-related-inquiry",
    ),
    "credibility": ("credibility-appeal",),
    "emotional_appeal": ("emotion-appeal", "personal-story", "self-modeling"),
    "donation_ask": ("proposition-of-donation", "ask-donation-amount", "donation-information"),
    "objection_handling": ("acknowledgement", "logical-appeal", "foot-in-the-door"),
}
ORDER = "regexp_extract(B2, '^(BAD_)?([0-9]{8}-[0-9]{6})', 2), B2"


def load(con: duckdb.DuckDBPyConnection, dataset: Path = DATASET) -> tuple[list, list]:
    """raw.utterances of the annotated dialogues (as the persuasion adapter maps them) and
    human levels in temp table human_levels; returns (development ids, held-out ids)."""
    annotated = dataset / "annotated_dialog.csv"
    con.execute("create schema if not exists raw")
    con.execute(
        "create or replace table raw.utterances as select $cycle as cycle, B2 as call_id, "
        "row_number() over (partition by B2 order by rn) as seq, "
        "(row_number() over (partition by B2 order by rn) - 1) * 15000 as start_ms, "
        "row_number() over (partition by B2 order by rn) * 15000 as end_ms, "
        "case when B4 = '0' then 'rep' else 'prospect' end as speaker_role, "
        "cast(null as varchar) as speaker_name, Unit as text "
        f"from (select *, row_number() over () as rn from read_csv('{annotated}', "
        "all_varchar = true))",
        {"cycle": CYCLE},
    )
    values = ", ".join(
        f"('{criterion}', '{label}')"
        for criterion, labels in STRATEGIES.items()
        for label in labels
    )
    con.execute(
        "create or replace temp table human_levels as "
        "select d.call_id, s.criterion_id, least(5, 1 + count(l.B2)) as level "
        "from (select distinct call_id from raw.utterances) d "
        f"cross join (select distinct criterion_id from (values {values}) v(criterion_id, l)) s "
        f"left join (select a.B2, v.criterion_id from read_csv('{annotated}', "
        f"all_varchar = true) a join (values {values}) v(criterion_id, label) "
        "on a.B4 = '0' and (a.er_label_1 = v.label or a.er_label_2 = v.label)) l "
        "on l.B2 = d.call_id and l.criterion_id = s.criterion_id "
        "group by all"
    )
    ordered = [
        r[0]
        for r in con.execute(
            f"select B2 from (select distinct call_id as B2 from raw.utterances) order by {ORDER}"
        ).fetchall()
    ]
    half = len(ordered) // 2
    return ordered[:half], ordered[half:]


def evaluate(dataset: Path = DATASET, settings: LearnedSettings | None = None) -> dict:
    """Per criterion: the rules' and the learned scorer's agreement on the held-out half."""
    spec = load_scorer(TEMPLATE)
    with tempfile.TemporaryDirectory(prefix="persuasion_agreement_") as folder:
        con = duckdb.connect(str(Path(folder) / "w.duckdb"))
        development, held_out = load(con, dataset)
        score_calls(
            con,
            spec,
            cycle=CYCLE,
            rubric_version=spec.rubric_version,
            signal_counts_table="_signal_counts",
        )
        con.execute("create temp table rules_scores as select * from raw.auto_scores")
        con.execute(
            "create table raw.scores (cycle varchar, call_id varchar, criterion_id varchar, "
            "score double, scorer_id varchar, scorer_kind varchar, "
            "rubric_version_resolved varchar, scored_at timestamp)"
        )
        con.execute("create temp table development (call_id varchar)")
        con.executemany("insert into development values (?)", [(c,) for c in development])
        con.execute(
            "insert into raw.scores select $cycle, h.call_id, h.criterion_id, h.level, "
            "'annotators', 'human', $version, timestamp '2026-09-30 00:00:00' "
            "from human_levels h join development using (call_id)",
            {"cycle": CYCLE, "version": spec.rubric_version},
        )
        report = learn_and_score(
            con,
            spec,
            cycle=CYCLE,
            settings=settings or LearnedSettings(min_scored_calls=50),
            signal_counts_table="_signal_counts",
            prefer_learned=True,
        )
        con.execute("create temp table held_out (call_id varchar)")
        con.executemany("insert into held_out values (?)", [(c,) for c in held_out])
        rows = con.execute(
            "select h.criterion_id, h.level, r.score, a.score from human_levels h "
            "join held_out using (call_id) "
            "join rules_scores r on r.call_id = h.call_id and r.criterion_id = h.criterion_id "
            "join raw.auto_scores a on a.call_id = h.call_id and a.criterion_id = h.criterion_id "
            "order by h.criterion_id, h.call_id"
        ).fetchall()
        con.close()
    result = {"scorer_id": report["scorer_id"], "development": len(development), "criteria": {}}
    for criterion in STRATEGIES:
        picked = [r for r in rows if r[0] == criterion]
        human = np.array([r[1] for r in picked], dtype=float)
        result["criteria"][criterion] = {
            "rules": agreement(np.array([r[2] for r in picked]), human, 1, 5),
            "learned": agreement(np.array([r[3] for r in picked]), human, 1, 5),
            "cross_validated": report["criteria"][criterion],
        }
    return result


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    result = evaluate()
    print(f"learned scorer {result['scorer_id']}; trained on {result['development']} dialogues")
    print(
        "criterion            held-out n | within-1 rules  learned | kappa rules  learned "
        "| alpha rules  learned"
    )
    for criterion, figures in result["criteria"].items():
        rules, learned = figures["rules"], figures["learned"]
        print(
            f"{criterion:20} {rules['n_calls']:10} | {rules['within_one_rate']:14.3f} "
            f"{learned['within_one_rate']:8.3f} | {rules['kappa']:11.3f} {learned['kappa']:8.3f} "
            f"| {rules['alpha']:11.3f} {learned['alpha']:8.3f}"
        )


if __name__ == "__main__":
    main()
