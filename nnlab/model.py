"""Keras objects from their config specs: layers, the Sequential model, optimizer, loss, metrics.

Every name resolves through Keras's own namespaces (`keras.layers.Dense`,
`keras.initializers.get("he_normal")`), so whatever Keras has, a config can use.
Errors Keras raises while constructing are reported against the config key.
"""

from __future__ import annotations

from typing import Any

from nnlab import backend  # noqa: F401  (before keras)

import keras

from nnlab import keras_catalog
from nnlab.config.objects import nested_kind
from nnlab.errors import ConfigError, Problem

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
    entry = keras_catalog.lookup(kind, name)
    if isinstance(spec, str) and kind in ("activation", "loss", "metric"):
        return entry.name if entry and entry.module else name
    args = {} if isinstance(spec, str) else {key: value for key, value in spec.items() if key != "type"}
    return getattr(MODULES[kind], entry.name)(**_arguments(args))


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
    entry = keras_catalog.lookup("layer", spec["type"])
    params = keras_catalog.parameters(entry)
    accepted = params.defaults.keys() | set(params.required)
    args = {key: value for key, value in defaults.items() if key in accepted and key not in spec}
    args.update((key, value) for key, value in spec.items() if key != "type")
    return getattr(keras.layers, entry.name)(**_arguments(args))


def build_model(model: dict[str, Any], input_shape: tuple[int, ...], name: str, file: str = "") -> keras.Sequential:
    """The Sequential model of a resolved `model` section, with its input from the data.

    Raises:
        ConfigError: Keras rejected a layer's arguments.
    """
    layers: list[Any] = [keras.Input(shape=input_shape)]
    for index, spec in enumerate(model["layers"]):
        try:
            layers.append(build_layer(spec, model["defaults"]))
        except (TypeError, ValueError) as error:
            raise ConfigError([Problem(f"model.layers.{index}", f"Keras rejected {spec['type']}: {error}", file)]) from None
    try:
        return keras.Sequential(layers, name=name.replace("-", "_").replace(".", "_"))
    except (TypeError, ValueError) as error:
        raise ConfigError([Problem("model.layers", f"the layers do not fit together: {_first_line(error)}", file)]) from None


def build_compiled(config: dict[str, Any], input_shape: tuple[int, ...], file: str = "") -> keras.Model:
    """Model, optimizer, loss and metrics of a resolved config, compiled.

    Raises:
        ConfigError: Keras rejected an object of the config.
    """
    model = build_model(config["model"], input_shape, config["name"], file)
    compiled = {}
    for key, kind, spec in (("optimizer", "optimizer", config["optimizer"]), ("loss", "loss", config["loss"])):
        try:
            compiled[key] = build(kind, spec)
        except (TypeError, ValueError) as error:
            raise ConfigError([Problem(key, f"Keras rejected it: {_first_line(error)}", file)]) from None
    metrics = []
    for index, spec in enumerate(config["metrics"]):
        try:
            metrics.append(build("metric", spec))
        except (TypeError, ValueError) as error:
            raise ConfigError([Problem(f"metrics.{index}", f"Keras rejected it: {_first_line(error)}", file)]) from None
    model.compile(optimizer=compiled["optimizer"], loss=compiled["loss"], metrics=metrics)
    return model


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
