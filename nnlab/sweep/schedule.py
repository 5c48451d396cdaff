"""Handing trials to warm workers and recording what happens, in the parent process.

The parent never imports TensorFlow: it creates each trial's folder, gives
the trial to a ready worker of its backend, and on every event rewrites
`trials.csv` and `sweep.json`. A worker that dies takes only its trial with
it (recorded `failed` with the cause) and is replaced. On Ctrl-C or SIGTERM
the parent stops handing out trials and interrupts the workers; each running
trial records `interrupted`, and every completed one is already on disk.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from nnlab.runs import faults
from nnlab.runs.read import read_run
from nnlab.runs.record import PROCESS_DIED, RunStatus, mark_died
from nnlab.sweep.folder import SweepFolder, discard_trial_folder, fresh_trial_folder
from nnlab.sweep.pool import Event, EventKind, Pool, Worker
from nnlab.sweep.progress import Progress
from nnlab.sweep.record import SweepRecord, SweepStatus
from nnlab.sweep.runner import INTERRUPTED, Task
from nnlab.sweep.state import FINISHED, RUNNING, TrialState, counts
from nnlab.sweep.table import write as write_table
from nnlab.sweep.trials import Sweep

POLL_SECONDS = 0.25
INTERRUPT_GRACE_SECONDS = 30.0  # how long running trials get to record `interrupted` before their workers are killed
STARTUP_FAILURES = 3  # workers that die before they are ready, in a row, before the sweep gives up
ON_ERROR = ("continue", "stop")


class Scheduler:
    """Runs `todo` (some of `states`, in order) through `pool` with up to `size` workers."""

    def __init__(
        self,
        sweep: Sweep,
        folder: SweepFolder,
        states: Sequence[TrialState],
        todo: Sequence[TrialState],
        pool: Pool,
        size: int,
        on_error: str,
        progress: Progress,
        record: SweepRecord,
        command: Sequence[str] = (),
    ) -> None:
        self.sweep, self.folder, self.states, self.todo = sweep, folder, list(states), list(todo)
        self.pool, self.size, self.on_error, self.progress, self.record = pool, size, on_error, progress, record
        self.command = list(command or sys.argv)
        self.by_id = {state.id: state for state in self.states}
        self.stopping = False
        self.problem: str | None = None  # why the sweep stopped early (a failure with --on-error stop, workers that cannot start)
        self._startup_failures = 0
        self._dirty = False

    def run(self) -> SweepStatus:
        """Run every trial of `todo`; returns how the sweep ended (it never raises KeyboardInterrupt)."""
        try:
            try:
                self._loop()
            except KeyboardInterrupt:
                self._interrupt()
                return SweepStatus.INTERRUPTED
        finally:
            try:
                self._flush()
            finally:  # the workers are stopped even when the last write fails (a full disk)
                self.pool.close()
                self.progress.close()
        return SweepStatus.FAILED if self.problem else SweepStatus.COMPLETED

    def _loop(self) -> None:
        for state in self.todo[: self.size]:
            self.pool.start(self._backend(state))
        while self.todo or self._busy():
            if self.stopping and not self._busy():
                return
            # A worker that just finished gets its next trial first; the files are written while it trains.
            self._dispatch()
            self._flush()
            for event in self.pool.poll(POLL_SECONDS):
                self._handle(event)
            self.progress.starting = sum(1 for w in self.pool.workers if not w.ready and not w.retiring)
            self.progress.tick()

    def _busy(self) -> list[Worker]:
        return [w for w in self.pool.workers if w.task is not None]

    def _backend(self, state: TrialState) -> str:
        assert state.trial is not None
        return state.trial.spec.plan.backend  # what `backend: auto` chose when the trials were resolved

    def _dispatch(self) -> None:
        for found in self.pool.workers:
            if not found.ready or found.task is not None or found.retiring:
                continue
            state = None if self.stopping else next((s for s in self.todo if self._backend(s) == found.backend), None)
            if state is None:
                self.pool.retire(found)  # nothing left for its backend: make room for a worker of another
                continue
            self._assign(found, state)
        self._top_up()

    def _top_up(self) -> None:
        """Start workers while trials wait and fewer than `size` work (after a death, or for another backend)."""
        if self.stopping or not self.todo:
            return
        active = [w for w in self.pool.workers if not w.retiring]
        wanted = min(self.size, len(self.todo) + len(self._busy()))
        while len(active) < wanted:
            idle = {w.backend for w in active if w.task is None}
            backend = next((self._backend(s) for s in self.todo if self._backend(s) not in idle), self._backend(self.todo[0]))
            active.append(self.pool.start(backend))

    def _assign(self, found: Worker, state: TrialState) -> None:
        assert state.trial is not None
        folder = fresh_trial_folder(self.folder, state.id)
        self.todo.remove(state)
        state.status, state.error, state.run, state.worker = RUNNING, None, None, found.name
        state.started, state.seconds, state.extra["gpu"] = time.monotonic(), None, found.gpu
        task = Task(state.id, state.trial.spec, str(folder.path), str(self.folder.sweep_file.resolve()), self.command)
        self.pool.assign(found, task)
        self._save()

    def _handle(self, event: Event) -> None:
        if event.kind == EventKind.READY:
            self._startup_failures = 0
        elif event.kind == EventKind.DONE:
            assert event.result is not None
            self._ended(self.by_id[event.result.trial_id], event.result.status, event.result.error)
        elif event.worker.task is not None:
            cause = event.cause or "worker died"
            self._ended(self.by_id[event.worker.task.trial_id], str(RunStatus.FAILED), cause)
            self.progress.note(
                f"{event.worker.name}: {cause}; a new worker takes its place" if self.todo and not self.stopping else f"{event.worker.name}: {cause}"
            )
        elif not event.worker.ready:
            self._startup_failures += 1
            if self._startup_failures >= STARTUP_FAILURES:
                self.problem = f"workers cannot start ({event.cause}); see {self.folder.log}: {_last_line(self.folder)}"
                self.stopping = True
                self.todo.clear()

    def _ended(self, state: TrialState, status: str, error: str | None) -> None:
        state.status, state.error = status, error
        state.seconds = time.monotonic() - state.started if state.started is not None else None
        folder = self.folder.trial(state.id)
        faults.remove_temporary_files(folder.path)  # a killed worker's unfinished atomic writes
        if folder.record.exists():
            recorded = _recorded_status(folder.record)
            if recorded == RunStatus.RUNNING:  # its worker died (or was killed) before writing the end
                mark_died(folder, error or PROCESS_DIED, status=RunStatus(status))
            elif recorded in FINISHED and status != recorded:  # the run ended, then its worker died before saying so
                state.status, state.error = recorded, None
            state.run = read_run(folder.path, self.folder.path)
        else:  # the run never started (its data failed to load, or the worker died first): nothing to keep
            discard_trial_folder(folder)
            state.run = None
        self.progress.finished(state)
        if status in (RunStatus.FAILED, RunStatus.DIVERGED) and self.on_error == "stop" and not self.stopping:
            self.problem = f"trial {state.id} {status} and --on-error is stop"
            self.stopping = True
        self._save()

    def _interrupt(self) -> None:
        """Stop handing out trials; let the running ones record `interrupted`; kill what does not stop in time."""
        self.stopping = True
        self.todo.clear()
        self.progress.note("interrupted: the running trials are recording where they stopped")
        self.pool.interrupt()
        deadline = time.monotonic() + INTERRUPT_GRACE_SECONDS
        try:
            while self._busy() and time.monotonic() < deadline:
                for event in self.pool.poll(POLL_SECONDS):
                    self._handle(event)
        except KeyboardInterrupt:
            pass  # a second interrupt: stop waiting
        stuck = self._busy()
        if stuck:
            self.pool.kill()
        for found in stuck:
            assert found.task is not None
            state, found.task = self.by_id[found.task.trial_id], None
            self._ended(state, str(RunStatus.INTERRUPTED), INTERRUPTED)

    def _save(self) -> None:
        """Note that trials.csv and sweep.json are out of date; `_flush` writes them once per round of events."""
        self._dirty = True

    def _flush(self) -> None:
        if self._dirty:
            write_table(self.folder.table, self.states, self.sweep.keys, self.sweep.metric)
            self.record.update(counts=counts(self.states))
            self._dirty = False


def _recorded_status(path: Path) -> str | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError, AttributeError):
        return None


def _last_line(folder: SweepFolder) -> str:
    try:
        lines = [line for line in folder.log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "(no log)"
    return lines[-1] if lines else "(empty log)"
