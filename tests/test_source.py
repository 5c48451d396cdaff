import pytest

from nnlab.config.source import apply_overrides, parse, read
from nnlab.errors import ConfigError

TEXT = """name: x
model:
  layers:
    - {type: Dense, units: 3}
    - type: Dense
      units: 10
optimizer: adam
"""


def test_every_key_knows_its_line():
    source = parse(TEXT, "x.yaml")
    assert source.locate(("model", "layers", 1, "units")) == ("x.yaml", 6)


def test_a_missing_key_is_located_at_its_parent():
    source = parse(TEXT, "x.yaml")
    assert source.locate(("model", "layers", 0, "activation")) == ("x.yaml", 4)


def test_yaml_syntax_error_names_file_and_line():
    with pytest.raises(ConfigError, match=r"^bad\.yaml:2: invalid YAML"):
        parse("a: 1\nb: c: 2\n", "bad.yaml")


def test_top_level_must_be_a_mapping():
    with pytest.raises(ConfigError, match="expected a mapping"):
        parse("- 1\n- 2\n", "list.yaml")


def test_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        read(tmp_path / "absent.yaml")


def test_override_sets_a_list_item_with_a_yaml_typed_value():
    source = apply_overrides(parse(TEXT), ["model.layers.0.units=256"])
    assert source.data["model"]["layers"][0]["units"] == 256


def test_override_expands_a_bare_name_into_a_mapping():
    source = apply_overrides(parse(TEXT), ["optimizer.learning_rate=0.01"])
    assert source.data["optimizer"] == {"type": "adam", "learning_rate": 0.01}


def test_overridden_key_is_blamed_on_set():
    source = apply_overrides(parse(TEXT, "x.yaml"), ["optimizer=sgd"])
    assert source.locate(("optimizer",)) == ("--set", None)


@pytest.mark.parametrize(
    "override, message",
    [("novalue", "expected KEY.PATH=VALUE"), ("model.layers.5.units=1", "out of range"), ("model.layers.x=1", "not a list index")],
)
def test_bad_override_is_reported(override, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(parse(TEXT), [override])


def test_a_problem_found_at_build_time_is_located_at_its_line():
    from nnlab.config.source import relocate
    from nnlab.errors import Problem

    error = ConfigError([Problem("model.layers.1", "Keras rejected Dense: bad", "x.yaml")])
    [problem] = relocate(error, parse(TEXT, "x.yaml")).problems
    assert str(problem) == "x.yaml:5: model.layers.1: Keras rejected Dense: bad"
