"""Layer shapes and parameter counts checked at validate time, without Keras."""

import pytest

from nnlab.config import shapes
from nnlab.config.spec import ModelSpec
from nnlab.errors import ConfigError
from nnlab.experiment import prepare

SOFTMAX_10 = {"type": "Dense", "units": 10, "activation": "softmax"}


def problems(write_config, config) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        prepare(write_config(config))
    return [str(p) for p in caught.value.problems]


def walk(layers, input_shape, defaults=None):
    """The output shape and parameter count the calculator gives."""
    shape, total = tuple(input_shape), 0
    for layer in layers:
        shape, count = shapes.RULES[layer["type"]](shape, shapes._arguments(layer, defaults or {}))
        total += count
    return shape, total


def test_a_conv2d_on_flat_features_is_refused_with_the_reshape_to_add(write_config, tiny):
    tiny["model"]["layers"].insert(0, {"type": "Conv2D", "filters": 4, "kernel_size": 3})
    [line] = problems(write_config, tiny)
    assert "model.layers.0: Conv2D: expects inputs of shape (height, width, channels) for one example, but it receives (64,)" in line
    assert "{type: reshape, target_shape: [8, 8, 1]} in data.preprocessing" in line


def test_a_reshape_that_does_not_hold_the_values_is_refused(write_config, tiny):
    tiny["model"]["layers"].insert(0, {"type": "Reshape", "target_shape": [7, 7]})
    [line] = problems(write_config, tiny)
    assert "model.layers.0.target_shape: Reshape: target_shape [7, 7] does not hold the 64 values of one example of shape (64,)" in line


def test_a_kernel_larger_than_its_input_is_refused(write_config, tiny):
    tiny["model"]["layers"][:0] = [{"type": "Reshape", "target_shape": [8, 8, 1]}, {"type": "Conv2D", "filters": 2, "kernel_size": 9}, "Flatten"]
    [line] = problems(write_config, tiny)
    assert "model.layers.1.kernel_size: Conv2D: kernel_size 9 is larger than the input it slides over (8 wide)" in line


def test_an_output_that_is_not_one_vector_per_example_asks_for_flatten(write_config, tiny):
    tiny["model"]["layers"].insert(0, {"type": "Reshape", "target_shape": [8, 8]})
    [line] = problems(write_config, tiny)
    assert "model.layers: the model's output for one example has shape (8, 10), but it must be a vector" in line
    assert "add Flatten" in line


def test_a_dense_layer_of_a_billion_units_is_refused_before_anything_is_built(write_config, tiny):
    tiny["model"]["layers"][0]["units"] = 10**9
    [line] = problems(write_config, tiny)
    assert "model.layers.0.units: the model would have 65,000,000,000 parameters up to this layer" in line
    assert "for the weights and their gradients alone, more than the" in line


def test_the_memory_check_compares_with_the_memory_free(write_config, tiny, monkeypatch):
    parameters = (64 * 16 + 16) + (16 * 10 + 10)
    monkeypatch.setattr(shapes, "available_memory", lambda: 8 * parameters)  # 8 bytes per parameter: weights and gradients
    prepare(write_config(tiny))
    monkeypatch.setattr(shapes, "available_memory", lambda: 8 * parameters - 1)
    [line] = problems(write_config, tiny)
    assert f"model.layers.1.units: the model would have {parameters:,} parameters up to this layer" in line


def test_an_unknown_layer_stops_the_check_quietly(write_config, tiny):
    tiny["model"]["layers"][:0] = [{"type": "Reshape", "target_shape": [8, 8]}, {"type": "LSTM", "units": 4}]
    assert prepare(write_config(tiny)).spec.model.layers[1]["type"] == "LSTM"


def test_channels_first_stops_the_check_quietly(write_config, tiny):
    tiny["model"]["layers"][:0] = [
        {"type": "Reshape", "target_shape": [1, 8, 8]},
        {"type": "Conv2D", "filters": 2, "kernel_size": 3, "data_format": "channels_first"},
        "Flatten",
    ]
    assert len(prepare(write_config(tiny)).spec.model.layers) == 5


def test_model_defaults_count_as_the_layer_arguments():
    assert walk([{"type": "Dense"}], (64,), {"units": 16, "use_bias": False}) == ((16,), 64 * 16)


@pytest.mark.parametrize(
    "layers, input_shape, expected",
    [
        ([{"type": "Dense", "units": 16}], (64,), ((16,), 64 * 16 + 16)),
        ([{"type": "Dense", "units": 16}], (28, 28), ((28, 16), 28 * 16 + 16)),
        ([{"type": "Flatten"}], (28, 28), ((784,), 0)),
        ([{"type": "Reshape", "target_shape": [-1, 1]}], (64,), ((64, 1), 0)),
        ([{"type": "Conv2D", "filters": 8, "kernel_size": 3}], (28, 28, 1), ((26, 26, 8), 3 * 3 * 8 + 8)),
        ([{"type": "Conv2D", "filters": 8, "kernel_size": [3, 5], "strides": 2, "padding": "same"}], (28, 28, 3), ((14, 14, 8), 15 * 3 * 8 + 8)),
        ([{"type": "Conv1D", "filters": 4, "kernel_size": 3, "dilation_rate": 2}], (20, 2), ((16, 4), 3 * 2 * 4 + 4)),
        ([{"type": "MaxPooling2D"}], (27, 27, 4), ((13, 13, 4), 0)),
        ([{"type": "AveragePooling1D", "pool_size": 3, "strides": 1, "padding": "same"}], (10, 4), ((10, 4), 0)),
        ([{"type": "GlobalAveragePooling2D"}], (7, 7, 32), ((32,), 0)),
        ([{"type": "BatchNormalization"}], (100,), ((100,), 400)),
        ([{"type": "LayerNormalization", "center": False}], (100,), ((100,), 100)),
        ([{"type": "Embedding", "input_dim": 1000, "output_dim": 8}], (20,), ((20, 8), 8000)),
        ([{"type": "Dropout", "rate": 0.5}], (5, 3), ((5, 3), 0)),
    ],
)
def test_shapes_and_parameters_follow_keras(layers, input_shape, expected):
    assert walk(layers, input_shape) == expected


MODELS = [
    ((64,), [{"type": "Dense", "units": 16, "activation": "relu"}, {"type": "BatchNormalization"}, {"type": "Dense", "units": 10}]),
    (
        (28, 28),
        [
            {"type": "Reshape", "target_shape": [28, 28, 1]},
            {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
            {"type": "MaxPooling2D", "pool_size": 2},
            {"type": "Conv2D", "filters": 4, "kernel_size": [3, 2], "dilation_rate": 1, "use_bias": False},
            {"type": "GlobalMaxPooling2D"},
            {"type": "Dense", "units": 10},
        ],
    ),
    (
        (20, 3),
        [
            {"type": "Conv1D", "filters": 6, "kernel_size": 5, "padding": "causal"},
            {"type": "AveragePooling1D", "pool_size": 2},
            "Flatten",
            {"type": "Dense", "units": 2},
        ],
    ),
    ((12,), [{"type": "Embedding", "input_dim": 50, "output_dim": 4}, {"type": "LayerNormalization"}, "Flatten", {"type": "Dense", "units": 3}]),
]


@pytest.mark.train
@pytest.mark.parametrize("input_shape, layers", MODELS, ids=["mlp", "cnn", "conv1d", "embedding"])
def test_the_calculator_agrees_with_keras(input_shape, layers):
    import keras

    from nnlab.training.build import build_model

    layers = [{"type": layer} if isinstance(layer, str) else layer for layer in layers]
    model = build_model(ModelSpec(layers=layers), input_shape, "canary")
    assert walk(layers, input_shape) == (tuple(model.output_shape[1:]), model.count_params())
    assert keras.backend.backend()
