"""`trials.csv` and the tables printed at the end of a sweep and by `--dry-run`.

`trials.csv` has one row per trial: its id, each swept value (one column per
key, written as compact YAML), the seed, the status and cause of failure, the
epoch where the sweep's metric was best with every metric of that epoch, the
test metrics, the fit seconds, the device and the trial's run folder. The
whole file is rewritten atomically whenever a trial changes, so it is always
current and never half written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from nnlab.runs.atomic import write_text
from nnlab.runs.metrics import order_columns
from nnlab.sweep.expand import compact
from nnlab.sweep.state import Outcome, TrialState, outcome, sort_key

LEADING = ("id",)
STATUS = ("seed", "status", "error", "best_epoch")
TRAILING = ("fit_seconds", "seconds", "device", "worker", "folder")


def rows(states: Sequence[TrialState], keys: Sequence[str], metric: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The columns and rows of trials.csv, in the sweep's trial order."""
    found = []
    for state in states:
        result = outcome(state.run, metric)
        row: dict[str, Any] = {"id": state.id}
        row.update({key: compact(state.values[key]) if key in state.values else "" for key in keys})
        row.update(seed=state.seed, status=state.status, error=state.error or "", best_epoch=result.best_epoch)
        row.update(result.metrics)
        row.update({f"test_{key}": value for key, value in result.test.items()})
        row.update(fit_seconds=result.fit_seconds, seconds=_seconds(state), device=_device(state), worker=state.worker or "", folder=_folder(state))
        found.append(row)
    metric_columns = [c for c in order_columns(k for row in found for k in row if k not in (*LEADING, *keys, *STATUS, *TRAILING)) if not c.startswith("test_")]
    test_columns = sorted({k for row in found for k in row if k.startswith("test_")})
    return [*LEADING, *keys, *STATUS, *metric_columns, *test_columns, *TRAILING], found


def write(path: Path, states: Sequence[TrialState], keys: Sequence[str], metric: str) -> None:
    columns, found = rows(states, keys, metric)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for row in found:
        writer.writerow({key: _cell(row.get(key)) for key in columns})
    write_text(path, buffer.getvalue())


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return value


def _seconds(state: TrialState) -> float | None:
    """The trial's cost as the sweep saw it (handed out to ended); for a trial of an earlier session, its run's duration."""
    if state.seconds is not None:
        return round(state.seconds, 3)
    recorded = state.run.record.get("duration_seconds") if state.run is not None else None
    return recorded if isinstance(recorded, (int, float)) else None


def _device(state: TrialState) -> str:
    recorded = state.run.record.get("device") if state.run is not None else None
    devices = ", ".join(recorded.get("devices") or []) if isinstance(recorded, dict) else ""
    gpu = state.extra.get("gpu")
    return f"{devices} (GPU {gpu})" if gpu is not None and devices else devices


def _folder(state: TrialState) -> str:
    return f"trials/{state.id}" if state.run is not None or state.status not in ("pending",) else ""


def ranked(states: Sequence[TrialState], metric: str) -> list[tuple[TrialState, Outcome]]:
    """Trials best first by the metric, then by how they ended."""
    results = [(state, outcome(state.run, metric)) for state in states]
    return sorted(results, key=lambda pair: sort_key(*pair))


def final_table(states: Sequence[TrialState], keys: Sequence[str], metric: str, title: str) -> Table:
    """The trials sorted by the sweep's metric, best first."""
    table = Table(title=title, title_justify="left")
    for header in ("#", "id", *keys, "seed", "status", metric, "fit s"):
        table.add_column(header, justify="right" if header in ("#", "seed", metric, "fit s") else "left", overflow="fold")
    for rank, (state, result) in enumerate(ranked(states, metric), start=1):
        value = "" if result.value is None else f"{result.value:.4g}"
        status = state.status if not state.error else f"{state.status}: {_short(state.error)}"
        fit = "" if result.fit_seconds is None else f"{result.fit_seconds:.1f}"
        table.add_row(str(rank), state.id, *[compact(state.values[key]) if key in state.values else "" for key in keys], str(state.seed), status, value, fit)
    return table


def dry_run_table(states: Sequence[TrialState], keys: Sequence[str], title: str) -> Table:
    """What would run: each trial's id, swept values and seed."""
    table = Table(title=title, title_justify="left")
    for header in ("id", *keys, "seed"):
        table.add_column(header, overflow="fold")
    for state in states:
        table.add_row(state.id, *[compact(state.values[key]) for key in keys], str(state.seed))
    return table


def _short(text: str, width: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 3] + "..."
