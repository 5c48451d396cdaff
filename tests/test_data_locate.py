"""Where downloadable data is looked for, in order; never downloading in tests."""

import time

import numpy as np
import pytest

from nnlab.data import DataError, load_raw, locate
from nnlab.data.downloadable import FASHION_MNIST, fetch
from nnlab.data.idx import write_idx

REAL_REACHABLE = locate.reachable  # the fixture below replaces it: tests never download


@pytest.fixture
def machine(offline):
    """An empty machine: a fresh HOME, no data variables, one system folder, no network."""
    return offline


def fashion_files(folder, label):
    """The four Fashion-MNIST IDX files, with every training label set to `label` to tell copies apart."""
    folder.mkdir(parents=True)
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((3, 28, 28), "uint8"))
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(3, label, "uint8"))
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((2, 28, 28), "uint8"))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(2, "uint8"))
    return folder


def fashion(path=None):
    return load_raw({"dataset": {"type": "fashion_mnist"}, "path": path}, seed=0)[1]


def test_system_folder_of_the_debian_package_is_found(machine):
    fashion_files(machine / "system" / "fashion-mnist", label=4)
    raw = fashion()
    assert raw.y[0] == 4 and "system datasets" in raw.source


def test_keras_cache_comes_before_the_system_folder(machine):
    fashion_files(machine / "system" / "fashion-mnist", label=4)
    fashion_files(machine / "home" / ".keras" / "datasets" / "fashion-mnist", label=3)
    assert fashion().y[0] == 3


def test_nnlab_data_dir_comes_before_the_keras_cache(machine, monkeypatch):
    fashion_files(machine / "home" / ".keras" / "datasets" / "fashion-mnist", label=3)
    fashion_files(machine / "mine" / "fashion_mnist", label=2)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(machine / "mine"))
    assert fashion().y[0] == 2


def test_data_path_comes_first(machine, monkeypatch):
    fashion_files(machine / "mine" / "fashion_mnist", label=2)
    monkeypatch.setenv("NNLAB_DATA_DIR", str(machine / "mine"))
    fashion_files(machine / "here", label=1)
    raw = fashion(str(machine / "here"))
    assert raw.y[0] == 1 and "data.path" in raw.source


def test_keras_home_moves_the_keras_cache(machine, monkeypatch):
    fashion_files(machine / "kh" / "datasets" / "fashion-mnist", label=5)
    monkeypatch.setenv("KERAS_HOME", str(machine / "kh"))
    assert fashion().y[0] == 5


def test_data_path_that_does_not_exist(machine):
    with pytest.raises(DataError, match="nowhere: no such file or folder"):
        fashion(str(machine / "nowhere"))


def test_data_path_without_the_files_says_what_it_expected(machine):
    (machine / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: the data is not in this folder \(expected the four IDX files"):
        fashion(str(machine / "empty"))


def test_found_nowhere_names_every_place_and_every_way(machine, monkeypatch):
    monkeypatch.setenv("NNLAB_DATA_DIR", str(machine / "mine"))
    with pytest.raises(DataError) as error:
        fashion()
    message = str(error.value)
    for expected in [
        "mine/fashion_mnist",
        ".keras/datasets/fashion-mnist",
        "system/fashion-mnist",
        "apt-get install dataset-fashion-mnist",
        "data.path",
        "NNLAB_DATA_DIR",
        "cannot be downloaded",
    ]:
        assert expected in message
    assert "\n" not in message


def test_reachable_gives_up_within_its_timeout(monkeypatch):
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    started = time.monotonic()
    assert REAL_REACHABLE("https://192.0.2.1/", 0.5) is False  # TEST-NET-1: reserved, never answers
    assert time.monotonic() - started < 2


def test_a_failed_download_becomes_the_one_message(machine, monkeypatch):
    monkeypatch.setattr(locate, "reachable", lambda url, timeout=0: True)

    def broken():
        raise OSError("connection reset")

    recipe = FASHION_MNIST.__class__(**{**FASHION_MNIST.__dict__, "download": broken})
    with pytest.raises(DataError, match=r"its download failed \(OSError: connection reset\)"):
        fetch(recipe, None)


def test_available_is_false_on_an_empty_machine(machine):
    assert FASHION_MNIST.available() is False


def test_available_is_true_once_the_files_are_in_a_system_folder(machine):
    fashion_files(machine / "system" / "fashion-mnist", label=0)
    assert FASHION_MNIST.available() is True


def test_a_download_lands_in_the_keras_cache_and_is_read_from_there(machine, monkeypatch):
    monkeypatch.setattr(locate, "reachable", lambda url, timeout=0: True)
    cache = machine / "home" / ".keras" / "datasets" / "fashion-mnist"
    recipe = FASHION_MNIST.__class__(**{**FASHION_MNIST.__dict__, "download": lambda: fashion_files(cache, label=7)})
    raw = fetch(recipe, None)
    assert raw.y[0] == 7 and "downloaded from storage.googleapis.com" in raw.source
