"""What the report's figures share: short labels, colours, a layout in inches, a legend outside the axes, PNG bytes.

Layouts are computed here in inches from the text they must hold (about
`CHAR` inch per character of 8-point text), not by matplotlib's layout
engines or `bbox_inches="tight"`: those measure every label again on each
pass, and a figure of sixty groups or ten panels then costs seconds instead of
a fraction of one. Legends go in space reserved beside (or below) the axes,
so they never cover a curve.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from nnlab.report.build import Report
from nnlab.report.entries import Entry
from nnlab.report.groups import Group
from nnlab.runs import values

DPI = 100
LABEL_WIDTH = 56  # characters of a config value in a figure
LEGEND_MAX = 30  # entries listed in one legend
CHAR = 0.064  # inches per character of 8-point DejaVu Sans, with a little to spare
LINE = 0.17  # inches per entry of a legend in 8-point type
LEGEND_STYLE: dict[str, Any] = {"fontsize": 8, "title_fontsize": 8, "frameon": False}


@dataclass(frozen=True)
class Plot:
    """One figure as PNG: a file stem, a title and a sentence saying what it shows."""

    name: str
    title: str
    caption: str
    png: bytes


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


class Labels:
    """Short, consistent labels for the values at config paths across a report's runs: the same value, the same text."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.short_paths = values.short_paths(report.columns.differing)
        self._fitted: dict[str, dict[str, str]] = {}

    def path(self, path: str) -> str:
        return self.short_paths.get(path, path)

    def value(self, path: str, item: Entry) -> str:
        if path not in self._fitted:
            texts = [self._text(path, other) for other in self.report.selected]
            self._fitted[path] = values.fit(texts, LABEL_WIDTH)
        return self._fitted[path][self._text(path, item)]

    @staticmethod
    def _text(path: str, item: Entry) -> str:
        value = item.value(path)
        return values.number(value) if isinstance(value, float) else values.label(value)

    def group(self, group: Group, leave_out: Sequence[str | None] = ()) -> str:
        """`kernel_initializer=zeros, optimizer=Adam`: the settings that tell groups apart, less `leave_out`."""
        paths = [path for path in self.report.columns.settings if path not in leave_out]
        return ", ".join(f"{self.path(path)}={self.value(path, group.first)}" for path in paths) or "all runs"


def colors(count: int, sequential: bool = False) -> list[Any]:
    """Distinct colours; along a colour map when the values are ordered numbers (or too many for a palette)."""
    from matplotlib import colormaps

    if sequential and count > 2:
        return [colormaps["viridis"](0.9 * i / (count - 1)) for i in range(count)]
    if count <= 10:
        return [colormaps["tab10"](i) for i in range(count)]
    if count <= 20:
        return [colormaps["tab20"](i) for i in range(count)]
    return [colormaps["viridis"](i / max(count - 1, 1)) for i in range(count)]


def text_width(texts: Sequence[str]) -> float:
    """Inches that the longest of `texts` takes in 8-point type."""
    return CHAR * max((len(text) for text in texts), default=0)


def legend_width(names: Sequence[str], title: str | None = None) -> float:
    """Inches a legend of `names` takes beside the axes: the line sample, the gap and the longest entry."""
    if not names:
        return 0.0
    return 0.75 + text_width([*names[:LEGEND_MAX], title or ""])


def legend_height(names: Sequence[str], title: str | None = None) -> float:
    """Inches a legend of `names` (at most LEGEND_MAX of them listed) takes from its top."""
    return 0.2 + LINE * (min(len(names), LEGEND_MAX) + (1 if title or len(names) > LEGEND_MAX else 0))


@dataclass(frozen=True)
class Grid:
    """Panels of `panel` inches, at most `columns` a row, with margins (inches) for titles, ticks and a legend on the right."""

    count: int
    panel: tuple[float, float] = (4.4, 3.0)
    columns: int = 3
    left: float = 0.85
    right: float = 0.25
    top: float = 1.0
    bottom: float = 0.6
    between: tuple[float, float] = (0.8, 1.05)

    def figure(self, legend: tuple[float, float] = (0.0, 0.0), sharey: bool = True) -> tuple[Figure, list[Any]]:
        """The figure and its visible axes; a legend of `legend` (width, height) inches fits right of the panels, from their top."""
        columns = min(self.count, self.columns)
        rows = math.ceil(self.count / columns)
        width = self.left + columns * self.panel[0] + (columns - 1) * self.between[0] + self.right + legend[0]
        panels = rows * self.panel[1] + (rows - 1) * self.between[1]
        bottom = self.bottom + max(0.0, legend[1] - panels)  # a legend taller than the panels gets room below them
        height = self.top + panels + bottom
        spacing = {
            "left": self.left / width,
            "right": 1 - (self.right + legend[0]) / width,
            "top": 1 - self.top / height,
            "bottom": bottom / height,
            "wspace": self.between[0] / self.panel[0],
            "hspace": self.between[1] / self.panel[1],
        }
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(rows, columns, squeeze=False, sharex=True, sharey=sharey, gridspec_kw=spacing).ravel().tolist()
        for ax in axes[self.count :]:
            ax.set_visible(False)
        return fig, axes[: self.count]


def legend_size(names: Sequence[str], title: str | None = None) -> tuple[float, float]:
    """The (width, height) in inches to reserve for `legend_beside`; nothing for a single unnamed entry."""
    if len(names) <= 1 and title is None:
        return (0.0, 0.0)
    return (legend_width(names, title), legend_height(names, title))


def legend_beside(fig: Figure, axes: list[Any], order: Sequence[str] | None = None, title: str | None = None) -> None:
    """One legend for the figure in the space right of the top-right panel (reserved by `Grid.figure(legend=legend_size(...))`)."""
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, name in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(name, handle)
    names = [name for name in (order or list(handles)) if name in handles]
    if len(names) <= 1 and title is None:
        return
    names, title = listed(names, title)
    box = axes[min(len(axes), 3) - 1].get_position()
    fig.legend(
        [handles[name] for name in names], names, loc="upper left", bbox_to_anchor=(box.x1 + 0.1 / fig.get_figwidth(), box.y1), title=title, **LEGEND_STYLE
    )


def listed(names: Sequence[str], title: str | None) -> tuple[list[str], str | None]:
    """The entries a legend lists (at most LEGEND_MAX) and its title, which says how many are left out."""
    if len(names) <= LEGEND_MAX:
        return list(names), title
    return list(names[:LEGEND_MAX]), f"{title or ''} (first {LEGEND_MAX}; {len(names) - LEGEND_MAX} more not listed)".strip()
