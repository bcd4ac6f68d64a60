"""The automated scorer's rubric syntax: signals and rules per level, parsed and validated.

The automated scorer: every call scored against the rubric, with the transcript moment.

A rubric opts in by declaring **signals** (what to look for in the transcript) and, per
criterion, **rules** per level (which signals must or must not occur, in which order, how
early, how often). A call's score on a criterion is the highest level whose rules all
hold; the lowest level of the scale is the default and takes no rules. A level without
rules is never awarded (a rubric may leave a level to human judgement). A criterion
without ``rules`` is not scored automatically.

Rubric syntax (keys added to a rubric file; :mod:`salesassess.method.rubric` ignores them)::

    signals:                      # rubric level: shared by every criterion
      pricing:
        speaker: rep              # rep | prospect | any (default any)
        phrases: ["per agent per month", "per seat per month"]
        label: price              # optional, used in evidence reasons (default: the name)
      dated_event:
        speaker: rep
        regex: 'renews on|busy season|\\bdeadline\\b'   # RE2 syntax, case-insensitive
    criteria:
      - id: urgency_creation
        ...                       # name, weight, anchors as before
        signals:                  # criterion level: only this criterion sees them
          status_quo_cost: {speaker: rep, phrases: ["costing you", "cost of doing nothing"]}
          why_now: {speaker: prospect, phrases: ["move now", "before then"]}
        rules:                    # level -> rules that must all hold
          3: [present: dated_event]
          4:
            - before: [status_quo_cost, pricing]
          5:
            - level: 4            # every rule of level 4, and:
            - present: dated_event
            - within: {signal: status_quo_cost, minutes: 10}
            - count: {signal: why_now, at_least: 2}

**Signals.** ``phrases`` is a list of literal substrings matched case-insensitively (a
typographic apostrophe in the transcript matches a straight one); ``regex`` is one
regular expression (RE2 syntax, checked on load by the DuckDB that runs it; RE2 has
no look-around or back-references), matched case-insensitively unless ``case_sensitive:
true``. Exactly one of the two; ``speaker``
says whose utterances count. A bare list (``pricing: ["per agent per month"]``) is short
for phrases said by anyone. A criterion sees the rubric-level signals and its own; its own
may not reuse a rubric-level name (two criteria may each have a private signal of the same
name). An occurrence is an utterance that matches; its moment is the utterance's
``start_ms`` and its place in the call its ``seq``.

**Rules** (each a one-key mapping):

==========================================  ==============================================
``present: S``                              S occurs at least once
``absent: S``                               S never occurs
``before: [A, B]``                          order: A occurs in an utterance before the
                                            first B (a call without B passes; add
                                            ``present: B`` to need B)
``then: [A, B]``                            order: A occurs and B occurs in a later
                                            utterance than A's first
``within: {signal: S, minutes: N}``         timing: S occurs in an utterance starting
                                            before minute N
``count: {signal: S, at_least: N}``         S occurs in at least N utterances
``level: L``                                every rule of the lower level L holds
==========================================  ==============================================

**Evidence.** When a level holds: the moment of its first rule that points at one (the
first occurrence of S or A; ``then``: the first B after A; ``count``: the first counted
one), and a reason listing what held and why the next level up failed, e.g. ``level 4:
cost of the status quo at 05:18 before the first price at 07:33; not level 5: no dated
business event``. A call left at the lowest level points at the moment where the missing
behaviour should have happened: scanning the levels upwards, the first failed rule that
has one (``before``: the first B with no A before it, e.g. ``no cost of the status quo
before the first price at 12:04 (needed for level 4)``; ``then``: the A no B followed;
``within``: the late first occurrence; ``absent``: the forbidden occurrence; ``count``:
the first of too few). When nothing can be pointed at: the call's first rep utterance
(else its first utterance), with the first failed rule as the reason.

**Validation.** :func:`parse_scorer` raises :class:`salesassess.method.rubric.RubricError` naming
the file and the criterion for an unknown signal, an invalid regular expression (compiled by
the engine that runs it), rules for a level outside the scale or for the lowest level,
and any malformed signal or rule.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from salesassess.method.rubric import Rubric, RubricError, parse_rubric
from salesassess.platform.yaml_input import load_yaml_file

SCORER_VERSION = "rules-1"
SPEAKERS = ("rep", "prospect", "any")
RULE_KINDS = ("present", "absent", "before", "then", "within", "count", "level")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_APOSTROPHES = ("\u2019", "\u2018")  # typographic apostrophes, read as '


# --- the specification ------------------------------------------------------------------
@dataclass(frozen=True)
class Signal:
    key: str  # unique in a spec: the name, or "criterion.name" for a criterion's own
    name: str
    speaker: str
    phrases: tuple[str, ...] = ()
    regex: str | None = None
    case_sensitive: bool = False
    label: str = ""


@dataclass(frozen=True)
class Rule:
    kind: str  # present | absent | before | then | within | count
    signal: str  # a Signal.key (A for before/then)
    other: str | None = None  # before/then: B
    minutes: float | None = None  # within
    at_least: int | None = None  # count


@dataclass(frozen=True)
class CriterionRules:
    criterion_id: str
    levels: dict[int, tuple[Rule, ...]]  # the levels with rules (``level:`` expanded)


@dataclass(frozen=True)
class ScorerSpec:
    rubric_id: str
    rubric_version: str
    scale_min: int
    scale_max: int
    source_file: str
    signals: tuple[Signal, ...]  # the signals some rule uses
    criteria: tuple[CriterionRules, ...]  # the criteria with rules
    unscored_criteria: tuple[str, ...] = ()
    scorer_version: str = SCORER_VERSION

    @property
    def scorer_id(self) -> str:
        return f"auto:{self.rubric_id}@{self.rubric_version}/{self.scorer_version}"

    def signal(self, key: str) -> Signal:
        return next(s for s in self.signals if s.key == key)

    @property
    def then_pairs(self) -> tuple[tuple[str, str], ...]:
        pairs = {
            (rule.signal, rule.other): None
            for criterion in self.criteria
            for rules in criterion.levels.values()
            for rule in rules
            if rule.kind == "then" and rule.other is not None
        }
        return tuple(pairs)


# --- parsing and validation ---------------------------------------------------------------
_checker: duckdb.DuckDBPyConnection | None = None
_checker_lock = threading.Lock()


def _regex_problem(pattern: str) -> str | None:
    """The engine's own complaint about a regular expression (None when it is usable)."""
    global _checker
    quoted = "'" + pattern.replace("'", "''") + "'"
    sql = f"select regexp_full_match('', {quoted}, 'i')"
    with _checker_lock:
        if _checker is None:
            _checker = duckdb.connect()
        try:
            row = _checker.execute(sql).fetchone()
        except duckdb.Error as error:
            return str(error).split("Error: ", 1)[-1].strip()
    if row and row[0]:
        return "it matches the empty string, so every utterance would match"
    return None


def _fail(file: Path, rule: str, message: str, criterion: str | None) -> RubricError:
    return RubricError(file, rule, message, criterion)


def _normalise(text: str) -> str:
    for mark in _APOSTROPHES:
        text = text.replace(mark, "'")
    return text.lower()


def _parse_signal(
    name: object, raw: object, file: Path, criterion: str | None, key_prefix: str
) -> Signal:
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(
            file,
            "scorer_signal",
            f"signal name {name!r} must be letters, digits and underscores",
            criterion,
        )
    if isinstance(raw, list):
        raw = {"phrases": raw}
    if not isinstance(raw, dict):
        raise _fail(
            file,
            "scorer_signal",
            f"signal {name!r} must be a mapping with phrases or regex (or a list of phrases)",
            criterion,
        )
    unknown = sorted(
        map(str, set(raw) - {"speaker", "phrases", "regex", "case_sensitive", "label"})
    )
    if unknown:
        raise _fail(
            file,
            "scorer_signal",
            f"signal {name!r} has unknown key(s) {', '.join(unknown)} "
            "(allowed: speaker, phrases, regex, case_sensitive, label)",
            criterion,
        )
    speaker = raw.get("speaker", "any")
    if speaker not in SPEAKERS:
        raise _fail(
            file,
            "scorer_signal",
            f"signal {name!r}: speaker {speaker!r} is not one of {', '.join(SPEAKERS)}",
            criterion,
        )
    if ("phrases" in raw) == ("regex" in raw):
        raise _fail(
            file,
            "scorer_signal",
            f"signal {name!r} needs exactly one of phrases (a list) or regex",
            criterion,
        )
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool) or (case_sensitive and "phrases" in raw):
        raise _fail(
            file,
            "scorer_signal",
            f"signal {name!r}: case_sensitive is true or false and applies to a regex only",
            criterion,
        )
    label = str(raw.get("label") or name.replace("_", " "))
    key = f"{key_prefix}{name}"
    if "phrases" in raw:
        phrases = raw["phrases"]
        if (
            not isinstance(phrases, list)
            or not phrases
            or not all(isinstance(p, str) and p.strip() for p in phrases)
        ):
            raise _fail(
                file,
                "scorer_signal",
                f"signal {name!r}: phrases must be a non-empty list of non-empty strings",
                criterion,
            )
        normalised = tuple(dict.fromkeys(_normalise(p) for p in phrases))
        return Signal(key, name, speaker, phrases=normalised, label=label)
    pattern = raw["regex"]
    problem = (
        "it must be a non-empty string"
        if not isinstance(pattern, str) or not pattern
        else _regex_problem(pattern)
    )
    if problem:
        raise _fail(
            file,
            "scorer_regex",
            f"signal {name!r}: invalid regular expression {pattern!r}: {problem}",
            criterion,
        )
    return Signal(key, name, speaker, regex=pattern, case_sensitive=case_sensitive, label=label)


def _parse_signals(
    raw: object, file: Path, criterion: str | None, key_prefix: str
) -> dict[str, Signal]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(
            file, "scorer_signal", "signals must map a signal name to its definition", criterion
        )
    return {
        str(name): _parse_signal(name, value, file, criterion, key_prefix)
        for name, value in raw.items()
    }


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _parse_rule(
    raw: object, level: int, visible: dict[str, Signal], file: Path, criterion: str
) -> Rule | int:
    """One rule of a level, or the level number a ``level:`` rule includes."""
    where = f"level {level}"
    if not isinstance(raw, dict) or len(raw) != 1:
        raise _fail(
            file,
            "scorer_rule",
            f"{where}: a rule is a one-key mapping such as 'present: signal_name' "
            f"(kinds: {', '.join(RULE_KINDS)}), got {raw!r}",
            criterion,
        )
    ((kind, value),) = raw.items()
    if kind not in RULE_KINDS:
        raise _fail(
            file,
            "scorer_rule",
            f"{where}: unknown rule kind {kind!r} (kinds: {', '.join(RULE_KINDS)})",
            criterion,
        )

    def signal(name: object) -> str:
        if not isinstance(name, str):
            raise _fail(
                file, "scorer_rule", f"{where}: {kind} needs a signal name, got {name!r}", criterion
            )
        if name not in visible:
            raise _fail(
                file,
                "scorer_unknown_signal",
                f"{where}: {kind} rule uses unknown signal {name!r} "
                f"(known: {', '.join(sorted(visible)) or 'none'})",
                criterion,
            )
        return visible[name].key

    def options(number: str) -> tuple[str, object]:
        if not isinstance(value, dict) or set(value) != {"signal", number}:
            raise _fail(
                file,
                "scorer_rule",
                f"{where}: {kind} rule is {{signal: name, {number}: number}}, got {value!r}",
                criterion,
            )
        return signal(value["signal"]), value[number]

    if kind in ("present", "absent"):
        return Rule(kind, signal(value))
    if kind in ("before", "then"):
        if not isinstance(value, list) or len(value) != 2 or value[0] == value[1]:
            raise _fail(
                file,
                "scorer_rule",
                f"{where}: {kind} rule lists two different signals [A, B], got {value!r}",
                criterion,
            )
        return Rule(kind, signal(value[0]), other=signal(value[1]))
    if kind == "within":
        key, minutes = options("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            raise _fail(
                file,
                "scorer_rule",
                f"{where}: within rule needs minutes > 0, got {minutes!r}",
                criterion,
            )
        return Rule(kind, key, minutes=float(minutes))
    if kind == "count":
        key, at_least = options("at_least")
        if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 1:
            raise _fail(
                file,
                "scorer_rule",
                f"{where}: count rule needs at_least, a whole number >= 1, got {at_least!r}",
                criterion,
            )
        return Rule(kind, key, at_least=at_least)
    lower = _whole(value)
    if lower is None:
        raise _fail(
            file,
            "scorer_rule",
            f"{where}: level rule needs a level number, got {value!r}",
            criterion,
        )
    return lower


def _parse_criterion(
    raw: dict, rubric: Rubric, shared: dict[str, Signal], file: Path
) -> tuple[CriterionRules | None, dict[str, Signal]]:
    criterion = str(raw["id"])
    own = _parse_signals(raw.get("signals"), file, criterion, f"{criterion}.")
    clash = sorted(set(own) & set(shared))
    if clash:
        raise _fail(
            file,
            "scorer_signal",
            f"signal(s) {', '.join(clash)} defined both at rubric level and in the criterion",
            criterion,
        )
    visible = {**shared, **own}
    rules_raw = raw.get("rules")
    if rules_raw is None:
        if own:
            raise _fail(file, "scorer_rule", "signals are declared but no rules", criterion)
        return None, own
    if not isinstance(rules_raw, dict) or not rules_raw:
        raise _fail(
            file,
            "scorer_rule",
            "rules map a level to its list of rules, e.g. {4: [present: signal_name]}",
            criterion,
        )
    parsed: dict[int, list[Rule | int]] = {}
    for level_raw, items in rules_raw.items():
        level = _whole(level_raw)
        if level is None:
            raise _fail(
                file, "scorer_level", f"rules level {level_raw!r} is not a whole number", criterion
            )
        if level not in rubric.levels:
            raise _fail(
                file,
                "scorer_level",
                f"rules for level {level}, outside the scale "
                f"{rubric.scale_min}..{rubric.scale_max}",
                criterion,
            )
        if level in parsed:
            raise _fail(file, "scorer_level", f"rules for level {level} appear twice", criterion)
        if level == rubric.scale_min:
            if items in (None, []):
                continue
            raise _fail(
                file,
                "scorer_level",
                f"level {level} is the lowest level, the default score: it takes no rules",
                criterion,
            )
        if not isinstance(items, list) or not items:
            raise _fail(
                file,
                "scorer_rule",
                f"level {level}: rules are a non-empty list (a level without rules "
                "would always hold)",
                criterion,
            )
        parsed[level] = [_parse_rule(item, level, visible, file, criterion) for item in items]

    levels: dict[int, tuple[Rule, ...]] = {}
    for level in sorted(parsed):
        rules: list[Rule] = []
        for item in parsed[level]:
            if isinstance(item, Rule):
                rules.append(item)
            elif item in levels:
                rules.extend(levels[item])
            else:
                raise _fail(
                    file,
                    "scorer_rule",
                    f"level {level}: 'level: {item}' must name a lower level with rules "
                    f"(levels with rules: {', '.join(map(str, sorted(levels))) or 'none'})",
                    criterion,
                )
        levels[level] = tuple(dict.fromkeys(rules))
    if not levels:
        raise _fail(
            file,
            "scorer_rule",
            "rules are needed for at least one level above the lowest",
            criterion,
        )
    return CriterionRules(criterion, levels), own


def parse_scorer(document: dict, file: Path, rubric: Rubric) -> ScorerSpec | None:
    """The automated scorer declared in a rubric document; None when it declares none.

    ``rubric`` is the same document validated by :func:`salesassess.method.rubric.parse_rubric`.
    """
    file = Path(file)
    criteria_raw = [c for c in document.get("criteria") or [] if isinstance(c, dict)]
    declared = document.get("signals") is not None or any(
        c.get("signals") is not None or c.get("rules") is not None for c in criteria_raw
    )
    if not declared:
        return None
    shared = _parse_signals(document.get("signals"), file, None, "")
    every: dict[str, Signal] = {s.key: s for s in shared.values()}
    scored: list[CriterionRules] = []
    unscored: list[str] = []
    for raw in criteria_raw:
        rules, own = _parse_criterion(raw, rubric, shared, file)
        every.update({s.key: s for s in own.values()})
        if rules is None:
            unscored.append(str(raw["id"]))
        else:
            scored.append(rules)
    used = {
        key
        for criterion in scored
        for rules in criterion.levels.values()
        for rule in rules
        for key in (rule.signal, rule.other)
        if key
    }
    return ScorerSpec(
        rubric_id=rubric.rubric_id,
        rubric_version=rubric.version,
        scale_min=rubric.scale_min,
        scale_max=rubric.scale_max,
        source_file=str(file),
        signals=tuple(s for key, s in every.items() if key in used),
        criteria=tuple(scored),
        unscored_criteria=tuple(unscored),
    )


def load_scorer(file: Path | str) -> ScorerSpec | None:
    """Read and validate a rubric file; return its automated scorer (None: it has none)."""
    file = Path(file)
    try:
        document = load_yaml_file(file)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise RubricError(file, "parsable_yaml", f"cannot be parsed: {error}") from None
    return parse_scorer(document, file, parse_rubric(document, file))
