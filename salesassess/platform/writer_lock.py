"""One writer per warehouse: a lock file next to it, held from a run's first step to its last.

DuckDB locks its file only while a connection is open, and a run opens and closes it at
every step (dbt holds none during its start-up), so two runs on one warehouse would
interleave step by step. The writer lock closes those gaps: ``<warehouse>.lock`` is locked
with ``flock`` for the whole run (or, for ``make assess``, for all its runs). The kernel
releases it when the process ends, killed or not, so a killed run never leaves the
warehouse locked. The file's text says who holds it, for the one-line refusal a second
writer gets, and which Dagster runs held it last, so that the next holder can mark a killed
one failed.

The lock is re-entrant within a process: ``make assess`` takes it before its first run, and
each Dagster run it executes in-process takes it again.

Locks are keyed on real paths: the lock file sits beside the warehouse's real path, links
and relative paths resolved, so a second run reaching the same file through a symlink is
refused like any other. A run's outputs (the published file, the reports folder) are
locked the same way (``<real path>.lock`` beside each): two runs with different
warehouses never write one published file or one reports folder at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another process is writing the warehouse; the message is one line naming it."""


class LockUnavailable(RuntimeError):
    """A lock file cannot be created (its folder is a file, or not writable); one line."""


@dataclass
class _Held:
    handle: object
    depth: int = 0
    record: dict = field(default_factory=dict)


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def lock_path(warehouse: Path) -> Path:
    """The lock file of a warehouse (or an output): beside its real path."""
    real = warehouse.resolve()
    return real.with_name(real.name + ".lock")


def _describe(record: dict) -> str:
    runs = record.get("runs") or []
    who = f"run {runs[-1]}" if runs else record.get("holder", "another process")
    return (
        f"{who} (pid {record.get('pid', '?')} on {record.get('host', '?')}, "
        f"since {record.get('since', '?')})"
    )


def _read(handle) -> dict:
    handle.seek(0)
    try:
        value = json.loads(handle.read() or "{}")
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _write(handle, record: dict) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(record))
    handle.flush()


def _named(what: str, path: Path) -> str:
    real = path.resolve()
    return f"{what} {path}" if real == path else f"{what} {path} (that is {real})"


@contextmanager
def writer_lock(
    warehouse: Path,
    holder: str,
    run_id: str | None = None,
    outputs: Sequence[tuple[str, Path]] = (),
) -> Iterator[list[str]]:
    """Hold the warehouse's writer lock, and the locks of ``outputs`` (what each is, its
    path: the published file, the reports folder), or raise :class:`WarehouseBusy` at once
    naming the first one another process holds.

    Yields the Dagster run ids that held the warehouse's lock before this process took it
    (empty when this process already held it): a run among them that is still marked as
    running was killed.
    """
    with ExitStack() as stack:
        previous = stack.enter_context(_lock(warehouse, "warehouse", holder, run_id))
        keys = {lock_path(warehouse)}
        for what, path in outputs:
            if lock_path(path) not in keys:
                keys.add(lock_path(path))
                stack.enter_context(_lock(path, what, holder, run_id))
        yield previous


@contextmanager
def _lock(path: Path, what: str, holder: str, run_id: str | None) -> Iterator[list[str]]:
    key = lock_path(path)
    with _guard:
        held = _held.get(key)
        previous: list[str] = []
        if held is None:
            try:
                key.parent.mkdir(parents=True, exist_ok=True)
                handle = open(key, "a+", encoding="utf-8")  # noqa: SIM115 - held across the run
            except OSError as error:
                where = error.filename or key
                raise LockUnavailable(
                    f"cannot lock the {_named(what, path)}: {error.strerror}: {where}"
                ) from None
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                record = _read(handle)
                handle.close()
                raise WarehouseBusy(
                    f"the {_named(what, path)} is being written by {_describe(record)}; "
                    "one run writes it at a time: start again when that one has finished"
                ) from None
            previous = list(_read(handle).get("runs") or [])
            held = _Held(
                handle,
                record={
                    "holder": holder,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                    "runs": [],
                },
            )
            _held[key] = held
        held.depth += 1
        if run_id:
            held.record["runs"].append(run_id)
        _write(held.handle, held.record)
    try:
        yield previous
    finally:
        with _guard:
            if run_id and run_id in held.record["runs"]:
                # a run that ended is no longer one to mark failed; killed ones stay listed
                held.record["runs"].remove(run_id)
                _write(held.handle, held.record)
            held.depth -= 1
            if held.depth == 0:
                del _held[key]
                fcntl.flock(held.handle.fileno(), fcntl.LOCK_UN)
                held.handle.close()
