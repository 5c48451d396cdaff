"""A report built from hand-written run folders: columns, groups across seeds, ranking, selection and bad options."""

import json

import pytest

from nnlab.report.build import Options, ReportError, build
from nnlab.report.columns import columns
from nnlab.report.stats import SAME, WORSE
from tests.fake_runs import config, write_run, write_sweep

SGD = {"type": "SGD", "learning_rate": 0.1}
NESTEROV = {"type": "SGD", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True}
TINY_INIT = {"type": "TruncatedNormal", "stddev": 0.001}


def test_differing_values_are_columns_and_the_rest_is_shared_once():
    configs = [config(**{"optimizer.learning_rate": rate}, seed=seed, name=f"run{seed}") for rate in (0.1, 0.01) for seed in (0, 1)]
    found = columns(configs, ignore=("name", "output", "device"))
    assert found.differing == ["optimizer.learning_rate", "seed"]
    assert found.shared["optimizer.type"] == "SGD"
    assert found.shared["data"] == "{dataset: digits, test_split: 0.2, validation_split: 0.2, preprocessing: [standardize]}"
    assert "name" not in found.shared


@pytest.mark.parametrize(
    "path, first, second, column",
    [
        ("optimizer", SGD, {"type": "Adam"}, "optimizer"),
        ("optimizer", SGD, NESTEROV, "optimizer"),
        ("model.defaults.kernel_initializer", "glorot_uniform", TINY_INIT, "model.defaults.kernel_initializer"),
        ("model.layers", [{"type": "Dense", "units": 10}], [{"type": "Dense", "units": 5}, {"type": "Dense", "units": 10}], "model.layers"),
        ("model.layers.0.units", 100, 50, "model.layers.0.units"),
    ],
    ids=["object-type", "object-arguments", "name-or-object", "list-length", "list-item"],
)
def test_a_keras_object_that_changes_shape_is_one_column(path, first, second, column):
    assert columns([config(**{path: first}), config(**{path: second})]).differing == [column]


def test_runs_that_differ_only_in_seed_name_and_outputs_form_one_group(tmp_path):
    write_run(tmp_path / "a", config(seed=0, name="one"))
    write_run(tmp_path / "b", config(seed=1, name="two", **{"output.plots": True, "device": "cpu"}))
    write_run(tmp_path / "c", config(seed=0, **{"training.batch_size": 64}))
    report = build([tmp_path])
    assert sorted(len(group.entries) for group in report.groups) == [1, 2]


def test_groups_are_ranked_by_mean_and_compared_with_the_best(tmp_path):
    for seed, (good, close, bad) in enumerate([(0.90, 0.89, 0.80), (0.92, 0.93, 0.83), (0.94, 0.92, 0.86)]):
        write_run(tmp_path / f"good{seed}", config(seed=seed), val_accuracy=good)
        write_run(tmp_path / f"close{seed}", config(seed=seed, **{"optimizer.learning_rate": 0.05}), val_accuracy=close)
        write_run(tmp_path / f"bad{seed}", config(seed=seed, **{"optimizer.learning_rate": 0.01}), val_accuracy=bad)
    report = build([tmp_path], Options(metric="val_accuracy"))
    ranked = [(group.first.config["optimizer"]["learning_rate"], group.rank, group.comparison and group.comparison.verdict) for group in report.groups]
    assert ranked == [(0.1, 1, None), (0.05, 2, SAME), (0.01, 3, WORSE)]
    assert report.groups[2].spreads["val_accuracy"].mean == pytest.approx(0.83)


def test_a_metric_to_minimise_ranks_the_lowest_first(tmp_path):
    write_run(tmp_path / "a", config(), val_accuracy=0.9)  # val_loss 0.2
    write_run(tmp_path / "b", config(**{"optimizer.learning_rate": 0.01}), val_accuracy=0.5)  # val_loss 0.6
    report = build([tmp_path])
    assert (report.metric, report.direction) == ("val_loss", "min")
    assert report.groups[0].first.name == "a"


def test_the_direction_comes_from_the_summary_not_the_name(tmp_path):
    write_run(tmp_path / "a", config(), val_accuracy=0.9)
    write_run(tmp_path / "b", config(**{"optimizer.learning_rate": 0.01}), val_accuracy=0.5)
    for name in ("a", "b"):
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        summary["directions"]["accuracy"] = "min"  # as if Keras had said so
        (tmp_path / name / "summary.json").write_text(json.dumps(summary))
    report = build([tmp_path], Options(metric="val_accuracy"))
    assert (report.direction, report.groups[0].first.name) == ("min", "b")


def test_the_sweep_metric_is_the_default(tmp_path):
    write_sweep(tmp_path / "sweep", [(config(seed=0), 0.9), (config(seed=1), 0.8)], {"grid": {}, "metric": "val_accuracy"})
    assert build([tmp_path / "sweep" / "trials"]).metric == "val_accuracy"


def test_where_selects_runs_by_config_and_metric(tmp_path):
    write_run(tmp_path / "a", config(optimizer={"type": "Adam"}, **{"training.batch_size": 64}), val_accuracy=0.9)
    write_run(tmp_path / "b", config(**{"training.batch_size": 64}), val_accuracy=0.95)
    write_run(tmp_path / "c", config(optimizer={"type": "Adam"}), val_accuracy=0.95)
    report = build([tmp_path], Options(where='optimizer.type == "adam" and training.batch_size >= 32 or val_accuracy > 0.94 and config.loss != "x"'))
    assert sorted(item.name for item in report.selected) == ["a", "b", "c"]
    report = build([tmp_path], Options(where='optimizer == "Adam" and not val_accuracy > 0.94'))
    assert [item.name for item in report.selected] == ["a"]


def test_sort_and_top_choose_the_rows(tmp_path):
    for name, size, accuracy in (("a", 16, 0.8), ("b", 64, 0.9), ("c", 32, 0.7)):
        write_run(tmp_path / name, config(**{"training.batch_size": size}), val_accuracy=accuracy)
    assert [item.name for item in build([tmp_path], Options(sort="val_accuracy", top=2)).shown_runs()] == ["b", "a"]
    assert [item.name for item in build([tmp_path], Options(sort="training.batch_size")).shown_runs()] == ["a", "c", "b"]


def test_a_damaged_run_is_listed_with_its_reason_and_the_report_goes_on(tmp_path):
    write_run(tmp_path / "a", config())
    write_run(tmp_path / "b", config(seed=1)).joinpath("metrics.csv").write_text("epoch,loss\n1,0.5\n2,")
    report = build([tmp_path])
    [damaged] = report.problems
    assert damaged.status == "damaged" and "the last line is cut short" in damaged.cause
    assert [group.first.name for group in report.ranked] == ["a"]


def test_failed_runs_are_problems_with_their_cause_and_out_of_the_statistics(tmp_path):
    write_run(tmp_path / "a", config(seed=0), val_accuracy=0.9)
    write_run(tmp_path / "b", config(seed=1), status="diverged", error="the loss became NaN or infinite in epoch 1")
    report = build([tmp_path])
    assert [(item.status, item.cause) for item in report.problems] == [("diverged", "the loss became NaN or infinite in epoch 1")]
    assert report.groups[0].spreads["val_loss"].n == 1


@pytest.mark.parametrize(
    "options, message",
    [
        (Options(where="val_loss <"), "--where 'val_loss <': expected a value after '<' at column 10"),
        (Options(where="optimiser.type == 'adam'"), "--where: no run has the config path, metric or fact 'optimiser.type'; did you mean 'optimizer.type'?"),
        (Options(where="val_accuracy > 2"), "--where 'val_accuracy > 2': no run matches"),
        (Options(facet="optimiser"), "--facet: no run has the config path 'optimiser'; did you mean 'optimizer'?"),
        (Options(color="val_loss"), "--color: no run has the config path 'val_loss'"),
        (Options(metric="val_f1"), r"--metric: no run recorded 'val_f1' \(recorded: val_loss, val_accuracy, test_loss, test_accuracy, loss, accuracy\)"),
        (Options(sort="speed"), "--sort: no run has the config path, metric or fact 'speed'"),
        (Options(curve="val_f1"), "--curve: no run's metrics.csv has 'val_f1'"),
    ],
    ids=["where-syntax", "where-unknown-key", "where-matches-nothing", "facet", "color", "metric", "sort", "curve"],
)
def test_a_bad_option_is_one_line_naming_it(tmp_path, options, message):
    write_run(tmp_path / "a", config())
    with pytest.raises(ReportError, match=message):
        build([tmp_path], options)


def test_a_path_without_runs_or_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(ReportError, match="no run folders found"):
        build([tmp_path])
    with pytest.raises(ReportError, match="nowhere: no such file or folder"):
        build([tmp_path / "nowhere"])


def test_a_metric_without_a_recorded_direction_is_not_ranked_by_a_guess(tmp_path):
    summary_file = write_run(tmp_path / "a", config()) / "summary.json"
    summary = json.loads(summary_file.read_text())
    summary["best"]["val_f1"] = 0.5  # a metric whose direction Keras did not record
    summary_file.write_text(json.dumps(summary))
    with pytest.raises(ReportError, match="no run recorded whether 'val_f1' is better high or low"):
        build([tmp_path], Options(metric="val_f1"))


def test_every_metric_of_every_group_gets_n_mean_interval_sd_min_and_max(tmp_path):
    from nnlab.report.text import all_metrics_table

    for seed, accuracy in enumerate((0.90, 0.92, 0.94)):
        write_run(tmp_path / f"a{seed}", config(seed=seed), val_accuracy=accuracy)
    table = all_metrics_table(build([tmp_path]))
    assert table.header == ["rank", "metric", "n", "mean", "95% CI", "sd", "min", "max"]
    assert [row[1] for row in table.rows] == ["val_loss", "val_accuracy", "test_loss", "test_accuracy", "loss", "accuracy"]
    assert table.rows[1] == ["1", "val_accuracy", "3", "0.92", "[0.8703, 0.9697]", "0.02", "0.9", "0.94"]


def test_a_config_key_named_like_a_metric_is_read_from_the_config(tmp_path):
    write_run(tmp_path / "a", config(loss="mse"))
    write_run(tmp_path / "b", config(loss="binary_crossentropy"))
    report = build([tmp_path], Options())
    assert report.columns.differing == ["config.loss"]
    assert sorted(item.value("config.loss") for item in report.selected) == ["binary_crossentropy", "mse"]
