"""The cells of a report's tables as text, shared by the terminal, Markdown and HTML.

Each table is a header and rows of strings, built once here, so the three
renderers agree on what is shown and differ only in how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnlab.report.build import Report
from nnlab.report.entries import CONFIG_PREFIX, Entry
from nnlab.report.groups import Group
from nnlab.runs import values

WIDTH = 56  # longest config value in a table cell before it is shortened
REPEATS_HINT = "add `repeats: 3` (or `seeds: [0, 1, 2]`) to the sweep to test it"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


def fmt(value: Any) -> str:
    """A cell: numbers in four significant digits, config values by their label, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return values.label(value)
    return str(value)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def headers(paths: list[str]) -> list[str]:
    """Each path by its shortest unique tail; `config.loss` stays whole beside the metric `loss`."""
    short = values.short_paths(paths)
    return [path if path.startswith(CONFIG_PREFIX) else short[path] for path in paths]


def config_cells(item: Entry, paths: list[str]) -> list[str]:
    cells = [fmt(item.value(path)) for path in paths]
    return [values.shorten(cell, WIDTH) for cell in cells]


def shown_metrics(report: Report) -> list[str]:
    """The metrics of the runs table: best-epoch validation, then test (training ones stay in the CSV)."""
    shown = [name for name in report.metrics if name.startswith(("val_", "test_"))]
    return shown or report.metrics


def shared_table(report: Report) -> Table:
    rows = [[path, values.shorten(text, 160)] for path, text in report.columns.shared.items()]
    return Table("Shared by every run", ["config", "value"], rows)


def runs_table(report: Report) -> Table:
    paths = report.columns.differing
    metrics = shown_metrics(report)
    rows = []
    for item in report.shown_runs():
        metric_cells = [fmt(item.metrics.get(name)) for name in metrics]
        rows.append([item.name, *config_cells(item, paths), *metric_cells, item.status, fmt(item.epochs), duration(item.seconds)])
    hidden = len(report.selected) - len(rows)
    note = f"{hidden} more not shown (--top {report.options.top})" if hidden > 0 else ""
    title = f"Runs ({len(report.selected)}), sorted by {report.options.sort or report.metric}"
    return Table(title, ["run", *headers(paths), *metrics, "status", "epochs", "time"], rows, note)


def interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{low:.4g}, {high:.4g}]"


def groups_table(report: Report) -> Table:
    """The groups, best first: spread of the metric and the paired comparison with the best."""
    metric = report.metric
    paths = report.columns.settings
    rows = []
    for item in report.shown_groups():
        spread = item.spreads[metric]
        mean = f"{spread.mean:.4g} {interval(spread.low, spread.high)}".strip()
        spread_cells = [str(spread.n), mean, fmt(spread.sd), f"{spread.min:.4g}", f"{spread.max:.4g}"]
        rows.append([str(item.rank), *config_cells(item.first, paths), *spread_cells, *comparison_cells(item)])
    header = ["rank", *headers(paths), "n", f"{metric} mean [95% CI]", "sd", "min", "max", "vs best [95% CI]", "p", "verdict"]
    return Table(f"Groups across seeds, ranked by {metric} ({direction_word(report)})", header, rows, groups_note(report))


def comparison_cells(item: Group) -> list[str]:
    comparison = item.comparison
    if comparison is None:
        return ["", "", "best"]
    p = "" if comparison.p is None else f"{comparison.p:.3g}"
    diff = "" if comparison.diff is None else f"{comparison.diff:+.4g} {interval(comparison.low, comparison.high)}".strip()
    return [diff, p, comparison.verdict]


def direction_word(report: Report) -> str:
    return {"min": "lower is better", "max": "higher is better"}.get(report.direction or "", "direction not recorded")


def groups_note(report: Report) -> str:
    """What the ranking means: untested with one seed per group, else how the comparisons were made."""
    ranked = report.ranked
    notes = []
    if ranked and all(item.spreads[report.metric].n == 1 for item in ranked):
        notes.append(f"n = 1 in every group: the ranking is untested (one seed each); {REPEATS_HINT}.")
    elif any(item.spreads[report.metric].n == 1 for item in ranked):
        notes.append(f"groups with n = 1 are untested; {REPEATS_HINT}.")
    if len(ranked) > 1 and not notes:
        notes.append("vs best: the mean difference from the best group over the seeds both ran, with a paired t test.")
    hidden = len(ranked) - len(report.shown_groups())
    if hidden > 0:
        notes.append(f"{hidden} more groups not shown (--top {report.options.top}).")
    missing = [item for item in report.groups if item.rank is None]
    if missing:
        notes.append(f"{len(missing)} groups have no {report.metric} (no completed run).")
    return " ".join(notes)


def all_metrics_table(report: Report) -> Table:
    """Every metric of every shown group, one row each: n, mean, 95% CI, sd, min and max."""
    paths = report.columns.settings
    rows = []
    for item in report.shown_groups():
        for name in report.metrics:
            spread = item.spreads.get(name)
            if spread is not None:
                numbers = [str(spread.n), f"{spread.mean:.4g}", interval(spread.low, spread.high), fmt(spread.sd), f"{spread.min:.4g}", f"{spread.max:.4g}"]
                rows.append([str(item.rank), *config_cells(item.first, paths), name, *numbers])
    header = ["rank", *headers(paths), "metric", "n", "mean", "95% CI", "sd", "min", "max"]
    return Table("Every metric by group", header, rows)


def problems_table(report: Report) -> Table:
    rows = [[item.name, item.status, fmt(item.epochs), item.cause, str(item.run.path)] for item in report.problems]
    return Table("Runs that did not complete", ["run", "status", "epochs", "cause", "folder"], rows)


def headline(report: Report) -> str:
    """One line: how many runs of which status, and what ranks them."""
    counts: dict[str, int] = {}
    for item in report.entries:
        counts[item.status] = counts.get(item.status, 0) + 1
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(counts.items(), key=lambda pair: -pair[1]))
    shown = f"{len(report.selected)} selected of {len(report.entries)} runs" if len(report.selected) != len(report.entries) else f"{len(report.entries)} runs"
    ranking = f"ranked by {report.metric} ({direction_word(report)})" if report.ranked else f"none has {report.metric} to rank by (no run completed)"
    return f"{shown} ({statuses}) in {len(report.groups)} groups; {ranking}"
