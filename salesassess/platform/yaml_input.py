"""YAML files a user hands in (rubrics, sources.yaml, method settings), read so that a
hostile file cannot exhaust the machine: at most ``MAX_YAML_BYTES``, and at most
``MAX_YAML_VALUES`` values once every alias is expanded (an "alias bomb" of nested
aliases turns a few hundred bytes into billions of values for whoever walks the
document), and no alias that contains itself. Aliases a tool writes for a repeated value
(``yaml.safe_dump`` does) stay readable.

Errors are ``yaml.YAMLError`` (a ``MarkedYAMLError`` names the line and column), so
callers that already report unparsable YAML report these too.
"""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_YAML_BYTES = 1_000_000
MAX_YAML_VALUES = 100_000


def _expanded_values(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values ``node`` holds with every alias expanded (each node counted once
    per reference, computed once per node)."""
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise yaml.MarkedYAMLError(
            None, None, "an alias refers to a value that contains it", node.start_mark
        )
    open_nodes.add(key)
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [item for pair in node.value for item in pair]
    else:
        children = []
    total = 1
    for child in children:
        total += _expanded_values(child, sizes, open_nodes)
        if total > MAX_YAML_VALUES:
            raise yaml.MarkedYAMLError(
                None,
                None,
                f"the document expands to more than {MAX_YAML_VALUES} values "
                "(its aliases repeat their anchors' content); refused",
                node.start_mark,
            )
    open_nodes.discard(key)
    sizes[key] = total
    return total


def load_yaml_text(text: str) -> object:
    """The YAML document of ``text`` (``yaml.safe_load``'s types), refusing a document over
    the size cap or expanding past the value cap."""
    if len(text) > MAX_YAML_BYTES:
        raise yaml.YAMLError(
            f"the file holds {len(text)} characters; at most {MAX_YAML_BYTES} are read"
        )
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_values(node, {}, set())
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml_file(path: Path) -> object:
    """The YAML document of the file at ``path`` (see :func:`load_yaml_text`); the size is
    checked before the file is read."""
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise yaml.YAMLError(f"the file holds {size} bytes; at most {MAX_YAML_BYTES} are read")
    return load_yaml_text(path.read_text(encoding="utf-8"))
