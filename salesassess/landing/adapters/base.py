"""What every adapter shares: the canonical row, reading exports, and value conversions.

An adapter turns one vendor export into canonical landing rows (DATA_CONTRACT.md). A row
is a dict of the kind's contract columns, every value text or ``None`` (the landing reads
text and types it itself), plus three carried columns kept in ``raw.<kind>.extra`` and in
the quarantine's raw content:

* ``source_file``: the export file the row came from,
* ``source_record``: where in it (``calls[3]``, ``page 2 results[0]``, ``line 14``, ``cue 5``),
* ``adapter_note`` (only when there is one): why a value could not be translated.

What was read is logged per export file in ``Source.log`` (:meth:`Source.read`,
:meth:`Source.skip`, :meth:`Source.describe`): the records read, the records skipped on
purpose (a deleted row of a synced table, a scorecard answer marked not applicable) and
the text encoding of a CSV export. :mod:`salesassess.landing.adapters.sources` reconciles it with
the rows written (every record read is skipped or gives at least one row) and the landing
stores it in ``raw.adapter_log``.

A value an adapter cannot translate is passed through as it came (or left empty) with an
``adapter_note``, so the landing's own rules quarantine the row (``missing_value:*``,
``invalid_date:*``, ``won_but_not_closed``, ``unknown_rep``, ``duplicate_key``, ...) with
the file, row number and rule; no row is dropped. An export that cannot be read at all
(not JSON, missing a column the adapter needs) raises :class:`AdapterError` naming the
file, the record and the rule; :mod:`salesassess.landing.adapters.sources` then refuses that file
alone and translates the others (``Source.excluded``).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path

import charset_normalizer
import yaml

from salesassess.landing.contract import KINDS
from salesassess.method.vocabulary import SPEAKER_ROLES

# every landing kind's contract columns (salesassess/landing/contract.py): an adapter's row has
# them all
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(column.name for column in kind.columns) for name, kind in KINDS.items()
}
ROLES = SPEAKER_ROLES
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")
_EPOCH_MS = re.compile(r"^-?[0-9]{10,14}$")
_EPOCH = re.compile(r"^-?[0-9]{9,14}(\.[0-9]+)?$")
# when the detector cannot tell single-byte code pages apart (short files), Windows-1252:
# Salesforce's and Excel's Western default, a superset of ISO-8859-1's printable range
PREFERRED_ENCODING = "cp1252"
# what a CRM stage says of an opportunity (Salesforce's option ``stages``, HubSpot's stages)
STAGE_OUTCOMES = ("won", "lost", "open")


class AdapterError(ValueError):
    """An export that cannot be translated at all: names the file, the record and the rule."""

    def __init__(self, file: Path | str, rule: str, message: str, record: str | None = None):
        self.file = str(file)
        self.rule = rule
        self.record = record
        self.message = message
        where = self.file + (f", record {record}" if record else "")
        super().__init__(f"{where}: rule {rule}: {message}")


@dataclass(frozen=True)
class Source:
    """One configured source: an adapter for a landing kind, its export and options."""

    kind: str
    adapter: str
    path: Path  # the export: a file, a folder or a glob pattern
    options: dict = field(default_factory=dict)
    base_dir: Path = Path(".")  # relative option paths are resolved against it
    config_file: str = ""
    # per export file: records read, records skipped by reason, encoding (see module doc)
    log: dict = field(default_factory=dict, compare=False, repr=False)
    # export files left out (refused ones: salesassess.landing.adapters.sources.translate_files)
    excluded: frozenset[str] = frozenset()

    def _entry(self, path: Path | str) -> dict:
        return self.log.setdefault(str(path), {"records_read": 0, "skipped": {}})

    def read(self, path: Path | str, count: int = 1) -> None:
        """Count ``count`` records read from ``path``."""
        self._entry(path)["records_read"] += count

    def skip(self, path: Path | str, reason: str) -> None:
        """Count a record of ``path`` read and deliberately not written, by reason."""
        skipped = self._entry(path)["skipped"]
        skipped[reason] = skipped.get(reason, 0) + 1

    def describe(self, path: Path | str, **facts: object) -> None:
        """Facts about how ``path`` was read (``encoding``, ``table``)."""
        self._entry(path).update(facts)

    def option_path(self, name: str) -> Path | None:
        value = self.options.get(name)
        if value in (None, ""):
            return None
        path = Path(str(value)).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def files(self, *suffixes: str) -> list[Path]:
        """The export's files with one of ``suffixes`` (see :func:`files_at`), but the
        excluded ones."""
        found = files_at(self.path, suffixes, config_file=self.config_file)
        return [path for path in found if str(path) not in self.excluded]

    def holds(self, file: Path | str) -> bool:
        """Whether ``file`` is one of the export's files: the export itself, a file in its
        folder or one its glob pattern matches (not the configuration, not an option's file)."""
        path = Path(file)
        if any(mark in self.path.name for mark in "*?["):
            return path.parent == self.path.parent and fnmatchcase(path.name, self.path.name)
        return path == self.path or (self.path.is_dir() and path.is_relative_to(self.path))


def row(
    kind: str, source_file: Path | str, record: str, problem: str | None = None, **values: object
) -> dict[str, str | None]:
    """A canonical row of ``kind``: every contract column (absent ones empty) as text."""
    unknown = set(values) - set(KIND_COLUMNS[kind])
    if unknown:
        raise KeyError(f"not {kind} columns: {sorted(unknown)}")
    result: dict[str, str | None] = {name: text(values.get(name)) for name in KIND_COLUMNS[kind]}
    result["source_file"] = str(source_file)
    result["source_record"] = record
    if problem:
        result["adapter_note"] = problem
    return result


def text(value: object) -> str | None:
    """A value as landing text: ``None`` and ``""`` stay empty, booleans are true/false,
    integers (JSON ids above 2**53 included) keep every digit, floats lose no precision."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    result = str(value)
    return result if result != "" else None


def files_at(path: Path, suffixes: tuple[str, ...], *, config_file: str = "") -> list[Path]:
    """The export files at ``path``: the file itself, every matching file of a folder (in
    name order, recursively) or of a glob pattern."""
    if any(mark in path.name for mark in "*?["):
        found = sorted(p for p in path.parent.glob(path.name) if p.is_file())
    elif path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    elif path.is_file():
        found = [path]
    else:
        raise AdapterError(config_file or path, "export_present", f"no export at {path}")
    if not found:
        raise AdapterError(
            config_file or path,
            "export_present",
            f"no {'/'.join(suffixes)} file at {path}",
        )
    return found


def read_json(path: Path) -> object:
    """One JSON document; a file that is not JSON fails naming the file, line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise AdapterError(path, "utf8_encoding", f"not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise AdapterError(
            path, "parsable_json", f"{error.msg} at line {error.lineno} column {error.colno}"
        ) from None


def json_pages(
    paths: Iterable[Path],
    items: str,
    *,
    single: Callable[[dict], tuple[str, dict] | None] | None = None,
) -> Iterator[tuple[Path, str, dict]]:
    """(file, record, item) over every page's ``items`` list, paginated files read as one.

    Pages are read in the order of ``records.currentPageNumber`` (Gong's cursor pages; a
    page without it, e.g. HubSpot's ``paging.next.after`` pages, keeps its file order). A
    page fetched twice (the same cursor saved in two files) yields its items twice: the
    landing quarantines the second copy as ``duplicate_key`` with its file and record.
    With ``single``, a JSON object without ``items`` is one item when ``single(object)``
    gives (record, item): an API's read or create response (HubSpot's deal itself, record
    ``object``; Gong's ``{"requestId", "user": {...}}``, record ``user``)."""
    pages = []
    for order, path in enumerate(paths):
        document = read_json(path)
        documents = document if isinstance(document, list) else [document]
        for index, page in enumerate(documents):
            if not isinstance(page, dict):
                raise AdapterError(path, "json_object_page", "a page must be a JSON object")
            # a file holding a JSON array of pages names the page in the record
            prefix = f"[{index}]." if isinstance(document, list) else ""
            found = single(page) if items not in page and single is not None else None
            named = None
            if found is not None:
                named, item = found
                page = {items: [item]}
            elif items not in page:
                raise AdapterError(
                    path,
                    "page_items",
                    f"no {items!r} list in the page (keys: {', '.join(sorted(page)) or 'none'})",
                )
            number = (page.get("records") or {}).get("currentPageNumber")
            number = number if isinstance(number, int) and not isinstance(number, bool) else -1
            pages.append((number, order, index, path, prefix, named, page))
    pages.sort(key=lambda page: page[:3])  # unnumbered pages (-1) keep their file order
    for *_, path, prefix, named, page in pages:
        values = page[items]
        if not isinstance(values, list):
            raise AdapterError(path, "page_items", f"{items!r} must be a list")
        for position, item in enumerate(values):
            record = prefix + (named or f"{items}[{position}]")
            if not isinstance(item, dict):
                raise AdapterError(path, "json_object_item", "not a JSON object", record)
            yield path, record, item


def decode_export(path: Path, data: bytes, source: Source | None = None) -> tuple[str, str]:
    """(text, encoding) of an export's bytes: the ``encoding`` option when the source has
    one; else UTF-8 (``utf-8-sig`` when a byte-order mark was dropped); else the encoding
    charset-normalizer detects (Windows-1252 when it ties with other single-byte code
    pages). Undecodable bytes fail the file naming the line and the rule."""
    wanted = (source.options.get("encoding") if source else None) or None
    utf8 = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    if wanted:
        try:
            name = codecs.lookup(str(wanted)).name
        except LookupError:
            raise AdapterError(
                source.config_file, "encoding_option", f"unknown encoding {wanted!r}"
            ) from None
        name = utf8 if name == "utf-8" else name
        try:
            return data.decode("utf-8-sig" if name == utf8 else name), name
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise AdapterError(
                path, "text_encoding", f"not {name} text ({error.reason})", f"line {line}"
            ) from None
    try:
        return data.decode("utf-8-sig"), utf8
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        reason = error.reason
    name = _detected_encoding(data)
    if name is None:
        raise AdapterError(
            path,
            "utf8_encoding",
            f"not UTF-8 text ({reason}) and no other encoding detected: set the option "
            "'encoding' (e.g. cp1252, latin-1)",
            f"line {line}",
        )
    return data.decode(name), name


def _detected_encoding(data: bytes) -> str | None:
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    best = (matches[0].chaos, -matches[0].coherence)
    tied = [match for match in matches if (match.chaos, -match.coherence) == best]
    if any(PREFERRED_ENCODING in match.could_be_from_charset for match in tied):
        return PREFERRED_ENCODING
    return codecs.lookup(matches[0].encoding).name


def csv_records(
    path: Path, required: Iterable[str], source: Source | None = None
) -> Iterator[tuple[str, dict[str, str]]]:
    """(record, row) of a CSV export with a header row; ``record`` is ``row N`` (1 = first
    data row). A missing required column fails the file; a row with fewer fields than the
    header has empty values for the others (the landing judges them), fields beyond the
    header are not read. The text encoding is the source's ``encoding`` option or detected
    (:func:`decode_export`) and written to the source's log; every row is counted read."""
    header, rows = csv_table(path, source)
    missing = [name for name in required if name not in header]
    if missing:
        raise AdapterError(path, "required_column", missing_columns_message(required, header))
    yield from rows


def csv_table(
    path: Path, source: Source | None = None
) -> tuple[list[str], Iterator[tuple[str, dict[str, str]]]]:
    """A CSV export's header (also when no row follows it) and its (record, row) pairs, as
    :func:`csv_records` reads them."""
    content, encoding = decode_export(path, path.read_bytes(), source)
    if source is not None:
        source.describe(path, encoding=encoding)
    reader = csv.DictReader(io.StringIO(content, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as error:
        raise AdapterError(path, "parsable_csv", str(error), "header") from None

    def rows() -> Iterator[tuple[str, dict[str, str]]]:
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                if source is not None:
                    source.read(path)
                yield f"row {number}", {k: v for k, v in record.items() if k is not None}
        except csv.Error as error:
            raise AdapterError(path, "parsable_csv", str(error), f"row {number + 1}") from None

    return list(header), rows()


_HEADER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9 _.()#%&-]{0,63}")


def header_names(header: list[str]) -> str:
    """``found: <the header's names>`` when they look like column names (they help to write
    a ``columns`` mapping). The first line of a file that is no export (``root:x:0:0:...``)
    is not echoed into logs and the UI."""
    if all(_HEADER_NAME.fullmatch(name) for name in header):
        return f"found: {', '.join(header) or 'none'}"
    return f"the first line is no CSV header: {len(header)} field(s), not shown"


def missing_columns_message(required: Iterable[str], header: list[str]) -> str:
    """Which required columns a header lacks, and :func:`header_names`."""
    missing = [name for name in required if name not in header]
    return f"missing column(s) {', '.join(missing)} ({header_names(header)})"


def boolean(value: object) -> tuple[str | None, str | None]:
    """(true/false, None), or the value as it came with a note when it is no boolean."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return text(value), None
    word = str(value).strip().lower()
    if word in _TRUE:
        return "true", None
    if word in _FALSE:
        return "false", None
    return str(value), f"not a boolean: {value!r}"


def timestamp_value(value: object) -> tuple[str | None, str | None]:
    """A timestamp as ISO-8601: epoch seconds (``1518863400``) or milliseconds
    (``1518863400000``; 13 digits or more), as a number or text, become UTC; anything else
    is passed through as it came (the landing judges it). A timestamp a synced table typed
    without a zone is UTC (Fivetran and Airbyte write UTC)."""
    if value is None or isinstance(value, bool):
        return text(value), None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(), None
    raw = str(value).strip()
    if isinstance(value, int | float) or _EPOCH.match(raw):
        number = float(raw)
        seconds = number / 1000 if abs(number) >= 1e11 else number
        try:
            return datetime.fromtimestamp(seconds, UTC).isoformat(), None
        except (OverflowError, OSError, ValueError):
            return raw, f"not an epoch time in seconds or milliseconds: {raw!r}"
    return text(value), None


def date_value(value: object) -> tuple[str | None, str | None]:
    """A date as YYYY-MM-DD: epoch milliseconds (HubSpot, ``"1735689600000"``, UTC), an ISO
    date or an ISO timestamp (its UTC date when it has an offset). Otherwise the value as
    it came, with a note (the landing quarantines it as ``invalid_date``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    raw = str(value).strip()
    if _EPOCH_MS.match(raw):
        return datetime.fromtimestamp(int(raw) / 1000, UTC).date().isoformat(), None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw, f"not an ISO date or epoch milliseconds: {raw!r}"
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date().isoformat(), None


def mapping_option(source: Source, name: str) -> dict[str, str]:
    """An option mapping ids to ids, inline or a YAML file (relative to the configuration)."""
    value = source.options.get(name) or {}
    if isinstance(value, str):
        path = source.option_path(name)
        try:
            value = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise AdapterError(path, f"{name}_file", str(error)) from None
    if not isinstance(value, dict):
        raise AdapterError(source.config_file, f"{name}_option", f"{name} must map id -> id")
    return {str(key): str(item) for key, item in value.items()}


def outcome_flags(outcome: str) -> tuple[str, str]:
    """(is_closed, is_won) of a stage's outcome (one of :data:`STAGE_OUTCOMES`)."""
    return ("false" if outcome == "open" else "true"), ("true" if outcome == "won" else "false")


def manager_of(source: Source, manager: str | None, why: str) -> tuple[str | None, str | None]:
    """(manager id, note) of a rep: ``manager``, else the option ``top_manager_id`` (whom
    the top of the hierarchy reports to), else empty with a note starting with ``why``
    (the landing quarantines the rep as ``missing_value:manager_id``)."""
    if manager:
        return manager, None
    top = text(source.options.get("top_manager_id"))
    if top:
        return top, None
    return None, f"{why}: no manager (set top_manager_id for the top of the hierarchy)"


def notes(*parts: str | None) -> str | None:
    joined = "; ".join(part for part in parts if part)
    return joined or None
