"""Training one experiment into one run folder.

Reads top to bottom: seed, device, model, run folder, fit, evaluate, save.
Everything the user can get wrong is checked before the run folder exists; once
it exists, the run always ends with a final status in run.json. `train` can be
called many times in one process (sweeps run trials that way): it clears Keras's
session first and leaves no global state behind but the seed.
"""

from __future__ import annotations

import platform
import signal
import subprocess
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Sequence

from nnlab import backend  # noqa: F401  (before tensorflow)

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

import nnlab
from nnlab import callbacks, plots, run_folder
from nnlab.config import task
from nnlab.data import CLASSIFICATION, Dataset
from nnlab.data.pipeline import feed
from nnlab.device import DeviceError, place
from nnlab.errors import ConfigError
from nnlab.experiment import Experiment
from nnlab.model import build_compiled


@dataclass
class RunResult:
    """How a run ended: its folder, final status and summary."""

    folder: Path
    status: str
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def train(experiment: Experiment, runs_dir: str | Path = "runs", *, verbose: bool = True, stream: IO[str] | None = None, command: Sequence[str] | None = None) -> RunResult:
    """Train `experiment` and write its complete run folder under `runs_dir`.

    Raises:
        ConfigError: the device or a Keras object of the config was rejected;
            raised before any run folder is created.
    """
    config, dataset = experiment.config, experiment.dataset
    keras.backend.clear_session()  # fresh layer names and graphs for every run in a process
    keras.utils.set_random_seed(config["seed"])
    tf.config.experimental.enable_op_determinism()
    try:
        placement = place(config["device"])
    except DeviceError as error:
        raise ConfigError([experiment.source.problem(("device",), str(error))]) from None
    with placement.strategy.scope():
        model = build_compiled(config, dataset.input_shape, experiment.file)

    folder = run_folder.create(Path(runs_dir), config["name"])
    run_folder.write_yaml(folder / "config.yaml", config)
    record = run_folder.RunRecord(folder, _facts(experiment, placement.describe(), model, command))
    logger = callbacks.MetricsLogger(folder / "metrics.csv")
    guard = callbacks.DivergenceGuard()
    fit_seconds = 0.0
    try:
        with _sigterm_as_interrupt():
            started = time.perf_counter()
            _fit(model, config, dataset, folder, [logger, guard], verbose, stream)
            fit_seconds = time.perf_counter() - started
        if guard.diverged_epoch is not None:
            message = f"the loss became NaN or infinite in epoch {guard.diverged_epoch}"
            _finish_partial(folder, logger)
            record.finish("diverged", diverged_epoch=guard.diverged_epoch, error=message, epochs_completed=len(logger.rows))
            return RunResult(folder, "diverged", error=message)
        summary = _evaluate(model, config, dataset, logger, folder, fit_seconds)
        model.save(folder / "model.keras")
        record.finish("completed", epochs_completed=len(logger.rows), fit_seconds=round(fit_seconds, 3))
        return RunResult(folder, "completed", summary)
    except KeyboardInterrupt:
        _finish_partial(folder, logger)
        record.finish("interrupted", epochs_completed=len(logger.rows), error="interrupted (Ctrl-C or SIGTERM)")
        return RunResult(folder, "interrupted", error="interrupted")
    except Exception as error:  # the run failed: record why, keep what was done
        run_folder.write_text(folder / "error.txt", traceback.format_exc())
        message = f"{type(error).__name__}: {error}".strip()
        record.finish("failed", epochs_completed=len(logger.rows), error=message)
        return RunResult(folder, "failed", error=message)


def _fit(model: keras.Model, config: dict, dataset: Dataset, folder: Path, extra: list, verbose: bool, stream: IO[str] | None) -> None:
    training = config["training"]
    one_hot = task.needs_one_hot(config, dataset)
    train_data = feed(dataset.x_train, _targets(dataset.y_train, dataset, one_hot), training["batch_size"], shuffle=training["shuffle"], seed=config["seed"])
    val_data = None
    if dataset.x_val is not None:
        val_data = feed(dataset.x_val, _targets(dataset.y_val, dataset, one_hot), training["batch_size"])
    steps = int(np.ceil(len(dataset.x_train) / training["batch_size"]))
    hooks = [*extra, keras.callbacks.TensorBoard(log_dir=str(folder / "tensorboard"))]
    if training["early_stopping"]:
        hooks.append(keras.callbacks.EarlyStopping(**training["early_stopping"]))
    if verbose:
        hooks.append(callbacks.Progress(training["epochs"], steps, stream))
    model.fit(train_data, validation_data=val_data, epochs=training["epochs"], callbacks=hooks, verbose=0, shuffle=False)


def _targets(y: np.ndarray, dataset: Dataset, one_hot: bool) -> np.ndarray:
    if one_hot:
        return keras.utils.to_categorical(y, dataset.num_classes).astype("float32")
    if dataset.task == CLASSIFICATION:
        return y.astype("int32")
    return y.astype("float32")


def _evaluate(model: keras.Model, config: dict, dataset: Dataset, logger: callbacks.MetricsLogger, folder: Path, fit_seconds: float) -> dict[str, Any]:
    """Test metrics, summary.json and the plots of a completed run."""
    one_hot = task.needs_one_hot(config, dataset)
    test_data = feed(dataset.x_test, _targets(dataset.y_test, dataset, one_hot), config["training"]["batch_size"])
    test = {key: float(value) for key, value in model.evaluate(test_data, verbose=0, return_dict=True).items()}
    history = pd.DataFrame(logger.rows)
    summary = summarize(history, config["training"]["early_stopping"])
    summary.update(test=test, params={"total": int(model.count_params()), "trainable": _trainable(model)}, fit_seconds=round(fit_seconds, 3))
    run_folder.write_json(folder / "summary.json", summary)
    plots.plot_curves(history, folder / "plots")
    if dataset.task == CLASSIFICATION:
        predicted = predict_classes(model, test_data)
        names = dataset.class_names or [str(i) for i in range(dataset.num_classes)]
        plots.plot_confusion_matrix(dataset.y_test, predicted, names, folder / "plots" / "confusion_matrix.png")
    return summary


def summarize(history: pd.DataFrame, early_stopping: dict | None) -> dict[str, Any]:
    """Final and best-epoch metrics from the per-epoch history."""
    monitor = (early_stopping or {}).get("monitor", "val_loss")
    if monitor not in history:
        monitor = "loss"
    mode = (early_stopping or {}).get("mode", "auto")
    maximize = mode == "max" or (mode == "auto" and any(word in monitor for word in ("acc", "auc", "precision", "recall")))
    best_index = int(history[monitor].idxmax() if maximize else history[monitor].idxmin())
    metrics = [c for c in history.columns if c not in ("epoch", "epoch_seconds")]
    row = lambda index: {c: float(history.loc[index, c]) for c in metrics}  # noqa: E731
    return {
        "epochs_completed": int(len(history)),
        "monitor": monitor,
        "best_epoch": int(history.loc[best_index, "epoch"]),
        "best": row(best_index),
        "final": row(len(history) - 1),
    }


def predict_classes(model: keras.Model, data: tf.data.Dataset) -> np.ndarray:
    scores = model.predict(data.map(lambda x, y: x), verbose=0)
    if scores.shape[-1] == 1:  # one sigmoid (or logit) unit: threshold in the middle
        threshold = 0.5 if np.all((scores >= 0) & (scores <= 1)) else 0.0
        return (scores[:, 0] > threshold).astype("int32")
    return np.argmax(scores, axis=-1)


def _trainable(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _finish_partial(folder: Path, logger: callbacks.MetricsLogger) -> None:
    """Plots of the epochs a stopped run did finish; they never hide the final status."""
    if logger.rows:
        try:
            plots.plot_curves(pd.DataFrame(logger.rows), folder / "plots")
        except Exception:  # noqa: BLE001  a plot failure must not lose the run's status
            pass


def _facts(experiment: Experiment, device: dict, model: keras.Model, command: Sequence[str] | None) -> dict[str, Any]:
    return {
        "name": experiment.name,
        "seed": experiment.seed,
        "config_file": str(Path(experiment.file).resolve()) if experiment.file != "<config>" else None,
        "command": list(command) if command is not None else sys.argv,
        "device": device,
        "data": experiment.dataset.describe(),
        "params": int(model.count_params()),
        "versions": {
            "nnlab": nnlab.__version__,
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
        "git_commit": _git_commit(),
        "host": platform.node(),
    }


def _git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a scheduler stopping the job) ends the run like Ctrl-C: as interrupted."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


__all__ = ["train", "RunResult", "summarize"]
