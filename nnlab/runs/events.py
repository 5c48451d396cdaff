"""TensorBoard event files written without TensorFlow: scalars per epoch, read by `tensorboard --logdir`.

Keras's own TensorBoard callback goes through `tf.summary`, and TensorBoard's
`EventFileWriter` opens files through `tf.io.gfile`: both import TensorFlow
(seconds), even when Keras trains on JAX. An event file is only a sequence of
`Event` protocol buffers in TFRecord framing, so this writes it with the
TensorBoard package's protos and record framing and a plain file, with the tags
Keras would use (`epoch_loss`, `epoch_accuracy`, ...) in the same folders
(`train/`, `validation/`): a run looks the same in TensorBoard on either backend.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_counter = itertools.count()


class EventWriter:
    """One event file in `logdir`; `scalars` adds a step's values, `close` flushes it."""

    def __init__(self, logdir: Path) -> None:
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        logdir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}.{next(_counter)}"
        self._records = RecordWriter(open(logdir / name, "wb"))  # noqa: SIM115  (closed by close())
        self._write(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def scalars(self, step: int, values: Mapping[str, float]) -> None:
        from tensorboard.compat.proto import summary_pb2

        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value)) for tag, value in values.items()])
        self.add(step, summary)

    def histogram(self, step: int, tag: str, values: Any, bins: int = 30) -> None:
        """A histogram of `values` (a NumPy array), as TensorBoard's Histograms tab shows it."""
        import numpy as np
        from tensorboard.compat.proto import summary_pb2

        flat = np.asarray(values, dtype="float64").ravel()
        counts, edges = np.histogram(flat, bins=bins) if flat.size else (np.zeros(0), np.zeros(1))
        histogram = summary_pb2.HistogramProto(
            min=float(flat.min()) if flat.size else 0.0,
            max=float(flat.max()) if flat.size else 0.0,
            num=float(flat.size),
            sum=float(flat.sum()),
            sum_squares=float(np.square(flat).sum()),
            bucket_limit=[float(edge) for edge in edges[1:]],
            bucket=[float(count) for count in counts],
        )
        self.add(step, summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histogram)]))

    def add(self, step: int, summary: Any) -> None:
        """Add a `Summary` protocol buffer (scalars, histograms, hparams) at `step`."""
        from tensorboard.compat.proto import event_pb2

        self._write(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

    def _write(self, event: Any) -> None:
        self._records.write(event.SerializeToString())

    @property
    def closed(self) -> bool:
        return bool(self._records.closed)

    def flush(self) -> None:
        self._records.flush()

    def close(self) -> None:
        if not self._records.closed:
            self._records.close()
