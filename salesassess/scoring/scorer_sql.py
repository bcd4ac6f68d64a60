"""The automated scorer's SQL: a rubric's signals and rules (:mod:`salesassess.scoring.scorer_spec`)
turned into set-based statements that score every call of a partition, written once for
DuckDB and Spark SQL (:mod:`salesassess.engines.sql_dialect`);
:mod:`salesassess.scoring.auto_scorer` runs them. Every pattern is a literal in the SQL, none is
read from a table column (that would compile it per row):

1. ``candidates``: the one scan over all the text keeps the utterances matching one
   regular expression, the union of every signal's phrases and regexes (case-insensitive),
   and for those only lower-cases the text, extracts the phrases found
   (``regexp_extract_all`` over the union of the phrases, longest first) and tests the
   regex signals of the speaker's role;
2. ``matches``: one row per utterance and signal, by joining the phrases found to a small
   literal table of phrase -> signals (a phrase also implies the signals of the phrases
   it contains; a phrase that can start inside a found one and end after it is checked
   with ``contains`` on those utterances only, so no occurrence is lost) filtered on the
   speaker role;
3. ``hits`` / ``follows``: per call and signal the first occurrence (seq, ms) and the
   count; per ``then`` rule the first B after the first A;
4. ``wide``: one row per call (every call with utterances, with its fallback moment);
5. ``scored``: each criterion's levels, evidence and reason as ``CASE`` expressions;
6. ``write``: in one transaction, the cycle's rows of the target table are replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from salesassess.engines.sql_dialect import DUCKDB, Dialect, current, using
from salesassess.scoring.scorer_spec import (
    _APOSTROPHES,
    CriterionRules,
    Rule,
    ScorerSpec,
    Signal,
)

OUTPUT_COLUMNS = (
    ("cycle", "varchar"),
    ("call_id", "varchar"),
    ("criterion_id", "varchar"),
    ("score", "double"),
    ("scorer_id", "varchar"),
    ("scorer_kind", "varchar"),
    ("rubric_version", "varchar"),
    ("evidence_start_ms", "bigint"),
    ("evidence_mm_ss", "varchar"),
    ("evidence_seq", "bigint"),
    ("evidence_text", "varchar"),
    ("evidence_reason", "varchar"),
)
_EMPTY = "''"  # the SQL empty string


def _literal(text: str) -> str:
    return current().literal(text)


def _mm_ss(ms: str) -> str:
    """mm:ss of a ms expression (minutes not capped: 75:02), as the dbt macro format_mm_ss."""
    minutes = f"cast(floor({ms} / 60000) as bigint)"
    seconds = f"cast(floor(({ms} % 60000) / 1000) as bigint)"
    return (
        f"(case when {minutes} < 10 then '0' else '' end || cast({minutes} as string) || ':' "
        f"|| case when {seconds} < 10 then '0' else '' end || cast({seconds} as string))"
    )


mm_ss_sql = _mm_ss  # the same mm:ss for the learned scorer's evidence


_RE2_SPECIAL = frozenset("\\.+*?()|[]{}^$")


def _re_literal(text: str) -> str:
    """A literal string as an RE2 pattern (its metacharacters escaped)."""
    return "".join("\\" + c if c in _RE2_SPECIAL else c for c in text)


def _prefilter(signals: tuple[Signal, ...]) -> str:
    """One regular expression matching (at least) every utterance any signal matches."""
    parts = []
    apostrophe = "['" + "".join(_APOSTROPHES) + "]"
    for signal in signals:
        if signal.regex is not None:
            parts.append(f"(?:{signal.regex})")
        else:
            parts.extend(_re_literal(p).replace("'", apostrophe) for p in signal.phrases)
    return "|".join(dict.fromkeys(parts))


def _overlaps(left: str, right: str) -> bool:
    """Can an occurrence of ``left`` end inside an occurrence of ``right`` (partial overlap)?"""
    return any(left.endswith(right[:k]) for k in range(1, min(len(left), len(right))))


@dataclass(frozen=True)
class _PhrasePlan:
    """How the phrase signals are matched: one extraction of every phrase, plus a few tests.

    ``regexp_extract_all`` over the union of the phrases (longest first) returns the
    non-overlapping leftmost matches in an utterance. A phrase occurrence it skips either
    lies inside a match (it is a substring of the matched phrase: ``implied`` maps each
    phrase to the signals of every phrase it contains) or starts inside a match and ends
    after it (the matched phrase ends with a prefix of it: ``overlapping`` lists those
    pairs, and the utterances where the first was matched are tested for the second).
    Both are exact: no occurrence is lost.
    """

    union: str  # the alternation handed to regexp_extract_all (literal phrases)
    implied: tuple[tuple[str, int, str], ...]  # (phrase, signal id, speaker)
    overlapping: tuple[tuple[str, str, int, str], ...]  # (matched, hidden, signal id, speaker)


def _phrase_plan(signals: tuple[Signal, ...]) -> _PhrasePlan:
    owners: dict[str, list[int]] = {}
    for i, signal in enumerate(signals):
        for phrase in signal.phrases:
            owners.setdefault(phrase, []).append(i)
    phrases = sorted(owners, key=lambda p: (-len(p), p))

    def signals_in(phrase: str) -> set[tuple[int, str]]:
        return {
            (i, signals[i].speaker) for inner in phrases if inner in phrase for i in owners[inner]
        }

    implied = {(p, i, speaker) for p in phrases for i, speaker in signals_in(p)}
    overlapping = {
        (matched, hidden, i, speaker)
        for matched in phrases
        for hidden in phrases
        if hidden not in matched and _overlaps(matched, hidden)
        for i, speaker in signals_in(hidden)
    }
    return _PhrasePlan(
        union="|".join(_re_literal(p) for p in phrases),
        implied=tuple(sorted(implied)),
        overlapping=tuple(sorted(overlapping)),
    )


def _match_sql(signal: Signal) -> str:
    """Does the (lower-cased) utterance ``t`` match the signal? Literal patterns only."""
    if signal.regex is not None:
        if signal.case_sensitive:
            return current().matches("text", signal.regex, ignore_case=False)
        return current().matches("t", signal.regex, ignore_case=True)
    return " or ".join(f"contains(t, {_literal(p)})" for p in signal.phrases)


def _regex_tests_sql(signals: tuple[Signal, ...]) -> str | None:
    """The ids of the regex signals an utterance matches (its speaker's signals only)."""

    def ids(role: str) -> str:
        tests = [
            f"case when {_match_sql(s)} then {i} end"
            for i, s in enumerate(signals)
            if s.regex is not None and s.speaker in (role, "any")
        ]
        dialect = current()
        return dialect.distinct_ids(tests) if tests else dialect.empty_list("integer")

    if all(s.regex is None for s in signals):
        return None
    return (
        f"case speaker_role when 'rep' then {ids('rep')} "
        f"when 'prospect' then {ids('prospect')} else {ids('other')} end"
    )


@dataclass(frozen=True)
class _Moment:
    """An utterance a rule points at: SQL expressions of its start_ms and seq."""

    ms: str
    seq: str

    def part(self, name: str) -> str:
        return getattr(self, name)

    def when(self, condition: str) -> _Moment:
        return _Moment(*(f"case when {condition} then {e} end" for e in (self.ms, self.seq)))


@dataclass(frozen=True)
class _RuleSql:
    holds: str
    hold: _Moment | None  # the moment a holding rule points at
    hold_why: str
    miss: _Moment | None  # the moment a failed rule points at (its ms may be null)
    miss_why: str
    states: str | None = None  # the signal whose first occurrence hold_why states


def _rule_sql(rule: Rule, spec: ScorerSpec, column: dict[str, int], pair: dict) -> _RuleSql:
    a = column[rule.signal]
    first_a, na = _Moment(f"f{a}", f"q{a}"), f"n{a}"
    fa = first_a.ms
    label_a = _literal(spec.signal(rule.signal).label)
    at_a = f"{label_a} || ' at ' || {_mm_ss(fa)}"
    if rule.kind == "present":
        return _RuleSql(f"{fa} is not null", first_a, at_a, None, f"'no ' || {label_a}")
    if rule.kind == "absent":
        return _RuleSql(f"{fa} is null", None, f"'no ' || {label_a}", first_a, at_a)
    if rule.kind in ("before", "then"):
        assert rule.other is not None
        label_b = _literal(spec.signal(rule.other).label)
        if rule.kind == "before":
            b = column[rule.other]
            first_b = _Moment(f"f{b}", f"q{b}")
            fb, qa, qb = first_b.ms, first_a.seq, first_b.seq
            the_first_b = f"' the first ' || {label_b} || ' at ' || {_mm_ss(fb)}"
            return _RuleSql(
                holds=f"({fa} is not null and ({fb} is null or {qa} < {qb}))",
                hold=first_a,
                hold_why=(
                    f"{at_a} || case when {fb} is null then ', no ' || {label_b} "
                    f"else ' before' || {the_first_b} end"
                ),
                miss=first_b,
                miss_why=(
                    f"'no ' || {label_a} || case when {fb} is null then '' "
                    f"else ' before' || {the_first_b} || case when {fa} is not null then "
                    f"', first ' || {label_a} || ' at ' || {_mm_ss(fa)} else '' end end"
                ),
                states=rule.signal,
            )
        p = pair[(rule.signal, rule.other)]
        following = _Moment(f"t{p}", f"u{p}")
        return _RuleSql(
            holds=f"(t{p} is not null)",
            hold=following,
            hold_why=f"{label_b} || ' at ' || {_mm_ss(f't{p}')} || ' after the ' || {at_a}",
            miss=first_a,
            miss_why=(
                f"case when {fa} is null then 'no ' || {label_a} "
                f"else 'no ' || {label_b} || ' after the ' || {at_a} end"
            ),
            states=rule.signal,
        )
    if rule.kind == "within":
        assert rule.minutes is not None
        span = f" in the first {rule.minutes:g} min"
        return _RuleSql(
            holds=f"({fa} is not null and {fa} < {round(rule.minutes * 60000)})",
            hold=first_a,
            hold_why=f"{at_a} || {_literal(f', within the first {rule.minutes:g} min')}",
            miss=first_a,
            miss_why=(
                f"'no ' || {label_a} || {_literal(span)} || case when {fa} is not null "
                f"then ', first at ' || {_mm_ss(fa)} else '' end"
            ),
            states=rule.signal,
        )
    assert rule.kind == "count" and rule.at_least is not None
    k = rule.at_least
    times = f"cast({na} as string) || ' x ' || {label_a}"
    return _RuleSql(
        holds=f"{na} >= {k}",
        hold=first_a,
        hold_why=f"{times} || {_literal(f' (at least {k}), first at ')} || {_mm_ss(fa)}",
        miss=first_a.when(f"{na} > 0"),
        miss_why=(
            f"case when {na} = 0 then 'no ' || {label_a} else 'only ' || {times} || "
            f"{_literal(f' (fewer than {k}), first at ')} || {_mm_ss(fa)} end"
        ),
        states=rule.signal,
    )


def _case(branches: list[tuple[str, str]], otherwise: str) -> str:
    if not branches:
        return otherwise
    whens = " ".join(f"when {condition} then {value}" for condition, value in branches)
    return f"case {whens} else {otherwise} end"


_FALLBACK = _Moment("fb_ms", "fb_seq")


def _criterion_sql(
    criterion: CriterionRules, spec: ScorerSpec, column: dict[str, int], pair: dict
) -> str:
    """One row per call for one criterion: score, evidence moment and reason."""
    ascending = sorted(criterion.levels)
    rules = {
        lv: [_rule_sql(r, spec, column, pair) for r in criterion.levels[lv]] for lv in ascending
    }
    flags = [f"({r.holds}) as r{lv}_{i}" for lv in ascending for i, r in enumerate(rules[lv])]
    flags += [
        "(" + " and ".join(f"r{lv}_{i}" for i in range(len(rules[lv]))) + f") as l{lv}"
        for lv in ascending
    ]

    def needed(lv: int) -> str:
        return _literal(f" (needed for level {lv})")

    def first_moment(moments: list[_Moment], part: str, otherwise: str) -> str:
        return _case([(f"{m.ms} is not null", m.part(part)) for m in moments], otherwise)

    def held(lv: int, part: str) -> str:
        if part != "why":
            moments = [r.hold for r in rules[lv] if r.hold is not None]
            return first_moment(moments, part, _FALLBACK.part(part))
        stated = {r.states for r in rules[lv] if r.states}
        said = [
            r.hold_why
            for r, rule in zip(rules[lv], criterion.levels[lv], strict=True)
            if not (rule.kind == "present" and rule.signal in stated)
        ]
        why = f"{_literal(f'level {lv}: ')} || " + " || '; ' || ".join(said)
        higher = [h for h in ascending if h > lv]
        if higher:
            up = higher[0]
            misses = [(f"not r{up}_{i}", r.miss_why) for i, r in enumerate(rules[up])]
            why += f" || {_literal(f'; not level {up}: ')} || {_case(misses, _EMPTY)}"
        return why

    failed = [(lv, i, r) for lv in ascending for i, r in enumerate(rules[lv])]

    def missing(part: str) -> str:
        pointed = [
            (
                f"not r{lv}_{i} and {r.miss.ms} is not null",
                f"{r.miss_why} || {needed(lv)}" if part == "why" else r.miss.part(part),
            )
            for lv, i, r in failed
            if r.miss is not None
        ]
        if part == "why":
            first = [(f"not r{lv}_{i}", f"{r.miss_why} || {needed(lv)}") for lv, i, r in failed]
            fallback = f"{_case(first, _EMPTY)} || '; evidence: first rep utterance'"
        else:
            fallback = _FALLBACK.part(part)
        return _case(pointed, fallback)

    def pick(part: str) -> str:
        return _case([(f"l{lv}", held(lv, part)) for lv in reversed(ascending)], missing(part))

    score = _case([(f"l{lv}", str(lv)) for lv in reversed(ascending)], str(spec.scale_min))
    return (
        f"select call_id, {_literal(criterion.criterion_id)} as criterion_id, "
        f"cast({score} as double) as score, "
        f"cast({pick('ms')} as bigint) as evidence_start_ms, "
        f"cast({pick('seq')} as bigint) as evidence_seq, "
        f"fb_text, {pick('why')} as evidence_reason "
        f"from (select *, {', '.join(flags)} from _auto_scorer_wide)"
    )


def scoring_sql(
    spec: ScorerSpec, dialect: Dialect = DUCKDB, source: str = "raw.utterances"
) -> dict[str, str]:
    """The statements of one scoring run, in order (parameter ``cycle``), in ``dialect``
    over the utterances table ``source``."""
    with using(dialect):
        return _scoring_sql(spec, dialect, source)


def _scoring_sql(spec: ScorerSpec, dialect: Dialect, source: str) -> dict[str, str]:
    signals = spec.signals
    cycle = dialect.param("cycle")
    column = {s.key: i for i, s in enumerate(signals)}
    pairs = spec.then_pairs
    pair = {p: i for i, p in enumerate(pairs)}
    lowered = "lower(text)"
    for mark in _APOSTROPHES:
        lowered = f"replace({lowered}, {_literal(mark)}, '''')"
    plan = _phrase_plan(signals)
    regex_ids = _regex_tests_sql(signals)
    extracted = (
        dialect.extract_all("t", plan.union) if plan.union else dialect.empty_list("varchar")
    )
    regex_column = f"{regex_ids or dialect.empty_list('integer')} as regex_ids"
    prefilter = dialect.matches("text", _prefilter(signals), ignore_case=True)
    candidates = (
        # the one scan over all the text: utterances that may match a signal, with the
        # phrases found in them and the regex signals they match
        dialect.temp_table("_auto_scorer_candidates")
        + f"select call_id, seq, start_ms, speaker_role, text, t, {extracted} as phrases, "
        f"{regex_column} from (select call_id, seq, start_ms, speaker_role, text, "
        f"{lowered} as t from {source} where cycle = {cycle} and {prefilter})"
    )
    found = (
        "(select call_id, seq, start_ms, speaker_role, t, "
        f"{dialect.unnest('phrases')} as phrase from _auto_scorer_candidates)"
    )
    speaker_ok = "(p.speaker = 'any' or p.speaker = f.speaker_role)"
    branches = []
    if plan.implied:
        values = ", ".join(
            f"({_literal(phrase)}, {i}, {_literal(who)})" for phrase, i, who in plan.implied
        )
        branches.append(
            f"select f.call_id, f.seq, f.start_ms, p.signal_id from {found} f "
            f"join (values {values}) p(phrase, signal_id, speaker) on p.phrase = f.phrase "
            f"where {speaker_ok}"
        )
    if plan.overlapping:
        values = ", ".join(
            f"({_literal(matched)}, {_literal(hidden)}, {i}, {_literal(who)})"
            for matched, hidden, i, who in plan.overlapping
        )
        branches.append(
            f"select f.call_id, f.seq, f.start_ms, p.signal_id from {found} f "
            f"join (values {values}) p(phrase, hidden, signal_id, speaker) "
            f"on p.phrase = f.phrase where {speaker_ok} and contains(f.t, p.hidden)"
        )
    if regex_ids:
        branches.append(
            f"select call_id, seq, start_ms, {dialect.unnest('regex_ids')} as signal_id "
            "from _auto_scorer_candidates"
        )
    statements = {
        "candidates": candidates,
        # which signals each candidate matches: one row per utterance and signal
        "matches": (
            dialect.temp_table("_auto_scorer_matches")
            + "select distinct call_id, seq, start_ms, signal_id from ("
            + " union all ".join(f"({branch})" for branch in branches)
            + ")"
        ),
        "hits": (
            dialect.temp_table("_auto_scorer_hits")
            + "select call_id, signal_id, min(seq) as first_seq, "
            "min_by(start_ms, seq) as first_ms, "
            "count(*) as n from _auto_scorer_matches group by call_id, signal_id"
        ),
    }
    if pairs:
        # then: [A, B]: the first B after the first A
        follows = " union all ".join(
            f"select b.call_id, {p} as pair_id, min(b.seq) as seq, "
            "min_by(b.start_ms, b.seq) as start_ms "
            "from _auto_scorer_matches b join _auto_scorer_hits a "
            f"on a.call_id = b.call_id and a.signal_id = {column[first]} "
            f"where b.signal_id = {column[then]} and b.seq > a.first_seq group by b.call_id"
            for p, (first, then) in enumerate(pairs)
        )
        statements["follows"] = dialect.temp_table("_auto_scorer_follows") + follows
    statements["calls"] = (
        dialect.temp_table("_auto_scorer_calls") + "select call_id, count(*) as n_utterances, "
        "min(seq) filter (where speaker_role = 'rep') as rep_seq, "
        "min_by(start_ms, seq) filter (where speaker_role = 'rep') as rep_ms, "
        "min_by(text, seq) filter (where speaker_role = 'rep') as rep_text, "
        "min(seq) as any_seq, min_by(start_ms, seq) as any_ms, min_by(text, seq) as any_text "
        f"from {source} where cycle = {cycle} group by call_id"
    )

    def pivot(source: str, key: str, columns: dict[str, str], count: int) -> str:
        return ", ".join(
            f"max(case when {source}.{key} = {i} then {source}.{value} end) as {name}{i}"
            for i in range(count)
            for name, value in columns.items()
        )

    per_signal = pivot(
        "h",
        "signal_id",
        {"f": "first_ms", "q": "first_seq", "n": "n"},
        len(signals),
    )
    counts = "".join(f", coalesce(h.n{i}, 0) as n{i}" for i in range(len(signals)))
    firsts = "".join(f", h.f{i}, h.q{i}" for i in range(len(signals)))
    follows_columns, follows_join = "", ""
    if pairs:
        per_pair = pivot("f", "pair_id", {"t": "start_ms", "u": "seq"}, len(pairs))
        follows_columns = "".join(f", p.t{i}, p.u{i}" for i in range(len(pairs)))
        follows_join = (
            f"left join (select f.call_id, {per_pair} from _auto_scorer_follows f "
            "group by f.call_id) p on p.call_id = c.call_id"
        )
    statements["wide"] = (
        dialect.temp_table("_auto_scorer_wide")
        + "select c.call_id, coalesce(c.rep_ms, c.any_ms) as fb_ms, "
        "coalesce(c.rep_seq, c.any_seq) as fb_seq, "
        "case when c.rep_seq is not null then c.rep_text else c.any_text end as fb_text"
        f"{firsts}{counts}{follows_columns} from _auto_scorer_calls c "
        f"left join (select h.call_id, {per_signal} from _auto_scorer_hits h "
        f"group by h.call_id) h on h.call_id = c.call_id {follows_join}"
    )
    statements["scored"] = dialect.temp_table("_auto_scorer_scored") + (
        " union all ".join(_criterion_sql(c, spec, column, pair) for c in spec.criteria)
    )
    return statements


def output_sql(dialect: Dialect = DUCKDB) -> str:
    """The scored rows in OUTPUT_COLUMNS (parameters ``cycle``, ``scorer_id``,
    ``rubric_version``), after the statements of :func:`scoring_sql`."""
    # an evidence utterance is a candidate (it matched a signal) or the fallback
    names = [name for name, _ in OUTPUT_COLUMNS]
    values = [
        dialect.param("cycle"),
        "s.call_id",
        "s.criterion_id",
        "s.score",
        dialect.param("scorer_id"),
        "'auto'",
        dialect.param("rubric_version"),
        "s.evidence_start_ms",
        _mm_ss("s.evidence_start_ms"),
        "s.evidence_seq",
        "coalesce(c.text, s.fb_text)",
        "s.evidence_reason",
    ]
    columns = ", ".join(f"{value} as {name}" for value, name in zip(values, names, strict=True))
    return (
        f"select {columns} "
        "from _auto_scorer_scored s left join _auto_scorer_candidates c "
        "on c.call_id = s.call_id and c.seq = s.evidence_seq "
        "order by s.call_id, s.criterion_id"
    )
