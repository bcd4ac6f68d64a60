"""The landing contract (DATA_CONTRACT.md), declared once.

Every landing kind lists its columns (type, required, allowed values, lowest value, the
kind a column refers to), its key and the rules over several columns of a row. Two things
are generated from this one declaration:

* the landing checks (:mod:`salesassess.landing.checks`): each row of a landing file is parsed by
  its columns' types and quarantined under the first rule it breaks;
* the quality suites (:mod:`salesassess.quality.suites`): the partition's accepted rows in
  ``raw.<kind>`` are checked again, in the warehouse, for the same contract (keys unique,
  required values present, allowed values, ranges, references, row rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from salesassess.method.vocabulary import SCORER_KINDS, SPEAKER_ROLES

# a UTC offset right after a time of day (a bare date's "-22" is no offset)
OFFSET_PATTERN = r"[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$"
CYCLE_PATTERN = r"^[0-9]{4}-Q[1-4]$"
# landed column types (Parquet) whose values are whole numbers that fit a BIGINT
WHOLE_NUMBER_TYPES = (
    "BIGINT",
    "INTEGER",
    "SMALLINT",
    "TINYINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
)


@dataclass(frozen=True)
class Column:
    """One contract column: its type decides how it is parsed and which rule it can break.

    ``minimum``: the lowest value allowed (``below_minimum`` names the landing rule a lower
    value breaks); ``references``: the kind whose key the value must be, in the same cycle.
    """

    name: str
    type: str = "text"  # text | integer | number | timestamp | date | boolean | cycle
    required: bool = True
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    below_minimum: str = ""
    references: str = ""

    @property
    def sql_type(self) -> str:
        return {
            "text": "varchar",
            "integer": "bigint",
            "number": "double",
            "timestamp": "timestamptz",
            "date": "date",
            "boolean": "boolean",
            "cycle": "varchar",
        }[self.type]

    def typed(self, source: str, landed: str = "VARCHAR") -> str:
        """SQL turning ``source``, a landed column of DuckDB type ``landed`` (VARCHAR: the
        landed text), into the typed value (NULL when unparsable)."""
        if self.type == "integer" and landed in WHOLE_NUMBER_TYPES:
            # its text would parse back to the same number
            return f"cast({source} as bigint)"
        source = as_text(source, landed)
        value = f"nullif(trim({source}), '')"
        if self.allowed:
            return f"lower({value})"
        if self.type == "text":
            return f"case when not {blank(source)} then {source} end"
        return {
            "integer": f"try_cast({value} as bigint)",
            "number": f"case when isfinite(try_cast({value} as double)) "
            f"then try_cast({value} as double) end",
            "timestamp": f"case when regexp_matches({value}, '{OFFSET_PATTERN}') "
            f"then try_cast({value} as timestamptz) end",
            "date": f"coalesce(try_cast({value} as date), "
            f"cast(try_cast({value} as timestamptz) as date))",
            "boolean": f"case when lower({value}) in ('true', 't', '1', 'yes', 'y') then true "
            f"when lower({value}) in ('false', 'f', '0', 'no', 'n') then false end",
            "cycle": f"case when regexp_matches({value}, '{CYCLE_PATTERN}') then {value} end",
        }[self.type]

    def rules(self, source: str, landed: str = "VARCHAR") -> list[tuple[str, str]]:
        """(rule, condition that breaks it) pairs over the landed column ``source`` (of
        DuckDB type ``landed``), checked in order."""
        if self.type == "integer" and landed in WHOLE_NUMBER_TYPES:
            missing = f"{source} is null"  # a whole number is never an invalid integer
            return [(f"missing_value:{self.name}", missing)] if self.required else []
        source = as_text(source, landed)
        value = f"nullif(trim({source}), '')"
        rules = []
        if self.required:
            plain_text = self.type == "text" and not self.allowed
            missing = blank(source) if plain_text else f"{value} is null"
            rules.append((f"missing_value:{self.name}", missing))
        if self.allowed:
            allowed = ", ".join(f"'{option}'" for option in self.allowed)
            rules.append(
                (
                    f"not_allowed:{self.name}",
                    f"{value} is not null and lower({value}) not in ({allowed})",
                )
            )
        elif self.type == "timestamp":
            rules.append(
                (
                    f"timestamp_without_offset:{self.name}",
                    f"{value} is not null and try_cast({value} as timestamp) is not null "
                    f"and not regexp_matches({value}, '{OFFSET_PATTERN}')",
                )
            )
        if self.type != "text" and not self.allowed:
            rules.append(
                (
                    f"invalid_{self.type}:{self.name}",
                    f"{value} is not null and ({self.typed(source)}) is null",
                )
            )
        return rules


def as_text(source: str, landed: str = "VARCHAR") -> str:
    """SQL: the landed column ``source`` (of DuckDB type ``landed``) as text."""
    return source if landed == "VARCHAR" else f"cast({source} as varchar)"


def blank(text: str) -> str:
    """SQL: whether the text ``text`` is missing, NULL or nothing but the spaces ``trim``
    removes (Unicode space separators). A text starting with a visible ASCII character is
    not blank, decided without trimming it (a transcript line is long)."""
    return (
        f"(case when {text} between '!' and '~' then false "
        f"else coalesce(trim({text}) = '', true) end)"
    )


@dataclass(frozen=True)
class RowRule:
    """A rule over several columns of one row: ``holds`` is SQL over the row's typed
    columns (unqualified names). ``landing_rule`` names it in ``raw.quarantine``,
    ``check`` in the quality suite."""

    landing_rule: str
    check: str
    description: str
    holds: str


@dataclass(frozen=True)
class LandingKind:
    """A landing file kind: its columns, key, row rules and the rules that need other
    tables beyond the column references (the rubric, for scores and coaching sessions)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required_files: bool = True
    row_rules: tuple[RowRule, ...] = ()
    # rule name -> SQL condition over the typed row ``t`` (and helper tables) that breaks it
    reference_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # the timestamp column that places a row in its cycle (its window)
    window_column: str = ""

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


T = Column  # short alias for the table below

REPS = LandingKind(
    name="reps",
    columns=(
        T("rep_id"),
        T("rep_name"),
        T("manager_id"),
        T("email", required=False),
        T("team", required=False),
        T("manager_name", required=False),
        T("hired_on", "date", required=False),
        T("active", "boolean", required=False),
    ),
    key=("rep_id",),
)
CALLS = LandingKind(
    name="calls",
    columns=(
        T("call_id"),
        T("rep_id", references="reps"),
        T("started_at", "timestamp"),
        T("duration_s", "number", minimum=0, below_minimum="negative_duration"),
        T("opportunity_id", required=False),
        T("title", required=False),
        T("direction", required=False),
    ),
    key=("call_id",),
    window_column="started_at",
)
UTTERANCES = LandingKind(
    name="utterances",
    columns=(
        T("call_id", references="calls"),
        T("seq", "integer"),
        T("start_ms", "integer", minimum=0, below_minimum="negative_start"),
        T("end_ms", "integer"),
        T("speaker_role", allowed=SPEAKER_ROLES),
        T("text"),
        T("speaker_name", required=False),
    ),
    key=("call_id", "seq"),
    required_files=False,
    row_rules=(
        RowRule(
            "end_before_start", "end_not_before_start", "end_ms >= start_ms", "end_ms >= start_ms"
        ),
    ),
)
SCORES = LandingKind(
    name="scores",
    columns=(
        T("call_id", references="calls"),
        T("criterion_id"),
        T("score", "number"),
        T("scorer_id"),
        T("scorer_kind", allowed=SCORER_KINDS),
        T("rubric_version", required=False),
        T("scored_at", "timestamp", required=False),
        T("evidence_start_ms", "integer", required=False),
        T("note", required=False),
    ),
    key=("call_id", "criterion_id", "scorer_id"),
    required_files=False,
    reference_rules=(
        (
            "unknown_rubric_version",
            "t.resolved_rubric_version is null",
        ),
        (
            "unknown_criterion",
            "not exists (select 1 from raw.rubric_criteria r where r.cycle = $cycle "
            "and r.rubric_version = t.resolved_rubric_version "
            "and r.criterion_id = t.criterion_id)",
        ),
        (
            "score_outside_scale",
            "not exists (select 1 from raw.rubric_criteria r where r.cycle = $cycle "
            "and r.rubric_version = t.resolved_rubric_version "
            "and r.criterion_id = t.criterion_id "
            "and t.score between r.scale_min and r.scale_max)",
        ),
    ),
)
OPPORTUNITIES = LandingKind(
    name="opportunities",
    columns=(
        T("opportunity_id"),
        T("owner_rep_id", references="reps"),
        T("created_at", "date"),
        T("close_date", "date"),
        T("is_closed", "boolean"),
        T("is_won", "boolean"),
        T("stage", required=False),
        T("amount", "number", required=False),
        T("account_id", required=False),
    ),
    key=("opportunity_id",),
    required_files=False,
    row_rules=(
        RowRule(
            "won_but_not_closed",
            "won_implies_closed",
            "an opportunity that is won is closed (is_won implies is_closed)",
            "not is_won or is_closed",
        ),
    ),
)
COACHING_SESSIONS = LandingKind(
    name="coaching_sessions",
    columns=(
        T("rep_id", references="reps"),
        T("cycle", "cycle"),
        T("criterion_id"),
        T("delivered_on", "date"),
        T("coach_id", required=False),
        T("note", required=False),
    ),
    key=("rep_id", "cycle", "criterion_id"),
    required_files=False,
    reference_rules=(
        (
            "unknown_criterion",
            "t.criterion_id not in "
            "(select criterion_id from raw.rubric_criteria where cycle = $cycle)",
        ),
    ),
)

KINDS: dict[str, LandingKind] = {
    kind.name: kind for kind in (REPS, CALLS, UTTERANCES, SCORES, OPPORTUNITIES, COACHING_SESSIONS)
}
