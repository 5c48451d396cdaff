"""`metrics.csv`, one row per epoch, and the summary drawn from it.

This module is the one definition of the file's columns: `epoch`, `loss`,
`val_loss`, each metric with its `val_` twin, then the columns that are not
metrics (`learning_rate`, `epoch_seconds`, and `phase` when a run has phases).
Whether a metric is better high or low is not guessed from its name: Keras
says so for each compiled metric, the run records it in `summary.json`
(`directions`), and readers use that.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from nnlab.runs.atomic import atomic_write

EPOCH = "epoch"
LEADING = (EPOCH, "loss", "val_loss")
NOT_METRICS = frozenset({EPOCH, "learning_rate", "epoch_seconds", "phase"})
TRAILING = ("learning_rate", "epoch_seconds")
TEXT_COLUMNS = frozenset({"phase"})
MIN, MAX = "min", "max"

Row = dict[str, Any]


class MetricsError(ValueError):
    """A metrics.csv that cannot be read (truncated, not numbers, epochs out of order)."""


def is_metric(column: str) -> bool:
    """True for `loss`, `val_accuracy`, ...; false for the epoch, learning rate, timing and phase."""
    return column not in NOT_METRICS


def base_name(metric: str) -> str:
    """`val_accuracy` -> `accuracy`: the metric a validation column measures."""
    return metric.removeprefix("val_")


def order_columns(seen: Iterable[str]) -> list[str]:
    """The file's column order for the columns `seen` in its rows."""
    seen = list(dict.fromkeys(seen))
    ordered = [column for column in LEADING if column in seen]
    metrics = sorted({column for column in seen if is_metric(column) and column not in LEADING and not column.startswith("val_")})
    for metric in metrics:
        ordered += [column for column in (metric, f"val_{metric}") if column in seen]
    ordered += [column for column in seen if column not in ordered and column not in TRAILING]
    return ordered + [column for column in TRAILING if column in seen]


def write_metrics(path: Path, rows: Sequence[Row]) -> None:
    """Write every row atomically; the whole (small) file is rewritten after each epoch."""
    write_table(path, order_columns(key for row in rows for key in row), rows)


def write_table(path: Path, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """A CSV of `rows` in `columns` order, written atomically: an empty cell for a missing value, floats exactly."""

    def write(handle: IO[str]) -> None:
        handle.write(",".join(columns) + "\n")
        for row in rows:
            handle.write(",".join(_cell(row.get(column)) for column in columns) + "\n")

    atomic_write(path, write)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # the shortest text that reads back as the same float
    return str(value)


def read_metrics(path: Path) -> list[Row]:
    """The rows of a metrics.csv: numbers as floats (epoch as int), empty cells as None.

    Raises:
        MetricsError: the file is not a metrics.csv nnlab could have written.
        OSError: it cannot be read.
    """
    text = Path(path).read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        raise MetricsError(f"{path}: the last line is cut short: a truncated file?")
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or header[0] != EPOCH:
        raise MetricsError(f"{path}: expected a header starting with 'epoch' (got {header!r})")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if len(cells) != len(header):
            raise MetricsError(f"{path}:{number}: expected {len(header)} cells (got {len(cells)}): a truncated file?")
        rows.append({column: _cell_value(column, cell, path, number) for column, cell in zip(header, cells)})
    epochs = [row[EPOCH] for row in rows]
    whole = [int(e) for e in epochs if isinstance(e, float) and e.is_integer()]
    if len(whole) != len(epochs) or whole != sorted(set(whole)):
        raise MetricsError(f"{path}: the epochs are not whole numbers in increasing order ({epochs[:10]})")
    for row, epoch in zip(rows, whole):
        row[EPOCH] = epoch
    return rows


def _cell_value(column: str, cell: str, path: Path, line: int) -> float | str | None:
    if cell == "":
        return None
    if column in TEXT_COLUMNS:
        return cell
    try:
        return float(cell)
    except ValueError:
        raise MetricsError(f"{path}:{line}: {column} {cell!r} is not a number") from None


def direction(metric: str, directions: Mapping[str, str]) -> str:
    """`min` or `max` for `metric` (or its `val_` twin), as recorded at training time; losses are minimised."""
    name = base_name(metric)
    if name in directions:
        return directions[name]
    if name == "loss" or name.endswith("_loss"):
        return MIN
    raise KeyError(f"no recorded direction for '{name}' (recorded: {', '.join(sorted(directions)) or 'none'})")


def best_index(rows: Sequence[Row], metric: str, mode: str) -> int | None:
    """The index of the row where `metric` is best (first on ties); None when it was never finite."""
    values = [(i, row.get(metric)) for i, row in enumerate(rows)]
    finite = [(i, v) for i, v in values if isinstance(v, float) and math.isfinite(v)]
    if not finite:
        return None
    pick = max if mode == MAX else min
    return pick(finite, key=lambda pair: (pair[1], -pair[0]) if mode == MAX else (pair[1], pair[0]))[0]


def summarize(rows: Sequence[Row], monitor: str, directions: Mapping[str, str]) -> dict[str, Any]:
    """Final and best-epoch metrics: best by `monitor` (val_loss, or loss without validation)."""
    if monitor not in (rows[0] if rows else {}):
        monitor = "loss"
    mode = direction(monitor, directions)
    best = best_index(rows, monitor, mode)
    metrics = lambda row: {key: value for key, value in row.items() if is_metric(key)}  # noqa: E731
    return {
        "epochs_completed": len(rows),
        "monitor": monitor,
        "mode": mode,
        "best_epoch": None if best is None else rows[best][EPOCH],
        "best": None if best is None else metrics(rows[best]),
        "final": metrics(rows[-1]) if rows else None,
        "directions": dict(directions),
    }
