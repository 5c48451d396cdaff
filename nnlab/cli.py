"""The `nnlab` command line.

Results go to standard output (the resolved config, the run folder's path);
progress and errors go to standard error. Commands that do not train never
import TensorFlow: they import `nnlab.train` inside the function that needs it.

Exit codes: 0 success; 1 the run failed or diverged; 2 bad config or usage;
130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

import nnlab
from nnlab.errors import ConfigError

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Keras experiments as YAML: train them into complete run folders.",
)

from nnlab.cli_data import data_app  # noqa: E402  (imports no TensorFlow)

app.add_typer(data_app, name="data")

ConfigFile = Annotated[Path, typer.Argument(help="The experiment's YAML config.", show_default=False)]
Overrides = Annotated[
    Optional[list[str]],
    typer.Option("--set", "-s", help="Override a key: --set model.layers.0.units=256 (YAML-typed, repeatable).", show_default=False),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show full tracebacks.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nnlab {nnlab.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Keras experiments as YAML: train them into complete run folders."""


def _fail(error: ConfigError, debug: bool) -> None:
    if debug:
        raise error
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    raise typer.Exit(EXIT_USAGE)


def _prepare(config: Path, overrides: list[str] | None, debug: bool):
    from nnlab.experiment import prepare

    try:
        return prepare(config, overrides or [])
    except ConfigError as error:
        _fail(error, debug)


@app.command()
def validate(config: ConfigFile, set_: Overrides = None, debug: Debug = False) -> None:
    """Check a config and its data without training: exit 0 if valid, 2 if not."""
    experiment = _prepare(config, set_, debug)
    typer.echo(f"{config}: valid ({experiment.dataset.name}, {len(experiment.config['model']['layers'])} layers)")


@app.command()
def show(config: ConfigFile, set_: Overrides = None, debug: Debug = False) -> None:
    """Print the resolved config, every default filled, as YAML."""
    import yaml

    experiment = _prepare(config, set_, debug)
    typer.echo(yaml.safe_dump(experiment.config, sort_keys=False, allow_unicode=True), nl=False)


@app.command()
def train(
    config: ConfigFile,
    set_: Overrides = None,
    runs_dir: Annotated[
        Path, typer.Option("--runs-dir", envvar="NNLAB_RUNS_DIR", help="Where run folders go.")
    ] = Path("runs"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    debug: Debug = False,
) -> None:
    """Train one experiment; prints the run folder's path as the last line."""
    experiment = _prepare(config, set_, debug)
    from nnlab.train import train as run_training  # TensorFlow is imported only now

    try:
        result = run_training(experiment, runs_dir, verbose=not quiet, command=sys.argv)
    except ConfigError as error:
        _fail(error, debug)
    if result.error:
        typer.echo(f"{result.folder}: run {result.status}: {result.error}", err=True)
    elif not quiet:
        test = ", ".join(f"{key} {value:.4f}" for key, value in result.summary.get("test", {}).items())
        typer.echo(f"test: {test}", err=True)
    typer.echo(str(result.folder))
    code = {"completed": EXIT_OK, "interrupted": EXIT_INTERRUPTED}.get(result.status, EXIT_RUN_FAILED)
    raise typer.Exit(code)


def main() -> None:
    """Console entry point: Ctrl-C outside a run (say, while TensorFlow loads) exits 130 quietly."""
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":  # pragma: no cover
    main()

__all__ = ["app", "main"]
