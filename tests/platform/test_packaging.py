"""`pip install .` (not editable) gives a working package, used outside the checkout.

The wheel is built from a copy of the repository (without build isolation: nothing is
downloaded) and installed without dependencies into a fresh virtual environment, which
reuses the test environment's installed dependencies through a path file. From a folder
that is not the checkout, the command lines and both Dagster code locations load, and the
dbt project, the rubric templates and the report templates are found in the package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.helpers import ROOT

IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "data", "target", "logs", "__pycache__", "*.egg-info", "build", ".*_cache"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("packaging")
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    wheels = tmp / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
         "--no-build-isolation", "-w", str(wheels)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    wheel = next(wheels.glob("*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies of the test environment, appended after the venv's own packages
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--quiet", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    work = tmp / "elsewhere"
    work.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp / "home"),
        "DAGSTER_HOME": str(tmp / "dagster_home"),
    }
    return {
        "python": python,
        "wheel": wheel,
        "cwd": work,
        "env": env,
        "tmp": tmp,
        "build_output": build.stdout + build.stderr,
    }


def run(installed, *args, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(installed["python"]), *args],
        cwd=installed["cwd"], env=installed["env"], capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


def test_the_wheel_builds_without_warnings(installed):
    # a folder missing from the package list shows as "Package ... is absent"
    assert "Warning" not in installed["build_output"], installed["build_output"]


def test_the_wheel_holds_every_module_and_the_data_files(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for package in ("salesassess", "assets", "orchestration"):
        for module in (ROOT / package).rglob("*.py"):
            assert str(module.relative_to(ROOT)) in names, module
    for template in (ROOT / "salesassess" / "publishing" / "reporting" / "templates").iterdir():
        assert f"salesassess/publishing/reporting/templates/{template.name}" in names
    for rubric in (ROOT / "rubrics" / "templates").glob("*.yaml"):
        assert f"salesassess/rubric_templates/{rubric.name}" in names
    dbt = [
        *(ROOT / "dbt_project").glob("[mt]*/**/*.sql"),
        *(ROOT / "dbt_project").glob("*/**/*.yml"),
    ]
    for sql in (p for p in dbt if "target" not in p.parts and "logs" not in p.parts):
        assert f"salesassess/dbt_project/{sql.relative_to(ROOT / 'dbt_project')}" in names
    assert "salesassess/dbt_project/dbt_project.yml" in names
    assert "orchestration/dagster.yaml" in names
    assert "salesassess/demo/phrases.yaml" in names
    assert not any("/target/" in name for name in names)


def test_installed_package_finds_its_files_outside_the_checkout(installed):
    completed = run(
        installed,
        "-c",
        "import salesassess.platform.environment as e, "
        "salesassess.publishing.reporting.render as r, "
        "salesassess.demo.data as d; "
        "print(e.IN_CHECKOUT, e.PROJECT_ROOT, d.DEFAULT_RUBRIC.is_file(), "
        "(r.TEMPLATES / 'rep.html').is_file(), e.dbt_project_dir())",
    )
    assert completed.returncode == 0, completed.stderr
    in_checkout, root, rubric, template, dbt_dir = completed.stdout.split()
    assert (in_checkout, root, rubric, template) == ("False", str(installed["cwd"]), "True", "True")
    assert Path(dbt_dir).is_relative_to(installed["tmp"] / "home" / ".cache")
    assert (Path(dbt_dir) / "models").is_dir()


def test_installed_command_lines_and_code_locations_load(installed):
    completed = run(installed, "-m", "orchestration.assess", "--help")
    assert completed.returncode == 0 and "usage: python -m orchestration.assess" in completed.stdout
    completed = run(
        installed,
        "-c",
        "from orchestration.definitions import defs; "
        "from orchestration.checkin_definitions import defs as checkins; "
        "print(sorted(k.to_user_string() for k in defs.resolve_all_asset_keys())); "
        "print(sorted(k.to_user_string() for k in checkins.resolve_all_asset_keys()))",
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    from orchestration.checkin_definitions import defs as checkout_checkins
    from orchestration.definitions import defs as checkout_defs

    expected = [
        str(sorted(k.to_user_string() for k in d.resolve_all_asset_keys()))
        for d in (checkout_defs, checkout_checkins)
    ]
    assert completed.stdout.splitlines() == expected
