"""Arrays to Keras through tf.data: seeded shuffle, batch, prefetch, without copying the arrays.

`tf.data.Dataset.from_tensor_slices(x)` copies `x` into a tensor, and a full
shuffle buffer holds a second copy of every example. Here only the example
indices are shuffled and batched; each batch is gathered from the NumPy arrays
as it is needed, so the data is held once, by the Dataset.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def feed(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0) -> tf.data.Dataset:
    """Arrays as a batched, prefetched tf.data pipeline; reshuffled with `seed` every epoch."""
    if len(x) != len(y):
        raise ValueError(f"x and y disagree in length ({len(x)} vs {len(y)})")
    indices = tf.data.Dataset.range(len(x))
    if shuffle:
        indices = indices.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)

    def take(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x[batch], y[batch]

    def gather(batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x_batch, y_batch = tf.numpy_function(take, [batch], (tf.as_dtype(x.dtype), tf.as_dtype(y.dtype)), stateful=False)
        x_batch.set_shape((None, *x.shape[1:]))
        y_batch.set_shape((None, *y.shape[1:]))
        return x_batch, y_batch

    return indices.batch(batch_size).map(gather).prefetch(tf.data.AUTOTUNE)
