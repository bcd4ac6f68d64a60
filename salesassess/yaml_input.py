"""YAML files a user hands in (rubrics, sources.yaml, method settings), read so that a
hostile file cannot exhaust the machine: no aliases (an "alias bomb" of nested aliases
expands a few hundred bytes into gigabytes) and at most ``MAX_YAML_BYTES``.

Errors are ``yaml.YAMLError`` (``yaml.MarkedYAMLError`` with the line and column of the
alias), so callers that already report unparsable YAML report these too.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_YAML_BYTES = 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` refusing every alias (``*name``); anchors alone are harmless."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                f"found the alias *{event.anchor}: YAML aliases are not allowed in this file",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def load_yaml_text(text: str) -> object:
    """The YAML document of ``text``, refusing aliases and documents over the size cap."""
    if len(text) > MAX_YAML_BYTES:
        raise yaml.YAMLError(
            f"the file holds {len(text)} characters; at most {MAX_YAML_BYTES} are read"
        )
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass


def load_yaml_file(path: Path) -> object:
    """The YAML document of the file at ``path`` (see :func:`load_yaml_text`); the size is
    checked before the file is read."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise yaml.YAMLError(f"the file holds {size} bytes; at most {MAX_YAML_BYTES} are read")
    return load_yaml_text(path.read_text(encoding="utf-8"))
