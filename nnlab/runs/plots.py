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
        for epoch, phase in phase_starts(rows):
            ax.axvline(epoch - 0.5, color="gray", linestyle="--", linewidth=1)
            ax.annotate(f"phase {phase}", (epoch - 0.5, 1), xycoords=("data", "axes fraction"), xytext=(3, -12), textcoords="offset points", fontsize=8, color="gray")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(f"{title}: {name}" if title else name, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend()
        written.append(save(fig, folder / f"{name}.png"))
    return written


def phase_starts(rows: Sequence[Row]) -> list[tuple[int, str]]:
    """(first epoch, phase) of every phase after the first, from metrics.csv's `phase` column."""
    starts, previous = [], None
    for row in rows:
        phase = row.get("phase")
        if phase is not None and previous is not None and phase != previous:
            starts.append((int(row[EPOCH]), str(phase)))
        previous = phase
    return starts


def _column(rows: Sequence[Row], name: str) -> np.ndarray:
    return np.array([row[name] if isinstance(row.get(name), float) else np.nan for row in rows], dtype=float)


def plot_learning_rate(rows: Sequence[Row], folder: Path, title: str = "") -> Path | None:
    """`learning_rate.png` on a log axis, when the rate changed during the run (a schedule); else nothing."""
    rates = _column(rows, "learning_rate")
    finite = rates[np.isfinite(rates)]
    if finite.size < 2 or np.allclose(finite, finite[0]):
        return None
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    ax.plot([row[EPOCH] for row in rows], rates, marker="o", markersize=3)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.set_title(f"{title}: learning rate" if title else "learning rate", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    return save(fig, folder / "learning_rate.png")


def plot_diagnostics(rows: Sequence[Row], folder: Path, title: str = "") -> list[Path]:
    """`gradients.png` (gradient norm per layer over epochs, log axis) and `activations.png` (per layer)."""
    layers = list(dict.fromkeys(str(row["layer"]) for row in rows))
    written = []
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for layer in layers:
        points = [(row["epoch"], row.get("gradient_norm")) for row in rows if row["layer"] == layer]
        points = [(e, g) for e, g in points if isinstance(g, float) and g > 0]
        if points:
            ax.plot(*zip(*points), marker="o", markersize=3, label=layer)
    ax.set_yscale("log")
    ax.set_xlabel("epoch (0: before training)")
    ax.set_ylabel("gradient norm (log)")
    ax.set_title(f"{title}: gradient norm per layer" if title else "gradient norm per layer", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    written.append(save(fig, folder / "gradients.png"))
    fig = Figure(figsize=(7, 6))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for layer in layers:
        mine = [row for row in rows if row["layer"] == layer]
        epochs = [row["epoch"] for row in mine]
        top.plot(epochs, [row.get("activation_std") for row in mine], marker="o", markersize=3, label=layer)
        for key, style in (("dead_fraction", "--"), ("saturated_fraction", ":")):
            values = [row.get(key) for row in mine]
            if any(isinstance(v, float) for v in values):
                bottom.plot(epochs, [v if isinstance(v, float) else np.nan for v in values], style, marker="o", markersize=3, label=f"{layer} {key.split('_')[0]}")
    top.set_ylabel("activation std")
    top.set_title(f"{title}: activations per layer" if title else "activations per layer", fontsize=10)
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    bottom.set_ylabel("dead (--) / saturated (:)")
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("epoch (0: before training)")
    if bottom.lines:
        bottom.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
    written.append(save(fig, folder / "activations.png"))
    return written


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
