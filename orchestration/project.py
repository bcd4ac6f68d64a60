"""The one dbt project of the warehouse, for dagster-dbt.

From a checkout it is the repository's ``dbt_project/``, parsed by ``make install`` (or
here, in development). Installed from a wheel, it is the packaged copy
(:func:`salesassess.platform.environment.dbt_project_dir`), parsed once when its manifest is
missing.
"""

from __future__ import annotations

from dagster_dbt import DbtProject

from salesassess.platform.environment import IN_CHECKOUT, dbt_project_dir

DBT_PROJECT_DIR = dbt_project_dir()

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
if IN_CHECKOUT:
    dbt_project.prepare_if_dev()
elif not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)
