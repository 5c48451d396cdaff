"""Findings from metrics and diagnostics rows, by hand: each finding shown by rows built for it, and a control."""

import pytest

from nnlab.runs.findings import find


def diag(epoch, layer, **values):
    return {"epoch": epoch, "layer": layer, "units": 10, **values}


def losses(*values, val=None):
    return [{"epoch": i + 1, "loss": v, **({"val_loss": val[i]} if val else {})} for i, v in enumerate(values)]


HEALTHY_METRICS = losses(2.0, 1.0, 0.6, 0.4, 0.3, 0.25, val=[2.1, 1.2, 0.8, 0.6, 0.55, 0.52])
HEALTHY_DIAGNOSTICS = [
    diag(e, layer, gradient_norm=g, unit_spread=0.5, dead_fraction=0.1, saturated_fraction=0.1, max_probability=0.2 if layer == "out" else None)
    for e in range(3)
    for layer, g in (("dense", 0.5), ("out", 1.0))
]


def names(found):
    return [(f.finding, f.layer) for f in found]


def test_a_healthy_run_has_no_finding():
    assert find(HEALTHY_METRICS, HEALTHY_DIAGNOSTICS, num_classes=10) == []


@pytest.mark.parametrize(
    "rows, expected",
    [
        ([diag(1, "dense", gradient_norm=1e-5), diag(1, "out", gradient_norm=0.1)], ("vanishing_gradients", "dense")),
        ([diag(1, "dense", gradient_norm=0.0), diag(1, "out", gradient_norm=0.1)], ("vanishing_gradients", "dense")),
        ([diag(1, "dense", gradient_norm=5e3), diag(1, "out", gradient_norm=1.0)], ("exploding_gradients", "dense")),
        ([diag(2, "dense", dead_fraction=0.7)], ("dead_units", "dense")),
        ([diag(1, "dense", saturated_fraction=0.9)], ("saturated_units", "dense")),
        ([diag(0, "out", max_probability=0.97)], ("saturated_output", "out")),
        ([diag(3, "dense", unit_spread=0.0)], ("symmetric_weights", "dense")),
    ],
    ids=["vanishing", "no-gradient", "exploding", "dead", "saturated", "over-confident", "symmetric"],
)
def test_each_layer_finding_is_found_from_its_rows(rows, expected):
    assert expected in names(find(HEALTHY_METRICS, rows, num_classes=10))


def test_a_flat_loss_is_not_learning():
    assert names(find(losses(2.30, 2.30, 2.29, 2.29, 2.29), [], 10)) == [("not_learning", None)]


def test_a_wandering_loss_is_not_learning():
    assert names(find(losses(5.9, 3.9, 3.6, 2.9, 3.0, 2.9, 2.6, 2.7, 2.5, 2.6), [], 10)) == [("not_learning", None)]


def test_a_loss_that_loses_ground_is_not_learning():
    rows = losses(8.8, 3.0, 2.5, 2.1, 1.5, 1.3, 0.62, 0.47, 0.49, 0.27, 0.45, 0.10, 0.066, 0.15, 0.13)  # the lesson's lr 10, on TensorFlow
    assert names(find(rows, [], 10)) == [("not_learning", None)]


def test_chance_accuracy_is_not_learning():
    rows = [{**row, "accuracy": 0.1} for row in losses(2.0, 1.5, 1.2, 1.0, 0.9)]
    assert names(find(rows, [], 10)) == [("not_learning", None)]


def test_rising_validation_loss_while_training_loss_falls_is_overfitting():
    found = find(losses(1.0, 0.8, 0.6, 0.4, 0.2, 0.1, val=[1.1, 0.9, 1.0, 1.2, 1.4, 1.6]), [], 10)
    assert names(found) == [("overfitting", None)]
    assert "best epoch 2" in found[0].evidence


def test_a_flat_validation_loss_wobbling_upwards_is_not_overfitting():
    assert find(losses(1.0, 0.9, 0.85, 0.8, 0.75, 0.7, val=[0.9, 0.9001, 0.9002, 0.9003, 0.9004, 0.9005]), [], 10) == []


def test_a_two_class_output_needs_more_confidence_to_be_saturated():
    assert find(HEALTHY_METRICS, [diag(0, "out", max_probability=0.9)], num_classes=2) == []


def test_a_finding_reads_as_one_sentence():
    [finding] = find(HEALTHY_METRICS, [diag(1, "dense_1", gradient_norm=1e-7), diag(1, "dense_3", gradient_norm=1.0)], 10)
    assert finding.sentence() == "dense_1: gradients 1e-07 times those of dense_3 (epoch 1): vanishing gradients"
