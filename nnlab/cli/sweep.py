"""`nnlab sweep`, and `nnlab validate` / `nnlab show` for sweep files.

The parent process checks the sweep file and every trial, creates the sweep
folder, schedules the trials on warm workers and draws the progress; it never
imports TensorFlow (the workers do). Progress and problems go to standard
error; the final table and the sweep folder's path (the last line) go to
standard output.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nnlab.cli.common import AllowExternalCode, Debug, Overrides, fail, unusable_runs_dir, warn
from nnlab.errors import ConfigError, ExitCode, Problem
from nnlab.sweep import COMMAND

if TYPE_CHECKING:
    from rich.console import Console

    from nnlab.sweep import session as sessions
    from nnlab.sweep.session import Session
    from nnlab.sweep.trials import Sweep

SweepFile = Annotated[Path | None, typer.Argument(help="The sweep file: an experiment config plus a sweep: section.", show_default=False)]


def sweep(
    file: SweepFile = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume", help="Resume this sweep folder: skip finished trials, rerun interrupted ones (with FILE: an enlarged sweep).", show_default=False
        ),
    ] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="With --resume: run failed trials again too.")] = False,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Warm worker processes (default: one per core, or per GPU).", show_default=False)
    ] = None,
    threads: Annotated[
        int | None, typer.Option("--threads", help="Threads per worker (default: the cores shared among the workers).", show_default=False)
    ] = None,
    gpus: Annotated[str | None, typer.Option("--gpus", help="Give each worker its own GPU from this list: --gpus 0,1.", show_default=False)] = None,
    on_error: Annotated[str, typer.Option("--on-error", help="continue | stop: what a failed or diverged trial does to the sweep.")] = "continue",
    backend: Annotated[str, typer.Option("--backend", help="local (worker processes) | ray (Ray actors, on a cluster with --address).")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="The Ray cluster to join (auto: the one `ray start` runs here).", show_default=False)] = None,
    cpus_per_trial: Annotated[float, typer.Option("--cpus-per-trial", help="With --backend ray: CPUs each trial needs.")] = 1.0,
    gpus_per_trial: Annotated[float, typer.Option("--gpus-per-trial", help="With --backend ray: GPUs each trial needs.")] = 0.0,
    runs_dir: Annotated[Path, typer.Option("--runs-dir", envvar="NNLAB_RUNS_DIR", help="Where the sweep folder goes.")] = Path("runs"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the trials and their count; run nothing.")] = False,
    set_: Overrides = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    debug: Debug = False,
    allow_external_code: AllowExternalCode = False,
) -> None:
    """Run every trial of a sweep file in warm workers, into one resumable sweep folder; prints its path as the last line."""
    from nnlab.sweep import session as sessions
    from nnlab.sweep.resources import parse_gpus

    try:
        try:
            gpu_ids = parse_gpus(gpus) if gpus is not None else None
        except ValueError as error:
            raise ConfigError([Problem("--gpus", str(error), COMMAND)]) from None
        options = sessions.Options(workers, threads, gpu_ids, on_error, backend, address, cpus_per_trial, gpus_per_trial, retry_failed, quiet)
        session = _prepare(file, resume, set_ or [], options, allow_external_code)
    except ConfigError as error:
        fail(error, debug)
    except KeyboardInterrupt:
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    if dry_run:
        _dry_run(session)
        return
    try:
        sessions.run(session, runs_dir, command=sys.argv)
    except ConfigError as error:  # Ray could not be reached: found before the folder was made
        fail(error, debug)
    except OSError as error:
        if session.folder is None:  # the runs folder cannot hold the sweep folder
            unusable_runs_dir(runs_dir, error, debug)
        if debug:
            raise
        from nnlab.runs.faults import describe

        typer.echo(f"{session.folder}: the sweep stopped: {describe(error)}; resume it with: nnlab sweep --resume {session.folder}", err=True)
        raise typer.Exit(ExitCode.RUN_FAILED) from None
    except KeyboardInterrupt:  # before the first trial was handed out (an interrupt later is the scheduler's)
        if session.folder is not None:
            typer.echo(f"{session.folder}: sweep interrupted before it started; resume it with: nnlab sweep --resume {session.folder}", err=True)
            typer.echo(str(session.folder))
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    _report(session)


def _prepare(file: Path | None, resume: Path | None, overrides: list[str], options: sessions.Options, allow_external_code: bool) -> Session:
    from nnlab.config.source import apply_overrides
    from nnlab.sweep import resume as resuming
    from nnlab.sweep import session as sessions
    from nnlab.sweep.file import read_sweep
    from nnlab.sweep.trials import prepare_sweep

    if file is None and resume is None:
        raise ConfigError([Problem("", "give a sweep FILE, or --resume SWEEP_DIR (or both)", COMMAND)])
    folder = resuming.open_folder(resume) if resume is not None else None
    source = read_sweep(file) if file is not None else resuming.saved_source(folder)  # type: ignore[arg-type]
    apply_overrides(source, overrides)
    if file is not None and folder is not None:
        saved = resuming.saved_source(folder)
        resuming.check_same_experiment(saved, source)
        resuming.keep_name(saved, source)
    prepared = prepare_sweep(source, allow_external_code=allow_external_code)
    if folder is None:
        return sessions.new(prepared, options)
    session = sessions.resumed(prepared, options, folder)
    assert session.plan is not None
    if session.plan.undescribed:
        shown = ", ".join(session.plan.undescribed[:10]) + (", ..." if len(session.plan.undescribed) > 10 else "")
        warn(f"{len(session.plan.undescribed)} trial(s) in {folder} are no longer described by the sweep and are left as they are: {shown}")
    if session.plan.died:
        warn(f"{len(session.plan.died)} trial(s) were running when the sweep was killed: recorded 'failed: process died' and run again")
    return session


def _dry_run(session: Session) -> None:
    from nnlab.sweep.table import dry_run_table

    sweep = session.sweep
    title = f"{sweep.name}: {len(session.todo)} trial(s) to run" + (f" of {len(sweep.trials)}" if len(session.todo) != len(sweep.trials) else "")
    _console().print(dry_run_table(session.todo, sweep.keys, title))
    typer.echo(f"{len(session.todo)} trials (nothing run: --dry-run)")


def _report(session: Session) -> None:
    from nnlab.runs.record import RunStatus
    from nnlab.sweep.record import SweepStatus
    from nnlab.sweep.table import final_table

    assert session.folder is not None
    sweep, status = session.sweep, session.status
    if not session.options.quiet:
        _console().print(final_table(session.states, sweep.keys, sweep.metric, f"{sweep.name}: {len(sweep.trials)} trials by {sweep.metric}"))
    if session.problem:
        typer.echo(f"{session.folder}: sweep stopped: {session.problem}", err=True)
    typer.echo(str(session.folder))
    if status == SweepStatus.INTERRUPTED:
        typer.echo(f"{session.folder}: sweep interrupted; resume it with: nnlab sweep --resume {session.folder}", err=True)
        raise typer.Exit(ExitCode.INTERRUPTED)
    unfinished = [s for s in session.states if s.status != RunStatus.COMPLETED]
    raise typer.Exit(ExitCode.RUN_FAILED if unfinished or session.problem else ExitCode.OK)


def _console() -> Console:
    from rich.console import Console

    wide = sys.stdout.isatty()
    return Console(width=None if wide else 200, soft_wrap=False)


def is_sweep_file(config: Path) -> bool:
    """Whether a config file is a sweep file (it has a `sweep:` section or a `base:`); False if it cannot be read."""
    from nnlab.config.source import read
    from nnlab.sweep.file import is_sweep

    try:
        return is_sweep(read(config))
    except ConfigError:
        return False


def prepare_file(config: Path, overrides: list[str] | None, debug: bool, allow_external_code: bool = False) -> Sweep:
    """The checked sweep of a sweep file (every trial validated), or one line per problem and exit 2."""
    from nnlab.config.source import apply_overrides
    from nnlab.sweep.file import read_sweep
    from nnlab.sweep.trials import prepare_sweep

    try:
        source = read_sweep(config)
        apply_overrides(source, overrides or [])
        return prepare_sweep(source, allow_external_code=allow_external_code)
    except ConfigError as error:
        fail(error, debug)


def validate_sweep(config: Path, overrides: list[str] | None, debug: bool, allow_external_code: bool = False) -> None:
    prepared = prepare_file(config, overrides, debug, allow_external_code)
    data = sorted({trial.spec.data.dataset["type"] for trial in prepared.trials})
    typer.echo(f"{config}: valid sweep ({len(prepared.trials)} trials of {', '.join(data)})")


def show_sweep(config: Path, overrides: list[str] | None, debug: bool, allow_external_code: bool = False) -> None:
    from nnlab.sweep.session import dump

    prepared = prepare_file(config, overrides, debug, allow_external_code)
    typer.echo(dump(prepared.resolved), nl=False)
