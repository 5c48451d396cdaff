"""Where each trial of a sweep stands, and what its run folder says about how it did.

A trial's outcome is read from its run folder, as any reader does
(`nnlab.runs.read`): the sweep's metric at the epoch where it was best (its
direction as the trial's `summary.json` recorded it at training time), that
epoch's other metrics, the test metrics and the fit time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from nnlab.runs.metrics import MAX, MetricsError, best_index, direction, is_metric
from nnlab.runs.read import Run
from nnlab.runs.record import RunStatus
from nnlab.sweep.expand import compact
from nnlab.sweep.trials import Trial

PENDING = "pending"
RUNNING = "running"
FINISHED = (str(RunStatus.COMPLETED), str(RunStatus.DIVERGED))  # a resume runs these again never
TEST_PREFIX = "test_"


@dataclass
class TrialState:
    """One trial as the sweep sees it now: pending, running, or ended with its run folder read back."""

    id: str
    values: dict[str, Any]
    seed: int | None
    trial: Trial | None = None  # None: a trial in the folder that the sweep file no longer describes
    status: str = PENDING
    error: str | None = None
    run: Run | None = None
    worker: str | None = None
    started: float | None = None  # time.monotonic() when it started, while it runs
    seconds: float | None = None  # wall-clock seconds of its last attempt in this session
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, trial: Trial) -> TrialState:
        return cls(trial.id, trial.values, trial.spec.seed, trial)

    def describe(self) -> str:
        parts = [f"{key}={compact(value)}" for key, value in self.values.items()]
        return ", ".join([*parts, f"seed={self.seed}"])


@dataclass(frozen=True)
class Outcome:
    """How a finished trial did, by the sweep's metric."""

    value: float | None = None  # the metric, at its best epoch (or the test metric)
    mode: str | None = None  # min or max, as the trial recorded it
    best_epoch: int | None = None
    metrics: dict[str, float] = field(default_factory=dict)  # every metric at that epoch
    test: dict[str, float] = field(default_factory=dict)
    fit_seconds: float | None = None


def outcome(run: Run | None, metric: str) -> Outcome:
    """The outcome of a completed run by `metric`; empty for any other run."""
    summary = run.summary if run is not None else None
    if run is None or summary is None or run.status != RunStatus.COMPLETED:
        return Outcome()
    directions = summary.get("directions") or {}
    test = {key: float(value) for key, value in (summary.get("test") or {}).items()}
    fit = summary.get("fit_seconds")
    try:
        mode = direction(metric.removeprefix(TEST_PREFIX), directions)
    except KeyError:
        mode = None
    if metric.startswith(TEST_PREFIX):
        key = _find(metric.removeprefix(TEST_PREFIX), test)
        best = summary.get("best") or {}
        return Outcome(test.get(key) if key else None, mode, summary.get("best_epoch"), _floats(best), test, fit)
    try:
        rows = run.metrics
    except (OSError, MetricsError):
        rows = []
    key = _find(metric, rows[0]) if rows else None
    index = best_index(rows, key, mode or "min") if key and mode else None
    if key is None or index is None:
        return Outcome(None, mode, summary.get("best_epoch"), _floats(summary.get("best") or {}), test, fit)
    row = rows[index]
    return Outcome(row[key], mode, row["epoch"], _floats({k: v for k, v in row.items() if is_metric(k)}), test, fit)


def _find(name: str, keys: Any) -> str | None:
    """The key that `name` means: itself, or the same name spelled with other case or underscores."""
    if name in keys:
        return name
    normal = name.replace("_", "").lower()
    return next((key for key in keys if key.replace("_", "").lower() == normal), None)


def _floats(values: dict[str, Any]) -> dict[str, float]:
    return {key: float(value) for key, value in values.items() if isinstance(value, (int, float))}


def sort_key(state: TrialState, result: Outcome) -> tuple[int, float]:
    """Best first by the metric; then completed without it, diverged, failed, interrupted, running, pending."""
    if result.value is not None and math.isfinite(result.value):
        return 0, -result.value if result.mode == MAX else result.value
    rank = {str(RunStatus.COMPLETED): 1, str(RunStatus.DIVERGED): 2, str(RunStatus.FAILED): 3, str(RunStatus.INTERRUPTED): 4, RUNNING: 5}
    return rank.get(state.status, 6), 0.0


def counts(states: list[TrialState]) -> dict[str, int]:
    """How many trials are in each status, every status named."""
    names = [PENDING, RUNNING, *(str(s) for s in RunStatus if s != RunStatus.RUNNING)]
    found = dict.fromkeys(names, 0)
    for state in states:
        found[state.status] = found.get(state.status, 0) + 1
    return found
