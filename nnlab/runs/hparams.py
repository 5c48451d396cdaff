"""A run's hyperparameters and final metrics for TensorBoard's HParams tab, written without TensorFlow.

TensorBoard's HParams plugin finds a session wherever a run directory holds a
`session_start_info` summary: its hyperparameters. It reads the session's
metrics from the scalars of that directory and of its subdirectories (Keras's
`train/` and `validation/` curves become metric groups). It needs no
experiment summary: without one it builds the experiment from every session it
finds, so `tensorboard --logdir runs` lists each run (and each sweep trial)
with the union of their hyperparameters. An experiment summary per run would be
wrong: the plugin takes the first one it finds for the whole logdir.

So each run's `tensorboard/` gets one event file, rewritten whole (atomically)
whenever it is written again: the session's start (its hyperparameters, named
by dotted config path), its best-epoch and test metrics as scalars
(`best/val_loss`, `test/accuracy`), and its end (status and time). The protos
come from the `tensorboard` package and the records are framed by its
pure-Python `RecordWriter`; nothing here imports TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from nnlab.runs import values
from nnlab.runs.atomic import atomic_write
from nnlab.runs.folder import RunFolder
from nnlab.runs.read import DAMAGED, Run, enclosing_sweep, read_run, sweep_section, swept_paths

EVENT_FILE = "events.out.tfevents.0000000000.nnlab-hparams"  # "tfevents" in the name makes TensorBoard read it
MAIN_PATHS = ("training.batch_size", "training.epochs", "loss", "seed")
Scalar = bool | int | float | str


def main_hparams(config: Mapping[str, Any]) -> dict[str, Scalar]:
    """The hyperparameters most comparisons are about, by dotted path: optimizer, its arguments, layer defaults, ...."""
    found: dict[str, Any] = {}
    optimizer = config.get("optimizer")
    if isinstance(optimizer, Mapping):
        found.update({f"optimizer.{key}": value for key, value in optimizer.items()})
    elif optimizer is not None:
        found["optimizer.type"] = optimizer
    defaults = values.get(config, "model.defaults", {})
    if isinstance(defaults, Mapping):
        found.update({f"model.defaults.{key}": value for key, value in defaults.items()})
    layers = values.get(config, "model.layers", [])
    if isinstance(layers, list):
        found["model.layers"] = len(layers)
        units = [str(layer["units"]) for layer in layers if isinstance(layer, Mapping) and "units" in layer]
        if units:
            found["model.units"] = "-".join(units)
    found["data.dataset"] = values.get(config, "data.dataset.type", values.get(config, "data.dataset"))
    found.update({path: values.get(config, path) for path in MAIN_PATHS})
    return {name: scalar(value) for name, value in found.items() if value is not None}


def scalar(value: Any) -> Scalar:
    """A value as TensorBoard takes it: a bool, a number or a string (objects and lists by their label)."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return values.label(value)


def hparams_of(run: Run, swept: Mapping[str, Any] | None = None) -> dict[str, Scalar]:
    """The main hyperparameters of a run, its sweep's swept paths, and any `swept` values given."""
    found = main_hparams(run.config)
    paths = swept_paths(sweep_section(run.sweep)) if run.sweep is not None else []
    found.update({path: scalar(values.get(run.config, path)) for path in paths if values.get(run.config, path) is not None})
    found.update({path: scalar(value) for path, value in (swept or {}).items()})
    return found


def final_metrics(summary: Mapping[str, Any] | None) -> dict[str, float]:
    """`best/<metric>` (at the best epoch) and `test/<metric>` of a summary.json, finite values only."""
    found = {}
    for section in ("best", "test"):
        for name, value in ((summary or {}).get(section) or {}).items():
            if isinstance(value, (int, float)) and math.isfinite(value):
                found[f"{section}/{name}"] = float(value)
    return found


def write_hparams(folder: RunFolder | Path, swept: Mapping[str, Any] | None = None) -> Path:
    """Write the HParams event file of a run folder into its `tensorboard/`; returns the file.

    Args:
        folder: a run folder with `config.yaml` and `run.json` (and, once completed, `summary.json`).
        swept: extra hyperparameters by dotted path (a sweep's swept values); those of the
            sweep folder the run lies in are found by themselves.

    Raises:
        ValueError: the run folder cannot be read.
    """
    from tensorboard.compat.proto import event_pb2

    path = folder.path if isinstance(folder, RunFolder) else Path(folder)
    run = read_run(path, sweep=enclosing_sweep(path))
    if run.status == DAMAGED:
        raise ValueError(run.problem)
    started = _seconds(run.record.get("started_at"))
    events = [event_pb2.Event(wall_time=started, file_version="brain.Event:2")]
    events.append(_event(started, 0, _session_start(run, hparams_of(run, swept), started)))
    step = int((run.summary or {}).get("epochs_completed") or run.record.get("epochs_completed") or 0)
    ended = _seconds(run.record.get("ended_at"), default=started)
    events += [_event(ended, step, _scalar(tag, value)) for tag, value in final_metrics(run.summary).items()]
    events.append(_event(ended, step, _session_end(str(run.status), ended)))
    path = run.folder.tensorboard / EVENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda handle: _write_records(handle, events), mode="wb")
    return path


def try_write_hparams(folder: RunFolder | Path, swept: Mapping[str, Any] | None = None) -> str | None:
    """`write_hparams` for the end of a run: a failure is returned as a message, never raised, so it cannot change the run's status."""
    try:
        write_hparams(folder, swept)
    except Exception as error:  # noqa: BLE001  TensorBoard's files are an extra; the run's own files are written
        return f"could not write the TensorBoard hparams: {type(error).__name__}: {error}"
    return None


def _session_start(run: Run, hparams: Mapping[str, Scalar], started: float) -> Any:
    from tensorboard.plugins.hparams import plugin_data_pb2

    # Every run is its own session group, so the HParams tab lists each run, each seed included.
    info = plugin_data_pb2.SessionStartInfo(group_name=str(run.path.resolve()), start_time_secs=started)
    for name in sorted(hparams):
        value = hparams[name]
        if isinstance(value, bool):
            info.hparams[name].bool_value = value
        elif isinstance(value, (int, float)):
            info.hparams[name].number_value = float(value)
        else:
            info.hparams[name].string_value = value
    return _plugin_summary("session_start_info", plugin_data_pb2.HParamsPluginData(session_start_info=info))


_STATUS = {"completed": "STATUS_SUCCESS", "failed": "STATUS_FAILURE", "diverged": "STATUS_FAILURE", "running": "STATUS_RUNNING"}


def _session_end(status: str, ended: float) -> Any:
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

    info = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value(_STATUS.get(status, "STATUS_UNKNOWN")), end_time_secs=ended)
    return _plugin_summary("session_end_info", plugin_data_pb2.HParamsPluginData(session_end_info=info))


def _plugin_summary(kind: str, data: Any) -> Any:
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.hparams import metadata

    tag = {"session_start_info": metadata.SESSION_START_INFO_TAG, "session_end_info": metadata.SESSION_END_INFO_TAG}[kind]
    summary = summary_pb2.Summary()
    summary.value.add(tag=tag, metadata=metadata.create_summary_metadata(data), tensor=metadata.NULL_TENSOR)
    return summary


def _scalar(tag: str, value: float) -> Any:
    from tensorboard.compat.proto import summary_pb2

    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])


def _event(wall_time: float, step: int, summary: Any) -> Any:
    from tensorboard.compat.proto import event_pb2

    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary)


def _write_records(handle: IO[bytes], events: list[Any]) -> None:
    from tensorboard.summary.writer.record_writer import RecordWriter

    writer = RecordWriter(handle)
    for event in events:
        writer.write(event.SerializeToString())


def _seconds(stamp: Any, default: float = 0.0) -> float:
    """Seconds since the epoch of an ISO time from run.json."""
    try:
        return datetime.fromisoformat(str(stamp)).timestamp()
    except ValueError:
        return default
