"""Keras callbacks that fill the run folder and show progress, each doing its work in its hook.

None of them forces a device-to-host copy on every batch: Keras calls batch
hooks once per `steps_per_execution` steps, and only the live progress line
(on a terminal) and the divergence guard define one. Metrics, TensorBoard
scalars and the file progress line are written per epoch.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import IO, Any

import keras
import numpy as np

from nnlab.runs.events import EventWriter
from nnlab.runs.metrics import Row, write_metrics

Logs = dict[str, Any] | None


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The learning rate in force now, schedules included."""
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


class MetricsLogger(keras.callbacks.Callback):
    """Writes metrics.csv, one row per epoch, atomically after every epoch.

    Rewriting the whole (small) file each epoch means an interrupted run keeps
    every epoch it finished; `nnlab.runs.metrics` defines the columns.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.rows: list[Row] = []
        self.phase: int | None = None  # with training.phases: the phase column

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        row: Row = {"epoch": epoch + 1, **{key: float(value) for key, value in (logs or {}).items() if key != "learning_rate"}}
        row["learning_rate"] = current_learning_rate(self.model.optimizer)
        row["epoch_seconds"] = round(time.perf_counter() - self._started, 4)
        if self.phase is not None:
            row["phase"] = self.phase
        self.rows.append(row)
        write_metrics(self.path, self.rows)


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training when the loss becomes NaN or infinite, or grows GROWTH times above its start.

    The loss is looked at once per execution (every `steps_per_execution` steps)
    and at each epoch's end, not every step, so the check costs one small copy
    per chunk. It remembers the epoch and the last finite loss it saw.
    """

    GROWTH = 10.0  # a loss this many times its first value has left the basin: it diverged

    def __init__(self) -> None:
        super().__init__()
        self.diverged_epoch: int | None = None
        self.first_loss: float | None = None
        self.last_finite_loss: float | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._check(logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._check(logs)

    def _check(self, logs: Logs) -> None:
        value = (logs or {}).get("loss")
        if value is None or self.diverged_epoch is not None:
            return
        loss = float(value)
        if math.isfinite(loss) and (self.first_loss is None or loss <= self.GROWTH * max(self.first_loss, 1e-12)):
            self.first_loss = loss if self.first_loss is None else self.first_loss
            self.last_finite_loss = loss
            return
        self.diverged_epoch = self._epoch
        self.model.stop_training = True


class TimeLimit(keras.callbacks.Callback):
    """Stops training cleanly once `minutes` have passed (checked per execution and per epoch)."""

    def __init__(self, minutes: float) -> None:
        super().__init__()
        self.seconds = minutes * 60
        self.reached = False

    def on_train_begin(self, logs: Logs = None) -> None:
        if not hasattr(self, "_started"):  # once per run: phases call fit several times
            self._started = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._check()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._check()

    def _check(self) -> None:
        if time.perf_counter() - self._started >= self.seconds:
            self.reached = True
            self.model.stop_training = True


class TensorBoardLogger(keras.callbacks.Callback):
    """Per-epoch scalars in `train/` and `validation/`, with Keras's tags, without TensorFlow.

    With `histogram_freq: N`, every N epochs each weight's histogram too (Keras's
    `<layer>/<weight>_N` style tags under `train/`).
    """

    def __init__(self, logdir: Path, histogram_freq: int = 0) -> None:
        super().__init__()
        self.logdir, self.histogram_freq = Path(logdir), histogram_freq

    def on_train_begin(self, logs: Logs = None) -> None:
        # Every fit (each phase, each resumption) gets event files of its own, continuing the steps.
        self._train, self._validation = EventWriter(self.logdir / "train"), EventWriter(self.logdir / "validation")

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        values = {key: float(value) for key, value in (logs or {}).items() if np.ndim(value) == 0}
        values["learning_rate"] = current_learning_rate(self.model.optimizer)
        self._train.scalars(epoch, {f"epoch_{key}": value for key, value in values.items() if not key.startswith("val_")})
        validation = {f"epoch_{key.removeprefix('val_')}": value for key, value in values.items() if key.startswith("val_")}
        if validation:
            self._validation.scalars(epoch, validation)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for weight in self.model.weights:
                self._train.histogram(epoch, weight.path, np.asarray(keras.ops.convert_to_numpy(weight)))
        self._train.flush()
        self._validation.flush()

    def on_train_end(self, logs: Logs = None) -> None:
        self._train.close()
        self._validation.close()


class Progress(keras.callbacks.Callback):
    """One line per finished epoch with its metrics, its seconds and the time left.

    The time left is estimated from steady epochs: the first one also traces or
    compiles the training function, so it is left out once a second one is done.
    """

    def __init__(self, epochs: int, steps: int, stream: IO[str] | None = None) -> None:
        super().__init__()
        self.epochs, self.steps = epochs, steps
        self.stream = stream or sys.stderr
        self.width = len(str(epochs))
        self.epoch_seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._epoch, self._epoch_started = epoch + 1, time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self.epoch_seconds.append(time.perf_counter() - self._epoch_started)
        left = self.epochs - self._epoch
        tail = f" ETA {duration(self.steady_epoch_seconds() * left)}" if left else ""
        self._draw(f"{self._prefix()} {format_logs(logs)} {self.epoch_seconds[-1]:.1f}s{tail}", end="\n")

    def steady_epoch_seconds(self) -> float:
        """Seconds an epoch takes once the training function is compiled."""
        steady = self.epoch_seconds[1:] or self.epoch_seconds
        return sum(steady) / max(len(steady), 1)

    def _prefix(self) -> str:
        return f"Epoch {self._epoch:>{self.width}}/{self.epochs}"

    def _draw(self, text: str, end: str) -> None:
        self.stream.write(text + end)
        self.stream.flush()


class LiveProgress(Progress):
    """`Progress` redrawn in place on a terminal during the epoch, once per execution of steps."""

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        super().on_epoch_begin(epoch, logs)
        self._last_draw = 0.0
        self._first_chunk: tuple[int, float] | None = None

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        now, done = time.perf_counter(), batch + 1
        if self._first_chunk is None:
            self._first_chunk = (done, now)  # before it: tracing and compilation, not training
        if now - self._last_draw < 0.1:
            return
        self._last_draw = now
        step = self._steady_step_seconds(done, now)
        later = self.steady_epoch_seconds() if self.epoch_seconds else step * self.steps
        eta = step * (self.steps - done) + later * (self.epochs - self._epoch)
        self._draw(f"{self._prefix()} {done}/{self.steps} {format_logs(logs)} ETA {duration(eta)}", end="")

    def _steady_step_seconds(self, done: int, now: float) -> float:
        first_done, first_time = self._first_chunk or (0, self._epoch_started)
        return (now - first_time) / (done - first_done) if done > first_done else 0.0

    def _draw(self, text: str, end: str) -> None:
        self.stream.write("\r\x1b[2K" + text + end)
        self.stream.flush()


def progress(epochs: int, steps: int, stream: IO[str] | None = None) -> Progress:
    """A live line on a terminal; one line per epoch in a log file or pipe, so logs stay short."""
    target = stream or sys.stderr
    live = bool(getattr(target, "isatty", lambda: False)())
    return (LiveProgress if live else Progress)(epochs, steps, target)


def format_logs(logs: Logs) -> str:
    """`loss 0.1234 accuracy 0.9600 val_loss 0.1500`: loss first, validation last, 4 significant digits."""
    shown = {key: value for key, value in (logs or {}).items() if key != "learning_rate" and np.ndim(value) == 0}
    order = sorted(shown, key=lambda key: (key.startswith("val_"), key.removeprefix("val_") != "loss", key))
    return " ".join(f"{key} {number(float(shown[key]))}" for key in order)


def number(value: float, digits: int = 4) -> str:
    """`digits` significant digits without an exponent where that stays short: 1.000, 0.03125, 25250, 1.2e-07."""
    if value == 0 or not math.isfinite(value):
        return f"{value:.{digits - 1}f}" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    if -4 <= magnitude < 6:
        return f"{value:.{max(0, digits - 1 - magnitude)}f}"
    return f"{value:.{digits - 1}e}"


def duration(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"
