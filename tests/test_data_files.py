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


def npz_file(tmp_path, **arrays):
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    return path


def test_npz_text_features_are_refused_naming_the_file(tmp_path):
    path = npz_file(tmp_path, x_train=np.array([["a", "b"]] * 4), y_train=np.arange(4) % 2)
    with pytest.raises(DataError, match=r"data\.npz: x_train holds text \(dtype <U1\); features must be numbers"):
        npz_raw(path)


@pytest.mark.parametrize("value, shown", [(np.nan, r"NaN \(a missing value\)"), (np.inf, r"an infinite value \(inf\)")], ids=["nan", "inf"])
def test_npz_features_that_are_not_finite_are_refused_naming_the_file(tmp_path, value, shown):
    x = np.ones((4, 3))
    x[2, 1] = value
    path = npz_file(tmp_path, x_train=x, y_train=np.arange(4) % 2)
    with pytest.raises(DataError, match=rf"data\.npz: x_train holds {shown} at example 3, column 2"):
        npz_raw(path)


def test_npz_test_features_are_checked_too(tmp_path):
    path = npz_file(tmp_path, x_train=np.ones((4, 2)), y_train=np.arange(4) % 2, x_test=np.full((2, 2), -np.inf), y_test=np.arange(2))
    with pytest.raises(DataError, match=r"data\.npz: x_test holds an infinite value \(-inf\) at example 1, column 1"):
        npz_raw(path)


def test_npz_regression_targets_that_are_not_finite_are_refused(tmp_path):
    path = npz_file(tmp_path, x_train=np.ones((4, 2)), y_train=np.array([0.5, np.nan, 1.0, 2.0]))
    with pytest.raises(DataError, match=r"data\.npz: y_train holds NaN \(a missing value\) at example 2"):
        npz_raw(path)


def test_npz_zero_dimensional_arrays_are_refused_naming_the_file(tmp_path):
    path = npz_file(tmp_path, x_train=np.array(5.0), y_train=np.array(1))
    with pytest.raises(DataError, match=r"data\.npz: x_train is a single value \(a 0-d array\); expected one entry per example"):
        npz_raw(path)


def test_csv_infinite_feature_is_refused_naming_column_and_row(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,area,price\n3,70,1.5\n4,inf,2.0\n")
    with pytest.raises(DataError, match=r"houses\.csv: column 'area' holds an infinite value in data row 2"):
        csv_raw(tmp_path / "houses.csv", target="price")


def test_csv_infinite_regression_target_is_refused(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,price\n3,1.5\n4,-inf\n")
    with pytest.raises(DataError, match=r"houses\.csv: the target column 'price' holds an infinite value \(-inf\) at data row 2"):
        csv_raw(tmp_path / "houses.csv", target="price")


def test_csv_with_only_a_header_names_the_file(tmp_path):
    (tmp_path / "houses.csv").write_text("rooms,price\n")
    with pytest.raises(DataError, match=r"houses\.csv: no data rows \(only the header\)"):
        csv_raw(tmp_path / "houses.csv", target="price")


def test_csv_with_one_row_names_the_file_when_it_cannot_be_split(tmp_path):
    from nnlab.data import load

    (tmp_path / "houses.csv").write_text("rooms,price\n3,1.5\n")
    data = {
        "dataset": {"type": "csv", "target": "price"},
        "path": str(tmp_path / "houses.csv"),
        "test_split": 0.2,
        "validation_split": 0.2,
        "preprocessing": [],
    }
    with pytest.raises(DataError, match=r"houses\.csv: cannot split 1 example: ") as caught:
        load(data, seed=0)
    assert caught.value.key == "data.test_split"
