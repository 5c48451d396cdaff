"""Run and sweep folders written by hand, with the files `nnlab train` writes, for the report's tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from nnlab.config.spec import fingerprint
from nnlab.runs.metrics import summarize, write_metrics

CONFIG: dict[str, Any] = {
    "name": "digits",
    "seed": 0,
    "data": {"dataset": {"type": "digits"}, "test_split": 0.2, "validation_split": 0.2, "preprocessing": ["standardize"]},
    "model": {
        "defaults": {"activation": "tanh", "kernel_initializer": "glorot_uniform"},
        "layers": [{"type": "Dense", "units": 100}, {"type": "Dense", "units": 10, "activation": "softmax"}],
    },
    "optimizer": {"type": "SGD", "learning_rate": 0.1},
    "loss": "sparse_categorical_crossentropy",
    "metrics": ["accuracy"],
    "training": {"epochs": 3, "batch_size": 32, "shuffle": True, "early_stopping": None},
    "output": {"plots": False, "tensorboard": False, "model": False},
    "device": "auto",
    "backend": "tensorflow",
}
DIRECTIONS = {"loss": "min", "accuracy": "max"}


def config(**changes: Any) -> dict[str, Any]:
    """CONFIG with dotted paths set: config(**{"optimizer.learning_rate": 0.01}, seed=1)."""
    result = copy.deepcopy(CONFIG)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = result
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return result


def curves(val_accuracy: float, epochs: int = 3) -> list[dict[str, Any]]:
    """metrics.csv rows whose best epoch (the last, by val_loss) has this val_accuracy."""
    rows = []
    for epoch in range(1, epochs + 1):
        lag = (epochs - epoch) * 0.05
        rows.append(
            {
                "epoch": epoch,
                "loss": 1.0 - val_accuracy + lag,
                "val_loss": 1.1 - val_accuracy + lag,
                "accuracy": val_accuracy - lag,
                "val_accuracy": val_accuracy - lag,
                "learning_rate": 0.1,
                "epoch_seconds": 0.5,
            }
        )
    return rows


def write_run(
    folder: Path,
    cfg: dict[str, Any],
    *,
    val_accuracy: float = 0.9,
    test_accuracy: float | None = None,
    status: str = "completed",
    error: str | None = None,
    epochs: int = 3,
) -> Path:
    """A completed (or failed, diverged, interrupted) run folder whose metrics come from `val_accuracy`."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    rows = curves(val_accuracy, epochs)
    if status != "completed":
        rows = rows[:1]
    write_metrics(folder / "metrics.csv", rows)
    record = {
        "status": status,
        "started_at": "2025-01-01T10:00:00+00:00",
        "ended_at": "2025-01-01T10:00:12+00:00",
        "duration_seconds": 12.0,
        "name": cfg["name"],
        "seed": cfg["seed"],
        "fingerprint": fingerprint(cfg),
        "epochs_completed": len(rows),
        "error": error,
        "pid": 1,
        "host": "elsewhere",
    }
    (folder / "run.json").write_text(json.dumps(record))
    if status == "completed":
        summary = summarize(rows, "val_loss", DIRECTIONS)
        test = test_accuracy if test_accuracy is not None else val_accuracy - 0.01
        summary.update(test={"loss": 1.0 - test, "accuracy": test}, params={"total": 10, "trainable": 10}, fit_seconds=11.0)
        (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def write_sweep(folder: Path, trials: list[tuple[dict[str, Any], float]], sweep: dict[str, Any] | None = None) -> Path:
    """A sweep folder: sweep.json, sweep.yaml and trials/<id>/ for each (config, val_accuracy)."""
    folder.mkdir(parents=True)
    (folder / "sweep.json").write_text(json.dumps({"status": "completed", "counts": {"completed": len(trials)}}))
    (folder / "sweep.yaml").write_text(yaml.safe_dump({**CONFIG, "sweep": sweep or {"grid": {}, "metric": "val_accuracy"}}, sort_keys=False))
    for cfg, accuracy in trials:
        write_run(folder / "trials" / fingerprint(cfg), cfg, val_accuracy=accuracy)
    return folder
