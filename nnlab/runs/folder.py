"""What a run folder holds: the one place that names its files.

A run folder is `runs/<YYYYmmdd-HHMMSS>_<name>/` for `nnlab train`, or
`<sweep>/trials/<id>/` for a sweep's trial. Whoever starts a run creates its
folder (`create`), so the folder is never shared: `os.mkdir` fails if another
run took the name first, and the next suffix is tried (`..._<name>-2`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

STAMP_FORMAT = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class RunFolder:
    """The files of one run, by role."""

    path: Path

    @property
    def config(self) -> Path:
        """The resolved config, every default filled: `nnlab train` reruns it."""
        return self.path / "config.yaml"

    @property
    def record(self) -> Path:
        """Status, facts and provenance (`nnlab.runs.record`)."""
        return self.path / "run.json"

    @property
    def metrics(self) -> Path:
        """One row per epoch (`nnlab.runs.metrics`)."""
        return self.path / "metrics.csv"

    @property
    def summary(self) -> Path:
        """Best-epoch, final and test metrics of a completed run."""
        return self.path / "summary.json"

    @property
    def model(self) -> Path:
        return self.path / "model.keras"

    @property
    def best_weights(self) -> Path:
        """The best epoch's weights, when `training.model_checkpoint` is on."""
        return self.path / "best.weights.h5"

    @property
    def checkpoint(self) -> Path:
        """What resuming needs, kept after every epoch until the run completes (`nnlab.training.checkpoint`)."""
        return self.path / "checkpoint"

    @property
    def diagnostics(self) -> Path:
        """Per-layer weights, gradients and activations, one row per epoch and layer."""
        return self.path / "diagnostics.csv"

    @property
    def tensorboard(self) -> Path:
        return self.path / "tensorboard"

    @property
    def plots(self) -> Path:
        return self.path / "plots"

    @property
    def error(self) -> Path:
        """The traceback of a failed run."""
        return self.path / "error.txt"

    def __str__(self) -> str:
        return str(self.path)


def create(runs_dir: Path, name: str, now: datetime | None = None) -> RunFolder:
    """Create and return a new, empty `<runs_dir>/<stamp>_<name>` folder; never one that existed."""
    stamp = (now or datetime.now()).strftime(STAMP_FORMAT)
    return create_named(Path(runs_dir), f"{stamp}_{name}")


def create_named(parent: Path, name: str) -> RunFolder:
    """Create `parent/name`, or `name-2`, `name-3`, ... if it is taken."""
    parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        folder = parent / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            folder.mkdir()  # atomic: fails if another run took the name first
        except FileExistsError:
            continue
        return RunFolder(folder)
    raise FileExistsError(f"{parent}: could not create a folder for {name} (999 taken)")
