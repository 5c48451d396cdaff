"""Pickled dataset files (CIFAR's batches, scikit-learn's California housing cache) never run code.

Each crafted file would create a marker file if its code ran; the tests first
show that plain unpickling does run it, then that nnlab refuses the file with
one line naming it, and the marker stays absent.
"""

import builtins
import pickle

import joblib
import numpy as np
import pytest

from nnlab.data import DataError, load_raw
from nnlab.data.downloadable import CALIFORNIA_FILE
from nnlab.errors import ConfigError
from nnlab.experiment import prepare


class Payload:
    """Unpickling this calls `open(marker, "w")`: the file appears if the pickle's code runs."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (builtins.open, (self.marker, "w"))


def cifar_batch(images: int = 10, extra: dict | None = None) -> dict:
    return {b"batch_label": b"training batch", b"labels": list(range(images)), b"data": np.zeros((images, 3072), np.uint8), **(extra or {})}


def write_cifar(folder, batch_for=lambda name: cifar_batch(), python2_names=False):
    """The six files of cifar-10-batches-py, pickled as Python 2 wrote them (protocol 2, numpy.core names)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        content = pickle.dumps(batch_for(name), protocol=2)
        if python2_names:  # GLOBAL opcodes end at a newline, so the module name may change length
            content = content.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
        (folder / name).write_bytes(content)
    return folder


def test_real_cifar_batches_load(tmp_path):
    raw = load_raw({"dataset": {"type": "cifar10"}, "path": str(write_cifar(tmp_path / "cifar"))}, seed=0)[1]
    assert (raw.x.shape, raw.x_test.shape, raw.y.tolist()[:3]) == ((50, 32, 32, 3), (10, 32, 32, 3), [0, 1, 2])


def test_cifar_batches_written_with_python_2_numpy_names_load(tmp_path):
    raw = load_raw({"dataset": {"type": "cifar10"}, "path": str(write_cifar(tmp_path / "cifar", python2_names=True))}, seed=0)[1]
    assert raw.x.dtype == np.uint8


def test_a_crafted_cifar_batch_runs_no_code_during_validate(tmp_path, write_config, tiny):
    marker = tmp_path / "code-ran"
    folder = write_cifar(tmp_path / "cifar", lambda name: cifar_batch(extra={b"evil": Payload(marker)}) if name == "data_batch_1" else cifar_batch())
    pickle.loads((folder / "data_batch_1").read_bytes(), encoding="bytes").get(b"evil").close()
    assert marker.exists(), "the crafted file must run code when unpickled plainly, or this test proves nothing"
    marker.unlink()

    tiny["data"] = {"dataset": "cifar10", "path": str(folder)}
    tiny["model"]["layers"].insert(0, "Flatten")
    with pytest.raises(ConfigError, match=r"data_batch_1: refused: it asks for io\.open, which a data file has no reason to hold"):
        prepare(write_config(tiny))
    assert not marker.exists()


def test_a_cifar_batch_of_python_objects_is_refused(tmp_path):
    folder = write_cifar(tmp_path / "cifar", lambda name: cifar_batch(images=2, extra={b"data": np.array([object(), object()], dtype=object)}))
    with pytest.raises(DataError, match=r"data_batch_1: refused: it holds an array of Python objects"):
        load_raw({"dataset": {"type": "cifar10"}, "path": str(folder)}, seed=0)


def california_table(rows: int = 30) -> np.ndarray:
    generator = np.random.default_rng(0)
    return generator.uniform(1, 100, size=(rows, 9))


def test_a_real_california_cache_file_reads_as_scikit_learn_reads_it(tmp_path):
    from sklearn.datasets import fetch_california_housing

    joblib.dump(california_table(), tmp_path / CALIFORNIA_FILE, compress=6)  # as scikit-learn writes it
    expected = fetch_california_housing(data_home=str(tmp_path), download_if_missing=False)
    raw = load_raw({"dataset": {"type": "california_housing"}, "path": str(tmp_path)}, seed=0)[1]
    np.testing.assert_allclose(raw.x, expected.data, rtol=1e-6)
    np.testing.assert_allclose(raw.y, expected.target, rtol=1e-6)
    assert raw.feature_names == list(expected.feature_names)


def test_a_crafted_california_cache_file_runs_no_code_during_validate(tmp_path, write_config, tiny):
    marker = tmp_path / "code-ran"
    joblib.dump([california_table(), Payload(marker)], tmp_path / CALIFORNIA_FILE, compress=6)
    joblib.load(tmp_path / CALIFORNIA_FILE)[1].close()
    assert marker.exists(), "the crafted file must run code when loaded by joblib, or this test proves nothing"
    marker.unlink()

    tiny["data"] = {"dataset": "california_housing", "path": str(tmp_path)}
    tiny["model"]["layers"][1] = {"type": "Dense", "units": 1}
    with pytest.raises(ConfigError, match=rf"{CALIFORNIA_FILE}: refused: it asks for io\.open"):
        prepare(write_config(tiny))
    assert not marker.exists()
