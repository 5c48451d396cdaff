"""Preprocessing steps, each fitted on the training split only, then applied to every split.

Large image sets arrive as uint8; a step that needs floats converts to float32
once, and later steps work in place on arrays an earlier step made, so a
60,000-image set is never held as float32 more than once per split.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CHUNK = 4096  # rows per chunk when computing statistics: float64 temporaries stay small


class Step:
    """A preprocessing step: `fit` on training features, then `transform` any split.

    `transform(x, inplace)` may overwrite `x` when `inplace` is True (x was made
    by an earlier step, so nobody else holds it).
    """

    name = ""

    def fit(self, x: np.ndarray) -> Step:
        return self

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        raise NotImplementedError

    def record(self) -> dict[str, Any]:
        """What the step did, for run.json."""
        return {"type": self.name}


def _float32(x: np.ndarray, inplace: bool) -> np.ndarray:
    """`x` as float32 that may be overwritten: itself when allowed, else one converted copy."""
    if inplace and x.dtype == np.float32 and x.flags.writeable:
        return x
    return x.astype("float32")


def _mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation in float64, a chunk of rows at a time (two passes)."""
    total = np.zeros(x.shape[1:], dtype="float64")
    for start in range(0, len(x), CHUNK):
        total += x[start : start + CHUNK].sum(axis=0, dtype="float64")
    mean = total / max(len(x), 1)
    squares = np.zeros_like(mean)
    for start in range(0, len(x), CHUNK):
        squares += np.square(x[start : start + CHUNK] - mean).sum(axis=0)
    return mean, np.sqrt(squares / max(len(x), 1))


class Standardize(Step):
    """Per-feature (per-pixel) zero mean and unit variance, as StandardScaler does."""

    name = "standardize"

    def fit(self, x: np.ndarray) -> Standardize:
        mean, std = _mean_std(x)
        self.mean = mean.astype("float32")
        # Constant features (the blank border pixels of digits) would divide by zero.
        self.std = np.where(std > 0, std, 1.0).astype("float32")
        return self

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        out = _float32(x, inplace)
        out -= self.mean
        out /= self.std
        return out

    def record(self) -> dict[str, Any]:
        return {"type": self.name, "features": int(self.mean.size)}


class Scale(Step):
    """Divide by a constant: `scale` maps 0..255 pixels to 0..1."""

    name = "scale"

    def __init__(self, factor: float = 255.0):
        if not isinstance(factor, (int, float)) or isinstance(factor, bool) or factor == 0:
            raise ValueError(f"expected a non-zero number for factor (got {factor!r})")
        self.factor = float(factor)

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        out = _float32(x, inplace)
        out /= np.float32(self.factor)
        return out

    def record(self) -> dict[str, Any]:
        return {"type": self.name, "factor": self.factor}


class MinMax(Step):
    """Per-feature rescaling to [0, 1] using the training split's minimum and maximum."""

    name = "minmax"

    def fit(self, x: np.ndarray) -> MinMax:
        self.low = x.min(axis=0).astype("float32")
        span = x.max(axis=0).astype("float32") - self.low
        self.span = np.where(span > 0, span, 1.0).astype("float32")
        return self

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        out = _float32(x, inplace)
        out -= self.low
        out /= self.span
        return out


class Flatten(Step):
    """Each example becomes a vector: (n, 28, 28) -> (n, 784)."""

    name = "flatten"

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        return x.reshape(len(x), -1)


class Reshape(Step):
    """Each example takes `target_shape`, as keras.layers.Reshape: (n, 784) -> (n, 28, 28, 1)."""

    name = "reshape"

    def __init__(self, target_shape: list[int]):
        if not isinstance(target_shape, (list, tuple)) or not all((isinstance(d, int) and d > 0) or d == -1 for d in target_shape):
            raise ValueError(f"expected target_shape as a list of positive integers (got {target_shape!r})")
        self.target_shape = tuple(target_shape)

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        try:
            return x.reshape((len(x),) + self.target_shape)
        except ValueError:
            raise ValueError(f"cannot reshape examples of shape {x.shape[1:]} to {self.target_shape}") from None

    def record(self) -> dict[str, Any]:
        return {"type": self.name, "target_shape": list(self.target_shape)}


class OneHot(Step):
    """Class labels as one-hot vectors, as keras.utils.to_categorical; features are left alone.

    The labels stay integers in the Dataset (`Dataset.one_hot` is set): they are
    encoded as they are fed, so 60,000 labels never take 10 floats each at rest.
    """

    name = "one_hot"

    def transform(self, x: np.ndarray, inplace: bool = False) -> np.ndarray:
        return x


STEPS: dict[str, type[Step]] = {cls.name: cls for cls in (Standardize, Scale, MinMax, Flatten, Reshape, OneHot)}


def build(spec: str | dict[str, Any]) -> Step:
    """A step from its config form: `standardize` or `{type: scale, factor: 255}`."""
    if isinstance(spec, str):
        return STEPS[spec]()
    args = {key: value for key, value in spec.items() if key != "type"}
    return STEPS[spec["type"]](**args)


def fit_transform(steps: list[Step], x_train: np.ndarray, others: list[np.ndarray | None]) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Fit each step on the (already transformed) training split and apply it everywhere.

    An array made by an earlier step is owned here and may be overwritten; the
    arrays passed in are never changed.
    """
    arrays = [x_train, *others]
    owned = [False] * len(arrays)
    for step in steps:
        step.fit(x_train)
        for i, x in enumerate(arrays):
            if x is None:
                continue
            new = step.transform(x, inplace=owned[i])
            owned[i] = owned[i] or not np.may_share_memory(new, x)
            arrays[i] = new
        x_train = arrays[0]  # type: ignore[assignment]  # never None: it was given
    return x_train, arrays[1:]
