"""`nnlab train --resume` refuses what it cannot continue, in one line, before anything is imported or modified."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from nnlab.cli import app

runner = CliRunner()


@pytest.fixture
def finished(write_config, tiny, tmp_path):
    """A run folder as nnlab writes it, without training: its resolved config.yaml and a run.json."""
    from nnlab.experiment import prepare

    spec = prepare(write_config(tiny)).spec
    folder = tmp_path / "runs" / "20260101-000000_tiny"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(spec.to_dict(), sort_keys=False))

    def record(status, **extra):
        (folder / "run.json").write_text(json.dumps({"status": status, "fingerprint": spec.fingerprint(), "backend": "tensorflow", **extra}))
        return folder

    return record


def resume(folder, *extra):
    return runner.invoke(app, ["train", *extra, "--resume", str(folder)])


@pytest.mark.parametrize(
    "status, why",
    [("completed", "it completed"), ("diverged", "it diverged")],
)
def test_a_finished_run_cannot_be_resumed(finished, status, why):
    folder = finished(status)
    before = (folder / "run.json").read_text()
    result = resume(folder)
    assert result.exit_code == 2 and f"cannot be resumed: {why}" in result.stderr
    assert (folder / "run.json").read_text() == before


def test_a_folder_that_is_not_a_run_cannot_be_resumed(tmp_path):
    result = resume(tmp_path)
    assert result.exit_code == 2 and "not a run folder (no run.json)" in result.stderr


def test_a_run_whose_config_changed_cannot_be_resumed(finished):
    folder = finished("interrupted")
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["training"]["epochs"] = 99
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    result = resume(folder)
    assert result.exit_code == 2 and "config.yaml was changed after the run started" in result.stderr


def test_a_failed_run_whose_config_no_longer_validates_cannot_be_resumed(finished):
    folder = finished("failed")
    config = yaml.safe_load((folder / "config.yaml").read_text())
    config["optimizer"]["type"] = "adamm"
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    result = resume(folder)
    assert result.exit_code == 2 and "unknown optimizer 'adamm'" in result.stderr


def test_resume_takes_no_config_file_and_no_overrides(finished, write_config, tiny):
    result = resume(finished("interrupted"), str(write_config(tiny)))
    assert result.exit_code == 2 and "give no config file and no --set" in result.stderr


def test_a_time_limited_run_is_resumable(finished):
    from nnlab.experiment import prepare_resume

    folder = finished("completed")
    (folder / "summary.json").write_text(json.dumps({"stopped_early": {"by": "time_limit", "epoch": 3}}))
    assert prepare_resume(folder).spec.name == "tiny"


def test_mc_dropout_zero_is_one_line(finished):
    folder = finished("completed")
    (folder / "model.keras").write_bytes(b"")
    result = runner.invoke(app, ["evaluate", str(folder), "--mc-dropout", "0"])
    assert result.exit_code == 2 and "--mc-dropout: expected a number of passes >= 1" in result.stderr
