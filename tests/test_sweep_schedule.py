"""The scheduler's decisions, with a pool whose workers finish trials at once (no TensorFlow): what runs, where, and when it stops.

The real pools run in tests/test_sweep_train.py; here a trial "runs" by getting
a run.json with the status the test scripts for it.
"""

import io
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from nnlab.runs.folder import RunFolder
from nnlab.runs.record import RunRecord, RunStatus
from nnlab.sweep.file import read_sweep
from nnlab.sweep.folder import create_sweep
from nnlab.sweep.pool import Event, EventKind, Worker
from nnlab.sweep.progress import Progress
from nnlab.sweep.record import SweepRecord, SweepStatus
from nnlab.sweep.runner import Result, Task
from nnlab.sweep.schedule import STARTUP_FAILURES, Scheduler
from nnlab.sweep.state import TrialState
from nnlab.sweep.trials import prepare_sweep
from tests.conftest import TINY


class ScriptedPool:
    """Workers that become ready at once and end each trial with the status scripted for it."""

    def __init__(self, outcomes=None, die_on=(), never_ready=False):
        self.outcomes, self.die_on, self.never_ready = outcomes or {}, set(die_on), never_ready
        self.live, self.started, self.assigned, self.pending = [], [], [], []

    @property
    def workers(self):
        return list(self.live)

    def describe(self):
        return {"backend": "scripted", "workers": 2}

    def start(self, backend):
        assert len(self.started) < 20, "workers started again and again"
        found = Worker(f"w{len(self.started) + 1}", backend)
        self.live.append(found)
        self.started.append(found)
        self.pending.append(Event(EventKind.DIED, found, cause="worker died: exit code 1") if self.never_ready else Event(EventKind.READY, found))
        return found

    def assign(self, worker, task: Task):
        worker.task = task
        self.assigned.append((worker.backend, task.spec.plan.backend, task.trial_id))
        if task.trial_id in self.die_on:
            self.pending.append(Event(EventKind.DIED, worker, cause="worker died: signal 9 (SIGKILL)"))
            return
        status = self.outcomes.get(task.trial_id, RunStatus.COMPLETED)
        RunRecord.start(RunFolder(Path(task.folder)), {"fingerprint": task.trial_id}).finish(status)
        self.pending.append(Event(EventKind.DONE, worker, result=Result(task.trial_id, str(status))))

    def poll(self, timeout):
        events, self.pending = self.pending, []
        for event in events:
            if event.kind == EventKind.READY:
                event.worker.ready = True
            elif event.kind == EventKind.DONE:
                event.worker.task = None
            else:
                self.live.remove(event.worker)
        return events

    def retire(self, worker):
        worker.retiring = True
        self.live.remove(worker)

    def interrupt(self):
        pass

    def kill(self):
        pass

    def close(self):
        self.live.clear()


@pytest.fixture
def sweep(tmp_path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    (tmp_path / "sweep.yaml").write_text("base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16, 32]}, repeats: 2}\n")
    return prepare_sweep(read_sweep(tmp_path / "sweep.yaml"))


def schedule(tmp_path, sweep, pool, on_error="continue", size=2):
    folder = create_sweep(tmp_path / "runs", sweep.name)
    states = [TrialState.of(trial) for trial in sweep.trials]
    record = SweepRecord.start(folder, {}, ["nnlab", "sweep"])
    scheduler = Scheduler(sweep, folder, states, states, pool, size, on_error, Progress(states, len(states), sweep.metric, io.StringIO()), record)
    return scheduler, scheduler.run(), states


def test_every_trial_runs_once_and_the_sweep_completes(tmp_path, sweep):
    pool = ScriptedPool()
    _, status, states = schedule(tmp_path, sweep, pool)
    assert status == SweepStatus.COMPLETED
    assert sorted(trial_id for _, _, trial_id in pool.assigned) == sorted(trial.id for trial in sweep.trials)
    assert {state.status for state in states} == {"completed"}


def test_on_error_continue_runs_the_rest_after_a_failure(tmp_path, sweep):
    pool = ScriptedPool({sweep.trials[0].id: RunStatus.FAILED})
    _, status, states = schedule(tmp_path, sweep, pool)
    assert status == SweepStatus.COMPLETED
    assert [state.status for state in states].count("completed") == 5


def test_on_error_stop_hands_out_no_more_trials_after_a_diverged_one(tmp_path, sweep):
    pool = ScriptedPool({sweep.trials[0].id: RunStatus.DIVERGED})
    scheduler, status, states = schedule(tmp_path, sweep, pool, on_error="stop", size=1)
    assert status == SweepStatus.FAILED and "--on-error is stop" in (scheduler.problem or "")
    assert [state.status for state in states] == ["diverged"] + ["pending"] * 5


def test_a_worker_that_dies_fails_its_trial_and_a_new_one_takes_its_place(tmp_path, sweep):
    victim = sweep.trials[0].id
    pool = ScriptedPool(die_on={victim})
    _, status, states = schedule(tmp_path, sweep, pool)
    dead = next(state for state in states if state.id == victim)
    assert (dead.status, dead.error) == ("failed", "worker died: signal 9 (SIGKILL)")
    assert len(pool.started) == 3 and status == SweepStatus.COMPLETED


def test_workers_that_cannot_start_end_the_sweep_instead_of_being_replaced_forever(tmp_path, sweep):
    scheduler, status, states = schedule(tmp_path, sweep, ScriptedPool(never_ready=True), size=1)
    assert status == SweepStatus.FAILED and "workers cannot start" in (scheduler.problem or "")
    assert {state.status for state in states} == {"pending"}
    assert len(scheduler.pool.started) == STARTUP_FAILURES


def test_trials_of_another_backend_go_to_workers_of_that_backend(tmp_path, sweep):
    backends = ["tensorflow", "jax"]
    mixed = replace(sweep, trials=[replace(t, spec=replace(t.spec, plan=replace(t.spec.plan, backend=backends[i % 2]))) for i, t in enumerate(sweep.trials)])
    pool = ScriptedPool()
    schedule(tmp_path, mixed, pool)
    assert len(pool.assigned) == 6
    assert all(worker_backend == trial_backend for worker_backend, trial_backend, _ in pool.assigned)
    assert {worker.backend for worker in pool.started} == {"tensorflow", "jax"}


def test_trials_csv_and_sweep_json_are_current_when_the_sweep_ends(tmp_path, sweep):
    scheduler, _, _ = schedule(tmp_path, sweep, ScriptedPool({sweep.trials[1].id: RunStatus.FAILED}))
    text = scheduler.folder.table.read_text()
    assert text.count(",completed,") == 5 and text.count(",failed,") == 1
    assert '"failed": 1' in scheduler.folder.record.read_text()
