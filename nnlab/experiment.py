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

from nnlab import data as datasets
from nnlab.config import output, schema, shapes
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


def prepare_source(source: Source, *, allow_external_code: bool = False, say: Say | None = None) -> Experiment:
    """Check and resolve a config already read (a file, or a sweep's trial) and load its data."""
    chk = Checker(source, allow_external_code=allow_external_code)
    spec = resolve(chk)
    data_ok = not any(p.path == "data" or p.path.startswith("data.") or p.path == "seed" for p in chk.problems)
    if not data_ok or spec.data.dataset is None:
        chk.raise_if_failed()
    try:
        dataset = _load(spec, say)
    except datasets.DataError as error:
        chk.fail(tuple(error.key.split(".")), str(error))
        chk.raise_if_failed()
        raise  # unreachable: raise_if_failed raised
    if spec.model.layers and all(spec.model.layers):
        output.check(chk, spec, dataset)
        shapes.check(chk, spec.model, dataset.input_shape)
    chk.raise_if_failed()
    spec = replace(spec, loss=output.resolve_loss(spec, dataset), metrics=output.resolve_metrics(spec, dataset))
    return Experiment(replace(spec, plan=output.plan(spec, dataset)), dataset, source)


def _load(spec: Spec, say: Say | None) -> datasets.Dataset:
    """The dataset, announced: `loading fashion_mnist… 55,000 / 5,000 / 10,000 (train / validation / test)`."""
    if say is None:
        return datasets.load(asdict(spec.data), spec.seed)
    say(f"loading {spec.data.dataset['type']}…")
    try:
        dataset = datasets.load(asdict(spec.data), spec.seed)
    except BaseException:
        say("\n")  # end the line, so the problem is printed on its own
        raise
    validation = 0 if dataset.x_val is None else len(dataset.x_val)
    say(f" {len(dataset.x_train):,} / {validation:,} / {len(dataset.x_test):,} (train / validation / test)\n")
    return dataset


def select_backend(spec: Spec) -> None:
    """Choose the spec's Keras backend for this process; call before `nnlab.training` is first imported."""
    os.environ[schema.CHOICE] = spec.plan.backend


__all__ = ["ConfigError", "Experiment", "prepare", "prepare_source", "select_backend"]
