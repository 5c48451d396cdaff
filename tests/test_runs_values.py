"""Config values as dotted paths and one-line labels, shared by the report and TensorBoard's hparams."""

import pytest

from nnlab.runs.values import fit, flatten, get, label, nodes, short_paths


@pytest.mark.parametrize(
    "value, text",
    [
        ({"type": "TruncatedNormal", "stddev": 0.001}, "TruncatedNormal(stddev=0.001)"),
        ({"type": "SGD", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, "SGD(learning_rate=0.1, momentum=0.9, nesterov=True)"),
        ({"type": "Adam"}, "Adam"),
        ({"type": "Dense", "units": 10, "activation": None}, "Dense(units=10)"),
        ("glorot_uniform", "glorot_uniform"),
        (["standardize", {"type": "flatten"}], "[standardize, flatten]"),
        ({"dataset": {"type": "digits"}, "path": None}, "{dataset: digits}"),
        (1.0, "1.0"),
        (1e-05, "1e-05"),
        (0.0031622776601683794, "0.00316228"),
        (None, "none"),
    ],
)
def test_a_value_gets_one_line_the_way_keras_spells_it(value, text):
    assert label(value) == text


def test_nodes_name_every_mapping_list_and_leaf_by_dotted_path():
    config = {"optimizer": {"type": "SGD"}, "model": {"layers": [{"units": 5}]}}
    assert [path for path, _ in nodes(config)] == ["optimizer", "optimizer.type", "model", "model.layers", "model.layers.0", "model.layers.0.units"]


def test_flatten_keeps_leaves_and_empty_containers():
    assert flatten({"a": {"b": 1, "c": []}, "d": [2, {}]}) == {"a.b": 1, "a.c": [], "d.0": 2, "d.1": {}}


@pytest.mark.parametrize("path, value", [("model.layers.1.units", 10), ("model.layers.2.units", None), ("optimizer.type", None)])
def test_get_reads_a_dotted_path_with_list_indices(path, value):
    assert get({"model": {"layers": [{"units": 5}, {"units": 10}]}, "optimizer": "adam"}, path) == value


def test_fit_shortens_long_labels_and_keeps_distinct_ones_distinct():
    fitted = fit(["SGD(learning_rate=0.1, momentum=0.9)", "SGD(learning_rate=0.1, momentum=0.5)", "Adam"], 20)
    assert fitted == {
        "SGD(learning_rate=0.1, momentum=0.9)": "SGD(learning_rate=0…",
        "SGD(learning_rate=0.1, momentum=0.5)": "SGD(learning_rate=0…#2",
        "Adam": "Adam",
    }


def test_short_paths_are_the_shortest_unique_tails():
    paths = ["optimizer.learning_rate", "model.defaults.kernel_initializer", "model.layers.0.units", "model.layers.1.units", "seed"]
    assert list(short_paths(paths).values()) == ["learning_rate", "kernel_initializer", "layers.0.units", "layers.1.units", "seed"]
