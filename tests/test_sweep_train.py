"""Sweeps end to end: real workers, real TensorFlow training, real signals (tiny digits trials, 1 or 2 epochs)."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import TINY

pytestmark = pytest.mark.train
ROOT = Path(__file__).parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# Runs the command line in a fresh interpreter, then says whether this parent process imported TensorFlow.
DRIVER = """
import sys
from nnlab.cli import main
sys.argv = ["nnlab", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
print("PARENT-TF" if {"tensorflow", "keras", "jax"} & set(sys.modules) else "PARENT-NO-TF")
sys.exit(code)
"""


def write_sweep(tmp: Path, units: list[int], repeats: int, epochs: int) -> Path:
    config = {**TINY, "training": {"epochs": epochs, "batch_size": 64}}
    (tmp / "base.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    path = tmp / "sweep.yaml"
    path.write_text(f"base: base.yaml\nsweep: {{grid: {{model.layers.0.units: {units}}}, repeats: {repeats}, metric: val_accuracy}}\n")
    return path


def start(sweep: Path | None, runs: Path, *options: str) -> subprocess.Popen:
    arguments = ["sweep", *([str(sweep)] if sweep else []), "--runs-dir", str(runs), *options]
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, *arguments], cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for(condition, timeout: float = 180.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise TimeoutError("the sweep did not get there in time")


def sweep_folder(runs: Path) -> Path | None:
    found = list(runs.glob("*/sweep.json"))
    return found[0].parent if found else None


def table(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((folder / "trials.csv").open()))


def records(folder: Path) -> dict[str, dict]:
    """Each trial's run.json (the trials that have one), by trial id."""
    found = {}
    for path in (folder / "trials").glob("*/run.json"):
        try:
            found[path.parent.name] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
    return found


def running_trial(runs: Path) -> dict | None:
    folder = sweep_folder(runs)
    return next((record for record in records(folder).values() if record["status"] == "running"), None) if folder else None


@pytest.fixture(scope="module")
def worker_killed(tmp_path_factory):
    """Four trials on two workers, one worker killed with SIGKILL in the middle of its trial."""
    tmp = tmp_path_factory.mktemp("worker_killed")
    runs = tmp / "runs"
    process = start(write_sweep(tmp, [8, 16], 2, 1), runs, "--workers", "2")
    victim = wait_for(lambda: running_trial(runs))
    os.kill(victim["pid"], signal.SIGKILL)
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err, sweep_folder(runs), victim


def test_a_trial_whose_worker_is_killed_fails_with_the_signal_as_its_cause(worker_killed):
    _, _, _, folder, victim = worker_killed
    row = next(row for row in table(folder) if row["id"] == victim["fingerprint"])
    assert (row["status"], row["error"]) == ("failed", "worker died: signal 9 (SIGKILL)")
    assert records(folder)[victim["fingerprint"]]["status"] == "failed"


def test_the_sweep_goes_on_after_a_worker_dies_and_exits_1(worker_killed):
    code, _, err, folder, _ = worker_killed
    assert [row["status"] for row in table(folder)].count("completed") == 3
    assert "a new worker takes its place" in err
    assert code == 1


def test_every_trial_is_an_ordinary_run_folder_named_by_its_fingerprint(worker_killed):
    from nnlab.runs.read import iter_runs

    folder = worker_killed[3]
    runs = list(iter_runs(folder))
    assert sorted(run.name for run in runs) == sorted(row["id"] for row in table(folder))
    assert all(run.record["fingerprint"] == run.name and run.sweep == folder for run in runs)


def test_trials_write_cheap_outputs_by_default(worker_killed):
    folder = worker_killed[3]
    trial = next(path for path in (folder / "trials").iterdir() if (path / "summary.json").exists())
    names = {p.name for p in trial.iterdir()}
    assert {"config.yaml", "metrics.csv", "run.json", "summary.json"} <= names
    assert not {"plots", "model.keras", "checkpoint"} & names


def test_every_completed_trial_writes_only_its_hparams_for_tensorboard(worker_killed):
    from nnlab.runs.hparams import EVENT_FILE

    folder = worker_killed[3]
    completed = [path for path in (folder / "trials").iterdir() if (path / "summary.json").exists()]
    assert len(completed) == 3
    assert all([p.name for p in (trial / "tensorboard").iterdir()] == [EVENT_FILE] for trial in completed)


def test_the_parent_process_never_imports_tensorflow(worker_killed):
    assert worker_killed[1].strip().splitlines()[-1] == "PARENT-NO-TF"


def test_the_sweep_folder_is_the_last_line_of_standard_output(worker_killed):
    out, folder = worker_killed[1], worker_killed[3]
    assert out.strip().splitlines()[-2] == str(folder)  # the driver's own marker follows it


def test_sweep_json_records_the_end_the_counts_and_the_workers(worker_killed):
    data = json.loads((worker_killed[3] / "sweep.json").read_text())
    assert data["status"] == "completed"
    assert data["counts"]["completed"] == 3 and data["counts"]["failed"] == 1
    assert (data["pool"]["workers"], data["pool"]["threads_per_worker"]) == (2, 1)


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory):
    """Four trials, the whole sweep (parent and workers) killed with SIGKILL halfway, then resumed."""
    tmp = tmp_path_factory.mktemp("killed")
    runs = tmp / "runs"
    process = start(write_sweep(tmp, [8, 16], 2, 1), runs, "--workers", "2")
    wait_for(lambda: running_trial(runs) and sum(r["status"] == "completed" for r in records(sweep_folder(runs)).values()) >= 1)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    folder = sweep_folder(runs)
    before = records(folder)
    resumed = start(None, runs, "--resume", str(folder), "--workers", "2")
    _, err = resumed.communicate(timeout=300)
    return resumed.returncode, err, folder, before


def test_a_resumed_sweep_ends_with_every_trial_completed(killed_and_resumed):
    code, err, folder, _ = killed_and_resumed
    assert code == 0, err
    assert [row["status"] for row in table(folder)] == ["completed"] * 4


def test_a_resume_does_not_run_finished_trials_again(killed_and_resumed):
    _, _, folder, before = killed_and_resumed
    finished = {name: record for name, record in before.items() if record["status"] == "completed"}
    after = records(folder)
    assert finished and all(after[name]["started_at"] == record["started_at"] and after[name]["pid"] == record["pid"] for name, record in finished.items())


def test_a_resume_reruns_the_trials_whose_process_died_in_their_own_folder(killed_and_resumed):
    _, err, folder, before = killed_and_resumed
    died = [name for name, record in before.items() if record["status"] == "running"]
    assert died and "were running when the sweep was killed" in err
    assert sorted(path.name for path in (folder / "trials").iterdir()) == sorted(row["id"] for row in table(folder))
    assert all(records(folder)[name].get("resumes") is None and records(folder)[name]["status"] == "completed" for name in died)


def test_sigterm_stops_the_sweep_the_running_trial_records_interrupted_and_it_exits_130(tmp_path):
    runs = tmp_path / "runs"
    process = start(write_sweep(tmp_path, [8, 16], 1, 200), runs, "--workers", "1")
    victim = wait_for(lambda: running_trial(runs))
    wait_for(lambda: (sweep_folder(runs) / "trials" / victim["fingerprint"] / "metrics.csv").exists())
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    folder = sweep_folder(runs)
    assert process.returncode == 130, err
    assert json.loads((folder / "sweep.json").read_text())["status"] == "interrupted"
    assert [row["status"] for row in table(folder)] == ["interrupted", "pending"]
    assert records(folder)[victim["fingerprint"]]["status"] == "interrupted"
    with pytest.raises(ProcessLookupError):
        os.kill(victim["pid"], 0)


RAY_DRIVER = """
import sys, ray
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
from nnlab.cli import app
try:
    app(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("PARENT-TF" if {"tensorflow", "keras", "jax"} & set(sys.modules) else "PARENT-NO-TF")
ray.shutdown()
sys.exit(code)
"""


def test_a_sweep_runs_through_ray_actors_into_the_same_sweep_folder(tmp_path):
    pytest.importorskip("ray")
    sweep, runs = write_sweep(tmp_path, [8, 16], 1, 1), tmp_path / "runs"
    arguments = ["sweep", str(sweep), "--runs-dir", str(runs), "--backend", "ray", "--cpus-per-trial", "1"]
    out = subprocess.run([sys.executable, "-c", RAY_DRIVER, *arguments], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    folder = sweep_folder(runs)
    assert [row["status"] for row in table(folder)] == ["completed", "completed"]
    assert json.loads((folder / "sweep.json").read_text())["pool"]["backend"] == "ray"
    assert out.stdout.strip().splitlines()[-1] == "PARENT-NO-TF"
