"""`evaluation/<split>/` of a run folder: metrics, the classification report, predictions and their pictures.

Everything here works on NumPy arrays the model produced (nnlab.training.evaluate),
without TensorFlow: it writes files atomically and draws with `Figure`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlab.runs import plots
from nnlab.runs.atomic import write_json, write_text


@dataclass
class Predictions:
    """What a model said about one split: its inputs, the truth, the scores, and (with MC dropout) their spread."""

    x: np.ndarray
    y_true: np.ndarray
    scores: np.ndarray  # class probabilities (n, classes), one sigmoid column (n, 1), or regression outputs
    metrics: dict[str, float]
    class_names: list[str] | None = None
    image_shape: tuple[int, ...] | None = None
    mc_mean: np.ndarray | None = None  # with MC dropout: mean and standard deviation of N stochastic passes
    mc_std: np.ndarray | None = None

    @property
    def classification(self) -> bool:
        return self.class_names is not None

    def probabilities(self, scores: np.ndarray | None = None) -> np.ndarray:
        """Scores as class probabilities (n, classes): a single sigmoid column becomes two."""
        scores = self.scores if scores is None else scores
        return np.hstack([1 - scores, scores]) if scores.shape[-1] == 1 else scores

    def predicted(self, scores: np.ndarray | None = None) -> np.ndarray:
        return np.argmax(self.probabilities(scores), axis=-1)


def write(folder: Path, result: Predictions) -> dict[str, Any]:
    """Every file of `evaluation/<split>/`; returns what the terminal shows (metrics and the report rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    shown: dict[str, Any] = {"metrics": dict(result.metrics)}
    if result.classification:
        shown["report"] = _classification(folder, result)
        shown["metrics"] = dict(result.metrics)  # with MC dropout: the accuracy of the mean prediction too
    else:
        shown["metrics"].update(_regression(folder, result))
    write_json(folder / "metrics.json", shown["metrics"])
    return shown


def _classification(folder: Path, result: Predictions) -> list[dict[str, Any]]:
    names = result.class_names or []
    probabilities, predicted = result.probabilities(), result.predicted()
    truth = result.y_true.astype(int)
    report = classification_report(truth, predicted, names)
    _csv(folder / "classification_report.csv", report)
    counts = confusion(truth, predicted, len(names))
    _csv(folder / "confusion_matrix.csv", [{"true": names[i], **{name: int(counts[i, j]) for j, name in enumerate(names)}} for i in range(len(names))])
    plots.plot_confusion_matrix(truth, predicted, names, folder / "confusion_matrix.png")
    rows = [{"index": i, "true": names[truth[i]], "predicted": names[predicted[i]], "probability": float(probabilities[i, predicted[i]])} for i in range(len(truth))]
    if result.mc_mean is not None and result.mc_std is not None:
        mc_predicted = result.predicted(result.mc_mean)
        mc_std = result.probabilities(result.mc_std)
        for row, p, s in zip(rows, mc_predicted, mc_std[np.arange(len(mc_predicted)), mc_predicted]):
            row.update(mc_predicted=names[p], mc_std=float(s))
        result.metrics["mc_dropout_accuracy"] = float(np.mean(mc_predicted == truth))
        order = np.argsort(-mc_std[np.arange(len(mc_predicted)), mc_predicted])[:24]
        _grid(folder / "uncertain.png", result, order, "the most uncertain (MC dropout std of the predicted class)", scores=result.mc_mean, extra=mc_std)
    _csv(folder / "predictions.csv", rows)
    _grid(folder / "samples.png", result, np.arange(min(24, len(truth))), "predicted (true); wrong ones in red")
    wrong = np.flatnonzero(predicted != truth)
    confident = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:24]
    _grid(folder / "mistakes.png", result, confident, "the most confidently wrong: predicted (true)")
    return report


def classification_report(truth: np.ndarray, predicted: np.ndarray, names: Sequence[str]) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support per class, then the macro and weighted averages and accuracy."""
    rows: list[dict[str, Any]] = []
    for label, name in enumerate(names):
        true_positive = int(np.sum((predicted == label) & (truth == label)))
        predicted_count, support = int(np.sum(predicted == label)), int(np.sum(truth == label))
        precision = true_positive / predicted_count if predicted_count else 0.0
        recall = true_positive / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append({"class": name, "precision": precision, "recall": recall, "f1": f1, "support": support})
    total = max(sum(int(row["support"]) for row in rows), 1)
    per_class = list(rows)
    for average, weights in (("macro avg", [1 / max(len(per_class), 1)] * len(per_class)), ("weighted avg", [int(row["support"]) / total for row in per_class])):
        averaged = {key: sum(w * float(row[key]) for w, row in zip(weights, per_class)) for key in ("precision", "recall", "f1")}
        rows.append({"class": average, **averaged, "support": total})
    rows.append({"class": "accuracy", "precision": None, "recall": None, "f1": float(np.mean(predicted == truth)), "support": total})
    return rows


def confusion(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (truth, predicted), 1)
    return counts


def _regression(folder: Path, result: Predictions) -> dict[str, float]:
    predicted, truth = result.scores.reshape(len(result.y_true), -1), result.y_true.reshape(len(result.y_true), -1)
    residuals = predicted - truth
    total = float(np.sum((truth - truth.mean(axis=0)) ** 2))
    extra = {"mae": float(np.mean(np.abs(residuals))), "rmse": float(np.sqrt(np.mean(residuals**2))), "r2": 1 - float(np.sum(residuals**2)) / total if total else float("nan")}
    _csv(folder / "predictions.csv", [{"index": i, "true": float(truth[i, 0]), "predicted": float(predicted[i, 0])} for i in range(len(truth))])
    fig = Figure(figsize=(10, 4.5))
    left, right = fig.subplots(1, 2)
    left.scatter(truth[:, 0], predicted[:, 0], s=6, alpha=0.5)
    low, high = float(min(truth.min(), predicted.min())), float(max(truth.max(), predicted.max()))
    left.plot([low, high], [low, high], "k--", linewidth=1)
    left.set(xlabel="true", ylabel="predicted", title=f"predicted against true (R² {extra['r2']:.3f})")
    right.scatter(predicted[:, 0], residuals[:, 0], s=6, alpha=0.5)
    right.axhline(0, color="k", linewidth=1)
    right.set(xlabel="predicted", ylabel="residual (predicted - true)", title=f"residuals (MAE {extra['mae']:.3g}, RMSE {extra['rmse']:.3g})")
    plots.save(fig, folder / "residuals.png")
    return extra


def _grid(path: Path, result: Predictions, indices: np.ndarray, title: str, scores: np.ndarray | None = None, extra: np.ndarray | None = None) -> None:
    """A grid of examples, each titled `predicted (true)` with the probability; images drawn as images, other data as bars."""
    names = result.class_names or []
    probabilities, predicted = result.probabilities(scores), result.predicted(scores)
    columns = 6
    rows = max(1, -(-len(indices) // columns))
    fig = Figure(figsize=(columns * 1.7, rows * 1.9 + 0.4))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, index in zip(axes, indices):
        example = result.x[index]
        if result.image_shape is not None and example.size == int(np.prod(result.image_shape)):
            image = example.reshape(result.image_shape)
            image = image if image.ndim == 2 or image.shape[-1] in (3, 4) else image[..., 0]
            # Preprocessed pixels (standardized) have outliers where a pixel rarely varies: scale by percentiles.
            low, high = np.percentile(image, [2, 98])
            shown = np.clip((image - low) / (high - low + 1e-12), 0, 1) if image.ndim == 3 else image
            ax.imshow(shown, cmap="binary" if image.ndim == 2 else None, vmin=low if image.ndim == 2 else None, vmax=high if image.ndim == 2 else None)
        else:
            ax.bar(np.arange(example.size), example.ravel())
        wrong = predicted[index] != int(result.y_true[index])
        label = f"{names[predicted[index]]} ({names[int(result.y_true[index])]})\n{probabilities[index, predicted[index]]:.2f}"
        if extra is not None:
            label += f" ± {extra[index, predicted[index]]:.2f}"
        ax.set_title(label, fontsize=7, color="red" if wrong else "black")
    fig.suptitle(title, fontsize=9)
    plots.save(fig, path)


def _csv(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_text(path, buffer.getvalue())
