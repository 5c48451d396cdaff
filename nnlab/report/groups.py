"""Runs grouped across seeds, ranked by a metric, and each group compared with the best.

Runs whose resolved configs are equal but for the seed (and the name, device
and outputs) form a group: the key is the config's fingerprint with seed 0.
A group's value for a metric is the spread of its completed runs' values; two
runs of a group with the same seed (the same config trained twice) count once,
by their mean. Groups are ranked by their mean in the metric's recorded
direction; each is compared with the best over the seeds both have.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from nnlab.report import stats
from nnlab.report.entries import Entry
from nnlab.runs.metrics import MAX


@dataclass
class Group:
    """Runs that differ only in their seed."""

    key: str
    entries: list[Entry]
    spreads: dict[str, stats.Spread] = field(default_factory=dict)  # metric -> spread of its completed runs
    rank: int | None = None  # 1 is the best; None without a value for the ranking metric
    comparison: stats.Comparison | None = None  # against the best group; None for the best itself

    @property
    def first(self) -> Entry:
        return self.entries[0]

    @property
    def completed(self) -> list[Entry]:
        return [item for item in self.entries if item.completed]

    def by_seed(self, metric: str) -> dict[int, float]:
        """The metric of each seed's completed runs (their mean when a seed ran twice)."""
        found: dict[int, list[float]] = {}
        for item in self.completed:
            if metric in item.metrics and item.seed is not None:
                found.setdefault(item.seed, []).append(item.metrics[metric])
        return {seed: math.fsum(scores) / len(scores) for seed, scores in found.items()}

    def scores(self, metric: str) -> list[float]:
        """The metric of every completed run: one value per run, for the intervals and the plots."""
        return [item.metrics[metric] for item in self.completed if metric in item.metrics]


def group(entries: Sequence[Entry]) -> list[Group]:
    """The groups of `entries` (damaged runs, having no config, in none), in the order of their first run."""
    found: dict[str, Group] = {}
    for item in entries:
        if item.group is not None:
            found.setdefault(item.group, Group(item.group, [])).entries.append(item)
    return list(found.values())


def rank(groups: Sequence[Group], metric: str, direction: str | None, metrics: Sequence[str]) -> list[Group]:
    """Spreads of every metric, then groups best first by `metric` (those without a value last), each compared with the best."""
    for item in groups:
        item.spreads = {name: stats.spread(scores) for name in metrics if (scores := item.scores(name))}
    scored = [item for item in groups if metric in item.spreads]
    sign = -1.0 if direction == MAX else 1.0
    scored.sort(key=lambda item: sign * item.spreads[metric].mean)
    for number, item in enumerate(scored, start=1):
        item.rank = number
    if scored:
        best = scored[0].by_seed(metric)
        for item in scored[1:]:
            item.comparison = stats.compare(item.by_seed(metric), best, direction or "min")
    return scored + [item for item in groups if metric not in item.spreads]


def untested(groups: Sequence[Group], metric: str) -> bool:
    """Whether no group has two values of the metric: a ranking by one seed each."""
    return not any(item.spreads[metric].n > 1 for item in groups if metric in item.spreads)
