"""What every command line does first, before it imports Dagster (so that ``--help`` and a
bad argument answer at once): read ``.env``, give Dagster the project's ``DAGSTER_HOME``
with its ``dagster.yaml`` (telemetry off), and turn a bad partition into one line, exit 2.
Standard library only at import time."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from salesassess.platform.environment import PACKAGE_DIR, PROJECT_ROOT, load_dotenv

# the Dagster instance settings ship with the orchestration package, beside this one
DAGSTER_YAML = PACKAGE_DIR.parent / "orchestration" / "dagster.yaml"
DEFAULT_DAGSTER_HOME = ".dagster_home"


def prepare_environment() -> Path:
    """Read ``.env``; default ``DAGSTER_HOME`` to the project's ``.dagster_home``; give a
    home without ``dagster.yaml`` the project's (never overwriting one). Returns the home."""
    load_dotenv()
    home = Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / DEFAULT_DAGSTER_HOME).expanduser()
    home = home if home.is_absolute() else PROJECT_ROOT / home
    os.environ["DAGSTER_HOME"] = str(home)
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    return home


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The description printed as written; an option's default after its help, when it
    has one worth saying (not for required options and flags)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "%(default)" in text:
            return text
        if action.option_strings and not action.required:
            text += " (default: %(default)s)"
        return text


def parser(prog: str, description: str) -> argparse.ArgumentParser:
    """An argument parser named as the user types the command (``python -m ...``)."""
    return argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=HelpFormatter
    )


def fail(message: str) -> int:
    """One line on stderr, exit status 2 (a usage error, as argparse gives)."""
    print(f"error: {message}", file=sys.stderr)
    return 2
