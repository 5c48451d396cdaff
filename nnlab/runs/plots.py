"""The plots of a run folder: training curves and the confusion matrix, as PNG files.

Figures are `matplotlib.figure.Figure` objects drawn by the Agg canvas: no
pyplot, no global backend switch, nothing left open between runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from nnlab.runs.metrics import EPOCH, Row, is_metric

DPI = 100


def curve_names(rows: Sequence[Row]) -> list[str]:
    """The metrics that get a plot: loss first, then each metric (its val_ twin shares the plot)."""
    seen = list(dict.fromkeys(key for row in rows for key in row))
    names = [c for c in seen if is_metric(c) and not c.startswith("val_")]
    return sorted(names, key=lambda name: name != "loss")


def plot_curves(rows: Sequence[Row], folder: Path, title: str = "") -> list[Path]:
    """One PNG per metric, training and validation over epochs; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    epochs = [row[EPOCH] for row in rows]
    written = []
    for name in curve_names(rows):
        fig = Figure(figsize=(7, 4.5))
        ax = fig.subplots()
        ax.plot(epochs, _column(rows, name), marker="o", markersize=3, label=f"train {name}")
        validation = _column(rows, f"val_{name}")
        if np.isfinite(validation).any():
            ax.plot(epochs, validation, marker="o", markersize=3, label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(f"{title}: {name}" if title else name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(save(fig, folder / f"{name}.png"))
    return written


def _column(rows: Sequence[Row], name: str) -> np.ndarray:
    return np.array([row[name] if isinstance(row.get(name), float) else np.nan for row in rows], dtype=float)


def plot_confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str], path: Path, title: str = "") -> Path:
    """Row-normalized confusion matrix (recall per true class), each cell with its count and fraction."""
    labels = np.arange(len(class_names))
    counts = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    totals = counts.sum(axis=1, keepdims=True)
    normalized = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    size = max(5.0, 0.7 * len(labels) + 2.5)
    fig = Figure(figsize=(size + 1, size))
    ax = fig.subplots()
    image = ax.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    long_names = max((len(name) for name in class_names), default=0) > 4
    ax.set_xticks(labels, labels=class_names, rotation=45 if long_names or len(labels) > 10 else 0, ha="right" if long_names else "center")
    ax.set_yticks(labels, labels=class_names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"{title + ': ' if title else ''}confusion matrix (test accuracy {accuracy:.3f})", fontsize=10)
    if len(labels) <= 20:
        for i in labels:
            for j in labels:
                color = "white" if normalized[i, j] > 0.5 else "black"
                ax.text(float(j), float(i), f"{counts[i, j]}\n{normalized[i, j]:.2f}", ha="center", va="center", color=color, fontsize=7)
    return save(fig, path)


def save(fig: Figure, path: Path) -> Path:
    """Save atomically (a temporary name, then a rename); the figure is not kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.tight_layout()
    fig.savefig(tmp, dpi=DPI)
    tmp.replace(path)
    return path
