"""The runs of a report: each run folder read back (through `nnlab.runs.read`) as a row of values.

An `Entry` names every value a report can show, filter, sort or plot by: each
config node by its dotted path (leaves as they are, mappings and lists by
their one-line label, so `optimizer` is `SGD(learning_rate=0.1)` and
`optimizer.learning_rate` is 0.1), the best-epoch metrics as `summary.json`
has them (`val_loss`, `val_accuracy`, `loss`), the test metrics as `test_loss`,
and the facts `run`, `status`, `epochs`, `seconds`. A metric wins over a
config key of the same name (`loss`); `config.loss` names the config's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.runs import values
from nnlab.runs.metrics import direction
from nnlab.runs.read import DAMAGED, Run, iter_runs
from nnlab.runs.record import RunStatus

NOT_COMPARED = ("name", "output", "device")  # change nothing that is trained: no column, not part of a group
FACTS = ("run", "status", "epochs", "seconds")
COMPLETED = str(RunStatus.COMPLETED)
CONFIG_PREFIX = "config."


@dataclass
class Entry:
    """One run as the report sees it."""

    run: Run
    metrics: dict[str, float] = field(default_factory=dict)  # finite values only
    group: str | None = None  # the config's fingerprint with the seed left out: runs that differ only by seed share it
    _namespace: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.run.name

    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def status(self) -> str:
        return str(self.run.status)

    @property
    def config(self) -> dict[str, Any]:
        return self.run.config

    @property
    def seed(self) -> int | None:
        seed = self.run.config.get("seed", self.run.record.get("seed"))
        return seed if isinstance(seed, int) and not isinstance(seed, bool) else None

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED

    @property
    def epochs(self) -> int | None:
        epochs = (self.run.summary or {}).get("epochs_completed", self.run.record.get("epochs_completed"))
        return epochs if isinstance(epochs, int) else len(self.run.metrics) if self.status != DAMAGED else None

    @property
    def seconds(self) -> float | None:
        seconds = self.run.record.get("duration_seconds")
        return float(seconds) if isinstance(seconds, (int, float)) else None

    @property
    def cause(self) -> str:
        """Why a run did not complete: its recorded error, or what makes it stale or damaged."""
        return str(self.run.problem or self.run.record.get("error") or "")

    @property
    def namespace(self) -> dict[str, Any]:
        """Every name a run has: config paths, `config.`-prefixed paths, metrics and facts."""
        if self._namespace is None:
            names: dict[str, Any] = {}
            for path, value in values.nodes(self.config):
                names[path] = values.label(value) if isinstance(value, (dict, list)) else value
            names.update({CONFIG_PREFIX + path: value for path, value in names.items()})
            names.update(self.metrics)
            names.update({fact: self.value(fact) for fact in FACTS})
            self._namespace = names
        return self._namespace

    def value(self, name: str) -> Any:
        """The value of one name (as `namespace` has it), without building the namespace for a metric or a config path."""
        if self._namespace is not None:
            return self._namespace.get(name)
        if name in self.metrics:
            return self.metrics[name]
        if name in FACTS:
            return {"run": self.name, "status": self.status, "epochs": self.epochs, "seconds": self.seconds}[name]
        value = values.get(self.config, name.removeprefix(CONFIG_PREFIX))
        return values.label(value) if isinstance(value, (dict, list)) else value


def load(paths: Iterable[Path | str]) -> list[Entry]:
    """Every run under `paths` as an entry (damaged ones too).

    Raises:
        nnlab.runs.read.NoRunsError: a path does not exist.
    """
    return [entry(run) for run in iter_runs(*paths)]


def entry(run: Run) -> Entry:
    found = Entry(run, metrics=run_metrics(run.summary))
    if run.status != DAMAGED and run.config:
        found.group = group_key(run.config)
    return found


def run_metrics(summary: Mapping[str, Any] | None) -> dict[str, float]:
    """The best-epoch metrics by their own names and the test metrics as `test_<name>`, finite ones."""
    found: dict[str, float] = {}
    for prefix, section in (("", "best"), ("test_", "test")):
        for name, value in ((summary or {}).get(section) or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                found[prefix + name] = float(value)
    return found


def group_key(config: Mapping[str, Any]) -> str:
    """`fingerprint` of the config with seed 0: equal for runs that differ only in seed (and name, device, outputs)."""
    return _group_key(values.canonical({**config, "seed": 0}))


@functools.lru_cache(maxsize=4096)
def _group_key(text: str) -> str:
    """Memoized by the config's text: the ten seeds of a group cost one fingerprint."""
    from nnlab.config.spec import fingerprint

    config = json.loads(text)
    try:
        return fingerprint(config)
    except Exception:  # noqa: BLE001  a config an older or newer nnlab wrote: fall back to its content
        kept = {key: value for key, value in config.items() if key not in (*NOT_COMPARED, "seed")}
        return hashlib.sha256(values.canonical(kept).encode()).hexdigest()[:10]


def metric_direction(metric: str, entries: Iterable[Entry]) -> str | None:
    """`min` or `max` for a metric as the runs recorded it (`summary.json` `directions`), or None when none did."""
    name = metric.removeprefix("test_")
    for item in entries:
        directions = (item.run.summary or {}).get("directions")
        if isinstance(directions, dict):
            try:
                return direction(name, directions)
            except KeyError:
                continue
    return None


def metric_names(entries: Iterable[Entry]) -> list[str]:
    """The metrics the runs recorded: validation ones first, then test, then training (at the best epoch)."""
    seen = list(dict.fromkeys(name for item in entries for name in item.metrics))
    kind = lambda name: 0 if name.startswith("val_") else 1 if name.startswith("test_") else 2  # noqa: E731
    return sorted(seen, key=lambda name: (kind(name), not name.endswith("loss"), seen.index(name)))
