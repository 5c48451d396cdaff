"""What `nnlab data show` prints about a dataset, and its grid of sample images.

Works on the raw arrays, before splits and preprocessing, so the user sees the
data as it is stored: dtypes, shapes, value range and class balance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nnlab.data.dataset import CLASSIFICATION, Raw


def describe_raw(name: str, raw: Raw) -> list[str]:
    """Lines of text: task, source, each split's shapes and dtypes, value range, class balance."""
    classes = f", {len(raw.class_names)} classes" if raw.class_names else ""
    lines = [f"{name}: {raw.task}{classes}", f"source: {raw.source}"]
    splits = [("train", raw.x, raw.y)] + ([("test", raw.x_test, raw.y_test)] if raw.x_test is not None and raw.y_test is not None else [])
    for split, x, y in splits:
        lines.append(f"{split}: x {_shape(x)} {x.dtype}, y {_shape(y)} {y.dtype}")
    if raw.x_test is None:
        lines.append("test: none of its own (data.test_split holds some of train out)")
    lines.append(f"feature values: min {_number(raw.x.min())}, max {_number(raw.x.max())}, mean {_number(raw.x.mean(dtype='float64'))}")
    if raw.feature_names:
        lines.append(f"features: {', '.join(raw.feature_names)}")
    if raw.task == CLASSIFICATION:
        lines += class_balance(raw.y, raw.class_names)
    else:
        lines.append(f"target values: min {_number(raw.y.min())}, max {_number(raw.y.max())}, mean {_number(raw.y.mean(dtype='float64'))}")
    return lines


def class_balance(y: np.ndarray, class_names: list[str] | None) -> list[str]:
    """One line per class of the training labels: number, name, count, share."""
    counts = np.bincount(np.asarray(y, dtype="int64").ravel())
    names = class_names or [str(i) for i in range(len(counts))]
    lines = ["class balance (train):"]
    for label, name in enumerate(names):
        count = int(counts[label]) if label < len(counts) else 0
        lines.append(f"  {label:>3} {name:<20} {count:>7} ({100 * count / max(len(y), 1):.1f}%)")
    return lines


def _shape(array: np.ndarray) -> str:
    return str(tuple(int(d) for d in array.shape))


def _number(value: float) -> str:
    return f"{float(value):.4g}"


def sample_grid(raw: Raw, path: Path, seed: int = 0, count: int = 24, columns: int = 8) -> Path:
    """A PNG of `count` seeded random training images, each titled with its label; returns `path`."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, works without a display
    import matplotlib.pyplot as plt

    chosen = np.sort(np.random.default_rng(seed).choice(len(raw.x), size=min(count, len(raw.x)), replace=False))
    rows = -(-len(chosen) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.5), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, index in zip(axes.ravel(), chosen):
        image = np.asarray(raw.x[index]).reshape(raw.image_shape)
        ax.imshow(image, cmap="binary" if image.ndim == 2 else None)
        label = int(np.ravel(raw.y[index])[0])  # CIFAR keeps labels as (n, 1) columns
        ax.set_title(raw.class_names[label] if raw.class_names else str(label), fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
