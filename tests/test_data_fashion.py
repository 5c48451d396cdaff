"""Integration: brief training on the real Fashion-MNIST of Debian's dataset-fashion-mnist package.

Skipped where /usr/share/datasets/fashion-mnist is absent; `scripts/install-datasets`
installs it where apt-get can.
"""

from pathlib import Path

import pytest

from nnlab.experiment import prepare

FASHION = Path("/usr/share/datasets/fashion-mnist")
CONFIGS = Path(__file__).parent.parent / "configs"

pytestmark = [
    pytest.mark.train,
    pytest.mark.skipif(not (FASHION / "train-images-idx3-ubyte.gz").is_file(), reason="dataset-fashion-mnist is not installed"),
]


def train_briefly(config, tmp_path, overrides):
    from nnlab.runs.folder import create
    from nnlab.training.run import run

    experiment = prepare(CONFIGS / config, ["training.epochs=1", *overrides])
    folder = create(tmp_path / "runs", experiment.spec.name)
    return experiment, run(experiment.spec, experiment.dataset, folder, verbose=False)


def test_fashion_mlp_trains_one_epoch_on_a_subset(tmp_path):
    experiment, result = train_briefly("fashion_mlp.yaml", tmp_path, ["data.subset=2000"])
    assert result.status == "completed", result.error
    assert experiment.dataset.source.startswith(str(FASHION))
    assert result.summary["test"]["accuracy"] > 0.5


def test_task_b_has_200_training_examples_and_2_classes(tmp_path):
    experiment, result = train_briefly("fashion_task_b.yaml", tmp_path, [])
    assert result.status == "completed", result.error
    assert (len(experiment.dataset.x_train), experiment.dataset.num_classes) == (200, 2)
    assert experiment.dataset.class_names == ["Sandal", "Shirt"]


def test_task_a_has_8_classes_without_sandals_and_shirts(tmp_path):
    experiment, result = train_briefly("fashion_task_a.yaml", tmp_path, ["data.subset=2000"])
    assert result.status == "completed", result.error
    assert experiment.dataset.num_classes == 8
    assert "Sandal" not in experiment.dataset.class_names and "Shirt" not in experiment.dataset.class_names
