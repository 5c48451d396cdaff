"""Datasets: names in `data.dataset`, splits, derived tasks and preprocessing.

Data flows one way: a loader from the catalogue gives raw arrays, `load` splits
them with the run's seed, derives the task (classes, relabel, subset) and fits
preprocessing on the training split only. Nothing here imports TensorFlow
(`nnlab.data.pipeline`, which feeds Keras, is imported only by training).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from nnlab.data import (  # noqa: F401  (loaders register on import)
    derive,
    downloadable,
    embedded,
    files,
    generated,
    preprocessing,
    splits,
)
from nnlab.data.catalog import REGISTRY
from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Dataset, Raw
from nnlab.data.errors import DataError

__all__ = ["CLASSIFICATION", "REGISTRY", "REGRESSION", "DataError", "Dataset", "Raw", "load", "load_raw"]


def load_raw(data: dict[str, Any], seed: int) -> tuple[str, Raw]:
    """The dataset's name and its arrays as the loader gives them, before splits and preprocessing."""
    spec = dict(data["dataset"])
    entry = REGISTRY[spec.pop("type")]
    path = data.get("path")
    if path is not None and not entry.reads_files:
        raise DataError("data.path", f"{entry.name} reads no files ({entry.kind}); remove data.path")
    if entry.reads_files:
        spec["path"] = None if path is None else str(path)
    try:
        raw = entry.load(seed, **spec)
    except DataError:
        raise
    except (TypeError, ValueError) as error:  # scikit-learn's checks of generator arguments
        raise DataError("data.dataset", str(error)) from None
    if len(raw.x) != len(raw.y):
        raise DataError("data.dataset", f"features and targets disagree in length ({len(raw.x)} vs {len(raw.y)})")
    return entry.name, raw


def load(data: dict[str, Any], seed: int) -> Dataset:
    """Load, split, derive and preprocess the dataset of a resolved `data` section.

    Args:
        data: the `data` section after checking (dataset as `{type: name, ...}`).
        seed: the run's seed; it drives generation, the splits and `subset`.

    Raises:
        DataError: the data cannot be produced as asked.
    """
    name, raw = load_raw(data, seed)
    stratify = bool(data.get("stratify")) and _needs_classes(raw, name, "data.stratify", "stratify")
    try:
        x_train, y_train, x_test, y_test = splits.test_split(raw, data["test_split"], stratify, seed)
        x_train, y_train, x_val, y_val = splits.validation_split(x_train, y_train, data["validation_split"], data.get("validation_size"), stratify, seed)
    except DataError as error:  # name the user's file whose examples could not be split
        if not REGISTRY[name].reads_files:
            raise
        raise DataError(error.key, f"{raw.source}: {error}") from None
    class_names, derived = raw.class_names, dict[str, Any]()
    if data.get("classes") is not None or data.get("relabel") is not None:
        _needs_classes(raw, name, "data.classes" if data.get("classes") is not None else "data.relabel", "classes and relabel")
        lookup, class_names = derive.class_lookup(data.get("classes"), data.get("relabel"), _names(raw, y_train, y_test), name)
        (x_train, y_train), (x_test, y_test) = derive.select(x_train, y_train, lookup), derive.select(x_test, y_test, lookup)
        if x_val is not None and y_val is not None:
            x_val, y_val = derive.select(x_val, y_val, lookup)
        derived["classes"] = class_names
    if data.get("subset") is not None:
        size, shuffle = _subset(data["subset"])
        x_train, y_train = derive.subset(x_train, y_train, size, shuffle, seed)
        derived["subset"] = {"size": size, "shuffle": shuffle}
    _check_not_empty(name, x_train, x_test)
    steps = [preprocessing.build(step) for step in data["preprocessing"]]
    one_hot = any(isinstance(step, preprocessing.OneHot) for step in steps)
    if one_hot:
        _needs_classes(raw, name, "data.preprocessing", "one_hot")
    try:
        x_train, (x_val, transformed_test) = preprocessing.fit_transform(steps, x_train, [x_val, x_test])
    except ValueError as error:
        raise DataError("data.preprocessing", str(error)) from None
    assert transformed_test is not None  # the test split was given, so it comes back
    return Dataset(
        name=name,
        task=raw.task,
        x_train=x_train,
        y_train=_targets(y_train, raw.task),
        x_val=x_val,
        y_val=None if y_val is None else _targets(y_val, raw.task),
        x_test=transformed_test,
        y_test=_targets(y_test, raw.task),
        source=raw.source,
        class_names=class_names,
        image_shape=raw.image_shape if _keeps_image(raw, x_train) else None,
        preprocessing=[step.record() for step in steps],
        derived=derived,
        one_hot=one_hot,
    )


def _needs_classes(raw: Raw, name: str, key: str, what: str) -> bool:
    if raw.task != CLASSIFICATION:
        raise DataError(key, f"{what} needs class labels, but {name} is a {raw.task} task")
    return True


def _names(raw: Raw, *labels: np.ndarray) -> list[str]:
    if raw.class_names:
        return raw.class_names
    return [str(c) for c in range(int(max(int(y.max()) for y in labels if len(y))) + 1)]


def _subset(value: int | dict[str, Any]) -> tuple[int, bool]:
    """`subset: 200` (a seeded random sample) or `{size: 200, shuffle: false}` (the first 200)."""
    if isinstance(value, dict):
        return value["size"], value.get("shuffle", True)
    return value, True


def _check_not_empty(name: str, x_train: np.ndarray, x_test: np.ndarray) -> None:
    for split, x in (("training", x_train), ("test", x_test)):
        if len(x) == 0:
            raise DataError("data", f"{name} has no {split} examples left after the splits and classes")


def _targets(y: np.ndarray, task: str) -> np.ndarray:
    """Class labels as int32 0..k-1, regression targets as float32; a copy only when the dtype changes."""
    if task != CLASSIFICATION:
        return np.asarray(y, dtype="float32")
    y = np.asarray(y, dtype="int32")
    return y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y  # a (n, 1) label column, as in CIFAR


def _keeps_image(raw: Raw, x: np.ndarray) -> bool:
    return raw.image_shape is not None and int(np.prod(raw.image_shape)) == int(np.prod(x.shape[1:]))


def dataset_arguments(name: str) -> dict[str, Any]:
    """The arguments a dataset accepts under `data.dataset`, with their defaults."""
    return REGISTRY[name].arguments()


def step_arguments(name: str) -> dict[str, Any]:
    """The arguments a preprocessing step accepts, with their defaults."""
    parameters = inspect.signature(preprocessing.STEPS[name].__init__).parameters
    return {key: p.default for key, p in parameters.items() if key not in ("self", "args", "kwargs")}
