"""Replace a folder whole, atomically: readers see the old version or the new, never a mix.

The folder's path is a symbolic link to a version under ``.versions/<name>/`` next to it.
A new version is written under a name of its own (the time, the process and a random part), then one
``rename`` of a new link over the old switches every reader at once; the previous version
is kept for readers still inside it, older ones (and versions a killed run left half
written) are removed at the next switch.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

VERSIONS = ".versions"


def new_version(target: Path) -> Path:
    """An empty folder, named for this run, to write the next version of ``target`` in."""
    versions = target.parent / VERSIONS / target.name
    versions.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    version = versions / f"{stamp}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    version.mkdir()  # a name of its own: never one a reader may be inside
    return version


def switch_to(target: Path, version: Path) -> None:
    """Make ``target`` point to ``version`` (a folder of :func:`new_version`) in one atomic
    rename; keep the previous version, remove older ones."""
    previous = target.resolve() if target.is_symlink() else None
    if target.exists() and not target.is_symlink():
        # a folder written before versions existed: moved aside once (not atomic, once)
        target.rename(version.with_name(f"{version.name}-before"))
    link = target.parent / f".{target.name}.{os.getpid()}.link"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(version, target.parent), target_is_directory=True)
    os.replace(link, target)
    keep = {version.resolve(), previous}
    for old in version.parent.iterdir():
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


def switch_folder(target: Path, build: Callable[[Path], None]) -> Path:
    """Write a new version of ``target`` with ``build(folder)`` and switch to it."""
    version = new_version(target)
    try:
        build(version)
    except BaseException:
        shutil.rmtree(version, ignore_errors=True)
        raise
    switch_to(target, version)
    return version
