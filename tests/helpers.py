"""Helpers shared by the test modules (fixtures live in the conftest files): where the
fixtures are, a whole Dagster run of one cycle, a query on a warehouse file, and the adapter
tests' small builders."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from salesassess.landing.adapters.base import Source

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SMALL_LANDING = FIXTURES / "small_landing"
FIXTURE_PARTITION = "2026-07-01"


def materialize_cycle(partition_key: str) -> dg.ExecuteInProcessResult:
    """Materialise every asset of one cycle, as `make assess` does."""
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    return defs.resolve_job_def("assess_cycle").execute_in_process(
        partition_key=partition_key, raise_on_error=False
    )


def assess_landing(environment, landing: Path, partition_key: str = FIXTURE_PARTITION) -> Path:
    """The module's warehouse after one cycle assessed from ``landing`` with its
    ``method.yaml`` (the ``environment`` fixture's variables pointed at both)."""
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    environment["patch"].setenv("ASSESSMENT_CONFIG", str(landing / "method.yaml"))
    assert materialize_cycle(partition_key).success
    return environment["warehouse"]


def query(warehouse: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def source(kind: str, adapter: str, path: Path, **options) -> Source:
    """An adapter's source as a ``sources.yaml`` entry would give it."""
    return Source(kind, adapter, path, options, base_dir=path.parent, config_file="test.yaml")


def pick(rows: list[dict], *columns: str) -> list[tuple]:
    """The rows' values of ``columns``, in order."""
    return [tuple(item.get(column) for column in columns) for item in rows]
