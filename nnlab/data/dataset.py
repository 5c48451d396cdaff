"""The arrays a run trains on, and what is known about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class Raw:
    """What a loader returns: features and targets, with a test split if the dataset has one.

    Arrays keep the dtype they were stored in (uint8 pixels stay uint8) until a
    preprocessing step needs floats, so a large image set is not copied early.
    """

    x: np.ndarray
    y: np.ndarray
    task: str
    source: str  # where the data came from: a file, a cache, "scikit-learn (embedded)"
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    class_names: list[str] | None = None
    image_shape: tuple[int, ...] | None = None  # how one example is drawn, e.g. (28, 28) or (32, 32, 3)
    feature_names: list[str] | None = None


@dataclass
class Dataset:
    """Train, validation and test splits after preprocessing, ready for Keras.

    Labels stay integers (0..num_classes-1) even with the `one_hot` step:
    `one_hot` is True and the labels are encoded as they are fed, so class
    counts and confusion matrices keep working on the integers.
    """

    name: str
    task: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    class_names: list[str] | None = None
    image_shape: tuple[int, ...] | None = None
    preprocessing: list[dict[str, Any]] = field(default_factory=list)
    derived: dict[str, Any] = field(default_factory=dict)  # classes, relabel, subset, split: how the task was made
    one_hot: bool = False

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def num_classes(self) -> int | None:
        if self.task != CLASSIFICATION:
            return None
        if self.class_names:
            return len(self.class_names)
        labels = [self.y_train, self.y_test] + ([self.y_val] if self.y_val is not None else [])
        return int(max(int(y.max()) for y in labels if len(y)) + 1)

    @property
    def num_targets(self) -> int:
        return 1 if self.y_train.ndim == 1 else int(self.y_train.shape[1])

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly summary recorded with the run."""
        return {
            "name": self.name,
            "task": self.task,
            "source": self.source,
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
            "class_names": self.class_names,
            "train_examples": len(self.x_train),
            "validation_examples": 0 if self.x_val is None else len(self.x_val),
            "test_examples": len(self.x_test),
            **self.derived,
            "preprocessing": self.preprocessing,
            "one_hot": self.one_hot,
        }
