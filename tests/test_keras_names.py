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


@pytest.mark.parametrize(
    "kind, name", [("layer", "Layer"), ("layer", "Input"), ("optimizer", "Optimizer"), ("loss", "Loss"), ("schedule", "LearningRateSchedule")]
)
def test_abstract_bases_are_not_names_a_config_can_use(kind, name):
    assert keras_names.lookup(kind, name) is None


@pytest.fixture
def unreadable_keras(tmp_path, monkeypatch):
    """An installed Keras whose API files are not where the catalogue reads them."""
    (tmp_path / "keras").mkdir()
    monkeypatch.setattr(keras_names, "keras_root", lambda: tmp_path / "keras")
    for cached in (keras_names.names, keras_names.layout_problem, keras_names.parameters):
        cached.cache_clear()
    yield
    for cached in (keras_names.names, keras_names.layout_problem, keras_names.parameters):
        cached.cache_clear()


def test_an_unreadable_keras_layout_is_named_not_raised(unreadable_keras):
    assert "cannot read" in keras_names.layout_problem()


def test_an_unreadable_keras_layout_accepts_names_as_written(unreadable_keras, write_config, tiny):
    from nnlab.experiment import prepare

    tiny["optimizer"] = {"type": "adam", "learning_rate": 0.01, "some_new_argument": 1}
    assert prepare(write_config(tiny)).spec.optimizer["type"] == "adam"


def test_validate_warns_once_when_names_cannot_be_checked(unreadable_keras, write_config, tiny):
    from typer.testing import CliRunner

    from nnlab.cli import app

    result = CliRunner().invoke(app, ["validate", str(write_config(tiny))])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("names will be checked when the model is built") == 1


KINDS = sorted(keras_names.KINDS)


@pytest.mark.train
@pytest.mark.parametrize("kind", KINDS)
def test_the_catalogue_names_what_the_imported_keras_has(kind):
    """The canary: every name read from Keras's files is an attribute or registry name of the imported Keras."""
    import keras

    from nnlab.training.build import MODULES

    module = MODULES.get(kind, keras.callbacks)
    registry = set()
    if hasattr(module, "get"):
        registry = {name for name in keras_names.names(kind) if _gettable(module, name)}
    missing = [name for name, entry in keras_names.names(kind).items() if entry.module and not hasattr(module, name) and name not in registry]
    assert missing == []


def _gettable(module, name):
    try:
        return module.get(name) is not None
    except ValueError:  # "Could not interpret ... identifier": Keras does not know the name
        return False
    except (TypeError, KeyError):  # known, but it needs arguments (Constant needs a value)
        return True


@pytest.mark.train
@pytest.mark.parametrize("kind", KINDS)
def test_the_catalogue_arguments_match_the_imported_constructors(kind):
    """For every class the catalogue closes (no open **kwargs), its arguments are the real constructor's."""
    import inspect

    import keras

    from nnlab.training.build import MODULES

    module = MODULES.get(kind, keras.callbacks)
    wrong = {}
    for name, entry in keras_names.names(kind).items():
        target = getattr(module, name, None)
        if not entry.is_class or not inspect.isclass(target):
            continue
        params = keras_names.parameters(entry)
        real = {p.name for p in inspect.signature(target.__init__).parameters.values() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)} - {"self"}
        if not real <= params.defaults.keys() | set(params.required):
            wrong[name] = sorted(real - (params.defaults.keys() | set(params.required)))
    assert wrong == {}
