"""The `sweep:` section: which keys vary, over which values, and with which seeds.

```yaml
sweep:
  grid:                       # dotted key paths (list indices allowed) to lists of values: the trials are the product
    optimizer: [adam, {type: sgd, learning_rate: 0.1}]
    model.layers.0.units: [32, 64]
  random:                     # `samples` points drawn with `seed`, inside every grid point
    samples: 4
    params:
      optimizer.learning_rate: {loguniform: [0.0001, 0.1]}
  seeds: [0, 1, 2]            # or repeats: 3 (seeds 0, 1, 2); every point runs once per seed
  metric: val_accuracy        # what "best" means; default val_loss (loss without validation data)
  seed: 0                     # seeds the random draws; default the experiment's seed
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnlab.config.checker import Checker
from nnlab.config.fields import config_fields
from nnlab.config.source import Key
from nnlab.config.spec import MAX_SEED, Spec
from nnlab.errors import describe, did_you_mean

SECTION_KEYS = {
    "grid": "dotted key paths to lists of values; the trials are their product",
    "random": "{samples: N, params: {path: {choice|uniform|loguniform|int: ...}}}: N points drawn with the sweep's seed",
    "seeds": "the seeds every point runs with",
    "repeats": "run every point N times, with seeds 0..N-1",
    "metric": "what 'best' means in the progress and the final table",
    "seed": "seeds the random draws (default: the experiment's seed)",
}
RANDOM_KEYS = {"samples": "how many points to draw", "params": "the keys to draw and their distributions"}
DISTRIBUTIONS = {
    "choice": "one of a list of values",
    "uniform": "[low, high]: a float drawn uniformly",
    "loguniform": "[low, high]: a float drawn uniformly on a log scale (both > 0)",
    "int": "[low, high]: an integer from low to high, both included",
}
NOT_SWEPT = {
    "name": "the sweep names its trials; set name at the top of the sweep file",
    "seed": "seeds are swept with sweep.seeds or sweep.repeats",
}


@dataclass(frozen=True)
class Axis:
    """One key of the grid: its path and the values it takes."""

    key: str  # as written in the file: `model.layers.0.units`
    path: Key
    values: list[Any]


@dataclass(frozen=True)
class Distribution:
    """One key drawn at random: `choice` from `args`, or `uniform`, `loguniform`, `int` between `args[0]` and `args[1]`."""

    key: str
    path: Key
    kind: str
    args: list[Any]


@dataclass(frozen=True)
class Section:
    """The checked `sweep:` section."""

    grid: list[Axis]
    random: list[Distribution]
    samples: int
    seeds: list[int] | None  # None: every trial keeps the experiment's seed
    metric: str | None
    seed: int

    @property
    def keys(self) -> list[str]:
        """Every swept key, grid first, in the file's order."""
        return [axis.key for axis in self.grid] + [dist.key for dist in self.random]


def key_path(key: str) -> Key:
    """`model.layers.0.units` -> ("model", "layers", 0, "units")."""
    return tuple(int(part) if part.isdigit() else part for part in key.split("."))


def check(chk: Checker, raw: Any, experiment_seed: Any) -> Section:
    """Check the `sweep:` section; problems go to `chk`."""
    where = ("sweep",)
    given = chk.mapping(where, raw, SECTION_KEYS)
    grid = _grid(chk, given.get("grid")) if "grid" in given else []
    random, samples = _random(chk, given.get("random")) if "random" in given else ([], 0)
    for dist in random:
        if dist.key in {axis.key for axis in grid}:
            chk.fail(where + ("random", "params", dist.key), "is also in sweep.grid: sweep a key one way only")
    seeds = _seeds(chk, given)
    metric = given.get("metric")
    if metric is not None and (not isinstance(metric, str) or not metric):
        chk.fail(where + ("metric",), f"expected a metric name such as val_accuracy (got {describe(metric)})")
    default_seed = experiment_seed if isinstance(experiment_seed, int) and not isinstance(experiment_seed, bool) else 0
    seed = chk.integer(where + ("seed",), given.get("seed", default_seed), minimum=0, maximum=MAX_SEED)
    if not grid and not random and seeds is None and not chk.problems:
        chk.fail(where, "nothing to sweep: give grid, random, seeds or repeats")
    return Section(grid, random, samples, seeds, metric, seed)


def _grid(chk: Checker, raw: Any) -> list[Axis]:
    path = ("sweep", "grid")
    if not isinstance(raw, dict) or not raw:
        chk.fail(path, f"expected a mapping of dotted keys to lists of values, such as optimizer: [adam, sgd] (got {describe(raw)})")
        return []
    axes = []
    for key, values in raw.items():
        if not _key_ok(chk, path + (key,), key):
            continue
        if not isinstance(values, list) or not values:
            chk.fail(path + (key,), f"expected a non-empty list of values (got {describe(values)})")
            continue
        axes.append(Axis(str(key), key_path(str(key)), values))
    return axes


def _random(chk: Checker, raw: Any) -> tuple[list[Distribution], int]:
    path = ("sweep", "random")
    given = chk.mapping(path, raw, RANDOM_KEYS)
    if not isinstance(raw, dict):
        return [], 0
    samples = given.get("samples")
    if samples is None:
        chk.fail(path, "missing samples: how many points to draw, e.g. samples: 8")
    else:
        chk.integer(path + ("samples",), samples, minimum=1)
    params = given.get("params")
    if not isinstance(params, dict) or not params:
        chk.fail(
            path + ("params",),
            f"expected a mapping of dotted keys to distributions, such as optimizer.learning_rate: {{loguniform: [0.0001, 0.1]}} (got {describe(params)})",
        )
        return [], 0
    found = [dist for key, spec in params.items() if (dist := _distribution(chk, path + ("params", key), key, spec)) is not None]
    return found, samples if isinstance(samples, int) else 0


def _distribution(chk: Checker, path: Key, key: Any, spec: Any) -> Distribution | None:
    if not _key_ok(chk, path, key):
        return None
    if not isinstance(spec, dict) or len(spec) != 1 or next(iter(spec)) not in DISTRIBUTIONS:
        chk.fail(path, f"expected one of {{choice: [...]}}, {{uniform: [low, high]}}, {{loguniform: [low, high]}}, {{int: [low, high]}} (got {describe(spec)})")
        return None
    kind, args = next(iter(spec.items()))
    where = path + (kind,)
    if kind == "choice":
        if not isinstance(args, list) or not args:
            chk.fail(where, f"expected a non-empty list of values (got {describe(args)})")
            return None
        return Distribution(str(key), key_path(str(key)), kind, args)
    number = int if kind == "int" else (int, float)
    if not isinstance(args, list) or len(args) != 2 or not all(isinstance(a, number) and not isinstance(a, bool) for a in args):
        what = "integers" if kind == "int" else "numbers"
        chk.fail(where, f"expected [low, high], two {what} (got {describe(args)})")
        return None
    low, high = args
    if low > high:
        chk.fail(where, f"low is greater than high ({low} > {high}): expected [low, high]")
        return None
    if kind == "loguniform" and low <= 0:
        chk.fail(where, f"both bounds must be > 0 for a log scale (got {low})")
        return None
    return Distribution(str(key), key_path(str(key)), kind, [low, high])


def _key_ok(chk: Checker, path: Key, key: Any) -> bool:
    """A dotted key whose first part is a config key that a sweep may vary."""
    parts = str(key).split(".")
    if not isinstance(key, str) or not all(parts):
        chk.fail(path, f"expected a dotted key path such as model.layers.0.units (got {describe(key)})")
        return False
    names = [f.name for f in config_fields(Spec)]
    if parts[0] in NOT_SWEPT:
        chk.fail(path, NOT_SWEPT[parts[0]])
        return False
    if parts[0] not in names:
        chk.fail(path, f"unknown key '{parts[0]}'" + did_you_mean(parts[0], [n for n in names if n not in NOT_SWEPT]))
        return False
    return True


def _seeds(chk: Checker, given: dict[str, Any]) -> list[int] | None:
    where = ("sweep",)
    if "seeds" in given and "repeats" in given:
        chk.fail(where + ("repeats",), "give seeds or repeats, not both")
        return None
    if "repeats" in given:
        repeats = chk.integer(where + ("repeats",), given["repeats"], minimum=1)
        return list(range(repeats)) if isinstance(repeats, int) and not isinstance(repeats, bool) and repeats >= 1 else None
    if "seeds" not in given:
        return None
    seeds = given["seeds"]
    if not isinstance(seeds, list) or not seeds:
        chk.fail(where + ("seeds",), f"expected a non-empty list of seeds such as [0, 1, 2] (got {describe(seeds)})")
        return None
    for index, seed in enumerate(seeds):
        chk.integer(where + ("seeds", index), seed, minimum=0, maximum=MAX_SEED)
    if len(set(map(str, seeds))) != len(seeds):
        chk.fail(where + ("seeds",), f"a seed is listed twice ({describe(seeds)})")
    return [int(s) for s in seeds if isinstance(s, int)]
