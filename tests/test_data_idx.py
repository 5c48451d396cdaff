"""The IDX reader and the `idx` dataset, on small files the tests write themselves."""

import gzip

import numpy as np
import pytest

from nnlab.data import DataError, load_raw
from nnlab.data.idx import read_idx, write_idx


def mnist_folder(folder, train=6, test=4, gz=True, shape=(3, 3)):
    """A tiny MNIST-style folder: the four IDX files, gzipped or not."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    rng = np.random.default_rng(0)
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", rng.integers(0, 256, (train, *shape), dtype="uint8"))
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", np.arange(train, dtype="uint8") % 3)
    write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", rng.integers(0, 256, (test, *shape), dtype="uint8"))
    write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", np.arange(test, dtype="uint8") % 3)
    return folder


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_read_idx_returns_what_was_written(tmp_path, name):
    images = np.arange(24, dtype="uint8").reshape(2, 3, 4)
    write_idx(tmp_path / name, images)
    np.testing.assert_array_equal(read_idx(tmp_path / name), images)


def test_read_idx_keeps_pixels_uint8(tmp_path):
    write_idx(tmp_path / "x.idx", np.zeros((2, 2, 2), dtype="uint8"))
    assert read_idx(tmp_path / "x.idx").dtype == np.uint8


def test_read_idx_reads_wider_big_endian_types(tmp_path):
    values = np.array([1, -2, 300], dtype="int32")
    write_idx(tmp_path / "v.idx", values)
    np.testing.assert_array_equal(read_idx(tmp_path / "v.idx"), values)


def test_truncated_idx_names_the_file_and_the_missing_bytes(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, np.zeros((4, 3, 3), dtype="uint8"))
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte: truncated \(a 4x3x3 array needs 36 bytes of data, got 31\)"):
        read_idx(path)


def test_idx_without_the_magic_bytes_is_rejected(tmp_path):
    path = tmp_path / "notes.idx"
    path.write_bytes(b"hello world")
    with pytest.raises(DataError, match="notes.idx: not an IDX file"):
        read_idx(path)


def test_corrupted_gzip_is_named(tmp_path):
    path = tmp_path / "x.idx.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x02ab")[:-6])
    with pytest.raises(DataError, match="x.idx.gz: corrupted gzip file"):
        read_idx(path)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_dataset_reads_a_folder_of_the_four_files(tmp_path, gz):
    mnist_folder(tmp_path / "digits", gz=gz)
    _name, raw = load_raw({"dataset": {"type": "idx"}, "path": str(tmp_path / "digits")}, seed=0)
    assert (raw.x.shape, raw.x_test.shape, raw.image_shape) == ((6, 3, 3), (4, 3, 3), (3, 3))
    assert raw.class_names == ["0", "1", "2"]


def test_idx_dataset_names_a_missing_labels_file(tmp_path):
    folder = mnist_folder(tmp_path / "digits")
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="digits: no train-labels file"):
        load_raw({"dataset": {"type": "idx"}, "path": str(folder)}, seed=0)


def test_idx_dataset_rejects_images_and_labels_of_different_counts(tmp_path):
    folder = mnist_folder(tmp_path / "digits")
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(5, dtype="uint8"))
    with pytest.raises(DataError, match="has 6 images but train-labels-idx1-ubyte.gz 5 labels"):
        load_raw({"dataset": {"type": "idx"}, "path": str(folder)}, seed=0)
