"""``python -m salesassess.engines.dbt_cli``: dbt with the profile of the Dagster runs."""

import subprocess

from salesassess.engines import dbt_cli
from salesassess.engines.warehouse import MEMORY_LIMIT_VARIABLE, duckdb_environment


def test_dbt_gets_the_warehouse_and_memory_limit_of_the_runs(monkeypatch, tmp_path):
    """The same profile as a run on the warehouse (dbt's partial parse compares it)."""
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("ASSESSMENT_WAREHOUSE", str(warehouse))
    monkeypatch.delenv(MEMORY_LIMIT_VARIABLE, raising=False)
    started = []

    def run(command, *, cwd, env, check):
        started.append((command, env))
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(dbt_cli.subprocess, "run", run)
    assert dbt_cli.main(["parse", "--target", "duckdb"]) == 0
    [(command, env)] = started
    assert command[1:4] == ["parse", "--target", "duckdb"]
    assert env["ASSESSMENT_WAREHOUSE"] == str(warehouse)
    assert env[MEMORY_LIMIT_VARIABLE] == duckdb_environment(warehouse)[MEMORY_LIMIT_VARIABLE]
