"""Deriving a task from a dataset: keep some classes (`classes`), renumber them (`relabel`), take a `subset`.

The transfer-learning exercise of the Keras notebooks is two such tasks on
Fashion-MNIST: task A keeps the 8 classes other than sandal and shirt
(renumbered 0..7), task B keeps only those two (shirt = 1) and 200 examples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlab.data.errors import DataError


def class_lookup(classes: list | None, relabel: dict | None, class_names: list[str], dataset: str) -> tuple[np.ndarray, list[str]]:
    """A table from old label to new label (-1: dropped) and the new classes' names.

    Without `relabel`, the kept classes are renumbered 0..k-1 in the order they
    are listed. With it, every kept class must be mapped, and several classes
    may share a new label (their names are joined with '+').
    """
    kept = [_class_index(c, class_names, dataset, "data.classes") for c in classes] if classes is not None else None
    if relabel is None:
        kept = kept if kept is not None else list(range(len(class_names)))
        new_of = {old: new for new, old in enumerate(kept)}
    else:
        mapped = {_class_index(old, class_names, dataset, "data.relabel"): new for old, new in relabel.items()}
        kept = kept if kept is not None else list(mapped)
        unmapped = [class_names[c] for c in kept if c not in mapped]
        if unmapped:
            raise DataError(
                "data.relabel",
                f"does not say what the kept class {unmapped[0]!r} becomes (expected a new label for each of: {', '.join(class_names[c] for c in kept)})",
            )
        new_of = {old: mapped[old] for old in kept}
        _check_new_labels(sorted(set(new_of.values())))
    lookup = np.full(len(class_names), -1, dtype="int32")
    for old, new in new_of.items():
        lookup[old] = new
    names = ["+".join(class_names[old] for old in kept if new_of[old] == new) for new in range(max(new_of.values()) + 1)]
    return lookup, names


def _class_index(value: Any, class_names: list[str], dataset: str, key: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(class_names):
        return value
    if isinstance(value, str) and value in class_names:
        return class_names.index(value)
    shown = ", ".join(f"{i}={name}" for i, name in enumerate(class_names[:20])) + (", ..." if len(class_names) > 20 else "")
    raise DataError(key, f"class {value!r} does not exist in {dataset} (expected a number 0..{len(class_names) - 1} or a name: {shown})")


def _check_new_labels(labels: list[Any]) -> None:
    if not all(isinstance(label, int) and not isinstance(label, bool) for label in labels) or labels != list(range(len(labels))):
        raise DataError("data.relabel", f"expected new labels numbered 0, 1, ... without gaps (got {', '.join(map(repr, labels))})")


def select(x: np.ndarray, y: np.ndarray, lookup: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The examples of kept classes, with their new labels; no copy of x when every class is kept."""
    new = lookup[np.asarray(y, dtype="int64")]
    keep = new >= 0
    if keep.all():
        return x, new
    return x[keep], new[keep]


def subset(x: np.ndarray, y: np.ndarray, size: int, shuffle: bool, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`size` training examples: the first ones, or a seeded random sample kept in dataset order."""
    if size > len(x):
        raise DataError("data.subset", f"asks for {size} training examples, but only {len(x)} are left after the splits and classes")
    if not shuffle:
        return x[:size], y[:size]
    chosen = np.sort(np.random.default_rng(seed).choice(len(x), size=size, replace=False))
    return x[chosen], y[chosen]
