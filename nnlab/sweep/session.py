"""One session of a sweep: check the options, make or reopen the folder, run the trials, record the end.

Everything that can be wrong with the request (the sweep file, `--workers 0`,
a GPU that is not there, a folder that is not a sweep) is found before the
folder is created or touched, so a bad request leaves nothing behind.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

from nnlab.errors import ConfigError, Problem
from nnlab.runs.atomic import write_text
from nnlab.sweep import COMMAND
from nnlab.sweep import resume as resuming
from nnlab.sweep.folder import SweepFolder, create_sweep
from nnlab.sweep.local import LocalPool
from nnlab.sweep.pool import Pool
from nnlab.sweep.progress import Progress
from nnlab.sweep.record import SweepRecord, SweepStatus
from nnlab.sweep.resources import gpu_count, layout
from nnlab.sweep.schedule import ON_ERROR, Scheduler
from nnlab.sweep.state import TrialState, counts
from nnlab.sweep.table import write as write_table
from nnlab.sweep.trials import Sweep

BACKENDS = ("local", "ray")


@dataclass(frozen=True)
class Options:
    """How to run a sweep (the command line's options)."""

    workers: int | None = None
    threads: int | None = None
    gpus: list[int] | None = None
    on_error: str = "continue"
    backend: str = "local"
    address: str | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    retry_failed: bool = False
    quiet: bool = False


@dataclass
class Session:
    """A checked request: the sweep, its folder (None until made), what to run, and how."""

    sweep: Sweep
    options: Options
    states: list[TrialState]
    todo: list[TrialState]
    folder: SweepFolder | None = None
    plan: resuming.Plan | None = None
    status: SweepStatus | None = None
    problem: str | None = None


def new(sweep: Sweep, options: Options) -> Session:
    check_options(options, len(sweep.trials))
    states = [TrialState.of(trial) for trial in sweep.trials]
    return Session(sweep, options, states, list(states))


def resumed(sweep: Sweep, options: Options, folder: SweepFolder) -> Session:
    check_options(options, len(sweep.trials))
    plan = resuming.plan(sweep, folder, options.retry_failed)
    return Session(sweep, options, plan.states, plan.todo, folder, plan)


def check_options(options: Options, trials: int) -> None:
    """Raises ConfigError (exit 2) for options that cannot work, before anything is created."""
    problems = []
    if options.workers is not None and options.workers < 1:
        problems.append(Problem("--workers", f"expected a number of workers >= 1 (got {options.workers})", COMMAND))
    if options.threads is not None and options.threads < 1:
        problems.append(Problem("--threads", f"expected a number of threads >= 1 (got {options.threads})", COMMAND))
    if options.on_error not in ON_ERROR:
        problems.append(Problem("--on-error", f"expected continue or stop (got {options.on_error!r})", COMMAND))
    if options.backend not in BACKENDS:
        problems.append(Problem("--backend", f"expected local or ray (got {options.backend!r})", COMMAND))
    if options.cpus_per_trial <= 0 or options.gpus_per_trial < 0:
        problems.append(
            Problem("--cpus-per-trial", f"expected > 0 CPUs and >= 0 GPUs per trial (got {options.cpus_per_trial:g} and {options.gpus_per_trial:g})", COMMAND)
        )
    if options.gpus:
        have = gpu_count()
        missing = [gpu for gpu in options.gpus if gpu >= have]
        if missing:
            there = f"this machine has {have} GPU(s) (0 to {have - 1})" if have else "this machine has no GPU (nvidia-smi lists none)"
            problems.append(Problem("--gpus", f"GPU {', '.join(map(str, missing))} is not there: {there}", COMMAND))
    if problems:
        raise ConfigError(problems)


def make_pool(session: Session) -> Pool:
    """The pool for the session's trials: local processes, or Ray actors (Ray connected here)."""
    options, trials = session.options, max(1, len(session.todo))
    if options.backend == "ray":
        from nnlab.sweep import ray_pool

        ray = ray_pool.connect(options.address)
        workers, reason = ray_pool.size(ray, trials, options.cpus_per_trial, options.gpus_per_trial, options.workers)
        return ray_pool.RayPool(ray, options.cpus_per_trial, options.gpus_per_trial, workers, reason)
    chosen = layout(trials, options.workers, options.threads, options.gpus)
    assert session.folder is not None
    return LocalPool(session.folder.log, chosen.threads, options.gpus, chosen.reason, chosen.workers)


def open_folder(session: Session, runs_dir: Path, command: list[str]) -> SweepRecord:
    """Create the sweep folder (or take over the resumed one) and write sweep.yaml, sweep.json and trials.csv."""
    sweep = session.sweep
    if session.folder is None:
        session.folder = create_sweep(runs_dir, sweep.name)
        record = SweepRecord.start(session.folder, _facts(session), command)
    else:
        assert session.plan is not None
        session.plan.apply()
        record = SweepRecord.reopen(session.folder, _facts(session), command)
    write_text(session.folder.sweep_file, dump(sweep.resolved, sweep.file))
    write_table(session.folder.table, session.states, sweep.keys, sweep.metric)
    return record


def run(session: Session, runs_dir: Path, command: list[str] | None = None, stream: IO[str] | None = None) -> Session:
    """Run the session's trials to the end (or to an interrupt); `session.status` says how it ended."""
    command = list(command if command is not None else sys.argv)
    pool_first = session.options.backend == "ray"  # connecting to Ray can fail: before the folder exists
    pool = make_pool(session) if pool_first else None
    record = open_folder(session, runs_dir, command)
    assert session.folder is not None
    pool = pool or make_pool(session)
    record.update(pool=pool.describe())
    progress = Progress(session.states, len(session.todo), session.sweep.metric, stream, session.options.quiet)
    size = int(pool.describe()["workers"])
    scheduler = Scheduler(session.sweep, session.folder, session.states, session.todo, pool, size, session.options.on_error, progress, record, command)
    session.status = scheduler.run()
    session.problem = scheduler.problem
    record.finish(session.status, counts=counts(session.states), problem=session.problem)
    return session


def _facts(session: Session) -> dict[str, Any]:
    sweep = session.sweep
    return {
        "name": sweep.name,
        "file": str(Path(sweep.file).resolve()),
        "trials": len(sweep.trials),
        "to_run": len(session.todo),
        "keys": sweep.keys,
        "metric": sweep.metric,
        "keras_backends": sorted({trial.spec.plan.backend for trial in sweep.trials}),
        "undescribed": session.plan.undescribed if session.plan else [],
        "counts": counts(session.states),
    }


def dump(resolved: dict[str, Any], source: str | None = None) -> str:
    """The resolved sweep as YAML (what `nnlab show` prints); with `source`, sweep.yaml's header saying where it came from."""
    header = f"# The resolved sweep ({source}, base merged): nnlab sweep --resume <this folder> runs it again.\n" if source else ""
    return header + yaml.safe_dump(resolved, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)
