"""Datasets drawn by scikit-learn's `make_*` generators, seeded by the run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnlab.data.catalog import GENERATED, register
from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Raw


def _generator(function_name: str, task: str) -> tuple[Callable[..., Raw], Callable[[], Callable[..., Any]]]:
    """A loader for one of scikit-learn's `make_*` generators, and the function whose arguments it takes."""

    def signature_of() -> Callable[..., Any]:
        import sklearn.datasets

        return getattr(sklearn.datasets, function_name)

    def load(seed: int, **arguments: Any) -> Raw:
        x, y = signature_of()(random_state=seed, **arguments)
        y = np.asarray(y, dtype="int32" if task == CLASSIFICATION else "float32")
        return Raw(x=np.asarray(x, dtype="float32"), y=y, task=task, source=f"scikit-learn {function_name} (generated)")

    return load, signature_of


for _name, _task, _description, _shapes in [
    ("moons", CLASSIFICATION, "two interleaving half circles (sklearn.datasets.make_moons)", "2 features, n_samples"),
    ("circles", CLASSIFICATION, "a small circle inside a large one (sklearn.datasets.make_circles)", "2 features, n_samples"),
    ("blobs", CLASSIFICATION, "isotropic Gaussian blobs, one per class (sklearn.datasets.make_blobs)", "n_features, n_samples"),
    ("classification", CLASSIFICATION, "a random n-class problem (sklearn.datasets.make_classification)", "n_features, n_samples"),
    ("regression", REGRESSION, "a random linear regression problem (sklearn.datasets.make_regression)", "n_features, n_samples"),
]:
    _load, _signature_of = _generator(f"make_{_name}", _task)
    register(_name, _task, _description, _signature_of, kind=GENERATED, shapes=_shapes)(_load)
