"""Resuming a sweep: what its folder says was done, and what is left to run.

The trials are read back through `nnlab.runs.read`, like any reader of run
folders. Completed and diverged trials are kept; interrupted ones run again;
failed ones run again with `--retry-failed`; a trial whose `run.json` still
says `running` although its process is gone (the sweep was killed with
SIGKILL) is recorded `failed: process died` and runs again. Trials added by
an enlarged grid run; folders of trials the sweep no longer describes are
left as they are and named. A resume continues the same experiment: a sweep
file whose experiment (everything but the swept keys) changed is refused.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.config.checker import Checker
from nnlab.config.fields import identity
from nnlab.config.source import Key, Source
from nnlab.config.spec import resolve
from nnlab.errors import ConfigError, Problem
from nnlab.runs import record as records
from nnlab.runs.read import DAMAGED, STALE, Run, iter_runs
from nnlab.sweep import COMMAND
from nnlab.sweep.expand import compact
from nnlab.sweep.file import SWEEP_KEY, LocatedSource, read_sweep
from nnlab.sweep.folder import SweepFolder, is_sweep_folder
from nnlab.sweep.record import read_record, still_running
from nnlab.sweep.section import key_path
from nnlab.sweep.state import FINISHED, TrialState
from nnlab.sweep.trials import Sweep

RERUN = (str(records.RunStatus.INTERRUPTED),)
RESUMED = "--resume"  # where a key taken from the resumed sweep comes from


@dataclass
class Plan:
    """The described trials as found, the ones to run now, and what the folder holds besides."""

    states: list[TrialState]
    todo: list[TrialState]
    undescribed: list[str] = field(default_factory=list)
    died: list[str] = field(default_factory=list)  # trials whose process was gone: marked failed, run again
    _mark: list[Run] = field(default_factory=list, repr=False)

    def apply(self) -> None:
        """Record `failed: process died` in the trials found running without a process (after every check passed)."""
        for run in self._mark:
            records.mark_died(run.folder)


def open_folder(path: Path) -> SweepFolder:
    """The sweep folder to resume: one with a readable sweep.json and sweep.yaml, not being run by a live process.

    Raises:
        ConfigError: not a sweep folder, or a sweep still running.
    """
    folder = SweepFolder(Path(path))
    where = "--resume"
    if not folder.path.is_dir():
        raise ConfigError([Problem(where, f"{path}: no such folder", COMMAND)])
    if not is_sweep_folder(folder.path) or not folder.sweep_file.is_file():
        raise ConfigError([Problem(where, f"{path} is not a sweep folder (it has no sweep.json and sweep.yaml)", COMMAND)])
    try:
        data = read_record(folder)
    except (OSError, ValueError) as error:
        raise ConfigError([Problem(where, f"{folder.record}: cannot be read ({error})", COMMAND)]) from None
    if still_running(data):
        raise ConfigError(
            [Problem(where, f"{path} is still being run by process {data.get('pid')}; stop it first (Ctrl-C or kill {data.get('pid')})", COMMAND)]
        )
    return folder


def saved_source(folder: SweepFolder) -> LocatedSource:
    """The sweep as the folder saved it (`sweep.yaml`)."""
    return read_sweep(folder.sweep_file)


def check_same_experiment(saved: LocatedSource, new: LocatedSource) -> None:
    """Refuse a sweep file whose experiment differs from the saved one beyond the swept keys.

    Both experiments are resolved (names made canonical, defaults filled), so
    `optimizer: adam` and `{type: Adam}` are the same; keys swept by either
    sweep, the seed, and keys that do not change what is trained (name,
    device, output) may differ.
    """
    swept = _swept(saved.data) | _swept(new.data)
    old, here = _identity(saved, swept), _identity(new, swept)
    if old == here:
        return
    path, before, after = _first_difference(old, here, ())
    message = f"the experiment differs from the sweep being resumed ({before} there, {after} here); a resume continues the same experiment: change only the sweep: section, or start a new sweep"
    raise ConfigError([new.problem(path, message)])


def keep_name(saved: LocatedSource, new: LocatedSource) -> None:
    """A resumed sweep keeps its name unless the new file gives one: the folder and its trials are called by it."""
    file, _ = new.locate(("name",))
    if "name" not in new.data or file not in (new.file, "--set"):
        new.data["name"] = saved.data.get("name")
        new.origins[("name",)] = RESUMED


def _swept(data: dict[str, Any]) -> set[Key]:
    section = data.get(SWEEP_KEY)
    if not isinstance(section, dict):
        return set()
    grid, random = section.get("grid"), section.get("random")
    params = random.get("params") if isinstance(random, dict) else None
    keys = [*(grid if isinstance(grid, dict) else {}), *(params if isinstance(params, dict) else {})]
    return {key_path(str(key)) for key in keys}


def _identity(source: LocatedSource, swept: set[Key]) -> dict[str, Any]:
    data = {key: copy.deepcopy(value) for key, value in source.data.items() if key not in (SWEEP_KEY, "seed")}
    for path in sorted(swept, key=len, reverse=True):
        _delete(data, path)
    return identity(resolve(Checker(Source(data, source.file))))


def _delete(data: Any, path: Key) -> None:
    for part in path[:-1]:
        if (isinstance(data, dict) and part in data) or (isinstance(data, list) and isinstance(part, int) and part < len(data)):
            data = data[part]
        else:
            return
    if isinstance(data, dict):
        data.pop(path[-1], None)


def _first_difference(old: Any, new: Any, path: Key) -> tuple[Key, str, str]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if _dump(old.get(key)) != _dump(new.get(key)):
                return _first_difference(old.get(key), new.get(key), path + (key,))
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new)):
            if _dump(before) != _dump(after):
                return _first_difference(before, after, path + (index,))
    return path, compact(old) if old is not None else "unset", compact(new) if new is not None else "unset"


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def plan(sweep: Sweep, folder: SweepFolder, retry_failed: bool) -> Plan:
    """Compare the described trials with the folder's; nothing is written until `Plan.apply`.

    Raises:
        ConfigError: a trial is still being run by a live process.
    """
    found = {run.path.name: run for run in iter_runs(folder.path) if run.path.parent == folder.trials}
    live = [run for run in found.values() if run.status == records.RunStatus.RUNNING and records.process_alive(run.record) is True]
    if live:
        pid = live[0].record.get("pid")
        raise ConfigError([Problem("--resume", f"trial {live[0].name} is still being run by process {pid}; stop it first (kill {pid})", COMMAND)])
    result = Plan([], [])
    for trial in sweep.trials:
        state = TrialState.of(trial)
        run = found.get(trial.id)
        if run is not None:
            _read_back(state, run, result)
            if state.status not in FINISHED and (state.status in RERUN or trial.id in result.died or retry_failed):
                result.todo.append(state)
        else:
            result.todo.append(state)
        result.states.append(state)
    described = {trial.id for trial in sweep.trials}
    result.undescribed = sorted(name for name in found if name not in described)
    return result


def _read_back(state: TrialState, run: Run, result: Plan) -> None:
    state.run, state.status, state.error = run, run.status, run.record.get("error")
    if run.status in (STALE, records.RunStatus.RUNNING):  # running, its process gone (or on another host, with its sweep gone)
        result._mark.append(run)
        result.died.append(state.id)
        state.status, state.error = str(records.RunStatus.FAILED), records.PROCESS_DIED
    elif run.status == DAMAGED:
        state.status, state.error = str(records.RunStatus.FAILED), f"damaged: {run.problem}"
