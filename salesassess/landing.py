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

Reading is explicit, never sniffed: a CSV file's header is read with a quote-aware parser
and DuckDB reads the rows with that header, ``,`` as delimiter and ``"`` as quote and
escape (single-column files, quoted commas and line breaks parse; ``#`` lines are data).
Rows the reader rejects (bad UTF-8, wrong number of fields, a stray quote, a JSON Lines
line that is not a JSON object) are quarantined with their row number; a quote left open
over a line break (the rows after it cannot be told apart), a header that is missing, not
UTF-8 or ambiguous, or a file that is not Parquet fails the file.

Row numbers: a CSV row is numbered 1 for the first data row, a record whose quoted field
spans lines counting once (so without such fields, line = row + 1); rows the reader
rejected keep their number and do not shift the next ones. A JSON Lines row is its line
(blank lines included), a Parquet row its position in the file (1 = first).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from salesassess.adapters.sources import adapted_files, store_adapter_log
from salesassess.contract import CALLS, KINDS, Column, LandingKind
from salesassess.rubric import Rubric
from salesassess.warehouse import ensure_raw_schema, rollback

EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
HEADER_BYTES = 1 << 20  # a CSV header record must end within the file's first MiB
STORE_SLICE_ROWS = 500_000  # accepted rows are inserted in sorted slices of this many
_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes under surrogateescape


class LandingError(ValueError):
    """A whole landing file cannot be used (unparsable, empty, missing a required column)."""

    def __init__(self, file: Path | str, rule: str, message: str):
        self.file = str(file)
        self.rule = rule
        super().__init__(f"{file}: rule {rule}: {message}")


def reference_rules(column: Column) -> list[tuple[str, str]]:
    """The landing rules of a column that refers to another kind: a call must be in the
    landing calls files and accepted in ``raw.calls``; a rep in the cycle's ``raw.reps``."""
    value = f"t.{_quote(column.name)}"
    if column.references == "calls":
        return [
            ("unknown_call", f"{value} not in (select call_id from landing_call_index)"),
            (
                "call_quarantined",
                f"{value} not in (select call_id from raw.calls where cycle = $cycle)",
            ),
        ]
    if column.references == "reps":
        return [
            (
                "unknown_rep",
                f"{value} not in (select rep_id from raw.reps where cycle = $cycle)",
            )
        ]
    return []


def landing_rules(kind: LandingKind) -> list[tuple[str, str]]:
    """(rule, condition over the typed row ``t`` that breaks it), in order, generated from
    the contract: lowest values, row rules, references, then the kind's own rules."""
    rules = [
        (column.below_minimum, f"t.{_quote(column.name)} < {column.minimum:g}")
        for column in kind.columns
        if column.minimum is not None
    ]
    rules += [(rule.landing_rule, f"not ({rule.holds})") for rule in kind.row_rules]
    rules += [rule for column in kind.columns for rule in reference_rules(column)]
    return rules + list(kind.reference_rules)


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
    """``<kind>.<ext>``, ``<kind>_*.<ext>`` and every file in a ``<kind>/`` folder; or, when
    a sources configuration names adapters for ``kind``, the files they translated
    (:mod:`salesassess.adapters.sources`)."""
    adapted = adapted_files(landing_dir, kind)
    if adapted is not None:
        return adapted
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


@dataclass
class _Source:
    """One landing file loaded into a temp table of VARCHAR columns, and how to address it.

    ``columns`` maps the file's contract columns to their column in ``table`` (CSV and
    Parquet columns are stored by position, ``c0``, ``c1``..., whatever their name: a
    column named ``rowid`` or ``_rec`` is data). ``rec`` is SQL (over the alias ``l``, with
    ``join`` added to the FROM clause) giving a row's identity in ``table``; ``row`` its
    row number in the file (1 = first data row of a CSV, first line of a JSON Lines file,
    first row of a Parquet file); ``raw`` the row's content as text and ``extra`` its
    non-contract columns as a JSON object (or NULL).
    """

    path: Path
    fmt: str
    table: str
    columns: dict[str, str]
    rec: str
    row: str
    raw: str
    extra: str
    join: str = ""
    temp_tables: list[str] = field(default_factory=list)


def _check_size(path: Path) -> None:
    if path.stat().st_size == 0:
        raise LandingError(path, "non_empty_file", "the file is empty (no header, no rows)")


def _csv_header(path: Path) -> list[str]:
    """The header record's fields, read with a quote-aware parser (never DuckDB's sniffer)."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LandingError(
            path, "utf8_encoding", "the file is UTF-16 encoded; landing CSV files must be UTF-8"
        )
    head = head.removeprefix(codecs.BOM_UTF8)
    text = head.decode("utf-8", errors="surrogateescape")
    if len(head) == HEADER_BYTES and "\n" not in text and "\r" not in text:
        raise LandingError(
            path,
            "parsable_file",
            f"cannot be parsed as csv: no line break in the first {HEADER_BYTES} bytes, "
            "so there is no header row",
        )
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), [])
    except csv.Error as error:
        raise LandingError(
            path, "parsable_file", f"cannot be parsed as csv: malformed header row ({error})"
        ) from None
    if any(_SURROGATE.search(name) for name in header):
        raise LandingError(
            path,
            "utf8_encoding",
            "the header row is not valid UTF-8 text; landing CSV files must be UTF-8",
        )
    if not any(name.strip() for name in header):
        raise LandingError(
            path,
            "header_row",
            "the first line is empty; a CSV file starts with a header row naming its columns",
        )
    return header


def _column_names(path: Path, kind: LandingKind, header: list[str]) -> list[str]:
    """Trimmed, unique column names (a contract column may appear only once)."""
    contract = {column.name for column in kind.columns}
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(header, start=1):
        name = raw.strip() or f"column{position}"
        if name.lower() in seen:
            first = seen[name.lower()]
            if name in contract or names[first - 1] in contract:
                raise LandingError(
                    path,
                    "unique_columns",
                    f"column {name!r} appears twice in the header (columns {first} and "
                    f"{position}); which one holds the value is ambiguous",
                )
            suffix = 1
            while f"{name}_{suffix}".lower() in seen:
                suffix += 1
            name = f"{name}_{suffix}"
        seen[name.lower()] = position
        names.append(name)
    return names


def _require_columns(
    path: Path, kind: LandingKind, present: Sequence[str], keep: Sequence[str] | None
) -> None:
    wanted = [name for name in kind.required_columns if keep is None or name in keep]
    missing = [name for name in wanted if name not in present]
    if not missing:
        return
    hint = ""
    if len(present) == 1 and any(mark in present[0] for mark in ";\t|"):
        hint = "; the header has no comma: landing CSV files are comma-separated"
    raise LandingError(
        path,
        "required_column",
        f"missing required column(s) {', '.join(missing)} "
        f"(found: {', '.join(present) or 'none'}){hint}",
    )


def _struct_json(columns: Sequence[tuple[str, str]]) -> str:
    """SQL: the (name, column of ``l``) pairs as a JSON object of texts (NULL when none)."""
    if not columns:
        return "null"
    pairs = ", ".join(f"{_quote(name)} := cast(l.{ident} as varchar)" for name, ident in columns)
    return f"to_json(struct_pack({pairs}))"


def _positional(
    kind: LandingKind, names: Sequence[str], keep: Sequence[str] | None
) -> tuple[dict[str, str], list[int], str, str]:
    """For a file's column ``names`` stored as ``c<position>``: the contract columns' map,
    the positions to load, and the raw and extra JSON expressions."""
    contract = {column.name for column in kind.columns}
    idents = [f"c{position}" for position in range(len(names))]
    loaded = [i for i, name in enumerate(names) if keep is None or name in keep]
    columns = {names[i]: idents[i] for i in loaded if names[i] in contract}
    pairs = list(zip(names, idents, strict=True))
    extra = [(name, ident) for name, ident in pairs if name not in contract]
    return columns, loaded, _struct_json(pairs), _struct_json(extra)


def _reader_rejects(con: duckdb.DuckDBPyConnection, table: str, header_lines: int) -> int:
    """Copy the CSV reader's rejected records (one per record) to ``table``; their count.

    DuckDB numbers a rejected record by its line, counting the header as line 1 and a
    record with quoted line breaks as one line; ``row`` is that number minus the header.
    """
    con.execute(
        f"create or replace temp table {table} as select line - {header_lines} as row, "
        "arg_min(cast(error_type as varchar), byte_position) as error_type, "
        "arg_min(csv_line, byte_position) as csv_line, "
        "arg_min(error_message, byte_position) as error_message, "
        "min(line_byte_position) as line_byte_position "
        "from csv_rejects group by line"
    )
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def _row_mapping(con: duckdb.DuckDBPyConnection, rejects: str, shift: str) -> None:
    """Parsed record ``k`` (1-based, rejected records skipped) is file row ``k + shift``,
    ``shift`` being the number of rejected rows before it: ASOF-joinable on ``before``."""
    con.execute(
        f"create or replace temp table {shift} as select before, max(rank) as shift from ("
        "select row - row_number() over (order by row) as before, "
        f"row_number() over (order by row) as rank from {rejects}) group by before"
    )


def _record_parse_rejects(con: duckdb.DuckDBPyConnection, path: Path, rejects: str) -> None:
    con.execute(
        "insert into parse_rejects select $file, row, "
        "'unparsable_row:' || lower(replace(error_type, ' ', '_')), "
        "to_json(struct_pack(line := csv_line, error := error_message)) "
        f"from {rejects} order by row",
        {"file": str(path)},
    )


def _check_unterminated_quotes(con: duckdb.DuckDBPyConnection, path: Path, rejects: str) -> None:
    """A quote left open runs over the next lines, up to the next quote of another row or
    the end of the file (where DuckDB's parallel reader resumes somewhere further on,
    silently dropping the rows in between): the rows after it cannot be told apart."""
    broken = con.execute(
        f"select row, csv_line from {rejects} "
        "where error_type in ('UNQUOTED VALUE', 'LINE SIZE OVER MAXIMUM') "
        "and regexp_matches(rtrim(csv_line, chr(13) || chr(10)), '[\\r\\n]') "
        "order by row limit 1"
    ).fetchone()
    if broken:
        row, text = broken
        raise LandingError(
            path,
            "parsable_file",
            f"cannot be parsed as csv: unterminated quote in row {row} "
            f"({text.splitlines()[0][:60]!r}): the quoted field runs over the next lines, so "
            "the rows after it cannot be told apart; close the quote, or double a quote "
            'inside a field ("")',
        )


def _open_csv(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    keep: Sequence[str] | None,
    record_rejects: bool,
) -> _Source:
    names = _column_names(path, kind, _csv_header(path))
    _require_columns(path, kind, names, keep)
    columns, loaded, raw, extra = _positional(kind, names, keep)
    spec = "{" + ", ".join(f"'c{position}': 'VARCHAR'" for position in range(len(names))) + "}"
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_reject_scans")
    try:
        con.execute(
            f"create or replace temp table {table} as select "
            + ", ".join(f"c{position}" for position in loaded)
            + f" from read_csv({_literal(str(path))}, columns = {spec}, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            "store_rejects = true, rejects_table = 'csv_rejects', "
            "rejects_scan = 'csv_reject_scans')"
        )
    except duckdb.Error as error:
        raise LandingError(path, "parsable_file", f"cannot be parsed as csv: {error}") from None
    rejects, shift = f"{table}_rejects", f"{table}_shift"
    n_rejects = _reader_rejects(con, rejects, header_lines=1)
    source = _Source(
        path=path,
        fmt="csv",
        table=table,
        columns=columns,
        rec="l.rowid",
        row="l.rowid + 1",
        raw=raw,
        extra=extra,
        temp_tables=[table, rejects],
    )
    if n_rejects:
        _check_unterminated_quotes(con, path, rejects)
        if record_rejects:
            _record_parse_rejects(con, path, rejects)
        _row_mapping(con, rejects, shift)
        source.row = "l.rowid + 1 + coalesce(s.shift, 0)"
        source.join = f"asof left join {shift} s on l.rowid >= s.before"
        source.temp_tables.append(shift)
    return source


def _open_parquet(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    keep: Sequence[str] | None,
) -> _Source:
    source_sql = f"read_parquet({_literal(str(path))})"
    try:
        names = [
            name for name, *_ in con.execute(f"describe select * from {source_sql}").fetchall()
        ]
        _require_columns(path, kind, names, keep)
        columns, loaded, raw, extra = _positional(kind, names, keep)
        con.execute(
            f"create or replace temp table {table} as select "
            + ", ".join(f"{_quote(names[position])} as c{position}" for position in loaded)
            + f" from {source_sql}"
        )
    except duckdb.Error as error:
        raise LandingError(path, "parsable_file", f"cannot be parsed as parquet: {error}") from None
    return _Source(
        path=path,
        fmt="parquet",
        table=table,
        columns=columns,
        rec="l.rowid",  # the rows in file order
        row="l.rowid + 1",
        raw=raw,
        extra=extra,
        temp_tables=[table],
    )


def _open_jsonl(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    keep: Sequence[str] | None,
    record_rejects: bool,
) -> _Source:
    lines, rejects, shift = f"{table}_lines", f"{table}_rejects", f"{table}_shift"
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_reject_scans")
    try:
        # one VARCHAR per line (a blank line is a NULL row, so rowid follows the lines);
        # \x1e cannot occur unescaped in JSON text
        con.execute(
            f"create or replace temp table {lines} as select line from "
            f"read_csv({_literal(str(path))}, columns = {{'line': 'VARCHAR'}}, "
            "header = false, delim = '\x1e', quote = '', escape = '', auto_detect = false, "
            "strict_mode = false, store_rejects = true, rejects_table = 'csv_rejects', "
            "rejects_scan = 'csv_reject_scans')"
        )
    except duckdb.Error as error:
        raise LandingError(path, "parsable_file", f"cannot be parsed as jsonl: {error}") from None
    temp_tables = [table, rejects]
    row = "l.rowid + 1"
    join = ""
    if _reader_rejects(con, rejects, header_lines=0):
        if record_rejects:
            _record_parse_rejects(con, path, rejects)
        _row_mapping(con, rejects, shift)
        row = "l.rowid + 1 + coalesce(s.shift, 0)"
        join = f"asof left join {shift} s on l.rowid >= s.before"
        temp_tables.append(shift)
    con.execute(
        f"create or replace temp table {table} as select {row} as _row, l.line as _line, "
        f"json_type(try(json(l.line))) as _type from {lines} l {join} "
        "where trim(l.line) <> ''"
    )
    con.execute(f"drop table {lines}")
    if record_rejects:
        con.execute(
            "insert into parse_rejects select $file, _row, case when _type is null "
            "then 'unparsable_json_line' else 'not_a_json_object' end, "
            f"to_json(struct_pack(line := _line)) from {table} "
            "where _type is distinct from 'OBJECT' order by _row",
            {"file": str(path)},
        )
    con.execute(f"delete from {table} where _type is distinct from 'OBJECT'")
    present = {
        key
        for (key,) in con.execute(
            f"select distinct unnest(json_keys(_line)) from {table}"
        ).fetchall()
    }
    names = [column.name for column in kind.columns if column.name in present]
    if con.execute(f"select count(*) from {table}").fetchone()[0]:
        _require_columns(path, kind, names, keep)
    # else: no JSON object at all; every line is reported row by row in quarantine
    contract = json.dumps(dict.fromkeys(column.name for column in kind.columns))
    extra = f"nullif(cast(json_merge_patch(l._line, {_literal(contract)}) as varchar), '{{}}')"
    if names:
        paths = ", ".join(_literal(f'$."{name}"') for name in names)
        con.execute(
            f"create or replace temp table {table} as select _row, _line, "
            + ", ".join(f"_values[{i}] as {_quote(name)}" for i, name in enumerate(names, 1))
            + f" from (select _row, _line, json_extract_string(_line, [{paths}]) as _values "
            f"from {table})"
        )
    return _Source(
        path=path,
        fmt="jsonl",
        table=table,
        columns={name: _quote(name) for name in names},
        rec="l._row",
        row="l._row",
        raw="l._line",
        extra=extra,
        temp_tables=temp_tables,
    )


def _open_source(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    *,
    record_rejects: bool = True,
    keep: Sequence[str] | None = None,
) -> _Source:
    """Load one landing file into the temp table ``table`` (VARCHAR columns).

    Rows the reader itself rejects (bad UTF-8, wrong column count, stray quote, a line
    that is not a JSON object) go to the temp table ``parse_rejects`` with their row number
    when ``record_rejects``. ``keep`` limits the loaded columns (and required checks).
    """
    _check_size(path)
    fmt = EXTENSIONS[path.suffix.lower()]
    try:
        if fmt == "csv":
            return _open_csv(con, kind, path, table, keep, record_rejects)
        if fmt == "parquet":
            return _open_parquet(con, kind, path, table, keep)
        return _open_jsonl(con, kind, path, table, keep, record_rejects)
    except LandingError:
        _drop(con, [table] + [f"{table}_{part}" for part in ("rejects", "shift", "lines")])
        raise


def _source_sql(
    kind: LandingKind, index: int, source: _Source, *, carry: bool, where: str = ""
) -> str:
    """One source's rows as contract VARCHAR columns + _file_index, _rec, _row (and, with
    ``carry``, _extra and _file)."""
    columns = ", ".join(
        f"cast(l.{source.columns[c.name]} as varchar) as {_quote(c.name)}"
        if c.name in source.columns
        else f"cast(null as varchar) as {_quote(c.name)}"
        for c in kind.columns
    )
    carried = (
        f", cast({source.extra} as varchar) as _extra, {_literal(str(source.path))} as _file"
        if carry
        else ""
    )
    return (
        f"select {index} as _file_index, cast({source.rec} as bigint) as _rec, "
        f"cast({source.row} as bigint) as _row, {columns}{carried} "
        f"from {source.table} l {source.join}" + (f" where {where}" if where else "")
    )


def _landed_sql(kind: LandingKind, sources: Sequence[_Source]) -> str:
    """Every source's rows (see :func:`_source_sql`), or no row at all."""
    if not sources:
        return (
            "select 0 as _file_index, cast(null as bigint) as _rec, "
            "cast(null as bigint) as _row, "
            + ", ".join(f"cast(null as varchar) as {_quote(c.name)}" for c in kind.columns)
            + " where false"
        )
    return " union all ".join(
        _source_sql(kind, index, source, carry=False) for index, source in enumerate(sources)
    )


def _build_call_index(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    """Every call id in the landing calls files with its start (its first occurrence in
    file order that has one), to place transcript and score rows in their partition."""
    con.execute(
        "create or replace temp table landing_call_rows "
        "(call_id varchar, started_at timestamptz, _file_index integer, _rec bigint)"
    )
    started = next(column for column in CALLS.columns if column.name == "started_at")
    for number, path in enumerate(landing_files(landing_dir, "calls")):
        table = f"call_index_{number}"
        try:
            source = _open_source(
                con, CALLS, path, table, record_rejects=False, keep=("call_id", "started_at")
            )
        except LandingError:
            continue  # the calls asset reports this file; here it simply places no rows
        call_id = f"cast(l.{source.columns['call_id']} as varchar)"
        start = f"cast(l.{source.columns['started_at']} as varchar)"
        con.execute(
            f"insert into landing_call_rows select {call_id}, {started.typed(start)}, "
            f"{number}, {source.rec} from {table} l where {call_id} is not null"
        )
        _drop(con, source.temp_tables)
    con.execute(
        "create or replace temp table landing_call_index as select call_id, "
        "arg_min(started_at, (_file_index, _rec)) filter (where started_at is not null) "
        "as started_at from landing_call_rows group by call_id"
    )
    con.execute("drop table landing_call_rows")


def _drop(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> None:
    for table in tables:
        con.execute(f"drop table if exists {table}")


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
    sources: list[_Source] = []
    try:
        if kind.name in ("utterances", "scores"):
            _build_call_index(con, landing_dir)
        for number, path in enumerate(files):
            sources.append(_open_source(con, kind, path, f"landed_{number}"))
        _judge(con, kind, sources, params)
        counts = _file_counts(con, sources)
        _store(con, kind, sources, counts, params)
        store_adapter_log(con, kind.name, cycle, landing_dir)
    finally:
        _drop(con, [t for source in sources for t in source.temp_tables] + ["verdict"])
    return counts


def _judge(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    sources: Sequence[_Source],
    params: dict[str, object],
) -> None:
    """The temp table ``verdict``: every row that is not accepted, with its rule (NULL for a
    row of another partition). Only these rows are kept, so it stays small."""
    typed_columns = ", ".join(
        f"{column.typed('l.' + _quote(column.name))} as {_quote(column.name)}"
        for column in kind.columns
    )
    field_rules = [
        rule for column in kind.columns for rule in column.rules(f"l.{_quote(column.name)}")
    ]
    field_case = (
        "case "
        + " ".join(f"when {condition} then {_literal(rule)}" for rule, condition in field_rules)
        + " end"
    )
    rules = landing_rules(kind)
    reference_case = (
        "case "
        + " ".join(f"when {condition} then {_literal(rule)}" for rule, condition in rules)
        + " end"
        if rules
        else "null"
    )
    version_column = (
        f", {_resolve_rubric_version_sql()} as resolved_rubric_version"
        if kind.name == "scores"
        else ""
    )
    key = ", ".join(_quote(name) for name in kind.key)
    key_columns = ", ".join(f"t.{_quote(name)}" for name in kind.key)
    _run(
        con,
        "create or replace temp table verdict as "
        f"with landed as ({_landed_sql(kind, sources)}), "
        f"typed as (select l._file_index, l._rec, l._row, {typed_columns}, "
        f"{field_case} as field_violation from landed l), "
        f"placed as (select t.*{version_column}, ({partition_condition(kind)}) as in_partition "
        "from typed t), "
        # only what the ranking needs goes on (never the text columns: the window sorts it)
        f"scoped as (select t._file_index, t._rec, t._row, t.in_partition, {key_columns}, "
        "case when t.in_partition is not false then "
        f"coalesce(t.field_violation, {reference_case}) end as violation from placed t), "
        "ranked as (select *, case when in_partition is not false and violation is null "
        "then row_number() over (partition by in_partition is not false and violation is null, "
        f"{key} order by _file_index, _rec) end as key_rank from scoped) "
        "select _file_index, _rec, _row, case when in_partition is not false then "
        "coalesce(violation, 'duplicate_key') end as rule from ranked "
        "where in_partition is false or violation is not null or key_rank > 1",
        params,
    )


def _store(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    sources: Sequence[_Source],
    counts: Sequence[FileCounts],
    params: dict[str, object],
) -> None:
    """Replace the partition: accepted rows, quarantine and load_log, in one transaction."""
    cycle = params["cycle"]
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
    typed_columns = ", ".join(
        f"{column.typed('l.' + _quote(column.name))} as {_quote(column.name)}"
        for column in kind.columns
    )
    contract_columns = ", ".join(f"t.{_quote(column.name)}" for column in kind.columns)
    version_select = f", {_resolve_rubric_version_sql()}" if kind.name == "scores" else ""
    con.execute("begin transaction")
    try:
        con.execute(f"delete from raw.{kind.name} where cycle = $cycle", {"cycle": cycle})
        for index, source in enumerate(sources):
            # in slices of the file, each sorted: rows keep file order, memory stays flat
            low, high = con.execute(
                f"select min({source.rec}), max({source.rec}) from {source.table} l"
            ).fetchone()
            if low is None:
                continue
            for first in range(low, high + 1, STORE_SLICE_ROWS):
                where = f"{source.rec} >= {first} and {source.rec} < {first + STORE_SLICE_ROWS}"
                _run(
                    con,
                    f"insert into raw.{kind.name} with landed as "
                    f"({_source_sql(kind, index, source, carry=True, where=where)}), "
                    "kept as (select l.* from landed l anti join verdict v "
                    "on v._file_index = l._file_index and v._rec = l._rec), "
                    "typed as (select l._rec, l._row, l._extra, l._file, "
                    f"{typed_columns} from kept l) "
                    f"select {cycle_select}{contract_columns}{version_select}, "
                    "t._extra, t._file, t._row, now() from typed t order by t._rec",
                    params,
                )
        con.execute(
            "delete from raw.quarantine where cycle = $cycle and kind = $kind",
            {"cycle": cycle, "kind": kind.name},
        )
        for index, source in enumerate(sources):
            con.execute(
                "insert into raw.quarantine select $cycle, $kind, $file, row_number, rule, "
                "raw_content, now() from ("
                f"select v._row as row_number, v.rule, cast({source.raw} as varchar) "
                f"as raw_content from {source.table} l join verdict v "
                f"on v._file_index = {index} and v._rec = {source.rec} "
                "where v.rule is not null "
                "union all select row_number, rule, raw_content from parse_rejects "
                "where file = $file) order by row_number",
                {"cycle": cycle, "kind": kind.name, "file": str(source.path)},
            )
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
        rollback(con)
        raise


def _file_counts(con: duckdb.DuckDBPyConnection, sources: Sequence[_Source]) -> list[FileCounts]:
    """Per file: rows read = accepted + quarantined (by rule or by the reader) + other."""
    judged = {
        index: (quarantined, other)
        for index, quarantined, other in con.execute(
            "select _file_index, count(rule), count(*) - count(rule) from verdict group by 1"
        ).fetchall()
    }
    rejected = dict(
        con.execute("select file, count(*) from parse_rejects group by file").fetchall()
    )
    counts = []
    for index, source in enumerate(sources):
        parsed = con.execute(f"select count(*) from {source.table}").fetchone()[0]
        quarantined, other = judged.get(index, (0, 0))
        reader = rejected.get(str(source.path), 0)
        counts.append(
            FileCounts(
                str(source.path),
                rows_read=parsed + reader,
                accepted=parsed - quarantined - other,
                quarantined=quarantined + reader,
                other_partition=other,
            )
        )
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
        rollback(con)
        raise
    return len(criteria_rows)
