"""Datasets: names in `data.dataset`, splits and preprocessing, and the checks of that section.

Data flows one way: a loader from the catalogue gives raw arrays, `load` splits
them with the run's seed and fits preprocessing on the training split only.
Nothing here imports TensorFlow.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from nnlab.data import preprocessing
from nnlab.data.catalog import REGISTRY
from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Dataset, Raw

__all__ = ["CLASSIFICATION", "REGRESSION", "Dataset", "Raw", "REGISTRY", "load", "DataError"]


class DataError(Exception):
    """The data a config names cannot be loaded or used; `key` is the config key to blame."""

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)


def load(data: dict[str, Any], seed: int) -> Dataset:
    """Load, split and preprocess the dataset of a resolved `data` section.

    Args:
        data: the `data` section after checking (dataset as `{type: name, ...}`).
        seed: the run's seed; it drives generation and the splits.

    Raises:
        DataError: the data cannot be produced as asked.
    """
    spec = dict(data["dataset"])
    entry = REGISTRY[spec.pop("type")]
    try:
        raw = entry.load(seed, **spec)
    except (TypeError, ValueError) as error:  # scikit-learn's checks of generator arguments
        raise DataError("data.dataset", str(error)) from None
    if len(raw.x) != len(raw.y):
        raise DataError("data.dataset", f"features and targets disagree in length ({len(raw.x)} vs {len(raw.y)})")
    x_train, y_train, x_test, y_test = _test_split(raw, data["test_split"], seed)
    x_val, y_val = None, None
    if data["validation_split"] > 0:
        x_train, x_val, y_train, y_val = _split(x_train, y_train, data["validation_split"], seed, raw.task)
    steps = [preprocessing.build(step) for step in data["preprocessing"]]
    try:
        x_train, (x_val, x_test) = preprocessing.fit_transform(steps, x_train, [x_val, x_test])
    except ValueError as error:
        raise DataError("data.preprocessing", str(error)) from None
    return Dataset(
        name=entry.name,
        task=raw.task,
        x_train=x_train,
        y_train=y_train,
        x_val=x_val,
        y_val=y_val,
        x_test=x_test,
        y_test=y_test,
        source=raw.source,
        class_names=raw.class_names,
        image_shape=raw.image_shape,
        preprocessing=[step.record() for step in steps],
    )


def _test_split(raw: Raw, fraction: float, seed: int):
    if raw.x_test is not None:
        return raw.x, raw.y, raw.x_test, raw.y_test
    x_train, x_test, y_train, y_test = _split(raw.x, raw.y, fraction, seed, raw.task)
    return x_train, y_train, x_test, y_test


def _split(x: np.ndarray, y: np.ndarray, fraction: float, seed: int, task: str):
    """A seeded shuffled split; returns x_a, x_b, y_a, y_b with `fraction` in b."""
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=fraction, random_state=seed, shuffle=True)


def dataset_arguments(name: str) -> dict[str, Any]:
    return REGISTRY[name].arguments()


def step_arguments(name: str) -> dict[str, Any]:
    """The arguments a preprocessing step accepts, with their defaults."""
    parameters = inspect.signature(preprocessing.STEPS[name].__init__).parameters
    return {key: p.default for key, p in parameters.items() if key != "self"}
