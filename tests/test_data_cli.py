"""`nnlab data list` and `nnlab data show`, and `nnlab train` on data that is nowhere."""

import time

import yaml
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.cli.data import data_app

runner = CliRunner()


def test_list_names_every_dataset_with_its_task():
    result = runner.invoke(data_app, ["list"])
    assert result.exit_code == 0, result.output
    for name in [
        "digits",
        "iris",
        "wine",
        "breast_cancer",
        "diabetes",
        "mnist",
        "fashion_mnist",
        "cifar10",
        "cifar100",
        "california_housing",
        "moons",
        "csv",
        "npz",
        "idx",
    ]:
        assert any(line.split()[0] == name for line in result.stdout.splitlines()), name


def test_list_says_a_missing_download_is_not_offline(offline):
    result = runner.invoke(data_app, ["list"])
    [cifar] = [line for line in result.stdout.splitlines() if line.startswith("cifar10 ")]
    assert cifar.endswith("no (download)")


def test_show_prints_shapes_dtypes_balance_and_writes_a_sample_grid(tmp_path):
    result = runner.invoke(data_app, ["show", "digits", "--output", str(tmp_path / "grid.png")])
    assert result.exit_code == 0, result.output
    assert "train: x (1797, 64) float32, y (1797,) int32" in result.stdout
    assert "feature values: min 0, max 16" in result.stdout
    assert "class balance (train):" in result.stdout
    assert result.stdout.strip().endswith(f"samples: {tmp_path / 'grid.png'}")
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"


def test_show_of_a_table_writes_no_grid(tmp_path):
    result = runner.invoke(data_app, ["show", "diabetes"])
    assert result.exit_code == 0 and "target values:" in result.stdout and "samples:" not in result.stdout


def test_show_takes_a_path_and_dataset_arguments(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,label\n1,2,x\n3,4,y\n")
    result = runner.invoke(data_app, ["show", "csv", "--path", str(tmp_path / "t.csv"), "--arg", "target=label"])
    assert result.exit_code == 0, result.output
    assert "csv: classification, 2 classes" in result.stdout


def test_show_of_an_unknown_name_suggests_one():
    result = runner.invoke(data_app, ["show", "fashion_mnst"])
    assert result.exit_code == 2 and "did you mean 'fashion_mnist'?" in result.stderr


def test_show_of_missing_data_is_one_line_and_exit_2(offline):
    result = runner.invoke(data_app, ["show", "cifar10"])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_train_on_cifar10_without_data_or_network_exits_2_within_seconds(offline, monkeypatch):
    config = offline / "cifar.yaml"
    config.write_text(
        yaml.safe_dump({"data": {"dataset": "cifar10"}, "model": {"layers": ["Flatten", {"type": "Dense", "units": 10, "activation": "softmax"}]}})
    )
    started = time.monotonic()
    result = runner.invoke(app, ["train", str(config), "--runs-dir", str(offline / "runs")])
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    assert "cifar10 is not on this machine" in result.stderr and "NNLAB_DATA_DIR" in result.stderr
    assert not (offline / "runs").exists()
