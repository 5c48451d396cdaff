"""The config side of transfer learning and phases, and each bad input as one line (no TensorFlow: base models are read as zips)."""

import json
import zipfile

import pytest

from nnlab.errors import ConfigError
from nnlab.experiment import prepare


def saved_model(path, input_shape=(64,), units=(32, 16, 10)):
    """A .keras file as Keras writes it, reduced to what nnlab reads: config.json of a Sequential model."""
    layers = [{"class_name": "InputLayer", "config": {"name": "input_layer", "batch_shape": [None, *input_shape]}}]
    layers += [{"class_name": "Dense", "config": {"name": f"dense_{i}", "units": n, "activation": "relu"}} for i, n in enumerate(units)]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {"layers": layers}}))
    return path


@pytest.fixture
def transfer(tiny, tmp_path):
    tiny["model"] = {
        "base": {"path": str(saved_model(tmp_path / "a.keras")), "freeze": True},
        "layers": [{"type": "Dense", "units": 10, "activation": "softmax"}],
    }
    tiny["training"] = {"batch_size": 64, "phases": [{"epochs": 2}, {"epochs": 3, "unfreeze": "all", "optimizer": {"type": "sgd", "learning_rate": 0.001}}]}
    return tiny


def problems(write_config, config):
    with pytest.raises(ConfigError) as caught:
        prepare(write_config(config))
    return [str(p) for p in caught.value.problems]


def test_a_transfer_config_validates_and_its_epochs_are_the_phases(write_config, transfer):
    spec = prepare(write_config(transfer)).spec
    assert spec.training.epochs == 5 and spec.model.base["drop_top"] == 1


def test_the_resolved_config_reads_back_the_same(write_config, transfer):
    import yaml

    config = prepare(write_config(transfer)).spec.to_dict()
    assert prepare(write_config(yaml.safe_dump(config), "again.yaml")).spec.to_dict() == config


def test_a_run_name_resolves_to_its_newest_completed_folder(write_config, transfer, tmp_path, monkeypatch):
    for stamp, status in (("20260101-000000", "completed"), ("20260102-000000", "completed"), ("20260103-000000", "failed")):
        folder = tmp_path / "runs" / f"{stamp}_task-a"
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps({"status": status}))
        saved_model(folder / "model.keras")
    monkeypatch.setenv("NNLAB_RUNS_DIR", str(tmp_path / "runs"))
    transfer["model"]["base"] = {"run": "task-a"}
    assert prepare(write_config(transfer)).spec.model.base["run"].endswith("20260102-000000_task-a")


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda c: c["model"]["base"].update(drop_top=4), "model.base.drop_top: expected a whole number from 0 to 2: the base has 3 layers (got 4)"),
        (lambda c: c["model"]["base"].update(freeze=["dense_9"]), "model.base.freeze: no layer 'dense_9' in the base (its layers: dense_0, dense_1)"),
        (lambda c: c["model"]["base"].update(path="nowhere.keras"), "model.base.path: nowhere.keras: no such file"),
        (lambda c: c["training"].update(phases=[]), "training.phases: expected a non-empty list of phases"),
        (lambda c: c["training"]["phases"][0].pop("epochs"), "training.phases.0.epochs: each phase needs epochs"),
        (lambda c: c["training"]["phases"][1].update(unfreeze=["dense_7"]), "training.phases.1.unfreeze: no layer 'dense_7' in the base"),
        (lambda c: c["training"].update(epochs=9), "training.epochs: with phases, the epochs are the phases' own (5 in all)"),
        (lambda c: c.update(schedule={"type": "reduce_on_plateau"}), "schedule: a schedule and training.phases together"),
    ],
    ids=["drop-top", "freeze-name", "missing-file", "no-phases", "phase-epochs", "unfreeze-name", "epochs-and-phases", "schedule-and-phases"],
)
def test_bad_transfer_settings_are_one_line(write_config, transfer, change, expected):
    change(transfer)
    [line] = problems(write_config, transfer)
    assert expected in line


def test_a_base_whose_input_does_not_fit_the_data_is_refused(write_config, transfer, tmp_path):
    transfer["model"]["base"]["path"] = str(saved_model(tmp_path / "b.keras", input_shape=(28, 28)))
    [line] = problems(write_config, transfer)
    assert "model.base: the base model takes inputs of shape (28, 28), but digits gives (64,)" in line


def test_a_base_run_without_a_model_file_is_refused(write_config, transfer, tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text('{"status": "completed"}')
    transfer["model"]["base"] = {"run": str(tmp_path / "run")}
    [line] = problems(write_config, transfer)
    assert "the run saved no model.keras" in line


def test_a_base_alone_gives_the_output_layer_the_loss_is_chosen_for(write_config, transfer):
    transfer["model"] = {"base": {**transfer["model"]["base"], "drop_top": 0}, "layers": []}
    spec = prepare(write_config(transfer)).spec
    assert spec.model.layers == [] and spec.loss == {"type": "SparseCategoricalCrossentropy", "from_logits": True}  # its last layer is relu: logits


def test_a_base_alone_must_have_one_output_unit_per_class(write_config, transfer, tmp_path):
    transfer["model"] = {"base": {"path": str(saved_model(tmp_path / "c.keras", units=(32, 5))), "drop_top": 0}, "layers": []}
    [line] = problems(write_config, transfer)
    assert "model.base: the output layer must have one unit per class: 10 for digits (got 5)" in line
