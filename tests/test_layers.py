"""The layers point one way: the domain package (salesassess) imports neither Dagster nor the
Dagster assets and definitions built on it; nothing imports the definitions module."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "salesassess"
FORBIDDEN_IN_DOMAIN = ("dagster", "dagster_dbt", "dagster_webserver", "assets", "orchestration")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_modules_import_no_dagster_and_no_upper_layer():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN_IN_DOMAIN
        )
        for path in sorted(DOMAIN.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_domain_package_loads_without_dagster():
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in DOMAIN.rglob("*.py")
        if path.name != "__main__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        f"{FORBIDDEN_IN_DOMAIN!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_nothing_imports_the_definitions_module():
    importers = [
        str(path.relative_to(ROOT))
        for package in ("salesassess", "assets", "orchestration")
        for path in sorted((ROOT / package).rglob("*.py"))
        if any(
            name in ("orchestration.definitions", "orchestration.checkin_definitions")
            for name in imported_modules(path)
        )
    ]
    # the command lines on top run the definitions; no asset or domain module imports them
    assert importers == ["orchestration/assess.py"]
