"""The automated scorer: rules on hand-written transcripts in a real DuckDB file, with the
exact level, evidence moment (ms and mm:ss) and reason; validation; the templates."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from salesassess.method.rubric import RubricError, load_rubric_file, parse_rubric
from salesassess.scoring.auto_scorer import OUTPUT_COLUMNS, score_calls
from salesassess.scoring.scorer_spec import load_scorer, parse_scorer
from tests.helpers import ROOT

TEMPLATES = ROOT / "rubrics" / "templates"
CYCLE = "2026-Q3"


def _document(signals=None, rules=None, criterion_signals=None, shared=None) -> dict:
    """A valid 4-criterion rubric; criterion c0 carries the scorer under test."""
    criteria = [
        {
            "id": f"c{i}",
            "name": f"C{i}",
            "weight": weight,
            "anchors": [f"level {n}" for n in range(1, 6)],
        }
        for i, weight in enumerate((40, 30, 20, 10))
    ]
    if signals is not None:
        criteria[0]["signals"] = signals
    if rules is not None:
        criteria[0]["rules"] = rules
    if criterion_signals:
        for criterion_id, own in criterion_signals.items():
            criteria[int(criterion_id[1:])]["signals"] = own
    document = {
        "rubric_id": "r",
        "version": "1",
        "effective_from": "2026-01-01",
        "scale": {"min": 1, "max": 5},
        "criteria": criteria,
    }
    if shared is not None:
        document["signals"] = shared
    return document


def _spec(tmp_path: Path, **parts):
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(_document(**parts), sort_keys=False))
    return load_scorer(path)


def _score(tmp_path: Path, spec, calls: dict[str, list[tuple]]) -> dict[str, dict]:
    """Store ``calls`` ({call_id: [(start_ms, role, text), ...]}) in a DuckDB file as
    raw.utterances, score them, and return {call_id: c0's row}."""
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists raw")
        con.execute(
            "create or replace table raw.utterances (cycle varchar, call_id varchar, "
            "seq bigint, start_ms bigint, end_ms bigint, speaker_role varchar, "
            "speaker_name varchar, text varchar)"
        )
        rows = [
            (CYCLE, call_id, seq, ms, ms + 1500, role, role.title(), text)
            for call_id, lines in calls.items()
            for seq, (ms, role, text) in enumerate(lines, start=1)
        ]
        con.executemany("insert into raw.utterances values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        score_calls(con, spec, cycle=CYCLE, rubric_version="1")
        result = con.execute(
            "select * from raw.auto_scores where criterion_id = 'c0' order by call_id"
        ).fetchall()
    names = [name for name, _ in OUTPUT_COLUMNS]
    return {row[1]: dict(zip(names, row, strict=True)) for row in result}


def _moment(row: dict) -> tuple:
    return row["score"], row["evidence_start_ms"], row["evidence_mm_ss"], row["evidence_seq"]


HELLO = (2000, "rep", "Hi, this is Sam from Brightdesk.")


# --- rule kinds ---------------------------------------------------------------------------
def test_present_points_at_the_first_occurrence(tmp_path):
    spec = _spec(
        tmp_path,
        signals={"pricing": {"speaker": "rep", "phrases": ["per seat"], "label": "price"}},
        rules={3: [{"present": "pricing"}]},
    )
    rows = _score(
        tmp_path,
        spec,
        {
            "a": [
                HELLO,
                (65_000, "rep", "It is 40 dollars PER SEAT."),
                (99_000, "rep", "per seat"),
            ],
            "b": [(1000, "prospect", "Hello?"), (4000, "rep", "Hi there."), (9000, "rep", "Bye.")],
        },
    )
    assert _moment(rows["a"]) == (3.0, 65_000, "01:05", 2)
    assert rows["a"]["evidence_text"] == "It is 40 dollars PER SEAT."
    assert rows["a"]["evidence_reason"] == "level 3: price at 01:05"
    # nothing to point at: the first rep utterance (not the prospect's)
    assert _moment(rows["b"]) == (1.0, 4000, "00:04", 2)
    assert rows["b"]["evidence_text"] == "Hi there."
    assert rows["b"]["evidence_reason"] == (
        "no price (needed for level 3); evidence: first rep utterance"
    )


def test_absent_holds_without_the_signal_and_points_at_it_when_broken(tmp_path):
    spec = _spec(
        tmp_path,
        signals={"discount": {"speaker": "rep", "regex": r"\b[0-9]+ ?% off\b"}},
        rules={2: [{"absent": "discount"}]},
    )
    rows = _score(
        tmp_path,
        spec,
        {
            "a": [HELLO, (30_000, "rep", "It is 40 dollars per seat.")],
            "b": [HELLO, (125_000, "rep", "I can do 15% OFF if you sign today.")],
        },
    )
    assert _moment(rows["a"]) == (2.0, 2000, "00:02", 1)
    assert rows["a"]["evidence_reason"] == "level 2: no discount"
    assert _moment(rows["b"]) == (1.0, 125_000, "02:05", 2)
    assert rows["b"]["evidence_reason"] == "discount at 02:05 (needed for level 2)"


def test_before_needs_a_before_the_first_b(tmp_path):
    spec = _spec(
        tmp_path,
        signals={
            "status_quo_cost": {"speaker": "rep", "phrases": ["costing you"], "label": "urgency"},
            "pricing": {"speaker": "rep", "phrases": ["per seat"], "label": "pricing mention"},
        },
        rules={4: [{"before": ["status_quo_cost", "pricing"]}]},
    )
    cost, price = "What is this costing you today?", "It is 40 dollars per seat."
    rows = _score(
        tmp_path,
        spec,
        {
            "a": [HELLO, (60_000, "rep", cost), (120_000, "rep", price), (130_000, "rep", cost)],
            "b": [HELLO, (30_000, "rep", price), (724_000, "rep", cost)],
            "c": [HELLO, (60_000, "rep", cost)],
            "d": [HELLO, (60_000, "rep", price + " " + cost)],  # same utterance: not before
            "e": [HELLO],
        },
    )
    assert _moment(rows["a"]) == (4.0, 60_000, "01:00", 2)
    assert rows["a"]["evidence_reason"] == (
        "level 4: urgency at 01:00 before the first pricing mention at 02:00"
    )
    # the missing behaviour: where it should have happened, the first pricing mention
    assert _moment(rows["b"]) == (1.0, 30_000, "00:30", 2)
    assert rows["b"]["evidence_text"] == price
    assert rows["b"]["evidence_reason"] == (
        "no urgency before the first pricing mention at 00:30, first urgency at 12:04 "
        "(needed for level 4)"
    )
    assert _moment(rows["c"]) == (4.0, 60_000, "01:00", 2)
    assert rows["c"]["evidence_reason"] == "level 4: urgency at 01:00, no pricing mention"
    assert _moment(rows["d"]) == (1.0, 60_000, "01:00", 2)
    assert _moment(rows["e"]) == (1.0, 2000, "00:02", 1)
    assert rows["e"]["evidence_reason"] == (
        "no urgency (needed for level 4); evidence: first rep utterance"
    )


def test_then_needs_b_after_a_and_points_at_that_b(tmp_path):
    spec = _spec(
        tmp_path,
        signals={
            "objection": {"speaker": "prospect", "phrases": ["too expensive"]},
            "question": {"speaker": "rep", "phrases": ["what's behind"]},
        },
        rules={3: [{"then": ["objection", "question"]}]},
    )
    rows = _score(
        tmp_path,
        spec,
        {
            "a": [
                (10_000, "rep", "What's behind your search?"),
                (20_000, "prospect", "It's too expensive."),
                (30_000, "rep", "Fair. What\u2019s behind that?"),  # typographic apostrophe
                (40_000, "rep", "And what's behind the budget?"),
            ],
            "b": [
                (10_000, "rep", "What's behind your search?"),
                (20_000, "prospect", "Honestly, it's TOO EXPENSIVE."),
                (30_000, "rep", "I can do a discount."),
            ],
        },
    )
    assert _moment(rows["a"]) == (3.0, 30_000, "00:30", 3)
    assert rows["a"]["evidence_text"] == "Fair. What\u2019s behind that?"
    assert rows["a"]["evidence_reason"] == "level 3: question at 00:30 after the objection at 00:20"
    assert _moment(rows["b"]) == (1.0, 20_000, "00:20", 2)
    assert rows["b"]["evidence_reason"] == (
        "no question after the objection at 00:20 (needed for level 3)"
    )


def test_within_is_about_the_first_n_minutes(tmp_path):
    spec = _spec(
        tmp_path,
        signals={"impact": {"speaker": "rep", "phrases": ["affect the business"]}},
        rules={3: [{"within": {"signal": "impact", "minutes": 5}}]},
    )
    question = "How does that affect the business?"
    rows = _score(
        tmp_path,
        spec,
        {
            "a": [HELLO, (299_999, "rep", question)],
            "b": [HELLO, (300_000, "rep", question)],
            "c": [HELLO],
        },
    )
    assert _moment(rows["a"]) == (3.0, 299_999, "04:59", 2)
    assert rows["a"]["evidence_reason"] == "level 3: impact at 04:59, within the first 5 min"
    assert _moment(rows["b"]) == (1.0, 300_000, "05:00", 2)
    assert rows["b"]["evidence_reason"] == (
        "no impact in the first 5 min, first at 05:00 (needed for level 3)"
    )
    assert _moment(rows["c"]) == (1.0, 2000, "00:02", 1)
    assert rows["c"]["evidence_reason"] == (
        "no impact in the first 5 min (needed for level 3); evidence: first rep utterance"
    )


def test_count_counts_utterances(tmp_path):
    spec = _spec(
        tmp_path,
        signals={"ask": {"speaker": "rep", "phrases": ["sign today"]}},
        rules={4: [{"count": {"signal": "ask", "at_least": 2}}]},
    )
    ask = "Can you sign today? Really, sign today?"  # one utterance counts once
    rows = _score(
        tmp_path,
        spec,
        {
            "a": [HELLO, (70_000, "rep", ask), (90_000, "rep", "So, sign today?")],
            "b": [HELLO, (70_000, "rep", ask)],
        },
    )
    assert _moment(rows["a"]) == (4.0, 70_000, "01:10", 2)
    assert rows["a"]["evidence_reason"] == "level 4: 2 x ask (at least 2), first at 01:10"
    assert _moment(rows["b"]) == (1.0, 70_000, "01:10", 2)
    assert rows["b"]["evidence_reason"] == (
        "only 1 x ask (fewer than 2), first at 01:10 (needed for level 4)"
    )


def test_speaker_role_decides_whose_words_count(tmp_path):
    spec = _spec(
        tmp_path,
        shared={
            "by_rep": {"speaker": "rep", "phrases": ["per seat"]},
            "by_prospect": {"speaker": "prospect", "phrases": ["per seat"]},
            "by_anyone": ["per seat"],  # a bare list: phrases said by anyone
        },
        rules={
            2: [{"present": "by_anyone"}],
            3: [{"present": "by_prospect"}],
            4: [{"present": "by_rep"}],
        },
    )
    rows = _score(
        tmp_path,
        spec,
        {
            "rep": [HELLO, (10_000, "rep", "40 per seat.")],
            "prospect": [HELLO, (10_000, "prospect", "40 per seat?")],
            "other": [HELLO, (10_000, "other", "Per seat, she says.")],
        },
    )
    assert _moment(rows["rep"]) == (4.0, 10_000, "00:10", 2)
    assert _moment(rows["prospect"]) == (3.0, 10_000, "00:10", 2)
    assert (
        rows["prospect"]["evidence_reason"]
        == "level 3: by prospect at 00:10; not level 4: no by rep"
    )
    assert _moment(rows["other"]) == (2.0, 10_000, "00:10", 2)


def test_highest_holding_level_wins_and_levels_need_not_nest(tmp_path):
    spec = _spec(
        tmp_path,
        signals={
            "a": ["alpha"],
            "b": {"phrases": ["beta"], "label": "the beta"},
            "c": ["gamma"],
            "d": {"regex": r"\bq[1-4]\b"},  # case-insensitive: matches Q3
            "e": {"regex": r"\bQ[1-4]\b", "case_sensitive": True},
        },
        rules={
            2: [{"present": "a"}],
            3: [{"present": "b"}, {"present": "d"}],
            4: [{"level": 3}, {"present": "c"}],
            5: [{"level": 4}, {"present": "e"}],
        },
    )
    rows = _score(
        tmp_path,
        spec,
        {
            "x": [HELLO, (5000, "rep", "alpha"), (6000, "rep", "beta in q3")],
            "y": [HELLO, (5000, "rep", "beta for Q3"), (7000, "prospect", "gamma")],
            "z": [HELLO, (5000, "rep", "beta for q3"), (7000, "rep", "gamma")],
        },
    )
    assert _moment(rows["x"]) == (3.0, 6000, "00:06", 3)
    assert (
        rows["x"]["evidence_reason"] == "level 3: the beta at 00:06; d at 00:06; not level 4: no c"
    )
    # level 2 fails (no alpha) but levels 3 and 5 hold: the highest wins
    assert _moment(rows["y"]) == (5.0, 5000, "00:05", 2)
    assert (
        rows["y"]["evidence_reason"]
        == "level 5: the beta at 00:05; d at 00:05; c at 00:07; e at 00:05"
    )
    # 'e' is case-sensitive: q3 is not Q3
    assert rows["z"]["score"] == 4.0


def test_phrases_hidden_inside_or_across_other_matches_are_found(tmp_path):
    """One extraction finds non-overlapping matches; contained and overlapping phrases
    of other signals must still count."""
    spec = _spec(
        tmp_path,
        signals={
            "ask": ["sign by"],
            "deadline": ["by friday"],  # overlaps 'sign by' across its end
            "form": ["order form"],
            "word": ["form"],  # inside 'order form'
        },
        rules={
            2: [{"present": "ask"}],
            3: [{"present": "ask"}, {"present": "deadline"}],
            4: [{"level": 3}, {"present": "form"}],
            5: [{"level": 4}, {"present": "word"}],
        },
    )
    rows = _score(tmp_path, spec, {"a": [HELLO, (8000, "rep", "The order form: sign by Friday?")]})
    assert _moment(rows["a"]) == (5.0, 8000, "00:08", 2)


def test_criteria_may_each_have_a_private_signal_of_the_same_name(tmp_path):
    document = _document(signals={"q": ["alpha"]}, rules={2: [{"present": "q"}]})
    document["criteria"][1]["signals"] = {"q": {"speaker": "prospect", "phrases": ["beta"]}}
    document["criteria"][1]["rules"] = {3: [{"present": "q"}]}
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    spec = load_scorer(path)
    assert [s.key for s in spec.signals] == ["c0.q", "c1.q"]
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.utterances as select * from (values "
            f"('{CYCLE}', 'k', 1, 1000, 2000, 'rep', 'Sam', 'alpha beta'), "
            f"('{CYCLE}', 'k', 2, 3000, 4000, 'prospect', 'Dana', 'beta')) "
            "t(cycle, call_id, seq, start_ms, end_ms, speaker_role, speaker_name, text)"
        )
        score_calls(con, spec, cycle=CYCLE, rubric_version="1")
        assert con.execute(
            "select criterion_id, score, evidence_seq from raw.auto_scores order by 1"
        ).fetchall() == [("c0", 2.0, 1), ("c1", 3.0, 2)]
        # a cycle without utterances: its rows are replaced by none
        empty = score_calls(con, spec, cycle=CYCLE, rubric_version="1", target_table="raw.x")
        assert empty["rows_written"] == 2
        con.execute("delete from raw.utterances")
        empty = score_calls(con, spec, cycle=CYCLE, rubric_version="1", target_table="raw.x")
        assert (empty["calls"], empty["rows_written"], empty["rows_replaced"]) == (0, 0, 2)


# --- the table ----------------------------------------------------------------------------
def test_output_table_columns_ids_and_replacement_per_cycle(tmp_path):
    spec = _spec(tmp_path, signals={"a": ["alpha"]}, rules={2: [{"present": "a"}]})
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.utterances (cycle varchar, call_id varchar, seq bigint, "
            "start_ms bigint, end_ms bigint, speaker_role varchar, speaker_name varchar, "
            "text varchar)"
        )
        con.execute(
            "insert into raw.utterances values "
            f"('{CYCLE}', 'k1', 1, 0, 900, 'rep', 'Sam', 'alpha'), "
            f"('{CYCLE}', 'k2', 1, 0, 900, 'rep', 'Sam', 'hello'), "
            "('2026-Q2', 'old', 1, 0, 900, 'rep', 'Sam', 'alpha')"
        )
        first = score_calls(con, spec, cycle="2026-Q2", rubric_version="1")
        assert (first["calls"], first["rows_written"], first["rows_replaced"]) == (1, 1, 0)
        second = score_calls(con, spec, cycle=CYCLE, rubric_version="1")
        assert (second["calls"], second["rows_written"]) == (2, 2)
        assert second["levels"] == {"c0": {1: 1, 2: 1}}
        assert second["unscored_criteria"] == ["c1", "c2", "c3"]
        assert set(second["seconds"]) >= {"candidates", "matches", "write", "total"}
        again = score_calls(con, spec, cycle=CYCLE, rubric_version="1")
        assert (again["rows_written"], again["rows_replaced"]) == (2, 2)
        described = con.execute("describe raw.auto_scores").fetchall()
        assert [(row[0], row[1]) for row in described] == [
            (name, kind.upper()) for name, kind in OUTPUT_COLUMNS
        ]
        assert con.execute(
            "select cycle, call_id, criterion_id, score, scorer_id, scorer_kind, rubric_version "
            "from raw.auto_scores order by cycle, call_id"
        ).fetchall() == [
            ("2026-Q2", "old", "c0", 2.0, "auto:r@1/rules-1", "auto", "1"),
            (CYCLE, "k1", "c0", 2.0, "auto:r@1/rules-1", "auto", "1"),
            (CYCLE, "k2", "c0", 1.0, "auto:r@1/rules-1", "auto", "1"),
        ]
        # no scratch tables left behind
        assert not con.execute(
            "select table_name from duckdb_tables() where table_name like '_auto_scorer%'"
        ).fetchall()


# --- validation ---------------------------------------------------------------------------
def _error(tmp_path, **parts) -> RubricError:
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(_document(**parts), sort_keys=False))
    with pytest.raises(RubricError) as caught:
        load_scorer(path)
    error = caught.value
    assert error.file == str(path) and str(path) in str(error)
    return error


def test_unknown_signal_names_file_criterion_and_signal(tmp_path):
    error = _error(tmp_path, signals={"a": ["alpha"]}, rules={3: [{"present": "nope"}]})
    assert error.rule == "scorer_unknown_signal" and error.criterion == "c0"
    assert "criterion 'c0'" in str(error)
    assert "unknown signal 'nope' (known: a)" in str(error)


def test_another_criterions_own_signal_is_unknown(tmp_path):
    error = _error(
        tmp_path,
        criterion_signals={"c1": {"private": ["x"]}},
        rules={3: [{"present": "private"}]},
    )
    assert error.rule == "scorer_unknown_signal" and error.criterion == "c0"


def test_invalid_regex_names_file_criterion_and_pattern(tmp_path):
    error = _error(
        tmp_path, signals={"broken": {"regex": "(unclosed"}}, rules={3: [{"present": "broken"}]}
    )
    assert error.rule == "scorer_regex" and error.criterion == "c0"
    assert "signal 'broken': invalid regular expression '(unclosed'" in str(error)
    assert "missing )" in str(error)


def test_regex_matching_everything_is_rejected(tmp_path):
    error = _error(tmp_path, signals={"any": {"regex": "a*"}}, rules={3: [{"present": "any"}]})
    assert error.rule == "scorer_regex" and "empty string" in str(error)


@pytest.mark.parametrize("level", [6, 0, "x"])
def test_rules_for_a_level_outside_the_scale(tmp_path, level):
    error = _error(tmp_path, signals={"a": ["alpha"]}, rules={level: [{"present": "a"}]})
    assert error.rule == "scorer_level" and error.criterion == "c0"
    if level != "x":
        assert f"rules for level {level}, outside the scale 1..5" in str(error)


def test_the_lowest_level_takes_no_rules(tmp_path):
    error = _error(tmp_path, signals={"a": ["alpha"]}, rules={1: [{"present": "a"}]})
    assert error.rule == "scorer_level" and "lowest level" in str(error)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"present": "a", "absent": "a"}, "one-key mapping"),
        ({"sometimes": "a"}, "unknown rule kind 'sometimes'"),
        ({"before": ["a"]}, "two different signals"),
        ({"then": ["a", "a"]}, "two different signals"),
        ({"within": {"signal": "a", "minutes": 0}}, "minutes > 0"),
        ({"within": {"signal": "a"}}, "{signal: name, minutes: number}"),
        ({"count": {"signal": "a", "at_least": 0}}, "at_least"),
        ({"level": 4}, "must name a lower level with rules"),
    ],
)
def test_malformed_rules(tmp_path, rule, expected):
    error = _error(tmp_path, signals={"a": ["alpha"]}, rules={3: [rule]})
    assert error.rule == "scorer_rule" and error.criterion == "c0"
    assert expected in str(error)


@pytest.mark.parametrize(
    ("signal", "expected"),
    [
        ({"phrases": ["x"], "regex": "x"}, "exactly one of phrases"),
        ({"phrases": []}, "non-empty list"),
        ({"phrases": ["x"], "speaker": "manager"}, "speaker 'manager'"),
        ({"phrases": ["x"], "weight": 2}, "unknown key(s) weight"),
        ({"phrases": ["x"], "case_sensitive": True}, "regex only"),
    ],
)
def test_malformed_signals(tmp_path, signal, expected):
    error = _error(tmp_path, signals={"s": signal}, rules={3: [{"present": "s"}]})
    assert error.rule == "scorer_signal" and error.criterion == "c0"
    assert expected in str(error)


def test_a_criterion_signal_may_not_reuse_a_rubric_level_name(tmp_path):
    error = _error(
        tmp_path,
        shared={"pricing": ["per seat"]},
        signals={"pricing": ["price"]},
        rules={3: [{"present": "pricing"}]},
    )
    assert error.rule == "scorer_signal" and "pricing" in str(error)


def test_invalid_rubric_level_signal_names_the_file(tmp_path):
    error = _error(tmp_path, shared={"bad": {"regex": "[z-a]"}}, rules={3: [{"present": "bad"}]})
    assert error.rule == "scorer_regex" and error.criterion is None


def test_a_rubric_without_signals_has_no_scorer(tmp_path):
    document = _document()
    rubric = parse_rubric(document, tmp_path / "rubric.yaml")
    assert parse_scorer(document, tmp_path / "rubric.yaml", rubric) is None


# --- the templates ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["one_call_close.yaml", "complex_b2b.yaml"])
def test_templates_carry_signals_and_rules_for_every_criterion(name):
    rubric = load_rubric_file(TEMPLATES / name)
    spec = load_scorer(TEMPLATES / name)
    assert spec is not None and not spec.unscored_criteria
    assert [c.criterion_id for c in spec.criteria] == [c.id for c in rubric.criteria]
    assert all(sorted(c.levels) == [2, 3, 4, 5] for c in spec.criteria)
    assert any(s.key == "pricing" for s in spec.signals)  # a shared, rubric-level signal
    assert spec.scorer_id == f"auto:{rubric.rubric_id}@{rubric.version}/rules-1"


def test_one_call_close_agrees_with_human_reviewers_on_demo_data(tmp_path):
    from salesassess.demo.data import generate

    generate(tmp_path, seed=3, reps=6, quarters=1, calls_per_rep=20, last_quarter="2026-07-01")
    spec = load_scorer(tmp_path / "rubric.yaml")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.utterances as select 'demo' as cycle, * "
            f"from read_parquet('{tmp_path / 'utterances.parquet'}')"
        )
        score_calls(con, spec, cycle="demo", rubric_version="1")
        agreement = dict(
            con.execute(
                "select h.criterion_id, avg(case when abs(h.score - a.score) <= 1 "
                "then 1.0 else 0.0 end) from read_csv("
                f"'{tmp_path / 'scores.csv'}') h join raw.auto_scores a "
                "using (call_id, criterion_id) where h.scorer_kind = 'human' group by all"
            ).fetchall()
        )
    assert set(agreement) == {c.criterion_id for c in spec.criteria}
    assert min(agreement.values()) >= 0.9, agreement
