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
import gc
import shutil
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
from nnlab.runs import findings, plots
from nnlab.runs.atomic import write_json, write_text, write_yaml
from nnlab.runs.folder import RunFolder
from nnlab.runs.hparams import try_write_hparams
from nnlab.runs.metrics import summarize
from nnlab.runs.provenance import provenance
from nnlab.runs.record import RunRecord, RunStatus
from nnlab.training import checkpoint
from nnlab.training.backend import BackendError
from nnlab.training.build import build_compiled, metric_directions
from nnlab.training.device import DeviceError, Placement, place
from nnlab.training.feed import fit_arguments, targets
from nnlab.training.fused import fuse_steps
from nnlab.training.hooks import Hooks, hooks_for
from nnlab.training.schedules import per_step_rate


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
    resume: bool = False,
    extra_callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: bool = True,
    stream: IO[str] | None = None,
    command: Sequence[str] | None = None,
    config_file: str | None = None,
) -> RunResult:
    """Train `spec` on `dataset` and write the complete run folder `folder` (which must exist).

    Args:
        resume: continue the run already in `folder` from its checkpoint (its
            last completed epoch), keeping its metrics, logs and record.
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
        compile_options = {"steps_per_execution": spec.plan.steps_per_execution, "jit_compile": spec.training.jit_compile}
        model = build_compiled(spec, dataset.input_shape, how.config_file or "", learning_rate=per_step_rate(spec), **compile_options)
        if resume:
            record = RunRecord.reopen(folder, from_epoch=checkpoint.saved_epoch(folder.checkpoint))
        else:
            write_yaml(folder.config, spec.to_dict())
            record = RunRecord.start(folder, _facts(spec, dataset, placement, model, how))
        return _train(model, spec, dataset, folder, record, placement, how, resume)


def phase_spans(spec: Spec) -> list[tuple[int, int, dict[str, Any]]]:
    """(first epoch, end epoch, phase) of each phase; a run without phases is one phase of `training.epochs`."""
    spans, first = [], 0
    for phase in spec.training.phases or [{"epochs": spec.training.epochs}]:
        spans.append((first, first + phase["epochs"], phase))
        first += phase["epochs"]
    return spans


def _train(
    model: keras.Model, spec: Spec, dataset: Dataset, folder: RunFolder, record: RunRecord, placement: Placement, how: Options, resume: bool
) -> RunResult:
    hooks = hooks_for(spec, dataset, folder, placement.strategy == "MirroredStrategy", list(how.extra_callbacks), how.stream, how.verbose)
    fit_seconds = float(record.data.get("fit_seconds") or 0) if resume else 0.0
    try:
        start, entered = _resume(model, spec, folder, hooks) if resume else (0, 0)
        for index, (first, end, phase) in enumerate(phase_spans(spec)):
            if end <= start:
                continue
            if index != entered and (index or _changes_model(phase)):
                _enter_phase(model, spec, index)
            hooks.logger.phase = index + 1 if spec.training.phases else None
            started = time.perf_counter()
            model.fit(**fit_arguments(spec, dataset, max(first, start), end), initial_epoch=max(first, start), epochs=end, callbacks=hooks.all(), verbose=0)
            fit_seconds += time.perf_counter() - started
            if hooks.stopped():
                break
        if hooks.diverged_epoch is not None:
            return _diverged(spec, folder, record, hooks)
        summary = _evaluate(model, spec, dataset, hooks, folder, fit_seconds)
        if spec.output.model:
            model.save(folder.model)
        shutil.rmtree(folder.checkpoint, ignore_errors=True)  # a completed run needs no resuming
        record.finish(RunStatus.COMPLETED, epochs_completed=len(hooks.logger.rows), fit_seconds=round(fit_seconds, 3))
        if spec.output.tensorboard:  # TensorBoard's HParams tab; a failure there never changes the run's status
            try_write_hparams(folder)
        return RunResult(folder, RunStatus.COMPLETED, summary)
    except KeyboardInterrupt:
        _plot_partial(spec, folder, hooks)
        record.finish(
            RunStatus.INTERRUPTED, epochs_completed=len(hooks.logger.rows), fit_seconds=round(fit_seconds, 3), error="interrupted (Ctrl-C or SIGTERM)"
        )
        raise
    except Exception as error:  # noqa: BLE001  the run failed: record why, keep what was done
        write_text(folder.error, traceback.format_exc())
        message = f"{type(error).__name__}: {error}".strip()
        record.finish(RunStatus.FAILED, epochs_completed=len(hooks.logger.rows), fit_seconds=round(fit_seconds, 3), error=message)
        return RunResult(folder, RunStatus.FAILED, error=message)


def _resume(model: keras.Model, spec: Spec, folder: RunFolder, hooks: Hooks) -> tuple[int, int]:
    """Load the checkpoint into the model as the phase that saved it had compiled it.

    Returns the epoch to continue from and the phase the model is now in; the
    rows the run wrote after its checkpoint are taken back.
    """
    start = checkpoint.saved_epoch(folder.checkpoint)
    hooks.resume_from(start, folder)
    if not start:
        return 0, 0
    saved = next(index for index, (first, end, _) in enumerate(phase_spans(spec)) if first < start <= end)
    if saved or _changes_model(phase_spans(spec)[0][2]):
        _enter_phase(model, spec, saved)
    if hooks.checkpoint is None:
        raise RuntimeError(f"{folder}: output.checkpoint is off, so the run has nothing to resume from")
    checkpoint.restore(model, folder.checkpoint, hooks.checkpoint)
    return start, saved


def _changes_model(phase: dict[str, Any]) -> bool:
    return "optimizer" in phase or "unfreeze" in phase


def _enter_phase(model: keras.Model, spec: Spec, index: int) -> None:
    """Make phase `index`'s layers trainable and recompile with its optimizer (a fresh one), as the lesson does."""
    from nnlab.training.build import build, set_trainable

    phases = spec.training.phases or [{}]
    base_layers = model.layers[: len(model.layers) - len(spec.model.layers)]
    for phase in phases[: index + 1]:
        set_trainable(base_layers, phase.get("unfreeze", False), trainable=True)
    optimizer = build("optimizer", phases[index].get("optimizer") or spec.optimizer)
    metrics = [build("metric", metric) for metric in spec.metrics]
    loss = build("loss", spec.loss)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, steps_per_execution=spec.plan.steps_per_execution, jit_compile=spec.training.jit_compile)
    fuse_steps(model)


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
    # clear_session's full garbage collection walks every object TensorFlow and Keras keep
    # alive (0.2 s per trial in a sweep worker); the survivors of each collection are frozen,
    # left out of later ones, so the next run's collection walks only what this run creates.
    gc.freeze()
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


def _diverged(spec: Spec, folder: RunFolder, record: RunRecord, hooks: Hooks) -> RunResult:
    """A diverged run keeps its epochs, plots and findings; it has no test metrics."""
    assert hooks.guard is not None and hooks.diverged_epoch is not None
    epoch, last = hooks.diverged_epoch, hooks.guard.last_finite_loss
    message = f"the loss became NaN, infinite or {hooks.guard.GROWTH:g} times its start in epoch {epoch}" + (
        f" (last finite loss {last:.4g})" if last is not None else ""
    )
    summary: dict[str, Any] = summarize(hooks.logger.rows, "loss", {"loss": "min"}) if hooks.logger.rows else {}
    summary["findings"] = [f.to_dict() for f in [*_findings(spec, hooks), findings.diverged(epoch, last)]]
    write_json(folder.summary, summary)
    _plot_partial(spec, folder, hooks)
    record.finish(RunStatus.DIVERGED, diverged_epoch=epoch, last_finite_loss=last, error=message, epochs_completed=len(hooks.logger.rows))
    return RunResult(folder, RunStatus.DIVERGED, summary, error=message)


def _findings(spec: Spec, hooks: Hooks) -> list[findings.Finding]:
    diagnostics = hooks.diagnostics.rows if hooks.diagnostics is not None else []
    return findings.find(hooks.logger.rows, diagnostics, spec.plan.num_classes)


def _evaluate(model: keras.Model, spec: Spec, dataset: Dataset, hooks: Hooks, folder: RunFolder, fit_seconds: float) -> dict[str, Any]:
    """Test metrics, summary.json (with findings) and the plots of a completed run."""
    batch_size = spec.training.batch_size
    results = model.evaluate(dataset.x_test, targets(dataset.y_test, spec), batch_size=batch_size, verbose=0, return_dict=True)
    monitor = (spec.training.early_stopping or {}).get("monitor", "val_loss")
    summary = summarize(hooks.logger.rows, monitor, metric_directions(model))
    summary.update(test={key: float(value) for key, value in results.items()}, params={"total": int(model.count_params()), "trainable": _trainable(model)})
    summary["fit_seconds"] = round(fit_seconds, 3)
    stopped = _stopped_early(hooks)
    if stopped:
        summary["stopped_early"] = stopped
    summary["findings"] = [finding.to_dict() for finding in _findings(spec, hooks)]
    write_json(folder.summary, summary)
    if spec.output.plots:
        _plot(spec, folder, hooks)
        if dataset.task == CLASSIFICATION:
            names = dataset.class_names or [str(i) for i in range(dataset.num_classes or 0)]
            predicted = predict_classes(model, dataset.x_test, batch_size)
            plots.plot_confusion_matrix(dataset.y_test, predicted, names, folder.plots / "confusion_matrix.png", title=spec.title())
    return summary


def _stopped_early(hooks: Hooks) -> dict[str, Any] | None:
    if hooks.time_limit is not None and hooks.time_limit.reached:
        return {"by": "time_limit", "epoch": len(hooks.logger.rows)}
    stopper = hooks.stopper
    if stopper is not None and stopper.stopped_epoch > 0:
        restored = stopper.best_epoch + 1 if stopper.restore_best_weights and stopper.best_weights is not None else None
        return {"by": "early_stopping", "epoch": len(hooks.logger.rows), "restored_best_weights": restored is not None, "restored_epoch": restored}
    return None


def _plot(spec: Spec, folder: RunFolder, hooks: Hooks) -> None:
    plots.plot_curves(hooks.logger.rows, folder.plots, title=spec.title())
    plots.plot_learning_rate(hooks.logger.rows, folder.plots, title=spec.title())
    if hooks.diagnostics is not None:
        plots.plot_diagnostics(hooks.diagnostics.rows, folder.plots, title=spec.title())


def predict_classes(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    scores = model.predict(x, batch_size=batch_size, verbose=0)
    if scores.shape[-1] == 1:  # one sigmoid (or logit) unit: threshold in the middle
        threshold = 0.5 if np.all((scores >= 0) & (scores <= 1)) else 0.0
        return (scores[:, 0] > threshold).astype("int32")
    return np.argmax(scores, axis=-1)


def _trainable(model: keras.Model) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def _plot_partial(spec: Spec, folder: RunFolder, hooks: Hooks) -> None:
    """Plots of the epochs a stopped run did finish; they never hide the final status."""
    if hooks.logger.rows and spec.output.plots:
        with contextlib.suppress(Exception):  # a plot failure must not lose the run's status
            _plot(spec, folder, hooks)


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
        "diagnostics": spec.training.diagnostics and placement.strategy != "MirroredStrategy",
        "params": int(model.count_params()),
        **provenance(how.command),
    }


__all__ = ["Options", "RunResult", "run"]
