"""The checks of the config's `data` section: dataset names and arguments, classes, subsets, preprocessing.

Names come from nnlab's dataset catalogue (`nnlab.data.REGISTRY`), so a new
dataset needs no change here. The data itself is loaded later, by `prepare`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnlab import data as catalogue
from nnlab.config.checker import Checker, Path
from nnlab.config.fields import MISSING
from nnlab.errors import describe, did_you_mean


def dataset(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any] | None:
    """`digits` or `{type: moons, n_samples: 500}`: a known name with arguments it accepts."""
    if value is MISSING or value is None:
        chk.fail(path, f"missing; expected one of: {', '.join(sorted(catalogue.REGISTRY))}")
        return None
    spec = {"type": value} if isinstance(value, str) else value
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        chk.fail(path, f"expected a dataset name or a mapping with 'type' (got {describe(value)})")
        return None
    name = spec["type"]
    if name not in catalogue.REGISTRY:
        chk.fail(path if isinstance(value, str) else path + ("type",), f"unknown dataset '{name}'" + did_you_mean(name, catalogue.REGISTRY))
        return None
    accepted = catalogue.dataset_arguments(name)
    for key in spec:
        if key != "type" and key not in accepted:
            chk.fail(path + (key,), f"unknown argument '{key}' for dataset {name}" + did_you_mean(str(key), accepted))
    return dict(spec)


def data_path(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> str | None:
    if value is not None and not isinstance(value, str):
        chk.fail(path, f"expected a file or folder name (got {describe(value)})")
    return value


def classes(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> list[Any] | None:
    """A non-empty list of class numbers or names, each once."""
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(_class_id(c) for c in value):
        chk.fail(path, f"expected a non-empty list of class numbers or names (got {describe(value)})")
    elif len(set(value)) != len(value):
        chk.fail(path, f"lists a class twice (got {describe(value)})")
    return value


def relabel(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[Any, int] | None:
    """A mapping from class (number or name) to a new label 0, 1, ..."""
    if value is None:
        return None
    pairs_ok = isinstance(value, dict) and value and all(_class_id(k) for k in value)
    if not pairs_ok or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value.values()):
        chk.fail(path, f"expected a mapping from class (number or name) to a new label 0, 1, ... (got {describe(value)})")
    return value


def _class_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def subset(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
    """`200` (a seeded sample) or `{size: 200, shuffle: false}` (the first 200)."""
    if value is None:
        return None
    if isinstance(value, dict):
        section = chk.mapping(path, value, {"size": "examples to keep", "shuffle": "a seeded sample (true) or the first ones (false)"})
        size = chk.integer(path + ("size",), section.get("size"), minimum=1)
        shuffle = chk.boolean(path + ("shuffle",), section.get("shuffle", True))
        return {"size": size, "shuffle": shuffle}
    return chk.integer(path, value, minimum=1)


def preprocessing(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> list[Any]:
    """Known steps, each a name or `{type: step, ...its arguments}`."""
    if not isinstance(value, list):
        chk.fail(path, f"expected a list of steps such as [standardize] (got {describe(value)})")
        return []
    steps = []
    for index, step in enumerate(value):
        name = step if isinstance(step, str) else step.get("type") if isinstance(step, dict) else None
        where = path + (index,)
        if name not in catalogue.preprocessing.STEPS:
            got = describe(name if name is not None else step)
            chk.fail(where, f"unknown preprocessing step {got}" + did_you_mean(str(name), catalogue.preprocessing.STEPS))
            continue
        if isinstance(step, dict):
            accepted = catalogue.step_arguments(name)
            for key in step:
                if key != "type" and key not in accepted:
                    chk.fail(where + (key,), f"unknown argument '{key}' for {name}" + did_you_mean(str(key), accepted))
        steps.append(step)
    return steps


def validation_size_or_split(chk: Checker, path: Path, done: dict[str, Any], given: Mapping[str, Any]) -> None:
    """A validation size replaces the default validation fraction, but not one the user set."""
    if done["validation_size"] is None:
        return
    if "validation_split" in given and done["validation_split"] not in (0, 0.0):
        chk.fail(path + ("validation_size",), f"set either validation_split or validation_size, not both (got validation_split={done['validation_split']!r})")
    elif "validation_split" not in given:
        done["validation_split"] = 0.0
