"""Checks that need the data: does the output layer fit the task, and which loss fits both.

`loss: auto` follows what a Keras user would pick by hand: sparse categorical
cross-entropy for integer class labels, binary cross-entropy for one sigmoid
unit, mean squared error for regression; `from_logits` when the output layer
has no activation.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from nnlab.config import dynamics, keras_names, schema, transfer
from nnlab.config.checker import Checker
from nnlab.config.spec import ModelSpec, Plan, Spec
from nnlab.data import CLASSIFICATION, Dataset
from nnlab.errors import describe

PROBABILITY_ACTIVATIONS = {"softmax", "sigmoid"}  # log_softmax gives log-probabilities: logits to a cross-entropy


def stacked_layers(model: ModelSpec) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """Every layer of the model with the config path that names it: the base's kept layers, then `model.layers`."""
    stacked: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    if model.base:
        base = transfer.read_base(Path(model.base.get("path") or Path(model.base["run"]) / "model.keras"))
        stacked += [(("model", "base"), {"type": layer["class_name"], **layer["config"]}) for layer in base.kept(model.base["drop_top"])]
    return stacked + [(("model", "layers", index), layer) for index, layer in enumerate(model.layers) if layer]


def output_layer(model: ModelSpec) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    """The path and spec of the last layer with `units`: the one that shapes the output."""
    for path, layer in reversed(stacked_layers(model)):
        if "units" in layer:
            return path, layer
    return None


def output_activation(model: ModelSpec) -> str | None:
    """The activation applied last: a trailing Activation layer's, else the output layer's own."""
    layers = stacked_layers(model)
    last = next((i for i in range(len(layers) - 1, -1, -1) if "units" in layers[i][1]), None)
    if last is None:
        return None
    layer = layers[last][1]
    activation = layer.get("activation", model.defaults.get("activation"))
    for _, later in layers[last + 1 :]:
        if later["type"] in ("Activation", "Softmax"):
            activation = later.get("activation", "softmax")
    if isinstance(activation, dict):
        activation = activation.get("type") or activation.get("class_name")
    return None if activation in (None, "linear") else str(activation).lower()


def loss_name(loss: Any) -> str:
    """`SparseCategoricalCrossentropy`, `sparse_categorical_crossentropy` and `scce` -> `sparsecategoricalcrossentropy`."""
    name = loss["type"] if isinstance(loss, dict) else str(loss)
    entry = keras_names.lookup("loss", name) if keras_names.checked() else None
    return keras_names.normalize(entry.attr if entry is not None and entry.module else name)


# Loss families, by `loss_name`: what each expects from the output layer and the labels.
CATEGORICAL = {
    "sparsecategoricalcrossentropy",
    "categoricalcrossentropy",
    "categoricalfocalcrossentropy",
    "categoricalhinge",
    "categoricalgeneralizedcrossentropy",
}
BINARY = {"binarycrossentropy", "binaryfocalcrossentropy", "hinge", "squaredhinge"}
REGRESSION_LOSSES = {"meansquarederror", "meanabsoluteerror", "meanabsolutepercentageerror", "meansquaredlogarithmicerror", "huber", "logcosh"}


def check(chk: Checker, spec: Spec, dataset: Dataset) -> None:
    """Report an output layer, loss or labels that cannot work together: the one place this is decided.

    For classes: the output has one unit per class (softmax, or logits) and a
    categorical loss, or one unit (sigmoid, or a logit) and a binary loss for
    two classes; a regression loss on class labels is refused unless the labels
    are one-hot vectors by choice (the `one_hot` step). For regression: one unit
    per target and a regression loss. `from_logits` must match the activation.
    """
    if spec.model.base:
        _check_base(chk, spec, dataset)
    found = output_layer(spec.model)
    if found is None:
        return
    where, layer = found
    units, path = layer["units"], where + (("units",) if where[1] == "layers" else ())
    if dataset.task != CLASSIFICATION:
        _check_regression(chk, spec, dataset, path, units)
        return
    classes = dataset.num_classes or 0
    if units != classes and not (units == 1 and classes == 2):
        hint = f"{classes}" + (" (or 1 with sigmoid)" if classes == 2 else "")
        chk.fail(path, f"the output layer must have one unit per class: {hint} for {dataset.name} (got {units})")
        return
    activation = output_activation(spec.model)
    if activation == "softmax" and units == 1:
        chk.fail(_activation_path(spec, where), "softmax over one unit always outputs 1: use sigmoid with one unit, or softmax with 2 units")
        return
    if spec.loss != "auto":
        _check_classification_loss(chk, spec, dataset, units, classes)
        _check_logits(chk, spec, activation)


def _check_classification_loss(chk: Checker, spec: Spec, dataset: Dataset, units: int, classes: int) -> None:
    loss, shown = loss_name(spec.loss), describe(spec.loss)
    if loss in REGRESSION_LOSSES and not dataset.one_hot:
        chk.fail(
            ("loss",),
            f"{shown} is a regression loss, but {dataset.name} has class labels; use "
            + ("binary_crossentropy" if units == 1 else "sparse_categorical_crossentropy")
            + " (or loss: auto); to compare with one-hot vectors add the one_hot step to data.preprocessing; "
            "to predict numbers use a csv or npz dataset with task: regression",
        )
    elif units == 1 and loss in CATEGORICAL:
        chk.fail(("loss",), f"{shown} needs one output unit per class ({classes}); with 1 unit use binary_crossentropy")
    elif units > 1 and loss in BINARY:
        chk.fail(
            ("loss",),
            f"{shown} scores each of the {units} outputs as its own yes-or-no answer, but each example has one of {classes} classes: "
            "use sparse_categorical_crossentropy (or loss: auto)" + ("; or one sigmoid unit for two classes" if classes == 2 else ""),
        )
    elif dataset.one_hot and loss.startswith("sparse"):
        chk.fail(("loss",), f"{shown} takes class numbers, but the one_hot step makes one-hot vectors: use categorical_crossentropy (or loss: auto)")


def _check_logits(chk: Checker, spec: Spec, activation: str | None) -> None:
    """Cross-entropy must know whether the output is probabilities or logits (`from_logits`)."""
    loss = loss_name(spec.loss)
    if "crossentropy" not in loss:
        return
    from_logits = isinstance(spec.loss, dict) and spec.loss.get("from_logits") is True
    shown = describe(spec.loss)
    if from_logits and activation in PROBABILITY_ACTIVATIONS:
        chk.fail(("loss", "from_logits"), f"the output layer's {activation} already gives probabilities: remove from_logits (or the activation)")
    elif not from_logits and activation is None:
        chk.fail(
            ("loss",),
            f"the output layer has no activation, so it gives logits, but {shown} expects probabilities: "
            "set from_logits: true in the loss, add an activation to the output layer, or use loss: auto",
        )
    elif not from_logits and activation not in PROBABILITY_ACTIVATIONS:
        chk.fail(("loss",), f"{shown} expects probabilities, but the output layer's {activation} does not give them: use softmax (sigmoid for one unit)")


def _check_regression(chk: Checker, spec: Spec, dataset: Dataset, path: tuple[Any, ...], units: int) -> None:
    loss = loss_name(spec.loss)
    if "crossentropy" in loss or "hinge" in loss:
        chk.fail(("loss",), f"{describe(spec.loss)} is a classification loss, but {dataset.name} is a regression task; use mse or mae")
    if units != dataset.num_targets:
        chk.fail(path, f"the output layer must have one unit per target: {dataset.num_targets} for {dataset.name} (got {units})")


def _activation_path(spec: Spec, where: tuple[Any, ...]) -> tuple[Any, ...]:
    """Where the output activation is written: the output layer's key, or the defaults'."""
    if where[1] == "layers" and "activation" in spec.model.layers[where[2]]:
        return (*where, "activation")
    return ("model", "defaults", "activation") if "activation" in spec.model.defaults else where


def resolve_loss(spec: Spec, dataset: Dataset) -> Any:
    """The concrete loss for `loss: auto`; any other loss is returned as it is."""
    if spec.loss != "auto":
        return spec.loss
    if dataset.task != CLASSIFICATION:
        return "mean_squared_error"
    found = output_layer(spec.model)
    binary = found is not None and found[1]["units"] == 1
    if dataset.one_hot and not binary:  # the `one_hot` preprocessing step asks for categorical labels
        logits = output_activation(spec.model) not in PROBABILITY_ACTIVATIONS
        return {"type": "CategoricalCrossentropy", "from_logits": True} if logits else "categorical_crossentropy"
    name = "BinaryCrossentropy" if binary else "SparseCategoricalCrossentropy"
    logits = output_activation(spec.model) not in PROBABILITY_ACTIVATIONS
    if logits:
        return {"type": name, "from_logits": True}
    return "binary_crossentropy" if binary else "sparse_categorical_crossentropy"


def resolve_metrics(spec: Spec, dataset: Dataset) -> list[Any]:
    if spec.metrics != "auto":
        return list(spec.metrics)
    return ["accuracy"] if dataset.task == CLASSIFICATION else ["mae"]


def needs_one_hot(spec: Spec, dataset: Dataset) -> bool:
    """True when labels must be one-hot: a non-sparse loss over several output units."""
    found = output_layer(spec.model)
    if dataset.task != CLASSIFICATION or found is None or found[1]["units"] == 1:
        return False
    if dataset.one_hot:
        return True
    return not loss_name(spec.loss).startswith("sparse")


def plan(spec: Spec, dataset: Dataset) -> Plan:
    """The decisions made once from a spec whose loss is resolved, and its data."""
    steps = math.ceil(len(dataset.x_train) / spec.training.batch_size)
    backend = schema.resolve_backend(spec.backend, spec.device)
    return Plan(
        task=dataset.task,
        num_classes=dataset.num_classes,
        one_hot=needs_one_hot(spec, dataset),
        steps_per_epoch=steps,
        steps_per_execution=schema.steps_per_execution(spec.training.steps_per_execution, spec.training.batch_size, steps, backend, spec.device),
        validation=dataset.x_val is not None,
        backend=backend,
    )


def check_monitors(chk: Checker, spec: Spec) -> None:
    """Every metric a callback monitors must be one the run records (`val_` ones need validation data)."""
    recorded = dynamics.monitors(spec.metrics, spec.plan.validation)
    watched = [
        (("training", "early_stopping", "monitor"), (spec.training.early_stopping or {}).get("monitor")),
        (("training", "model_checkpoint", "monitor"), (spec.training.model_checkpoint or {}).get("monitor")),
        (("schedule", "monitor"), (spec.schedule or {}).get("monitor", "val_loss") if (spec.schedule or {}).get("type") == dynamics.PLATEAU else None),
    ]
    for path, monitor in watched:
        if monitor is not None and monitor not in recorded:
            hint = " (the data has no validation split)" if str(monitor).startswith("val_") and not spec.plan.validation else ""
            chk.fail(path, f"the run does not record {monitor!r}{hint}; expected one of: {', '.join(recorded)}")


def check_backend(chk: Checker, spec: Spec) -> None:
    """What only TensorFlow can do is refused, with the reason, when the backend is JAX."""
    if spec.plan.backend != "jax":
        return
    for key in sorted(set(spec.training.tensorboard) - dynamics.TENSORBOARD_OWN):
        chk.fail(("training", "tensorboard", key), f"needs TensorFlow's summaries: set backend: tensorflow (this run would use {spec.plan.backend})")


def _check_base(chk: Checker, spec: Spec, dataset: Dataset) -> None:
    """The base model must take the data's input shape; `unfreeze` must name layers it keeps."""
    base_config = spec.model.base or {}
    base = transfer.read_base(Path(base_config.get("path") or Path(base_config["run"]) / "model.keras"))
    if base.input_shape != dataset.input_shape:
        chk.fail(
            ("model", "base"),
            f"the base model takes inputs of shape {base.input_shape}, but {dataset.name} gives {dataset.input_shape} (check data.preprocessing)",
        )
    transfer.check_unfreeze(chk, spec.training.phases, base.names(base_config["drop_top"]))
