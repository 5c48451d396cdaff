"""Which config values tell runs apart: the columns of a report, and the values all its runs share.

The configs are walked together from the top. A node equal in every run is
shared (shown once, above the table). Where runs differ, the walk goes down
into mappings and into lists of one length, so a learning-rate sweep is the
column `optimizer.learning_rate`; it stops at a Keras object whose type or
arguments differ, and at lists of different lengths, so an optimizer sweep is
the column `optimizer` (`Adam`, `SGD(learning_rate=0.1)`) rather than one
half-empty column per argument. `name`, `output` and `device` change nothing
that is trained: they are neither columns nor shared values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nnlab.runs import values

_MISSING = object()


@dataclass
class Columns:
    """The differing config paths (in config order, `seed` last) and the shared values by path (as labels)."""

    differing: list[str] = field(default_factory=list)
    shared: dict[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> list[str]:
        """The differing paths that make groups: all but the seed."""
        return [path for path in self.differing if path != "seed"]


def columns(configs: Sequence[Mapping[str, Any]], ignore: Sequence[str] = ()) -> Columns:
    """The columns of runs with these resolved configs; top-level keys in `ignore` are left out."""
    found = Columns()
    keys = list(dict.fromkeys(key for config in configs for key in config if key not in ignore))
    for key in keys:
        _walk(key, [config.get(key, _MISSING) for config in configs], found)
    if "seed" in found.differing:
        found.differing.remove("seed")
        found.differing.append("seed")
    return found


def _walk(path: str, nodes: list[Any], found: Columns) -> None:
    first = nodes[0]
    if first is not _MISSING and all(node is not _MISSING for node in nodes):
        text = values.canonical(first)
        if all(values.canonical(node) == text for node in nodes[1:]):
            found.shared[path] = values.label(first)
            return
    if _same_object_shape(nodes):
        keys = list(dict.fromkeys(key for node in nodes for key in node))
        for key in keys:
            _walk(f"{path}.{key}", [node.get(key, _MISSING) for node in nodes], found)
    elif all(isinstance(node, list) for node in nodes) and len({len(node) for node in nodes}) == 1:
        for index in range(len(first)):
            _walk(f"{path}.{index}", [node[index] for node in nodes], found)
    else:
        found.differing.append(path)


def _same_object_shape(nodes: list[Any]) -> bool:
    """Mappings to walk into: plain ones, or Keras objects of one type with the same arguments."""
    if not all(isinstance(node, Mapping) for node in nodes):
        return False
    objects = [node for node in nodes if values.is_object(node)]
    if not objects:
        return True
    shapes = {(str(node[values.TYPE]).lower(), frozenset(node)) for node in nodes if isinstance(node, Mapping)}
    return len(objects) == len(nodes) and len(shapes) == 1
