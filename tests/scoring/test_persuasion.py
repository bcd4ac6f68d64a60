"""The whole pipeline on real conversations: PersuasionForGood (Wang et al., ACL 2019,
Apache-2.0) through the persuasion adapter, a real Dagster materialisation of 2026-Q3, real
dbt and a real DuckDB file; the correlation mart reports how each criterion of
rubrics/templates/persuasion.yaml relates to the real donations.

The full 1,017 dialogues take about 66 s on 2 cores (44 s of it writing 701 reps' HTML
scorecards), over the suite's 60 s budget for one test, so this test reads the first
SUBSET dialogues in collection order (the adapter's ``dialogues`` option). The expected
figures are computed here independently of the adapter, with SQL over the dataset's CSVs.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest
import yaml

from bench.persuasion_agreement import STRATEGIES
from tests.helpers import ROOT, materialize_cycle, query

DATASET = ROOT / "data" / "external" / "persuasionforgood"
TEMPLATE = ROOT / "rubrics" / "templates" / "persuasion.yaml"
SUBSET = 300
PARTITION = "2026-07-01"
CRITERIA = [
    "rapport_discovery",
    "credibility",
    "emotional_appeal",
    "donation_ask",
    "objection_handling",
]
# the collection time in a dialogue id (20180904-045349_715_live, BAD_ prefix ignored)
ORDER = "regexp_extract(B2, '^(BAD_)?([0-9]{8}-[0-9]{6})', 2), B2"


@pytest.fixture(scope="module")
def expected():
    """Dialogues, donors, sentences and persuaders of the subset, from the raw CSVs."""
    info, dialog = DATASET / "full_info.csv", DATASET / "full_dialog.csv"
    with duckdb.connect() as con:
        con.execute(
            "create table chosen as select B2 from "
            f"(select distinct B2 from read_csv('{info}', all_varchar = true)) "
            f"order by {ORDER} limit {SUBSET}"
        )
        dialogues, donors, persuaders = con.execute(
            "select count(distinct i.B2), count(distinct i.B2) filter (where i.B4 = '1' and "
            "cast(i.B6 as double) > 0), count(distinct i.B3) filter (where i.B4 = '0') "
            f"from read_csv('{info}', all_varchar = true) i join chosen using (B2)"
        ).fetchone()
        sentences = con.execute(
            f"select count(*) from read_csv('{dialog}', all_varchar = true) d "
            "join chosen using (B2)"
        ).fetchone()[0]
        # reviewers' levels: the annotated dialogues of the subset, 1 + the persuader
        # sentences labelled with a criterion's strategies, capped at 5
        labels = ", ".join(f"('{c}', '{label}')" for c, ls in STRATEGIES.items() for label in ls)
        human = con.execute(
            "select d.B2, v.c, least(5, 1 + count(a.B2)) from (select distinct B2 from "
            f"read_csv('{DATASET / 'annotated_dialog.csv'}', all_varchar = true) join chosen "
            f"using (B2)) d cross join (select distinct c from (values {labels}) t(c, l)) v "
            f"left join (read_csv('{DATASET / 'annotated_dialog.csv'}', all_varchar = true) a "
            f"join (values {labels}) t(c, l) on a.B4 = '0' and l in (a.er_label_1, a.er_label_2)) "
            "on a.B2 = d.B2 and t.c = v.c group by all order by all"
        ).fetchall()
    return {
        "dialogues": dialogues,
        "donors": donors,
        "persuaders": persuaders,
        "sentences": sentences,
        "human": human,
    }


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, expected):
    landing = tmp_path_factory.mktemp("persuasion_landing")
    shutil.copy(TEMPLATE, landing / "rubric.yaml")
    with (landing / "scores.csv").open("w", encoding="utf-8") as handle:
        handle.write("call_id,criterion_id,score,scorer_id,scorer_kind,scored_at\n")
        for call, criterion, level in expected["human"]:
            handle.write(f"{call},{criterion},{level},annotators,human,2026-09-30T12:00:00Z\n")
    source = {"adapter": "persuasion", "path": str(DATASET), "dialogues": SUBSET}
    kinds = ("reps", "calls", "utterances", "opportunities")
    (landing / "sources.yaml").write_text(yaml.safe_dump(dict.fromkeys(kinds, source)))
    work = tmp_path_factory.mktemp("persuasion_warehouse")
    warehouse = work / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(tmp_path_factory.mktemp("dagster_home")))
        patch.setenv("ASSESSMENT_LANDING_DIR", str(landing))
        patch.setenv("ASSESSMENT_SOURCES_ALLOW", str(DATASET))
        patch.setenv("ASSESSMENT_WAREHOUSE", str(warehouse))
        patch.setenv("ASSESSMENT_PUBLISHED", str(work / "published.duckdb"))
        patch.setenv("ASSESSMENT_REPORTS_DIR", str(work / "reports"))
        patch.setenv("ASSESSMENT_ADAPTED_DIR", str(work / "adapted"))
        patch.delenv("ASSESSMENT_CONFIG", raising=False)
        patch.delenv("ASSESSMENT_SOURCES", raising=False)
        result = materialize_cycle(PARTITION)
        assert result.success
        yield warehouse


def test_every_adapted_row_is_accepted(warehouse, expected):
    rows = query(
        warehouse,
        "select kind, rows_read, rows_accepted, rows_quarantined, rows_other_partition "
        "from raw.load_log where cycle = '2026-Q3' order by kind",
    )
    n = expected["dialogues"]
    assert rows == [
        ("calls", n, n, 0, 0),
        ("opportunities", n, n, 0, 0),
        ("reps", expected["persuaders"], expected["persuaders"], 0, 0),
        ("scores", len(expected["human"]), len(expected["human"]), 0, 0),
        ("utterances", expected["sentences"], expected["sentences"], 0, 0),
    ]


def test_timestamps_are_derived_from_turn_order(warehouse, expected):
    # sentence k of a dialogue starts at (k - 1) x 15 s and ends 15 s later
    assert query(
        warehouse,
        "select count(*), count(*) filter (where start_ms = (seq - 1) * 15000 "
        "and end_ms = seq * 15000) from raw.utterances where cycle = '2026-Q3'",
    ) == [(expected["sentences"], expected["sentences"])]
    # the dialogues start in collection order, spread over the quarter, one second apart
    # at least (92 days / 300 dialogues = 7.36 hours)
    starts = query(
        warehouse,
        "select started_at from raw.calls where cycle = '2026-Q3' "
        "order by regexp_extract(call_id, '^(BAD_)?([0-9]{8}-[0-9]{6})', 2), call_id",
    )
    assert len(starts) == expected["dialogues"]
    assert all(a[0] < b[0] for a, b in zip(starts, starts[1:], strict=False))
    assert str(starts[0][0].date()) == "2026-07-01"
    assert str(starts[-1][0].date()) < "2026-10-01"


def test_auto_scorer_scores_every_dialogue_on_every_criterion(warehouse, expected):
    rows = query(
        warehouse,
        "select criterion_id, count(distinct call_id) from raw.auto_scores "
        "where cycle = '2026-Q3' group by 1 order by 1",
    )
    assert rows == [(criterion, expected["dialogues"]) for criterion in sorted(CRITERIA)]


def test_correlation_mart_relates_every_criterion_to_real_donations(warehouse, expected):
    rows = query(
        warehouse,
        "select criterion_id, n, r, p_value, ci_low, ci_high "
        "from marts.fct_criterion_win_correlation where cycle = '2026-Q3'",
    )
    assert sorted(row[0] for row in rows) == sorted(CRITERIA)
    for criterion, n, r, p_value, ci_low, ci_high in rows:
        assert n == expected["dialogues"], criterion
        assert -1 <= ci_low <= r <= ci_high <= 1, criterion
        assert 0 <= p_value <= 1, criterion
    won = query(
        warehouse,
        "select criterion_id, count(*), sum(won) from intermediate.int_criterion_outcome_pairs "
        "where cycle = '2026-Q3' group by 1 order by 1",
    )
    assert won == [
        (criterion, expected["dialogues"], expected["donors"]) for criterion in sorted(CRITERIA)
    ]


def test_learned_scorer_trains_on_the_reviewers_and_the_better_scorer_scores(warehouse, expected):
    scored = len({call for call, _, _ in expected["human"]})
    assert scored == 185  # annotated dialogues among the first 300
    learned = f"learned:persuasion@1/learned-2/n{scored}/2026-09-30"
    rules = "auto:persuasion@1/rules-1"
    candidates = query(
        warehouse,
        "select criterion_id, scorer_id, scores_calls, n_calls, within_one_rate "
        "from raw.auto_scorer_candidates where cycle = '2026-Q3' order by 1, 2",
    )
    assert [(r[0], r[1], r[3]) for r in candidates] == [
        (c, scorer, scored) for c in sorted(CRITERIA) for scorer in (rules, learned)
    ]
    winner = {}
    for criterion in CRITERIA:
        rows = {r[1]: r for r in candidates if r[0] == criterion}
        better = rows[learned][4] > rows[rules][4]
        winner[criterion] = learned if better else rules
        assert rows[winner[criterion]][2] and not rows[rules if better else learned][2]
    # the winner scores every dialogue of its criterion
    assert query(
        warehouse,
        "select criterion_id, scorer_id, count(*) from raw.auto_scores "
        "where cycle = '2026-Q3' group by 1, 2 order by 1",
    ) == [(c, winner[c], expected["dialogues"]) for c in sorted(CRITERIA)]
    # dbt's auto_vs_human agreement over the pairs is the winner's held-out figure, and
    # the loser is reported beside it
    reliability = query(
        warehouse,
        "select criterion_id, scorer_id, scores_calls, n_calls, within_one_rate "
        "from marts.fct_rubric_reliability where cycle = '2026-Q3' "
        "and comparison = 'auto_vs_human' and criterion_id <> 'overall' order by 1, 3",
    )
    by_scorer = {(r[0], r[1]): r[4] for r in candidates}
    assert reliability == [
        row
        for c in sorted(CRITERIA)
        for row in (
            (
                c,
                rules if winner[c] == learned else learned,
                False,
                scored,
                pytest.approx(by_scorer[(c, rules if winner[c] == learned else learned)]),
            ),
            (c, winner[c], True, scored, pytest.approx(by_scorer[(c, winner[c])])),
        )
    ]
