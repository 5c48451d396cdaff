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

from nnlab.config.spec import Spec
from nnlab.data import CLASSIFICATION, Dataset
from nnlab.errors import ConfigError, Problem
from nnlab.runs import plots
from nnlab.runs.atomic import write_json, write_text, write_yaml
from nnlab.runs.folder import RunFolder
from nnlab.runs.metrics import summarize
from nnlab.runs.provenance import provenance
from nnlab.runs.record import RunRecord, RunStatus
from nnlab.training import callbacks
from nnlab.training.backend import BackendError
from nnlab.training.build import build_compiled, metric_directions
from nnlab.training.device import DeviceError, Placement, place
from nnlab.training.feed import fit_arguments, targets


@dataclass(frozen=True)
class RunResult:
    """How a run ended: its folder, final status, summary and, unless completed, why."""

    folder: RunFolder
    status: RunStatus
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Options:
    """How a run reports, beyond what its spec trains: extra callbacks, progress, provenance."""

    extra_callbacks: Sequence[keras.callbacks.Callback] = ()
    verbose: bool = True
    stream: IO[str] | None = None
    command: Sequence[str] | None = None
    config_file: str | None = None


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

    Args:
        extra_callbacks: Keras callbacks to run beside nnlab's own.
        verbose, stream: progress lines, to `stream` (default standard error).
        command, config_file: recorded in run.json.

    Raises:
        ConfigError: the device or a Keras object was rejected; nothing was written.
        KeyboardInterrupt: after recording the run as interrupted.
    """
    how = Options(extra_callbacks, verbose, stream, command, config_file)
    if spec.plan.backend != keras.config.backend():
        raise BackendError(
            f"this process runs Keras on {keras.config.backend()}, but the spec was planned for {spec.plan.backend}: select_backend(spec) before nnlab.training is imported, or start a new process"
        )
    placement = _set_global_state(spec, how.config_file)
    with placement.scope():
        model = build_compiled(
            spec, dataset.input_shape, how.config_file or "", steps_per_execution=spec.plan.steps_per_execution, jit_compile=spec.training.jit_compile
        )
        write_yaml(folder.config, spec.to_dict())
        record = RunRecord.start(folder, _facts(spec, dataset, placement, model, how))
        return _train(model, spec, dataset, folder, record, how)


def _train(model: keras.Model, spec: Spec, dataset: Dataset, folder: RunFolder, record: RunRecord, how: Options) -> RunResult:
    logger = callbacks.MetricsLogger(folder.metrics)
    guard = callbacks.DivergenceGuard()
    try:
        started = time.perf_counter()
        stopper = _fit(model, spec, dataset, folder, [logger, guard, *how.extra_callbacks], how)
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
    - op determinism only when asked (`training.deterministic`): on a CPU the same
      seed repeats a run exactly without it (tests/test_fast_path.py), and on
      TensorFlow it would switch XLA's auto mode off;
    - the device placement (a missing GPU is the config's problem).
    """
    keras.backend.clear_session()
    keras.utils.set_random_seed(spec.seed)  # on JAX, TensorFlow is hidden from Keras: no tf.random
    if spec.training.deterministic:
        _enable_op_determinism()
    try:
        return place(spec.device)
    except DeviceError as error:
        raise ConfigError([Problem("device", str(error), config_file or "<config>")]) from None


def _enable_op_determinism() -> None:
    if keras.config.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _fit(
    model: keras.Model, spec: Spec, dataset: Dataset, folder: RunFolder, hooks: list[keras.callbacks.Callback], how: Options
) -> keras.callbacks.EarlyStopping | None:
    training = spec.training
    if spec.output.tensorboard:
        hooks.append(callbacks.TensorBoardLogger(folder.tensorboard))
    stopper = keras.callbacks.EarlyStopping(**training.early_stopping) if training.early_stopping else None
    if stopper is not None:
        hooks.append(stopper)
    if how.verbose:
        hooks.append(callbacks.progress(training.epochs, spec.plan.steps_per_epoch, how.stream))
    model.fit(**fit_arguments(spec, dataset), epochs=training.epochs, callbacks=hooks, verbose=0)
    return stopper


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
    batch_size = spec.training.batch_size
    results = model.evaluate(dataset.x_test, targets(dataset.y_test, spec), batch_size=batch_size, verbose=0, return_dict=True)
    monitor = (spec.training.early_stopping or {}).get("monitor", "val_loss")
    summary = summarize(logger.rows, monitor, metric_directions(model))
    summary.update(test={key: float(value) for key, value in results.items()}, params={"total": int(model.count_params()), "trainable": _trainable(model)})
    summary["fit_seconds"] = round(fit_seconds, 3)
    if stopper is not None and stopper.stopped_epoch > 0:
        restored = bool(stopper.restore_best_weights and stopper.best_weights is not None)
        summary["stopped_early"] = {
            "epoch": len(logger.rows),
            "restored_best_weights": restored,
            "restored_epoch": stopper.best_epoch + 1 if restored else None,
        }
    write_json(folder.summary, summary)
    if spec.output.plots:
        plots.plot_curves(logger.rows, folder.plots, title=spec.title())
        if dataset.task == CLASSIFICATION:
            names = dataset.class_names or [str(i) for i in range(dataset.num_classes or 0)]
            predicted = predict_classes(model, dataset.x_test, batch_size)
            plots.plot_confusion_matrix(dataset.y_test, predicted, names, folder.plots / "confusion_matrix.png", title=spec.title())
    return summary


def predict_classes(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    scores = model.predict(x, batch_size=batch_size, verbose=0)
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
            plots.plot_curves(logger.rows, folder.plots, title=spec.title())


def _facts(spec: Spec, dataset: Dataset, placement: Placement, model: keras.Model, how: Options) -> dict[str, Any]:
    config_file = how.config_file
    return {
        "name": spec.name,
        "seed": spec.seed,
        "fingerprint": spec.fingerprint(),
        "config_file": str(Path(config_file).resolve()) if config_file and config_file not in ("<config>", "--set") else None,
        "device": placement.describe(),
        "backend": keras.config.backend(),
        "data": {**dataset.describe(), "one_hot": spec.plan.one_hot},
        "steps_per_epoch": spec.plan.steps_per_epoch,
        "steps_per_execution": spec.plan.steps_per_execution,
        "params": int(model.count_params()),
        **provenance(how.command),
    }


__all__ = ["Options", "RunResult", "run"]
