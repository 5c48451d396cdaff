"""The user's csv and npz files: what loads, and the one-line message for each bad file."""

import numpy as np
import pytest

from nnlab.data import CLASSIFICATION, REGRESSION, DataError, load_raw


def csv_raw(path, **arguments):
    return load_raw({"dataset": {"type": "csv", **arguments}, "path": str(path)}, seed=0)[1]


def npz_raw(path):
    return load_raw({"dataset": {"type": "npz"}, "path": str(path)}, seed=0)[1]


def test_csv_target_by_name_and_the_rest_as_features(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,area,price\n3,70,1.5\n4,90,2.25\n")
    raw = csv_raw(tmp_path / "houses.csv", target="price")
    np.testing.assert_array_equal(raw.x, [[3, 70], [4, 90]])
    assert (raw.task, raw.feature_names, raw.y.tolist()) == (REGRESSION, ["rooms", "area"], [1.5, 2.25])


def test_csv_text_labels_become_classes(tmp_path):
    (tmp_path / "flowers.csv").write_text("a,b,kind\n1,2,rose\n3,4,tulip\n5,6,rose\n")
    raw = csv_raw(tmp_path / "flowers.csv", target="kind")
    assert (raw.task, raw.class_names, raw.y.tolist()) == (CLASSIFICATION, ["rose", "tulip"], [0, 1, 0])


def test_csv_without_header_takes_column_numbers(tmp_path):
    (tmp_path / "plain.csv").write_text("1,2,0\n3,4,1\n")
    raw = csv_raw(tmp_path / "plain.csv", target=2, header=False, features=[0])
    assert raw.x.tolist() == [[1.0], [3.0]]


def test_csv_missing_target_column_lists_the_columns(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,price\n3,1.5\n")
    with pytest.raises(DataError, match=r"houses.csv: no column 'cost' \(the file has: rooms, price\)"):
        csv_raw(tmp_path / "houses.csv", target="cost")


def test_csv_text_feature_names_column_and_row(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,price\n3,1.5\nmany,2.0\n")
    with pytest.raises(DataError, match=r"houses.csv: column 'rooms' is not numeric \(data row 2 holds 'many'\)"):
        csv_raw(tmp_path / "houses.csv", target="price")


def test_csv_missing_value_names_column_and_row(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,price\n3,1.5\n,2.0\n")
    with pytest.raises(DataError, match=r"houses.csv: column 'rooms' has a missing value \(NaN\) in data row 2"):
        csv_raw(tmp_path / "houses.csv", target="price")


def test_csv_path_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match="nowhere.csv: no such file or folder") as error:
        csv_raw(tmp_path / "nowhere.csv", target="price")
    assert error.value.key == "data.path"


def test_csv_needs_a_path():
    with pytest.raises(DataError, match="the csv dataset reads a CSV file: set data.path"):
        load_raw({"dataset": {"type": "csv", "target": "y"}, "path": None}, seed=0)


def test_npz_with_a_test_split(tmp_path):
    np.savez(
        tmp_path / "d.npz",
        x_train=np.zeros((5, 2, 2), "uint8"),
        y_train=np.array([0, 1, 0, 1, 2]),
        x_test=np.zeros((2, 2, 2), "uint8"),
        y_test=np.array([2, 1]),
    )
    raw = npz_raw(tmp_path / "d.npz")
    assert (raw.x.dtype, raw.x_test.shape, raw.class_names, raw.image_shape) == (np.uint8, (2, 2, 2), ["0", "1", "2"], (2, 2))


def test_npz_float_targets_are_regression(tmp_path):
    np.savez(tmp_path / "d.npz", x_train=np.zeros((3, 2)), y_train=np.array([0.5, 1.5, 2.0]))
    assert npz_raw(tmp_path / "d.npz").task == REGRESSION


def test_npz_arrays_of_different_lengths(tmp_path):
    np.savez(tmp_path / "d.npz", x_train=np.zeros((5, 2)), y_train=np.zeros(4, "int64"))
    with pytest.raises(DataError, match=r"d.npz: x_train and y_train disagree in length \(5 vs 4\)"):
        npz_raw(tmp_path / "d.npz")


def test_npz_without_x_train_lists_its_arrays(tmp_path):
    np.savez(tmp_path / "d.npz", images=np.zeros((5, 2)), labels=np.zeros(5))
    with pytest.raises(DataError, match="no array named x_train or y_train .* the file has: images, labels"):
        npz_raw(tmp_path / "d.npz")


def test_npz_that_is_not_an_npz(tmp_path):
    (tmp_path / "d.npz").write_text("not a zip")
    with pytest.raises(DataError, match="d.npz: not a readable .npz file"):
        npz_raw(tmp_path / "d.npz")


def test_a_path_for_a_dataset_that_reads_no_files():
    with pytest.raises(DataError, match="digits reads no files") as error:
        load_raw({"dataset": {"type": "digits"}, "path": "somewhere"}, seed=0)
    assert error.value.key == "data.path"
