"""Diagnostics: once per epoch, what happens inside every layer with weights, on a fixed batch.

On `DIAGNOSTICS_BATCH` training examples chosen with the run's seed (from a
generator of its own, so training's random draws are untouched) the callback
records, per layer: weight mean, standard deviation and norm, how different its
units are, the gradient norm of the loss on that batch, the size of the last
epoch's update relative to the weights, activation mean and standard deviation,
dead ReLU units, saturated tanh/sigmoid pre-activations and, for a softmax
output, the mean top probability. It runs eagerly between epochs, never inside
the compiled training steps, so the fast path keeps its speed (bench/run.py).
Under a distribution strategy it is off (run.json says so).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from nnlab.runs.diagnostics import Row, write_diagnostics
from nnlab.runs.events import EventWriter

DIAGNOSTICS_BATCH = 256
RELU_FAMILY = {"relu", "relu6"}
SATURATING = {"tanh": 3.0, "sigmoid": 4.6, "hard_sigmoid": 2.5}  # |pre-activation| beyond which the derivative is below about 0.01


class Diagnostics(keras.callbacks.Callback):
    """Writes diagnostics.csv (and TensorBoard scalars under diagnostics/) at the start and after every epoch."""

    def __init__(self, x: np.ndarray, y: np.ndarray, path: Path, seed: int, tensorboard: Path | None = None) -> None:
        super().__init__()
        chosen = np.sort(np.random.default_rng(seed).choice(len(x), size=min(DIAGNOSTICS_BATCH, len(x)), replace=False))
        self.x, self.y = x[chosen], y[chosen]
        self.path, self.tensorboard = path, tensorboard
        self.rows: list[Row] = []
        self._previous: dict[str, np.ndarray] = {}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._writer = EventWriter(self.tensorboard / "diagnostics") if self.tensorboard else None
        if not self.rows:  # epoch 0 once: phases and resumption call fit again
            self._record(0)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._record(epoch + 1)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._writer is not None:
            self._writer.close()

    def _record(self, epoch: int) -> None:
        gradients = layer_gradient_norms(self.model, self.x, self.y)
        activations = layer_activations(self.model, self.x)
        rows = []
        for layer in self.model.layers:
            if not layer.weights:
                continue
            row: Row = {"epoch": epoch, "layer": layer.name, "kind": type(layer).__name__, "activation": activation_name(layer)}
            row.update(self._weights(layer), gradient_norm=gradients.get(layer.name))
            row.update(activations.get(layer.name, {}))
            rows.append(row)
        self.rows += rows
        write_diagnostics(self.path, self.rows)
        if self._writer is not None:
            self._writer.scalars(epoch, {f"{row['layer']}/{key}": value for row in rows for key, value in row.items() if isinstance(value, float)})
            self._writer.flush()

    def _weights(self, layer: keras.layers.Layer) -> Row:
        kernel = np.asarray(keras.ops.convert_to_numpy(layer.weights[0]), dtype="float64")
        previous = self._previous.get(layer.name)
        self._previous[layer.name] = kernel.copy()
        norm = float(np.linalg.norm(kernel))
        units = kernel.reshape(-1, kernel.shape[-1]) if kernel.ndim > 1 else kernel.reshape(1, -1)
        scale = float(np.mean(np.abs(units))) + 1e-12
        return {
            "units": int(units.shape[-1]),
            "weight_mean": float(kernel.mean()),
            "weight_std": float(kernel.std()),
            "weight_norm": norm,
            "unit_spread": float(np.mean(units.std(axis=-1)) / scale) if units.shape[-1] > 1 else None,
            "update_ratio": None if previous is None else float(np.linalg.norm(kernel - previous) / (np.linalg.norm(previous) + 1e-12)),
        }


def activation_name(layer: keras.layers.Layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "") if activation is not None else ""


def layer_activations(model: keras.Model, x: np.ndarray) -> dict[str, Row]:
    """Per layer with weights: activation statistics, dead and saturated units, and the output's confidence.

    Runs the layers one after another eagerly (a Sequential model), computing each
    layer's pre-activation with its activation set aside for the moment.
    """
    stats: dict[str, Row] = {}
    h: Any = keras.ops.convert_to_tensor(x)
    last = model.layers[-1]
    for layer in model.layers:
        name = activation_name(layer)
        if name and name != "linear":
            activation = layer.activation
            layer.activation = keras.activations.linear
            try:
                z = layer(h, training=False)
            finally:
                layer.activation = activation
            out = activation(z)
        else:
            z, out = None, layer(h, training=False)
        if layer.weights:
            stats[layer.name] = _activation_stats(name, z, out, layer is last)
        h = out
    return stats


def _activation_stats(name: str, z: Any, out: Any, is_output: bool) -> Row:
    a = np.asarray(keras.ops.convert_to_numpy(out), dtype="float64")
    flat = a.reshape(len(a), -1)
    row: Row = {"activation_mean": float(a.mean()), "activation_std": float(a.std())}
    if name in RELU_FAMILY:
        row["dead_fraction"] = float(np.mean(~(flat > 0).any(axis=0)))
    if name in SATURATING and z is not None:
        pre = np.asarray(keras.ops.convert_to_numpy(z), dtype="float64")
        row["saturated_fraction"] = float(np.mean(np.abs(pre) > SATURATING[name]))
    if is_output and name == "softmax":
        row["max_probability"] = float(flat.max(axis=1).mean())
    return row


def layer_gradient_norms(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The gradient norm of the loss on (x, y) for each layer's trainable weights (no regularization penalties)."""
    loss = keras.losses.get(model.loss) if isinstance(model.loss, (str, dict)) else model.loss
    if y.ndim == 1 and model.output_shape[-1] == 1:  # one sigmoid unit: the loss functions want (n, 1) targets, as compile's wrapper makes them
        y = y.reshape(-1, 1)
    grads = _jax_gradients(model, loss, x, y) if keras.config.backend() == "jax" else _tf_gradients(model, loss, x, y)
    index = {id(variable): i for i, variable in enumerate(model.trainable_variables)}
    norms = {}
    for layer in model.layers:
        picked = [grads[index[id(w)]] for w in layer.trainable_weights if id(w) in index]
        if picked:
            norms[layer.name] = float(np.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype="float64")))) for g in picked)))
    return norms


def _tf_gradients(model: keras.Model, loss: Any, x: np.ndarray, y: np.ndarray) -> list[Any]:
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = keras.ops.mean(loss(y, model(x, training=False)))
    return [g.numpy() if g is not None else np.zeros(v.shape) for g, v in zip(tape.gradient(value, model.trainable_variables), model.trainable_variables)]


def _jax_gradients(model: keras.Model, loss: Any, x: np.ndarray, y: np.ndarray) -> list[Any]:
    import jax

    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    def value(weights: list[Any]) -> Any:
        predictions, _ = model.stateless_call(weights, non_trainable, x, training=False)
        return keras.ops.mean(loss(y, predictions))

    return [np.asarray(g) for g in jax.grad(value)(trainable)]
