"""`nnlab evaluate RUN_DIR`: a trained run's model on its test (or validation, or training) split.

Writes `evaluation/<split>/` in the run folder and shows the metrics and the
classification report. The data is the run's own, rebuilt from its config.yaml.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from nnlab.cli.common import Debug, fail
from nnlab.errors import ConfigError, Problem

SPLITS = ("test", "validation", "train")


def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder with a saved model.keras.", show_default=False)],
    split: Annotated[str, typer.Option("--split", help="test, validation or train.")] = "test",
    mc_dropout: Annotated[
        Optional[int],  # noqa: UP045
        typer.Option("--mc-dropout", help="N stochastic passes with dropout on: the mean prediction and its uncertainty.", show_default=False),
    ] = None,
    debug: Debug = False,
) -> None:
    """Evaluate a run's saved model: metrics, classification report, confusion matrix, predictions, pictures."""
    problem = _problem(run_dir, split, mc_dropout)
    if problem:
        fail(ConfigError([problem]), debug)
    from nnlab.config import schema
    from nnlab.experiment import prepare, select_backend
    from nnlab.runs.read import read_run

    backend = read_run(run_dir).record.get("backend")
    if backend in schema.BACKENDS:
        os.environ[schema.CHOICE] = backend  # the backend the run was trained on
    try:
        experiment = prepare(run_dir / "config.yaml")
    except ConfigError as error:
        fail(error, debug)
    select_backend(experiment.spec)
    from nnlab.runs import evaluation
    from nnlab.runs.folder import RunFolder
    from nnlab.training.evaluate import EvaluationError, predict

    folder = RunFolder(run_dir)
    try:
        result = predict(folder, experiment.spec, experiment.dataset, split, mc_dropout)
    except EvaluationError as error:
        fail(ConfigError([Problem("", str(error), str(run_dir))]), debug)
    target = folder.path / "evaluation" / split
    shown = evaluation.write(target, result)
    _show(shown)
    typer.echo(str(target))


def _problem(run_dir: Path, split: str, mc_dropout: int | None) -> Problem | None:
    if split not in SPLITS:
        return Problem("", f"--split: expected one of {', '.join(SPLITS)} (got {split!r})")
    if mc_dropout is not None and mc_dropout < 1:
        return Problem("", f"--mc-dropout: expected a number of passes >= 1, such as 100 (got {mc_dropout})")
    if not (run_dir / "run.json").is_file():
        return Problem("", "not a run folder (no run.json)", str(run_dir))
    if not (run_dir / "model.keras").is_file():
        return Problem("", "the run saved no model.keras (did it complete, with output.model on?)", str(run_dir))
    return None


def _show(shown: dict[str, object]) -> None:
    """The metrics, then the classification report as a rich table, on standard error."""
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    metrics = shown.get("metrics", {})
    assert isinstance(metrics, dict)
    console.print("  ".join(f"{key} {value:.4f}" for key, value in metrics.items()))
    report = shown.get("report")
    if isinstance(report, list):
        table = Table("class", "precision", "recall", "F1", "support")
        for row in report:
            cells = [row["class"], *(("" if row[key] is None else f"{row[key]:.3f}") for key in ("precision", "recall", "f1")), str(row["support"])]
            table.add_row(*cells)
        console.print(table)


__all__ = ["evaluate"]
