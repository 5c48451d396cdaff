"""Sweep files: base merged, the sweep section checked, trials expanded and validated before anything runs."""

from pathlib import Path

import pytest
import yaml

from nnlab.errors import ConfigError
from nnlab.sweep.expand import draw, set_path
from nnlab.sweep.file import read_sweep
from nnlab.sweep.section import Distribution
from nnlab.sweep.trials import prepare_sweep
from tests.conftest import TINY


@pytest.fixture
def base(tmp_path):
    """The tiny digits experiment as a base file beside the sweep files."""
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    return tmp_path / "base.yaml"


def sweep_file(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def prepare(path: Path):
    return prepare_sweep(read_sweep(path))


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        prepare(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_sweep_file_overrides_its_base_merging_mappings_key_by_key(tmp_path, base):
    path = sweep_file(tmp_path, "base: base.yaml\ntraining: {epochs: 1}\nsweep: {repeats: 1}\n")
    source = read_sweep(path)
    assert source.data["training"] == {"epochs": 1, "batch_size": 64}
    assert "base" not in source.data


def test_a_list_in_the_sweep_file_replaces_the_base_list_whole(tmp_path, base):
    path = sweep_file(tmp_path, "base: base.yaml\nmodel: {layers: [{type: Dense, units: 10, activation: softmax}]}\nsweep: {repeats: 1}\n")
    assert len(read_sweep(path).data["model"]["layers"]) == 1


def test_the_base_is_found_relative_to_the_sweep_file_not_the_working_directory(tmp_path, base, monkeypatch):
    (tmp_path / "sub").mkdir()
    path = sweep_file(tmp_path / "sub", "base: ../base.yaml\nsweep: {repeats: 1}\n")
    monkeypatch.chdir("/")
    assert read_sweep(path).data["name"] == "tiny"


def test_a_problem_in_a_base_key_points_at_the_base_file_and_line(tmp_path, base):
    text = base.read_text().replace("epochs: 2", "epochs: 0")
    base.write_text(text)
    line = text.splitlines().index(next(row for row in text.splitlines() if "epochs: 0" in row)) + 1
    found = problems(sweep_file(tmp_path, "base: base.yaml\nsweep: {repeats: 1}\n"))
    assert found == [f"{base}:{line}: training.epochs: expected an integer >= 1 (got 0)"]


@pytest.mark.parametrize(
    "base_line, message",
    [
        ("base: nowhere.yaml", "base: no such file 'nowhere.yaml'"),
        ("base: sweep.yaml", "a base cannot include itself"),
        ("base: 3", "expected the path of a config file"),
    ],
    ids=["missing", "itself", "not-a-path"],
)
def test_a_bad_base_is_one_located_line(tmp_path, base_line, message):
    found = problems(sweep_file(tmp_path, f"{base_line}\nsweep: {{repeats: 1}}\n"))
    assert len(found) == 1 and message in found[0] and found[0].startswith(f"{tmp_path / 'sweep.yaml'}:1:")


def test_the_grid_is_the_product_of_its_lists_times_the_seeds(tmp_path, base):
    path = sweep_file(tmp_path, "base: base.yaml\nsweep:\n  grid:\n    model.layers.0.units: [8, 16, 32]\n    optimizer: [adam, sgd]\n  seeds: [5, 6]\n")
    sweep = prepare(path)
    assert len(sweep.trials) == 12
    assert {(t.values["model.layers.0.units"], t.values["optimizer"], t.spec.seed) for t in sweep.trials} == {
        (units, opt, seed) for units in (8, 16, 32) for opt in ("adam", "sgd") for seed in (5, 6)
    }


def test_repeats_runs_every_point_with_seeds_from_zero(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {repeats: 3}\n"))
    assert [trial.spec.seed for trial in sweep.trials] == [0, 1, 2]


def test_without_seeds_every_trial_keeps_the_experiments_seed(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16]}}\n"))
    assert {trial.spec.seed for trial in sweep.trials} == {TINY["seed"]}


def test_a_swept_value_reaches_the_trials_spec_through_list_indices(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {grid: {model.layers.0.units: [7]}}\n"))
    assert sweep.trials[0].spec.model.layers[0]["units"] == 7


def test_a_swept_key_inside_a_named_object_expands_the_shorthand(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\noptimizer: sgd\nsweep: {grid: {optimizer.learning_rate: [0.5]}}\n"))
    assert sweep.trials[0].spec.optimizer == {"type": "SGD", "learning_rate": 0.5}


def test_trial_ids_are_fingerprints_that_do_not_depend_on_the_grids_order(tmp_path, base):
    one = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16], optimizer: [adam, sgd]}}\n", "a.yaml"))
    two = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {grid: {optimizer: [sgd, adam], model.layers.0.units: [16, 8]}}\n", "b.yaml"))
    assert sorted(t.id for t in one.trials) == sorted(t.id for t in two.trials)
    assert all(trial.id == trial.spec.fingerprint() for trial in one.trials)


def test_the_seed_is_part_of_a_trials_id(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {repeats: 2}\n"))
    assert len({trial.id for trial in sweep.trials}) == 2


def test_random_points_are_drawn_with_the_sweeps_seed_inside_every_grid_point(tmp_path, base):
    text = (
        "base: base.yaml\nsweep:\n  grid: {model.layers.0.units: [8, 16]}\n"
        "  random: {samples: 3, params: {optimizer.learning_rate: {loguniform: [0.0001, 0.1]}}}\n  seed: 4\n"
    )
    first, again = prepare(sweep_file(tmp_path, text, "a.yaml")), prepare(sweep_file(tmp_path, text, "b.yaml"))
    rates = [trial.values["optimizer.learning_rate"] for trial in first.trials]
    assert len(first.trials) == 6
    assert rates == [trial.values["optimizer.learning_rate"] for trial in again.trials]
    assert rates[:3] == rates[3:] and len(set(rates)) == 3


@pytest.mark.parametrize(
    "kind, args, check",
    [
        ("uniform", [0.2, 0.4], lambda v: isinstance(v, float) and 0.2 <= v <= 0.4),
        ("loguniform", [0.001, 0.1], lambda v: isinstance(v, float) and 0.001 <= v <= 0.1),
        ("int", [3, 5], lambda v: isinstance(v, int) and 3 <= v <= 5),
        ("choice", ["adam", "sgd"], lambda v: v in ("adam", "sgd")),
    ],
)
def test_each_distribution_draws_values_of_its_kind_in_its_range(kind, args, check):
    values = [point["x"] for point in draw([Distribution("x", ("x",), kind, args)], 50, seed=1)]
    assert all(check(value) for value in values)
    assert len(set(map(str, values))) > 1


def test_trials_default_to_cheap_outputs_unless_the_sweep_file_switches_one_on(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\noutput: {plots: true}\nsweep: {repeats: 1}\n"))
    output = sweep.trials[0].spec.output
    assert (output.plots, output.tensorboard, output.model) == (True, False, False)


def test_the_sweep_is_named_by_its_own_file_not_its_base(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {repeats: 1}\n", "lr-study.yaml"))
    assert sweep.name == "lr-study"
    assert sweep.trials[0].spec.name == "lr-study"


def test_the_metric_defaults_to_val_loss(tmp_path, base):
    assert prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {repeats: 1}\n")).metric == "val_loss"


def test_the_resolved_sweep_reads_back_to_the_same_trials(tmp_path, base):
    sweep = prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16]}, repeats: 2}\n"))
    again = prepare(sweep_file(tmp_path, yaml.safe_dump(sweep.resolved, sort_keys=False), "resolved.yaml"))
    assert [t.id for t in again.trials] == [t.id for t in sweep.trials]


@pytest.mark.parametrize(
    "section, expected",
    [
        ("{grid: {modle.layers.0.units: [8]}}", "sweep.grid.modle.layers.0.units: unknown key 'modle'; did you mean 'model'?"),
        ("{grid: {model.layers.5.units: [8]}}", "sweep.grid.model.layers.5.units: index 5 is out of range: model.layers has 2 items"),
        ("{grid: {training.epoch: [1]}}", "training.epoch: unknown key 'epoch'; did you mean 'epochs'?"),
        ("{grid: {}}", "sweep.grid: expected a mapping of dotted keys to lists of values"),
        ("{grid: {optimizer: []}}", "sweep.grid.optimizer: expected a non-empty list of values (got [])"),
        ("{random: {samples: 2, params: {optimizer.learning_rate: {uniform: [0.1, 0.01]}}}}", "low is greater than high (0.1 > 0.01)"),
        ("{random: {samples: 2, params: {optimizer.learning_rate: {loguniform: [0, 0.01]}}}}", "both bounds must be > 0 for a log scale (got 0)"),
        ("{random: {samples: 0, params: {optimizer.learning_rate: {loguniform: [0.001, 0.01]}}}}", "sweep.random.samples: expected an integer >= 1 (got 0)"),
        ("{random: {samples: 2, params: {optimizer.learning_rate: {normal: [0, 1]}}}}", "expected one of {choice: [...]}"),
        ("{grid: {seed: [1, 2]}}", "sweep.grid.seed: seeds are swept with sweep.seeds or sweep.repeats"),
        ("{seeds: [1, 1]}", "sweep.seeds: a seed is listed twice"),
        ("{seeds: [1], repeats: 2}", "sweep.repeats: give seeds or repeats, not both"),
        ("{}", "sweep: nothing to sweep: give grid, random, seeds or repeats"),
        ("{repeats: 1, metric: val_acc}", "sweep.metric: 'val_acc' is not a metric of the trials; expected one of loss, accuracy, val_loss"),
        ("{grids: {optimizer: [adam]}}", "sweep.grids: unknown key 'grids'; did you mean 'grid'?"),
    ],
    ids=lambda value: value if len(value) < 40 else None,
)
def test_a_bad_sweep_section_is_one_located_line(tmp_path, base, section, expected):
    found = problems(sweep_file(tmp_path, f"base: base.yaml\nsweep: {section}\n"))
    assert len(found) == 1, found
    assert found[0].startswith(f"{tmp_path / 'sweep.yaml'}:2: ")
    assert expected in found[0]


def test_a_problem_of_some_trials_names_the_swept_values_that_cause_it(tmp_path, base):
    found = problems(sweep_file(tmp_path, "base: base.yaml\nsweep:\n  grid:\n    model.layers.1.units: [10, 5]\n    optimizer: [adam, sgd]\n  repeats: 2\n"))
    assert found == [
        f"{tmp_path / 'sweep.yaml'}:4: model.layers.1.units: the output layer must have one unit per class: 10 for digits (got 5) (for model.layers.1.units=5)"
    ]


def test_a_swept_value_that_is_wrong_is_located_at_its_item_in_the_grid(tmp_path, base):
    found = problems(sweep_file(tmp_path, "base: base.yaml\nsweep:\n  grid:\n    optimizer:\n      - adam\n      - adamm\n"))
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'sweep.yaml'}:6: optimizer.type: unknown optimizer 'adamm'")
    assert found[0].endswith("(for optimizer=adamm)")


@pytest.mark.parametrize("grid", ["{device: [cpu, auto]}", "{optimizer: [adam, {type: Adam}]}"], ids=["not-identity", "two-spellings"])
def test_two_trials_that_are_the_same_experiment_are_refused(tmp_path, base, grid):
    found = problems(sweep_file(tmp_path, f"base: base.yaml\nsweep: {{grid: {grid}}}\n"))
    assert len(found) == 1 and "two trials are the same experiment" in found[0]


def test_each_dataset_is_loaded_once_for_validating_every_trial(tmp_path, base, monkeypatch):
    from nnlab import data

    loads = []
    real = data.load
    monkeypatch.setattr(data, "load", lambda section, seed: loads.append(seed) or real(section, seed))
    prepare(sweep_file(tmp_path, "base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16, 32]}, repeats: 3}\n"))
    assert len(loads) == 1


@pytest.mark.parametrize(
    "data, path, expected",
    [
        ({"a": {"b": 1}}, ("a", "c"), {"a": {"b": 1, "c": 9}}),
        ({"a": [1, 2]}, ("a", 1), {"a": [1, 9]}),
        ({"a": "adam"}, ("a", "rate"), {"a": {"type": "adam", "rate": 9}}),
        ({}, ("a", "b"), {"a": {"b": 9}}),
    ],
    ids=["mapping", "list-index", "name-shorthand", "new-mapping"],
)
def test_set_path_sets_nested_keys(data, path, expected):
    assert set_path(data, path, 9) is None
    assert data == expected


@pytest.mark.parametrize(
    "data, path, message",
    [({"a": [1]}, ("a", 3), "index 3 is out of range"), ({"a": [1]}, ("a", "x"), "is not an index"), ({"a": 3}, ("a", "b"), "cannot set a key inside a")],
    ids=["out-of-range", "not-an-index", "inside-a-number"],
)
def test_set_path_says_why_a_path_cannot_be_set(data, path, message):
    assert message in (set_path(data, path, 9) or "")
