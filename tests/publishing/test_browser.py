"""The pages as people see them: a scorecard and the running Dagster UI in headless Chromium.

The UI is started as the README says, ``make dev``, from a shell whose PATH does not hold
the virtual environment. Debian's ``chromium`` is installed by ``make browser-deps``
(``make test`` depends on it); without it these tests fail, they do not skip. The cycle
2026-Q3 of the small fixture is materialised into a Dagster instance of its own, which the
UI then serves: r1 Ana Silva's priorities are Criterion D (3.00 vs 3.75, weight 10%, gap 7.5) and
Criterion C (4.00 vs 4.25, 20%, 5.0), her evidence moment c1 at 01:05.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from tests.helpers import FIXTURE_PARTITION, ROOT
from tests.publishing.test_reports import visible_text

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser")
UI_TAGS = ("title", "style", "script")


def chromium() -> str:
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("headless Chromium is missing: `make browser-deps` installs Debian's chromium")


def dump_dom(url: str, profile: Path, budget_ms: int = 30000) -> str:
    """The page's DOM after its scripts ran for ``budget_ms`` of virtual time."""
    completed = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # tests may run as root (CI containers)
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            "--window-size=1600,2000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return completed.stdout


@pytest.fixture(scope="module")
def materialised(environment):
    """The cycle, materialised into the module's DAGSTER_HOME so the UI shows its runs."""
    from orchestration.definitions import build_definitions

    with dg.DagsterInstance.get() as instance:
        result = (
            build_definitions()
            .resolve_job_def("assess_cycle")
            .execute_in_process(
                partition_key=FIXTURE_PARTITION, instance=instance, raise_on_error=False
            )
        )
    assert result.success
    return environment["warehouse"].with_name("reports") / "2026-Q3"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain_shell_environment() -> dict[str, str]:
    """The environment of a shell where the virtual environment is not activated."""
    venv_bin = str(Path(sys.executable).parent)
    path = os.pathsep.join(
        part for part in os.environ.get("PATH", "").split(os.pathsep) if part and part != venv_bin
    )
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = path or "/usr/bin:/bin"
    return env


LOCATIONS_QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def graphql(base: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


@pytest.fixture(scope="module")
def webserver(make_dev):
    return make_dev["base"]


@pytest.fixture(scope="module")
def make_dev(materialised, tmp_path_factory):
    """`make dev` as the README says, from a shell without the virtual environment."""
    port = _free_port()
    log = tmp_path_factory.mktemp("webserver") / "make_dev.log"
    env = plain_shell_environment()
    assert shutil.which("dbt", path=env["PATH"]) is None  # dbt is only in the venv
    with log.open("w") as output:
        process = subprocess.Popen(
            ["make", "dev", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # dagster dev and its code servers end with it
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            if process.poll() is not None:
                pytest.fail(f"make dev exited ({process.returncode}):\n{log.read_text()}")
            try:
                entries = graphql(base, LOCATIONS_QUERY)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, TypeError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the Dagster UI not loaded after 240 s:\n{log.read_text()}")
            time.sleep(1)
        yield {"base": base, "log": log}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_make_dev_from_a_plain_shell_loads_every_code_location(make_dev):
    entries = graphql(make_dev["base"], LOCATIONS_QUERY)["workspaceOrError"]["locationEntries"]
    assert {e["name"]: e["locationOrLoadError"]["__typename"] for e in entries} == {
        "orchestration.definitions": "RepositoryLocation",
        "orchestration.checkin_definitions": "RepositoryLocation",
    }, entries
    # the project's dagster.yaml is in DAGSTER_HOME: no notice, no telemetry banner
    output = make_dev["log"].read_text()
    assert "dagster.yaml" not in output and "usage statistics" not in output, output


def test_scorecard_in_chromium_shows_the_rep_priorities_and_evidence(materialised, tmp_path):
    dom = dump_dom((materialised / "m1" / "r1.html").as_uri(), tmp_path / "profile", 2000)
    text = visible_text(dom)
    assert "Ana Silva r1 · manager m1 · cycle 2026-Q3" in text
    assert (
        "Coaching priorities Criterion D : rep 3.00 vs team 3.75, weight 10%, weighted gap 7.5 "
        "Criterion C : rep 4.00 vs team 4.25, weight 20%, weighted gap 5.0" in text
    )
    assert "2026-07-02 01:05 2.0 prospect: We have used our current vendor" in text
    assert "Close rate 50% team 33%" in text
    # the chart was parsed as SVG: its labels are in the DOM
    assert "Criterion D (10%)" in visible_text(dom, UI_TAGS)


def test_dagster_ui_shows_the_method_steps_and_the_report_asset(webserver, tmp_path):
    lineage = visible_text(dump_dom(f"{webserver}/asset-groups", tmp_path / "p1"), UI_TAGS)
    assert "Global asset lineage" in lineage
    for group in ("ingest", "score", "assess", "follow_up", "publish"):
        assert f" {group} " in lineage, group
    publish = visible_text(
        dump_dom(
            f"{webserver}/locations/orchestration.definitions/asset-groups/publish",
            tmp_path / "p2",
        ),
        UI_TAGS,
    )
    assert "rep_scorecards" in publish and "assessment_marts" in publish


def test_dagster_ui_shows_the_report_metadata_of_the_partition(webserver, materialised, tmp_path):
    page = visible_text(
        dump_dom(f"{webserver}/assets/reports/rep_scorecards", tmp_path / "p3"), UI_TAGS
    )
    assert "Latest materialization" in page and "2026-07-01" in page
    # metadata rows: key, timestamp, value
    assert re.search(rf"index [^/]* {re.escape(str(materialised / 'index.html'))} ", page)
    assert re.search(r"rep_pages [^/]*? 3 manager_pages [^/]*? 2 followup_included", page)
    assert "m1 Ana Silva 3.550 d, c -" in page
