"""Every trial of a sweep resolved and validated before the first one runs.

Each trial is checked exactly as `nnlab validate` checks a config (the same
`prepare_source`), so its problems read the same: `FILE:LINE: key: problem`.
A problem that appears only for some trials names the swept values that
cause it. A trial's id is its spec's fingerprint (seed included): a hash of
what is trained, so it does not depend on the order of the grid.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, replace
from typing import Any

from nnlab import data as datasets
from nnlab.config.checker import Checker
from nnlab.config.schema import NAME_PATTERN
from nnlab.config.spec import Spec
from nnlab.errors import ConfigError, Problem
from nnlab.experiment import prepare_source
from nnlab.sweep import expand
from nnlab.sweep.file import SWEEP_KEY, LocatedSource
from nnlab.sweep.section import Section, check

# Sweep trials write only what comparing them needs, unless the sweep file (or its base) says otherwise:
# plots, TensorBoard logs and the saved model cost about a second per trial (bench/trial_overhead.py),
# and per-epoch checkpoints serve nothing, since a sweep runs an interrupted trial again from the start.
CHEAP_OUTPUT = {"plots": False, "tensorboard": False, "model": False, "checkpoint": False}


@dataclass(frozen=True)
class Trial:
    """One resolved, validated trial: its id, swept values and the spec a worker trains."""

    id: str
    point: expand.Point
    spec: Spec

    @property
    def values(self) -> dict[str, Any]:
        return self.point.values

    def describe(self) -> str:
        return expand.describe_point(replace(self.point, seed=self.spec.seed))


@dataclass(frozen=True)
class Sweep:
    """A sweep file resolved: its name, section, every trial, and the sweep as `sweep.yaml` holds it."""

    name: str
    file: str
    section: Section
    resolved: dict[str, Any]  # the experiment (base merged) plus the sweep section: enough to run it again
    trials: list[Trial]
    metric: str

    @property
    def keys(self) -> list[str]:
        return self.section.keys

    @property
    def experiment(self) -> dict[str, Any]:
        return {key: value for key, value in self.resolved.items() if key != SWEEP_KEY}


class SharedData:
    """Each distinct `data` section loaded once for validating every trial.

    What validation reads from the data (the task, the classes, shapes and
    split sizes) does not depend on the seed, so one load serves every seed;
    the workers load the seeded data each trial trains on.
    """

    def __init__(self) -> None:
        self.loaded: dict[str, datasets.Dataset | datasets.DataError] = {}

    def load(self, data: dict[str, Any], seed: int) -> datasets.Dataset:
        key = json.dumps(data, sort_keys=True, default=str)
        if key not in self.loaded:
            try:
                self.loaded[key] = datasets.load(data, seed)
            except datasets.DataError as error:
                self.loaded[key] = error
        found = self.loaded[key]
        if isinstance(found, datasets.DataError):
            raise found
        return found


def prepare_sweep(source: LocatedSource, *, allow_external_code: bool = False) -> Sweep:
    """Check the sweep section, expand it and resolve every trial.

    Args:
        source: the sweep file, base merged, overrides applied.
        allow_external_code: let the trials name Keras objects that run code from files (Lambda, TFSMLayer).

    Raises:
        ConfigError: every problem of the section and of the trials, each once.
    """
    chk = Checker(source, allow_external_code=allow_external_code)
    section = check(chk, source.data.get(SWEEP_KEY), source.data.get("seed"))
    name = sweep_name(chk, source)
    chk.raise_if_failed()
    experiment = experiment_config(source.data, name)
    points = expand.points(section)
    shared = SharedData()
    trials: list[Trial | None] = []
    problems: list[list[Problem]] = []
    for point in points:
        trial_source, found = expand.trial_source(source, experiment, point)
        trial = None
        if not found:
            try:
                prepared = prepare_source(trial_source, load=shared.load, allow_external_code=allow_external_code)
                trial = Trial(prepared.spec.fingerprint(), point, prepared.spec)
            except ConfigError as error:
                found = error.problems
        trials.append(trial)
        problems.append(found)
    if any(problems):
        raise ConfigError(explain(problems, points))
    done = [trial for trial in trials if trial is not None]
    _check_unique(source, done)
    metric = _metric(source, section, done)
    resolved = {**experiment, SWEEP_KEY: copy.deepcopy(source.data[SWEEP_KEY])}
    return Sweep(name, source.file, section, resolved, done, metric)


def sweep_name(chk: Checker, source: LocatedSource) -> str:
    """The sweep file's own `name`, else its file name; a base's name names the base's runs, not this sweep."""
    file, _ = source.locate(("name",))
    own = "name" in source.data and file in (source.file, "--set", "--resume")
    name = source.data["name"] if own else re.sub(r"[^A-Za-z0-9._-]+", "-", source.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-.")[:100] or "sweep"
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        chk.fail(("name",), f"expected 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (it names the sweep folder) (got {name!r})")
    return str(name)


def experiment_config(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The experiment every trial starts from: the sweep section removed, the name set, cheap outputs unless asked for."""
    experiment = {key: copy.deepcopy(value) for key, value in data.items() if key != SWEEP_KEY}
    experiment = {"name": name, **{key: value for key, value in experiment.items() if key != "name"}}
    output = experiment.get("output")
    if output is None or isinstance(output, dict):
        experiment["output"] = {**CHEAP_OUTPUT, **(output or {})}
    return experiment


def explain(per_trial: list[list[Problem]], points: list[expand.Point]) -> list[Problem]:
    """Each distinct problem once; one that only some trials have names the swept values that cause it."""
    groups: dict[str, tuple[Problem, list[int]]] = {}
    for index, problems in enumerate(per_trial):
        for problem in problems:
            groups.setdefault(str(problem), (problem, []))[1].append(index)
    out = []
    for problem, indices in groups.values():
        if len(indices) == len(points):
            out.append(problem)
        else:
            out.append(replace(problem, message=f"{problem.message} ({_which(indices, points)})"))
    return out


def _which(indices: list[int], points: list[expand.Point]) -> str:
    """`for optimizer=adam` when one swept key separates the trials with a problem from the others."""
    failing = set(indices)
    dimensions: list[tuple[str, Any]] = [(key, lambda p, key=key: expand.compact(p.values[key])) for key in points[0].values]
    if points[0].seed is not None:
        dimensions.append(("seed", lambda p: str(p.seed)))
    for name, value in dimensions:
        inside = list(dict.fromkeys(value(points[i]) for i in indices))
        outside = {value(p) for i, p in enumerate(points) if i not in failing}
        if outside.isdisjoint(inside):
            return "for " + " or ".join(f"{name}={v}" for v in inside)
    return f"in {len(indices)} of {len(points)} trials, such as {expand.describe_point(points[indices[0]])}"


def _check_unique(source: LocatedSource, trials: list[Trial]) -> None:
    first: dict[str, Trial] = {}
    problems = []
    for trial in trials:
        other = first.setdefault(trial.id, trial)
        if other is not trial:
            problems.append(
                source.problem(
                    (SWEEP_KEY,),
                    f"two trials are the same experiment (id {trial.id}): {other.describe()} and {trial.describe()}; "
                    "a swept key that does not change what is trained (device, output) or two spellings of one value",
                )
            )
    if problems:
        raise ConfigError(problems[:3])


def _metric(source: LocatedSource, section: Section, trials: list[Trial]) -> str:
    """The sweep's metric: as given, else val_loss (loss when the trials have no validation data)."""
    validation = all(trial.spec.plan.validation for trial in trials)
    if section.metric is None:
        return "val_loss" if validation else "loss"
    known = metric_names(trials, validation)
    if _normal(section.metric) not in {_normal(name) for name in known}:
        raise ConfigError([source.problem((SWEEP_KEY, "metric"), f"'{section.metric}' is not a metric of the trials; expected one of {', '.join(known)}")])
    return section.metric


def metric_names(trials: list[Trial], validation: bool) -> list[str]:
    """The names the trials' metrics are logged under: loss and each metric, with `val_` and `test_` twins."""
    names = ["loss"]
    for trial in trials:
        for metric in trial.spec.metrics if isinstance(trial.spec.metrics, list) else []:
            name = metric if isinstance(metric, str) else metric.get("name") or _snake(str(metric.get("type", "")))
            names.append(str(name))
    names = list(dict.fromkeys(names))
    prefixes = ["", "val_", "test_"] if validation else ["", "test_"]
    return [prefix + name for prefix in prefixes for name in names]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _normal(name: str) -> str:
    return name.replace("_", "").lower()
