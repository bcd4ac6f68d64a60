"""What ``make assess`` prints: one line per step of a run, with its elapsed time and counts.

A Dagster logger receives the run's events as they happen. Each step ends in one line
(``ingest_calls  1.2 s  1,200 accepted, 3 quarantined``); a step still running shows a
live line with its elapsed time and the models built so far, rewritten in place when the
output is a terminal (plain lines, no control characters, when it is a file or a pipe).
"""

from __future__ import annotations

import errno
import itertools
import logging
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO

import dagster as dg

from assets.mart_metadata import SLICE_STATUS

LIVE_AFTER_SECONDS = 2.0


@dataclass
class _Step:
    key: str
    started: float
    materialized: list[tuple[str, dict]] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)
    # what each failed check found, for the line of a step its blocking check stopped
    check_failures: list[str] = field(default_factory=list)


# what the operating system says when a write or a read fails (No space left on device,
# Permission denied, Disk quota exceeded, ...): the line of a message that holds one is
# the reason, whatever wrapper lines come before it
_OS_ERRORS = tuple(
    text
    for text in {os.strerror(number) for number in errno.errorcode}
    if not text.startswith("Unknown error")
)


# dagster-dbt's error lists what dbt logged after this line: "<Kind> Error in model m
# (path)" or "Failure in test t (path)", each followed by the reason
_DBT_ERRORS = "Errors parsed from dbt logs:"
_DBT_ERROR_IN = re.compile(r"\w+ Error in ")


def meaningful_line(message: str) -> str:
    """What a (multi-line) error message says is wrong, on one line: the first line naming
    an operating-system error; for a failed dbt command, its first failing node with the
    reason dbt gave; else the message's first paragraph."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for line in lines:
        if any(text in line for text in _OS_ERRORS):
            return line
    if _DBT_ERRORS in lines:
        logged = lines[lines.index(_DBT_ERRORS) + 1 :]
        for pattern in (_DBT_ERROR_IN, re.compile("Failure in ")):
            for where, why in itertools.pairwise(logged):
                if pattern.match(where):
                    return f"{where}: {why}"
    paragraph = next((part for part in re.split(r"\n\s*\n", message) if part.strip()), "")
    return " ".join(paragraph.split())


def error_line(error) -> str:
    """One line for a Dagster error: the innermost cause's type and the meaningful line of
    its message (:func:`meaningful_line`), without the exception's module path."""
    while error.cause is not None:
        error = error.cause
    first = meaningful_line(error.message)
    head, _, rest = first.partition(": ")
    if head.endswith(error.cls_name) and "." in head:
        first = f"{error.cls_name}: {rest}"
    elif not head.endswith(error.cls_name):
        first = f"{error.cls_name}: {first}"
    message = " ".join(first.split())
    return message if len(message) <= 300 else message[:299] + "…"


def _number(value) -> int | None:
    value = getattr(value, "value", value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def step_summary(step: _Step) -> str:
    """The counts a person wants from a step: rows accepted and quarantined for an
    ingestion, rows written for one asset, assets built for many, the assets' slice status,
    checks."""
    parts = []
    if len(step.materialized) == 1:
        _, metadata = step.materialized[0]
        accepted = _number(metadata.get("rows_accepted"))
        rows = _number(metadata.get("dagster/row_count"))
        pages = _number(metadata.get("rep_pages"))
        if accepted is not None:
            parts.append(f"{accepted:,} accepted")
            quarantined = _number(metadata.get("rows_quarantined")) or 0
            parts.append(f"{quarantined:,} quarantined")
        elif rows is not None:
            parts.append(f"{rows:,} rows")
        elif pages is not None:
            parts.append(f"{pages:,} rep scorecards")
    elif step.materialized:
        parts.append(f"{len(step.materialized)} assets")
    # what a step's slice held (no calls in the window, ...), as its assets say
    parts += [
        str(getattr(metadata[SLICE_STATUS], "value", metadata[SLICE_STATUS]))
        for _, metadata in step.materialized
        if SLICE_STATUS in metadata
    ]
    if step.checks_passed or step.checks_failed or step.checks_warned:
        checks = f"checks {step.checks_passed} passed"
        for what, names in (("warned", step.checks_warned), ("failed", step.checks_failed)):
            if names:
                checks += f", {len(names)} {what}: {', '.join(names)}"
        parts.append(checks)
    return ", ".join(parts)


class StepPrinter:
    """Turns a run's events into lines on ``stream``."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.steps: dict[str, _Step] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._live_width = 0
        # the steps that failed: (step key, the error's line)
        self.failures: list[tuple[str, str]] = []

    # -- events

    def on_event(self, event: dg.DagsterEvent) -> None:
        key = event.step_key
        if key is None:
            return
        with self.lock:
            if event.event_type_value == "STEP_START":
                self.steps[key] = _Step(key, time.monotonic())
            step = self.steps.get(key)
            if step is None:
                return
            if event.event_type_value == "ASSET_MATERIALIZATION":
                materialization = event.step_materialization_data.materialization
                step.materialized.append(
                    (materialization.asset_key.to_user_string(), dict(materialization.metadata))
                )
            elif event.event_type_value == "ASSET_CHECK_EVALUATION":
                evaluation = event.event_specific_data
                if evaluation.passed:
                    step.checks_passed += 1
                elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                    step.checks_warned.append(evaluation.check_name)
                else:
                    step.checks_failed.append(evaluation.check_name)
                    step.check_failures.append(evaluation.description or evaluation.check_name)
            elif event.event_type_value == "STEP_SUCCESS":
                self._finish(self.steps.pop(key), None)
            elif event.event_type_value == "STEP_FAILURE":
                error = "; ".join(step.check_failures) or error_line(event.step_failure_data.error)
                self.failures.append((key, error))
                self._finish(self.steps.pop(key), error)

    def _finish(self, step: _Step, error: str | None) -> None:
        elapsed = time.monotonic() - step.started
        summary = step_summary(step)
        status = summary if error is None else f"FAILED: {error}"
        line = f"  {step.key:<36} {elapsed:>6.1f} s  {status}".rstrip()
        self._clear_live()
        print(line, file=self.stream, flush=True)

    # -- the live line of the longest-running step, on a terminal

    def __enter__(self) -> StepPrinter:
        if self.live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        with self.lock:
            self._clear_live()

    def _tick(self) -> None:
        while not self._stop.wait(1.0):
            with self.lock:
                running = [s for s in self.steps.values()]
                if not running:
                    continue
                step = min(running, key=lambda s: s.started)
                elapsed = time.monotonic() - step.started
                if elapsed < LIVE_AFTER_SECONDS:
                    continue
                built = f", {len(step.materialized)} built" if step.materialized else ""
                line = f"  {step.key:<36} {elapsed:>6.0f} s  running{built}"
                self._clear_live()
                self.stream.write(line)
                self.stream.flush()
                self._live_width = len(line)

    def _clear_live(self) -> None:
        if self._live_width:
            self.stream.write("\r" + " " * self._live_width + "\r")
            self._live_width = 0


class _EventHandler(logging.Handler):
    def __init__(self, printer: StepPrinter):
        super().__init__(logging.DEBUG)
        self.printer = printer

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if isinstance(event, dg.DagsterEvent):
            self.printer.on_event(event)


class _LogFileHandler(logging.Handler):
    """Every message of the run, and the whole traceback of a failed step or run."""

    def __init__(self, stream: TextIO):
        super().__init__(logging.DEBUG)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        lines = [f"{stamp} {record.levelname} {record.getMessage()}"]
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if isinstance(event, dg.DagsterEvent) and event.is_step_failure:
            lines.append(event.step_failure_data.error.to_string())
        elif isinstance(event, dg.DagsterEvent) and event.is_job_failure:
            error = event.job_failure_data.error
            if error is not None:
                lines.append(error.to_string())
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()


def _handler_logger(name: str, handler: logging.Handler, description: str):
    @dg.logger(description=description)
    def _logger(_init_context) -> logging.Logger:
        logger = logging.Logger(name, logging.DEBUG)
        logger.addHandler(handler)
        return logger

    return _logger


def log_file_logger(stream: TextIO) -> dg.LoggerDefinition:
    """A Dagster logger writing the run's full log, tracebacks included, to ``stream``."""
    return _handler_logger(
        "assessment.log_file",
        _LogFileHandler(stream),
        "the run's full log, tracebacks included, in a file",
    )


def progress_logger(printer: StepPrinter) -> dg.LoggerDefinition:
    """A Dagster logger feeding ``printer`` the run's events."""
    return _handler_logger(
        "assessment.progress", _EventHandler(printer), "one line per step: elapsed time and counts"
    )
