"""Training one experiment into the run folder it is given.

`run` reads top to bottom: global state, model, record, fit, evaluate, save.
Everything the user can get wrong (the device, a Keras object Keras rejects)
is raised as ConfigError before anything is written into the folder; once the
record exists, the run always ends with a final status. Ctrl-C (and SIGTERM,
which the caller turns into KeyboardInterrupt) is recorded as `interrupted`
and re-raised: the caller decides what an interrupt means (the CLI exits 130,
a sweep stops handing out trials). `run` can be called many times in one
process: it resets Keras's global state first.
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import keras
import numpy as np
import tensorflow as tf

from nnlab.config.spec import Spec
from nnlab.data import CLASSIFICATION, Dataset
from nnlab.errors import ConfigError, Problem
from nnlab.runs import plots
from nnlab.runs.atomic import write_json, write_text, write_yaml
from nnlab.runs.folder import RunFolder
from nnlab.runs.hparams import try_write_hparams
from nnlab.runs.metrics import summarize
from nnlab.runs.provenance import provenance
from nnlab.runs.record import RunRecord, RunStatus
from nnlab.training import callbacks
from nnlab.training.build import build_compiled, metric_directions
from nnlab.training.device import DeviceError, Placement, place
from nnlab.training.feed import feed


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its folder, final status, summary and, unless completed, why."""

    folder: RunFolder
    status: RunStatus
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def run(
    spec: Spec,
    dataset: Dataset,
    folder: RunFolder,
    *,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: bool = True,
    stream: IO[str] | None = None,
    command: Sequence[str] | None = None,
    config_file: str | None = None,
) -> RunResult:
    """Train `spec` on `dataset` and write the complete run folder `folder` (which must exist).

    Raises:
        ConfigError: the device or a Keras object was rejected; nothing was written.
        KeyboardInterrupt: after recording the run as interrupted.
    """
    placement = _set_global_state(spec, config_file)
    with placement.strategy.scope():
        model = build_compiled(spec, dataset.input_shape, config_file or "")
    write_yaml(folder.config, spec.to_dict())
    record = RunRecord.start(folder, _facts(spec, dataset, placement, model, command, config_file))
    logger = callbacks.MetricsLogger(folder.metrics)
    guard = callbacks.DivergenceGuard()
    try:
        started = time.perf_counter()
        stopper = _fit(model, spec, dataset, folder, [logger, guard, *extra_callbacks], verbose, stream)
        fit_seconds = time.perf_counter() - started
        if guard.diverged_epoch is not None:
            message = f"the loss became NaN or infinite in epoch {guard.diverged_epoch}"
            _plot_partial(spec, folder, logger)
            record.finish(RunStatus.DIVERGED, diverged_epoch=guard.diverged_epoch, error=message, epochs_completed=len(logger.rows))
            return RunResult(folder, RunStatus.DIVERGED, error=message)
        summary = _evaluate(model, spec, dataset, logger, stopper, folder, fit_seconds)
        if spec.output.model:
            model.save(folder.model)
        record.finish(RunStatus.COMPLETED, epochs_completed=len(logger.rows), fit_seconds=round(fit_seconds, 3))
        if spec.output.tensorboard:  # TensorBoard's HParams tab; a failure there never changes the run's status
            try_write_hparams(folder)
        return RunResult(folder, RunStatus.COMPLETED, summary)
    except KeyboardInterrupt:
        _plot_partial(spec, folder, logger)
        record.finish(RunStatus.INTERRUPTED, epochs_completed=len(logger.rows), error="interrupted (Ctrl-C or SIGTERM)")
        raise
    except Exception as error:  # noqa: BLE001  the run failed: record why, keep what was done
        write_text(folder.error, traceback.format_exc())
        message = f"{type(error).__name__}: {error}".strip()
        record.finish(RunStatus.FAILED, epochs_completed=len(logger.rows), error=message)
        return RunResult(folder, RunStatus.FAILED, error=message)


def _set_global_state(spec: Spec, config_file: str | None) -> Placement:
    """The process-wide state a run depends on, set in this one place.

    - `clear_session`: fresh layer names and graphs for every run in a process;
    - the seed: Python's, NumPy's and the backend's generators;
    - op determinism: the same seed gives the same metrics.csv on a CPU;
    - the device placement (a missing GPU is the config's problem).
    """
    keras.backend.clear_session()
    keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()
    try:
        return place(spec.device)
    except DeviceError as error:
        raise ConfigError([Problem("device", str(error), config_file or "<config>")]) from None


def _fit(
    model: keras.Model, spec: Spec, dataset: Dataset, folder: RunFolder, hooks: list[keras.callbacks.Callback], verbose: bool, stream: IO[str] | None
) -> keras.callbacks.EarlyStopping | None:
    training = spec.training
    train_data = feed(dataset.x_train, _targets(dataset.y_train, spec), training.batch_size, shuffle=training.shuffle, seed=spec.seed)
    val_data = None
    if dataset.x_val is not None and dataset.y_val is not None:
        val_data = feed(dataset.x_val, _targets(dataset.y_val, spec), training.batch_size)
    if spec.output.tensorboard:
        hooks.append(keras.callbacks.TensorBoard(log_dir=str(folder.tensorboard)))
    stopper = keras.callbacks.EarlyStopping(**training.early_stopping) if training.early_stopping else None
    if stopper is not None:
        hooks.append(stopper)
    if verbose:
        hooks.append(callbacks.Progress(training.epochs, spec.plan.steps_per_epoch, stream))
    model.fit(train_data, validation_data=val_data, epochs=training.epochs, callbacks=hooks, verbose=0, shuffle=False)
    return stopper


def _targets(y: np.ndarray, spec: Spec) -> np.ndarray:
    """Labels as the loss wants them: one-hot vectors, int32 classes, or float32 values."""
    if spec.plan.one_hot:
        return keras.utils.to_categorical(y, spec.plan.num_classes).astype("float32")
    if spec.plan.task == CLASSIFICATION:
        return y.astype("int32", copy=False)
    return y.astype("float32", copy=False)


def _evaluate(
    model: keras.Model,
    spec: Spec,
    dataset: Dataset,
    logger: callbacks.MetricsLogger,
    stopper: keras.callbacks.EarlyStopping | None,
    folder: RunFolder,
    fit_seconds: float,
) -> dict[str, Any]:
    """Test metrics, summary.json and the plots of a completed run."""
    test_data = feed(dataset.x_test, _targets(dataset.y_test, spec), spec.training.batch_size)
    test = {key: float(value) for key, value in model.evaluate(test_data, verbose=0, return_dict=True).items()}
    monitor = (spec.training.early_stopping or {}).get("monitor", "val_loss")
    summary = summarize(logger.rows, monitor, metric_directions(model))
    summary.update(test=test, params={"total": int(model.count_params()), "trainable": _trainable(model)}, fit_seconds=round(fit_seconds, 3))
    if stopper is not None and stopper.stopped_epoch > 0:
        summary["stopped_early"] = {"epoch": len(logger.rows), "restored_best_weights": bool(stopper.restore_best_weights and stopper.best_weights is not None)}
    write_json(folder.summary, summary)
    if spec.output.plots:
        plots.plot_curves(logger.rows, folder.plots, title=spec.name)
        if dataset.task == CLASSIFICATION:
            names = dataset.class_names or [str(i) for i in range(dataset.num_classes or 0)]
            plots.plot_confusion_matrix(dataset.y_test, predict_classes(model, test_data), names, folder.plots / "confusion_matrix.png", title=spec.name)
    return summary


def predict_classes(model: keras.Model, data: tf.data.Dataset) -> np.ndarray:
    scores = model.predict(data.map(lambda x, y: x), verbose=0)
    if scores.shape[-1] == 1:  # one sigmoid (or logit) unit: threshold in the middle
        threshold = 0.5 if np.all((scores >= 0) & (scores <= 1)) else 0.0
        return (scores[:, 0] > threshold).astype("int32")
    return np.argmax(scores, axis=-1)


def _trainable(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _plot_partial(spec: Spec, folder: RunFolder, logger: callbacks.MetricsLogger) -> None:
    """Plots of the epochs a stopped run did finish; they never hide the final status."""
    if logger.rows and spec.output.plots:
        with contextlib.suppress(Exception):  # a plot failure must not lose the run's status
            plots.plot_curves(logger.rows, folder.plots, title=spec.name)


def _facts(spec: Spec, dataset: Dataset, placement: Placement, model: keras.Model, command: Sequence[str] | None, config_file: str | None) -> dict[str, Any]:
    return {
        "name": spec.name,
        "seed": spec.seed,
        "fingerprint": spec.fingerprint(),
        "config_file": str(Path(config_file).resolve()) if config_file and config_file not in ("<config>", "--set") else None,
        "device": placement.describe(),
        "backend": keras.config.backend(),
        "data": {**dataset.describe(), "one_hot": spec.plan.one_hot},
        "steps_per_epoch": spec.plan.steps_per_epoch,
        "params": int(model.count_params()),
        **provenance(command),
    }


__all__ = ["RunResult", "run"]
