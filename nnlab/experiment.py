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
from nnlab.config import output, schema
from nnlab.config.checker import Checker
from nnlab.config.source import Source, apply_overrides, read
from nnlab.config.spec import Spec, resolve
from nnlab.errors import ConfigError


@dataclass(frozen=True)
class Experiment:
    """A spec with every default filled and decision made, and the dataset it trains on."""

    spec: Spec
    dataset: datasets.Dataset
    source: Source

    @property
    def file(self) -> str:
        return self.source.file


def prepare(path: str | Path, overrides: Sequence[str] = ()) -> Experiment:
    """Read, check and resolve a config file and load its data.

    Raises:
        ConfigError: every problem of the file, the overrides and the data, at once.
    """
    return prepare_source(apply_overrides(read(path), list(overrides)))


Loader = Callable[[dict[str, Any], int], datasets.Dataset]


def prepare_source(source: Source, *, load: Loader = datasets.load) -> Experiment:
    """Check and resolve a config already read (a file, or a sweep's trial) and load its data.

    Args:
        source: the config, with where each key came from.
        load: `nnlab.data.load` or a cache in front of it (a sweep loads each dataset once for all its trials).
    """
    chk = Checker(source)
    spec = resolve(chk)
    data_ok = not any(p.path == "data" or p.path.startswith("data.") or p.path == "seed" for p in chk.problems)
    if not data_ok or spec.data.dataset is None:
        chk.raise_if_failed()
    try:
        dataset = load(asdict(spec.data), spec.seed)
    except datasets.DataError as error:
        chk.fail(tuple(error.key.split(".")), str(error))
        chk.raise_if_failed()
        raise  # unreachable: raise_if_failed raised
    if spec.model.layers and all(spec.model.layers):
        output.check(chk, spec, dataset)
    chk.raise_if_failed()
    spec = replace(spec, loss=output.resolve_loss(spec, dataset), metrics=output.resolve_metrics(spec, dataset))
    spec = replace(spec, plan=output.plan(spec, dataset))
    output.check_monitors(chk, spec)
    output.check_backend(chk, spec)
    chk.raise_if_failed()
    return Experiment(spec, dataset, source)


def select_backend(spec: Spec) -> None:
    """Choose the spec's Keras backend for this process; call before `nnlab.training` is first imported."""
    os.environ[schema.CHOICE] = spec.plan.backend


__all__ = ["ConfigError", "Experiment", "prepare", "prepare_source", "select_backend"]
