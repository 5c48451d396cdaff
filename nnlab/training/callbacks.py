"""Keras callbacks that fill the run folder and show progress, each doing its work in its hook."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import IO, Any

import keras
import numpy as np

from nnlab.runs.metrics import Row, write_metrics


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

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row: Row = {"epoch": epoch + 1, **{key: float(value) for key, value in (logs or {}).items() if key != "learning_rate"}}
        row["learning_rate"] = current_learning_rate(self.model.optimizer)
        row["epoch_seconds"] = round(time.perf_counter() - self._started, 4)
        self.rows.append(row)
        write_metrics(self.path, self.rows)


class DivergenceGuard(keras.callbacks.Callback):
    """Stops training at the first NaN or infinite loss and remembers the epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.diverged_epoch: int | None = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)) and self.diverged_epoch is None:
            self.diverged_epoch = self._epoch
            self.model.stop_training = True


class Progress(keras.callbacks.Callback):
    """One line per epoch with its metrics and the time left.

    On a terminal the line is redrawn in place during the epoch; elsewhere
    (a log file, CI) only the finished line is written, so logs stay short.
    """

    def __init__(self, epochs: int, steps: int, stream: IO[str] | None = None):
        super().__init__()
        self.epochs, self.steps = epochs, steps
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = len(str(epochs))

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._train_started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._epoch, self._epoch_started, self._last_draw = epoch + 1, time.perf_counter(), 0.0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = time.perf_counter()
        if not self.live or now - self._last_draw < 0.1:
            return
        self._last_draw = now
        done = (batch + 1) / max(self.steps, 1)
        elapsed = now - self._epoch_started
        eta = elapsed / done * (1 - done) + self._epoch_seconds() * (self.epochs - self._epoch)
        self._draw(f"{self._prefix()} {batch + 1}/{self.steps} {_format(logs)} ETA {_duration(eta)}", end="")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        seconds = time.perf_counter() - self._epoch_started
        eta = (time.perf_counter() - self._train_started) / self._epoch * (self.epochs - self._epoch)
        tail = f" ETA {_duration(eta)}" if self._epoch < self.epochs else ""
        self._draw(f"{self._prefix()} {_format(logs)} {seconds:.1f}s{tail}", end="\n")

    def _epoch_seconds(self) -> float:
        finished = self._epoch - 1
        return (self._epoch_started - self._train_started) / finished if finished else 0.0

    def _prefix(self) -> str:
        return f"Epoch {self._epoch:>{self.width}}/{self.epochs}"

    def _draw(self, text: str, end: str) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K" + text + end)
        elif end:
            self.stream.write(text + end)
        self.stream.flush()


def _format(logs: dict | None) -> str:
    """`loss 0.12 accuracy 0.96 val_loss 0.15 val_accuracy 0.95`: loss first, validation last."""
    shown = {key: value for key, value in (logs or {}).items() if key != "learning_rate" and np.ndim(value) == 0}
    order = sorted(shown, key=lambda key: (key.startswith("val_"), key.removeprefix("val_") != "loss", key))
    return " ".join(f"{key} {float(shown[key]):.4g}" for key in order)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
