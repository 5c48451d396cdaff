"""Reading a config's YAML: duplicate keys refused, `1e-3` a number, size and alias expansion bounded."""

import time

import pytest

from nnlab.config.source import apply_overrides, parse, read
from nnlab.config.yaml_loader import MAX_BYTES, MAX_VALUES
from nnlab.errors import ConfigError

BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi")
)


def test_a_key_written_twice_is_refused_naming_both_lines():
    with pytest.raises(ConfigError, match=r"^x\.yaml:3: invalid YAML: duplicate key 'optimizer' \(first written on line 1\)"):
        parse("optimizer: adam\nseed: 1\noptimizer: sgd\n", "x.yaml")


def test_a_key_written_twice_inside_a_nested_mapping_is_refused():
    with pytest.raises(ConfigError, match=r"x\.yaml:2: invalid YAML: duplicate key 'units'"):
        parse("layers:\n  - {type: Dense, units: 3, units: 4}\n", "x.yaml")


def test_merge_keys_may_be_overridden_without_counting_as_duplicates():
    source = parse("base: &base {type: Dense, units: 3}\nlayer: {<<: *base, units: 4}\n")
    assert source.data["layer"] == {"type": "Dense", "units": 4}


@pytest.mark.parametrize("text, value", [("1e-3", 0.001), ("5E4", 50000.0), ("-2e+2", -200.0), ("1.0e-3", 0.001), (".5e1", 5.0)])
def test_numbers_with_an_exponent_and_no_dot_are_numbers(text, value):
    assert parse(f"learning_rate: {text}\n").data["learning_rate"] == value


@pytest.mark.parametrize("text", ["1e", "e5", "1e-3x"])
def test_text_that_only_looks_like_an_exponent_stays_text(text):
    assert parse(f"name: {text}\n").data["name"] == text


def test_an_override_reads_1e_minus_3_as_a_number():
    source = apply_overrides(parse("optimizer: {type: adam}\n"), ["optimizer.learning_rate=1e-3"])
    assert source.data["optimizer"]["learning_rate"] == 0.001


def test_a_config_over_the_size_limit_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("a: [" + ",".join(["1"] * (MAX_BYTES // 2 + 1)) + "]\n")
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"huge\.yaml: the file is 1\.0 MB; nnlab reads configs of at most 1 MB"):
        read(path)
    assert time.perf_counter() - started < 1


def test_billion_laughs_is_refused_at_once():
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=rf"laughs\.yaml:\d+: YAML aliases \(\*name\) expand to more than {MAX_VALUES:,} values"):
        parse(BILLION_LAUGHS, "laughs.yaml")
    assert time.perf_counter() - started < 1


def test_aliases_within_the_limit_are_read():
    assert parse("a: &a [1, 2]\nb: [*a, *a]\n").data["b"] == [[1, 2], [1, 2]]


def test_an_alias_inside_its_own_value_is_refused():
    with pytest.raises(ConfigError, match=r"x\.yaml:1: an alias refers to the value that contains it"):
        parse("a: &x [*x]\n", "x.yaml")


def test_nesting_too_deep_for_the_parser_is_one_line():
    with pytest.raises(ConfigError, match=r"x\.yaml: nested too deeply to read"):
        parse("a: " + "[" * 5000 + "]" * 5000 + "\n", "x.yaml")


def test_a_device_that_never_ends_is_read_no_further_than_the_limit():
    with pytest.raises(ConfigError, match="nnlab reads configs of at most 1 MB"):
        read("/dev/zero")
