"""From a checked `sweep:` section to trial configs: the grid's product, random draws, seeds.

Trials come seed by seed (every point with the first seed, then every point
with the next), so a third of the way through a three-seed sweep there is one
result for every point, and a worker's next trial usually reuses the data it
already loaded. Random points are drawn once with the sweep's `seed` and
combined with every grid point, so each grid point sees the same draws.
"""

from __future__ import annotations

import copy
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from nnlab.config.source import Key, dotted
from nnlab.errors import Problem
from nnlab.sweep.file import LocatedSource
from nnlab.sweep.section import Distribution, Section, key_path

SIGNIFICANT_DIGITS = 6  # random floats are rounded so trials.csv and the ids stay readable


@dataclass(frozen=True)
class Point:
    """One trial's swept values (grid then random, by key as written) and its seed (None: the experiment's)."""

    values: dict[str, Any]
    seed: int | None
    where: dict[str, Key]  # for each swept key, the path in the sweep file of the value it took


def points(section: Section) -> list[Point]:
    """Every trial of the section, seed by seed, in the grid's order."""
    grid = [[(axis.key, value, ("sweep", "grid", axis.key, index)) for index, value in enumerate(axis.values)] for axis in section.grid]
    draws = draw(section.random, section.samples, section.seed) or [{}]
    found = []
    for seed in section.seeds if section.seeds is not None else [None]:
        for combination in itertools.product(*grid):
            for drawn in draws:
                values = {key: value for key, value, _ in combination} | drawn
                where = {key: at for key, _, at in combination} | {key: ("sweep", "random", "params", key) for key in drawn}
                found.append(Point(values, seed, where))
    return found


def draw(distributions: list[Distribution], samples: int, seed: int) -> list[dict[str, Any]]:
    """`samples` points, each a value for every distribution, from a generator seeded with `seed`."""
    if not distributions:
        return []
    rng = np.random.default_rng(seed)
    return [{dist.key: _one(rng, dist) for dist in distributions} for _ in range(samples)]


def _one(rng: np.random.Generator, dist: Distribution) -> Any:
    if dist.kind == "choice":
        return copy.deepcopy(dist.args[int(rng.integers(len(dist.args)))])
    low, high = dist.args
    if dist.kind == "int":
        return int(rng.integers(low, high + 1))
    if dist.kind == "loguniform":
        return _round(math.exp(rng.uniform(math.log(low), math.log(high))))
    return _round(float(rng.uniform(low, high)))


def _round(value: float) -> float:
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def trial_source(sweep: LocatedSource, experiment: dict[str, Any], point: Point) -> tuple[LocatedSource, list[Problem]]:
    """The config of one trial, its keys located (swept ones at their line in the sweep file), or why it cannot be made."""
    data = copy.deepcopy(experiment)
    source = sweep.copy_with(data)
    problems = []
    # Shorter paths first: `optimizer` is set before `optimizer.learning_rate` refines it.
    for key in sorted(point.values, key=lambda k: len(key_path(k))):
        path, at = key_path(key), point.where[key]
        message = set_path(data, path, copy.deepcopy(point.values[key]))
        if message:
            problems.append(Problem(dotted(at[:-1] if at[1] == "grid" else at), message, *sweep.locate(at)))
            continue
        source.where = {known: place for known, place in source.where.items() if known[: len(path)] != path}
        source.where[path] = sweep.locate(at)
    if point.seed is not None:
        data["seed"] = point.seed
        source.where[("seed",)] = sweep.locate(("sweep", "seeds") if "seeds" in sweep.data.get("sweep", {}) else ("sweep", "repeats"))
    return source, problems


def set_path(data: Any, path: Key, value: Any) -> str | None:
    """Set `data[path] = value`, making mappings as needed; a name becomes `{type: name}` when a key is set inside it.

    Returns why it cannot be set, or None.
    """
    target = data
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(target, list):
            if not isinstance(part, int):
                return f"'{part}' is not an index of {dotted(path[:depth]) or 'the config'} (a list of {len(target)} items)"
            if part >= len(target):
                return f"index {part} is out of range: {dotted(path[:depth])} has {len(target)} items"
        elif isinstance(target, dict):
            if not last and not isinstance(target.get(part), (dict, list)):
                current = target.get(part)
                if current is not None and not isinstance(current, str):
                    return f"cannot set a key inside {dotted(path[: depth + 1])} ({compact(current)})"
                # `optimizer.learning_rate` on `optimizer: adam` expands the shorthand, as `--set` does.
                target[part] = {"type": current} if isinstance(current, str) else {}
        else:
            return f"cannot set a key inside {dotted(path[:depth])} ({compact(target)})"
        if last:
            target[part] = value
        else:
            target = target[part]
    return None


def compact(value: Any) -> str:
    """A value as one line of YAML: `adam`, `{type: sgd, learning_rate: 0.1}`, `[32, 64]`."""
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text.removesuffix("...").strip()


def describe_point(point: Point) -> str:
    """`optimizer=adam, model.layers.0.units=64, seed=1`: how messages and progress name a trial."""
    parts = [f"{key}={compact(value)}" for key, value in point.values.items()]
    if point.seed is not None:
        parts.append(f"seed={point.seed}")
    return ", ".join(parts)
