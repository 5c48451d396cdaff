"""Training dynamics, trained for real: schedules as the lessons' formulas say, the lessons' callbacks, diagnostics and findings."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

pytestmark = pytest.mark.train
LESSONS = Path(__file__).parent.parent / "configs" / "lessons"


def train(config, tmp_path, *overrides):
    """Train in this process; returns (spec, result, metrics rows)."""
    from nnlab.experiment import prepare
    from nnlab.runs.folder import create
    from nnlab.runs.metrics import read_metrics
    from nnlab.training.run import run

    experiment = prepare(config, list(overrides))
    result = run(experiment.spec, experiment.dataset, create(tmp_path, "x"), verbose=False)
    return experiment.spec, result, read_metrics(result.folder.metrics)


def write(tmp_path, config):
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_an_epoch_schedule_lowers_the_rate_as_the_lessons_formula_says(tiny, tmp_path):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": 0.01}
    tiny["schedule"] = {"type": "exponential_decay", "decay_steps": 20, "decay_rate": 0.1}
    tiny["training"]["epochs"] = 4
    _, _, rows = train(write(tmp_path, tiny), tmp_path)
    expected = [0.01 * 0.1 ** (epoch / 20) for epoch in range(4)]  # lr0 * 0.1 ** (epoch / 20), epochs counted from 0
    np.testing.assert_allclose([row["learning_rate"] for row in rows], expected, rtol=1e-6)


def test_a_step_schedule_is_power_scheduling(tiny, tmp_path):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": 0.01}
    tiny["schedule"] = {"type": "inverse_time_decay", "per": "step", "decay_steps": 1, "decay_rate": 0.01}
    tiny["training"]["epochs"] = 3
    spec, _, rows = train(write(tmp_path, tiny), tmp_path)
    steps = spec.plan.steps_per_epoch
    expected = [0.01 / (1 + 0.01 * steps * epoch) for epoch in (1, 2, 3)]  # Keras 2's decay: lr0 / (1 + decay * iterations)
    np.testing.assert_allclose([row["learning_rate"] for row in rows], expected, rtol=1e-5)


def test_one_cycle_rises_to_its_peak_then_falls(tiny, tmp_path):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": 0.01}
    tiny["schedule"] = {"type": "one_cycle", "max_learning_rate": 0.1}
    tiny["training"]["epochs"] = 8
    _, result, rows = train(write(tmp_path, tiny), tmp_path)
    rates = [row["learning_rate"] for row in rows]
    peak = int(np.argmax(rates))
    assert 0 < peak < 7 and rates[peak] <= 0.1 and rates[-1] < rates[0]
    assert (result.folder.plots / "learning_rate.png").is_file()


def test_reduce_on_plateau_halves_the_rate_when_the_metric_stalls(tiny, tmp_path):
    tiny["schedule"] = {"type": "reduce_on_plateau", "monitor": "loss", "factor": 0.5, "patience": 1, "min_delta": 100}
    tiny["training"]["epochs"] = 3
    _, _, rows = train(write(tmp_path, tiny), tmp_path)
    # No improvement at the end of epoch 2: the rate used from epoch 3 on is halved.
    assert [row["learning_rate"] for row in rows] == pytest.approx([0.01, 0.01, 0.005])


def test_model_checkpoint_keeps_the_best_weights(tiny, tmp_path):
    tiny["training"]["model_checkpoint"] = True
    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    assert result.folder.best_weights.stat().st_size > 0


def test_a_time_limit_stops_cleanly_as_completed(tiny, tmp_path):
    tiny["training"].update(epochs=1000, time_limit=0.002)  # 0.12 s
    _, result, rows = train(write(tmp_path, tiny), tmp_path)
    assert result.status == "completed" and len(rows) < 1000
    assert result.summary["stopped_early"]["by"] == "time_limit"


def test_a_loss_ten_times_its_start_ends_the_run_as_diverged(tiny, tmp_path):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": 1e30}
    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    record = json.loads(result.folder.record.read_text())
    assert record["status"] == "diverged" and record["diverged_epoch"] == 1 and "last_finite_loss" in record
    assert [f["finding"] for f in result.summary["findings"]][-1] == "diverged"


def test_gradient_clipping_reaches_keras(tiny, tmp_path):
    """With clipnorm, one SGD step moves the weights by at most learning_rate * clipnorm."""
    import keras

    from nnlab.experiment import prepare
    from nnlab.training.build import build_compiled

    tiny["optimizer"] = {"type": "sgd", "learning_rate": 1.0, "clipnorm": 0.001}
    experiment = prepare(write(tmp_path, tiny))
    keras.utils.set_random_seed(0)
    model = build_compiled(experiment.spec, experiment.dataset.input_shape)
    assert model.optimizer.clipnorm == 0.001
    before = [np.array(w) for w in model.trainable_weights]
    model.train_on_batch(experiment.dataset.x_train[:64], experiment.dataset.y_train[:64])
    moved = [np.linalg.norm(np.array(w) - b) for w, b in zip(model.trainable_weights, before)]
    assert max(moved) <= 1.0 * 0.001 * (1 + 1e-5)


def test_tensorboard_histograms_are_written_when_asked(tiny, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tiny["training"]["tensorboard"] = {"histogram_freq": 1}
    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    events = EventAccumulator(str(result.folder.tensorboard / "train"), size_guidance={"histograms": 0}).Reload()
    assert any(tag.endswith("kernel") for tag in events.Tags()["histograms"])


def test_diagnostics_record_every_layer_every_epoch_and_draw_the_gradients(tiny, tmp_path):
    from nnlab.runs.diagnostics import read_diagnostics

    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    rows = read_diagnostics(result.folder.diagnostics)
    assert [(row["epoch"], row["layer"]) for row in rows] == [(e, layer) for e in range(3) for layer in ("dense", "dense_1")]
    assert all(row["gradient_norm"] > 0 for row in rows)
    assert (result.folder.plots / "gradients.png").is_file() and (result.folder.plots / "activations.png").is_file()


def test_diagnostics_can_be_switched_off(tiny, tmp_path):
    tiny["training"]["diagnostics"] = False
    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    assert not result.folder.diagnostics.exists() and result.summary["findings"] == []


@pytest.mark.parametrize(
    "lesson, expected",
    [
        ("digits_lr0001.yaml", {"not_learning"}),
        ("digits_zero_init.yaml", {"symmetric_weights"}),
        ("digits_large_init.yaml", {"saturated_output", "saturated_units"}),
        ("digits_small_init.yaml", {"vanishing_gradients", "not_learning"}),
    ],
)
def test_each_lesson_config_shows_its_finding(lesson, expected, tmp_path):
    _, result, _ = train(LESSONS / lesson, tmp_path, "output.plots=false", "output.model=false", "output.tensorboard=false")
    assert expected & {f["finding"] for f in result.summary["findings"]}


def test_the_lessons_learning_rate_ten_diverges_or_does_not_learn(tmp_path):
    _, result, _ = train(LESSONS / "digits_lr10.yaml", tmp_path, "output.plots=false", "output.model=false", "output.tensorboard=false")
    assert result.status == "diverged" or "not_learning" in {f["finding"] for f in result.summary["findings"]}


def test_the_lessons_control_shows_no_finding(tmp_path):
    _, result, _ = train(LESSONS / "digits_relu_adam.yaml", tmp_path, "output.plots=false", "output.model=false", "output.tensorboard=false")
    assert result.summary["findings"] == []


def test_dead_relu_units_are_found(tiny, tmp_path):
    tiny["model"]["layers"][0]["bias_initializer"] = {"type": "Constant", "value": -50.0}
    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    assert ("dead_units", "dense") in {(f["finding"], f["layer"]) for f in result.summary["findings"]}


def test_overfitting_is_found_on_a_small_training_set(tiny, tmp_path):
    tiny["data"]["subset"] = 40
    tiny["model"]["layers"][0]["units"] = 256
    tiny["training"] = {"epochs": 40, "batch_size": 8}
    _, result, _ = train(write(tmp_path, tiny), tmp_path)
    assert "overfitting" in {f["finding"] for f in result.summary["findings"]}
