"""The report as files: a CSV of every run, a Markdown page with its figures, and everything at once (`--out`).

The CSV has one row per run with every flattened config value and every
metric, so a pandas user can go on from `pd.read_csv`. The Markdown page links
its figures, written as PNG files beside it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from nnlab.report import text
from nnlab.report.build import Report
from nnlab.report.entries import Entry
from nnlab.report.plotting import Plot
from nnlab.runs import values
from nnlab.runs.atomic import atomic_write, write_text

HTML_FILE, MARKDOWN_FILE, CSV_FILE = "report.html", "report.md", "runs.csv"
FACT_COLUMNS = ("run", "folder", "status", "cause", "group", "sweep", "epochs", "seconds")


def csv_text(report: Report) -> str:
    """One row per run (every run found, --where applied): the facts, every config leaf, every metric."""
    entries = report.selected if report.options.where else report.entries
    # Every leaf, and every column of the report: an object that differs between runs gets its label
    # (TruncatedNormal(stddev=0.001)) in one column beside its leaves.
    paths = list(dict.fromkeys(path for item in entries for path in [*values.flatten(item.config), *report.columns.differing]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*FACT_COLUMNS, *paths, *report.metrics])
    for item in entries:
        config = [_cell(values.get(item.config, path)) for path in paths]
        writer.writerow([*_facts(item), *config, *(_cell(item.metrics.get(name)) for name in report.metrics)])
    return buffer.getvalue()


def _facts(item: Entry) -> list[str]:
    sweep = "" if item.run.sweep is None else str(item.run.sweep)
    return [item.name, str(item.path), item.status, item.cause, item.group or "", sweep, _cell(item.epochs), _cell(item.seconds)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return values.label(value)
    return str(value)


def markdown_text(report: Report, figures: Sequence[tuple[Plot, str]]) -> str:
    """The report as Markdown; `figures` are (plot, file name relative to the page)."""
    parts = ["# nnlab report", "", f"{', '.join(str(path) for path in report.paths)}", "", text.headline(report), ""]
    if report.ranked:
        parts += _table(text.groups_table(report))
    for plot, name in figures:
        parts += [f"## {plot.title}", "", f"![{plot.title}]({name})", "", plot.caption, ""]
    parts += _table(text.problems_table(report)) if report.problems else ["## Runs that did not complete", "", "Every run completed.", ""]
    parts += _table(text.runs_table(report)) + _table(text.all_metrics_table(report)) + _table(text.shared_table(report))
    return "\n".join(parts)


def _table(table: text.Table) -> list[str]:
    cell = lambda value: value.replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = [f"## {table.title}", "", "| " + " | ".join(map(cell, table.header)) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in table.rows]
    return [*lines, "", *([table.note, ""] if table.note else [])]


def write_csv(report: Report, path: Path) -> Path:
    write_text(path, csv_text(report))
    return path


def write_markdown(report: Report, plots: Sequence[Plot], path: Path) -> list[Path]:
    """The Markdown page and its figures beside it (`<stem>.<figure>.png`); returns the files written."""
    written = []
    figures = []
    for plot in plots:
        figure = path.with_name(f"{path.stem}.{plot.name}.png")
        _write_bytes(figure, plot.png)
        figures.append((plot, figure.name))
        written.append(figure)
    write_text(path, markdown_text(report, figures))
    return [path, *written]


def _write_bytes(path: Path, data: bytes) -> None:
    atomic_write(path, lambda handle: handle.write(data), mode="wb")


def write_html(report: Report, plots: Sequence[Plot], path: Path) -> Path:
    from nnlab.report.page import page

    write_text(path, page(report, plots))
    return path


def write_all(report: Report, plots: Sequence[Plot], folder: Path) -> list[Path]:
    """report.html, report.md (with its PNG figures) and runs.csv in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return [write_html(report, plots, folder / HTML_FILE), *write_markdown(report, plots, folder / MARKDOWN_FILE), write_csv(report, folder / CSV_FILE)]
