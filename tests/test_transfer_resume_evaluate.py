"""Transfer learning with phases, resuming an interrupted run, and nnlab evaluate: trained for real on digits."""

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from nnlab.cli import app

pytestmark = pytest.mark.train
ROOT = Path(__file__).parent.parent
runner = CliRunner()


def train(config, runs, *extra):
    result = runner.invoke(app, ["train", str(config), "--runs-dir", str(runs), "-q", *extra])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip().splitlines()[-1])


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def task_a(tmp_path_factory):
    """Digits 0-7, the model to build on."""
    from tests.conftest import TINY

    tmp = tmp_path_factory.mktemp("task_a")
    config = {**TINY, "name": "task-a", "data": {**TINY["data"], "classes": [0, 1, 2, 3, 4, 5, 6, 7]}}
    config["model"] = {"layers": [{"type": "Dense", "units": 32, "activation": "relu"}, {"type": "Dense", "units": 8, "activation": "softmax"}]}
    (tmp / "a.yaml").write_text(yaml.safe_dump(config))
    return train(tmp / "a.yaml", tmp / "runs")


@pytest.fixture
def transfer(task_a, tiny, tmp_path):
    tiny["name"] = "task-b"
    tiny["data"].update(classes=[8, 9], subset={"size": 100, "shuffle": False})
    tiny["model"] = {"base": {"run": str(task_a), "freeze": True}, "layers": [{"type": "Dense", "units": 1, "activation": "sigmoid"}]}
    tiny["training"] = {
        "batch_size": 16,
        "phases": [
            {"epochs": 2, "optimizer": {"type": "sgd", "learning_rate": 0.01}},
            {"epochs": 2, "unfreeze": "all", "optimizer": {"type": "sgd", "learning_rate": 0.001}},
        ],
    }
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump(tiny))
    return path


def test_transfer_trains_both_phases_into_one_metrics_file(transfer, tmp_path):
    from nnlab.runs.metrics import read_metrics

    folder = train(transfer, tmp_path / "runs")
    rows = read_metrics(folder / "metrics.csv")
    assert [(row["epoch"], row["phase"]) for row in rows] == [(1, "1"), (2, "1"), (3, "2"), (4, "2")]
    assert [row["learning_rate"] for row in rows] == pytest.approx([0.01, 0.01, 0.001, 0.001])


def test_frozen_layers_do_not_move_until_their_phase_unfreezes_them(transfer, tmp_path):
    from nnlab.runs.diagnostics import read_diagnostics

    rows = read_diagnostics(train(transfer, tmp_path / "runs") / "diagnostics.csv")
    base = [row for row in rows if row["layer"] == "dense" and row["epoch"] >= 1]
    assert [row["update_ratio"] for row in base[:2]] == [0.0, 0.0]
    assert all(row["update_ratio"] > 0 for row in base[2:])


def test_the_base_run_is_never_modified(task_a, transfer, tmp_path):
    before = hashes(task_a)
    train(transfer, tmp_path / "runs")
    assert hashes(task_a) == before


def cli(*arguments: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "nnlab", *arguments], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def metrics_without_time(folder: Path):
    import pandas as pd

    return pd.read_csv(folder / "metrics.csv").drop(columns="epoch_seconds")


def test_a_run_interrupted_with_sigint_and_resumed_equals_an_uninterrupted_one(tiny, tmp_path):
    import pandas as pd

    tiny["model"]["layers"].insert(1, {"type": "Dropout", "rate": 0.2})
    tiny["training"] = {"epochs": 10, "batch_size": 4}
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(tiny))
    process = cli("train", str(config), "--runs-dir", str(tmp_path / "runs"))
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith("Epoch  3/10"):
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert out.strip(), f"exit {process.returncode}, no run folder printed; standard error:\n{''.join(seen)}{err}"
    folder = Path(out.strip().splitlines()[-1])
    record = json.loads((folder / "run.json").read_text())
    assert process.returncode == 130 and record["status"] == "interrupted" and 3 <= record["epochs_completed"] < 10
    resumed = cli("train", "--resume", str(folder), "-q")
    resumed.communicate(timeout=120)
    uninterrupted = cli("train", str(config), "--runs-dir", str(tmp_path / "again"), "-q")
    plain = Path(uninterrupted.communicate(timeout=120)[0].strip().splitlines()[-1])
    assert resumed.returncode == 0 and json.loads((folder / "run.json").read_text())["resumes"]
    pd.testing.assert_frame_equal(metrics_without_time(folder), metrics_without_time(plain), check_exact=True)
    assert not (folder / "checkpoint").exists()  # a completed run keeps no checkpoint


@pytest.fixture(scope="module")
def with_dropout(tmp_path_factory):
    from tests.conftest import TINY

    tmp = tmp_path_factory.mktemp("dropout")
    config = {
        **TINY,
        "model": {
            "layers": [
                {"type": "Dense", "units": 32, "activation": "relu"},
                {"type": "Dropout", "rate": 0.3},
                {"type": "Dense", "units": 10, "activation": "softmax"},
            ]
        },
    }
    (tmp / "d.yaml").write_text(yaml.safe_dump(config))
    return train(tmp / "d.yaml", tmp / "runs")


def test_evaluate_writes_every_file_with_mc_dropout(with_dropout):
    result = runner.invoke(app, ["evaluate", str(with_dropout), "--mc-dropout", "5"])
    assert result.exit_code == 0, result.output
    target = with_dropout / "evaluation" / "test"
    expected = [
        "metrics.json",
        "classification_report.csv",
        "confusion_matrix.csv",
        "confusion_matrix.png",
        "predictions.csv",
        "samples.png",
        "mistakes.png",
        "uncertain.png",
    ]
    assert [name for name in expected if not (target / name).is_file()] == []
    metrics = json.loads((target / "metrics.json").read_text())
    assert 0 <= metrics["mc_dropout_accuracy"] <= 1 and "accuracy" in metrics
    assert "macro avg" in result.stderr


def test_evaluate_on_the_validation_split_uses_the_runs_own_split(with_dropout):
    result = runner.invoke(app, ["evaluate", str(with_dropout), "--split", "validation"])
    assert result.exit_code == 0, result.output
    lines = (with_dropout / "evaluation" / "validation" / "predictions.csv").read_text().splitlines()
    assert len(lines) - 1 == 288  # digits: 1,437 after the test split, 20 % of them


def test_mc_dropout_of_a_model_without_dropout_is_one_line(tiny, tmp_path):
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(tiny))
    folder = train(tmp_path / "t.yaml", tmp_path / "runs")
    result = runner.invoke(app, ["evaluate", str(folder), "--mc-dropout", "10"])
    assert result.exit_code == 2 and "--mc-dropout needs a model with dropout layers" in result.stderr
    assert not (folder / "evaluation").exists()


def test_evaluate_of_a_regression_run_draws_residuals(tiny, tmp_path):
    tiny["data"]["dataset"] = {"type": "regression", "n_samples": 300, "n_features": 5}
    tiny["model"]["layers"][-1] = {"type": "Dense", "units": 1}
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(tiny))
    folder = train(tmp_path / "r.yaml", tmp_path / "runs")
    assert runner.invoke(app, ["evaluate", str(folder)]).exit_code == 0
    metrics = json.loads((folder / "evaluation" / "test" / "metrics.json").read_text())
    assert {"mae", "rmse", "r2"} <= metrics.keys() and (folder / "evaluation" / "test" / "residuals.png").is_file()


def test_evaluate_of_a_run_whose_data_is_gone_is_one_line(tiny, tmp_path):
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "d.npz",
        x_train=rng.random((100, 4)).astype("float32"),
        y_train=rng.integers(0, 2, 100),
        x_test=rng.random((20, 4)).astype("float32"),
        y_test=rng.integers(0, 2, 20),
    )
    tiny["data"] = {"dataset": "npz", "path": str(tmp_path / "d.npz")}
    tiny["model"]["layers"][-1] = {"type": "Dense", "units": 2, "activation": "softmax"}
    (tmp_path / "n.yaml").write_text(yaml.safe_dump(tiny))
    folder = train(tmp_path / "n.yaml", tmp_path / "runs")
    (tmp_path / "d.npz").unlink()
    result = runner.invoke(app, ["evaluate", str(folder)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1 and "no such file" in result.stderr
