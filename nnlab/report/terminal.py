"""The report in a terminal: rich tables on standard output.

Shared config values first, then one row per run, the groups ranked with
their intervals and verdicts, and the runs that did not complete. When
standard output is a file or a pipe the tables are drawn wide rather than
wrapped to 80 columns, so `nnlab report runs > table.txt` stays one row per run.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from nnlab.report import text
from nnlab.report.build import Report

NUMERIC_HEADERS = ("n", "sd", "min", "max", "p", "epochs", "time", "rank")
FILE_WIDTH = 250  # columns when writing to a file or a pipe


def print_report(report: Report, file: IO[str] | None = None) -> None:
    """Print the report's tables to `file` (standard output)."""
    file = file or sys.stdout
    wide = not file.isatty() and "COLUMNS" not in os.environ
    console = Console(file=file, width=FILE_WIDTH if wide else None, highlight=False, soft_wrap=False)
    console.print(Text(text.headline(report)))
    if report.sweeps:
        console.print(Text("sweep: " + ", ".join(str(sweep) for sweep in report.sweeps)))
    tables = [text.shared_table(report), text.runs_table(report)]
    if report.ranked:
        tables.append(text.groups_table(report))
    if report.problems:
        tables.append(text.problems_table(report))
    for table in tables:
        if table.rows:
            console.print()
            console.print(_rich(table))
            if table.note:
                console.print(Text(table.note, style="dim"))


def _rich(table: text.Table) -> RichTable:
    rich = RichTable(title=Text(table.title, style="bold"), title_justify="left", header_style="bold", box=None, pad_edge=False)
    for name in table.header:
        numeric = name in NUMERIC_HEADERS or name.startswith(("val_", "test_")) or name.endswith("[95% CI]")
        rich.add_column(Text(name), justify="right" if numeric else "left", overflow="fold")
    for row in table.rows:
        rich.add_row(*(Text(cell) for cell in row))  # Text: a value like [standardize] is not markup
    return rich
