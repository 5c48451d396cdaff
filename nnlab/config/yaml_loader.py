"""YAML as nnlab reads a config: strict about duplicates, generous about numbers, bounded in size.

PyYAML's SafeLoader builds no Python objects from tags, but it still lets a
config say more or less than its author meant, and it can be made to work for
minutes. This loader differs from it in four ways:

- a key written twice in one mapping is refused (SafeLoader keeps the last one:
  `optimizer:` twice silently trains with the second);
- `1e-3` is the number 0.001, as in YAML 1.2 and every programming language
  (YAML 1.1 wants a dot, `1.0e-3`, and reads `1e-3` as text);
- a file over MAX_BYTES is refused before it is parsed;
- aliases may not expand to more than MAX_VALUES values (a "billion laughs"
  file of nested aliases is a few lines that stand for billions of values,
  and every check that walks the config would walk all of them).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError

MAX_BYTES = 1_000_000  # a config holds settings; data goes in files named by data.path
MAX_VALUES = 100_000  # scalars, lists and mappings, counted as if every alias were written out
MERGE_TAG = "tag:yaml.org,2002:merge"
# YAML 1.2's floats with an exponent and no dot (`1e-3`, `5E4`), which YAML 1.1 leaves as text.
EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


class TooLarge(yaml.YAMLError):  # type: ignore[misc]  # PyYAML ships no stubs here
    """A config that would take too long or too much memory to read."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


class Loader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses duplicate keys and reads `1e-3` as a number."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        _refuse_duplicates(self, node)
        return super().construct_mapping(node, deep=deep)


Loader.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, list("-+0123456789."))


def _refuse_duplicates(loader: Loader, node: yaml.MappingNode) -> None:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == MERGE_TAG:  # `<<: *defaults` merges keys that explicit ones may override
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            line = first_line.get(key)
        except TypeError:  # an unhashable key: SafeLoader reports it
            continue
        if line is not None:
            raise ConstructorError(None, None, f"duplicate key '{key}' (first written on line {line}); write each key once", key_node.start_mark)
        first_line[key] = key_node.start_mark.line + 1


def compose(loader: Loader) -> yaml.Node | None:
    """The document's node tree, refused if its aliases expand to more than MAX_VALUES values.

    Raises:
        TooLarge: aliases expand too far, refer to themselves, or nesting is too deep.
        yaml.YAMLError: the text is not valid YAML.
    """
    try:
        node = loader.get_single_node()
    except RecursionError:
        raise TooLarge("nested too deeply to read") from None
    if node is not None:
        expanded_size(node, MAX_VALUES)
    return node


def expanded_size(node: yaml.Node, limit: int) -> int:
    """How many values `node` stands for with every alias written out; stops as soon as it exceeds `limit`."""
    sizes: dict[int, int] = {}  # shared nodes (an anchor and its aliases) are counted once, then reused
    open_nodes: set[int] = set()

    def size(current: yaml.Node) -> int:
        key = id(current)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise TooLarge("an alias refers to the value that contains it", current.start_mark.line + 1)
        open_nodes.add(key)
        total = 1
        for child in _children(current):
            total += size(child)
            if total > limit:
                raise TooLarge(
                    f"YAML aliases (*name) expand to more than {limit:,} values here; nnlab reads configs of at most that many", current.start_mark.line + 1
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    return size(node)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_value(text: str) -> Any:
    """One YAML value (a `--set` override's), read with the same rules as a config file."""
    loader = Loader(text)
    try:
        node = compose(loader)
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def check_size(size: int) -> None:
    """Refuse a config of `size` bytes over MAX_BYTES, before it is parsed."""
    if size > MAX_BYTES:
        raise TooLarge(f"the file is {size / 1e6:,.1f} MB; nnlab reads configs of at most {MAX_BYTES / 1e6:g} MB (data belongs in files named by data.path)")
