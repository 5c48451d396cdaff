"""The report as one self-contained HTML page: tables, verdicts, figures as data URIs, the runs that did not complete.

Nothing on the page is fetched: the style is inline and each figure is a PNG
in a `data:` URI, so the file opens offline, can be mailed or archived as it
is, and needs no JavaScript.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from html import escape

from nnlab.report import stats, text
from nnlab.report.build import Report
from nnlab.report.plotting import Labels, Plot

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
nav a { margin-right: 1em; } .meta { color: #555; } .note { color: #555; font-size: .92em; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; font-size: .9em; }
th, td { padding: .25em .6em; border-bottom: 1px solid #eee; text-align: left; white-space: nowrap; vertical-align: top; }
th { background: #f6f6f6; position: sticky; top: 0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #eef7ee; } .better { color: #762a83; } .worse { color: #777; } .same { color: #2166ac; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; } figcaption { color: #555; font-size: .9em; }
td.text { white-space: normal; max-width: 22em; } td.cause { white-space: normal; max-width: 50em; }
"""
NUMERIC = ("n", "mean", "95% CI", "sd", "min", "max", "p", "epochs", "time", "rank", "vs best [95% CI]")


def page(report: Report, plots: Sequence[Plot]) -> str:
    """The HTML text of the report."""
    sections = [
        ("groups", "Groups across seeds", _groups(report)),
        ("comparisons", "Paired comparisons with the best", _comparisons(report)),
        ("figures", "Figures", "".join(_figure(plot) for plot in plots) or "<p>No figures: no run completed.</p>"),
        ("problems", "Runs that did not complete", _table(text.problems_table(report), cause=True) if report.problems else "<p>Every run completed.</p>"),
        ("runs", "Runs", _table(text.runs_table(report))),
        ("metrics", "Every metric by group", _table(text.all_metrics_table(report))),
        ("shared", "Shared by every run", _table(text.shared_table(report))),
    ]
    nav = " ".join(f'<a href="#{key}">{escape(title)}</a>' for key, title, _ in sections)
    body = "\n".join(f'<section id="{key}">\n<h2>{escape(title)}</h2>\n{content}\n</section>' for key, title, content in sections)
    paths = ", ".join(str(path) for path in report.paths)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nnlab report: {escape(paths)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>nnlab report</h1>
<p class="meta">{escape(paths)} · {escape(datetime.now().strftime("%Y-%m-%d %H:%M"))}</p>
<p class="headline">{escape(text.headline(report))}</p>
<nav>{nav}</nav>
{body}
</body>
</html>
"""


def _table(table: text.Table, cause: bool = False, best_first: bool = False) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in table.header)
    numeric = [name in NUMERIC or name.startswith(("val_", "test_")) or name.endswith("[95% CI]") for name in table.header]
    rows = []
    for index, row in enumerate(table.rows):
        cells = []
        for name, cell, is_number in zip(table.header, row, numeric):
            kind = "num" if is_number else "cause" if cause and name == "cause" else "text" if len(cell) > 30 else ""
            verdict = {stats.BETTER: "better", stats.WORSE: "worse", stats.SAME: "same"}.get(cell, "") if name == "verdict" else ""
            classes = " ".join(filter(None, [kind, verdict]))
            cells.append(f'<td class="{classes}">{escape(cell)}</td>' if classes else f"<td>{escape(cell)}</td>")
        best = ' class="best"' if best_first and index == 0 else ""
        rows.append(f"<tr{best}>{''.join(cells)}</tr>")
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    return f'<div class="scroll"><table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + f"\n</tbody></table></div>{note}"


def _groups(report: Report) -> str:
    if not report.ranked:
        return f"<p>No group has a value of {escape(report.metric)}: no run completed.</p>"
    return _table(text.groups_table(report), best_first=True)


def _comparisons(report: Report) -> str:
    """One sentence per group: its difference from the best, the interval, p and the verdict."""
    ranked = report.shown_groups()
    if len(ranked) < 2:
        return "<p>Only one group: nothing to compare.</p>"
    labels = Labels(report)
    best = ranked[0]
    items = []
    for group in ranked[1:]:
        comparison = group.comparison
        if comparison is None:
            continue
        if comparison.diff is None or comparison.low is None or comparison.high is None or comparison.p is None:
            detail = f"{comparison.verdict} over {comparison.n} shared seed(s)"
        else:
            detail = (
                f"mean difference {comparison.diff:+.4g} (95% CI [{comparison.low:.4g}, {comparison.high:.4g}]), "
                f"p = {comparison.p:.3g} over {comparison.n} shared seeds: <strong>{escape(comparison.verdict)}</strong>"
            )
        items.append(f"<li>{escape(labels.group(group))}: {detail}</li>")
    metric = escape(report.metric)
    intro = (
        f"<p>Each group against the best ({escape(labels.group(best))}) on {metric}, seed by seed over the seeds both ran "
        f"(a paired t test); a difference counts only when its 95% interval excludes zero.</p>"
    )
    note = f'<p class="note">{escape(text.groups_note(report))}</p>' if text.groups_note(report) else ""
    return intro + "<ul>\n" + "\n".join(items) + "\n</ul>" + note


def _figure(plot: Plot) -> str:
    data = base64.b64encode(plot.png).decode("ascii")
    return (
        f'<figure id="figure-{escape(plot.name)}">\n<img src="data:image/png;base64,{data}" alt="{escape(plot.title)}">\n'
        f"<figcaption>{escape(plot.title)}: {escape(plot.caption)}</figcaption>\n</figure>\n"
    )
