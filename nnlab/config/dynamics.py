"""The checks of how training unfolds: learning-rate schedules and the lessons' callbacks.

`schedule:` takes every Keras learning-rate schedule by its class or snake_case
name, counted in epochs (`per: epoch`, the lessons' LearningRateScheduler) or in
steps (`per: step`, Keras's own), plus `reduce_on_plateau` (Keras's
ReduceLROnPlateau) and `one_cycle` (the lessons' 1cycle policy). The schedule
starts from the optimizer's learning rate unless it gives its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnlab.config import keras_names
from nnlab.config.checker import Checker, Path
from nnlab.config.objects import check_arguments
from nnlab.errors import describe, did_you_mean

PLATEAU, ONE_CYCLE = "reduce_on_plateau", "one_cycle"
PERS = ("epoch", "step")
ONE_CYCLE_ARGUMENTS = {
    "max_learning_rate": "the peak rate, reached after the warm-up (required)",
    "initial_learning_rate": "the starting rate; default max_learning_rate / 10",
    "final_learning_rate": "the rate at the very end; default initial_learning_rate / 1000",
    "warmup": "the fraction of all steps spent rising to the peak (the same again falling back); default 0.45",
}


def schedule(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any] | None:
    """`{type: exponential_decay, decay_steps: 20, decay_rate: 0.1}`, `{type: reduce_on_plateau, ...}` or `{type: one_cycle, ...}`."""
    if value is None:
        return None
    spec = {"type": value} if isinstance(value, str) else value
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        chk.fail(path, f"expected a schedule name or a mapping with 'type' (got {describe(value)})")
        return None
    if isinstance(_optimizer_rate(done), dict):
        chk.fail(path, "optimizer.learning_rate is already a LearningRateSchedule: use one or the other")
        return None
    name = spec["type"]
    args = {key: item for key, item in spec.items() if key != "type"}
    if _normal(name) == _normal(PLATEAU):
        return _plateau(chk, path, args)
    if _normal(name) == _normal(ONE_CYCLE):
        return _one_cycle(chk, path, args, done)
    return _keras_schedule(chk, path, name, args, done)


def _normal(name: str) -> str:
    return keras_names.normalize(name)


def _keras_schedule(chk: Checker, path: Path, name: str, args: dict[str, Any], done: Mapping[str, Any]) -> dict[str, Any] | None:
    entry = keras_names.lookup("schedule", name)
    if entry is None:
        known = [*keras_names.names("schedule"), PLATEAU, ONE_CYCLE] if keras_names.checked() else [PLATEAU, ONE_CYCLE]
        chk.fail((*path, "type"), f"unknown schedule '{name}'" + did_you_mean(name, known))
        return None
    per = args.pop("per", "epoch")
    if per not in PERS:
        chk.fail((*path, "per"), f"expected epoch or step (got {describe(per)})")
    params = keras_names.parameters(entry)
    if "initial_learning_rate" in params.required and "initial_learning_rate" not in args:
        args["initial_learning_rate"] = _starting_rate(done)
    return {"type": entry.name, "per": per, **check_arguments(chk, path, entry, args)}


def _plateau(chk: Checker, path: Path, args: dict[str, Any]) -> dict[str, Any] | None:
    entry = keras_names.lookup("callback", "ReduceLROnPlateau")
    if "per" in args:
        chk.fail((*path, "per"), "reduce_on_plateau acts when the monitored metric stops improving, once per epoch: remove per")
        args.pop("per")
    return {"type": PLATEAU, **(check_arguments(chk, path, entry, args) if entry else args)}


def _one_cycle(chk: Checker, path: Path, args: dict[str, Any], done: Mapping[str, Any]) -> dict[str, Any] | None:
    for key in args:
        if key not in ONE_CYCLE_ARGUMENTS:
            chk.fail((*path, key), f"unknown argument '{key}' for one_cycle" + did_you_mean(key, ONE_CYCLE_ARGUMENTS))
    peak: Any = args.get("max_learning_rate")
    if not _positive(peak):
        chk.fail((*path, "max_learning_rate"), f"expected a positive number, the peak rate (got {describe(peak)})")
        return None
    start = args.get("initial_learning_rate", peak / 10)
    final = args.get("final_learning_rate", start / 1000 if _positive(start) else None)
    warmup = args.get("warmup", 0.45)
    for key, item in (("initial_learning_rate", start), ("final_learning_rate", final)):
        if not _positive(item):
            chk.fail((*path, key), f"expected a positive number (got {describe(item)})")
    if not (isinstance(warmup, (int, float)) and not isinstance(warmup, bool) and 0 < warmup <= 0.5):
        chk.fail((*path, "warmup"), f"expected a fraction 0 < x <= 0.5 of the steps (got {describe(warmup)})")
    return {
        "type": ONE_CYCLE,
        "max_learning_rate": float(peak),
        "initial_learning_rate": float(start or 0),
        "final_learning_rate": float(final or 0),
        "warmup": float(warmup),
    }


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _optimizer_rate(done: Mapping[str, Any]) -> Any:
    optimizer = done.get("optimizer")
    return optimizer.get("learning_rate") if isinstance(optimizer, dict) else None


def _starting_rate(done: Mapping[str, Any]) -> float:
    """The optimizer's learning rate, or its Keras default when the config does not set one."""
    rate = _optimizer_rate(done)
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        return float(rate)
    optimizer = done.get("optimizer")
    entry = keras_names.lookup("optimizer", optimizer["type"]) if isinstance(optimizer, dict) else None
    default = keras_names.parameters(entry).defaults.get("learning_rate") if entry else None
    return float(default) if isinstance(default, (int, float)) else 0.001


def model_checkpoint(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any] | None:
    """Keep the best weights by a monitored metric: `true` (val_loss) or ModelCheckpoint's `monitor`, `mode`, ..."""
    if value is None or value is False:
        return None
    args = {} if value is True else value
    if not isinstance(args, dict):
        chk.fail(path, f"expected true, false or a mapping of ModelCheckpoint arguments (got {describe(value)})")
        return None
    for fixed in ("filepath", "save_best_only", "save_weights_only"):
        if fixed in args:
            chk.fail((*path, fixed), "nnlab keeps the best weights in the run folder (best.weights.h5): remove it")
    entry = keras_names.lookup("callback", "ModelCheckpoint")
    kept = {key: item for key, item in args.items() if key not in ("filepath", "save_best_only", "save_weights_only")}
    return {"monitor": "val_loss", **(check_arguments(chk, path, entry, kept, defaults_from={"filepath": None}) if entry else kept)}


def time_limit(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> float | None:
    """Minutes after which the run stops cleanly (completed, `stopped_early: time_limit`)."""
    if value is None:
        return None
    if not _positive(value):
        chk.fail(path, f"expected a positive number of minutes (got {describe(value)})")
        return None
    return float(value)


TENSORBOARD_OWN = frozenset({"histogram_freq", "update_freq"})  # nnlab's own writer does these; the rest needs Keras's callback (TensorFlow)


def tensorboard(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any]:
    """Keras TensorBoard arguments (`histogram_freq: 1`, `write_graph: true`, ...); the log folder is the run's."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        chk.fail(path, f"expected a mapping of Keras TensorBoard arguments such as {{histogram_freq: 1}} (got {describe(value)})")
        return {}
    if "log_dir" in value:
        chk.fail((*path, "log_dir"), "TensorBoard logs go to the run folder's tensorboard/: remove log_dir")
    entry = keras_names.lookup("callback", "TensorBoard")
    args = {key: item for key, item in value.items() if key != "log_dir"}
    return check_arguments(chk, path, entry, args) if entry else args


def metric_names(metrics: list[Any]) -> list[str]:
    """The names Keras logs resolved metrics under: the string itself, or a class's `name` (its default)."""
    names = []
    for metric in metrics:
        if isinstance(metric, str):
            names.append(metric)
            continue
        if not isinstance(metric, dict):
            continue
        entry = keras_names.lookup("metric", metric["type"])
        default = keras_names.parameters(entry).defaults.get("name") if entry and keras_names.checked() else None
        names.append(metric.get("name") or (default if isinstance(default, str) else _snake(metric["type"])))
    return names


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def monitors(spec_metrics: list[Any], validation: bool) -> list[str]:
    """Every value a run records per epoch, that a callback may monitor."""
    recorded = ["loss", *metric_names(spec_metrics)]
    return recorded + [f"val_{name}" for name in recorded] if validation else recorded
