"""Where a warehouse's Great Expectations files are: ``<warehouse>.gx`` beside the file,
with ``data_docs/`` (the Data Docs site, ``data_docs/index.html``), ``validations/`` (GX's
validation results, JSON) and ``expectations/`` (the suites). Every quality check adds its
results and pages there (:mod:`salesassess.quality.validation`).

``python -m salesassess.quality.data_docs`` (``make data-docs``) prints the site's index page
for ``ASSESSMENT_WAREHOUSE`` (read from ``.env`` too; default ``data/warehouse.duckdb``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def data_docs_dir(warehouse: Path | str) -> Path:
    """The warehouse's GX folder, beside it."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.name}.gx")


def data_docs_index(warehouse: Path | str) -> Path:
    """The Data Docs site's index page."""
    return data_docs_dir(warehouse) / "data_docs" / "index.html"


def main(argv: Sequence[str] | None = None) -> int:
    from salesassess.platform.commands import HelpFormatter
    from salesassess.platform.environment import load_dotenv, resolve

    parser = argparse.ArgumentParser(
        prog="python -m salesassess.quality.data_docs",
        description=__doc__,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--warehouse", help="the warehouse file (default ASSESSMENT_WAREHOUSE)")
    options = parser.parse_args(argv)
    load_dotenv()
    warehouse = resolve(
        options.warehouse or os.environ.get("ASSESSMENT_WAREHOUSE") or "data/warehouse.duckdb"
    )
    index = data_docs_index(warehouse)
    if not index.is_file():
        print(f"no Data Docs yet for {warehouse}: assess a quarter first (make assess)")
        return 1
    print(f"Data Docs: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
