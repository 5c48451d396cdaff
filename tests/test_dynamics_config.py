"""The config side of training dynamics: schedules and the lessons' callbacks, and each bad input as one line."""

import pytest

from nnlab.errors import ConfigError
from nnlab.experiment import prepare


def problems(write_config, config):
    with pytest.raises(ConfigError) as caught:
        prepare(write_config(config))
    return [str(p) for p in caught.value.problems]


def test_a_schedule_starts_from_the_optimizers_learning_rate(write_config, tiny):
    tiny["schedule"] = {"type": "exponential_decay", "decay_steps": 20, "decay_rate": 0.1}
    assert prepare(write_config(tiny)).spec.schedule == {
        "type": "ExponentialDecay",
        "per": "epoch",
        "initial_learning_rate": 0.01,
        "decay_steps": 20,
        "decay_rate": 0.1,
    }


def test_a_schedule_without_an_optimizer_rate_starts_from_keras_default(write_config, tiny):
    tiny["optimizer"] = "sgd"
    tiny["schedule"] = {"type": "InverseTimeDecay", "per": "step", "decay_steps": 1, "decay_rate": 1e-4}
    assert prepare(write_config(tiny)).spec.schedule["initial_learning_rate"] == 0.01


@pytest.mark.parametrize(
    "schedule, expected",
    [
        ({"type": "exponential_decai", "decay_steps": 2, "decay_rate": 0.5}, "schedule.type: unknown schedule 'exponential_decai'; did you mean"),
        ({"type": "exponential_decay", "decay_steps": "ten", "decay_rate": 0.5}, "schedule.decay_steps: expected a positive number (got 'ten')"),
        ({"type": "exponential_decay", "decay_steps": 2, "decay_rate": 0.5, "per": "month"}, "schedule.per: expected epoch or step (got 'month')"),
        (
            {"type": "exponential_decay", "decay_steps": 2, "decay_rte": 0.5},
            "schedule.decay_rte: unknown argument 'decay_rte' for ExponentialDecay; did you mean 'decay_rate'?",
        ),
        ({"type": "one_cycle"}, "schedule.max_learning_rate: expected a positive number"),
        ({"type": "reduce_on_plateau", "monitor": "val_accuracyy"}, "schedule.monitor: the run does not record 'val_accuracyy'"),
    ],
    ids=["unknown", "wrong-type", "per", "unknown-argument", "one-cycle-peak", "plateau-monitor"],
)
def test_a_bad_schedule_is_one_line(write_config, tiny, schedule, expected):
    tiny["schedule"] = schedule
    [line] = problems(write_config, tiny)
    assert expected in line


def test_a_schedule_beside_a_learning_rate_schedule_is_refused(write_config, tiny):
    tiny["optimizer"] = {"type": "sgd", "learning_rate": {"type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9}}
    tiny["schedule"] = {"type": "reduce_on_plateau"}
    [line] = problems(write_config, tiny)
    assert "schedule: optimizer.learning_rate is already a LearningRateSchedule" in line


@pytest.mark.parametrize(
    "training, expected",
    [
        ({"time_limit": 0}, "training.time_limit: expected a positive number of minutes (got 0)"),
        ({"model_checkpoint": {"monitor": "val_f1"}}, "training.model_checkpoint.monitor: the run does not record 'val_f1'"),
        ({"early_stopping": {"monitor": "accuracyy"}}, "training.early_stopping.monitor: the run does not record 'accuracyy'"),
        ({"model_checkpoint": {"filepath": "x.h5"}}, "training.model_checkpoint.filepath: nnlab keeps the best weights in the run folder"),
        (
            {"tensorboard": {"histogram_frq": 1}},
            "training.tensorboard.histogram_frq: unknown argument 'histogram_frq' for TensorBoard; did you mean 'histogram_freq'?",
        ),
    ],
    ids=["time-limit", "checkpoint-monitor", "early-stopping-monitor", "checkpoint-filepath", "tensorboard-argument"],
)
def test_a_bad_callback_setting_is_one_line(write_config, tiny, training, expected):
    tiny["training"].update(training)
    [line] = problems(write_config, tiny)
    assert expected in line


def test_a_validation_metric_without_validation_data_says_why(write_config, tiny):
    tiny["data"]["validation_split"] = 0
    tiny["training"]["model_checkpoint"] = True
    [line] = problems(write_config, tiny)
    assert "'val_loss' (the data has no validation split)" in line


def test_class_metrics_are_monitored_by_their_keras_names(write_config, tiny):
    tiny["metrics"] = ["accuracy", {"type": "SparseTopKCategoricalAccuracy", "k": 3}]
    tiny["training"]["early_stopping"] = {"monitor": "val_sparse_top_k_categorical_accuracy", "mode": "max"}
    assert prepare(write_config(tiny)).spec.training.early_stopping["monitor"] == "val_sparse_top_k_categorical_accuracy"


def test_tensorflow_only_tensorboard_settings_are_refused_on_jax(write_config, tiny):
    tiny["backend"] = "jax"
    tiny["training"]["tensorboard"] = {"write_graph": True}
    [line] = problems(write_config, tiny)
    assert "training.tensorboard.write_graph: needs TensorFlow's summaries" in line
