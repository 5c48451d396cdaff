"""Finding and reading run folders, for `nnlab report`, sweep resume and any later command.

`iter_runs(path)` yields every run under a path: a run folder itself, a sweep
folder (its `trials/`), or any tree of them. A folder whose files cannot be
read is yielded too, as `damaged` with the reason, never skipped in silence; a
run whose `run.json` says `running` but whose process is gone is `stale`.
Nothing here imports TensorFlow, Keras or pandas.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from nnlab.runs import record as records
from nnlab.runs.folder import RunFolder
from nnlab.runs.metrics import MetricsError, Row, read_metrics

STALE = "stale"  # `running` in run.json, but the process that wrote it is gone
DAMAGED = "damaged"  # run.json, config.yaml, summary.json or metrics.csv cannot be read
SWEEP_FILE = "sweep.json"
SWEEP_CONFIG = "sweep.yaml"  # the resolved sweep file: an experiment config plus its `sweep:` section
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STATUSES = frozenset(str(status) for status in records.RunStatus)


@dataclass
class Run:
    """One run folder as read back: its status, config, record and summary; metrics on demand.

    `status` is the recorded status, or `stale` or `damaged`; `problem` says
    what is wrong with a damaged one.
    """

    folder: RunFolder
    status: str
    record: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] | None = None
    problem: str | None = None
    sweep: Path | None = None

    @property
    def path(self) -> Path:
        return self.folder.path

    @property
    def name(self) -> str:
        return self.path.name

    @cached_property
    def metrics(self) -> list[Row]:
        """The rows of metrics.csv ([] if the run has none yet); read when first asked for."""
        if not self.folder.metrics.exists():
            return []
        return read_metrics(self.folder.metrics)


class NoRunsError(FileNotFoundError):
    """A path to read runs from does not exist."""


def iter_runs(*paths: Path | str) -> Iterator[Run]:
    """Every run under `paths`, in path order, sweeps included.

    Raises:
        NoRunsError: a path does not exist.
    """
    for path in map(Path, paths):
        if not path.exists():
            raise NoRunsError(f"{path}: no such file or folder")
        yield from _walk(path, sweep=enclosing_sweep(path))


def _walk(path: Path, sweep: Path | None) -> Iterator[Run]:
    if is_run_folder(path):
        yield read_run(path, sweep)
        return
    if (path / SWEEP_FILE).is_file():
        sweep = path
    for child in _subfolders(path):
        yield from _walk(child, sweep)


def is_run_folder(path: Path) -> bool:
    """A folder holding run.json (or, for a run that never got one, config.yaml with metrics.csv)."""
    folder = RunFolder(path)
    return folder.record.is_file() or (folder.config.is_file() and folder.metrics.is_file())


def _subfolders(path: Path) -> Iterable[Path]:
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except (NotADirectoryError, PermissionError):
        return []
    return [Path(entry.path) for entry in entries if entry.is_dir() and not entry.name.startswith(".")]


def read_run(path: Path, sweep: Path | None = None) -> Run:
    """Read one run folder; a damaged one comes back with status `damaged` and the reason."""
    folder = RunFolder(Path(path))
    run = Run(folder, status=DAMAGED, sweep=sweep)
    try:
        run.record = _json(folder.record)
        run.config = _yaml(folder.config)
        run.summary = _json(folder.summary) if folder.summary.exists() else None
        _ = run.metrics  # read now, so a truncated file is found here
    except (OSError, ValueError, MetricsError) as error:
        run.problem = _reason(error)
        return run
    status = run.record.get("status")
    if status not in _STATUSES:
        run.problem = f"{folder.record}: unknown status {status!r}"
        return run
    run.status = STALE if records.is_stale(run.record) else status
    if run.status == STALE:
        run.problem = f"{records.PROCESS_DIED} (pid {run.record.get('pid')} on {run.record.get('host')})"
    return run


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: invalid JSON ({error.msg} at line {error.lineno}): a truncated file?") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506  (a safe loader)
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: invalid YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of config keys")
    return data


def _reason(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return f"{error.filename}: missing"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def mark_stale_as_failed(runs: Iterable[Run]) -> list[Run]:
    """Record `failed: process died` in every stale run among `runs`; returns those marked."""
    marked = []
    for run in runs:
        if run.status == STALE:
            records.mark_died(run.folder)
            run.status, run.record["status"], run.record["error"] = str(records.RunStatus.FAILED), "failed", records.PROCESS_DIED
            marked.append(run)
    return marked


def enclosing_sweep(path: Path) -> Path | None:
    """The sweep folder that `path` (a trial, or the sweep's `trials/`) lies in, or None."""
    for folder in (path, *path.parents):
        if (folder / SWEEP_FILE).is_file():
            return folder
    return None


def sweep_section(sweep: Path) -> dict[str, Any]:
    """The `sweep:` section of a sweep folder's `sweep.yaml` (grid, random, seeds, repeats, metric); {} when unreadable."""
    try:
        section = _yaml(sweep / SWEEP_CONFIG).get("sweep")
    except (OSError, ValueError):
        return {}
    return section if isinstance(section, dict) else {}


def swept_paths(section: dict[str, Any]) -> list[str]:
    """The dotted config paths a sweep varies: its grid's, then its random search's."""
    grid = section.get("grid")
    random = section.get("random")
    params = random.get("params") if isinstance(random, dict) else None
    return list(dict.fromkeys([*(grid if isinstance(grid, dict) else {}), *(params if isinstance(params, dict) else {})]))
