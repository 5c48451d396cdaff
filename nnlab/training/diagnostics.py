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

from collections.abc import Callable
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
        if not hasattr(self, "_probe"):
            self._probe = probe_for(self.model)
        gradients, outputs = self._probe(self.x, self.y)
        last = self.model.layers[-1]
        rows = []
        for layer in self.model.layers:
            if not layer.weights:
                continue
            row: Row = {"epoch": epoch, "layer": layer.name, "kind": type(layer).__name__, "activation": activation_name(layer)}
            row.update(self._weights(layer), gradient_norm=gradients.get(layer.name))
            row.update(_activation_stats(activation_name(layer), *outputs[layer.name], layer is last))
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
        norm = _norm(kernel)
        units = kernel.reshape(-1, kernel.shape[-1]) if kernel.ndim > 1 else kernel.reshape(1, -1)
        scale = float(np.mean(np.abs(units))) + 1e-12
        return {
            "units": int(units.shape[-1]),
            "weight_mean": float(kernel.mean()),
            "weight_std": float(kernel.std()),
            "weight_norm": norm,
            "unit_spread": float(np.mean(units.std(axis=-1)) / scale) if units.shape[-1] > 1 else None,
            "update_ratio": None if previous is None else _norm(kernel - previous) / (_norm(previous) + 1e-12),
        }


def _norm(array: np.ndarray) -> float:
    """The Euclidean norm without BLAS: np.linalg.norm's dot product wakes the BLAS threads, which
    then spin for a while on the cores the next epoch's training needs (a 10 % slower epoch)."""
    return float(np.sqrt(np.sum(np.square(array))))


def activation_name(layer: keras.layers.Layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "") if activation is not None else ""


Probe = Callable[[np.ndarray, np.ndarray], tuple[dict[str, float], dict[str, tuple[Any, Any]]]]


def probe_for(model: keras.Model) -> Probe:
    """A function of (x, y) giving each layer's gradient norm and its (pre-activation, output) arrays.

    On JAX it is one compiled program (eager JAX compiles every operation the first
    time it meets it, seconds for a small network); on TensorFlow it runs eagerly.
    """
    loss = keras.losses.get(model.loss) if isinstance(model.loss, (str, dict)) else model.loss
    single_unit = model.output_shape[-1] == 1  # one sigmoid unit: the loss functions want (n, 1) targets, as compile's wrapper makes them
    compute = _jax_probe(model, loss) if keras.config.backend() == "jax" else _tf_probe(model, loss)

    def probe(x: np.ndarray, y: np.ndarray) -> tuple[dict[str, float], dict[str, tuple[Any, Any]]]:
        grads, outputs = compute(x, y.reshape(-1, 1) if y.ndim == 1 and single_unit else y)
        return _norms_by_layer(model, grads), outputs

    return probe


def forward(model: keras.Model, x: Any) -> dict[str, tuple[Any, Any]]:
    """Each layer's (pre-activation or None, output), the layers run one after another (a Sequential model).

    A layer's pre-activation is its output with its activation set aside for the moment.
    """
    outputs: dict[str, tuple[Any, Any]] = {}
    h: Any = x
    for layer in model.layers:
        name = activation_name(layer)
        if name and name != "linear":
            activation = layer.activation
            layer.activation = keras.activations.linear
            try:
                z = layer(h, training=False)
            finally:
                layer.activation = activation
            h = activation(z)
        else:
            z, h = None, layer(h, training=False)
        outputs[layer.name] = (z, h)
    return outputs


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


def _norms_by_layer(model: keras.Model, grads: list[Any]) -> dict[str, float]:
    """The gradient norm of each layer's trainable weights (no regularization penalties)."""
    index = {id(variable): i for i, variable in enumerate(model.trainable_variables)}
    norms = {}
    for layer in model.layers:
        picked = [grads[index[id(w)]] for w in layer.trainable_weights if id(w) in index]
        if picked:
            norms[layer.name] = float(np.sqrt(sum(float(np.sum(np.square(np.asarray(g, dtype="float64")))) for g in picked)))
    return norms


def _tf_probe(model: keras.Model, loss: Any) -> Callable[[np.ndarray, np.ndarray], tuple[list[Any], dict[str, tuple[Any, Any]]]]:
    import tensorflow as tf

    def compute(x: np.ndarray, y: np.ndarray) -> tuple[list[Any], dict[str, tuple[Any, Any]]]:
        with tf.GradientTape() as tape:
            value = keras.ops.mean(loss(y, model(x, training=False)))
        grads = [g if g is not None else np.zeros(v.shape) for g, v in zip(tape.gradient(value, model.trainable_variables), model.trainable_variables)]
        return grads, forward(model, keras.ops.convert_to_tensor(x))

    return compute


def _jax_probe(model: keras.Model, loss: Any) -> Callable[[np.ndarray, np.ndarray], tuple[list[Any], dict[str, tuple[Any, Any]]]]:
    import jax

    def value(trainable: list[Any], non_trainable: list[Any], x: Any, y: Any) -> Any:
        predictions, _ = model.stateless_call(trainable, non_trainable, x, training=False)
        return keras.ops.mean(loss(y, predictions))

    def compute(trainable: list[Any], non_trainable: list[Any], x: Any, y: Any) -> tuple[list[Any], dict[str, tuple[Any, Any]]]:
        mapping = list(zip(model.trainable_variables, trainable)) + list(zip(model.non_trainable_variables, non_trainable))
        with keras.StatelessScope(state_mapping=mapping):
            outputs = forward(model, x)
        return jax.grad(value)(trainable, non_trainable, x, y), outputs

    compiled = jax.jit(compute)

    def run(x: np.ndarray, y: np.ndarray) -> tuple[list[Any], dict[str, tuple[Any, Any]]]:
        return compiled([v.value for v in model.trainable_variables], [v.value for v in model.non_trainable_variables], x, y)

    return run
