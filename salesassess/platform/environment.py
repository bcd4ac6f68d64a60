"""Where the project is, where its files ship, and what ``.env`` says.

Run from a checkout, the project root is the checkout: relative paths in ``ASSESSMENT_*``
(``data/warehouse.duckdb``) are relative to it, and the dbt project and rubric templates
are its ``dbt_project/`` and ``rubrics/templates/``. Installed from a wheel (``pip install
.``), the project root is the working directory and the dbt project and templates are
package data of ``salesassess``.

``load_dotenv`` is how every command line reads ``.env`` (the working directory's, then the
checkout's): a variable already set in the environment wins over the file. Standard library
only: the Makefile runs ``python -m salesassess.method.calendar`` before the virtual environment
exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_CHECKOUT = PACKAGE_DIR.parent
IN_CHECKOUT = (_CHECKOUT / "pyproject.toml").is_file() and (
    _CHECKOUT / "dbt_project" / "dbt_project.yml"
).is_file()
PROJECT_ROOT = _CHECKOUT if IN_CHECKOUT else Path.cwd()
# the dbt project as shipped: the checkout's, or the copy packaged into the wheel
SHIPPED_DBT_PROJECT = (_CHECKOUT if IN_CHECKOUT else PACKAGE_DIR) / "dbt_project"
RUBRIC_TEMPLATES = (
    _CHECKOUT / "rubrics" / "templates" if IN_CHECKOUT else PACKAGE_DIR / "rubric_templates"
)
DOTENV = ".env"

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def resolve(value: str | os.PathLike) -> Path:
    """A configured path: absolute as given, relative to the project root otherwise."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file (``export`` allowed, ``#`` comments, values
    optionally in single or double quotes); other lines are ignored."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        key, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        values[key] = value
    return values


def dotenv_files() -> list[Path]:
    """The ``.env`` files read, first one wins: the working directory's, the project's."""
    files = []
    for folder in (Path.cwd(), PROJECT_ROOT):
        path = (folder / DOTENV).resolve()
        if path.is_file() and path not in files:
            files.append(path)
    return files


def load_dotenv() -> list[Path]:
    """Put the ``.env`` files' variables into ``os.environ`` where not already set; returns
    the files read."""
    files = dotenv_files()
    for path in files:
        for key, value in read_dotenv(path).items():
            os.environ.setdefault(key, value)
    return files


def dbt_project_dir() -> Path:
    """The dbt project dbt runs in. From a checkout, its ``dbt_project/``. Installed, the
    packaged project is copied once per version into a writable folder (dbt writes
    ``target/`` and ``logs/`` beside its models): ``ASSESSMENT_DBT_DIR``, default
    ``~/.cache/sales-assessment-warehouse/dbt_project-<version>``."""
    if IN_CHECKOUT:
        return SHIPPED_DBT_PROJECT
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("sales-assessment-warehouse")
    except PackageNotFoundError:
        release = "unknown"
    configured = os.environ.get("ASSESSMENT_DBT_DIR")
    target = (
        resolve(configured)
        if configured
        else Path.home() / ".cache" / "sales-assessment-warehouse" / f"dbt_project-{release}"
    )
    if not (target / "dbt_project.yml").is_file():
        import shutil

        staging = target.with_name(f".{target.name}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(
            SHIPPED_DBT_PROJECT,
            staging,
            ignore=shutil.ignore_patterns("__pycache__", "__init__.py", "target", "logs"),
        )
        staging.rename(target)
    return target


ALLOW_VARIABLE = "ASSESSMENT_SOURCES_ALLOW"


def allowed_folders(landing_dir: Path) -> list[Path]:
    """Where the files a run reads (landing files, rubrics, exports a ``sources.yaml`` names)
    may resolve to, links followed: the landing folder and the folders
    ``ASSESSMENT_SOURCES_ALLOW`` lists (separated by ``os.pathsep``)."""
    extra = os.environ.get(ALLOW_VARIABLE) or ""
    folders = [landing_dir] + [Path(value).expanduser() for value in extra.split(os.pathsep)]
    return [folder.resolve() for folder in folders if str(folder) not in ("", ".")]


def inside_allowed_folders(path: Path, landing_dir: Path) -> bool:
    """Whether ``path`` resolves (links followed) inside the landing folder or an allowed one."""
    real = path.resolve()
    return any(
        real == folder or real.is_relative_to(folder) for folder in allowed_folders(landing_dir)
    )
