"""The plots of a run folder: training curves and the confusion matrix, as PNG files."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")  # files only: no window, works without a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

NOT_CURVES = {"epoch", "learning_rate", "epoch_seconds"}


def curve_names(metrics: pd.DataFrame) -> list[str]:
    """The metrics that get a plot: loss first, then each metric (its val_ twin shares the plot)."""
    names = [c for c in metrics.columns if c not in NOT_CURVES and not c.startswith("val_")]
    return sorted(names, key=lambda name: name != "loss")


def plot_curves(metrics: pd.DataFrame, folder: Path) -> list[Path]:
    """One PNG per metric, training and validation over epochs; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in curve_names(metrics):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.plot(metrics["epoch"], metrics[name], marker="o", markersize=3, label=f"train {name}")
        if f"val_{name}" in metrics and metrics[f"val_{name}"].notna().any():
            ax.plot(metrics["epoch"], metrics[f"val_{name}"], marker="o", markersize=3, label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(_save(fig, folder / f"{name}.png"))
    return written


def plot_confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str], path: Path) -> Path:
    """Row-normalized confusion matrix (recall per true class) with the counts written in each cell."""
    from sklearn.metrics import confusion_matrix

    labels = np.arange(len(class_names))
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    totals = counts.sum(axis=1, keepdims=True)
    normalized = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    size = max(5.0, 0.55 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(normalized, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    ax.set_xticks(labels, labels=class_names, rotation=45 if len(labels) > 10 else 0)
    ax.set_yticks(labels, labels=class_names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"confusion matrix (test accuracy {accuracy:.3f})")
    if len(labels) <= 20:
        for i in labels:
            for j in labels:
                color = "white" if normalized[i, j] > 0.5 else "black"
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", color=color, fontsize=8)
    return _save(fig, path)


def _save(fig: plt.Figure, path: Path) -> Path:
    """Save atomically: to a temporary name, then rename."""
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.tight_layout()
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path
