"""`nnlab validate`, `nnlab show` and `nnlab train`: one experiment from its config file.

Results go to standard output (the resolved config, the run folder's path);
progress and problems go to standard error. Only `train` imports TensorFlow,
inside the function, after the config has been checked.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from nnlab.cli import sweep as sweeps
from nnlab.cli.common import AllowExternalCode, ConfigFile, Debug, Overrides, fail, prepare, say, unusable_runs_dir
from nnlab.config.source import relocate
from nnlab.errors import ConfigError, ExitCode, Problem

if TYPE_CHECKING:
    from nnlab.config.spec import Spec
    from nnlab.experiment import Experiment
    from nnlab.runs.folder import RunFolder
    from nnlab.training.run import RunResult


def validate(config: ConfigFile, set_: Overrides = None, debug: Debug = False, allow_external_code: AllowExternalCode = False) -> None:
    """Check a config (or every trial of a sweep file) and its data without training: exit 0 if valid, 2 if not."""
    if sweeps.is_sweep_file(config):
        sweeps.validate_sweep(config, set_, debug, allow_external_code)
        return
    experiment = prepare(config, set_, debug, allow_external_code=allow_external_code)
    typer.echo(f"{config}: valid ({experiment.dataset.name}, {len(experiment.spec.model.layers)} layers)")


def show(config: ConfigFile, set_: Overrides = None, debug: Debug = False, allow_external_code: AllowExternalCode = False) -> None:
    """Print the resolved config, every default filled, as YAML (for a sweep file: the sweep, base merged)."""
    import yaml

    if sweeps.is_sweep_file(config):
        sweeps.show_sweep(config, set_, debug, allow_external_code)
        return
    experiment = prepare(config, set_, debug, allow_external_code=allow_external_code)
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
    allow_external_code: AllowExternalCode = False,
) -> None:
    """Train one experiment (or resume one); prints the run folder's path as the last line."""
    from nnlab.experiment import select_backend

    experiment, folder, created = _start(config, set_, runs_dir, resume, debug, allow_external_code, verbose=not quiet)
    select_backend(experiment.spec)
    if not quiet:
        say(f"run folder: {folder}\nstarting Keras ({experiment.spec.plan.backend})…\n")
    try:
        from nnlab.training.announce import ModelSummary
        from nnlab.training.run import run  # TensorFlow (or JAX) is imported only now

        result = run(
            experiment.spec,
            experiment.dataset,
            folder,
            resume=resume is not None,
            extra_callbacks=() if quiet else (ModelSummary(),),
            verbose=not quiet,
            command=sys.argv,
            config_file=experiment.file,
        )
    except ConfigError as error:  # raised before anything was written: leave no folder behind
        if resume is None:
            _remove(folder, created)
        fail(relocate(error, experiment.source), debug)
    except KeyboardInterrupt:
        _interrupted(folder, created)
    except Exception as error:  # the one top-level handler: whatever `run` could not record, in one line
        if debug:
            raise
        _record_fault(folder, created, error)
    _report(result, experiment.spec, quiet)


def _start(
    config: Path | None, overrides: list[str] | None, runs_dir: Path, resume: Path | None, debug: bool, allow_external_code: bool, verbose: bool
) -> tuple[Experiment, RunFolder, list[Path]]:
    """The experiment to train and its folder: a new one, or the resumed run's (with nothing created)."""
    from nnlab.runs.folder import RunFolder

    if resume is None:
        if config is None:
            fail(ConfigError([Problem("", "expected a config file (nnlab train FILE) or --resume RUN_DIR")]), debug)
        if sweeps.is_sweep_file(config):
            fail(ConfigError([Problem("sweep", "this is a sweep file (it has a sweep: section or a base:); run it with nnlab sweep", str(config))]), debug)
        experiment = prepare(config, overrides, debug, allow_external_code=allow_external_code, verbose=verbose)
        folder, created = _new_folder(runs_dir, experiment.spec.name, debug)
        return experiment, folder, created
    if config is not None or overrides:
        fail(ConfigError([Problem("", "--resume continues a run as it was configured: give no config file and no --set")]), debug)
    from nnlab.experiment import prepare_resume

    try:
        return prepare_resume(resume, allow_external_code=allow_external_code, say=say if verbose else None), RunFolder(resume), []
    except ConfigError as error:
        fail(error, debug)


def _new_folder(runs_dir: Path, name: str, debug: bool) -> tuple[RunFolder, list[Path]]:
    """A new run folder and the parents created for it; a runs folder that cannot hold one is one line and exit 2."""
    from nnlab.runs.folder import create

    created = [parent for parent in (runs_dir, *runs_dir.parents) if not parent.exists()]
    try:
        return create(runs_dir, name), created
    except OSError as error:
        unusable_runs_dir(runs_dir, error, debug)


def _remove(folder: RunFolder, created: list[Path]) -> None:
    """Remove a run folder that holds no run, and the parents created for it while they are empty."""
    shutil.rmtree(folder.path, ignore_errors=True)
    for parent in created:
        with contextlib.suppress(OSError):
            parent.rmdir()


def _interrupted(folder: RunFolder, created: list[Path]) -> NoReturn:
    """Ctrl-C or SIGTERM: a run that had not started leaves nothing; one that had is recorded and can be resumed."""
    from nnlab.runs import faults

    if faults.discard_if_unrecorded(folder):
        _remove(folder, created)
        typer.echo("interrupted before the run started", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED)
    typer.echo(f"{folder}: run interrupted; continue it with: nnlab train --resume {folder}", err=True)
    typer.echo(str(folder))
    raise typer.Exit(ExitCode.INTERRUPTED)


def _record_fault(folder: RunFolder, created: list[Path], error: Exception) -> NoReturn:
    """Give the run its final status and say in one line what happened; exit 1, or 2 if the run never started."""
    from nnlab.runs import faults

    recorded = faults.record_failure(folder, error)
    if not recorded and not folder.path.exists():
        _remove(folder, created)
        typer.echo(f"{folder.path.parent}: the run could not start: {faults.describe(error)}", err=True)
        raise typer.Exit(ExitCode.USAGE)
    typer.echo(f"{folder}: run failed: {faults.describe(error)}" + ("" if recorded else " (and its status could not be recorded)"), err=True)
    typer.echo(str(folder))
    raise typer.Exit(ExitCode.RUN_FAILED)


def _report(result: RunResult, spec: Spec, quiet: bool) -> NoReturn:
    """How the run ended, on standard error (its error, or why it stopped, its test metrics and findings); the folder; the exit code."""
    from nnlab.runs.findings import Finding
    from nnlab.runs.record import RunStatus

    if result.error:
        typer.echo(f"{result.folder}: run {result.status}: {result.error}", err=True)
    elif not quiet:
        stopped = stopped_early(result.summary, spec)
        if stopped:
            typer.echo(stopped, err=True)
        test = ", ".join(f"{key} {value:.4f}" for key, value in result.summary.get("test", {}).items())
        typer.echo(f"test: {test}", err=True)
    if not quiet:
        for finding in result.summary.get("findings", []):
            typer.echo(f"finding: {Finding(**finding).sentence()}", err=True)
    typer.echo(str(result.folder))
    raise typer.Exit(ExitCode.OK if result.status == RunStatus.COMPLETED else ExitCode.RUN_FAILED)


def stopped_early(summary: dict[str, Any], spec: Spec) -> str | None:
    """`early stopping: val_loss did not improve for 3 epochs; stopped after epoch 7 of 50, restored the weights of epoch 4`."""
    stopped = summary.get("stopped_early")
    if not stopped:
        return None
    if stopped.get("by") == "time_limit":
        return f"time limit: stopped after epoch {stopped['epoch']} of {spec.training.epochs}; continue it with --resume"
    settings = spec.training.early_stopping or {}
    patience = settings.get("patience", 0)
    line = (
        f"early stopping: {settings.get('monitor', 'val_loss')} did not improve for {patience} epoch{'' if patience == 1 else 's'}; "
        f"stopped after epoch {stopped['epoch']} of {spec.training.epochs}"
    )
    restored = stopped.get("restored_epoch")
    if stopped.get("restored_best_weights") and restored:
        return f"{line}, restored the weights of epoch {restored}"
    return f"{line}, kept the weights of epoch {stopped['epoch']}"
