"""Keras 2 habits that lessons teach, and what to write instead: one table for arguments, one for keys.

Keras 3 renamed or dropped arguments that older notebooks still use
(`SGD(lr=0.1)`, `LeakyReLU(alpha=0.2)`). Some it still accepts and ignores
with a warning: `SGD(decay=1e-3)` would validate and then train at a constant
learning rate, which is not what the lesson meant. `objects.check_arguments`
asks `argument()` before it checks an argument against the constructor, so a
habit gets advice instead of a bare "unknown argument". Keys that sit in the
wrong section (`training.validation_split`, as `fit` takes it) are told where
they belong by `key()`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Advice = Callable[[Any, dict[str, Any], dict[str, Any]], str | None]  # (value, the arguments given, Keras's defaults) -> advice or None


@dataclass(frozen=True)
class Habit:
    """A Keras 2 argument of `kind` objects (of `names` only, when given) and the advice for it."""

    kind: str
    argument: str
    advice: Advice
    names: tuple[str, ...] = ()


def _renamed(old: str, new: str) -> Advice:
    return lambda value, given, defaults: f"Keras 2's {old} is called {new} in Keras 3 (write {new}: {_yaml(value)})"


def _removed(why: str) -> Advice:
    return lambda value, given, defaults: why


def _decay(value: Any, given: dict[str, Any], defaults: dict[str, Any]) -> str:
    if not value:
        return "Keras 3 has no decay and ignores it; decay: 0 changes nothing here: remove it"
    rate = given.get("learning_rate", given.get("lr", defaults.get("learning_rate", 0.01)))
    rate = rate if isinstance(rate, (int, float)) and not isinstance(rate, bool) else 0.01
    return (
        "Keras 3 ignores decay and would train at a constant learning rate; Keras 2's lr / (1 + decay * step) is "
        f"schedule: {{type: inverse_time_decay, per: step, decay_steps: 1, decay_rate: {_yaml(value)}}} beside the optimizer, "
        f"or learning_rate: {{type: InverseTimeDecay, initial_learning_rate: {_yaml(rate)}, decay_steps: 1, decay_rate: {_yaml(value)}}}"
    )


def _epsilon(value: Any, given: dict[str, Any], defaults: dict[str, Any]) -> str | None:
    if value is not None:
        return None
    return f"Keras 3 needs a number (Keras 2 read null as its default): remove it, or write epsilon: {_yaml(defaults.get('epsilon', 1e-7))}"


def _reduction(value: Any, given: dict[str, Any], defaults: dict[str, Any]) -> str | None:
    if value != "auto":
        return None
    return "Keras 3 has no reduction 'auto'; its default, sum_over_batch_size, is what auto meant: remove it"


BATCH_NORM_GONE = "Keras 3's BatchNormalization has no {argument} (a Keras 2 TensorFlow option): remove it"
HABITS = (
    Habit("optimizer", "lr", _renamed("lr", "learning_rate")),
    Habit("optimizer", "decay", _decay),
    Habit("optimizer", "epsilon", _epsilon),
    Habit("optimizer", "schedule_decay", _removed("Keras 3's Nadam has no schedule_decay: remove it"), ("Nadam",)),
    Habit("layer", "alpha", _renamed("alpha", "negative_slope"), ("LeakyReLU",)),
    Habit("layer", "input_length", _removed("Keras 3 takes the sequence length from the data: remove it"), ("Embedding",)),
    *(
        Habit("layer", argument, _removed(BATCH_NORM_GONE.format(argument=argument)), ("BatchNormalization",))
        for argument in ("fused", "renorm", "renorm_clipping", "renorm_momentum", "virtual_batch_size", "adjustment")
    ),
    Habit("regularizer", "l", _renamed("l", "l1"), ("l1", "L1")),
    Habit("regularizer", "l", _renamed("l", "l2"), ("l2", "L2")),
    Habit("loss", "reduction", _reduction),
)


# Arguments Keras 3 still takes only to ignore them: never offered as a suggestion.
IGNORED = {"optimizer": frozenset({"decay"})}


def ignored(kind: str) -> frozenset[str]:
    """Arguments of `kind` objects that Keras 3 accepts and ignores."""
    return IGNORED.get(kind, frozenset())


def argument(kind: str, name: str, key: str, value: Any, given: dict[str, Any], defaults: dict[str, Any]) -> str | None:
    """Advice for a Keras 2 habit in argument `key` of the `kind` object `name`, or None."""
    for habit in HABITS:
        if habit.kind == kind and habit.argument == key and (not habit.names or name in habit.names):
            advice = habit.advice(value, given, defaults)
            if advice:
                return advice
    return None


# Keys that `fit` or Keras 2 taught, placed where nnlab does not read them.
KEYS = {
    ("training", "validation_split"): "validation data is split off in the data section: write data.validation_split (or data.validation_size)",
    ("training", "validation_data"): "validation data is split off in the data section: write data.validation_split or data.validation_size",
    ("training", "nb_epoch"): "Keras 1's name for training.epochs",
    ("training", "lr"): "the learning rate is the optimizer's: write optimizer: {type: ..., learning_rate: ...}",
    ("training", "learning_rate"): "the learning rate is the optimizer's: write optimizer: {type: ..., learning_rate: ...}",
    ("training", "optimizer"): "the optimizer is a top-level key: write optimizer: at the top of the file",
    ("training", "loss"): "the loss is a top-level key: write loss: at the top of the file",
    ("training", "metrics"): "the metrics are a top-level key: write metrics: at the top of the file",
    ("lr",): "the learning rate is the optimizer's: write optimizer: {type: ..., learning_rate: ...}",
    ("learning_rate",): "the learning rate is the optimizer's: write optimizer: {type: ..., learning_rate: ...}",
}


def key(path: tuple[Any, ...]) -> str | None:
    """Advice for an unknown key at `path`: a known habit, or the section where a key of that name belongs."""
    if tuple(path) in KEYS:
        return KEYS[tuple(path)]
    homes = [home for home in _homes().get(str(path[-1]), ()) if home != tuple(path)]
    if homes:
        return "it belongs " + " or ".join(f"in {'.'.join(home)}" if len(home) > 1 else "at the top level of the file" for home in homes)
    return None


@functools.cache
def _homes() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Every config key's full path, by its last part: `epochs` -> (("training", "epochs"),)."""
    from nnlab.config.fields import config_fields  # here, not at the top: the spec's own checks import this module
    from nnlab.config.spec import Spec

    homes: dict[str, list[tuple[str, ...]]] = {}

    def walk(cls: type, prefix: tuple[str, ...]) -> None:
        for field in config_fields(cls):
            nested = getattr(field.metadata.get("check"), "section_class", None)
            if nested is not None:
                walk(nested, (*prefix, field.name))
            else:
                homes.setdefault(field.name, []).append((*prefix, field.name))

    walk(Spec, ())
    return {name: tuple(paths) for name, paths in homes.items()}


def _yaml(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return str(value)
