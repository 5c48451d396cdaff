"""Findings: what went wrong inside a network, read from its metrics and per-layer diagnostics.

Pure functions over the rows of metrics.csv and diagnostics.csv (no TensorFlow),
so a report can recompute them. Each finding names a layer where it can, the
epoch it was first seen at, and the evidence, in words a student understands.
The thresholds below are the documented ones (README, "Diagnostics").
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

Row = Mapping[str, Any]

VANISHING_RATIO = 1e-2  # first layer's gradient norm two orders of magnitude below the last layer's
EXPLODING_NORM = 1e3  # a layer's gradient norm above this
DEAD_FRACTION = 0.5  # ReLU units never positive on the diagnostics batch
SATURATED_FRACTION = 0.5  # tanh/sigmoid pre-activations where the derivative is below 0.01
CONFIDENT_OUTPUT = 0.8  # mean top softmax probability of the untrained network (3 classes or more; healthy: about 1/classes to 0.3)
CONFIDENT_BINARY = 0.95  # the same for a two-class softmax
SYMMETRIC_SPREAD = 1e-6  # units of a layer differ by less than this (relative)
NOT_LEARNING_EPOCHS = 5  # look for not_learning from this epoch on
NOT_LEARNING_LOSS = 0.8  # the loss is still above this fraction of the first epoch's
CHANCE_FACTOR = 1.5  # ... or the accuracy is below this multiple of chance
WANDERING_SHARE = 1 / 3  # ... or the training loss rose in this share of the epochs: it wanders (too high a learning rate),
WANDERING_RISES, LOST_GROUND = 3, 1.5  # ... or it rose at least 3 times and ends above 1.5 times its best
OVERFITTING_EPOCHS = 3  # validation loss rising this many epochs in a row while the training loss falls,
OVERFITTING_CHANGE = 0.01  # ... each by at least 1 % over the streak (flat losses are not overfitting)


@dataclass(frozen=True)
class Finding:
    finding: str
    layer: str | None
    epoch: int | None
    evidence: str

    def sentence(self) -> str:
        """One line for the terminal: `dense: ... from epoch 1: vanishing gradients`."""
        where = f"{self.layer}: " if self.layer else ""
        when = f" (epoch {self.epoch})" if self.epoch is not None else ""
        return f"{where}{self.evidence}{when}: {self.finding.replace('_', ' ')}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def find(metrics: Sequence[Row], diagnostics: Sequence[Row], num_classes: int | None = None) -> list[Finding]:
    """Every finding of a run, in a fixed order: gradients, units, weights, then learning as a whole."""
    by_epoch = _by_epoch(diagnostics)
    found = [
        *_vanishing(by_epoch),
        *_exploding(by_epoch),
        *_units(by_epoch, "dead_fraction", DEAD_FRACTION, "dead_units", "of the ReLU units never fire"),
        *_units(by_epoch, "saturated_fraction", SATURATED_FRACTION, "saturated_units", "of the pre-activations sit where tanh/sigmoid is flat"),
        *_saturated_output(by_epoch, num_classes),
        *_symmetric(by_epoch),
        *_not_learning(metrics, num_classes),
        *_overfitting(metrics),
    ]
    return found


def _by_epoch(diagnostics: Sequence[Row]) -> dict[int, list[Row]]:
    epochs: dict[int, list[Row]] = {}
    for row in diagnostics:
        epochs.setdefault(int(row["epoch"]), []).append(row)
    return dict(sorted(epochs.items()))


def _number(row: Row, key: str) -> float | None:
    value = row.get(key)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(float(value)) else None


def _vanishing(by_epoch: dict[int, list[Row]]) -> list[Finding]:
    for epoch, rows in by_epoch.items():
        graded = [(row, _number(row, "gradient_norm")) for row in rows if _number(row, "gradient_norm") is not None]
        if epoch < 1 or len(graded) < 2:
            continue
        (first, low), (last, high) = graded[0], graded[-1]
        if high and low is not None and low < VANISHING_RATIO * high:
            ratio = f"{low / high:.0e} times those of {last['layer']}" if low else f"no gradient reaches it (against {high:.2g} in {last['layer']})"
            return [Finding("vanishing_gradients", str(first["layer"]), epoch, f"gradients {ratio}" if low else ratio)]
    return []


def _exploding(by_epoch: dict[int, list[Row]]) -> list[Finding]:
    for epoch, rows in by_epoch.items():
        for row in rows:
            norm = _number(row, "gradient_norm")
            if epoch >= 1 and norm is not None and norm > EXPLODING_NORM:
                return [Finding("exploding_gradients", str(row["layer"]), epoch, f"gradient norm {norm:.3g}")]
    return []


def _units(by_epoch: dict[int, list[Row]], key: str, threshold: float, name: str, words: str) -> list[Finding]:
    found: dict[str, Finding] = {}
    for epoch, rows in by_epoch.items():
        for row in rows:
            share = _number(row, key)
            if epoch >= 1 and share is not None and share >= threshold and row["layer"] not in found:
                found[str(row["layer"])] = Finding(name, str(row["layer"]), epoch, f"{share:.0%} {words}")
    return list(found.values())


def _saturated_output(by_epoch: dict[int, list[Row]], num_classes: int | None) -> list[Finding]:
    start = by_epoch.get(0) or next(iter(by_epoch.values()), [])
    threshold = CONFIDENT_BINARY if num_classes == 2 else CONFIDENT_OUTPUT
    for row in start:
        confidence = _number(row, "max_probability")
        if confidence is not None and confidence >= threshold:
            return [Finding("saturated_output", str(row["layer"]), int(row["epoch"]), f"the untrained network already gives its top class {confidence:.1%} on average: over-confident from the start")]
    return []


def _symmetric(by_epoch: dict[int, list[Row]]) -> list[Finding]:
    last = list(by_epoch.values())[-1] if by_epoch else []
    found = []
    for row in last:
        spread, units = _number(row, "unit_spread"), row.get("units")
        if spread is not None and isinstance(units, (int, float)) and units > 1 and spread < SYMMETRIC_SPREAD:
            found.append(Finding("symmetric_weights", str(row["layer"]), int(row["epoch"]), f"all {int(units)} units have identical weights, so they learn the same thing"))
    return found


def _not_learning(metrics: Sequence[Row], num_classes: int | None) -> list[Finding]:
    if len(metrics) < NOT_LEARNING_EPOCHS:
        return []
    first, last = _number(metrics[0], "loss"), _number(metrics[-1], "loss")
    if first and last is not None and last > NOT_LEARNING_LOSS * first:
        return [Finding("not_learning", None, int(metrics[-1]["epoch"]), f"the loss went from {first:.4g} to {last:.4g} in {len(metrics)} epochs")]
    accuracy = _number(metrics[-1], "val_accuracy") or _number(metrics[-1], "accuracy")
    if num_classes and accuracy is not None and accuracy < CHANCE_FACTOR / num_classes:
        return [Finding("not_learning", None, int(metrics[-1]["epoch"]), f"accuracy {accuracy:.3f} is no better than chance ({1 / num_classes:.3f})")]
    losses = [value for value in (_number(row, "loss") for row in metrics) if value is not None]
    rises = sum(1 for before, after in zip(losses, losses[1:]) if after > before)
    lost_ground = rises >= WANDERING_RISES and losses[-1] > LOST_GROUND * min(losses)
    if rises >= WANDERING_SHARE * (len(losses) - 1) or lost_ground:
        evidence = f"the loss rose in {rises} of {len(losses) - 1} epochs and ended at {losses[-1]:.4g}, its best {min(losses):.4g}"
        return [Finding("not_learning", None, int(metrics[-1]["epoch"]), f"{evidence}: it wanders instead of descending (is the learning rate too high?)")]
    return []


def _overfitting(metrics: Sequence[Row]) -> list[Finding]:
    streak = 0
    for index, (previous, row) in enumerate(zip(metrics, metrics[1:]), start=1):
        rising = (_number(row, "val_loss") or 0) > (_number(previous, "val_loss") or math.inf)
        falling = (_number(row, "loss") or math.inf) < (_number(previous, "loss") or 0)
        streak = streak + 1 if rising and falling else 0
        start = metrics[index - streak]
        grew = (_number(row, "val_loss") or 0) >= (1 + OVERFITTING_CHANGE) * (_number(start, "val_loss") or math.inf)
        fell = (_number(row, "loss") or math.inf) <= (1 - OVERFITTING_CHANGE) * (_number(start, "loss") or 0)
        if streak >= OVERFITTING_EPOCHS and grew and fell:
            values = [(_number(r, "val_loss") or math.inf, r["epoch"]) for r in metrics]
            best = min(values)[1]
            return [Finding("overfitting", None, int(row["epoch"]) - streak + 1, f"validation loss rising while the training loss falls; best epoch {best}")]
    return []


def diverged(epoch: int, last_finite_loss: float | None) -> Finding:
    loss = f"; last finite loss {last_finite_loss:.4g}" if last_finite_loss is not None else ""
    return Finding("diverged", None, epoch, f"the loss became NaN, infinite or 10 times its start{loss}")
