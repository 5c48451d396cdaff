"""The report's figures: learning curves per group, a metric against a numeric setting, and the group means.

Figures are `matplotlib.figure.Figure` objects (no pyplot, no global state)
rendered to PNG bytes, which the HTML page embeds and `--out` writes as files.
They stay readable with many groups: every config value is shown by the same
short label everywhere (`TruncatedNormal(stddev=0.001)`, cut to `LABEL_WIDTH`
characters, distinct values kept distinct), legends sit outside the axes
(they never cover a curve), bands are dropped when a panel has too many lines,
and a legend lists at most `LEGEND_MAX` entries.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlab.report import stats
from nnlab.report.build import Report
from nnlab.report.entries import Entry
from nnlab.report.groups import Group
from nnlab.runs import values

DPI = 100
LABEL_WIDTH = 56
LEGEND_MAX = 30
BANDS_MAX = 12  # lines in one panel beyond which the min-max bands would hide each other
GROUPS_MAX = 60  # groups in the means plot (without --top)
PARAMS_MAX = 4  # numeric settings that get a metric-vs-setting plot
VERDICT_COLORS = {"best": "#1b7837", stats.SAME: "#2166ac", stats.WORSE: "#999999", stats.BETTER: "#762a83"}


@dataclass(frozen=True)
class Plot:
    """One figure as PNG: a file stem, a title and a sentence saying what it shows."""

    name: str
    title: str
    caption: str
    png: bytes


def render(report: Report) -> list[Plot]:
    """Every figure of a report (none when no run completed)."""
    if not report.ranked:
        return []
    plots = [curves(report), means(report)]
    plots += [against(report, path) for path in numeric_settings(report)[:PARAMS_MAX]]
    return [plot for plot in plots if plot is not None]


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


class Labels:
    """Short, consistent labels for the values at config paths across a report's runs."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.short_paths = values.short_paths(report.columns.differing)
        self._fitted: dict[str, dict[str, str]] = {}

    def value(self, path: str, item: Entry) -> str:
        if path not in self._fitted:
            texts = [self._text(path, other) for other in self.report.selected]
            self._fitted[path] = values.fit(texts, LABEL_WIDTH)
        return self._fitted[path][self._text(path, item)]

    @staticmethod
    def _text(path: str, item: Entry) -> str:
        value = item.value(path)
        return values.number(value) if isinstance(value, float) else values.label(value)

    def group(self, group: Group, leave_out: Sequence[str] = ()) -> str:
        """`kernel_initializer=zeros, optimizer=Adam` (the settings that tell groups apart, less `leave_out`)."""
        paths = [path for path in self.report.columns.settings if path not in leave_out]
        return ", ".join(f"{self.short_paths.get(path, path)}={self.value(path, group.first)}" for path in paths) or "all runs"


def colors(count: int) -> list[Any]:
    from matplotlib import colormaps

    if count <= 10:
        return [colormaps["tab10"](i) for i in range(count)]
    if count <= 20:
        return [colormaps["tab20"](i) for i in range(count)]
    return [colormaps["viridis"](i / max(count - 1, 1)) for i in range(count)]


def shown(report: Report) -> list[Group]:
    groups = report.shown_groups()
    return groups if report.options.top else groups[:GROUPS_MAX]


def curves(report: Report) -> Plot | None:
    """The --curve over epochs: one line per group (mean over its seeds, band min-max), a panel per --facet value."""
    labels = Labels(report)
    facet, color = report.options.facet, report.options.color
    lines = []  # (panel, legend label, group, entries)
    for group in shown(report):
        runs = [item for item in group.completed if any(report.curve in row for row in item.run.metrics)]
        by_panel: dict[str, list[Entry]] = {}
        for item in runs:
            by_panel.setdefault(labels.value(facet, item) if facet else "", []).append(item)
        for panel, items in by_panel.items():
            legend = labels.value(color, items[0]) if color else labels.group(group, leave_out=[facet] if facet else [])
            lines.append((panel, legend, items))
    if not lines:
        return None
    panels = list(dict.fromkeys(line[0] for line in lines))
    legends = list(dict.fromkeys(line[1] for line in lines))
    palette = dict(zip(legends, colors(len(legends))))
    fig, axes = _panels(len(panels))
    crowded = max(sum(1 for line in lines if line[0] == panel) for panel in panels) > BANDS_MAX
    for (panel, legend, items), in_legend in zip(lines, _first_of_each(line[1] for line in lines)):
        ax = axes[panels.index(panel)]
        epochs, mean, low, high = _curve_stats(items, report.curve)
        ax.plot(epochs, mean, color=palette[legend], linewidth=1.0 if crowded else 1.6, label=legend if in_legend else "_nolegend_")
        if len(items) > 1 and not crowded:
            ax.fill_between(epochs, low, high, color=palette[legend], alpha=0.15, linewidth=0)
    for ax, panel in zip(axes, panels):
        ax.set_title(f"{labels.short_paths.get(facet, facet)} = {panel}" if facet else "", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel(report.curve)
        ax.grid(alpha=0.3)
        _log_if_spread(ax, [line for line in ax.get_lines()])
    band = "" if crowded else ", band: min–max over seeds"
    fig.suptitle(f"{report.curve} per epoch: mean over seeds{band}", fontsize=11)
    _legend_outside(fig, axes, title=labels.short_paths.get(color, color) if color else None)
    what = f"one panel per {facet}" if facet else "all groups in one panel"
    return Plot("curves", f"Learning curves ({report.curve})", f"{what}; one line per {color or 'group'}{band}.", png(fig))


def _first_of_each(keys: Any) -> list[bool]:
    seen: set[str] = set()
    flags = []
    for key in keys:
        flags.append(key not in seen)
        seen.add(key)
    return flags


def _curve_stats(items: Sequence[Entry], curve: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Epochs and the mean, min and max of a metrics.csv column across runs (runs of different lengths allowed)."""
    length = max(len(item.run.metrics) for item in items)
    matrix = np.full((len(items), length), np.nan)
    for i, item in enumerate(items):
        column = [row.get(curve) for row in item.run.metrics]
        matrix[i, : len(column)] = [value if isinstance(value, float) else np.nan for value in column]
    matrix[~np.isfinite(matrix)] = np.nan
    epochs = np.arange(1, length + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an epoch no run reached (all NaN) is drawn as a gap
        return epochs, np.nanmean(matrix, axis=0), np.nanmin(matrix, axis=0), np.nanmax(matrix, axis=0)


def _panels(count: int) -> tuple[Figure, list[Any]]:
    columns = min(count, 3)
    rows = math.ceil(count / columns)
    fig = Figure(figsize=(4.6 * columns + 0.5, 3.3 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False, sharex=True, sharey=True).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    return fig, axes[:count]


def _log_if_spread(ax: Any, lines: list[Any]) -> None:
    """A log y axis when the curves span more than two orders of magnitude (a huge-initialization loss)."""
    data = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines]) if lines else np.array([])
    data = data[np.isfinite(data)]
    if data.size and data.min() > 0 and data.max() / data.min() > 100:
        ax.set_yscale("log")


def _legend_outside(fig: Figure, axes: list[Any], title: str | None = None) -> None:
    """One legend for the figure, to the right of every panel, at most LEGEND_MAX entries."""
    handles, names = [], []
    for ax in axes:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            if name not in names:
                handles.append(handle)
                names.append(name)
    if len(names) <= 1 and title is None:
        return
    if len(names) > LEGEND_MAX:
        hidden = len(names) - LEGEND_MAX
        handles, names = handles[:LEGEND_MAX], names[:LEGEND_MAX]
        title = f"{title or ''} (best {LEGEND_MAX}; {hidden} more not listed)".strip()
    fig.legend(handles, names, loc="outside right upper", fontsize=8, title=title, title_fontsize=8, frameon=False)


def means(report: Report) -> Plot:
    """The mean of the ranking metric per group with its 95% interval, best at the top, coloured by verdict."""
    labels = Labels(report)
    groups = shown(report)
    names = [labels.group(group) for group in groups]
    fig = Figure(figsize=(5.0 + 0.06 * max(len(name) for name in names), 1.4 + 0.3 * len(groups)), layout="constrained")
    ax = fig.subplots()
    verdicts: dict[str, str] = {}
    for y, group in enumerate(groups):
        spread = group.spreads[report.metric]
        verdict = "best" if group.comparison is None else group.comparison.verdict
        color = verdicts.setdefault(verdict, VERDICT_COLORS.get(verdict, "#999999"))
        if spread.low is not None and spread.high is not None:
            ax.errorbar(spread.mean, y, xerr=[[spread.mean - spread.low], [spread.high - spread.mean]], fmt="o", color=color, capsize=3, markersize=5)
        else:
            ax.plot(spread.mean, y, "o", markerfacecolor="white", color=color, markersize=5)
        scores = group.scores(report.metric)
        ax.plot(scores, [y] * len(scores), "|", color=color, alpha=0.5, markersize=8)
    ax.set_yticks(range(len(groups)), names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"{report.metric}: mean and 95% CI over seeds; ticks: each run")
    ax.grid(axis="x", alpha=0.3)
    handles = [ax.plot([], [], "o", color=color)[0] for color in verdicts.values()]
    legend = [name if name == "best" or name.startswith("untested") else f"vs best: {name}" for name in verdicts]
    fig.legend(handles, legend, loc="outside lower center", ncols=len(verdicts), fontsize=8, frameon=False)
    hidden = len(report.ranked) - len(groups)
    more = f" ({hidden} more not shown)" if hidden > 0 else ""
    ax.set_title(f"{report.metric} by group, best first{more}", fontsize=10)
    caption = "Hollow markers: one seed (n = 1), no interval. Colours: the paired verdict against the best."
    return Plot("groups", f"{report.metric} by group", caption, png(fig))


def numeric_settings(report: Report) -> list[str]:
    """Settings with at least two distinct numeric values across the runs (learning rate, units, ...)."""
    found = []
    for path in report.columns.settings:
        seen = {item.value(path) for item in report.selected if item.value(path) is not None}
        if len(seen) > 1 and all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in seen):
            found.append(path)
    return found


def against(report: Report, path: str) -> Plot:
    """The metric of each run against a numeric setting, and each series' group means joined by a line."""
    labels = Labels(report)
    series: dict[str, list[Group]] = {}
    for group in shown(report):
        series.setdefault(labels.group(group, leave_out=[path]), []).append(group)
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    for (name, groups), color in zip(series.items(), colors(len(series))):
        groups = sorted(groups, key=lambda group: float(group.first.value(path)))
        xs = [float(group.first.value(path)) for group in groups]
        for x, group in zip(xs, groups):
            scores = group.scores(report.metric)
            ax.plot([x] * len(scores), scores, ".", color=color, alpha=0.45, markersize=5)
        ax.plot(xs, [group.spreads[report.metric].mean for group in groups], "-o", color=color, markersize=4, linewidth=1.4, label=name)
    xs_all = [float(item.value(path)) for item in report.selected if isinstance(item.value(path), (int, float))]
    if path.endswith("learning_rate") or (min(xs_all) > 0 and max(xs_all) / min(xs_all) >= 100):
        ax.set_xscale("log")
    short = labels.short_paths.get(path, path)
    ax.set_xlabel(short)
    ax.set_ylabel(report.metric)
    ax.grid(alpha=0.3)
    ax.set_title(f"{report.metric} against {short}: each run (dots) and the group means (line)", fontsize=10)
    if len(series) > 1:
        _legend_outside(fig, [ax])
    return Plot(f"{report.metric}-vs-{path}", f"{report.metric} against {short}", f"Dots: one run each; line: the mean over seeds; x: {path}.", png(fig))
