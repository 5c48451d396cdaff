"""Run folders: created atomically, never shared, written with atomic file replaces.

A run folder is `runs/<YYYYmmdd-HHMMSS>_<name>/`; two runs started in the same
second get `..._<name>-2`. Files are written to a temporary name in the same
folder and renamed over the real one, so a reader never sees half a file and a
crash never leaves one.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import yaml

STATUSES = ("running", "completed", "failed", "diverged", "interrupted")


def atomic_write(path: Path, write: Callable[[Any], None], mode: str = "w") -> None:
    """Call `write(file)` on a temporary file beside `path`, then rename it to `path`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, default=_jsonable) + "\n")


def write_yaml(path: Path, data: Any) -> None:
    write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _jsonable(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def create(runs_dir: Path, name: str, now: datetime | None = None) -> Path:
    """Create and return a new, empty run folder; never returns one that existed."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for attempt in range(1, 1000):
        folder = runs_dir / (f"{stamp}_{name}" if attempt == 1 else f"{stamp}_{name}-{attempt}")
        try:
            folder.mkdir()  # atomic: fails if another run took the name first
            return folder
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a run folder for {name} in {runs_dir}")


class RunRecord:
    """`run.json`: the run's status and facts, rewritten atomically on every change."""

    def __init__(self, folder: Path, facts: dict[str, Any]):
        self.path = Path(folder) / "run.json"
        self.started = time.time()
        self.data: dict[str, Any] = {
            "status": "running",
            "started_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "ended_at": None,
            "duration_seconds": None,
            **facts,
        }
        self.save()

    def update(self, **facts: Any) -> None:
        self.data.update(facts)
        self.save()

    def finish(self, status: str, **facts: Any) -> None:
        if status not in STATUSES[1:]:
            raise ValueError(f"a run ends as one of {STATUSES[1:]}, not {status!r}")
        self.update(
            status=status,
            ended_at=datetime.now().astimezone().isoformat(timespec="seconds"),
            duration_seconds=round(time.time() - self.started, 3),
            **facts,
        )

    def save(self) -> None:
        write_json(self.path, self.data)
