"""From a YAML file to a checked experiment: the resolved config and its loaded data.

This is the one path every command takes (`validate`, `show`, `train`), so they
agree on what is valid. It imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from nnlab import data as datasets
from nnlab.config import schema, task
from nnlab.config.checker import Checker
from nnlab.config.source import Source, apply_overrides, read
from nnlab.errors import ConfigError


@dataclass
class Experiment:
    """A config with every default filled, and the dataset it trains on."""

    config: dict[str, Any]
    dataset: datasets.Dataset
    source: Source

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def name(self) -> str:
        return self.config["name"]

    @property
    def seed(self) -> int:
        return self.config["seed"]


def prepare(path: str | Path, overrides: Sequence[str] = ()) -> Experiment:
    """Read, check and resolve a config file and load its data.

    Raises:
        ConfigError: every problem of the file, the overrides and the data, at once.
    """
    source = apply_overrides(read(path), list(overrides))
    chk = Checker(source)
    config = schema.resolve(chk)
    data_ok = not any(p.path == "data" or p.path.startswith("data.") or p.path == "seed" for p in chk.problems)
    if not data_ok or not config.get("data"):
        chk.raise_if_failed()
    try:
        dataset = datasets.load(config["data"], config["seed"])
    except datasets.DataError as error:
        chk.fail(tuple(error.key.split(".")), str(error))
        chk.raise_if_failed()
        raise  # unreachable: raise_if_failed raised
    if config["model"]["layers"] and all(config["model"]["layers"]):
        task.check(chk, config, dataset)
    chk.raise_if_failed()
    config["loss"] = task.resolve_loss(config, dataset)
    config["metrics"] = task.resolve_metrics(config, dataset)
    return Experiment(config, dataset, source)


__all__ = ["Experiment", "prepare", "ConfigError"]
