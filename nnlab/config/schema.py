"""The checks of the config's own top-level keys: the run's name and its device.

The keys themselves, their defaults and help are declared once, in
`nnlab.config.spec`; a config is resolved in a fixed order, as Ludwig does:
expand shorthands (`optimizer: adam` -> `{type: Adam}`), check names, fill
defaults, check each value, then the cross-field checks; every problem is
collected so the user sees all of them at once.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from typing import Any

from nnlab.config.checker import Checker, Path
from nnlab.config.fields import MISSING
from nnlab.errors import describe

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
DEVICE_PATTERN = re.compile(r"auto|cpu|gpu|gpu:\d+")
BACKENDS = ("tensorflow", "jax")


def name(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> str:
    """The run's name, by default the config file's: it names the run folder."""
    if value is MISSING:
        value = _stem(chk.source.file)
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        chk.fail(path, f"expected 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (it names the run folder) (got {describe(value)})")
    return value


def _stem(file: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", file.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-.")
    return stem[:100] or "run"


def device(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
    """`auto | cpu | gpu | gpu:N | {gpus: [0, 1]} | {cpus: N}`; whether the GPU exists is checked at train time."""
    if isinstance(value, str) and DEVICE_PATTERN.fullmatch(value):
        return value
    if isinstance(value, dict) and len(value) == 1:
        key, ids = next(iter(value.items()))
        if key == "gpus" and isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
            return {"gpus": ids}
        if key == "cpus" and isinstance(ids, int) and not isinstance(ids, bool) and ids >= 1:
            return {"cpus": ids}
    chk.fail(path, f"expected auto, cpu, gpu, gpu:N, {{gpus: [0, 1]}} or {{cpus: N}} (got {describe(value)})")
    return value


def backend(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> str:
    """The Keras backend: `tensorflow`, or `jax` when it is installed (pip install "nnlab[jax]")."""
    if value not in BACKENDS:
        chk.fail(path, f"expected one of {', '.join(BACKENDS)} (got {describe(value)})")
    elif importlib.util.find_spec(value) is None:
        chk.fail(path, f'{value} is not installed (pip install "nnlab[{value}]")')
    return str(value)
