"""The datasets a config can name, each a loader function registered under its name."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Raw


@dataclass(frozen=True)
class Entry:
    """A named dataset: how to load it and what arguments it takes.

    `signature_of` is the function whose keyword arguments the config may set
    under `data.dataset` (scikit-learn's own generator, for the generated sets).
    """

    name: str
    task: str
    description: str
    load: Callable[..., Raw]
    signature_of: Callable[..., Any] | None = None

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments the dataset accepts, with their defaults."""
        function = self.signature_of() if self.signature_of else self.load
        return {
            name: param.default
            for name, param in inspect.signature(function).parameters.items()
            if name not in ("seed", "random_state", "return_X_y", "return_centers", "coef", "shuffle")
            and param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD)
        }


REGISTRY: dict[str, Entry] = {}


def register(name: str, task: str, description: str, signature_of: Callable[..., Any] | None = None):
    """Decorator: add a loader `f(seed, **arguments) -> Raw` to the catalogue."""

    def add(load: Callable[..., Raw]) -> Callable[..., Raw]:
        REGISTRY[name] = Entry(name, task, description, load, signature_of)
        return load

    return add


@register("digits", CLASSIFICATION, "scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes); ships with scikit-learn")
def digits(seed: int) -> Raw:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return Raw(
        x=np.asarray(bunch.data, dtype="float32"),
        y=np.asarray(bunch.target, dtype="int32"),
        task=CLASSIFICATION,
        source="scikit-learn (embedded)",
        class_names=[str(c) for c in bunch.target_names],
        image_shape=(8, 8),
    )


def _generator(function_name: str, task: str):
    """A loader for one of scikit-learn's `make_*` generators, seeded by the run."""

    def signature_of():
        import sklearn.datasets

        return getattr(sklearn.datasets, function_name)

    def load(seed: int, **arguments: Any) -> Raw:
        x, y = signature_of()(random_state=seed, **arguments)
        y = np.asarray(y, dtype="int32" if task == CLASSIFICATION else "float32")
        return Raw(x=np.asarray(x, dtype="float32"), y=y, task=task, source=f"scikit-learn {function_name} (generated)")

    return load, signature_of


for _name, _task, _description in [
    ("moons", CLASSIFICATION, "two interleaving half circles (sklearn.datasets.make_moons)"),
    ("circles", CLASSIFICATION, "a small circle inside a large one (sklearn.datasets.make_circles)"),
    ("blobs", CLASSIFICATION, "isotropic Gaussian blobs, one per class (sklearn.datasets.make_blobs)"),
    ("classification", CLASSIFICATION, "a random n-class problem (sklearn.datasets.make_classification)"),
    ("regression", REGRESSION, "a random linear regression problem (sklearn.datasets.make_regression)"),
]:
    _load, _signature_of = _generator(f"make_{_name}", _task)
    register(_name, _task, _description, _signature_of)(_load)
