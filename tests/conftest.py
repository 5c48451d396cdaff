"""Shared fixtures: small configs written to temporary files."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from nnlab.data import locate

# Tests that train in this process share one Keras backend: TensorFlow, which every
# installation has (`backend: auto` follows $NNLAB_BACKEND). Tests of JAX start their own process.
os.environ.setdefault("NNLAB_BACKEND", "tensorflow")

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
