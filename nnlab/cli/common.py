"""What every command shares: reading an experiment, and turning problems into one line each and an exit code."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional

import typer

from nnlab.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from nnlab.experiment import Experiment

ConfigFile = Annotated[Path, typer.Argument(help="The experiment's YAML config.", show_default=False)]
Overrides = Annotated[
    Optional[list[str]],  # noqa: UP045  (Typer reads the annotation at run time)
    typer.Option("--set", "-s", help="Override a key: --set model.layers.0.units=256 (YAML-typed, repeatable).", show_default=False),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")]
AllowExternalCode = Annotated[
    bool,
    typer.Option(
        "--allow-external-code",
        help="Accept layers that run code from outside the config (Lambda, TFSMLayer's SavedModel); only for configs and models you trust.",
    ),
]


def fail(error: ConfigError, debug: bool) -> NoReturn:
    """Print each problem on its own line to standard error and exit 2 (or re-raise with --debug)."""
    if debug:
        raise error
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(ExitCode.USAGE)


def unusable_runs_dir(runs_dir: Path, error: OSError, debug: bool) -> NoReturn:
    """A runs folder that cannot hold a new run or sweep folder: one line and exit 2."""
    if debug:
        raise error
    reason = "it is a file, not a folder" if runs_dir.exists() and not runs_dir.is_dir() else error.strerror or str(error)
    typer.echo(f"{runs_dir}: cannot create a run folder there: {reason} (choose another with --runs-dir or NNLAB_RUNS_DIR)", err=True)
    raise typer.Exit(ExitCode.USAGE) from None


def warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def say(text: str) -> None:
    """A piece of a status line on standard error, shown at once ("\n" ends the line)."""
    typer.echo(text, err=True, nl=False)
    sys.stderr.flush()


def prepare(config: Path, overrides: list[str] | None, debug: bool, *, allow_external_code: bool = False, verbose: bool = False) -> Experiment:
    """The checked experiment of a config file, or one line per problem and exit 2; `verbose` says what is loaded."""
    from nnlab.config import keras_names
    from nnlab.experiment import prepare as prepare_experiment

    try:
        experiment = prepare_experiment(config, overrides or [], allow_external_code=allow_external_code, say=say if verbose else None)
    except ConfigError as error:
        fail(error, debug)
    problem = keras_names.layout_problem()
    if problem:
        warn(f"cannot read Keras's names ({problem}); names will be checked when the model is built")
    return experiment
