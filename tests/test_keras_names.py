import pytest

from nnlab.config import keras_names


@pytest.mark.parametrize(
    "kind, written, canonical",
    [
        ("optimizer", "sgd", "SGD"),
        ("optimizer", "rmsprop", "RMSprop"),
        ("optimizer", "Nadam", "Nadam"),
        ("layer", "batch_normalization", "BatchNormalization"),
        ("layer", "Conv2D", "Conv2D"),
        ("layer", "max_pooling2d", "MaxPooling2D"),
        ("layer", "AlphaDropout", "AlphaDropout"),
        ("initializer", "he_normal", "he_normal"),
        ("initializer", "TruncatedNormal", "TruncatedNormal"),
        ("regularizer", "l2", "l2"),
        ("loss", "mse", "mse"),
        ("schedule", "ExponentialDecay", "ExponentialDecay"),
    ],
)
def test_names_resolve_in_class_or_snake_case(kind, written, canonical):
    assert keras_names.lookup(kind, written).name == canonical


def test_unknown_name_resolves_to_none():
    assert keras_names.lookup("optimizer", "adamm") is None


def test_every_optimizer_of_the_lessons_is_known():
    lessons = ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"]
    assert all(keras_names.lookup("optimizer", name) for name in lessons)


def test_dense_takes_units_and_the_base_layer_arguments():
    params = keras_names.parameters(keras_names.lookup("layer", "Dense"))
    assert params.required == ["units"]
    assert {"activation", "kernel_initializer", "name", "dtype"} <= params.defaults.keys()
    assert not params.open


def test_optimizer_arguments_include_the_base_optimizer_ones():
    params = keras_names.parameters(keras_names.lookup("optimizer", "SGD"))
    assert params.defaults["momentum"] == 0.0
    assert "clipnorm" in params.defaults
    assert not params.open


def test_reading_the_catalogue_does_not_import_keras():
    import subprocess
    import sys

    code = "import sys; from nnlab.config import keras_names as k; k.parameters(k.lookup('layer', 'Dense')); print('keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
