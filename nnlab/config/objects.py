"""Checking the config's Keras objects: `adam`, `{type: Dense, units: 10}`, and their arguments.

One rule for every Keras object: a bare name, or a mapping with `type` plus the
constructor's own keyword arguments. Names and argument lists come from
`nnlab.config.keras_names`, which reads the installed Keras, so nothing here lists
Keras's names by hand.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from nnlab.config import keras_names, renames
from nnlab.config.checker import Checker, Path
from nnlab.config.fields import MISSING
from nnlab.errors import describe, did_you_mean

# Arguments that hold another Keras object, by Keras's naming convention.
NESTED_SUFFIXES = {
    "_initializer": "initializer",
    "_regularizer": "regularizer",
    "_constraint": "constraint",
}
NESTED_NAMES = {"activation": "activation", "recurrent_activation": "activation"}
# Keras rejects these when it builds the object; checking them here lets
# `nnlab validate` (which does not import Keras) catch them too.
POSITIVE = {"units", "filters", "learning_rate", "initial_learning_rate", "decay_steps"}
# Arguments Keras requires in a constructor's body rather than in its signature: one of them must be given.
ONE_OF = {"CategoryEncoding": ("num_tokens",), "Discretization": ("num_bins", "bin_boundaries")}
# Layers that run code from outside the config, refused unless the user opts in (`--allow-external-code`):
# a config file should be safe to train, whoever wrote it.
EXTERNAL_CODE = {
    "Lambda": "runs a Python function",
    "TFSMLayer": "loads a TensorFlow SavedModel and runs its operations, which can read and write files and run programs",
}


def nested_kind(argument: str) -> str | None:
    """The kind of Keras object an argument holds (`kernel_initializer` -> initializer)."""
    if argument in NESTED_NAMES:
        return NESTED_NAMES[argument]
    for suffix, kind in NESTED_SUFFIXES.items():
        if argument.endswith(suffix):
            return kind
    return None


def check_object(chk: Checker, path: Path, value: Any, kind: str) -> Any:
    """Check one Keras object spec; returns it with its name canonical, or None if wrong.

    Bare names stay bare (`he_normal`); a mapping becomes the class it builds
    (`{type: categorical_crossentropy, from_logits: true}` ->
    `{type: CategoricalCrossentropy, from_logits: true}`), with YAML ints turned
    into floats where Keras's default is a float. A mapping of a function
    without arguments is its bare name (`{type: relu}` -> `relu`).
    """
    if value is None and kind in ("activation", "regularizer", "constraint"):
        return None
    if isinstance(value, str):
        entry = _entry(chk, path, value, kind)
        if entry is not None:
            _bare_name_needs_no_arguments(chk, path, entry)
        return entry.name if entry else None
    if not isinstance(value, dict):
        chk.fail(path, f"expected a {kind} name or a mapping with 'type' (got {describe(value)})")
        return None
    if "type" not in value:
        chk.fail(path, f"a {kind} given as a mapping needs a 'type' key (got keys {sorted(value)})")
        return None
    if not isinstance(value["type"], str):
        chk.fail(path + ("type",), f"expected a {kind} name (got {describe(value['type'])})")
        return None
    entry = _entry(chk, path + ("type",), value["type"], kind)
    if entry is None:
        return None
    args = {key: val for key, val in value.items() if key != "type"}
    built = keras_names.class_for(entry)
    if built is not None:
        return {"type": built.name, **check_arguments(chk, path, built, args)}
    if args:
        chk.fail(path + ("type",), _takes_no_arguments(entry))
        return None
    return entry.name


def _bare_name_needs_no_arguments(chk: Checker, path: Path, entry: keras_names.Entry) -> None:
    """A class named bare is built without arguments: one that requires some (`MeanIoU`) must be a mapping."""
    built = keras_names.class_for(entry) if entry.is_class else None
    if built is None:
        return
    required = keras_names.parameters(built).required
    if required:
        chk.fail(path, f"{built.name} needs the argument(s) {', '.join(required)}: write {{type: {built.name}, {required[0]}: ...}}")


def _takes_no_arguments(entry: keras_names.Entry) -> str:
    """Why `{type: relu, max_value: 6}` cannot be built, and what can."""
    if entry.kind == "activation":
        layer = keras_names.lookup("layer", entry.attr)
        instead = f"a layer after this one, e.g. {{type: {layer.name}, ...}}" if layer is not None else "a layer after this one"
        return f"the activation {entry.name} is a function and takes no arguments here; for arguments use {instead}"
    if not entry.module:
        return f"{entry.name} takes no arguments (Keras picks the variant that fits the labels); for arguments name a Keras class instead"
    return f"{entry.name} is a function and takes no arguments here, and Keras has no {entry.kind} class of that name that would"


def check_arguments(chk: Checker, path: Path, entry: keras_names.Entry, args: dict, *, defaults_from: dict | None = None) -> dict:
    """Check keyword arguments against the constructor of `entry`; returns them cleaned."""
    params = keras_names.parameters(entry)
    accepted = params.defaults.keys() | set(params.required)
    cleaned: dict[str, Any] = {}
    misspelled: set[str] = set()  # required names an unknown key was probably meant to be: one line, not two
    for key, val in args.items():
        where = path + (key,)
        if not isinstance(key, str):
            chk.fail(where, f"argument names must be strings (got {describe(key)})")
            continue
        advice = renames.argument(entry.kind, entry.name, key, val, args, params.defaults)
        if advice:  # a Keras 2 habit: Keras 3 renamed it, dropped it, or would ignore it
            chk.fail(where, advice)
            continue
        if not params.open and key not in accepted:
            chk.fail(where, f"unknown argument '{key}' for {entry.name}" + did_you_mean(key, accepted - renames.ignored(entry.kind)))
            misspelled.update(difflib.get_close_matches(key, params.required, n=1, cutoff=0.6))
            continue
        cleaned[key] = check_value(chk, where, key, val, params.defaults.get(key, keras_names.UNKNOWN))
    missing = [
        name
        for name in params.required
        if name not in cleaned and name not in args and name not in misspelled and not (defaults_from and name in defaults_from)
    ]
    if missing and entry.is_class:
        chk.fail(path, f"{entry.name} needs the argument(s) {', '.join(missing)}")
    one_of = ONE_OF.get(entry.name, ())
    if one_of and not any(name in args or (defaults_from and name in defaults_from) for name in one_of):
        chk.fail(path, f"{entry.name} needs the argument {' or '.join(one_of)}")
    return cleaned


def check_value(chk: Checker, path: Path, key: str, value: Any, default: Any) -> Any:
    """Check one argument's value using its name and Keras's default for it."""
    kind = nested_kind(key)
    if kind is not None and (isinstance(value, (str, dict)) or value is None):
        return check_object(chk, path, value, kind)
    if key == "learning_rate" and isinstance(value, dict):
        return check_object(chk, path, value, "schedule")
    if isinstance(default, bool):
        if not isinstance(value, bool):
            chk.fail(path, f"expected true or false (got {describe(value)})")
        return value
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if key in POSITIVE and (not is_number or value <= 0):
        chk.fail(path, f"expected a positive number (got {describe(value)})")
        return value
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # Keras checks `isinstance(momentum, float)`; YAML reads `0` as int.
    if isinstance(default, float) and not isinstance(value, float):  # null too: Keras computes with it
        chk.fail(path, f"expected a number (got {'null' if value is None else describe(value)})")
    return value


def _entry(chk: Checker, path: Path, name: str, kind: str) -> keras_names.Entry | None:
    entry = keras_names.lookup(kind, name)
    if entry is None:
        chk.fail(path, f"unknown {kind} '{name}'" + did_you_mean(name, _spellings(name, kind)))
    return entry


def _spellings(name: str, kind: str) -> set[str]:
    """Valid names in the user's style: `adam` for someone who wrote `adamm`."""
    public = keras_names.names(kind)
    if name.islower():
        return {n if n.islower() else n.lower() for n in public}
    return set(public)


def optimizer(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
    """`adam` or `{type: SGD, learning_rate: 0.1, ...}`, always resolved to the mapping form."""
    spec = {"type": value} if isinstance(value, str) else value
    return check_object(chk, path, spec, "optimizer")


def loss(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
    """A Keras loss, or `auto` (resolved against the data by `nnlab.config.output`)."""
    return value if value == "auto" else check_object(chk, path, value, "loss")


def metrics(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
    """A list of Keras metrics, or `auto`."""
    if value == "auto":
        return value
    if not isinstance(value, list):
        chk.fail(path, f"expected a list of metrics or auto (got {describe(value)})")
        return []
    return [check_object(chk, path + (i,), metric, "metric") for i, metric in enumerate(value)]


def layer_defaults(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments given to every layer that accepts them: `{activation: relu, kernel_initializer: he_normal}`."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        chk.fail(path, f"expected a mapping of layer arguments (got {describe(value)})")
        return {}
    return {key: check_value(chk, path + (key,), key, item, keras_names.UNKNOWN) for key, item in value.items()}


def layers(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> list[Any]:
    """The layers of a Sequential model, each a name or `{type: Dense, units: 10, ...}`."""
    if done.get("base") and value in (MISSING, None, []):  # the base model alone, trained further
        return []
    if value is MISSING:
        chk.fail(path, "missing; expected model: {layers: [...]}")
        return []
    if not isinstance(value, list) or not value:
        chk.fail(path, f"expected a non-empty list of layers (got {describe(value)})")
        return []
    defaults = done.get("defaults") or {}
    return [_layer(chk, path + (i,), layer, defaults) for i, layer in enumerate(value)]


def _layer(chk: Checker, path: Path, value: Any, defaults: dict[str, Any]) -> dict[str, Any] | None:
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict) or "type" not in value:
        chk.fail(path, f"expected a layer name or a mapping with 'type' (got {describe(value)})")
        return None
    entry = keras_names.lookup("layer", value["type"]) if isinstance(value["type"], str) else None
    if entry is None:
        return check_object(chk, path, value, "layer")  # reports the unknown name
    if entry.name in EXTERNAL_CODE and not chk.allow_external_code:
        chk.fail(
            path + ("type",),
            f"{entry.name} {EXTERNAL_CODE[entry.name]}, so a config that names it is not safe to train unless you trust where it came from; "
            "nnlab refuses it without --allow-external-code",
        )
        return None
    args = {key: val for key, val in value.items() if key != "type"}
    cleaned = check_arguments(chk, path, entry, args, defaults_from=defaults)
    _dropout_rate(chk, path, entry.name, cleaned)
    return {"type": entry.name, **cleaned}


def _dropout_rate(chk: Checker, path: Path, name: str, args: dict[str, Any]) -> None:
    """Keras refuses a dropout rate outside [0, 1] when it builds the layer; 1 would drop every input."""
    rate = args.get("rate")
    if name.endswith("Dropout") and isinstance(rate, (int, float)) and not isinstance(rate, bool) and not 0 <= rate < 1:
        chk.fail(path + ("rate",), f"expected the fraction of inputs to drop, 0 <= rate < 1 (got {rate})")


EARLY_STOPPING_DEFAULTS = {"monitor": "val_loss", "patience": 3, "restore_best_weights": True}


def early_stopping(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any] | None:
    """Keras EarlyStopping arguments, or `true` for the usual ones (val_loss, patience 3, best weights)."""
    if value is None or value is False:
        return None
    if value is True:
        value = {}
    if not isinstance(value, dict):
        chk.fail(path, f"expected true, false or a mapping of EarlyStopping arguments (got {describe(value)})")
        return None
    entry = keras_names.lookup("callback", "EarlyStopping")
    args = {**EARLY_STOPPING_DEFAULTS, **value}
    return check_arguments(chk, path, entry, args) if entry else args
