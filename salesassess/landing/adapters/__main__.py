"""Translate the exports a sources configuration (sources.yaml) names into a canonical
landing folder (OUT/<kind>/NN_<adapter>.jsonl) and print a line per export file and a
total, e.g. "exports/Opportunity.csv: 774 read, 774 written, 0 skipped (utf-8-sig)".

Each file gets its own verdict: a file that cannot be read is printed as refused with
its rule, and the others are still written. The exit status is 0 when every file was
read, 1 when a file or a source was refused (or the configuration cannot be read)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from salesassess.landing.adapters.base import AdapterError
from salesassess.landing.adapters.sources import load_sources, refusal_error, write_kind
from salesassess.platform.environment import load_dotenv


def shown(file: str, base: Path) -> str:
    """An export file as the configuration names it: relative to its folder when inside."""
    path = Path(file)
    return str(path.relative_to(base)) if path.is_relative_to(base) else file


def verdict_line(entry: dict, base: Path) -> str:
    """One export file's line: records read, written and skipped (with the reasons), and
    the encoding or table it was read from; or why it was refused."""
    name = shown(entry["source_file"], base)
    refused = entry.get("refused")
    if refused:
        where = f" at {refused['record']}" if refused["record"] else ""
        return f"{name}: refused{where}, rule {refused['rule']}: {refused['message']}"
    parts = [] if entry["records_read"] is None else [f"{entry['records_read']} read"]
    written = entry["records_written"]
    rows = entry["rows_written"]
    parts.append(f"{written} written" + (f" as {rows} rows" if rows != written else ""))
    reasons = entry["records_skipped"]
    parts.append(f"{sum(reasons.values())} skipped")
    if reasons:
        parts[-1] += ": " + ", ".join(f"{count} {reason}" for reason, count in reasons.items())
    how = entry["encoding"] or (f"table {entry['source_table']}" if entry["source_table"] else "")
    return f"{name}: {', '.join(parts)}" + (f" ({how})" if how else "")


def main(argv: list[str] | None = None) -> int:
    load_dotenv()
    parser = argparse.ArgumentParser(
        prog="python -m salesassess.landing.adapters", description=__doc__
    )
    parser.add_argument("--config", type=Path, required=True, help="the sources YAML file")
    parser.add_argument("--out", type=Path, required=True, help="the landing folder to write")
    args = parser.parse_args(argv)
    base = args.config.parent
    totals = {"files": 0, "read": 0, "written": 0, "skipped": 0, "refused": 0}
    try:
        sources = load_sources(args.config)
        for kind, kind_sources in sources.items():
            for number, log in enumerate(write_kind(kind, kind_sources, args.out)):
                if log["refused"]:
                    error = refusal_error(log["refused_file"], log["refused"])
                    print(f"{kind}[{number}] ({log['adapter']}): refused, {error}")
                    totals["refused"] += 1
                for entry in log["files"]:
                    print(verdict_line(entry, base))
                    totals["files"] += 1
                    totals["read"] += entry["records_read"] or 0
                    totals["written"] += entry["records_written"]
                    totals["skipped"] += sum(entry["records_skipped"].values())
                    totals["refused"] += 1 if entry["refused"] else 0
    except (AdapterError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(
        f"total: {totals['files']} files, {totals['read']} read, {totals['written']} written, "
        f"{totals['skipped']} skipped, {totals['refused']} refused"
    )
    return 1 if totals["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
