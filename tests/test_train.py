"""End to end: real TensorFlow training into real run folders (few epochs, small data)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from nnlab.cli import app

pytestmark = pytest.mark.train
runner = CliRunner()
ROOT = Path(__file__).parent.parent


def train(write_config, config, runs: Path, *extra: str):
    result = runner.invoke(app, ["train", str(write_config(config)), "--runs-dir", str(runs), "-q", *extra])
    folder = Path(result.stdout.strip().splitlines()[-1]) if result.stdout.strip() else None
    return result, folder


@pytest.fixture(scope="module")
def completed(tmp_path_factory):
    """One completed digits run shared by the tests that only read its folder."""
    from tests.conftest import TINY

    tmp = tmp_path_factory.mktemp("completed")
    config_path = tmp / "tiny.yaml"
    config_path.write_text(yaml.safe_dump({**TINY, "training": {"epochs": 3, "batch_size": 64}}))
    result = runner.invoke(app, ["train", str(config_path), "--runs-dir", str(tmp / "runs"), "-q"])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def test_run_folder_holds_every_file(completed):
    expected = ["config.yaml", "run.json", "metrics.csv", "summary.json", "model.keras", "plots/loss.png", "plots/accuracy.png", "plots/confusion_matrix.png"]
    assert [name for name in expected if not (completed / name).is_file()] == []
    assert completed.name.endswith("_tiny")


def test_run_json_records_a_completed_run(completed):
    run = json.loads((completed / "run.json").read_text())
    assert run["status"] == "completed"
    assert run["seed"] == 3
    assert run["device"]["devices"] == ["/cpu:0"]
    assert {"python", "tensorflow", "keras", "nnlab"} <= run["versions"].keys()
    assert run["ended_at"] and run["duration_seconds"] > 0


def test_metrics_csv_has_one_row_per_epoch_in_order(completed):
    metrics = pd.read_csv(completed / "metrics.csv")
    assert list(metrics.columns) == ["epoch", "loss", "val_loss", "accuracy", "val_accuracy", "learning_rate", "epoch_seconds"]
    assert metrics["epoch"].tolist() == [1, 2, 3]
    assert metrics["learning_rate"].iloc[0] == pytest.approx(0.01)


def test_summary_reports_test_metrics_and_best_epoch(completed):
    summary = json.loads((completed / "summary.json").read_text())
    assert 0.5 < summary["test"]["accuracy"] <= 1
    assert 1 <= summary["best_epoch"] <= 3
    assert summary["params"]["total"] == 64 * 16 + 16 + 16 * 10 + 10


def test_config_yaml_reruns_the_same_experiment(completed):
    from nnlab.experiment import prepare

    assert prepare(completed / "config.yaml").spec.to_dict() == yaml.safe_load((completed / "config.yaml").read_text())


def test_tensorboard_has_train_and_validation_scalars(completed):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for split in ("train", "validation"):
        events = EventAccumulator(str(completed / "tensorboard" / split)).Reload()
        tags = events.Tags()["tensors"] + events.Tags()["scalars"]
        assert "epoch_loss" in tags, (split, tags)


def test_saved_model_loads_and_predicts(completed):
    import keras
    import numpy as np

    model = keras.models.load_model(completed / "model.keras")
    assert model.predict(np.zeros((2, 64), "float32"), verbose=0).shape == (2, 10)


def test_same_seed_gives_identical_metrics(write_config, tiny, tmp_path):
    _, first = train(write_config, tiny, tmp_path / "runs")
    _, second = train(write_config, tiny, tmp_path / "runs")
    assert first != second
    columns = lambda folder: pd.read_csv(folder / "metrics.csv").drop(columns="epoch_seconds")  # noqa: E731
    pd.testing.assert_frame_equal(columns(first), columns(second), check_exact=True)


def test_a_nan_loss_ends_the_run_as_diverged(write_config, tiny, tmp_path):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": 1e30}
    result, folder = train(write_config, tiny, tmp_path / "runs")
    assert result.exit_code == 1
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "diverged"
    assert run["diverged_epoch"] == 1


def test_an_exception_ends_the_run_as_failed_with_its_traceback(write_config, tiny, tmp_path, monkeypatch):
    from nnlab.training import callbacks

    def explode(self, epoch, logs=None):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(callbacks.MetricsLogger, "on_epoch_end", explode)
    result, folder = train(write_config, tiny, tmp_path / "runs")
    assert result.exit_code == 1
    assert json.loads((folder / "run.json").read_text())["error"] == "RuntimeError: disk on fire"
    assert "Traceback" in (folder / "error.txt").read_text()


def test_early_stopping_stops_before_the_last_epoch(write_config, tiny, tmp_path):
    tiny["training"] = {"epochs": 6, "batch_size": 64, "early_stopping": {"monitor": "loss", "patience": 1, "min_delta": 100}}
    _, folder = train(write_config, tiny, tmp_path / "runs")
    assert len(pd.read_csv(folder / "metrics.csv")) == 2


def test_asking_for_a_missing_gpu_exits_2_without_a_run_folder(write_config, tiny, tmp_path):
    tiny["device"] = "gpu:7"
    result, _ = train(write_config, tiny, tmp_path / "runs")
    assert result.exit_code == 2
    assert "device: GPU 7 is not available" in result.stderr
    assert not (tmp_path / "runs").exists()


def _cli(*arguments: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "nnlab", *arguments], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_sigterm_ends_the_run_as_interrupted_keeping_finished_epochs(write_config, tiny, tmp_path):
    tiny["training"]["epochs"] = 10**6  # far more than runs before the signal, on any backend
    process = _cli("train", str(write_config(tiny)), "--runs-dir", str(tmp_path / "runs"))
    for line in process.stderr:  # not a terminal: one line per finished epoch
        if line.startswith("Epoch"):
            break
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=60)
    folder = Path(stdout.strip().splitlines()[-1])
    assert process.returncode == 130
    assert json.loads((folder / "run.json").read_text())["status"] == "interrupted"
    assert len(pd.read_csv(folder / "metrics.csv")) >= 1


def test_mirrored_strategy_trains_on_two_logical_cpus(write_config, tiny, tmp_path):
    tiny["device"] = {"cpus": 2}
    process = _cli("train", str(write_config(tiny)), "--runs-dir", str(tmp_path / "runs"), "-q")
    stdout, stderr = process.communicate(timeout=180)
    assert process.returncode == 0, stderr
    device = json.loads((Path(stdout.strip().splitlines()[-1]) / "run.json").read_text())["device"]
    assert device == {"strategy": "MirroredStrategy", "devices": ["/cpu:0", "/cpu:1"], "replicas": 2}


def test_a_sigkilled_run_is_read_back_as_stale(write_config, tiny, tmp_path):
    from nnlab.runs.read import STALE, iter_runs

    tiny["training"]["epochs"] = 10**6  # far more than runs before the signal, on any backend
    process = _cli("train", str(write_config(tiny)), "--runs-dir", str(tmp_path / "runs"))
    for line in process.stderr:
        if line.startswith("Epoch"):
            break
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    [run] = iter_runs(tmp_path / "runs")
    assert run.record["status"] == "running" and run.status == STALE


def test_run_records_metric_directions_as_keras_decides_them(completed):
    summary = json.loads((completed / "summary.json").read_text())
    assert summary["directions"] == {"loss": "min", "accuracy": "max"}
    assert (summary["monitor"], summary["mode"]) == ("val_loss", "min")


def test_run_json_records_the_fingerprint_and_the_process(completed):
    from nnlab.config.spec import fingerprint

    run = json.loads((completed / "run.json").read_text())
    assert run["fingerprint"] == fingerprint(yaml.safe_load((completed / "config.yaml").read_text()))
    assert run["pid"] > 0 and run["host"]


def test_outputs_switched_off_leave_only_the_records(write_config, tiny, tmp_path):
    tiny["output"] = {"plots": False, "tensorboard": False, "model": False}
    tiny["training"]["diagnostics"] = False
    result, folder = train(write_config, tiny, tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["config.yaml", "metrics.csv", "run.json", "summary.json"]


def test_run_records_an_interrupt_and_reraises_it_to_its_caller(tiny, write_config, tmp_path):
    import keras

    from nnlab.experiment import prepare
    from nnlab.runs.folder import create
    from nnlab.training.run import run

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    experiment = prepare(write_config({**tiny, "training": {"epochs": 5, "batch_size": 64}}))
    folder = create(tmp_path, "x")
    with pytest.raises(KeyboardInterrupt):
        run(experiment.spec, experiment.dataset, folder, extra_callbacks=[Interrupt()], verbose=False)
    record = json.loads(folder.record.read_text())
    assert record["status"] == "interrupted" and record["epochs_completed"] == 2


def test_a_completed_run_reads_back_through_the_runs_reader(completed):
    from nnlab.runs.read import read_run

    run = read_run(completed)
    assert (run.status, run.problem, len(run.metrics)) == ("completed", None, 3)
    assert run.summary["best_epoch"] in (1, 2, 3)
    assert run.config["name"] == "tiny"
