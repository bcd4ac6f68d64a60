"""Landing files -> ``raw`` schema, one quarterly partition at a time.

Every landing kind of DATA_CONTRACT.md (reps, calls, utterances, scores, opportunities,
coaching_sessions) is read from CSV, Parquet or JSON Lines files
(:mod:`salesassess.landing.files`), validated row by row inside DuckDB
(:mod:`salesassess.landing.checks`, generated from :mod:`salesassess.landing.contract`), and split
three ways (:mod:`salesassess.landing.raw_tables`):

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

from salesassess.engines.warehouse import drop_tables, ensure_raw_schema
from salesassess.landing.adapters.sources import store_adapter_log
from salesassess.landing.checks import build_call_index, judge, placed_by_call
from salesassess.landing.contract import KINDS
from salesassess.landing.files import (
    LandedFile,
    LandingError,
    create_parse_rejects,
    landing_files,
    open_landing_file,
)
from salesassess.landing.raw_tables import FileCounts, store, store_rubrics

__all__ = ["FileCounts", "LandingError", "ingest_kind", "slice_status", "store_rubrics"]


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
        if placed_by_call(kind):
            build_call_index(con, landing_dir, cycle)
        for number, path in enumerate(files):
            sources.append(open_landing_file(con, kind, path, f"landed_{number}"))
        judge(con, kind, sources, params)
        counts = store(con, kind, sources, params)
        store_adapter_log(con, kind.name, cycle, landing_dir)
    finally:
        temp_tables = [table for source in sources for table in source.temp_tables]
        drop_tables(con, [*temp_tables, "verdict", "duplicates"])
    return counts


def slice_status(con: duckdb.DuckDBPyConnection, label: str, scorer: dict | None, what: str) -> str:
    """What a loaded slice (a cycle, a follow-up or check-in window: partition ``label`` of
    the raw tables, called ``what``) holds for the automated scorer, as a phrase for its
    step: no calls, calls without a transcript, no scorer in the rubric, or scored calls
    (``scorer``: the scorer's result, None when the rubric declares none)."""
    calls, transcribed = con.execute(
        "select (select count(*) from raw.calls where cycle = $label), "
        "(select count(distinct call_id) from raw.utterances where cycle = $label)",
        {"label": label},
    ).fetchone()
    if calls == 0:
        return f"no calls in {what}"
    held = f"{calls:,} call{'' if calls == 1 else 's'} in {what}"
    if transcribed == 0:
        return f"{held}, none with a transcript: none scored automatically"
    if scorer is None:
        return f"{held}, {transcribed:,} with a transcript; no rubric in force declares a scorer"
    learned = (scorer.get("learned") or {}).get("learned_criteria") or []
    by = f" (the learned scorer on {', '.join(learned)})" if learned else ""
    return f"{held}, {transcribed:,} scored automatically{by}"
