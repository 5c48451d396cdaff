"""The `nnlab` command line: one Typer app, one module per command group.

Commands that do not train never import TensorFlow: each command imports what
it needs inside its function, so `nnlab --help` answers at once.

Exit codes (`nnlab.errors.ExitCode`): 0 success; 1 a run failed or diverged;
2 bad config or usage; 130 interrupted.
"""

from __future__ import annotations

from typing import Annotated

import typer

import nnlab
from nnlab.cli import data, evaluate, experiment, report, signals

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Keras experiments as YAML: train, sweep and compare runs from the command line.",
)
for command in (experiment.train, experiment.validate, experiment.show, report.report, evaluate.evaluate):
    app.command()(command)
app.add_typer(data.data_app, name="data")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nnlab {nnlab.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Keras experiments as YAML: train, sweep and compare runs from the command line."""


def main() -> None:
    """Console entry point: SIGTERM interrupts like Ctrl-C from the first second on (exit 130)."""
    signals.install()
    app()


__all__ = ["app", "main"]
