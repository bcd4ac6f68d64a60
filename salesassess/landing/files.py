"""Landing files: where they are, and how each is read into DuckDB.

A landing kind's files (:func:`landing_files`) are CSV, Parquet or JSON Lines files; a CSV
or JSON Lines file is loaded into a temp table of VARCHAR columns, a Parquet file read
where it lies with its column types (:func:`open_landing_file`), typed and checked
afterwards by :mod:`salesassess.landing.checks`; :mod:`salesassess.landing.ingest` runs
the whole load of one kind.

Reading is explicit, never sniffed: a CSV file's header is read with a quote-aware parser
and DuckDB reads the rows with that header, ``,`` as delimiter and ``"`` as quote and
escape (single-column files, quoted commas and line breaks parse; ``#`` lines are data).
Rows the reader rejects (bad UTF-8, wrong number of fields, a stray quote, a JSON Lines
line that is not a JSON object) are quarantined with their row number; a quote left open
over a line break (the rows after it cannot be told apart), a header that is missing, not
UTF-8 or ambiguous, or a file that is not Parquet fails the file (:class:`LandingError`).

Nothing is lost silently: before DuckDB reads a CSV or JSON Lines file, Python's own parser
counts its records (:mod:`salesassess.landing.rows`). A record over the maximum row size
(:data:`~salesassess.landing.rows.MAX_ROW_BYTES`, 2 MiB) is quarantined as
``unreadable_row`` with its row number and size, and the reader never sees it; the rows
the reader returns and rejects must add up to the records counted, or the file fails
(rule ``rows_accounted``). A file of more than
:data:`~salesassess.landing.rows.MAX_COLUMNS` columns fails (rule ``max_columns``), and so
does a landing file that is a link to a file outside the landing folder (rule
``path_inside_landing``), which is never read.

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
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from salesassess.engines.warehouse import drop_tables, quote_identifier, sql_literal
from salesassess.landing.adapters.sources import adapted_files
from salesassess.landing.contract import LandingKind
from salesassess.landing.rows import (
    MAX_COLUMNS,
    MAX_ROW_BYTES,
    RecordScan,
    scan_records,
    without_records,
)
from salesassess.platform.environment import inside_allowed_folders

EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
HEADER_BYTES = 1 << 20  # a CSV header record must end within the file's first MiB
_HEADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9 _.()#%&-]{0,63}")
_SEPARATORS = re.compile("[;\t|]")
_SURROGATE = re.compile("[\udc80-\udcff]")  # undecodable bytes under surrogateescape


class LandingError(ValueError):
    """A whole landing file cannot be used (unparsable, empty, missing a required column)."""

    def __init__(self, file: Path | str, rule: str, message: str):
        self.file = str(file)
        self.rule = rule
        super().__init__(f"{file}: rule {rule}: {message}")


def landing_files(landing_dir: Path, kind: str) -> list[Path]:
    """``<kind>.<ext>``, ``<kind>_*.<ext>`` and every file in a ``<kind>/`` folder; or, when
    a sources configuration names adapters for ``kind``, the files they translated
    (:mod:`salesassess.landing.adapters.sources`)."""
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
    files = [path for path in candidates if path.suffix.lower() in EXTENSIONS]
    for path in files:
        confine(path, landing_dir)
    return files


def confine(path: Path, landing_dir: Path) -> None:
    """Refuse a landing file that resolves (links followed) outside the allowed folders,
    before anything of it is read: ``reps_x.csv -> /etc/passwd`` is not landing data."""
    if not inside_allowed_folders(path, landing_dir):
        raise LandingError(
            path,
            "path_inside_landing",
            "the file is a link to a file outside the landing folder, so it is not read; "
            "an operator can allow other folders with ASSESSMENT_SOURCES_ALLOW",
        )


@dataclass
class LandedFile:
    """One landing file as a relation ``table``, and how to address it: a temp table of
    VARCHAR columns (CSV, JSON Lines), or the SQL reading a Parquet file where it lies.

    ``columns`` maps the file's contract columns to their column in ``table`` (CSV and
    Parquet columns are addressed by position, ``c0``, ``c1``..., whatever their name: a
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
    # the DuckDB type of a contract column's landed column (Parquet), when not VARCHAR
    types: dict[str, str] = field(default_factory=dict)

    def landed(self, name: str) -> tuple[str, str]:
        """SQL of contract column ``name``'s landed column (NULL when the file has none) and
        its DuckDB type."""
        if name not in self.columns:
            return "cast(null as varchar)", "VARCHAR"
        return f"l.{self.columns[name]}", self.types.get(name, "VARCHAR")


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


def _check_columns(path: Path, count: int) -> None:
    if count > MAX_COLUMNS:
        raise LandingError(
            path,
            "max_columns",
            f"{count:,} columns; a landing file has at most {MAX_COLUMNS:,}",
        )


def _column_names(path: Path, kind: LandingKind, header: list[str]) -> list[str]:
    """Trimmed, unique column names (a contract column may appear only once)."""
    _check_columns(path, len(header))
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
    names = list(present)
    if len(present) == 1 and _SEPARATORS.search(present[0]):
        hint = "; the header has no comma: landing CSV files are comma-separated"
        names = _SEPARATORS.split(present[0])
    # names that look like column names help; anything else is not echoed into the logs,
    # the UI or the run history
    found = (
        f"found: {', '.join(present) or 'none'}"
        if all(_HEADER_NAME.fullmatch(name) for name in names)
        else f"the first line has {len(present)} field(s) that are no column names, not shown"
    )
    raise LandingError(
        path,
        "required_column",
        f"missing required column(s) {', '.join(missing)} ({found}){hint}",
    )


def _struct_json(columns: Sequence[tuple[str, str]]) -> str:
    """SQL: the (name, column of ``l``) pairs as a JSON object of texts (NULL when none)."""
    if not columns:
        return "null"
    pairs = ", ".join(
        f"{quote_identifier(name)} := cast(l.{ident} as varchar)" for name, ident in columns
    )
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


def _record_unreadable(con: duckdb.DuckDBPyConnection, path: Path, scan: RecordScan) -> None:
    """The records over the maximum row size, each one row of ``parse_rejects``."""
    if not scan.oversized:
        return
    con.executemany(
        "insert into parse_rejects values (?, ?, 'unreadable_row', ?)",
        [
            (
                str(path),
                record.row,
                json.dumps(
                    {
                        "row_bytes": record.size,
                        "max_row_bytes": MAX_ROW_BYTES,
                        "start": record.head,
                        "error": f"row {record.row} is {record.size:,} bytes, over the maximum "
                        f"row size of {MAX_ROW_BYTES:,} bytes: not read",
                    }
                ),
            )
            for record in scan.oversized
        ],
    )


def _skipped_rows(con: duckdb.DuckDBPyConnection, rejects: str, scan: RecordScan) -> None:
    """Add the rows the reader never saw (blank lines, oversized records) to ``rejects``, so
    that the rows after them keep their numbers (:func:`_row_mapping`)."""
    rows = sorted([record.row for record in scan.oversized] + scan.blank)
    if rows:
        con.executemany(
            f"insert into {rejects} (row, error_type) values (?, 'SKIPPED')",
            [(row,) for row in rows],
        )


def _check_accounted(path: Path, fmt: str, expected: int, returned: int, rejected: int) -> None:
    """The reader's rows and rejects must add up to the records Python's parser counted."""
    if returned + rejected != expected:
        raise LandingError(
            path,
            "rows_accounted",
            f"the file holds {expected:,} rows but the {fmt} reader returned {returned:,} and "
            f"rejected {rejected:,}: {abs(expected - returned - rejected):,} row(s) cannot be "
            "accounted for, so the file is not loaded",
        )


@contextmanager
def _readable_copy(path: Path, scan: RecordScan | None) -> Iterator[Path]:
    """``path``, or when it has oversized records a temporary copy without them."""
    if scan is None or not scan.oversized:
        yield path
        return
    copy = without_records(path, scan.oversized, Path(tempfile.gettempdir()))
    try:
        yield copy
    finally:
        copy.unlink(missing_ok=True)


def _check_oversized_quotes(path: Path, scan: RecordScan) -> None:
    """An oversized record over several lines is a quote left open (as DuckDB reports one
    of 2 to 33 MB): the same refusal as :func:`_check_unterminated_quotes`."""
    for record in scan.oversized:
        if record.lines > 1:
            raise LandingError(
                path,
                "parsable_file",
                f"cannot be parsed as csv: unterminated quote in row {record.row} "
                f"({record.head[:60]!r}): the quoted field runs over the next lines, so the "
                "rows after it cannot be told apart; close the quote, or double a quote "
                'inside a field ("")',
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
) -> LandedFile:
    names = _column_names(path, kind, _csv_header(path))
    _require_columns(path, kind, names, keep)
    columns, loaded, raw, extra = _positional(kind, names, keep)
    spec = "{" + ", ".join(f"'c{position}': 'VARCHAR'" for position in range(len(names))) + "}"
    # the call index (no rejects recorded) needs no count: the calls step checks the file
    scan = scan_records(path, "csv") if record_rejects else None
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_reject_scans")
    with _readable_copy(path, scan) as readable:
        try:
            con.execute(
                f"create or replace temp table {table} as select "
                + ", ".join(f"c{position}" for position in loaded)
                + f" from read_csv({sql_literal(str(readable))}, columns = {spec}, "
                "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
                f"max_line_size = {MAX_ROW_BYTES}, store_rejects = true, "
                "rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')"
            )
        except duckdb.Error as error:
            message = str(error).replace(str(readable), str(path))
            raise LandingError(
                path, "parsable_file", f"cannot be parsed as csv: {message}"
            ) from None
    rejects, shift = f"{table}_rejects", f"{table}_shift"
    n_rejects = _reader_rejects(con, rejects, header_lines=1)
    source = LandedFile(
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
    if scan is not None:
        _check_oversized_quotes(path, scan)
        returned = con.execute(f"select count(*) from {table}").fetchone()[0]
        _check_accounted(path, "csv", scan.rows - len(scan.oversized), returned, n_rejects)
        if n_rejects:
            _record_parse_rejects(con, path, rejects)
        _record_unreadable(con, path, scan)
        _skipped_rows(con, rejects, scan)
        n_rejects += len(scan.oversized) + len(scan.blank)
    if n_rejects:
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
) -> LandedFile:
    """A Parquet file is read where it lies, each time (nothing copied): its columns keep
    their types (``types``), its row is DuckDB's ``file_row_number``. Only a file that has a
    column of that name is copied to the temp table ``table`` first."""
    source_sql = f"read_parquet({sql_literal(str(path))})"
    try:
        described = con.execute(f"describe select * from {source_sql}").fetchall()
        names = [name for name, *_ in described]
        _check_columns(path, len(names))
        _require_columns(path, kind, names, keep)
        columns, loaded, raw, extra = _positional(kind, names, keep)
        selected = ", ".join(
            f"{quote_identifier(names[position])} as c{position}" for position in loaded
        )
        source = LandedFile(
            path=path,
            fmt="parquet",
            table=f"(select file_row_number as _file_row, {selected} "
            f"from read_parquet({sql_literal(str(path))}, file_row_number = true))",
            columns=columns,
            rec="l._file_row",  # the rows in file order
            row="l._file_row + 1",
            raw=raw,
            extra=extra,
            types={names[i]: str(described[i][1]) for i in loaded if names[i] in columns},
        )
        if "file_row_number" in (name.lower() for name in names):
            con.execute(
                f"create or replace temp table {table} as select {selected} from {source_sql}"
            )
            source.table, source.rec, source.row = table, "l.rowid", "l.rowid + 1"
            source.temp_tables.append(table)
    except duckdb.Error as error:
        raise LandingError(path, "parsable_file", f"cannot be parsed as parquet: {error}") from None
    return source


def _open_jsonl(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    keep: Sequence[str] | None,
    record_rejects: bool,
) -> LandedFile:
    lines, rejects, shift = f"{table}_lines", f"{table}_rejects", f"{table}_shift"
    scan = scan_records(path, "jsonl") if record_rejects else None
    con.execute("drop table if exists csv_rejects")
    con.execute("drop table if exists csv_reject_scans")
    with _readable_copy(path, scan) as readable:
        try:
            # one VARCHAR per line (a blank line is a NULL row, so rowid follows the lines,
            # an oversized one among them: its copy has a blank line in its place);
            # \x1e cannot occur unescaped in JSON text
            con.execute(
                f"create or replace temp table {lines} as select line from "
                f"read_csv({sql_literal(str(readable))}, columns = {{'line': 'VARCHAR'}}, "
                "header = false, delim = '\x1e', quote = '', escape = '', auto_detect = false, "
                f"strict_mode = false, max_line_size = {MAX_ROW_BYTES}, store_rejects = true, "
                "rejects_table = 'csv_rejects', rejects_scan = 'csv_reject_scans')"
            )
        except duckdb.Error as error:
            message = str(error).replace(str(readable), str(path))
            raise LandingError(
                path, "parsable_file", f"cannot be parsed as jsonl: {message}"
            ) from None
    temp_tables = [table, rejects]
    row = "l.rowid + 1"
    join = ""
    n_rejects = _reader_rejects(con, rejects, header_lines=0)
    if scan is not None:
        returned = con.execute(f"select count(*) from {lines}").fetchone()[0]
        _check_accounted(path, "jsonl", scan.records, returned, n_rejects)
        _record_unreadable(con, path, scan)
    if n_rejects:
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
    _check_columns(path, len(present))
    names = [column.name for column in kind.columns if column.name in present]
    if con.execute(f"select count(*) from {table}").fetchone()[0]:
        _require_columns(path, kind, names, keep)
    # else: no JSON object at all; every line is reported row by row in quarantine
    contract = json.dumps(dict.fromkeys(column.name for column in kind.columns))
    extra = f"nullif(cast(json_merge_patch(l._line, {sql_literal(contract)}) as varchar), '{{}}')"
    if names:
        paths = ", ".join(sql_literal(f'$."{name}"') for name in names)
        con.execute(
            f"create or replace temp table {table} as select _row, _line, "
            + ", ".join(
                f"_values[{i}] as {quote_identifier(name)}" for i, name in enumerate(names, 1)
            )
            + f" from (select _row, _line, json_extract_string(_line, [{paths}]) as _values "
            f"from {table})"
        )
    return LandedFile(
        path=path,
        fmt="jsonl",
        table=table,
        columns={name: quote_identifier(name) for name in names},
        rec="l._row",
        row="l._row",
        raw="l._line",
        extra=extra,
        temp_tables=temp_tables,
    )


def create_parse_rejects(con: duckdb.DuckDBPyConnection) -> None:
    """The temp table ``parse_rejects``, empty: the rows the reader rejects go there."""
    con.execute(
        "create or replace temp table parse_rejects "
        "(file varchar, row_number bigint, rule varchar, raw_content varchar)"
    )


def open_landing_file(
    con: duckdb.DuckDBPyConnection,
    kind: LandingKind,
    path: Path,
    table: str,
    *,
    record_rejects: bool = True,
    keep: Sequence[str] | None = None,
) -> LandedFile:
    """Open one landing file: a CSV or JSON Lines file loaded into the temp table ``table``
    (VARCHAR columns), a Parquet file read where it lies (see :func:`_open_parquet`).

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
        drop_tables(con, [table] + [f"{table}_{part}" for part in ("rejects", "shift", "lines")])
        raise
