"""The report in a terminal: tables on standard output, through rich.

Shared config values first, then one row per run, the groups ranked with
their intervals and verdicts, and the runs that did not complete. The columns
are laid out here and each line is printed as a rich `Text`: rich's own Table
measures and renders every cell as an object, about a second for a sweep of
1,000 runs, where this layout takes milliseconds. Lines that would not fit the
terminal lose width from their widest text columns (cut with an ellipsis),
never from numbers. When standard output is a file or a pipe the tables are
laid out wide, so `nnlab report runs > table.txt` keeps one line per run.
"""

from __future__ import annotations

import os
import sys
from typing import IO

from rich.console import Console
from rich.text import Text

from nnlab.report import text
from nnlab.report.build import Report
from nnlab.runs.values import shorten

NUMERIC_HEADERS = ("n", "sd", "min", "max", "p", "epochs", "time", "rank")
FILE_WIDTH = 1000  # columns when writing to a file or a pipe: in effect, no limit
GAP = 2  # spaces between columns
NARROWEST = 8  # a text column is never cut below this


def print_report(report: Report, file: IO[str] | None = None) -> None:
    """Print the report's tables to `file` (standard output)."""
    file = file or sys.stdout
    wide = not file.isatty() and "COLUMNS" not in os.environ
    console = Console(file=file, width=FILE_WIDTH if wide else None, highlight=False, markup=False, emoji=False)
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
            console.print(Text(table.title, style="bold"))
            console.print(Text("\n").join(layout(table, console.width)), no_wrap=True, overflow="crop", crop=True)
            if table.note:
                console.print(Text(table.note, style="dim"))


def is_numeric(header: str) -> bool:
    return header in NUMERIC_HEADERS or header.startswith(("val_", "test_")) or header.endswith("[95% CI]")


def layout(table: text.Table, width: int) -> list[Text]:
    """The header (bold) and each row as one line: numbers right-aligned, text columns cut to fit `width`."""
    columns = list(zip(table.header, *table.rows))
    widths = [max(len(cell) for cell in column) for column in columns]
    numeric = [is_numeric(header) for header in table.header]
    excess = sum(widths) + GAP * (len(widths) - 1) - width
    while excess > 0:
        cuttable = [i for i, size in enumerate(widths) if not numeric[i] and size > NARROWEST]
        if not cuttable:
            break
        widest = max(cuttable, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    lines = []
    for index, row in enumerate([table.header, *table.rows]):
        cells = []
        for cell, size, right in zip(row, widths, numeric):
            cell = shorten(cell, size)
            cells.append(cell.rjust(size) if right else cell.ljust(size))
        lines.append(Text((" " * GAP).join(cells).rstrip(), style="bold" if index == 0 else ""))
    return lines
