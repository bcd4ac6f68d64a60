"""`make demo` writes only its own folder, whatever ASSESSMENT_* say in the environment.

A user who exported ASSESSMENT_LANDING_DIR, ASSESSMENT_WAREHOUSE, ASSESSMENT_PUBLISHED and
ASSESSMENT_REPORTS_DIR for their real data, and keeps a sources.yaml there, types the
README's first command: their files must be byte for byte what they were. The demo is made
small (3 reps, 1 quarter) and its folder is a temporary one (DEMO_DIR on make's command
line); the follow-up window is still open on ASSESSMENT_TODAY, so one job runs.
"""

from __future__ import annotations

import subprocess

from tests.helpers import ROOT, query


def snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_make_demo_leaves_a_foreign_landing_and_warehouse_untouched(tmp_path):
    real = tmp_path / "real"
    (real / "landing").mkdir(parents=True)
    (real / "landing" / "calls.csv").write_text("call_id,rep_id\nmine,me\n", encoding="utf-8")
    (real / "landing" / "sources.yaml").write_text("calls: {adapter: gong, path: x}\n")
    (real / "warehouse.duckdb").write_bytes(b"not a demo warehouse")
    (real / "published.duckdb").write_bytes(b"what my dashboards read")
    (real / "reports" / "2026-Q3").mkdir(parents=True)
    (real / "reports" / "2026-Q3" / "index.html").write_text("my reports")
    (real / "method.yaml").write_text("min_scored_calls: 1000\n")
    before = snapshot(real)
    demo = tmp_path / "demo"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "ASSESSMENT_LANDING_DIR": str(real / "landing"),
        "ASSESSMENT_WAREHOUSE": str(real / "warehouse.duckdb"),
        "ASSESSMENT_PUBLISHED": str(real / "published.duckdb"),
        "ASSESSMENT_REPORTS_DIR": str(real / "reports"),
        "ASSESSMENT_ADAPTED_DIR": str(real / "adapted"),
        "ASSESSMENT_SOURCES": str(real / "landing" / "sources.yaml"),
        "ASSESSMENT_CONFIG": str(real / "method.yaml"),
        "ASSESSMENT_TODAY": "2026-10-02",
    }
    completed = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "demo",
            f"DEMO_DIR={demo}",
            "PARTITION=2026-07-01",
            "DEMO_QUARTERS=1",
            "DEMO_FLAGS=--reps 3 --calls-per-rep 12",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert snapshot(real) == before
    assert sorted(p.name for p in real.iterdir()) == sorted(
        ["landing", "warehouse.duckdb", "published.duckdb", "reports", "method.yaml"]
    )
    # the demo's own folder holds what it made, with the method's default settings
    assert query(demo / "warehouse.duckdb", "select count(*) from raw.reps") == [(3,)]
    assert (demo / "published.duckdb").is_file()
    assert (demo / "reports" / "2026-Q3" / "index.html").is_file()
    assert "Assessment cycle 2026-Q3" in completed.stdout
