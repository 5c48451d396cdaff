"""`loss: auto` picks what a Keras user would pick by hand."""

import pytest

from nnlab.experiment import prepare


@pytest.mark.parametrize(
    "dataset, output, expected",
    [
        ("digits", {"type": "Dense", "units": 10, "activation": "softmax"}, "sparse_categorical_crossentropy"),
        ("digits", {"type": "Dense", "units": 10}, {"type": "SparseCategoricalCrossentropy", "from_logits": True}),
        ({"type": "moons", "n_samples": 50}, {"type": "Dense", "units": 1, "activation": "sigmoid"}, "binary_crossentropy"),
        ({"type": "regression", "n_samples": 50, "n_features": 3}, {"type": "Dense", "units": 1}, "mean_squared_error"),
    ],
)
def test_auto_loss(write_config, tiny, dataset, output, expected):
    tiny["data"]["dataset"] = dataset
    tiny["model"]["layers"][1] = output
    assert prepare(write_config(tiny)).spec.loss == expected


def test_a_trailing_activation_layer_counts_as_the_output_activation(write_config, tiny):
    tiny["model"]["layers"] = [{"type": "Dense", "units": 10}, {"type": "Activation", "activation": "softmax"}]
    assert prepare(write_config(tiny)).spec.loss == "sparse_categorical_crossentropy"


def test_auto_metrics_follow_the_task(write_config, tiny):
    tiny["data"]["dataset"] = {"type": "regression", "n_samples": 50, "n_features": 3}
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1}
    assert prepare(write_config(tiny)).spec.metrics == ["mae"]
