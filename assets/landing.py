"""Landing files -> ``raw`` schema, one quarterly partition at a time.

Every landing kind of DATA_CONTRACT.md (reps, calls, utterances, scores, opportunities,
coaching_sessions) is read from CSV, Parquet or JSON Lines files, validated row by row
inside DuckDB, and split three ways:

* accepted rows of this partition go to ``raw.<kind>`` (replacing the partition),
* rows breaking the contract go to ``raw.quarantine`` with file, row number, rule and
  raw content,
* rows that belong to another partition are counted and left for that partition.

Counts reconcile per file: ``rows_read = accepted + quarantined + other_partition``; they
are written to ``raw.load_log`` and returned for the asset's metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from assets.rubric import Rubric
from assets.warehouse import ensure_raw_schema

EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
OFFSET_PATTERN = r"([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$"
CYCLE_PATTERN = r"^[0-9]{4}-Q[1-4]$"


class LandingError(ValueError):
    """A whole landing file cannot be used (unparsable, empty, missing a required column)."""

    def __init__(self, file: Path | str, rule: str, message: str):
        self.file = str(file)
        self.rule = rule
        super().__init__(f"{file}: rule {rule}: {message}")


@dataclass(frozen=True)
class Column:
    """One contract column: its type decides how it is parsed and which rule it can break."""

    name: str
    type: str = "text"  # text | integer | number | timestamp | date | boolean | cycle
    required: bool = True
    allowed: tuple[str, ...] = ()

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

    def typed(self, source: str) -> str:
        """SQL turning the VARCHAR ``source`` into the typed value (NULL when unparsable)."""
        value = f"nullif(trim({source}), '')"
        if self.allowed:
            return f"lower({value})"
        return {
            "text": f"case when {value} is not null then {source} end",
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

    def rules(self, source: str) -> list[tuple[str, str]]:
        """(rule, condition that breaks it) pairs, checked in order."""
        value = f"nullif(trim({source}), '')"
        rules = []
        if self.required:
            rules.append((f"missing_value:{self.name}", f"{value} is null"))
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


@dataclass(frozen=True)
class LandingKind:
    """A landing file kind: its columns, key and the rules that need other tables."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required_files: bool = True
    # rule name -> SQL condition over the typed row ``t`` (and helper tables) that breaks it
    reference_rules: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def required_columns(self) -> list[str]:
        return [column.name for column in self.columns if column.required]


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
        T("rep_id"),
        T("started_at", "timestamp"),
        T("duration_s", "number"),
        T("opportunity_id", required=False),
        T("title", required=False),
        T("direction", required=False),
    ),
    key=("call_id",),
    reference_rules=(
        ("negative_duration", "t.duration_s < 0"),
        ("unknown_rep", "t.rep_id not in (select rep_id from raw.reps where cycle = $cycle)"),
    ),
)
_CALL_ACCEPTED = (
    (
        "unknown_call",
        "t.call_id not in (select call_id from landing_call_index)",
    ),
    (
        "call_quarantined",
        "t.call_id not in (select call_id from raw.calls where cycle = $cycle)",
    ),
)
UTTERANCES = LandingKind(
    name="utterances",
    columns=(
        T("call_id"),
        T("seq", "integer"),
        T("start_ms", "integer"),
        T("end_ms", "integer"),
        T("speaker_role", allowed=("rep", "prospect", "other")),
        T("text"),
        T("speaker_name", required=False),
    ),
    key=("call_id", "seq"),
    required_files=False,
    reference_rules=(
        ("negative_start", "t.start_ms < 0"),
        ("end_before_start", "t.end_ms < t.start_ms"),
        *_CALL_ACCEPTED,
    ),
)
SCORES = LandingKind(
    name="scores",
    columns=(
        T("call_id"),
        T("criterion_id"),
        T("score", "number"),
        T("scorer_id"),
        T("scorer_kind", allowed=("human", "external", "auto")),
        T("rubric_version", required=False),
        T("scored_at", "timestamp", required=False),
        T("evidence_start_ms", "integer", required=False),
        T("note", required=False),
    ),
    key=("call_id", "criterion_id", "scorer_id"),
    required_files=False,
    reference_rules=(
        *_CALL_ACCEPTED,
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
        T("owner_rep_id"),
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
    reference_rules=(
        ("won_but_not_closed", "t.is_won and not t.is_closed"),
        (
            "unknown_rep",
            "t.owner_rep_id not in (select rep_id from raw.reps where cycle = $cycle)",
        ),
    ),
)
COACHING_SESSIONS = LandingKind(
    name="coaching_sessions",
    columns=(
        T("rep_id"),
        T("cycle", "cycle"),
        T("criterion_id"),
        T("delivered_on", "date"),
        T("coach_id", required=False),
        T("note", required=False),
    ),
    key=("rep_id", "cycle", "criterion_id"),
    required_files=False,
    reference_rules=(
        ("unknown_rep", "t.rep_id not in (select rep_id from raw.reps where cycle = $cycle)"),
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


def partition_condition(kind: LandingKind) -> str:
    """SQL deciding whether a row belongs to this partition (NULL: cannot tell)."""
    if kind.name == "calls":
        return "t.started_at >= $start and t.started_at < $end"
    if kind.name in ("utterances", "scores"):
        return (
            "(select i.started_at >= $start and i.started_at < $end "
            "from landing_call_index i where i.call_id = t.call_id)"
        )
    if kind.name == "coaching_sessions":
        return "t.cycle = $cycle"
    return "true"  # reps and opportunities are snapshots: each cycle keeps its own copy


def landing_files(landing_dir: Path, kind: str) -> list[Path]:
    """``<kind>.<ext>``, ``<kind>_*.<ext>`` and every file in a ``<kind>/`` folder."""
    candidates: list[Path] = []
    if landing_dir.is_dir():
        for path in sorted(landing_dir.iterdir()):
            stem = path.name.split(".", 1)[0]
            if path.is_file() and (stem == kind or stem.startswith(f"{kind}_")):
                candidates.append(path)
        folder = landing_dir / kind
        if folder.is_dir():
            candidates += sorted(p for p in folder.rglob("*") if p.is_file())
    return [path for path in candidates if path.suffix.lower() in EXTENSIONS]


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]):
    """Execute ``sql`` with the named parameters it uses (DuckDB rejects unused ones)."""
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return con.execute(sql, used)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class FileCounts:
    file: str
    rows_read: int = 0
    accepted: int = 0
    quarantined: int = 0
    other_partition: int = 0


def _read_file(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    *,
    record_rejects: bool = True,
) -> None:
    """Load one file into a temp table of VARCHAR contract columns + _row, _raw, _extra.

    With ``record_rejects``, rows the reader itself rejects (bad encoding, wrong column
    count, a line that is not JSON) go to the temp table ``parse_rejects`` with their line.
    """
    if path.stat().st_size == 0:
        raise LandingError(path, "non_empty_file", "the file is empty (no header, no rows)")
    fmt = EXTENSIONS[path.suffix.lower()]
    source = _literal(str(path))
    try:
        if fmt == "csv":
            con.execute("drop table if exists csv_rejects")
            con.execute("drop table if exists csv_reject_scans")
            con.execute(
                f"create or replace temp table file_rows as select * from read_csv({source}, "
                "header = true, all_varchar = true, store_rejects = true, "
                "rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')"
            )
            if record_rejects:
                con.execute(
                    "insert into parse_rejects select $file, line, "
                    "'unparsable_row:' || lower(replace(cast(error_type as varchar), ' ', '_')), "
                    "to_json(struct_pack(line := csv_line, error := error_message)) "
                    "from csv_rejects",
                    {"file": str(path)},
                )
            row_expr = "rowid + 1"
        elif fmt == "parquet":
            con.execute(
                "create or replace temp table file_rows as "
                f"select * from read_parquet({source}, file_row_number = true)"
            )
            row_expr = "file_row_number + 1"
        else:
            con.execute(
                "create or replace temp table jsonl_lines as "
                f"select line from read_csv({source}, columns = {{'line': 'VARCHAR'}}, "
                "header = false, delim = '\x1e', quote = '', escape = '', "
                "auto_detect = false, strict_mode = false)"
            )
            if record_rejects:
                con.execute(
                    "insert into parse_rejects select $file, rowid + 1, 'unparsable_json_line', "
                    "to_json(struct_pack(line := line)) from jsonl_lines "
                    "where try(json(line)) is null and trim(line) <> ''",
                    {"file": str(path)},
                )
            present = {
                key
                for (key,) in con.execute(
                    "select distinct unnest(json_keys(try(json(line)))) from jsonl_lines "
                    "where json_type(try(json(line))) = 'OBJECT'"
                ).fetchall()
            }
            projections = ", ".join(
                f"try(json(line)) ->> {_literal(name)} as {_quote(name)}"
                for name in [c.name for c in kind.columns if c.name in present]
            )
            con.execute(
                "create or replace temp table file_rows as select "
                + (projections + ", " if projections else "")
                + "rowid as _line_index, line as _line from jsonl_lines "
                "where json_type(try(json(line))) = 'OBJECT'"
            )
            row_expr = "_line_index + 1"
    except duckdb.Error as error:
        raise LandingError(path, "parsable_file", f"cannot be parsed as {fmt}: {error}") from None

    described = con.execute("describe file_rows").fetchall()
    present_columns = [
        name for name, *_ in described if name not in ("file_row_number", "_line_index", "_line")
    ]
    missing = [name for name in kind.required_columns if name not in present_columns]
    if missing:
        if fmt == "jsonl" and con.execute("select count(*) from file_rows").fetchone()[0] == 0:
            missing = []  # every line was unparsable: reported row by row in quarantine
        else:
            raise LandingError(
                path,
                "required_column",
                f"missing required column(s) {', '.join(missing)} "
                f"(found: {', '.join(present_columns) or 'none'})",
            )
    contract = {column.name for column in kind.columns}
    extras = [name for name in present_columns if name not in contract]
    if fmt == "jsonl":
        raw_expr = "_line"
        extra_expr = "case when len(json_keys(_line::json)) > " + (
            f"{len([c for c in present_columns if c in contract])} then _line end"
        )
    else:
        raw_expr = (
            "to_json(struct_pack("
            + ", ".join(
                f"{_quote(name)} := cast({_quote(name)} as varchar)" for name in present_columns
            )
            + "))"
        )
        extra_expr = (
            "to_json(struct_pack("
            + ", ".join(f"{_quote(n)} := cast({_quote(n)} as varchar)" for n in extras)
            + "))"
            if extras
            else "null"
        )
    columns = ", ".join(
        f"cast({_quote(column.name)} as varchar) as {_quote(column.name)}"
        if column.name in present_columns
        else f"cast(null as varchar) as {_quote(column.name)}"
        for column in kind.columns
    )
    con.execute(
        f"create or replace temp table {table} as select {columns}, "
        f"cast({row_expr} as bigint) as _row, cast({raw_expr} as varchar) as _raw, "
        f"cast({extra_expr} as varchar) as _extra from file_rows"
    )


def _build_call_index(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    """Every call id in the landing calls files with its start, to place transcript and
    score rows in their partition."""
    con.execute(
        "create or replace temp table landing_call_index (call_id varchar, started_at timestamptz)"
    )
    started = next(column for column in CALLS.columns if column.name == "started_at")
    for number, path in enumerate(landing_files(landing_dir, "calls")):
        table = f"call_index_{number}"
        try:
            _read_file(con, CALLS, path, table, record_rejects=False)
        except LandingError:
            continue  # the calls asset reports this file; here it simply places no rows
        con.execute(
            f"insert into landing_call_index select call_id, min({started.typed('started_at')}) "
            f"from {table} where call_id is not null group by call_id"
        )


def _resolve_rubric_version_sql() -> str:
    return (
        "coalesce(case when nullif(trim(t.rubric_version), '') is not null then "
        "(select any_value(v.rubric_version) from raw.rubric_criteria v "
        "where v.cycle = $cycle and v.rubric_version = trim(t.rubric_version)) end, "
        "case when nullif(trim(t.rubric_version), '') is null then "
        "(select arg_max(v.rubric_version, v.effective_from) from raw.rubric_criteria v "
        "join landing_call_index i on i.call_id = t.call_id "
        "where v.cycle = $cycle and v.effective_from <= cast(i.started_at as date)) end)"
    )


def ingest_kind(
    con: duckdb.DuckDBPyConnection,
    kind_name: str,
    landing_dir: Path,
    *,
    cycle: str,
    start,
    end,
) -> list[FileCounts]:
    """Replace partition ``cycle`` of ``raw.<kind>`` with the landing files' accepted rows."""
    kind = KINDS[kind_name]
    ensure_raw_schema(con)
    files = landing_files(landing_dir, kind.name)
    if not files and kind.required_files:
        raise LandingError(
            landing_dir / f"{kind.name}.csv",
            "file_present",
            f"no {kind.name} file (.csv, .parquet or .jsonl) in the landing folder",
        )
    params = {"cycle": cycle, "start": start, "end": end}
    con.execute(
        "create or replace temp table parse_rejects "
        "(file varchar, row_number bigint, rule varchar, raw_content varchar)"
    )
    if kind.name in ("utterances", "scores"):
        _build_call_index(con, landing_dir)
    tables = []
    for number, path in enumerate(files):
        table = f"landed_{number}"
        _read_file(con, kind, path, table)
        tables.append((table, path))

    typed_columns = ", ".join(
        f"{column.typed('l.' + _quote(column.name))} as {_quote(column.name)}"
        for column in kind.columns
    )
    field_rules = [rule for column in kind.columns for rule in column.rules(f"l.{column.name}")]
    field_case = (
        "case "
        + " ".join(f"when {condition} then {_literal(rule)}" for rule, condition in field_rules)
        + " end"
    )
    union = " union all ".join(
        f"select *, {_literal(str(path))} as _file, {index} as _file_index from {table}"
        for index, (table, path) in enumerate(tables)
    )
    contract_columns = ", ".join(_quote(column.name) for column in kind.columns)
    if not tables:
        union = (
            "select "
            + ", ".join(f"cast(null as varchar) as {_quote(c.name)}" for c in kind.columns)
            + ", cast(null as bigint) as _row, cast(null as varchar) as _raw, "
            "cast(null as varchar) as _extra, cast(null as varchar) as _file, "
            "0 as _file_index where false"
        )
    version_column = (
        f", {_resolve_rubric_version_sql()} as resolved_rubric_version"
        if kind.name == "scores"
        else ""
    )
    _run(
        con,
        "create or replace temp table checked as "
        f"with landed as ({union}), "
        f"typed as (select l._file, l._file_index, l._row, l._raw, l._extra, {typed_columns}, "
        f"{field_case} as field_violation from landed l), "
        f"placed as (select t.*{version_column}, ({partition_condition(kind)}) as in_partition "
        "from typed t) "
        "select * from placed",
        params,
    )
    reference_case = (
        "case "
        + " ".join(
            f"when {condition} then {_literal(rule)}" for rule, condition in kind.reference_rules
        )
        + " end"
        if kind.reference_rules
        else "null"
    )
    key = ", ".join(_quote(name) for name in kind.key)
    _run(
        con,
        "create or replace temp table judged as "
        "with scoped as (select t.*, coalesce(t.field_violation, "
        f"case when t.in_partition is not false then {reference_case} end) as violation "
        "from checked t where t.in_partition is not false), "
        "ranked as (select *, case when violation is null then row_number() over "
        f"(partition by violation is null, {key} order by _file_index, _row) end as key_rank "
        "from scoped) "
        "select *, coalesce(violation, case when key_rank > 1 then 'duplicate_key' end) "
        "as rule from ranked",
        params,
    )

    table_columns = ", ".join(f"{_quote(column.name)} {column.sql_type}" for column in kind.columns)
    version_ddl = ", rubric_version_resolved varchar" if kind.name == "scores" else ""
    # the partition column; a kind that carries its own cycle (coaching sessions) is
    # partitioned by it
    has_cycle = any(column.name == "cycle" for column in kind.columns)
    cycle_ddl = "" if has_cycle else "cycle varchar, "
    cycle_select = "" if has_cycle else "$cycle, "
    con.execute(
        f"create table if not exists raw.{kind.name} ({cycle_ddl}{table_columns}"
        f"{version_ddl}, extra varchar, source_file varchar, source_row bigint, "
        "loaded_at timestamptz)"
    )
    version_select = ", resolved_rubric_version" if kind.name == "scores" else ""
    con.execute("begin transaction")
    try:
        con.execute(f"delete from raw.{kind.name} where cycle = $cycle", {"cycle": cycle})
        con.execute(
            f"insert into raw.{kind.name} select {cycle_select}{contract_columns}"
            f"{version_select}, _extra, _file, _row, now() from judged where rule is null "
            "order by _file_index, _row",
            {"cycle": cycle} if cycle_select else {},
        )
        con.execute(
            "delete from raw.quarantine where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind.name},
        )
        con.execute(
            "insert into raw.quarantine select $cycle, $kind, _file, _row, rule, _raw, now() "
            "from judged where rule is not null "
            "union all select $cycle, $kind, file, row_number, rule, raw_content, now() "
            "from parse_rejects",
            {"cycle": cycle, "kind": kind.name},
        )
        counts = _file_counts(con, files)
        con.execute(
            "delete from raw.load_log where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind.name},
        )
        for item in counts:
            con.execute(
                "insert into raw.load_log values ($cycle, $kind, $file, $read, $accepted, "
                "$quarantined, $other, now())",
                {
                    "cycle": cycle,
                    "kind": kind.name,
                    "file": item.file,
                    "read": item.rows_read,
                    "accepted": item.accepted,
                    "quarantined": item.quarantined,
                    "other": item.other_partition,
                },
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def _file_counts(con: duckdb.DuckDBPyConnection, files: Sequence[Path]) -> list[FileCounts]:
    rows = con.execute(
        "with per_row as ("
        "select _file as file, case when in_partition is false then 'other' "
        "when rule is null then 'accepted' else 'quarantined' end as bucket from ("
        "select _file, in_partition, null as rule from checked where in_partition is false "
        "union all select _file, in_partition, rule from judged) "
        "union all select file, 'quarantined' from parse_rejects) "
        "select file, count(*), count(*) filter (where bucket = 'accepted'), "
        "count(*) filter (where bucket = 'quarantined'), "
        "count(*) filter (where bucket = 'other') from per_row group by file"
    ).fetchall()
    by_file = {row[0]: row for row in rows}
    counts = []
    for path in files:
        row = by_file.get(str(path))
        counts.append(FileCounts(str(path), *(row[1:] if row else (0, 0, 0, 0))))
    return counts


def store_rubrics(con: duckdb.DuckDBPyConnection, rubrics: Sequence[Rubric], cycle: str) -> int:
    """Replace partition ``cycle`` of ``raw.rubric_criteria`` and ``raw.rubric_anchors``."""
    ensure_raw_schema(con)
    criteria_rows = [
        (
            cycle,
            rubric.rubric_id,
            rubric.version,
            rubric.effective_from,
            rubric.scale_min,
            rubric.scale_max,
            position,
            criterion.id,
            criterion.name,
            criterion.description,
            criterion.weight,
            rubric.source_file,
        )
        for rubric in rubrics
        for position, criterion in enumerate(rubric.criteria, start=1)
    ]
    anchor_rows = [
        (cycle, rubric.version, criterion.id, level, text)
        for rubric in rubrics
        for criterion in rubric.criteria
        for level, text in criterion.anchors.items()
    ]
    con.execute("begin transaction")
    try:
        for table in ("rubric_criteria", "rubric_anchors"):
            con.execute(f"delete from raw.{table} where cycle = $cycle", {"cycle": cycle})
        con.executemany(
            "insert into raw.rubric_criteria values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
            criteria_rows,
        )
        con.executemany("insert into raw.rubric_anchors values (?, ?, ?, ?, ?, now())", anchor_rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(criteria_rows)
