"""A run's config as dotted paths and one-line labels: what tables, figures and TensorBoard show.

`nodes(config)` names every value of a resolved config by its dotted path
(`optimizer.learning_rate`, `model.layers.0.units`), the mappings and lists
too, so a whole Keras object can be named (`model.defaults.kernel_initializer`).
`label(value)` writes any value on one line the way Keras spells it:
`{type: TruncatedNormal, stddev: 0.001}` is `TruncatedNormal(stddev=0.001)`,
the same text everywhere (the report's columns, legends, TensorBoard's hparams).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

TYPE = "type"
ELLIPSIS = "…"


def is_object(value: Any) -> bool:
    """A Keras object as the config writes it: a mapping with a `type`."""
    return isinstance(value, Mapping) and TYPE in value


def nodes(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) below `value`, parents before children (the root itself is not named)."""
    children: Iterable[tuple[Any, Any]]
    if isinstance(value, Mapping):
        children = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return
    for key, child in children:
        child_path = f"{path}.{key}" if path else str(key)
        yield child_path, child
        yield from nodes(child, child_path)


def flatten(config: Mapping[str, Any]) -> dict[str, Any]:
    """The leaves of a config by dotted path; an empty mapping or list is a leaf."""
    return {path: value for path, value in nodes(config) if not _has_children(value)}


def _has_children(value: Any) -> bool:
    return isinstance(value, (Mapping, list)) and len(value) > 0


def get(config: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """The value at a dotted path (list items by index), or `default`."""
    value: Any = config
    for key in path.split("."):
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return default
    return value


def canonical(value: Any) -> str:
    """A text equal for equal values (key order ignored): for comparing and grouping config values."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def label(value: Any) -> str:
    """One line for any config value: `TruncatedNormal(stddev=0.001)`, `0.001`, `[standardize]`, `True`."""
    if is_object(value):
        args = [f"{key}={label(arg)}" for key, arg in value.items() if key != TYPE and arg is not None]
        return f"{value[TYPE]}({', '.join(args)})" if args else str(value[TYPE])
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {label(item)}" for key, item in value.items() if item is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(label(item) for item in value) + "]"
    if isinstance(value, float):
        return number(value)
    if value is None:
        return "none"
    return str(value)


def number(value: float) -> str:
    """A float in at most six significant digits, always recognisable as a float: 0.001, 1e-05, 1.0."""
    text = f"{value:.6g}"
    return text if any(mark in text for mark in ".en") else text + ".0"  # 'n': nan and inf


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` characters, the cut marked with an ellipsis."""
    return text if len(text) <= width else text[: max(width - 1, 1)] + ELLIPSIS


def fit(labels: Iterable[str], width: int) -> dict[str, str]:
    """Each distinct label shortened to `width`, distinct labels kept distinct (`…#2` when cutting made two equal)."""
    short: dict[str, str] = {}
    taken: dict[str, int] = {}
    for text in dict.fromkeys(labels):
        cut = shorten(text, width)
        count = taken.get(cut, 0) + 1
        taken[cut] = count
        short[text] = cut if count == 1 else f"{cut}#{count}"
    return short


def short_paths(paths: Iterable[str]) -> dict[str, str]:
    """Each dotted path by its shortest unique tail (`kernel_initializer`, `layers.0.units`); an index keeps its parent."""
    paths = list(dict.fromkeys(paths))
    parts = {path: path.split(".") for path in paths}
    result = {}
    for path in paths:
        for size in range(1, len(parts[path]) + 1):
            tail = parts[path][-size:]
            if tail[0].isdigit() and size < len(parts[path]):
                continue
            if sum(1 for other in paths if parts[other][-size:] == tail) == 1:
                result[path] = ".".join(tail)
                break
        else:
            result[path] = path
    return result
