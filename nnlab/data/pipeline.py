"""Arrays to Keras through tf.data: seeded shuffle, batch, prefetch."""

from __future__ import annotations

from nnlab import backend  # noqa: F401  (before tensorflow)

import numpy as np
import tensorflow as tf


def feed(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool = False, seed: int = 0) -> tf.data.Dataset:
    """Arrays as a batched, prefetched tf.data pipeline; reshuffled with `seed` every epoch."""
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
