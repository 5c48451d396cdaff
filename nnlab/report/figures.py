"""The report's figures: learning curves per group, the group means with their intervals, a metric against a numeric setting.

Figures are `matplotlib.figure.Figure` objects (no pyplot, no global state)
rendered to PNG bytes, which the HTML page embeds and `--out` writes as files.
They stay readable with many groups: config values are shown by the same
short label everywhere (`nnlab.report.plotting.Labels`), legends sit beside
the axes, bands are dropped when a panel has more than `BANDS_MAX` lines, and
the means plot shows at most `GROUPS_MAX` groups unless `--top` says otherwise.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from nnlab.report import stats
from nnlab.report.build import Report
from nnlab.report.entries import Entry
from nnlab.report.groups import Group
from nnlab.report.plotting import LEGEND_STYLE, Grid, Labels, Plot, colors, legend_beside, legend_size, listed, png, text_width

BANDS_MAX = 12  # lines in one panel beyond which the min-max bands would hide each other
GROUPS_MAX = 40  # groups in the means plot (without --top)
PARAMS_MAX = 4  # numeric settings that get a metric-against-setting plot
VERDICT_COLORS = {"best": "#1b7837", stats.SAME: "#2166ac", stats.WORSE: "#999999", stats.BETTER: "#762a83"}
Curve = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # epochs, mean, min, max


def render(report: Report) -> list[Plot]:
    """Every figure of a report (none when no run completed)."""
    if not report.ranked:
        return []
    plots = [curves(report), means(report)]
    plots += [against(report, path) for path in numeric_settings(report)[:PARAMS_MAX]]
    return [plot for plot in plots if plot is not None]


def curves(report: Report) -> Plot | None:
    """The --curve over epochs: one line per group (mean over its seeds, band min-max), a panel per --facet value."""
    labels = Labels(report)
    facet, color = report.options.facet, report.options.color
    lines = []  # (panel, legend entry, runs)
    shown_values: dict[str, Any] = {}  # legend entry -> the value it stands for (numbers are ordered as numbers)
    for group in report.shown_groups():
        by_panel: dict[str, list[Entry]] = {}
        for item in group.completed:
            if any(report.curve in row for row in item.run.metrics):
                by_panel.setdefault(labels.value(facet, item) if facet else "", []).append(item)
        for panel, items in by_panel.items():
            legend = labels.value(color, items[0]) if color else labels.group(group, leave_out=[facet])
            shown_values.setdefault(legend, items[0].value(color) if color else None)
            lines.append((panel, legend, items))
    if not lines:
        return None
    panels = list(dict.fromkeys(panel for panel, _, _ in lines))
    legends = _legend_order(shown_values)
    palette = dict(zip(legends, colors(len(legends), sequential=_all_numbers(shown_values.values()))))
    title = labels.path(color) if color else None
    fig, axes = Grid(len(panels)).figure(legend=legend_size(legends, title))
    crowded = max(sum(1 for line in lines if line[0] == panel) for panel in panels) > BANDS_MAX
    drawn = [(panel, legend, len(items), _curve_stats(items, report.curve)) for panel, legend, items in sorted(lines, key=lambda line: legends.index(line[1]))]
    for ax in axes:
        ax.set_autoscale_on(False)  # the limits are set once, below: autoscaling shared panels after every line costs seconds
    for panel, legend, count, (epochs, mean, low, high) in drawn:
        ax = axes[panels.index(panel)]
        ax.plot(epochs, mean, color=palette[legend], linewidth=1.0 if crowded else 1.6, label=legend)
        if count > 1 and not crowded:
            ax.fill_between(epochs, low, high, color=palette[legend], alpha=0.15, linewidth=0)
    _set_limits(axes[0], [curve for *_, curve in drawn])
    for ax, panel in zip(axes, panels):
        ax.set_title(f"{labels.path(facet)} =\n{panel}" if facet else "", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel(report.curve)
        ax.xaxis.set_tick_params(labelbottom=True)  # every panel keeps its epochs, also above an empty slot
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    band = "" if crowded else ", band: min–max over seeds"
    fig.suptitle(f"{report.curve} per epoch: mean over seeds{band}", fontsize=11, y=1 - 0.25 / fig.get_figheight())
    legend_beside(fig, axes, legends, title=title)
    what = f"one panel per {facet}" if facet else "all groups in one panel"
    return Plot("curves", f"Learning curves ({report.curve})", f"{what}; one line per {color or 'group'}{band}.", png(fig))


def _all_numbers(items: Any) -> bool:
    found = list(items)
    return bool(found) and all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in found)


def _legend_order(shown_values: dict[str, Any]) -> list[str]:
    """Numbers (learning rates, widths) ascending; anything else in rank order, the best group's first."""
    if _all_numbers(shown_values.values()):
        return sorted(shown_values, key=lambda legend: shown_values[legend])
    return list(shown_values)


def _curve_stats(items: Sequence[Entry], curve: str) -> Curve:
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


def _set_limits(ax: Any, drawn: list[Curve]) -> None:
    """Epochs 1..n and the range of every line and band (shared by all panels); a log axis when it spans over two orders of magnitude."""
    last = max(len(epochs) for epochs, *_ in drawn)
    ax.set_xlim(0.7, last + 0.3) if last > 1 else ax.set_xlim(0.5, 1.5)
    data = np.concatenate([np.concatenate([mean, low, high]) for _, mean, low, high in drawn])
    data = data[np.isfinite(data)]
    if not data.size:
        return
    low, high = float(data.min()), float(data.max())
    if low > 0 and high / low > 100:  # a diverging or huge-initialization loss next to a good one
        ax.set_yscale("log")
        ax.set_ylim(low / 1.3, high * 1.3)
    else:
        pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
        ax.set_ylim(low - pad, high + pad)


def capped(report: Report) -> list[Group]:
    """The groups of the means plot: --top of them, else at most GROUPS_MAX."""
    groups = report.shown_groups()
    return groups if report.options.top else groups[:GROUPS_MAX]


def means(report: Report) -> Plot:
    """The mean of the ranking metric per group with its 95% interval, best at the top, coloured by the verdict against the best."""
    labels = Labels(report)
    groups = capped(report)
    names = [labels.group(group) for group in groups]
    verdicts: dict[str, list[tuple[int, Group]]] = {}
    for y, group in enumerate(groups):
        verdicts.setdefault("best" if group.comparison is None else group.comparison.verdict, []).append((y, group))
    grid = Grid(1, panel=(5.0, 0.3 * len(groups) + 0.4), left=0.3 + text_width(names), top=0.45, bottom=0.95, right=0.3)
    fig, (ax,) = grid.figure()
    for verdict, members in verdicts.items():  # one call per colour: a call per group costs a second with sixty groups
        color = VERDICT_COLORS.get(verdict, "#999999")
        spreads = [(y, group.spreads[report.metric]) for y, group in members]
        tested = [(y, spread) for y, spread in spreads if spread.low is not None and spread.high is not None]
        if tested:
            xerr = [[spread.mean - (spread.low or 0) for _, spread in tested], [(spread.high or 0) - spread.mean for _, spread in tested]]
            ax.errorbar([spread.mean for _, spread in tested], [y for y, _ in tested], xerr=xerr, fmt="o", color=color, capsize=3, markersize=5)
        single = [(y, spread) for y, spread in spreads if spread.low is None]
        if single:
            ax.plot([spread.mean for _, spread in single], [y for y, _ in single], "o", markerfacecolor="white", color=color, markersize=5)
        ticks = [(score, y) for y, group in members for score in group.scores(report.metric)]
        ax.plot([x for x, _ in ticks], [y for _, y in ticks], "|", color=color, alpha=0.5, markersize=8)
    ax.set_yticks(range(len(groups)), names, fontsize=8)
    ax.set_ylim(len(groups) - 0.5, -0.5)  # the best at the top
    ax.set_xlabel(f"{report.metric}: mean and 95% CI over seeds; ticks: each run")
    ax.grid(axis="x", alpha=0.3)
    handles = [ax.plot([], [], "o", color=VERDICT_COLORS.get(verdict, "#999999"))[0] for verdict in verdicts]
    entries = [name if name == "best" or name.startswith("untested") else f"vs best: {name}" for name in verdicts]
    below = -0.55 / grid.panel[1]  # under the axis label, in the space the grid keeps at the bottom
    ax.legend(handles, entries, loc="upper center", bbox_to_anchor=(0.5, below), ncols=len(entries), **LEGEND_STYLE)
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
        if len(seen) > 1 and _all_numbers(seen):
            found.append(path)
    return found


def against(report: Report, path: str) -> Plot:
    """The metric of each run against a numeric setting, and each series' group means joined by a line."""
    labels = Labels(report)
    series: dict[str, list[Group]] = {}
    for group in report.shown_groups():
        series.setdefault(labels.group(group, leave_out=[path]), []).append(group)
    names, title = listed(list(series), None)
    fig, (ax,) = Grid(1, panel=(5.5, 3.6), top=0.5).figure(legend=legend_size(names if len(series) > 1 else [], title))
    for (name, groups), color in zip(series.items(), colors(len(series))):
        groups = sorted(groups, key=lambda group: float(group.first.value(path)))
        xs = [float(group.first.value(path)) for group in groups]
        points = [(x, score) for x, group in zip(xs, groups) for score in group.scores(report.metric)]
        ax.plot([x for x, _ in points], [y for _, y in points], ".", color=color, alpha=0.45, markersize=5)
        ax.plot(xs, [group.spreads[report.metric].mean for group in groups], "-o", color=color, markersize=4, linewidth=1.4, label=name)
    xs_all = [float(item.value(path)) for item in report.selected if _all_numbers([item.value(path)])]
    if path.endswith("learning_rate") or (min(xs_all) > 0 and max(xs_all) / min(xs_all) >= 100):
        ax.set_xscale("log")
    ax.set_xlabel(labels.path(path))
    ax.set_ylabel(report.metric)
    ax.grid(alpha=0.3)
    ax.set_title(f"{report.metric} against {labels.path(path)}", fontsize=10)
    if len(series) > 1:
        legend_beside(fig, [ax], names, title)
    caption = f"Dots: one run each; lines: the mean over seeds of each group; x: {path}."
    return Plot(f"{report.metric}-vs-{path}", f"{report.metric} against {labels.path(path)}", caption, png(fig))
