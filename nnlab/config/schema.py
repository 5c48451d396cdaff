"""The experiment config: its keys, their defaults and their checks.

A config is resolved in a fixed order, as Ludwig does: expand shorthands
(`optimizer: adam` -> `{type: Adam}`), check names, fill defaults, check each
value; every problem is collected so the user sees all of them at once.
"""

from __future__ import annotations

import re
from typing import Any

from nnlab import data as data_catalog
from nnlab import keras_catalog
from nnlab.config.checker import Checker, Path
from nnlab.config.objects import check_arguments, check_object, check_value
from nnlab.errors import describe, did_you_mean

# Every key a config may have, with the one-line help that the README repeats.
TOP_KEYS = {
    "name": "Run name; run folders are called <timestamp>_<name>. Default: the file's name.",
    "seed": "Seed for every random choice: weights, shuffling, splits, generated data. Default: 0.",
    "data": "The dataset, its splits and preprocessing.",
    "model": "The layers of a Sequential model; the input shape comes from the data.",
    "optimizer": "A Keras optimizer: a name (adam) or {type: SGD, learning_rate: 0.1, ...}. Default: adam.",
    "loss": "A Keras loss, or auto (chosen from the data and the output layer). Default: auto.",
    "metrics": "Keras metrics, or auto (accuracy for classification, mae for regression). Default: auto.",
    "training": "Epochs, batch size and early stopping.",
    "device": "auto | cpu | gpu | gpu:N | {gpus: [0, 1]} | {cpus: N} (N logical CPU devices). Default: auto.",
}
DATA_KEYS = {
    "dataset": "A dataset name (digits, fashion_mnist) or {type: moons, n_samples: 500, noise: 0.2}; `nnlab data list` shows them all.",
    "path": "Where the data is: the file or folder of a csv, npz or idx dataset, or a folder looked in first for a downloadable one. Relative to the working directory.",
    "test_split": "Fraction held out for testing when the dataset has no test split. Default: 0.2.",
    "validation_split": "Fraction of the training split held out for validation (0 for none). Default: 0.2, or 0 with validation_size.",
    "validation_size": "Hold out the first N training examples for validation instead (the notebooks' X_train_full[:5000]).",
    "stratify": "Keep the class proportions in the test and validation splits. Default: false.",
    "classes": "Keep only these classes (numbers or names), renumbered 0..k-1 in the order listed.",
    "relabel": "New labels for classes: {Sandal: 0, Shirt: 1}; several classes may share one.",
    "subset": "Train on N examples: 200 (a seeded sample) or {size: 200, shuffle: false} (the first 200).",
    "preprocessing": "Ordered steps fitted on the training split: standardize, scale, minmax, flatten, reshape, one_hot.",
}
MODEL_KEYS = {
    "layers": "Keras layers in order: a name (Flatten) or {type: Dense, units: 10, ...}.",
    "defaults": "Arguments given to every layer that accepts them unless it sets its own.",
}
TRAINING_KEYS = {
    "epochs": "Passes over the training data. Default: 10.",
    "batch_size": "Examples per gradient step. Default: 32.",
    "shuffle": "Reshuffle the training data every epoch (seeded). Default: true.",
    "early_stopping": "Keras EarlyStopping arguments, or true for {monitor: val_loss, patience: 3, restore_best_weights: true}.",
}
EARLY_STOPPING_DEFAULTS = {"monitor": "val_loss", "patience": 3, "restore_best_weights": True}
DEFAULTS = {"seed": 0, "optimizer": "adam", "loss": "auto", "metrics": "auto", "device": "auto"}
TRAINING_DEFAULTS = {"epochs": 10, "batch_size": 32, "shuffle": True, "early_stopping": None}
DATA_DEFAULTS = {
    "path": None,
    "test_split": 0.2,
    "validation_split": 0.2,
    "validation_size": None,
    "stratify": False,
    "classes": None,
    "relabel": None,
    "subset": None,
    "preprocessing": [],
}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DEVICE_PATTERN = re.compile(r"^(auto|cpu|gpu|gpu:\d+)$")


def resolve(chk: Checker) -> dict[str, Any]:
    """Check a raw config and return it with every default filled and names canonical.

    Problems go to `chk`; the returned config is complete only if there are none.
    """
    source = chk.source
    raw = chk.mapping((), source.data, TOP_KEYS)
    config: dict[str, Any] = {}
    config["name"] = _name(chk, raw.get("name", _stem(source.file)))
    config["seed"] = chk.integer(("seed",), raw.get("seed", DEFAULTS["seed"]), minimum=0)
    config["data"] = _data(chk, raw)
    config["model"] = _model(chk, raw)
    config["optimizer"] = _optimizer(chk, raw.get("optimizer", DEFAULTS["optimizer"]))
    config["loss"] = _loss(chk, raw.get("loss", DEFAULTS["loss"]))
    config["metrics"] = _metrics(chk, raw.get("metrics", DEFAULTS["metrics"]))
    config["training"] = _training(chk, raw.get("training"))
    config["device"] = _device(chk, raw.get("device", DEFAULTS["device"]))
    return config


def _stem(file: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", file.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-.")
    return stem or "run"


def _name(chk: Checker, value: Any) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        chk.fail(("name",), f"expected letters, digits, '.', '_' or '-' (it names the run folder) (got {describe(value)})")
    return value


def _data(chk: Checker, raw: dict) -> dict[str, Any]:
    if "data" not in raw:
        chk.fail(("data",), "missing; every experiment needs a dataset, e.g. data: {dataset: digits}")
        return {}
    section = chk.mapping(("data",), raw["data"], DATA_KEYS)
    data = {"dataset": _dataset(chk, ("data", "dataset"), section.get("dataset")), **DATA_DEFAULTS}
    data.update((key, value) for key, value in section.items() if key != "dataset")
    if data["path"] is not None and not isinstance(data["path"], str):
        chk.fail(("data", "path"), f"expected a file or folder name (got {describe(data['path'])})")
    data["test_split"] = chk.fraction(("data", "test_split"), data["test_split"], allow_zero=False)
    _validation(chk, data, "validation_split" in section)
    data["stratify"] = chk.boolean(("data", "stratify"), data["stratify"])
    _classes(chk, data)
    data["subset"] = _subset(chk, ("data", "subset"), data["subset"])
    data["preprocessing"] = _preprocessing(chk, ("data", "preprocessing"), data["preprocessing"])
    return data


def _validation(chk: Checker, data: dict[str, Any], split_given: bool) -> None:
    """validation_split or validation_size: a size replaces the default fraction, but not one the user set."""
    data["validation_split"] = chk.fraction(("data", "validation_split"), data["validation_split"], allow_zero=True)
    if data["validation_size"] is None:
        return
    data["validation_size"] = chk.integer(("data", "validation_size"), data["validation_size"], minimum=1)
    if split_given and data["validation_split"] not in (0, 0.0):
        chk.fail(("data", "validation_size"), f"set either validation_split or validation_size, not both (got validation_split={data['validation_split']!r})")
    elif not split_given:
        data["validation_split"] = 0.0


def _classes(chk: Checker, data: dict[str, Any]) -> None:
    """`classes` is a list of class numbers or names; `relabel` maps classes to new integer labels."""
    classes, relabel = data["classes"], data["relabel"]
    if classes is not None:
        entries_ok = isinstance(classes, list) and classes and all(_class_id(c) for c in classes)
        if not entries_ok:
            chk.fail(("data", "classes"), f"expected a non-empty list of class numbers or names (got {describe(classes)})")
        elif len(set(classes)) != len(classes):
            chk.fail(("data", "classes"), f"lists a class twice (got {describe(classes)})")
    if relabel is not None:
        pairs_ok = isinstance(relabel, dict) and relabel and all(_class_id(k) for k in relabel)
        if not pairs_ok or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in relabel.values()):
            chk.fail(("data", "relabel"), f"expected a mapping from class (number or name) to a new label 0, 1, ... (got {describe(relabel)})")


def _class_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _subset(chk: Checker, path: Path, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        section = chk.mapping(path, value, {"size": "examples to keep", "shuffle": "a seeded sample (true) or the first ones (false)"})
        size = chk.integer(path + ("size",), section.get("size"), minimum=1)
        shuffle = chk.boolean(path + ("shuffle",), section.get("shuffle", True))
        return {"size": size, "shuffle": shuffle}
    return chk.integer(path, value, minimum=1)


def _dataset(chk: Checker, path: Path, value: Any) -> dict[str, Any] | None:
    if value is None:
        chk.fail(path, f"missing; expected one of: {', '.join(sorted(data_catalog.REGISTRY))}")
        return None
    spec = {"type": value} if isinstance(value, str) else value
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        chk.fail(path, f"expected a dataset name or a mapping with 'type' (got {describe(value)})")
        return None
    name = spec["type"]
    if name not in data_catalog.REGISTRY:
        chk.fail(path if isinstance(value, str) else path + ("type",), f"unknown dataset '{name}'" + did_you_mean(name, data_catalog.REGISTRY))
        return None
    accepted = data_catalog.dataset_arguments(name)
    for key in spec:
        if key != "type" and key not in accepted:
            chk.fail(path + (key,), f"unknown argument '{key}' for dataset {name}" + did_you_mean(str(key), accepted))
    return dict(spec)


def _preprocessing(chk: Checker, path: Path, value: Any) -> list:
    if not isinstance(value, list):
        chk.fail(path, f"expected a list of steps such as [standardize] (got {describe(value)})")
        return []
    steps = []
    for index, step in enumerate(value):
        name = step if isinstance(step, str) else step.get("type") if isinstance(step, dict) else None
        where = path + (index,)
        if name not in data_catalog.preprocessing.STEPS:
            got = describe(name if name is not None else step)
            chk.fail(where, f"unknown preprocessing step {got}" + did_you_mean(str(name), data_catalog.preprocessing.STEPS))
            continue
        if isinstance(step, dict):
            accepted = data_catalog.step_arguments(name)
            for key in step:
                if key != "type" and key not in accepted:
                    chk.fail(where + (key,), f"unknown argument '{key}' for {name}" + did_you_mean(str(key), accepted))
        steps.append(step)
    return steps


def _model(chk: Checker, raw: dict) -> dict[str, Any]:
    if "model" not in raw:
        chk.fail(("model",), "missing; expected model: {layers: [...]}")
        return {"defaults": {}, "layers": []}
    section = chk.mapping(("model",), raw["model"], MODEL_KEYS)
    defaults = section.get("defaults") or {}
    if not isinstance(defaults, dict):
        chk.fail(("model", "defaults"), f"expected a mapping of layer arguments (got {describe(defaults)})")
        defaults = {}
    defaults = {key: check_value(chk, ("model", "defaults", key), key, value, keras_catalog.UNKNOWN) for key, value in defaults.items()}
    layers = section.get("layers")
    if not isinstance(layers, list) or not layers:
        chk.fail(("model", "layers"), f"expected a non-empty list of layers (got {describe(layers)})")
        return {"defaults": defaults, "layers": []}
    return {"defaults": defaults, "layers": [_layer(chk, ("model", "layers", i), layer, defaults) for i, layer in enumerate(layers)]}


def _layer(chk: Checker, path: Path, value: Any, defaults: dict) -> dict | None:
    if isinstance(value, str):
        value = {"type": value}
    if not isinstance(value, dict) or "type" not in value:
        chk.fail(path, f"expected a layer name or a mapping with 'type' (got {describe(value)})")
        return None
    entry = keras_catalog.lookup("layer", value["type"]) if isinstance(value["type"], str) else None
    if entry is None:
        return check_object(chk, path, value, "layer")  # reports the unknown name
    args = {key: val for key, val in value.items() if key != "type"}
    return {"type": entry.name, **check_arguments(chk, path, entry, args, defaults_from=defaults)}


def _optimizer(chk: Checker, value: Any) -> Any:
    spec = {"type": value} if isinstance(value, str) else value
    return check_object(chk, ("optimizer",), spec, "optimizer")


def _loss(chk: Checker, value: Any) -> Any:
    if value == "auto":
        return value
    return check_object(chk, ("loss",), value, "loss")


def _metrics(chk: Checker, value: Any) -> Any:
    if value == "auto":
        return value
    if not isinstance(value, list):
        chk.fail(("metrics",), f"expected a list of metrics or auto (got {describe(value)})")
        return []
    return [check_object(chk, ("metrics", i), metric, "metric") for i, metric in enumerate(value)]


def _training(chk: Checker, value: Any) -> dict[str, Any]:
    section = {**TRAINING_DEFAULTS, **chk.mapping(("training",), value, TRAINING_KEYS)}
    section["epochs"] = chk.integer(("training", "epochs"), section["epochs"], minimum=1)
    section["batch_size"] = chk.integer(("training", "batch_size"), section["batch_size"], minimum=1)
    section["shuffle"] = chk.boolean(("training", "shuffle"), section["shuffle"])
    section["early_stopping"] = _early_stopping(chk, section["early_stopping"])
    return section


def _early_stopping(chk: Checker, value: Any) -> dict | None:
    path = ("training", "early_stopping")
    if value is None or value is False:
        return None
    if value is True:
        value = {}
    if not isinstance(value, dict):
        chk.fail(path, f"expected true, false or a mapping of EarlyStopping arguments (got {describe(value)})")
        return None
    entry = keras_catalog.lookup("callback", "EarlyStopping")
    args = {**EARLY_STOPPING_DEFAULTS, **value}
    return check_arguments(chk, path, entry, args) if entry else args


def _device(chk: Checker, value: Any) -> Any:
    if isinstance(value, str) and DEVICE_PATTERN.match(value):
        return value
    if isinstance(value, dict) and len(value) == 1:
        key, ids = next(iter(value.items()))
        if key == "gpus" and isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
            return {"gpus": ids}
        if key == "cpus" and isinstance(ids, int) and not isinstance(ids, bool) and ids >= 1:
            return {"cpus": ids}
    chk.fail(("device",), f"expected auto, cpu, gpu, gpu:N, {{gpus: [0, 1]}} or {{cpus: N}} (got {describe(value)})")
    return value
