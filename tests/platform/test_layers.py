"""The layers point one way: the domain package (salesassess) imports neither Dagster nor the
Dagster assets and definitions built on it; inside it, each subpackage imports only the ones
below it (ORDER); no two modules import each other, even through others; the orchestration
layer holds Dagster code only; nothing imports the definitions module."""

import ast
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

DOMAIN = ROOT / "salesassess"
FORBIDDEN_IN_DOMAIN = ("dagster", "dagster_dbt", "dagster_webserver", "assets", "orchestration")
# salesassess's subpackages from the bottom up, following the data: each may import the ones
# before it, never one after it (the subpackages' docstrings say the same)
ORDER = (
    "platform",
    "method",
    "engines",
    "landing",
    "scoring",
    "quality",
    "publishing",
    "demo",
)
# command lines kept under their old names for one release (they only call the new one)
ALIASES = {"orchestration/dbt_cli.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in ("salesassess", "assets", "orchestration")
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (``from a.b import c`` counts as ``a.b``,
    or ``a.b.c`` when that is a module)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_modules(path):
            if imported in modules:
                targets.add(imported)
        graph[name] = targets - {name}
    return graph


def subpackage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "salesassess" and len(parts) > 2 else None


def test_every_module_of_the_domain_sits_in_a_subpackage_of_the_order():
    loose = [
        module_name(path) for path in sorted(DOMAIN.glob("*.py")) if path.name != "__init__.py"
    ]
    folders = sorted(path.parent.name for path in DOMAIN.glob("*/__init__.py"))
    assert loose == []
    assert folders == sorted(ORDER)


def test_each_subpackage_says_what_it_owns_and_may_import():
    for name in ORDER:
        doc = ast.get_docstring(ast.parse((DOMAIN / name / "__init__.py").read_text()))
        assert doc and "import" in doc.lower(), name


def test_subpackages_import_only_the_ones_below_them():
    rank = {name: index for index, name in enumerate(ORDER)}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if subpackage(module)
        for target in targets
        if subpackage(target) and rank[subpackage(target)] > rank[subpackage(module)]
    )
    assert upward == []


def test_no_module_imports_itself_through_others():
    graph = import_graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_cycle_search_finds_a_cycle(tmp_path):
    """The cycle test itself: two modules importing each other are found."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("from pkg.b import x\n")
    (package / "b.py").write_text("import pkg.a\n")
    found = {name: imported_modules(package / f"{name}.py") & {"pkg.a", "pkg.b"} for name in "ab"}
    assert found == {"a": {"pkg.b"}, "b": {"pkg.a"}}


def test_orchestration_holds_dagster_code_only():
    """Every module of the orchestration layer uses Dagster, itself or through another
    orchestration or asset module; library code lives in salesassess."""
    graph = import_graph()
    modules = project_modules()
    uses_dagster = {
        name
        for name, path in modules.items()
        if any(imported.startswith("dagster") for imported in imported_modules(path))
    }
    changed = True
    while changed:
        before = len(uses_dagster)
        uses_dagster |= {name for name, targets in graph.items() if targets & uses_dagster}
        changed = len(uses_dagster) != before
    free = sorted(
        str(path.relative_to(ROOT))
        for name, path in modules.items()
        if name.split(".")[0] == "orchestration"
        and path.name != "__init__.py"
        and name not in uses_dagster
    )
    assert set(free) == ALIASES


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
