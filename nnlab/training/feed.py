"""What `fit`, `evaluate` and `predict` are given: labels as the loss wants them, and the training data.

Keras feeds NumPy arrays fastest (bench/run.py): on JAX a slice per batch, on
TensorFlow a tf.data pipeline gathering shuffled batches from the arrays, both
shuffled by the seeded global generators. On TensorFlow, though, Keras first
copies the arrays into tensors, so a large training set would be held twice;
above LEAN_BYTES the batches are gathered from the NumPy arrays instead, one
batch at a time, and the data is held once (bench/data_memory.py).
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from nnlab.config.spec import Spec
from nnlab.data import CLASSIFICATION, Dataset

LEAN_BYTES = 64 * 2**20  # training arrays larger than this are not copied into tensors on TensorFlow


def targets(y: np.ndarray, spec: Spec) -> np.ndarray:
    """Labels as the loss wants them: one-hot vectors, int32 classes, or float32 values."""
    if spec.plan.one_hot:
        return keras.utils.to_categorical(y, spec.plan.num_classes).astype("float32")
    if spec.plan.task == CLASSIFICATION:
        return y.astype("int32", copy=False)
    return y.astype("float32", copy=False)


def fit_arguments(spec: Spec, dataset: Dataset) -> dict[str, Any]:
    """The data arguments of `model.fit`: the training data, batching, shuffling and validation."""
    x, y, batch_size = dataset.x_train, targets(dataset.y_train, spec), spec.training.batch_size
    validation = None
    if dataset.x_val is not None and dataset.y_val is not None:
        validation = (dataset.x_val, targets(dataset.y_val, spec))
    if keras.config.backend() == "tensorflow" and x.nbytes + y.nbytes > LEAN_BYTES:
        # The pipeline shuffles itself; fit's own shuffle does not apply to a dataset.
        return {"x": gathered(x, y, batch_size, shuffle=spec.training.shuffle, seed=spec.seed), "shuffle": False, "validation_data": validation}
    return {"x": x, "y": y, "batch_size": batch_size, "shuffle": spec.training.shuffle, "validation_data": validation}


def gathered(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0) -> Any:
    """A tf.data pipeline of batches gathered from the arrays: only indices are shuffled, nothing is copied whole."""
    import tensorflow as tf

    if len(x) != len(y):
        raise ValueError(f"x and y disagree in length ({len(x)} vs {len(y)})")
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)

    def take(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[batch], y[batch]

    def gather(batch: Any) -> tuple[Any, Any]:
        x_batch, y_batch = tf.numpy_function(take, [batch], (tf.as_dtype(x.dtype), tf.as_dtype(y.dtype)), stateful=False)
        x_batch.set_shape((None, *x.shape[1:]))
        y_batch.set_shape((None, *y.shape[1:]))
        return x_batch, y_batch

    return indices.batch(batch_size).map(gather).prefetch(tf.data.AUTOTUNE)
