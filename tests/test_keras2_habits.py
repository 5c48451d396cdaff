"""Keras 2 habits from the lessons get advice naming what Keras 3 wants, not a bare "unknown"."""

import pytest

from nnlab.errors import ConfigError
from nnlab.experiment import prepare


def line_for(write_config, config) -> str:
    with pytest.raises(ConfigError) as caught:
        prepare(write_config(config))
    [problem] = caught.value.problems
    return str(problem)


def test_lr_suggests_learning_rate(write_config, tiny):
    tiny["optimizer"] = {"type": "SGD", "lr": 0.1}
    assert line_for(write_config, tiny).endswith("optimizer.lr: Keras 2's lr is called learning_rate in Keras 3 (write learning_rate: 0.1)")


def test_decay_is_refused_with_the_schedule_that_does_what_it_meant(write_config, tiny):
    tiny["optimizer"] = {"type": "SGD", "learning_rate": 0.01, "decay": 0.001}
    line = line_for(write_config, tiny)
    assert "optimizer.decay: Keras 3 ignores decay and would train at a constant learning rate" in line
    assert "learning_rate: {type: InverseTimeDecay, initial_learning_rate: 0.01, decay_steps: 1, decay_rate: 0.001}" in line


def test_the_suggested_schedule_validates(write_config, tiny):
    tiny["optimizer"] = {
        "type": "SGD",
        "learning_rate": {"type": "InverseTimeDecay", "initial_learning_rate": 0.01, "decay_steps": 1, "decay_rate": 0.001},
    }
    assert prepare(write_config(tiny)).spec.optimizer["learning_rate"]["type"] == "InverseTimeDecay"


def test_decay_zero_is_refused_as_doing_nothing(write_config, tiny):
    tiny["optimizer"] = {"type": "SGD", "learning_rate": 0.01, "decay": 0}
    assert "optimizer.decay: Keras 3 has no decay and ignores it; decay: 0 changes nothing here: remove it" in line_for(write_config, tiny)


def test_leaky_relu_alpha_suggests_negative_slope(write_config, tiny):
    tiny["model"]["layers"].insert(1, {"type": "LeakyReLU", "alpha": 0.2})
    assert "model.layers.1.alpha: Keras 2's alpha is called negative_slope in Keras 3 (write negative_slope: 0.2)" in line_for(write_config, tiny)


def test_epsilon_null_asks_for_a_number(write_config, tiny):
    tiny["optimizer"] = {"type": "Adam", "epsilon": None}
    assert "optimizer.epsilon: Keras 3 needs a number (Keras 2 read null as its default): remove it, or write epsilon: 1e-07" in line_for(write_config, tiny)


def test_a_regularizers_l_suggests_its_keras_3_name(write_config, tiny):
    tiny["model"]["layers"][0]["kernel_regularizer"] = {"type": "l2", "l": 0.01}
    assert "model.layers.0.kernel_regularizer.l: Keras 2's l is called l2 in Keras 3 (write l2: 0.01)" in line_for(write_config, tiny)


def test_loss_reduction_auto_is_explained(write_config, tiny):
    tiny["loss"] = {"type": "SparseCategoricalCrossentropy", "reduction": "auto"}
    assert "loss.reduction: Keras 3 has no reduction 'auto'" in line_for(write_config, tiny)


def test_batch_normalization_fused_is_explained(write_config, tiny):
    tiny["model"]["layers"].insert(1, {"type": "BatchNormalization", "fused": True})
    assert "model.layers.1.fused: Keras 3's BatchNormalization has no fused" in line_for(write_config, tiny)


def test_training_validation_split_points_to_the_data_section(write_config, tiny):
    tiny["training"]["validation_split"] = 0.1
    line = line_for(write_config, tiny)
    assert "training.validation_split: unknown key 'validation_split'; validation data is split off in the data section: write data.validation_split" in line


def test_a_key_in_the_wrong_section_is_told_where_it_belongs(write_config, tiny):
    tiny["epochs"] = 3
    assert line_for(write_config, tiny).endswith("epochs: unknown key 'epochs'; it belongs in training.epochs")


def test_nb_epoch_is_explained(write_config, tiny):
    tiny["training"]["nb_epoch"] = 3
    assert "Keras 1's name for training.epochs" in line_for(write_config, tiny)


def test_decay_is_not_offered_among_an_optimizers_arguments(write_config, tiny):
    tiny["optimizer"] = {"type": "SGD", "learning_rate": 0.1, "xyz": 1}
    line = line_for(write_config, tiny)
    assert "unknown argument 'xyz' for SGD; expected one of: clipnorm, clipvalue, ema_momentum," in line


def test_a_top_level_key_inside_a_section_is_told_so(write_config, tiny):
    tiny["training"]["seed"] = 3
    assert line_for(write_config, tiny).endswith("training.seed: unknown key 'seed'; it belongs at the top level of the file")
