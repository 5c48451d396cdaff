"""One rule: every name `validate` accepts is a name `train` can build.

Each name of each kind in the catalogue, written bare and as a mapping, is
checked as a config would be; whatever the check accepts is built by Keras,
with default arguments (a name that needs arguments must be refused bare).
"""

from typing import Any

import pytest

from nnlab.config import keras_names, objects
from nnlab.config.checker import Checker
from nnlab.config.source import parse

KINDS = ["layer", "optimizer", "initializer", "activation", "regularizer", "constraint", "loss", "metric", "schedule"]


def accepted(kind: str, written: Any) -> Any:
    """What the config check makes of `written` as a `kind`, or None when it refuses it."""
    chk = Checker(parse("{}\n"))
    if kind == "layer":
        value = objects.layers(chk, ("model", "layers"), [written], {})[0]
    elif kind == "optimizer":
        value = objects.optimizer(chk, ("optimizer",), written, {})
    elif kind == "schedule":
        value = objects.check_value(chk, ("optimizer", "learning_rate"), "learning_rate", written, keras_names.UNKNOWN)
    else:
        value = objects.check_object(chk, ("key",), written, kind)
    return None if chk.problems else value


def build(kind: str, value: Any) -> Any:
    """The Keras object `train` builds; bare loss, metric and activation names resolved as compile() and layers do."""
    import keras

    from nnlab.training.build import build as build_object
    from nnlab.training.build import build_layer

    if kind == "layer":
        return build_layer(value, {})
    built = build_object(kind, value)
    if isinstance(built, str):
        entry = keras_names.lookup(kind, built)
        if entry is not None and not entry.module:  # accuracy, acc, ce: compile() picks the variant from the labels
            return built
        return {"loss": keras.losses, "metric": keras.metrics, "activation": keras.activations}[kind].get(built)
    return built


@pytest.mark.train
@pytest.mark.parametrize("kind", KINDS)
def test_every_name_validate_accepts_is_one_train_can_build(kind):
    failures, built = {}, 0
    for name in keras_names.names(kind):
        for written in (name, {"type": name}):
            value = accepted(kind, written)
            if value is None:
                continue
            try:
                assert build(kind, value) is not None
                built += 1
            except Exception as error:  # noqa: BLE001  every failure is collected and shown
                failures[f"{written!r} -> {value!r}"] = f"{type(error).__name__}: {str(error)[:100]}"
    assert failures == {}, "\n".join(f"{k}: {v}" for k, v in failures.items())
    assert built > 0 or kind == "schedule"  # every schedule needs arguments
