"""Keras objects in a config: what a name stands for, and what validate refuses so train never has to."""

import pytest

from nnlab.errors import ConfigError
from nnlab.experiment import prepare


def problems(write_config, config, **options) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        prepare(write_config(config), **options)
    return [str(p) for p in caught.value.problems]


def test_the_lessons_zero_initializer_is_accepted_as_written(write_config, tiny):
    tiny["model"]["defaults"] = {"kernel_initializer": "zero"}
    assert prepare(write_config(tiny)).spec.model.defaults == {"kernel_initializer": "zero"}


def test_a_registry_alias_as_a_mapping_names_its_class(write_config, tiny):
    tiny["model"]["layers"][0]["kernel_initializer"] = {"type": "zero"}
    assert prepare(write_config(tiny)).spec.model.layers[0]["kernel_initializer"] == {"type": "Zeros"}


def test_a_snake_case_metric_with_arguments_resolves_to_the_class(write_config, tiny):
    tiny["metrics"] = [{"type": "sparse_top_k_categorical_accuracy", "k": 3}]
    assert prepare(write_config(tiny)).spec.metrics == [{"type": "SparseTopKCategoricalAccuracy", "k": 3}]


def test_a_function_named_as_a_mapping_without_arguments_is_its_bare_name(write_config, tiny):
    tiny["model"]["layers"][0]["activation"] = {"type": "relu"}
    assert prepare(write_config(tiny)).spec.model.layers[0]["activation"] == "relu"


def test_an_activation_with_arguments_points_to_its_layer(write_config, tiny):
    tiny["model"]["layers"][0]["activation"] = {"type": "leaky_relu", "negative_slope": 0.1}
    [line] = problems(write_config, tiny)
    assert "model.layers.0.activation.type: the activation leaky_relu is a function and takes no arguments here" in line
    assert "{type: LeakyReLU, ...}" in line


def test_accuracy_with_arguments_is_refused(write_config, tiny):
    tiny["metrics"] = [{"type": "accuracy", "name": "acc"}]
    [line] = problems(write_config, tiny)
    assert "metrics.0.type: accuracy takes no arguments (Keras picks the variant that fits the labels)" in line


def test_a_bare_class_name_that_needs_arguments_is_refused(write_config, tiny):
    tiny["metrics"] = ["accuracy", "MeanIoU"]
    [line] = problems(write_config, tiny)
    assert "metrics.1: MeanIoU needs the argument(s) num_classes: write {type: MeanIoU, num_classes: ...}" in line


def test_a_layer_whose_constructor_requires_one_of_two_arguments_is_refused(write_config, tiny):
    tiny["model"]["layers"].insert(0, "Discretization")
    [line] = problems(write_config, tiny)
    assert "model.layers.0: Discretization needs the argument num_bins or bin_boundaries" in line


@pytest.mark.parametrize("rate", [2, 1, -0.1])
def test_a_dropout_rate_outside_0_to_1_is_refused(write_config, tiny, rate):
    tiny["model"]["layers"].insert(1, {"type": "Dropout", "rate": rate})
    [line] = problems(write_config, tiny)
    assert f"model.layers.1.rate: expected the fraction of inputs to drop, 0 <= rate < 1 (got {rate})" in line


def test_null_for_an_argument_keras_computes_with_is_refused(write_config, tiny):
    tiny["optimizer"] = {"type": "adam", "beta_1": None}
    [line] = problems(write_config, tiny)
    assert "optimizer.beta_1: expected a number (got null)" in line


@pytest.mark.parametrize("layer", [{"type": "TFSMLayer", "filepath": "model_dir"}, {"type": "Lambda", "function": "x"}], ids=["TFSMLayer", "Lambda"])
def test_layers_that_run_outside_code_are_refused_and_say_why(write_config, tiny, layer):
    tiny["model"]["layers"].insert(0, layer)
    [line] = problems(write_config, tiny)
    assert f"model.layers.0.type: {layer['type']} " in line
    assert "not safe to train unless you trust where it came from; nnlab refuses it without --allow-external-code" in line


def test_allow_external_code_lets_a_tfsmlayer_through_validation(write_config, tiny):
    tiny["model"]["layers"].insert(0, {"type": "TFSMLayer", "filepath": "model_dir"})
    assert prepare(write_config(tiny), allow_external_code=True).spec.model.layers[0]["type"] == "TFSMLayer"


def test_validate_takes_allow_external_code_on_the_command_line(write_config, tiny):
    from typer.testing import CliRunner

    from nnlab.cli import app

    tiny["model"]["layers"].insert(0, {"type": "TFSMLayer", "filepath": "model_dir"})
    path = str(write_config(tiny))
    refused, allowed = CliRunner().invoke(app, ["validate", path]), CliRunner().invoke(app, ["validate", path, "--allow-external-code"])
    assert (refused.exit_code, allowed.exit_code) == (2, 0), allowed.output


@pytest.mark.train
def test_a_crafted_savedmodel_named_by_tfsmlayer_runs_nothing_without_the_opt_in(write_config, tiny, tmp_path):
    import numpy as np
    import tensorflow as tf
    from typer.testing import CliRunner

    from nnlab.cli import app
    from nnlab.training.build import build_layer

    marker = tmp_path / "code-ran"

    class Crafted(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 64], tf.float32)])
        def serve(self, x):
            tf.io.write_file(str(marker), "ran")  # any op a SavedModel holds runs when the layer is called
            return x[:, :16]

    tf.saved_model.save(Crafted(), str(tmp_path / "crafted"))
    layer = {"type": "TFSMLayer", "filepath": str(tmp_path / "crafted"), "call_endpoint": "serve"}
    build_layer(layer, {})(np.zeros((1, 64), "float32"))
    assert marker.exists(), "the crafted model must run its op when called, or this test proves nothing"
    marker.unlink()

    tiny["model"]["layers"][0] = layer
    result = CliRunner().invoke(app, ["train", str(write_config(tiny)), "--runs-dir", str(tmp_path / "runs"), "-q"])
    assert result.exit_code == 2
    assert "--allow-external-code" in result.stderr
    assert not marker.exists() and not (tmp_path / "runs").exists()


@pytest.mark.train
def test_an_argument_only_keras_rejects_is_one_line_at_its_key_with_exit_2(write_config, tiny, tmp_path):
    from typer.testing import CliRunner

    from nnlab.cli import app

    tiny["model"]["layers"][:0] = [
        {"type": "Reshape", "target_shape": [8, 8, 1]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "padding": "bogus"},
        "Flatten",
    ]
    path = write_config(tiny)
    result = CliRunner().invoke(app, ["train", str(path), "--runs-dir", str(tmp_path / "runs"), "-q"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}:") and ": model.layers.1: Keras rejected Conv2D: " in line
    assert not (tmp_path / "runs").exists()
