"""The callbacks of one run, chosen from its spec: nnlab's own, the lessons' (under `training:`), and the caller's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

import keras

from nnlab.config.dynamics import TENSORBOARD_OWN
from nnlab.config.spec import Spec
from nnlab.data import Dataset
from nnlab.runs.diagnostics import read_diagnostics
from nnlab.runs.folder import RunFolder
from nnlab.runs.metrics import read_metrics
from nnlab.training import callbacks, schedules
from nnlab.training.checkpoint import Checkpoint
from nnlab.training.diagnostics import Diagnostics
from nnlab.training.feed import targets


@dataclass
class Hooks:
    """Every callback of a run, and the ones `run` asks afterwards how training ended."""

    logger: callbacks.MetricsLogger
    guard: callbacks.DivergenceGuard | None = None
    time_limit: callbacks.TimeLimit | None = None
    stopper: keras.callbacks.EarlyStopping | None = None
    diagnostics: Diagnostics | None = None
    checkpoint: Checkpoint | None = None
    others: list[keras.callbacks.Callback] = field(default_factory=list)

    def all(self) -> list[keras.callbacks.Callback]:
        named = [self.logger, self.guard, self.time_limit, self.stopper, self.diagnostics, self.checkpoint]
        return [hook for hook in named if hook is not None] + self.others

    @property
    def diverged_epoch(self) -> int | None:
        return self.guard.diverged_epoch if self.guard is not None else None

    def stopped(self) -> bool:
        """Training ended before its last epoch: diverged, out of time or stopped early (later phases are skipped)."""
        early = self.stopper is not None and self.stopper.stopped_epoch > 0
        return self.diverged_epoch is not None or (self.time_limit is not None and self.time_limit.reached) or early

    def resume_from(self, epoch: int, folder: RunFolder) -> None:
        """Take back what the run wrote about epochs after `epoch` (its checkpoint) and continue from there."""
        rows = read_metrics(folder.metrics) if folder.metrics.exists() else []
        self.logger.rows = [row for row in rows if row["epoch"] <= epoch]
        if self.diagnostics is not None and folder.diagnostics.exists():
            self.diagnostics.rows = [row for row in read_diagnostics(folder.diagnostics) if row["epoch"] <= epoch]


def hooks_for(
    spec: Spec, dataset: Dataset, folder: RunFolder, distributed: bool, extra: list[keras.callbacks.Callback], progress: IO[str] | None, verbose: bool
) -> Hooks:
    """The callbacks `spec` asks for; progress last, so it prints what the others logged."""
    training = spec.training
    hooks = Hooks(callbacks.MetricsLogger(folder.metrics))
    hooks.guard = callbacks.DivergenceGuard() if training.terminate_on_nan else None
    hooks.time_limit = callbacks.TimeLimit(training.time_limit) if training.time_limit else None
    hooks.stopper = keras.callbacks.EarlyStopping(**training.early_stopping) if training.early_stopping else None
    if training.diagnostics and not distributed:
        board = folder.tensorboard if spec.output.tensorboard else None
        hooks.diagnostics = Diagnostics(dataset.x_train, targets(dataset.y_train, spec), folder.diagnostics, spec.seed, board)
    hooks.checkpoint = Checkpoint(folder.checkpoint) if spec.output.checkpoint else None
    hooks.others = [*schedules.callbacks(spec), *_checkpoint(spec, folder), *_tensorboard(spec, folder), *extra]
    if verbose:
        hooks.others.append(callbacks.progress(training.epochs, spec.plan.steps_per_epoch, progress))
    return hooks


def _checkpoint(spec: Spec, folder: RunFolder) -> list[keras.callbacks.Callback]:
    args = spec.training.model_checkpoint
    if not args:
        return []
    return [keras.callbacks.ModelCheckpoint(str(folder.best_weights), save_best_only=True, save_weights_only=True, **args)]


def _tensorboard(spec: Spec, folder: RunFolder) -> list[keras.callbacks.Callback]:
    if not spec.output.tensorboard:
        return []
    args = spec.training.tensorboard
    if set(args) - TENSORBOARD_OWN:  # write_graph, profile_batch, ...: TensorFlow's summaries (config checks the backend)
        return [keras.callbacks.TensorBoard(log_dir=str(folder.tensorboard), **args)]
    return [callbacks.TensorBoardLogger(folder.tensorboard, histogram_freq=int(args.get("histogram_freq", 0)))]
