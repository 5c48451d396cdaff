"""The typed spec: declared fields, the config it writes back, and its fingerprint."""

import dataclasses

import pytest

from nnlab.config.fields import config_fields
from nnlab.config.spec import DataSpec, ModelSpec, OutputSpec, Spec, TrainingSpec, fingerprint
from nnlab.experiment import prepare


@pytest.fixture
def spec(write_config, tiny):
    return prepare(write_config(tiny)).spec


def test_the_spec_reads_as_typed_attributes(spec):
    assert (spec.training.batch_size, spec.data.dataset["type"], spec.optimizer["type"]) == (64, "digits", "Adam")


def test_the_spec_is_frozen(spec):
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.training.epochs = 3  # type: ignore[misc]


def test_to_dict_and_from_dict_round_trip(spec):
    assert Spec.from_dict(spec.to_dict()).to_dict() == spec.to_dict()


def test_the_plan_records_decisions_made_once(spec):
    assert (spec.plan.task, spec.plan.num_classes, spec.plan.one_hot) == ("classification", 10, False)
    assert spec.plan.steps_per_epoch == -(-1149 // 64)  # 1,797 digits less 20 % test, less 20 % validation


def test_categorical_crossentropy_is_planned_as_one_hot_labels(write_config, tiny):
    tiny["loss"] = "categorical_crossentropy"
    assert prepare(write_config(tiny)).spec.plan.one_hot


@pytest.mark.parametrize("change", [{"name": "other"}, {"device": "cpu"}, {"output": {"plots": False}}], ids=["name", "device", "output"])
def test_the_fingerprint_ignores_what_does_not_change_training(write_config, tiny, spec, change):
    assert prepare(write_config({**tiny, **change})).spec.fingerprint() == spec.fingerprint()


@pytest.mark.parametrize("change", [{"seed": 4}, {"optimizer": "sgd"}, {"training": {"epochs": 3, "batch_size": 64}}], ids=["seed", "optimizer", "epochs"])
def test_the_fingerprint_changes_with_what_is_trained(write_config, tiny, spec, change):
    assert prepare(write_config({**tiny, **change})).spec.fingerprint() != spec.fingerprint()


def test_the_fingerprint_does_not_depend_on_key_order(spec):
    config = spec.to_dict()
    assert fingerprint(dict(reversed(list(config.items())))) == spec.fingerprint()


@pytest.mark.parametrize("section", [Spec, DataSpec, ModelSpec, TrainingSpec, OutputSpec], ids=lambda c: c.__name__)
def test_every_field_has_one_line_of_help(section):
    assert all(field.metadata["help"] and "\n" not in field.metadata["help"] for field in config_fields(section))


def test_the_readme_key_table_lists_every_key():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    keys = [f.name for f in config_fields(Spec)]
    for name, section in (("data", DataSpec), ("model", ModelSpec), ("training", TrainingSpec), ("output", OutputSpec)):
        keys += [f"{name}.{f.name}" for f in config_fields(section)]
    keys = [key for key in keys if key not in ("data", "model", "training", "output")]
    assert [key for key in keys if f"`{key}`" not in readme] == []


@pytest.mark.parametrize(
    "optimizer, expected",
    [
        ({"type": "sgd", "learning_rate": 0.1}, "tiny (SGD, lr 0.1, batch 64)"),
        ("adam", "tiny (Adam, batch 64)"),
        (
            {"type": "sgd", "learning_rate": {"type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}},
            "tiny (SGD, lr ExponentialDecay, batch 64)",
        ),
    ],
    ids=["rate", "default", "schedule"],
)
def test_the_title_names_the_run_and_what_tells_it_apart(write_config, tiny, optimizer, expected):
    tiny["optimizer"] = optimizer
    assert prepare(write_config(tiny)).spec.title() == expected
