"""`nnlab validate`, `nnlab show` and `nnlab train`: one experiment from its config file.

Results go to standard output (the resolved config, the run folder's path);
progress and problems go to standard error. Only `train` imports TensorFlow,
inside the function, after the config has been checked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from nnlab.cli import sweep as sweeps
from nnlab.cli.common import ConfigFile, Debug, Overrides, fail, prepare
from nnlab.errors import ConfigError, ExitCode, Problem

if TYPE_CHECKING:
    from nnlab.experiment import Experiment
    from nnlab.runs.folder import RunFolder
    from nnlab.training.run import RunResult


def validate(config: ConfigFile, set_: Overrides = None, debug: Debug = False) -> None:
    """Check a config (or every trial of a sweep file) and its data without training: exit 0 if valid, 2 if not."""
    if sweeps.is_sweep_file(config):
        sweeps.validate_sweep(config, set_, debug)
        return
    experiment = prepare(config, set_, debug)
    typer.echo(f"{config}: valid ({experiment.dataset.name}, {len(experiment.spec.model.layers)} layers)")


def show(config: ConfigFile, set_: Overrides = None, debug: Debug = False) -> None:
    """Print the resolved config, every default filled, as YAML (for a sweep file: the sweep, base merged)."""
    import yaml

    if sweeps.is_sweep_file(config):
        sweeps.show_sweep(config, set_, debug)
        return
    experiment = prepare(config, set_, debug)
    typer.echo(yaml.safe_dump(experiment.spec.to_dict(), sort_keys=False, allow_unicode=True), nl=False)


def train(
    config: Annotated[Optional[Path], typer.Argument(help="The experiment's YAML config (not with --resume).", show_default=False)] = None,  # noqa: UP045
    set_: Overrides = None,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", envvar="NNLAB_RUNS_DIR", help="Where run folders go.")] = Path("runs"),
    resume: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--resume", help="Continue an interrupted, stopped or failed run in its folder, from its last completed epoch.", show_default=False),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    debug: Debug = False,
) -> None:
    """Train one experiment (or resume one); prints the run folder's path as the last line."""
    from nnlab.experiment import select_backend

    experiment, folder, created = _start(config, set_, runs_dir, resume, debug)
    select_backend(experiment.spec)
    from nnlab.runs.record import RunStatus
    from nnlab.training.run import run  # TensorFlow is imported only now

    try:
        result = run(experiment.spec, experiment.dataset, folder, resume=resume is not None, verbose=not quiet, command=sys.argv, config_file=experiment.file)
    except ConfigError as error:  # raised before anything was written: leave no folder behind
        if resume is None:
            for empty in (folder.path, *created):
                empty.rmdir()
        fail(error, debug)
    except KeyboardInterrupt:
        typer.echo(f"{folder}: run interrupted; continue it with: nnlab train --resume {folder}", err=True)
        typer.echo(str(folder))
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    _report(result, quiet)
    typer.echo(str(folder))
    raise typer.Exit(ExitCode.OK if result.status == RunStatus.COMPLETED else ExitCode.RUN_FAILED)


def _start(config: Path | None, overrides: list[str] | None, runs_dir: Path, resume: Path | None, debug: bool) -> tuple[Experiment, RunFolder, list[Path]]:
    """The experiment to train and its folder: a new one, or the resumed run's (with nothing created)."""
    from nnlab.runs.folder import RunFolder, create

    if resume is None:
        if config is None:
            fail(ConfigError([Problem("", "expected a config file (nnlab train FILE) or --resume RUN_DIR")]), debug)
        if sweeps.is_sweep_file(config):
            fail(ConfigError([Problem("sweep", "this is a sweep file (it has a sweep: section or a base:); run it with nnlab sweep", str(config))]), debug)
        experiment = prepare(config, overrides, debug)
        created = [parent for parent in (runs_dir, *runs_dir.parents) if not parent.exists()]
        return experiment, create(runs_dir, experiment.spec.name), created
    if config is not None or overrides:
        fail(ConfigError([Problem("", "--resume continues a run as it was configured: give no config file and no --set")]), debug)
    from nnlab.experiment import prepare_resume

    try:
        return prepare_resume(resume), RunFolder(resume), []
    except ConfigError as error:
        fail(error, debug)


def _report(result: RunResult, quiet: bool) -> None:
    """How the run ended, on standard error: its error, or its test metrics and findings."""
    from nnlab.runs.findings import Finding

    if result.error:
        typer.echo(f"{result.folder}: run {result.status}: {result.error}", err=True)
    elif not quiet:
        test = ", ".join(f"{key} {value:.4f}" for key, value in result.summary.get("test", {}).items())
        typer.echo(f"test: {test}", err=True)
    if not quiet:
        for finding in result.summary.get("findings", []):
            typer.echo(f"finding: {Finding(**finding).sentence()}", err=True)
