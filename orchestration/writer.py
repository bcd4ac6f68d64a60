"""The warehouse's one writer, for Dagster runs: the lock of ``salesassess.platform.writer_lock``
held by a run (from ``AssessmentSettings``' set-up before its first step to its tear-down after
its last) or by ``make assess`` around its runs, and killed runs marked failed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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


def killed_runs_line(run_ids: list[str]) -> str:
    """What the next writer says about the runs it marked failed."""
    which = (
        f"a previous run killed ({run_ids[0]})"
        if len(run_ids) == 1
        else (f"{len(run_ids)} previous runs killed ({', '.join(run_ids)})")
    )
    return (
        f"found {which}: the process ended while holding the warehouse; marked failed in "
        "Dagster, and this run replaces what it left"
    )


@contextmanager
def hold_warehouse(
    warehouse: Path,
    instance: dg.DagsterInstance | None,
    holder: str,
    run_id: str | None = None,
    outputs: Sequence[tuple[str, Path]] = (),
) -> Iterator[list[str]]:
    """Hold the warehouse's writer lock and the locks of its ``outputs`` (the published
    file, the reports folder; see ``writer_lock``), or raise ``WarehouseBusy``, marking failed
    the runs a killed process left started. Yields the ids of the runs it marked."""
    with writer_lock(warehouse, holder, run_id, outputs) as previous:
        marked = []
        if instance is not None and previous:
            marked = mark_killed_runs_failed(instance, previous)
        yield marked
