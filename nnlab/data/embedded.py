"""The datasets that ship inside scikit-learn: no file to find, nothing to download."""

from __future__ import annotations

import numpy as np

from nnlab.data.catalog import EMBEDDED, register
from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Raw


def _bunch(function_name: str, task: str, image_shape: tuple[int, ...] | None = None) -> Raw:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, function_name)()
    classification = task == CLASSIFICATION
    return Raw(
        x=np.asarray(bunch.data, dtype="float32"),
        y=np.asarray(bunch.target, dtype="int32" if classification else "float32"),
        task=task,
        source=f"scikit-learn {function_name} (embedded)",
        class_names=[str(c) for c in bunch.target_names] if classification else None,
        image_shape=image_shape,
        feature_names=[str(f) for f in getattr(bunch, "feature_names", [])] or None,
    )


@register(
    "digits",
    CLASSIFICATION,
    "scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes); ships with scikit-learn",
    kind=EMBEDDED,
    shapes="8x8 pixels 0..16 (64 features), 1,797",
    classes=10,
)
def digits(seed: int) -> Raw:
    return _bunch("load_digits", CLASSIFICATION, image_shape=(8, 8))


@register("iris", CLASSIFICATION, "Fisher's iris flowers: 4 measurements, 3 species (150 examples)", kind=EMBEDDED, shapes="4 features, 150", classes=3)
def iris(seed: int) -> Raw:
    return _bunch("load_iris", CLASSIFICATION)


@register("wine", CLASSIFICATION, "wine chemistry: 13 measurements, 3 cultivars (178 examples)", kind=EMBEDDED, shapes="13 features, 178", classes=3)
def wine(seed: int) -> Raw:
    return _bunch("load_wine", CLASSIFICATION)


@register(
    "breast_cancer",
    CLASSIFICATION,
    "Wisconsin breast cancer: 30 features of cell nuclei, malignant or benign (569 examples)",
    kind=EMBEDDED,
    shapes="30 features, 569",
    classes=2,
)
def breast_cancer(seed: int) -> Raw:
    return _bunch("load_breast_cancer", CLASSIFICATION)


@register("diabetes", REGRESSION, "diabetes progression after one year from 10 baseline variables (442 examples)", kind=EMBEDDED, shapes="10 features, 442")
def diabetes(seed: int) -> Raw:
    return _bunch("load_diabetes", REGRESSION)
