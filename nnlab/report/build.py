"""A report: the runs under some paths, selected, sorted, grouped across seeds and ranked.

`build(paths, options)` does all the reading and checking; what renders a
report (the terminal, CSV, Markdown, HTML, figures) only reads the `Report`.
Every option a user can get wrong is checked here, before anything is written:
a bad one raises `ReportError` with one line that names the option and what
was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.errors import did_you_mean
from nnlab.report import where as where_language
from nnlab.report.columns import Columns, columns
from nnlab.report.entries import CONFIG_PREFIX, FACTS, NOT_COMPARED, Entry, load, metric_direction, metric_names
from nnlab.report.groups import Group, group, rank
from nnlab.runs.metrics import MAX, is_metric
from nnlab.runs.read import DAMAGED, NoRunsError, sweep_section

DEFAULT_METRIC = "val_loss"


class ReportError(ValueError):
    """A path, option or expression a report cannot use: one line."""


@dataclass(frozen=True)
class Options:
    """What the command line chooses (every one optional)."""

    metric: str | None = None  # groups are ranked by it: default the sweep's metric, else val_loss
    sort: str | None = None  # runs are sorted by it (best first for a metric): default the metric
    where: str | None = None
    top: int | None = None  # rows of each table, and groups in the figures
    facet: str | None = None  # a config path: one panel per value
    color: str | None = None  # a config path: one colour per value
    curve: str | None = None  # a metrics.csv column to draw over epochs


@dataclass
class Report:
    """Everything a report shows, read and computed once."""

    paths: list[Path]
    options: Options
    entries: list[Entry]  # every run found, damaged ones too
    selected: list[Entry]  # those --where keeps (damaged ones only without --where), sorted
    columns: Columns
    metrics: list[str]  # every metric recorded: validation, test, training
    metric: str
    direction: str | None  # min or max, as the runs recorded it
    groups: list[Group]  # ranked, best first
    curve: str
    sweeps: list[Path] = field(default_factory=list)

    @property
    def problems(self) -> list[Entry]:
        """Runs that did not complete: failed, diverged, interrupted, running, stale or damaged."""
        return [item for item in self.entries if not item.completed]

    @property
    def ranked(self) -> list[Group]:
        return [item for item in self.groups if item.rank is not None]

    def shown_groups(self) -> list[Group]:
        """The groups the tables and figures show: the best --top of them, then those without a value (tables only)."""
        return self.ranked[: self.options.top] if self.options.top else self.ranked

    def shown_runs(self) -> list[Entry]:
        return self.selected[: self.options.top] if self.options.top else self.selected


def build(paths: Sequence[Path | str], options: Options | None = None) -> Report:
    """Read the runs under `paths` and compute the report.

    Raises:
        ReportError: a path does not exist or holds no runs, or an option names nothing the runs have.
    """
    options = options or Options()
    folders = [Path(path) for path in paths]
    try:
        entries = load(folders)
    except NoRunsError as error:
        raise ReportError(str(error)) from None
    if not entries:
        raise ReportError(f"{', '.join(map(str, folders))}: no run folders found (a run folder holds run.json)")
    readable = [item for item in entries if item.status != DAMAGED]
    selected = _select(entries, readable, options.where)
    metrics = metric_names(readable)
    sweeps = list(dict.fromkeys(item.run.sweep for item in entries if item.run.sweep is not None))
    metric = _metric(options.metric, metrics, sweeps, entries)
    direction = metric_direction(metric, readable)
    if direction is None and metric in metrics:
        raise ReportError(f"--metric: no run recorded whether '{metric}' is better high or low (summary.json directions); cannot rank by it")
    configs = [item.config for item in selected if item.status != DAMAGED]
    report = Report(
        paths=folders,
        options=options,
        entries=entries,
        selected=selected,
        columns=_config_columns(configs, metrics),
        metrics=metrics,
        metric=metric,
        direction=direction,
        groups=rank(group(selected), metric, direction, metrics),
        curve=_curve(options.curve, metric, selected),
        sweeps=sweeps,
    )
    for path, option in ((options.facet, "--facet"), (options.color, "--color")):
        if path is not None:
            _known(option, path, selected, config_only=True)
    _sort(report, options.sort or metric)
    return report


def _select(entries: list[Entry], readable: list[Entry], expression: str | None) -> list[Entry]:
    if expression is None:
        return list(entries)
    try:
        tree = where_language.parse(expression)
    except where_language.WhereError as error:
        raise ReportError(f"--where {expression!r}: {error}") from None
    for name in dict.fromkeys(where_language.names(tree)):
        _known("--where", name, readable)
    kept = [item for item in readable if where_language.evaluate(tree, item.namespace)]
    if not kept:
        raise ReportError(f"--where {expression!r}: no run matches (of {len(readable)})")
    return kept


def _known(option: str, name: str, entries: Sequence[Entry], config_only: bool = False) -> None:
    """Raise unless some run has `name`: a config path, or (unless `config_only`) a metric or fact too."""

    def has(item: Entry) -> bool:
        return name in item.namespace and not (config_only and (name in item.metrics or name in FACTS))

    if any(has(item) for item in entries):
        return
    names = {key for item in entries[:50] for key in item.namespace if not key.startswith(CONFIG_PREFIX)}
    what = "config path" if config_only else "config path, metric or fact"
    raise ReportError(f"{option}: no run has the {what} '{name}'{did_you_mean(name, names)}")


def _config_columns(configs: list[dict[str, Any]], metrics: list[str]) -> Columns:
    """The differing config paths; one named like a metric or a fact (`loss`) is read as `config.loss`."""
    found = columns(configs, ignore=NOT_COMPARED)
    found.differing = [f"{CONFIG_PREFIX}{path}" if path in metrics or path in FACTS else path for path in found.differing]
    return found


def _metric(chosen: str | None, metrics: list[str], sweeps: list[Path], entries: list[Entry]) -> str:
    if chosen is not None:
        if chosen not in metrics:
            recorded = ", ".join(metrics) or "none: no run completed"
            raise ReportError(f"--metric: no run recorded '{chosen}' (recorded: {recorded})")
        return chosen
    if len(sweeps) == 1 and all(item.run.sweep == sweeps[0] for item in entries):
        named = _sweep_metric(sweep_section(sweeps[0]).get("metric"))
        if named in metrics:
            return named
    return DEFAULT_METRIC if DEFAULT_METRIC in metrics or not metrics else "loss" if "loss" in metrics else metrics[0]


def _sweep_metric(value: Any) -> str | None:
    """A sweep's `metric:`: a name (`val_accuracy`), or a mapping with one (`{name: val_accuracy, mode: max}`)."""
    if isinstance(value, dict):
        value = value.get("name", value.get("metric"))
    return value.replace("test.", "test_").replace("best.", "") if isinstance(value, str) else None


def _curve(chosen: str | None, metric: str, entries: list[Entry]) -> str:
    """The metrics.csv column drawn over epochs: --curve, else the ranking metric if it is one, else val_loss or loss."""
    columns_seen = {column for item in entries if item.status != DAMAGED for row in item.run.metrics[:1] for column in row}
    if chosen is not None:
        if chosen not in columns_seen:
            curves = sorted(column for column in columns_seen if is_metric(column))
            raise ReportError(f"--curve: no run's metrics.csv has '{chosen}'{did_you_mean(chosen, curves)}")
        return chosen
    for candidate in (metric, DEFAULT_METRIC):
        if candidate in columns_seen:
            return candidate
    return "loss"


def _sort(report: Report, key: str) -> None:
    """Sort the selected runs by `key`: a metric best first, anything else ascending; runs without it last."""
    if report.options.sort:
        _known("--sort", key, report.selected)
    direction = metric_direction(key, report.selected) if key in report.metrics else None
    sign = -1 if direction == MAX else 1

    def order(item: Entry) -> tuple[int, Any]:
        value = item.value(key)
        if isinstance(value, bool) or value is None:
            return (2, str(value))
        if isinstance(value, (int, float)):
            return (0, sign * value)
        return (1, str(value).casefold())

    report.selected.sort(key=order)
