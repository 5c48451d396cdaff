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

from nnlab.config import dynamics, schema, transfer
from nnlab.config.checker import Checker
from nnlab.config.spec import ModelSpec, Plan, Spec
from nnlab.data import CLASSIFICATION, Dataset
from nnlab.errors import describe

PROBABILITY_ACTIVATIONS = {"softmax", "sigmoid", "log_softmax"}


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
    """`SparseCategoricalCrossentropy` and `sparse_categorical_crossentropy` -> `sparsecategoricalcrossentropy`."""
    name = loss["type"] if isinstance(loss, dict) else str(loss)
    return {"bce": "binarycrossentropy", "cce": "categoricalcrossentropy", "scce": "sparsecategoricalcrossentropy"}.get(
        name.lower(), name.replace("_", "").lower()
    )


def check(chk: Checker, spec: Spec, dataset: Dataset) -> None:
    """Report an output layer or loss that cannot fit the data."""
    if spec.model.base:
        _check_base(chk, spec, dataset)
    found = output_layer(spec.model)
    if found is None:
        return
    where, layer = found
    units, path = layer["units"], where + (("units",) if where[1] == "layers" else ())
    loss = loss_name(spec.loss)
    if dataset.task == CLASSIFICATION:
        classes = dataset.num_classes
        if units != classes and not (units == 1 and classes == 2):
            hint = f"{classes}" + (" (or 1 with sigmoid)" if classes == 2 else "")
            chk.fail(path, f"the output layer must have one unit per class: {hint} for {dataset.name} (got {units})")
        elif units == 1 and loss in ("sparsecategoricalcrossentropy", "categoricalcrossentropy"):
            chk.fail(("loss",), f"{describe(spec.loss)} needs one output unit per class ({classes}); with 1 unit use binary_crossentropy")
        elif units > 1 and loss == "binarycrossentropy" and classes != units:
            chk.fail(("loss",), f"binary_crossentropy needs 1 output unit (got {units})")
    else:
        if "crossentropy" in loss or "hinge" in loss:
            chk.fail(("loss",), f"{describe(spec.loss)} is a classification loss, but {dataset.name} is a regression task; use mse or mae")
        if units != dataset.num_targets:
            chk.fail(path, f"the output layer must have one unit per target: {dataset.num_targets} for {dataset.name} (got {units})")


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
