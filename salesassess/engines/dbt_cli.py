"""dbt as the Dagster runs call it: ``python -m salesassess.engines.dbt_cli docs generate
--static``.

Reads ``.env`` (the shell's variables win), gives dbt the warehouse as an absolute path
and DuckDB's memory limit as the Dagster runs give them, and runs
``dbt <args> --profiles-dir <project>`` in the dbt project folder. ``make docs`` uses it.
dbt's profile is then the one of the runs on that warehouse: a ``parse --target duckdb``
here saves a parse that they reuse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from salesassess.engines.warehouse import duckdb_environment
    from salesassess.platform.environment import dbt_project_dir, load_dotenv, resolve

    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m salesassess.engines.dbt_cli DBT_ARGUMENTS ...\n")
        print(__doc__.replace("``", ""))
        return 0 if args else 2
    load_dotenv()
    warehouse = os.environ.get("ASSESSMENT_WAREHOUSE") or "data/warehouse.duckdb"
    path = resolve(warehouse)
    env = {**os.environ, "ASSESSMENT_WAREHOUSE": str(path), **duckdb_environment(path)}
    beside = Path(sys.executable).parent / "dbt"
    dbt = str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")
    project = dbt_project_dir()
    command = [dbt, *args, "--profiles-dir", str(project)]
    return subprocess.run(command, cwd=project, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
