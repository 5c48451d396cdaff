"""`nnlab report`: compare runs and sweeps from their run folders, without TensorFlow.

The table goes to standard output; problems with the paths or options go to
standard error, one line each, with exit 2 before any file is written; the
files written are named on standard error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from nnlab.errors import ExitCode

if TYPE_CHECKING:
    from nnlab.report.build import Report

Paths = Annotated[list[Path], typer.Argument(help="Run folders, sweep folders or a whole runs/ tree (searched recursively).", show_default=False)]
Name = Optional[str]  # noqa: UP045  (Typer reads the annotation at run time)
File = Optional[Path]  # noqa: UP045


def report(
    paths: Paths,
    metric: Annotated[Name, typer.Option("--metric", help="Rank groups by this metric (default: the sweep's metric, else val_loss).")] = None,
    sort: Annotated[Name, typer.Option("--sort", help="Sort runs by a metric (best first) or a config path (default: --metric).")] = None,
    where: Annotated[
        Name, typer.Option("--where", help="Keep runs matching an expression: 'optimizer.type == \"adam\" and training.batch_size >= 32'.")
    ] = None,
    top: Annotated[Optional[int], typer.Option("--top", min=1, help="Show the first N runs and the N best groups.")] = None,  # noqa: UP045
    facet: Annotated[Name, typer.Option("--facet", help="Curves: one panel per value of this config path (optimizer).")] = None,
    color: Annotated[Name, typer.Option("--color", help="Curves: one colour per value of this config path (model.defaults.kernel_initializer).")] = None,
    curve: Annotated[Name, typer.Option("--curve", help="The metrics.csv column drawn over epochs: loss, val_loss, val_accuracy, ...")] = None,
    csv: Annotated[File, typer.Option("--csv", help="Write one row per run: every config value and metric.", dir_okay=False)] = None,
    markdown: Annotated[File, typer.Option("--markdown", help="Write a Markdown report (its figures as PNG files beside it).", dir_okay=False)] = None,
    html: Annotated[File, typer.Option("--html", help="Write one self-contained HTML page: tables, verdicts, figures.", dir_okay=False)] = None,
    out: Annotated[File, typer.Option("--out", help="Write report.html, report.md with its figures, and runs.csv into this folder.", file_okay=False)] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")] = False,
) -> None:
    """Compare runs: a table per run, groups across seeds with intervals and paired verdicts, curves and an HTML page."""
    from nnlab.report.build import Options, ReportError, build
    from nnlab.report.terminal import print_report

    options = Options(metric=metric, sort=sort, where=where, top=top, facet=facet, color=color, curve=curve)
    try:
        for target in (csv, markdown, html):
            if target is not None and not target.parent.is_dir():
                raise ReportError(f"{target}: the folder {target.parent} does not exist")
        result = build(paths, options)
    except ReportError as error:
        if debug:
            raise
        typer.echo(str(error), err=True)
        raise typer.Exit(ExitCode.USAGE) from None
    print_report(result)
    if csv or markdown or html or out:
        _write(result, csv, markdown, html, out)


def _write(result: Report, csv: Path | None, markdown: Path | None, html: Path | None, out: Path | None) -> None:
    from nnlab.report import export, figures

    plots = figures.render(result) if markdown or html or out else []
    written: list[Path] = []
    if csv:
        written.append(export.write_csv(result, csv))
    if markdown:
        written += export.write_markdown(result, plots, markdown)
    if html:
        written.append(export.write_html(result, plots, html))
    if out:
        written += export.write_all(result, plots, out)
    for path in written:
        typer.echo(f"wrote {path}", err=True)
