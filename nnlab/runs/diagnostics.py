"""`diagnostics.csv`: one row per epoch and layer with weights, written and read without TensorFlow.

Epoch 0 is the network as initialized, before any training step.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from nnlab.runs.metrics import write_table

COLUMNS = (
    "epoch",
    "layer",
    "kind",
    "activation",
    "units",
    "weight_mean",
    "weight_std",
    "weight_norm",
    "unit_spread",
    "gradient_norm",
    "update_ratio",
    "activation_mean",
    "activation_std",
    "dead_fraction",
    "saturated_fraction",
    "max_probability",
)
TEXT = frozenset({"layer", "kind", "activation"})
Row = dict[str, Any]


def write_diagnostics(path: Path, rows: Sequence[Row]) -> None:
    write_table(path, COLUMNS, rows)


def read_diagnostics(path: Path) -> list[Row]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = []
        for raw in csv.DictReader(handle):
            row: Row = {}
            for key, cell in raw.items():
                row[key] = cell if key in TEXT else (None if cell == "" else float(cell))
            row["epoch"] = int(row["epoch"])
            rows.append(row)
    return rows
