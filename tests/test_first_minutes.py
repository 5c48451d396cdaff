"""The first minutes of a run: what is loaded, built and where it goes, said on standard error; why early stopping ended it."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnlab.cli.experiment import stopped_early
from nnlab.errors import ConfigError
from nnlab.experiment import prepare


def test_loading_says_what_and_how_many_examples(write_config, tiny):
    said = []
    prepare(write_config(tiny), say=said.append)
    assert "".join(said) == "loading digits… 1,149 / 288 / 360 (train / validation / test)\n"


def test_a_data_problem_starts_on_its_own_line(write_config, tiny, tmp_path):
    tiny["data"] = {"dataset": {"type": "csv", "target": "y"}, "path": str(tmp_path / "missing.csv")}
    said = []
    with pytest.raises(ConfigError, match="missing.csv: no such file"):
        prepare(write_config(tiny), say=said.append)
    assert said == ["loading csv…", "\n"]


def test_validate_stays_silent_about_loading(write_config, tiny):
    from nnlab.cli import app

    result = CliRunner().invoke(app, ["validate", str(write_config(tiny))])
    assert result.stderr == ""


@pytest.fixture
def spec(write_config, tiny):
    tiny["training"] = {"epochs": 50, "early_stopping": {"monitor": "val_loss", "patience": 3, "restore_best_weights": True}}
    return prepare(write_config(tiny)).spec


def test_early_stopping_says_when_it_stopped_and_which_weights_it_kept(spec):
    summary = {"stopped_early": {"epoch": 7, "restored_best_weights": True, "restored_epoch": 4}}
    assert stopped_early(summary, spec) == "early stopping: val_loss did not improve for 3 epochs; stopped after epoch 7 of 50, restored the weights of epoch 4"


def test_early_stopping_without_restoring_keeps_the_last_weights(spec):
    summary = {"stopped_early": {"epoch": 7, "restored_best_weights": False, "restored_epoch": None}}
    assert stopped_early(summary, spec).endswith("stopped after epoch 7 of 50, kept the weights of epoch 7")


def test_a_run_that_did_not_stop_early_says_nothing(spec):
    assert stopped_early({"epochs_completed": 50}, spec) is None


@pytest.fixture(scope="module")
def told(tmp_path_factory):
    """One categorical run that stops early, trained through the command line with progress on."""
    import yaml

    from nnlab.cli import app
    from tests.conftest import TINY

    tmp = tmp_path_factory.mktemp("told")
    config = {
        **TINY,
        "loss": "categorical_crossentropy",
        "training": {"epochs": 8, "batch_size": 64, "early_stopping": {"monitor": "loss", "patience": 1, "min_delta": 100, "restore_best_weights": True}},
    }
    (tmp / "told.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["train", str(tmp / "told.yaml"), "--runs-dir", str(tmp / "runs")])
    assert result.exit_code == 0, result.output
    return result, Path(result.stdout.strip().splitlines()[-1])


@pytest.mark.train
def test_train_says_what_it_loads_builds_and_where_it_writes_before_the_first_epoch(told):
    result, folder = told
    lines = result.stderr.splitlines()
    first_epoch = next(i for i, line in enumerate(lines) if line.startswith("Epoch"))
    before = lines[:first_epoch]
    assert before[0] == "loading digits… 1,149 / 288 / 360 (train / validation / test)"
    assert before[1] == f"run folder: {folder}"
    assert before[2].startswith("starting Keras (")
    assert before[3] == "model: 1,210 parameters (1,210 trainable)"
    assert [line.split() for line in before[4:]] == [["Dense", "(16,)", "1,040", "relu"], ["Dense", "(10,)", "170", "softmax"]]


@pytest.mark.train
def test_train_says_that_early_stopping_ended_the_run(told):
    result, folder = told
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["stopped_early"] == {"by": "early_stopping", "epoch": 2, "restored_best_weights": True, "restored_epoch": 1}
    assert "early stopping: loss did not improve for 1 epoch; stopped after epoch 2 of 8, restored the weights of epoch 1" in result.stderr


@pytest.mark.train
def test_run_json_says_labels_were_one_hot_for_categorical_crossentropy(told):
    _, folder = told
    assert json.loads((folder / "run.json").read_text())["data"]["one_hot"] is True


def test_a_time_limit_says_so_and_how_to_go_on(spec):
    assert stopped_early({"stopped_early": {"by": "time_limit", "epoch": 12}}, spec) == "time limit: stopped after epoch 12 of 50; continue it with --resume"
