"""The sweep folder: `runs/<YYYYmmdd-HHMMSS>_<name>/`, the one place that names its files.

```
sweep.yaml      the resolved sweep (base merged): `nnlab sweep --resume DIR` runs it again
sweep.json      the sweep's status, counts, start and end, workers, backend, versions
trials.csv      one row per trial, kept current while the sweep runs
workers.log     what the workers printed (TensorFlow's warnings), for when one dies
trials/<id>/    one ordinary run folder per trial, named by the trial's id
```

A trial that runs again (interrupted, or failed and retried) gets its folder
replaced, never a second one: the old folder is renamed to a hidden name, the
new one created under the trial's id, then the old one deleted. A crash in
between leaves at most a hidden folder, which no reader looks at.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from nnlab.runs.folder import RunFolder, create, create_named
from nnlab.runs.read import SWEEP_FILE


@dataclass(frozen=True)
class SweepFolder:
    """The files of one sweep, by role."""

    path: Path

    @property
    def sweep_file(self) -> Path:
        return self.path / "sweep.yaml"

    @property
    def record(self) -> Path:
        return self.path / SWEEP_FILE

    @property
    def table(self) -> Path:
        return self.path / "trials.csv"

    @property
    def log(self) -> Path:
        return self.path / "workers.log"

    @property
    def trials(self) -> Path:
        return self.path / "trials"

    def trial(self, trial_id: str) -> RunFolder:
        return RunFolder(self.trials / trial_id)

    def relative(self, folder: RunFolder) -> str:
        return str(folder.path.relative_to(self.path))

    def __str__(self) -> str:
        return str(self.path)


def is_sweep_folder(path: Path) -> bool:
    return (Path(path) / SWEEP_FILE).is_file()


def create_sweep(runs_dir: Path, name: str, now: datetime | None = None) -> SweepFolder:
    """A new, empty `<runs_dir>/<stamp>_<name>` with its `trials/` folder; never one that existed."""
    folder = SweepFolder(create(runs_dir, name, now).path)
    folder.trials.mkdir()
    return folder


def fresh_trial_folder(sweep: SweepFolder, trial_id: str) -> RunFolder:
    """An empty folder for the trial's next attempt: `trials/<id>/`, replacing a previous attempt's."""
    current = sweep.trial(trial_id)
    aside = sweep.trials / f".{trial_id}.replaced-{os.getpid()}"
    if current.path.exists():
        shutil.rmtree(aside, ignore_errors=True)
        current.path.rename(aside)
    folder = create_named(sweep.trials, trial_id)
    shutil.rmtree(aside, ignore_errors=True)
    if folder.path != current.path:  # another process made the folder between our rename and mkdir
        folder.path.rmdir()
        raise FileExistsError(f"{current}: another process is running this trial")
    return folder


def discard_trial_folder(folder: RunFolder) -> None:
    """Remove a trial folder whose run never started (no run.json): nothing in it is worth keeping."""
    if folder.path.exists() and not folder.record.exists():
        shutil.rmtree(folder.path, ignore_errors=True)
