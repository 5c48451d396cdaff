"""The sweep folder without training: trial folders, trials.csv, outcomes, progress lines, resume plans, worker layout."""

import csv
import io
import json
from pathlib import Path

import pytest
import yaml

from nnlab.errors import ConfigError
from nnlab.runs.folder import RunFolder
from nnlab.runs.metrics import write_metrics
from nnlab.runs.read import read_run
from nnlab.runs.record import RunRecord, RunStatus
from nnlab.sweep import resume
from nnlab.sweep.file import read_sweep
from nnlab.sweep.folder import create_sweep, fresh_trial_folder
from nnlab.sweep.progress import Progress
from nnlab.sweep.record import SweepRecord, SweepStatus
from nnlab.sweep.resources import layout, parse_gpus
from nnlab.sweep.state import TrialState, outcome
from nnlab.sweep.table import ranked
from nnlab.sweep.table import write as write_table
from nnlab.sweep.trials import prepare_sweep
from tests.conftest import TINY

ROWS = [
    {"epoch": 1, "loss": 1.0, "val_loss": 0.9, "accuracy": 0.5, "val_accuracy": 0.6, "learning_rate": 0.01, "epoch_seconds": 0.1},
    {"epoch": 2, "loss": 0.5, "val_loss": 0.7, "accuracy": 0.8, "val_accuracy": 0.9, "learning_rate": 0.01, "epoch_seconds": 0.1},
    {"epoch": 3, "loss": 0.4, "val_loss": 0.8, "accuracy": 0.9, "val_accuracy": 0.85, "learning_rate": 0.01, "epoch_seconds": 0.1},
]
SUMMARY = {"best_epoch": 2, "best": ROWS[1], "directions": {"loss": "min", "accuracy": "max"}, "test": {"loss": 0.6, "accuracy": 0.88}, "fit_seconds": 1.5}


@pytest.fixture
def sweep(tmp_path):
    """A resolved four-trial sweep of the tiny digits experiment."""
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    (tmp_path / "sweep.yaml").write_text("base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16]}, repeats: 2, metric: val_accuracy}\n")
    return prepare_sweep(read_sweep(tmp_path / "sweep.yaml"))


@pytest.fixture
def folder(tmp_path, sweep):
    made = create_sweep(tmp_path / "runs", sweep.name)
    SweepRecord.start(made, {"name": sweep.name}, ["nnlab", "sweep"]).finish(SweepStatus.INTERRUPTED)
    made.sweep_file.write_text(yaml.safe_dump(sweep.resolved, sort_keys=False))
    return made


def make_trial(folder, trial_id: str, status: RunStatus, rows=ROWS, summary=SUMMARY) -> RunFolder:
    """A trial's run folder as a worker leaves it."""
    run = RunFolder(folder.trials / trial_id)
    run.path.mkdir(parents=True)
    run.config.write_text("name: x\nseed: 0\n")
    record = RunRecord.start(run, {"name": "x", "fingerprint": trial_id})
    write_metrics(run.metrics, rows)
    if status != RunStatus.RUNNING:
        record.finish(status, error=None if status == RunStatus.COMPLETED else f"{status} here")
    if status == RunStatus.COMPLETED:
        run.summary.write_text(json.dumps(summary))
    return run


def test_the_sweep_folder_is_named_by_time_and_name_and_holds_a_trials_folder(tmp_path):
    made = create_sweep(tmp_path / "runs", "lr")
    assert made.path.name.endswith("_lr") and made.trials.is_dir()


def test_a_trial_that_runs_again_gets_its_folder_replaced_not_a_second_one(folder):
    old = make_trial(folder, "abc", RunStatus.INTERRUPTED)
    new = fresh_trial_folder(folder, "abc")
    assert new.path == old.path
    assert list(new.path.iterdir()) == []
    assert [p.name for p in folder.trials.iterdir()] == ["abc"]


def test_the_outcome_is_the_metric_at_its_best_epoch_in_its_recorded_direction(folder):
    result = outcome(read_run(make_trial(folder, "abc", RunStatus.COMPLETED).path), "val_accuracy")
    assert (result.value, result.mode, result.best_epoch) == (0.9, "max", 2)


def test_a_test_metric_comes_from_the_summary(folder):
    assert outcome(read_run(make_trial(folder, "abc", RunStatus.COMPLETED).path), "test_accuracy").value == 0.88


def test_trials_rank_best_first_by_the_metric_then_by_how_they_ended(folder):
    better = dict(SUMMARY, test={"loss": 0.1, "accuracy": 0.99})
    states = [TrialState(name, {}, 0, status=status) for name, status in [("a", "failed"), ("b", "completed"), ("c", "completed"), ("d", "pending")]]
    states[1].run = read_run(make_trial(folder, "b", RunStatus.COMPLETED).path)
    states[2].run = read_run(make_trial(folder, "c", RunStatus.COMPLETED, summary=better).path)
    assert [state.id for state, _ in ranked(states, "test_accuracy")] == ["c", "b", "a", "d"]


def test_trials_csv_has_one_row_per_trial_with_swept_values_status_metrics_and_folder(folder):
    state = TrialState("abc", {"optimizer": {"type": "sgd", "learning_rate": 0.1}}, 1, status="completed")
    state.run = read_run(make_trial(folder, "abc", RunStatus.COMPLETED).path)
    write_table(folder.table, [state, TrialState("def", {"optimizer": "adam"}, 2)], ["optimizer"], "val_accuracy")
    rows = list(csv.DictReader(io.StringIO(folder.table.read_text())))
    assert [row["id"] for row in rows] == ["abc", "def"]
    assert rows[0]["optimizer"] == "{type: sgd, learning_rate: 0.1}"
    assert (rows[0]["status"], rows[0]["best_epoch"], rows[0]["val_accuracy"], rows[0]["test_accuracy"]) == ("completed", "2", "0.9", "0.88")
    assert (rows[0]["folder"], rows[1]["status"], rows[1]["folder"]) == ("trials/abc", "pending", "")


def test_progress_off_a_terminal_writes_one_line_per_finished_trial():
    stream = io.StringIO()
    state = TrialState("abc", {"optimizer": "adam"}, 0, status="failed", error="worker died: signal 9 (SIGKILL)", seconds=2.0)
    Progress([state], 1, "val_loss", stream).finished(state)
    assert stream.getvalue() == "[1/1] abc failed: worker died: signal 9 (SIGKILL) 2.0s  optimizer=adam, seed=0\n"


def test_quiet_progress_writes_nothing():
    stream = io.StringIO()
    state = TrialState("abc", {}, 0, status="completed")
    Progress([state], 1, "val_loss", stream, quiet=True).finished(state)
    assert stream.getvalue() == ""


def test_the_live_line_counts_trials_and_names_the_best_so_far(folder):
    states = [TrialState("abc", {}, 0, status="completed"), TrialState("def", {}, 1, status="running"), TrialState("ghi", {}, 2)]
    states[0].run = read_run(make_trial(folder, "abc", RunStatus.COMPLETED).path)
    line = Progress(states, 2, "val_accuracy", io.StringIO()).status_line()
    assert line.startswith("1 completed, 0 failed, 1 running of 3")
    assert line.endswith("best abc val_accuracy 0.9")


def test_resume_skips_completed_and_diverged_and_reruns_interrupted_and_new_trials(sweep, folder):
    ids = [trial.id for trial in sweep.trials]
    make_trial(folder, ids[0], RunStatus.COMPLETED)
    make_trial(folder, ids[1], RunStatus.DIVERGED)
    make_trial(folder, ids[2], RunStatus.INTERRUPTED)
    plan = resume.plan(sweep, folder, retry_failed=False)
    assert [state.id for state in plan.todo] == ids[2:]


@pytest.mark.parametrize("retry, runs_again", [(False, False), (True, True)], ids=["kept", "retried"])
def test_resume_reruns_failed_trials_only_with_retry_failed(sweep, folder, retry, runs_again):
    failed = sweep.trials[0].id
    make_trial(folder, failed, RunStatus.FAILED)
    plan = resume.plan(sweep, folder, retry_failed=retry)
    assert (failed in [state.id for state in plan.todo]) == runs_again


def test_resume_marks_a_trial_whose_process_died_failed_and_runs_it_again(sweep, folder):
    stale = sweep.trials[0].id
    run = make_trial(folder, stale, RunStatus.RUNNING)
    data = json.loads(run.record.read_text())
    run.record.write_text(json.dumps({**data, "pid": 2**22 + 7, "pid_started": 1}))  # a process that is not there
    plan = resume.plan(sweep, folder, retry_failed=False)
    assert stale in [state.id for state in plan.todo] and plan.died == [stale]
    assert json.loads(run.record.read_text())["status"] == "running"  # nothing written before every check passed
    plan.apply()
    assert (json.loads(run.record.read_text())["status"], json.loads(run.record.read_text())["error"]) == ("failed", "process died")


def test_resume_refuses_a_trial_still_run_by_a_live_process(sweep, folder):
    make_trial(folder, sweep.trials[0].id, RunStatus.RUNNING)  # run.json names this very process
    with pytest.raises(ConfigError, match="still being run by process"):
        resume.plan(sweep, folder, retry_failed=False)


def test_resume_names_trials_the_sweep_no_longer_describes_and_leaves_them(sweep, folder):
    make_trial(folder, "0123456789", RunStatus.COMPLETED)
    plan = resume.plan(sweep, folder, retry_failed=False)
    assert plan.undescribed == ["0123456789"]
    assert len(plan.states) == len(sweep.trials)


def test_resume_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    with pytest.raises(ConfigError, match="is not a sweep folder"):
        resume.open_folder(tmp_path)


def test_resume_refuses_a_sweep_still_running(folder):
    SweepRecord.start(folder, {}, ["nnlab", "sweep"])  # running, in this live process
    with pytest.raises(ConfigError, match="still being run by process"):
        resume.open_folder(folder.path)


def test_resume_refuses_a_changed_experiment_naming_the_key(tmp_path, folder):
    saved = read_sweep(folder.sweep_file)
    changed = tmp_path / "changed.yaml"
    changed.write_text(folder.sweep_file.read_text().replace("batch_size: 64", "batch_size: 16"))
    with pytest.raises(ConfigError, match=r"training.batch_size: the experiment differs from the sweep being resumed \(64 there, 16 here\)"):
        resume.check_same_experiment(saved, read_sweep(changed))


def test_resume_accepts_an_enlarged_grid_and_other_spellings(tmp_path, folder):
    data = yaml.safe_load(folder.sweep_file.read_text())
    data["sweep"]["grid"]["model.layers.0.units"].append(32)
    data["optimizer"]["type"] = "Adam"
    enlarged = tmp_path / "enlarged.yaml"
    enlarged.write_text(yaml.safe_dump(data, sort_keys=False))
    resume.check_same_experiment(read_sweep(folder.sweep_file), read_sweep(enlarged))


@pytest.mark.parametrize(
    "trials, workers, threads, gpus, expected",
    [
        (10, None, None, None, (2, 1)),
        (1, None, None, None, (1, 2)),
        (10, 1, None, None, (1, 2)),
        (10, None, 2, None, (1, 2)),
        (10, None, None, [0, 1, 2], (3, 1)),
    ],
    ids=["default", "one-trial", "one-worker", "two-threads", "one-per-gpu"],
)
def test_the_layout_shares_the_cores_among_the_workers(trials, workers, threads, gpus, expected):
    chosen = layout(trials, workers, threads, gpus, available=2)
    assert (chosen.workers, chosen.threads) == expected and chosen.reason


@pytest.mark.parametrize("text, expected", [("0,1", [0, 1]), ("3", [3])])
def test_gpus_are_read_from_a_comma_separated_list(text, expected):
    assert parse_gpus(text) == expected


@pytest.mark.parametrize("text", ["a", "0,0", "-1"])
def test_bad_gpu_lists_are_refused(text):
    with pytest.raises(ValueError, match="GPU"):
        parse_gpus(text)


def test_sweep_json_records_the_end_and_reads_back(folder):
    data = json.loads(Path(folder.record).read_text())
    assert data["status"] == "interrupted" and data["pid"] and data["versions"]["nnlab"]
