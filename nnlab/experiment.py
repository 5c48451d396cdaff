"""From a YAML file to a checked experiment: the resolved spec and its loaded data.

This is the one path every command takes (`validate`, `show`, `train`, a
sweep's trials), so they agree on what is valid. It imports neither TensorFlow
nor Keras.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from nnlab import data as datasets
from nnlab.config import output, schema, shapes
from nnlab.config.checker import Checker
from nnlab.config.source import Source, apply_overrides, read
from nnlab.config.spec import Spec, resolve
from nnlab.errors import ConfigError, Problem


@dataclass(frozen=True)
class Experiment:
    """A spec with every default filled and decision made, and the dataset it trains on."""

    spec: Spec
    dataset: datasets.Dataset
    source: Source

    @property
    def file(self) -> str:
        return self.source.file


Say = Callable[[str], None]  # writes a piece of a status line to the user; "\n" ends the line


def prepare(path: str | Path, overrides: Sequence[str] = (), *, allow_external_code: bool = False, say: Say | None = None) -> Experiment:
    """Read, check and resolve a config file and load its data.

    Args:
        allow_external_code: accept layers that run code from outside the config (Lambda, TFSMLayer).
        say: where to tell the user what is happening (the data being loaded); silent without it.

    Raises:
        ConfigError: every problem of the file, the overrides and the data, at once.
    """
    return prepare_source(apply_overrides(read(path), list(overrides)), allow_external_code=allow_external_code, say=say)


Loader = Callable[[dict[str, Any], int], datasets.Dataset]


def prepare_source(source: Source, *, load: Loader = datasets.load, allow_external_code: bool = False, say: Say | None = None) -> Experiment:
    """Check and resolve a config already read (a file, or a sweep's trial) and load its data.

    Args:
        source: the config, with where each key came from.
        load: `nnlab.data.load` or a cache in front of it (a sweep loads each dataset once for all its trials).
        allow_external_code: let the config name Keras objects that run code from files (Lambda, TFSMLayer).
        say: where to tell the user what is happening (the data being loaded); silent without it.
    """
    chk = Checker(source, allow_external_code=allow_external_code)
    spec = resolve(chk)
    data_ok = not any(p.path == "data" or p.path.startswith("data.") or p.path == "seed" for p in chk.problems)
    if not data_ok or spec.data.dataset is None:
        chk.raise_if_failed()
    try:
        dataset = _load(spec, load, say)
    except datasets.DataError as error:
        chk.fail(tuple(error.key.split(".")), str(error))
        chk.raise_if_failed()
        raise  # unreachable: raise_if_failed raised
    if (spec.model.layers and all(spec.model.layers)) or spec.model.base:
        output.check(chk, spec, dataset)
        if not chk.problems:  # one cause, one line: a wrong output layer is not also a shape problem
            shapes.check(chk, output.stacked_layers(spec.model), spec.model.defaults, dataset.input_shape)
    chk.raise_if_failed()
    spec = replace(spec, loss=output.resolve_loss(spec, dataset), metrics=output.resolve_metrics(spec, dataset))
    spec = replace(spec, plan=output.plan(spec, dataset))
    output.check_monitors(chk, spec)
    output.check_backend(chk, spec)
    chk.raise_if_failed()
    return Experiment(spec, dataset, source)


def _load(spec: Spec, load: Loader, say: Say | None) -> datasets.Dataset:
    """The dataset, announced: `loading fashion_mnist… 55,000 / 5,000 / 10,000 (train / validation / test)`."""
    if say is None:
        return load(asdict(spec.data), spec.seed)
    say(f"loading {spec.data.dataset['type']}…")
    try:
        dataset = load(asdict(spec.data), spec.seed)
    except BaseException:
        say("\n")  # end the line, so the problem is printed on its own
        raise
    validation = 0 if dataset.x_val is None else len(dataset.x_val)
    say(f" {len(dataset.x_train):,} / {validation:,} / {len(dataset.x_test):,} (train / validation / test)\n")
    return dataset


def select_backend(spec: Spec) -> None:
    """Choose the spec's Keras backend for this process; call before `nnlab.training` is first imported."""
    os.environ[schema.CHOICE] = spec.plan.backend


RESUMABLE = ("interrupted", "stale", "failed")


def prepare_resume(folder: str | Path, *, allow_external_code: bool = False, say: Say | None = None) -> Experiment:
    """The experiment of a run folder to continue: its config.yaml, checked again, and its data.

    A run can be resumed when it was interrupted, its process died (stale), it
    failed, or a time limit stopped it; its config must still validate and be the
    one the run started with. The backend is the one the run used.

    Raises:
        ConfigError: one line saying why the folder cannot be resumed.
    """
    from nnlab.runs.read import DAMAGED, read_run

    path = Path(folder)
    if not (path / "run.json").is_file():
        raise ConfigError([Problem("", "not a run folder (no run.json): --resume takes a folder that nnlab train wrote", str(path))])
    existing = read_run(path)
    stopped_by_time = existing.status == "completed" and (existing.summary or {}).get("stopped_early", {}).get("by") == "time_limit"
    if existing.status == DAMAGED:
        raise ConfigError([Problem("", f"cannot be resumed: the run folder is damaged ({existing.problem})", str(path))])
    if existing.status not in RESUMABLE and not stopped_by_time:
        why = {
            "completed": "it completed",
            "diverged": "it diverged (resuming would diverge again)",
            "running": f"it is still running (pid {existing.record.get('pid')})",
        }
        raise ConfigError([Problem("", f"cannot be resumed: {why.get(existing.status, existing.status)}", str(path))])
    if existing.record.get("backend") in schema.BACKENDS:
        os.environ[schema.CHOICE] = existing.record["backend"]
    experiment = prepare(path / "config.yaml", allow_external_code=allow_external_code, say=say)
    if experiment.spec.fingerprint() != existing.record.get("fingerprint"):
        raise ConfigError(
            [Problem("", "cannot be resumed: config.yaml was changed after the run started (its fingerprint differs)", str(path / "config.yaml"))]
        )
    return experiment


__all__ = ["ConfigError", "Experiment", "prepare", "prepare_resume", "prepare_source", "select_backend"]
