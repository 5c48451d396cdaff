"""Preprocessing steps, each fitted on the training split only, then applied to every split."""

from __future__ import annotations

from typing import Any

import numpy as np


class Step:
    """A preprocessing step: `fit` on training features, then `transform` any split."""

    name = ""

    def fit(self, x: np.ndarray) -> "Step":
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def record(self) -> dict[str, Any]:
        """What the step did, for run.json."""
        return {"type": self.name}


class Standardize(Step):
    """Per-feature (per-pixel) zero mean and unit variance, as StandardScaler does."""

    name = "standardize"

    def fit(self, x: np.ndarray) -> "Standardize":
        self.mean = x.mean(axis=0, dtype="float64").astype("float32")
        std = x.std(axis=0, dtype="float64").astype("float32")
        # Constant features (the blank border pixels of digits) would divide by zero.
        self.std = np.where(std > 0, std, 1.0).astype("float32")
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype("float32", copy=False)

    def record(self) -> dict[str, Any]:
        return {"type": self.name, "features": int(self.mean.size)}


class Scale(Step):
    """Divide by a constant: `scale` maps 0..255 pixels to 0..1."""

    name = "scale"

    def __init__(self, factor: float = 255.0):
        if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor == 0:
            raise ValueError(f"expected a non-zero number for factor (got {factor!r})")
        self.factor = float(factor)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (x / np.float32(self.factor)).astype("float32", copy=False)

    def record(self) -> dict[str, Any]:
        return {"type": self.name, "factor": self.factor}


class MinMax(Step):
    """Per-feature rescaling to [0, 1] using the training split's minimum and maximum."""

    name = "minmax"

    def fit(self, x: np.ndarray) -> "MinMax":
        self.low = x.min(axis=0).astype("float32")
        span = x.max(axis=0).astype("float32") - self.low
        self.span = np.where(span > 0, span, 1.0).astype("float32")
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.low) / self.span).astype("float32", copy=False)


class Flatten(Step):
    """Each example becomes a vector: (n, 28, 28) -> (n, 784)."""

    name = "flatten"

    def transform(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1)


class Reshape(Step):
    """Each example takes `target_shape`, as keras.layers.Reshape: (n, 784) -> (n, 28, 28, 1)."""

    name = "reshape"

    def __init__(self, target_shape: list[int]):
        if not isinstance(target_shape, (list, tuple)) or not all(isinstance(d, int) and d > 0 or d == -1 for d in target_shape):
            raise ValueError(f"expected target_shape as a list of positive integers (got {target_shape!r})")
        self.target_shape = tuple(target_shape)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return x.reshape((len(x),) + self.target_shape)

    def record(self) -> dict[str, Any]:
        return {"type": self.name, "target_shape": list(self.target_shape)}


STEPS: dict[str, type[Step]] = {cls.name: cls for cls in (Standardize, Scale, MinMax, Flatten, Reshape)}


def build(spec: str | dict[str, Any]) -> Step:
    """A step from its config form: `standardize` or `{type: scale, factor: 255}`."""
    if isinstance(spec, str):
        return STEPS[spec]()
    args = {key: value for key, value in spec.items() if key != "type"}
    return STEPS[spec["type"]](**args)


def fit_transform(steps: list[Step], x_train: np.ndarray, others: list[np.ndarray | None]) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Fit each step on the (already transformed) training split and apply it everywhere."""
    for step in steps:
        x_train = step.fit(x_train).transform(x_train)
        others = [None if x is None else step.transform(x) for x in others]
    return x_train, others
