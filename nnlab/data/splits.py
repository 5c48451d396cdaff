"""Train, validation and test splits: the dataset's own test split when it has one, seeded otherwise.

Validation is either a fraction (`validation_split`, shuffled with the seed) or
the first N training examples (`validation_size`, as the notebooks' `X_train_full[:5000]`).
The first-N split takes views: no copy of the arrays.
"""

from __future__ import annotations

import numpy as np

from nnlab.data.dataset import CLASSIFICATION, Raw
from nnlab.data.errors import DataError

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def test_split(raw: Raw, fraction: float, stratify: bool, seed: int) -> Arrays:
    """x_train, y_train, x_test, y_test: the dataset's own test split, or `fraction` of it held out."""
    if raw.x_test is not None and raw.y_test is not None:
        return raw.x, raw.y, raw.x_test, raw.y_test
    return split_fraction(raw.x, raw.y, fraction, stratify and raw.task == CLASSIFICATION, seed, "data.test_split")


def validation_split(
    x: np.ndarray, y: np.ndarray, fraction: float, size: int | None, stratify: bool, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """x_train, y_train, x_val, y_val; no validation when neither a fraction nor a size is set."""
    if size is not None:
        if size >= len(x):
            raise DataError("data.validation_size", f"expected fewer than the {len(x)} training examples (got {size})")
        return x[size:], y[size:], x[:size], y[:size]
    if fraction == 0:
        return x, y, None, None
    return split_fraction(x, y, fraction, stratify, seed, "data.validation_split")


def split_fraction(x: np.ndarray, y: np.ndarray, fraction: float, stratify: bool, seed: int, key: str) -> Arrays:
    """A seeded shuffled split with `fraction` in the second part; stratified by class when asked.

    Only indices are shuffled, so each array is copied once, into its part.
    """
    from sklearn.model_selection import train_test_split

    try:
        first, second = train_test_split(np.arange(len(x)), test_size=fraction, random_state=seed, shuffle=True, stratify=y if stratify else None)
    except ValueError as error:  # too few examples, or a class too small to stratify
        raise DataError(key, f"cannot split {len(x)} example{'' if len(x) == 1 else 's'}: {error}") from None
    return x[first], y[first], x[second], y[second]
