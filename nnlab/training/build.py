"""Keras objects from their config specs: layers, the Sequential model, optimizer, loss, metrics.

Every name resolves through Keras's own namespaces (`keras.layers.Dense`,
`keras.initializers.get("he_normal")`), so whatever Keras has, a config can use.
Errors Keras raises while constructing are reported against the config key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import keras

from nnlab.config import keras_names
from nnlab.config.objects import nested_kind
from nnlab.config.spec import ModelSpec, Spec
from nnlab.errors import ConfigError, Problem
from nnlab.training.fused import fuse_steps

MODULES = {
    "layer": keras.layers,
    "optimizer": keras.optimizers,
    "initializer": keras.initializers,
    "activation": keras.activations,
    "regularizer": keras.regularizers,
    "constraint": keras.constraints,
    "loss": keras.losses,
    "metric": keras.metrics,
    "schedule": keras.optimizers.schedules,
}


def build(kind: str, spec: Any) -> Any:
    """A Keras object from `name` or `{type: Name, **arguments}`.

    Bare names are handed to Keras as strings where Keras accepts strings
    (activations, losses, metrics, initializers), so Keras picks the variant
    that fits (for example `accuracy` -> sparse categorical accuracy).
    """
    if spec is None or not isinstance(spec, (str, dict)):
        return spec
    name = spec if isinstance(spec, str) else spec["type"]
    entry = keras_names.lookup(kind, name)
    if entry is None:
        raise ValueError(f"unknown {kind} '{name}'")
    module = MODULES[kind]
    if isinstance(spec, str):
        return _bare(kind, module, entry, name)
    target = keras_names.class_for(entry) or entry  # `categorical_crossentropy` with arguments is the class
    args = {key: value for key, value in spec.items() if key != "type"}
    return getattr(module, target.name)(**_arguments(args))


def _bare(kind: str, module: Any, entry: keras_names.Entry, written: str) -> Any:
    """A bare name: handed on as written where Keras resolves it, else the object it names.

    Strings keep Keras's naming of metrics (`mae`) and let compile() pick the
    variant of `accuracy`; a registry alias (`zero`) builds its class; a function
    Keras's registry does not list (`keras.metrics.huber`) is handed over itself.
    """
    if not entry.module:
        return written
    if kind in ("activation", "loss", "metric") and _gettable(module, entry.name):
        return entry.name
    target = keras_names.class_for(entry)
    return getattr(module, target.name)() if target is not None else getattr(module, entry.name)


def _gettable(module: Any, name: str) -> bool:
    try:
        module.get(name)
    except ValueError:  # "Could not interpret ... identifier"
        return False
    return True


def _arguments(args: dict[str, Any]) -> dict[str, Any]:
    built = {}
    for key, value in args.items():
        kind = nested_kind(key)
        if key == "learning_rate" and isinstance(value, dict):
            kind = "schedule"
        built[key] = build(kind, value) if kind else value
    return built


def build_layer(spec: dict[str, Any], defaults: dict[str, Any]) -> keras.layers.Layer:
    """One layer; `defaults` fill the arguments it accepts and does not set itself."""
    entry = keras_names.lookup("layer", spec["type"])
    if entry is None:
        raise ValueError(f"unknown layer '{spec['type']}'")
    params = keras_names.parameters(entry)
    accepted = params.defaults.keys() | set(params.required)
    args = {key: value for key, value in defaults.items() if (params.open or key in accepted) and key not in spec}
    args.update((key, value) for key, value in spec.items() if key != "type")
    return getattr(keras.layers, entry.name)(**_arguments(args))


def build_model(model: ModelSpec, input_shape: tuple[int, ...], name: str, file: str = "") -> keras.Sequential:
    """The Sequential model of a resolved `model` section: the base's kept layers (if any), then `layers`.

    Raises:
        ConfigError: Keras rejected a layer's arguments.
    """
    layers: list[Any] = [keras.Input(shape=input_shape)]
    if model.base:
        layers += base_layers(model.base)
    used = {layer.name for layer in layers[1:]}
    for index, spec in enumerate(model.layers):
        try:
            layer = build_layer(_unique_name(spec, used) if model.base else spec, model.defaults)
        except (TypeError, ValueError, AttributeError) as error:
            raise ConfigError([Problem(f"model.layers.{index}", f"Keras rejected {spec['type']}: {_first_line(error)}", file)]) from None
        used.add(layer.name)
        layers.append(layer)
    try:
        return keras.Sequential(layers, name=name.replace("-", "_").replace(".", "_"))
    except (TypeError, ValueError) as error:
        raise ConfigError([Problem("model.layers", f"the layers do not fit together: {_first_line(error)}", file)]) from None


def base_layers(base: dict[str, Any]) -> list[keras.layers.Layer]:
    """The base model's layers but its top `drop_top`, loaded afresh from its file (which is only read), frozen as asked."""
    file = base.get("path") or str(Path(base["run"]) / "model.keras")
    loaded = keras.models.load_model(file, compile=False)
    kept = loaded.layers[: len(loaded.layers) - base["drop_top"]]
    set_trainable(kept, base.get("freeze", False), trainable=False)
    return kept


def set_trainable(layers: list[keras.layers.Layer], choice: Any, trainable: bool) -> None:
    """Freeze (or unfreeze) `choice` of `layers`: true/all (every one), N, or a list of names.

    N counts from the bottom when freezing (the first N) and from the top when
    unfreezing (the last N: the ones nearest the new output).
    """
    if choice is False or choice is None:
        return
    if choice is True or choice == "all":
        chosen = layers
    elif isinstance(choice, int):
        chosen = layers[:choice] if not trainable else layers[len(layers) - choice :]
    else:
        chosen = [layer for layer in layers if layer.name in set(choice)]
    for layer in chosen:
        layer.trainable = trainable


def _unique_name(spec: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """A layer spec with a name no base layer has (Keras numbers new layers from `dense` again)."""
    if "name" in spec:
        return spec
    stem = re.sub(r"(?<!^)(?=[A-Z])", "_", spec["type"]).lower()
    candidate, number = f"{stem}_top", 1
    while candidate in used:
        candidate, number = f"{stem}_top_{number}", number + 1
    return {**spec, "name": candidate}


def build_compiled(spec: Spec, input_shape: tuple[int, ...], file: str = "", learning_rate: Any = None, **compile_options: Any) -> keras.Model:
    """Model, optimizer, loss and metrics of a resolved spec, compiled.

    `learning_rate`, when given (a per-step schedule), replaces the optimizer's.

    Raises:
        ConfigError: Keras rejected an object of the config.
    """
    model = build_model(spec.model, input_shape, spec.name, file)
    optimizer_spec = spec.optimizer if learning_rate is None else {**spec.optimizer, "learning_rate": learning_rate}
    optimizer = _built(("optimizer",), "optimizer", optimizer_spec, file)
    loss = _built(("loss",), "loss", spec.loss, file)
    metrics = [_built(("metrics", index), "metric", metric, file) for index, metric in enumerate(spec.metrics)]
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, **compile_options)
    fuse_steps(model)
    return model


def _built(path: tuple[Any, ...], kind: str, spec: Any, file: str) -> Any:
    try:
        return build(kind, spec)
    except (TypeError, ValueError, AttributeError) as error:
        raise ConfigError([Problem(".".join(map(str, path)), f"Keras rejected it: {_first_line(error)}", file)]) from None


def metric_directions(model: keras.Model) -> dict[str, str]:
    """Whether each compiled metric is better high (`max`) or low (`min`), as Keras itself decides.

    Keras's own callbacks read the same `_direction` of each metric (MonitorCallback);
    a metric that does not say is left out. Call after training, when the metrics are built.
    """
    directions = {"loss": "min"}
    for metric in model.metrics:
        for inner in getattr(metric, "metrics", [metric]):
            direction = getattr(inner, "_direction", None)
            if direction in ("up", "down"):
                directions[inner.name] = "max" if direction == "up" else "min"
    return directions


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
