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


def problems(write_config, config) -> list[str]:
    from nnlab.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        prepare(write_config(config))
    return [str(p) for p in caught.value.problems]


MOONS = {"type": "moons", "n_samples": 60}


def test_binary_crossentropy_on_a_ten_class_softmax_is_refused(write_config, tiny):
    tiny["loss"] = "binary_crossentropy"
    [line] = problems(write_config, tiny)
    assert "loss: 'binary_crossentropy' scores each of the 10 outputs as its own yes-or-no answer" in line


def test_a_one_unit_softmax_is_refused_at_its_activation(write_config, tiny):
    tiny["data"]["dataset"] = MOONS
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1, "activation": "softmax"}
    [line] = problems(write_config, tiny)
    assert "model.layers.1.activation: softmax over one unit always outputs 1" in line


@pytest.mark.parametrize("loss", ["mse", "mean_absolute_error", {"type": "Huber"}])
def test_a_regression_loss_on_class_labels_is_refused(write_config, tiny, loss):
    tiny["loss"] = loss
    [line] = problems(write_config, tiny)
    assert "is a regression loss, but digits has class labels; use sparse_categorical_crossentropy" in line


def test_a_regression_loss_on_one_hot_vectors_chosen_by_the_user_is_accepted(write_config, tiny):
    tiny["data"]["preprocessing"] = ["standardize", "one_hot"]
    tiny["loss"] = "mse"
    assert prepare(write_config(tiny)).spec.plan.one_hot


def test_a_regression_loss_on_labels_read_as_numbers_is_accepted(write_config, tiny, tmp_path):
    (tmp_path / "numbers.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)))
    tiny["data"] = {"dataset": {"type": "csv", "target": "y", "task": "regression"}, "path": str(tmp_path / "numbers.csv")}
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1}
    tiny["loss"] = "mse"
    assert prepare(write_config(tiny)).spec.plan.task == "regression"


def test_sparse_loss_on_one_hot_vectors_is_refused(write_config, tiny):
    tiny["data"]["preprocessing"] = ["one_hot"]
    tiny["loss"] = "sparse_categorical_crossentropy"
    [line] = problems(write_config, tiny)
    assert "takes class numbers, but the one_hot step makes one-hot vectors: use categorical_crossentropy" in line


def test_from_logits_after_a_softmax_is_refused(write_config, tiny):
    tiny["loss"] = {"type": "sparse_categorical_crossentropy", "from_logits": True}
    [line] = problems(write_config, tiny)
    assert "loss.from_logits: the output layer's softmax already gives probabilities" in line


def test_logits_into_a_loss_that_expects_probabilities_are_refused(write_config, tiny):
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 10}
    tiny["loss"] = "sparse_categorical_crossentropy"
    [line] = problems(write_config, tiny)
    assert "loss: the output layer has no activation, so it gives logits, but 'sparse_categorical_crossentropy' expects probabilities" in line


def test_an_output_activation_that_gives_no_probabilities_is_refused_for_cross_entropy(write_config, tiny):
    tiny["data"]["dataset"] = MOONS
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1, "activation": "tanh"}
    tiny["loss"] = "binary_crossentropy"
    [line] = problems(write_config, tiny)
    assert "expects probabilities, but the output layer's tanh does not give them" in line


def test_log_softmax_output_is_taken_as_logits_by_auto(write_config, tiny):
    tiny["model"]["layers"][1]["activation"] = "log_softmax"
    assert prepare(write_config(tiny)).spec.loss == {"type": "SparseCategoricalCrossentropy", "from_logits": True}


def test_snake_case_loss_with_arguments_resolves_to_the_class(write_config, tiny):
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 10}
    tiny["loss"] = {"type": "sparse_categorical_crossentropy", "from_logits": True}
    assert prepare(write_config(tiny)).spec.loss == {"type": "SparseCategoricalCrossentropy", "from_logits": True}
