"""Shared fixtures: small configs written to temporary files."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from nnlab.data import locate

# Tests that train in this process share one Keras backend: TensorFlow, which every
# installation has (`backend: auto` follows $NNLAB_BACKEND). Tests of JAX start their own process.
os.environ.setdefault("NNLAB_BACKEND", "tensorflow")
# JAX's compiled programs, kept between test sessions but away from the user's own cache.
os.environ.setdefault("NNLAB_CACHE_DIR", os.path.join(tempfile.gettempdir(), "nnlab-tests-jax-cache"))

TINY = {
    "name": "tiny",
    "seed": 3,
    "data": {"dataset": "digits", "preprocessing": ["standardize"]},
    "model": {"layers": [{"type": "Dense", "units": 16, "activation": "relu"}, {"type": "Dense", "units": 10, "activation": "softmax"}]},
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "training": {"epochs": 2, "batch_size": 64},
}


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config (a dict, or YAML text) to a file and return its path."""

    def write(config: dict[str, Any] | str, name: str = "experiment.yaml") -> Path:
        path = tmp_path / name
        path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False))
        return path

    return write


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A digits MLP that trains in about a second: a fresh deep copy per test."""
    return yaml.safe_load(yaml.safe_dump(TINY))


@pytest.fixture
def small_mnist(tmp_path, monkeypatch):
    """MNIST as four small IDX files in $NNLAB_DATA_DIR/mnist/ (5,100 training images, 100 test): the real reader, no download."""
    import numpy as np

    from nnlab.data.idx import write_idx

    folder = tmp_path / "data" / "mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, count in (("train", 5100), ("t10k", 100)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28), dtype="uint8"))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", np.arange(count, dtype="uint8") % 10)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "data"))
    return folder


@pytest.fixture
def small_california(tmp_path, monkeypatch):
    """California housing as scikit-learn caches it, 200 rows, in $NNLAB_DATA_DIR/california_housing/."""
    import joblib
    import numpy as np

    from nnlab.data.downloadable import CALIFORNIA_FILE

    folder = tmp_path / "data" / "california_housing"
    folder.mkdir(parents=True)
    joblib.dump(np.random.default_rng(0).uniform(1, 100, size=(200, 9)), folder / CALIFORNIA_FILE, compress=6)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "data"))
    return folder


@pytest.fixture
def runs_with_task_a(tmp_path, monkeypatch):
    """A runs folder holding a completed `fashion-task-a` run (its model.keras reduced to the config nnlab reads)."""
    import json
    import zipfile

    folder = tmp_path / "runs" / "20260101-000000_fashion-task-a"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"status": "completed"}))
    layers = [
        {"class_name": "InputLayer", "config": {"name": "input_layer", "batch_shape": [None, 28, 28]}},
        {"class_name": "Flatten", "config": {"name": "flatten"}},
    ]
    layers += [
        {"class_name": "Dense", "config": {"name": name, "units": units, "activation": "relu"}}
        for name, units in (("dense", 100), ("dense_1", 100), ("dense_2", 50))
    ]
    layers.append({"class_name": "Dense", "config": {"name": "dense_3", "units": 8, "activation": "softmax"}})
    with zipfile.ZipFile(folder / "model.keras", "w") as archive:
        archive.writestr("config.json", json.dumps({"class_name": "Sequential", "config": {"layers": layers}}))
    monkeypatch.setenv("NNLAB_RUNS_DIR", str(tmp_path / "runs"))
    return folder


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No data anywhere and no network: a fresh HOME, no data variables, an empty system folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("NNLAB_DATA_DIR", "KERAS_HOME", "SCIKIT_LEARN_DATA"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(locate, "SYSTEM_DIRS", (tmp_path / "system",))
    monkeypatch.setattr(locate, "reachable", lambda url, timeout=0: False)
    return tmp_path


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The fast suite (-m "not train") must never import TensorFlow: fail it if it did."""
    if session.config.getoption("markexpr") == "not train" and "tensorflow" in sys.modules:
        sys.stderr.write("\nthe fast suite imported TensorFlow: mark the test that needs it with @pytest.mark.train\n")
        session.exitstatus = 1
