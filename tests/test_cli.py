"""The command line: exit codes, output streams, and start-up without TensorFlow."""

from typer.testing import CliRunner

import nnlab
from nnlab.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"nnlab {nnlab.__version__}"


def test_validate_accepts_a_valid_config(write_config, tiny):
    result = runner.invoke(app, ["validate", str(write_config(tiny))])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout


def test_validate_rejects_with_exit_2_and_one_line_per_problem(write_config, tiny):
    tiny["optimizer"] = "adamm"
    tiny["training"]["batch_size"] = -1
    result = runner.invoke(app, ["validate", str(write_config(tiny))])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 2
    assert "Traceback" not in result.output


def test_show_prints_the_resolved_config_as_yaml(write_config, tiny):
    import yaml

    result = runner.invoke(app, ["show", str(write_config(tiny)), "--set", "training.epochs=7"])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    assert shown["training"]["epochs"] == 7
    assert shown["optimizer"]["type"] == "Adam"


def test_train_with_a_bad_config_creates_no_run_folder(write_config, tiny, tmp_path):
    tiny["model"]["layers"][1]["units"] = 3
    runs = tmp_path / "runs"
    result = runner.invoke(app, ["train", str(write_config(tiny)), "--runs-dir", str(runs)])
    assert result.exit_code == 2
    assert "model.layers.1.units" in result.stderr
    assert not runs.exists()


def test_a_missing_config_file_exits_2(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
