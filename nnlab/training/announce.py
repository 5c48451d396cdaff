"""What a run tells its user before the first epoch: the model's layers, their output shapes and parameters.

The first minute of a run is otherwise silent (imports, data, tracing); this
callback, given to `run(extra_callbacks=...)` by the command line, prints the
model Keras actually built, so the user sees at once what is being trained.
"""

from __future__ import annotations

import sys
from typing import IO, Any

import keras
import numpy as np

Logs = dict[str, Any] | None


class ModelSummary(keras.callbacks.Callback):
    """Writes `describe_model` to `stream` (standard error) when training begins."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        super().__init__()
        self.stream = stream

    def on_train_begin(self, logs: Logs = None) -> None:
        stream = self.stream or sys.stderr
        stream.write(describe_model(self.model))
        stream.flush()


def describe_model(model: keras.Model) -> str:
    """`model: 1,210 parameters (1,210 trainable)` and one line per layer: type, output shape, parameters, activation."""
    trainable = int(sum(np.prod(weight.shape) for weight in model.trainable_weights))
    rows = [(type(layer).__name__, _output_shape(layer), f"{layer.count_params():,}", _activation(layer)) for layer in model.layers]
    widths = [max((len(row[column]) for row in rows), default=0) for column in range(3)]
    lines = [f"model: {model.count_params():,} parameters ({trainable:,} trainable)"]
    for kind, shape, params, activation in rows:
        lines.append(f"  {kind:<{widths[0]}}  {shape:<{widths[1]}}  {params:>{widths[2]}}  {activation}".rstrip())
    return "\n".join(lines) + "\n"


def _output_shape(layer: keras.layers.Layer) -> str:
    try:
        shape = tuple(layer.output.shape[1:])
    except (AttributeError, ValueError):  # a layer Keras has not connected
        return ""
    return "(" + ", ".join(str(size) for size in shape) + ("," if len(shape) == 1 else "") + ")"


def _activation(layer: keras.layers.Layer) -> str:
    activation = getattr(layer, "activation", None)
    name = getattr(activation, "__name__", None)
    return "" if name in (None, "linear") else str(name)
