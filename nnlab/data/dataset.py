"""The arrays a run trains on, and what is known about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

CLASSIFICATION = "classification"
REGRESSION = "regression"


@dataclass
class Raw:
    """What a loader returns: features and targets, with a test split if the dataset has one."""

    x: np.ndarray
    y: np.ndarray
    task: str
    source: str
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    class_names: list[str] | None = None
    image_shape: tuple[int, ...] | None = None  # how one example is drawn, e.g. (8, 8)


@dataclass
class Dataset:
    """Train, validation and test splits after preprocessing, ready for Keras."""

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
            "train_examples": len(self.x_train),
            "validation_examples": 0 if self.x_val is None else len(self.x_val),
            "test_examples": len(self.x_test),
            "preprocessing": self.preprocessing,
        }
