"""The notebook nnlab replaces: the same experiment written by hand in plain Keras, with Keras's defaults.

    python bench/plain_keras.py digits|fashion SEED EPOCHS [SUBSET]

Prints one JSON line: per-epoch seconds, fit seconds, test accuracy and the
whole process's seconds. The data, model, optimizer, seed, epochs and batch
size are those of nnlab's configs (configs/digits_mlp.yaml with the lesson's
plain SGD, configs/fashion_mlp.yaml); everything else is Keras's default
(`model.fit` on NumPy arrays, TensorFlow, no steps_per_execution).
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

import keras  # noqa: E402
import numpy as np  # noqa: E402

FASHION = Path("/usr/share/datasets/fashion-mnist")


def digits(seed: int) -> tuple[tuple[np.ndarray, ...], keras.Model]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    bunch = load_digits()
    x, y = bunch.data.astype("float32"), bunch.target.astype("int32")
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=seed)
    x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, test_size=0.2, random_state=seed)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val, x_test = (scaler.transform(a).astype("float32") for a in (x_train, x_val, x_test))
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(100, activation="tanh"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return (x_train, y_train, x_val, y_val, x_test, y_test), model


def idx(name: str) -> np.ndarray:
    content = gzip.decompress((FASHION / f"{name}.gz").read_bytes())
    ndim = content[3]
    shape = np.frombuffer(content[4 : 4 + 4 * ndim], dtype=">u4").astype(int)
    return np.frombuffer(content[4 + 4 * ndim :], dtype="u1").reshape(shape)


def fashion(seed: int, subset: int | None) -> tuple[tuple[np.ndarray, ...], keras.Model]:
    x_full, y_full = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte").astype("int32")
    x_test, y_test = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte").astype("int32")
    x_val, y_val, x_train, y_train = x_full[:5000], y_full[:5000], x_full[5000:], y_full[5000:]
    if subset:
        chosen = np.sort(np.random.default_rng(seed).choice(len(x_train), subset, replace=False))
        x_train, y_train = x_train[chosen], y_train[chosen]
    mean, std = x_train.mean(axis=0, dtype="float64"), x_train.std(axis=0, dtype="float64")
    std[std == 0] = 1
    x_train, x_val, x_test = (((a - mean) / std).astype("float32") for a in (x_train, x_val, x_test))
    he = "he_normal"
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(300, activation="relu", kernel_initializer=he),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(100, activation="relu", kernel_initializer=he),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(10, activation="softmax", kernel_initializer=he),
        ]
    )
    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=0.0005), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return (x_train, y_train, x_val, y_val, x_test, y_test), model


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds = [*getattr(self, "seconds", []), time.perf_counter() - self.started]


def main() -> None:
    which, seed, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    subset = int(sys.argv[4]) if len(sys.argv) > 4 else None
    keras.utils.set_random_seed(seed)
    (x_train, y_train, x_val, y_val, x_test, y_test), model = digits(seed) if which == "digits" else fashion(seed, subset)
    timer = EpochTimer()
    started = time.perf_counter()
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, callbacks=[timer], verbose=0)
    fit_seconds = time.perf_counter() - started
    accuracy = model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
    print(json.dumps({"epoch_seconds": timer.seconds, "fit_seconds": fit_seconds, "test_accuracy": accuracy, "process_seconds": time.perf_counter() - STARTED}))


if __name__ == "__main__":
    main()
