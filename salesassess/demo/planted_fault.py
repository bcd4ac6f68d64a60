"""The quality gate shown on the demo: a fault planted in a copy of the demo's warehouse,
caught by Great Expectations.

``python -m salesassess.demo.planted_fault --partition 2026-07-01`` (the last step of
``make demo``) copies ``ASSESSMENT_WAREHOUSE`` to ``planted_fault.duckdb`` beside it, enters
one of the quarter's calls a second time in ``raw.calls``, has GX validate the copy's
``raw.calls`` suite, and prints what GX found and where the Data Docs are: the demo
warehouse's site and the page of the planted fault (in the copy's own site). The demo's
warehouse itself is never changed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence

import duckdb

from salesassess.method.calendar import CalendarError, cycle_window
from salesassess.platform.commands import HelpFormatter
from salesassess.platform.environment import load_dotenv, resolve
from salesassess.quality.data_docs import data_docs_dir, data_docs_index
from salesassess.quality.validation import run_quality

COPY = "planted_fault.duckdb"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m salesassess.demo.planted_fault",
        description=__doc__,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--partition", required=True, help="the quarter's first day")
    options = parser.parse_args(argv)
    load_dotenv()
    try:
        window = cycle_window(options.partition)
    except CalendarError as error:
        print(error)
        return 2
    warehouse = resolve(os.environ.get("ASSESSMENT_WAREHOUSE") or "data/warehouse.duckdb")
    copy = warehouse.with_name(COPY)
    shutil.rmtree(data_docs_dir(copy), ignore_errors=True)
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        (call_id,) = con.execute(
            "select min(call_id) from raw.calls where cycle = $cycle", {"cycle": window.cycle}
        ).fetchone()
        con.execute(
            "insert into raw.calls select * from raw.calls where cycle = $cycle "
            "and call_id = $call_id",
            {"cycle": window.cycle, "call_id": call_id},
        )
    result = run_quality(copy, "raw.calls", window)
    print(f"Data Docs of the demo's warehouse: {data_docs_index(warehouse)}")
    print(f"Planted fault: call {call_id} of {window.cycle} entered twice in raw.calls (a copy)")
    if result.passed:
        print("GX did NOT catch it: " + result.description)
        return 1
    print(
        f"GX caught it: {result.suite} {result.cycle} failed {result.check} "
        f"({', '.join(o.expectation for o in result.failed)}), {result.failing_rows} failing "
        f"rows, e.g. call_id {result.example_row['call_id']}"
    )
    print(f"  its Data Docs page: {result.data_docs}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
