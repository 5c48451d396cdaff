"""The data section of a config: new keys, their checks, and the shipped configs that use them."""

from pathlib import Path

import pytest
import yaml

from nnlab.data import REGISTRY
from nnlab.errors import ConfigError
from nnlab.experiment import prepare

# Experiment configs only: sweep files (a sweep: section or a base:) are checked trial by trial in test_sweep_cli.
CONFIGS = [
    path for path in sorted(Path(__file__).parent.parent.joinpath("configs").rglob("*.yaml")) if not {"sweep", "base"} & set(yaml.safe_load(path.read_text()))
]
MODEL = {"layers": [{"type": "Dense", "units": 8, "activation": "relu"}, {"type": "Dense", "units": 3, "activation": "softmax"}]}


@pytest.fixture
def experiment(tmp_path):
    """Prepare a config whose data section is given; the model fits iris (3 classes)."""

    def prepare_data(data, model=MODEL):
        path = tmp_path / "data.yaml"
        path.write_text(yaml.safe_dump({"data": data, "model": model}, sort_keys=False))
        return prepare(path)

    return prepare_data


def problems(experiment, data):
    with pytest.raises(ConfigError) as error:
        experiment(data)
    return [str(p) for p in error.value.problems]


def test_validation_size_replaces_the_default_fraction(experiment):
    prepared = experiment({"dataset": "iris", "validation_size": 20})
    assert prepared.spec.data.validation_split == 0.0
    assert len(prepared.dataset.x_val) == 20


def test_validation_size_and_a_validation_split_conflict(experiment):
    [problem] = problems(experiment, {"dataset": "iris", "validation_size": 20, "validation_split": 0.1})
    assert "data.validation_size: set either validation_split or validation_size" in problem


def test_validation_size_of_the_whole_training_split(experiment):
    [problem] = problems(experiment, {"dataset": "iris", "validation_size": 500})
    assert "data.validation_size: expected fewer than the 120 training examples (got 500)" in problem


def test_classes_must_be_a_list(experiment):
    [problem] = problems(experiment, {"dataset": "iris", "classes": "setosa"})
    assert "data.classes: expected a non-empty list of class numbers or names" in problem


def test_an_unknown_class_points_at_the_classes_line(experiment):
    [problem] = problems(experiment, {"dataset": "iris", "classes": ["setosa", "rose"]})
    assert ":3: data.classes: class 'rose' does not exist in iris" in problem


def test_subset_as_a_mapping_checks_its_keys(experiment):
    [problem] = problems(experiment, {"dataset": "iris", "subset": {"size": 10, "order": "first"}})
    assert "data.subset.order: unknown key 'order'" in problem


def test_a_missing_path_is_one_line_with_the_key(experiment, tmp_path):
    [problem] = problems(experiment, {"dataset": {"type": "npz"}, "path": str(tmp_path / "gone.npz")})
    assert problem.endswith(f"data.path: {tmp_path / 'gone.npz'}: no such file or folder")


def test_a_path_inside_the_dataset_mapping_is_refused(experiment):
    [problem] = problems(experiment, {"dataset": {"type": "npz", "path": "x.npz"}})
    assert "unknown argument 'path' for dataset npz" in problem


def test_stratify_must_be_a_boolean(experiment):
    [problem] = problems(experiment, {"dataset": "iris", "stratify": "yes"})
    assert "data.stratify: expected true or false" in problem


SMALL_FILES = {"mnist": "small_mnist", "california_housing": "small_california"}  # fixtures in conftest.py


def _dataset(config: Path) -> str:
    dataset = yaml.safe_load(config.read_text())["data"]["dataset"]
    return str(dataset if isinstance(dataset, str) else dataset["type"])


@pytest.mark.parametrize("config", CONFIGS, ids=lambda path: path.name)
def test_shipped_configs_are_valid_where_their_data_is(config, runs_with_task_a, request):
    dataset = _dataset(config)
    if dataset in SMALL_FILES and not REGISTRY[dataset].is_available():
        request.getfixturevalue(SMALL_FILES[dataset])  # the dataset's own file format, small: the config is checked all the same
    elif not REGISTRY[dataset].is_available():
        pytest.skip(f"{config.name}: its data is not on this machine")
    prepare(config)
