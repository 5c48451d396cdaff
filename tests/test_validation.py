"""Each kind of bad input gives one clear line naming file, line and key."""

import pytest
import yaml

from nnlab.errors import ConfigError
from nnlab.experiment import prepare


def problems(write_config, config) -> list[str]:
    path = write_config(config)
    with pytest.raises(ConfigError) as caught:
        prepare(path)
    return [str(p) for p in caught.value.problems]


def test_a_valid_config_fills_every_default(write_config, tiny):
    spec = prepare(write_config(tiny)).spec
    assert spec.training.shuffle is True
    assert spec.data.validation_split == 0.2
    assert spec.device == "auto"
    assert spec.loss == "sparse_categorical_crossentropy"


def test_unknown_optimizer_suggests_the_closest(write_config, tiny):
    tiny["optimizer"] = {"type": "adamm"}
    [line] = problems(write_config, tiny)
    assert line.endswith("optimizer.type: unknown optimizer 'adamm'; did you mean 'adam'?")


def test_problem_lines_name_file_and_line(write_config):
    text = "data: {dataset: digits}\nmodel:\n  layers:\n    - {type: Dense, units: 10, activation: sofmax}\n"
    [line] = problems(write_config, text)
    assert line.startswith(f"{write_config(text)}:4: model.layers.0.activation: unknown activation 'sofmax'")


@pytest.mark.parametrize(
    "key_path, value, expected",
    [
        (("optimizer", "learning_rate"), -0.1, "optimizer.learning_rate: expected a positive number (got -0.1)"),
        (("optimizer", "learning_rate"), 0, "optimizer.learning_rate: expected a positive number (got 0)"),
        (("training", "batch_size"), 0, "training.batch_size: expected an integer >= 1 (got 0)"),
        (("training", "epochs"), -3, "training.epochs: expected an integer >= 1 (got -3)"),
        (("training", "epochs"), "ten", "training.epochs: expected an integer >= 1 (got 'ten')"),
        (("seed",), 1.5, "seed: expected an integer from 0 to 4294967295 (got 1.5)"),
        (("data", "test_split"), 1.2, "data.test_split: expected a fraction"),
        (("optimizer", "amsgrad"), "yes", "optimizer.amsgrad: expected true or false"),
    ],
)
def test_wrong_values_are_named(write_config, tiny, key_path, value, expected):
    target = tiny
    for part in key_path[:-1]:
        target = target[part]
    target[key_path[-1]] = value
    assert any(expected in line for line in problems(write_config, tiny))


def test_unknown_key_suggests_the_closest(write_config, tiny):
    tiny["optimiser"] = "adam"
    [line] = problems(write_config, tiny)
    assert "optimiser: unknown key 'optimiser'; did you mean 'optimizer'?" in line


def test_unknown_layer_argument_suggests_the_closest(write_config, tiny):
    tiny["model"]["layers"][0] = {"type": "Dense", "unitz": 16}
    lines = problems(write_config, tiny)
    assert any("model.layers.0.unitz: unknown argument 'unitz' for Dense; did you mean 'units'?" in line for line in lines)


def test_output_units_must_match_the_classes(write_config, tiny):
    tiny["model"]["layers"][1]["units"] = 5
    [line] = problems(write_config, tiny)
    assert "model.layers.1.units: the output layer must have one unit per class: 10 for digits (got 5)" in line


def test_sparse_loss_cannot_fit_one_output_unit(write_config, tiny):
    tiny["data"]["dataset"] = {"type": "moons", "n_samples": 60}
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1, "activation": "sigmoid"}
    tiny["loss"] = "sparse_categorical_crossentropy"
    [line] = problems(write_config, tiny)
    assert "loss: 'sparse_categorical_crossentropy' needs one output unit per class (2)" in line


def test_classification_loss_cannot_fit_regression(write_config, tiny):
    tiny["data"]["dataset"] = {"type": "regression", "n_samples": 60, "n_features": 4}
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1}
    tiny["loss"] = "categorical_crossentropy"
    [line] = problems(write_config, tiny)
    assert "is a classification loss, but regression is a regression task" in line


def test_all_problems_are_reported_in_one_pass(write_config, tiny):
    tiny["optimizer"] = {"type": "adamm"}
    tiny["training"]["epochs"] = 0
    tiny["model"]["layers"][0]["activation"] = "relux"
    assert len(problems(write_config, tiny)) == 3


def test_yaml_ints_become_floats_where_keras_wants_floats(write_config, tiny):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": 1, "momentum": 0}
    optimizer = prepare(write_config(tiny)).spec.optimizer
    assert optimizer == {"type": "SGD", "learning_rate": 1.0, "momentum": 0.0}
    assert isinstance(optimizer["momentum"], float)


def test_model_defaults_satisfy_required_arguments(write_config, tiny):
    tiny["model"] = {"defaults": {"units": 10}, "layers": ["Dense", {"type": "Dense", "activation": "softmax"}]}
    assert prepare(write_config(tiny)).spec.model.layers[0] == {"type": "Dense"}


def test_generator_arguments_are_checked(write_config, tiny):
    tiny["data"]["dataset"] = {"type": "moons", "n_sample": 10}
    [line] = problems(write_config, tiny)
    assert "data.dataset.n_sample: unknown argument 'n_sample' for dataset moons; did you mean 'n_samples'?" in line


def test_a_missing_gpu_is_not_a_config_error_yet_but_a_bad_device_is(write_config, tiny):
    tiny["device"] = "tpu"
    [line] = problems(write_config, tiny)
    assert "device: expected auto, cpu, gpu, gpu:N" in line


def test_show_output_round_trips(write_config, tiny):
    config = prepare(write_config(tiny)).spec.to_dict()
    again = prepare(write_config(yaml.safe_dump(config), "again.yaml")).spec.to_dict()
    assert again == config


# Experiment configs only: sweep files (a sweep: section or a base:) are checked trial by trial in test_sweep_cli.
CONFIGS = [
    path
    for path in sorted(__import__("pathlib").Path(__file__).parent.parent.joinpath("configs").rglob("*.yaml"))
    if not {"sweep", "base"} & set(yaml.safe_load(path.read_text()))
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.name)
def test_every_shipped_config_passes_the_schema_without_its_data(config, runs_with_task_a):
    """Full validation (with data) is in test_data_config; this part needs no dataset files."""
    from nnlab.config.checker import Checker
    from nnlab.config.source import read
    from nnlab.config.spec import resolve

    chk = Checker(read(config))
    resolve(chk)
    assert [str(p) for p in chk.problems] == []


def test_one_hot_step_makes_auto_pick_categorical_crossentropy(write_config, tiny):
    tiny["data"]["preprocessing"] = ["standardize", "one_hot"]
    assert prepare(write_config(tiny)).spec.loss == "categorical_crossentropy"


def test_a_seed_beyond_32_bits_is_one_line_naming_the_seed(write_config, tiny):
    tiny["seed"] = 2**32
    [line] = problems(write_config, tiny)
    assert line.endswith("seed: expected an integer from 0 to 4294967295 (got 4294967296)")


@pytest.mark.parametrize("name", ["a" * 101, "a" * 250, "evil\n", "../up", ""], ids=["101", "250", "newline", "path", "empty"])
def test_a_name_that_cannot_name_a_folder_is_one_line(write_config, tiny, name):
    tiny["name"] = name
    [line] = problems(write_config, tiny)
    assert "name: expected 1 to 100 letters, digits, '.', '_' or '-'" in line


def test_a_name_of_100_characters_is_accepted(write_config, tiny):
    tiny["name"] = "a" * 100
    assert prepare(write_config(tiny)).spec.name == "a" * 100
