"""Every line of a landing file accounted for, independently of DuckDB's CSV reader.

DuckDB's reader rejects a record over its ``max_line_size`` with a reject record, but from
about 33 MB (DuckDB 2.0.1) it drops the record without one, and its line numbers after
such a record are off by one. So before DuckDB reads a CSV or JSON Lines file, the file is
scanned here with Python's own parser (:func:`scan_records`): every record's size in bytes,
the blank ones, and the records over :data:`MAX_ROW_BYTES`. An oversized record never
reaches DuckDB: it is cut out of a copy of the file (:func:`without_records`, the line
kept blank so every later row keeps its number) and quarantined as ``unreadable_row`` with
its row number and size. After the read, the reader's rows and rejects must add up to the
scanned records (:func:`unaccounted`), or the file is refused: a row is never lost
silently.
"""

from __future__ import annotations

import csv
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MAX_ROW_BYTES = 2 * 1024 * 1024  # a larger row (record) is quarantined as unreadable_row
MAX_COLUMNS = 1_000  # a file with more columns is refused (rule max_columns)
# what stands in for an oversized line while it is parsed: its quotes, commas and line
# breaks (which decide where the record ends), every run of other characters one "x"
_FILLER = re.compile(rb'[^",\r\n]+')
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")
_COPY_CHUNK = 1 << 24


@dataclass(frozen=True)
class Oversized:
    """A record over the maximum row size: its row (1 = first data row) and bytes."""

    row: int
    start: int
    size: int
    lines: int  # physical lines (more than one: a quoted field with line breaks)
    head: str


@dataclass
class RecordScan:
    """A file's records after its header (CSV) or its lines (JSON Lines)."""

    records: int = 0  # records, blank ones included
    blank: list[int] = field(default_factory=list)  # the rows that are blank lines
    oversized: list[Oversized] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """The rows a reader must return or reject: the records that are not blank."""
        return self.records - len(self.blank)


def _lines(handle, position: list[int], max_bytes: int) -> Iterator[str]:
    """The file's lines as text; ``position`` the bytes and lines read so far. A line over
    ``max_bytes`` is parsed as its filler (quotes, commas and line breaks only)."""
    total = number = 0
    for chunk in handle:
        # a line break is \n, \r\n or a lone \r (as DuckDB reads them); binary lines end at \n
        pieces = _LONE_CR.split(chunk) if b"\r" in chunk[:-2] else (chunk,)
        for line in pieces:
            if not line:
                continue
            number += 1
            total += len(line)
            position[0] = total
            position[1] = number
            if len(line) > max_bytes:
                line = _FILLER.sub(b"x", line)
            yield line.decode("utf-8", errors="surrogateescape")


def _head(path: Path, start: int) -> str:
    with path.open("rb") as handle:
        handle.seek(start)
        text = handle.read(200).decode("utf-8", errors="replace")
    return text.splitlines()[0] if text else ""


def scan_records(path: Path, fmt: str, max_bytes: int = MAX_ROW_BYTES) -> RecordScan:
    """Count ``path``'s records with Python's parser: CSV records after the header (a
    quoted field's line breaks inside its record), or JSON Lines lines."""
    scan = RecordScan()
    position = [0, 0]  # bytes and lines read
    spans: list[tuple[int, int, int, int]] = []  # oversized: row, start, end, lines
    with path.open("rb") as handle:
        lines = _lines(handle, position, max_bytes)
        start = line = 0
        if fmt == "csv":
            previous = csv.field_size_limit()
            csv.field_size_limit(sys.maxsize)
            try:
                for number, record in enumerate(csv.reader(lines, strict=False)):
                    end = position[0]
                    if not number:
                        pass  # the header
                    elif not record:
                        scan.blank.append(number)
                    elif end - start > max_bytes:
                        spans.append((number, start, end, position[1] - line))
                    scan.records = number
                    start, line = end, position[1]
            finally:
                csv.field_size_limit(previous)
        else:
            for number, text in enumerate(lines, start=1):
                end = position[0]
                if end - start > max_bytes:
                    spans.append((number, start, end, 1))
                elif not text.strip(" \r\n"):
                    scan.blank.append(number)
                scan.records = number
                start = end
    scan.oversized = [
        Oversized(row, first, last - first, count, _head(path, first))
        for row, first, last, count in spans
    ]
    return scan


def without_records(path: Path, records: list[Oversized], folder: Path) -> Path:
    """A copy of ``path`` in ``folder`` with each of ``records`` replaced by a blank line:
    the reader sees every other row at its place, and never the oversized ones."""
    copy = Path(tempfile.mkstemp(suffix=path.suffix, dir=folder)[1])
    with path.open("rb") as source, copy.open("wb") as target:
        offset = 0
        for record in records:
            _copy_bytes(source, target, record.start - offset)
            source.seek(record.start + record.size)
            target.write(b"\n")
            offset = record.start + record.size
        shutil.copyfileobj(source, target, _COPY_CHUNK)
    return copy


def _copy_bytes(source, target, count: int) -> None:
    while count > 0:
        chunk = source.read(min(count, _COPY_CHUNK))
        if not chunk:
            return
        target.write(chunk)
        count -= len(chunk)
