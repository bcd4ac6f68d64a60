"""The warehouse's one writer, for Dagster runs: the lock of ``salesassess.platform.writer_lock``
held by a run (from ``AssessmentSettings``' set-up before its first step to its tear-down after
its last) or by ``make assess`` around its runs, and killed runs marked failed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from salesassess.platform.writer_lock import writer_lock

_STILL_RUNNING = (
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.CANCELING,
)


def mark_killed_runs_failed(instance: dg.DagsterInstance, run_ids: list[str]) -> list[str]:
    """Runs that held the warehouse when their process died still show as started: they
    cannot be running (the lock was free), so they are marked failed. Returns their ids."""
    marked = []
    for run_id in run_ids:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status in _STILL_RUNNING:
            instance.report_run_failed(
                run,
                message="the run's process ended while it held the warehouse (killed); "
                "marked failed by the next writer",
            )
            marked.append(run_id)
    return marked


@contextmanager
def hold_warehouse(
    warehouse: Path, instance: dg.DagsterInstance | None, holder: str, run_id: str | None = None
) -> Iterator[None]:
    """Hold the warehouse's writer lock (or raise ``WarehouseBusy``), marking failed the runs
    a killed process left started."""
    with writer_lock(warehouse, holder, run_id) as previous:
        if instance is not None and previous:
            mark_killed_runs_failed(instance, previous)
        yield
