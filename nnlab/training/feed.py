"""What `fit`, `evaluate` and `predict` are given: labels as the loss wants them, and the training data.

- JAX: the NumPy arrays themselves. Keras slices a batch per step and shuffles
  with NumPy's global generator (seeded), a new order every epoch; a checkpoint
  keeps that generator's state, so a resumed run sees the same order.
- TensorFlow: a tf.data pipeline whose order in epoch `e` is a stateless shuffle
  seeded by (seed, e). Keras's own pipeline for arrays repeats the first epoch's
  order in every epoch once a global seed is set (tests/test_fast_path.py), and
  could not resume an order; this one reshuffles every epoch and resumes exactly.
  Batches are gathered from a tensor copy of the arrays, or, above LEAN_BYTES,
  from the NumPy arrays one batch at a time, so a large set is held once
  (bench/data_memory.py).
"""

from __future__ import annotations

import math
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


def fit_arguments(spec: Spec, dataset: Dataset, first_epoch: int, last_epoch: int) -> dict[str, Any]:
    """The data arguments of `model.fit` for epochs [first_epoch, last_epoch): data, batching, shuffling, validation."""
    x, y, batch_size = dataset.x_train, targets(dataset.y_train, spec), spec.training.batch_size
    validation = None
    if dataset.x_val is not None and dataset.y_val is not None:
        validation = (dataset.x_val, targets(dataset.y_val, spec))
    if keras.config.backend() == "tensorflow":
        data = epochs(x, y, batch_size, shuffle=spec.training.shuffle, seed=spec.seed, first=first_epoch, last=last_epoch)
        return {"x": data, "steps_per_epoch": math.ceil(len(x) / batch_size), "shuffle": False, "validation_data": validation}
    return {"x": x, "y": y, "batch_size": batch_size, "shuffle": spec.training.shuffle, "validation_data": validation}


def epochs(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool, seed: int, first: int, last: int) -> Any:
    """The batches of epochs [first, last) as one tf.data pipeline; epoch `e`'s order depends on (seed, e) only."""
    import tensorflow as tf

    if len(x) != len(y):
        raise ValueError(f"x and y disagree in length ({len(x)} vs {len(y)})")
    count = len(x)

    def order(epoch: Any) -> Any:
        indices = tf.range(count, dtype=tf.int64)
        if shuffle:
            indices = tf.random.experimental.stateless_shuffle(indices, seed=tf.stack([tf.constant(seed, tf.int64), epoch]))
        return tf.data.Dataset.from_tensor_slices(indices).batch(batch_size)

    batches = tf.data.Dataset.range(first, last).flat_map(order)
    gather = _lean_gather(x, y) if x.nbytes + y.nbytes > LEAN_BYTES else _tensor_gather(x, y)
    return batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)


def _tensor_gather(x: np.ndarray, y: np.ndarray) -> Any:
    import tensorflow as tf

    x_tensor, y_tensor = tf.constant(x), tf.constant(y)
    return lambda batch: (tf.gather(x_tensor, batch), tf.gather(y_tensor, batch))


def _lean_gather(x: np.ndarray, y: np.ndarray) -> Any:
    import tensorflow as tf

    def take(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[batch], y[batch]

    def gather(batch: Any) -> tuple[Any, Any]:
        x_batch, y_batch = tf.numpy_function(take, [batch], (tf.as_dtype(x.dtype), tf.as_dtype(y.dtype)), stateful=False)
        x_batch.set_shape((None, *x.shape[1:]))
        y_batch.set_shape((None, *y.shape[1:]))
        return x_batch, y_batch

    return gather
