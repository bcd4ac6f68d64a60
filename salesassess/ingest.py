"""Landing files -> ``raw`` schema, one quarterly partition at a time.

Every landing kind of DATA_CONTRACT.md (reps, calls, utterances, scores, opportunities,
coaching_sessions) is read from CSV, Parquet or JSON Lines files
(:mod:`salesassess.landing`), validated row by row inside DuckDB
(:mod:`salesassess.landing_checks`, generated from :mod:`salesassess.contract`), and split
three ways (:mod:`salesassess.raw_tables`):

* accepted rows of this partition go to ``raw.<kind>`` (replacing the partition),
* rows breaking the contract go to ``raw.quarantine`` with file, row number, rule and
  raw content,
* rows that belong to another partition are counted and left for that partition.

Counts reconcile per file: ``rows_read = accepted + quarantined + other_partition``; they
are written to ``raw.load_log`` and returned for the asset's metadata.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from salesassess.adapters.sources import store_adapter_log
from salesassess.contract import KINDS
from salesassess.landing import (
    LandedFile,
    LandingError,
    create_parse_rejects,
    landing_files,
    open_landing_file,
)
from salesassess.landing_checks import build_call_index, judge
from salesassess.raw_tables import FileCounts, file_counts, store, store_rubrics
from salesassess.warehouse import drop_tables, ensure_raw_schema

__all__ = ["FileCounts", "LandingError", "ingest_kind", "store_rubrics"]


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
    create_parse_rejects(con)
    sources: list[LandedFile] = []
    try:
        if kind.name in ("utterances", "scores"):
            build_call_index(con, landing_dir)
        for number, path in enumerate(files):
            sources.append(open_landing_file(con, kind, path, f"landed_{number}"))
        judge(con, kind, sources, params)
        counts = file_counts(con, sources)
        store(con, kind, sources, counts, params)
        store_adapter_log(con, kind.name, cycle, landing_dir)
    finally:
        drop_tables(con, [t for source in sources for t in source.temp_tables] + ["verdict"])
    return counts
