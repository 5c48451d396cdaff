"""Preprocessing steps: fitted on training data, float32 once, inputs never overwritten."""

import numpy as np
import pytest

from nnlab.data import DataError, load, preprocessing


def test_standardize_matches_numpy_per_feature():
    x = np.random.default_rng(0).integers(0, 256, (50, 3, 3), dtype="uint8")
    out = preprocessing.Standardize().fit(x).transform(x)
    expected = (x - x.mean(axis=0)) / x.std(axis=0)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert out.dtype == np.float32


def test_standardize_keeps_constant_features_finite():
    x = np.zeros((4, 2), dtype="uint8")
    assert np.isfinite(preprocessing.Standardize().fit(x).transform(x)).all()


def test_steps_never_overwrite_the_arrays_passed_in():
    x = np.arange(12, dtype="float32").reshape(4, 3)
    before = x.copy()
    preprocessing.fit_transform([preprocessing.Scale(2), preprocessing.Standardize()], x, [x])
    np.testing.assert_array_equal(x, before)


def test_a_later_step_works_in_place_on_an_earlier_steps_output():
    x = np.arange(12, dtype="uint8").reshape(4, 3)
    scale = preprocessing.Scale(255)
    scaled = scale.transform(x)
    assert preprocessing.Standardize().fit(scaled).transform(scaled, inplace=True) is scaled


def test_flatten_is_a_view():
    x = np.zeros((4, 2, 2), dtype="uint8")
    assert np.shares_memory(preprocessing.Flatten().transform(x), x)


def test_uint8_pixels_stay_uint8_without_a_float_step():
    x = np.zeros((4, 2, 2), dtype="uint8")
    out, _ = preprocessing.fit_transform([preprocessing.Flatten()], x, [])
    assert out.dtype == np.uint8


DATA = {
    "dataset": {"type": "iris"},
    "path": None,
    "test_split": 0.2,
    "validation_split": 0.2,
    "validation_size": None,
    "stratify": False,
    "classes": None,
    "relabel": None,
    "subset": None,
}


def test_one_hot_marks_the_dataset_and_keeps_integer_labels():
    dataset = load({**DATA, "preprocessing": ["one_hot"]}, seed=0)
    assert dataset.one_hot and dataset.y_train.dtype == np.int32
    assert dataset.preprocessing == [{"type": "one_hot"}]


def test_one_hot_on_a_regression_task_is_rejected():
    with pytest.raises(DataError, match="one_hot needs class labels"):
        load({**DATA, "dataset": {"type": "diabetes"}, "preprocessing": ["one_hot"]}, seed=0)


def test_reshape_to_an_impossible_shape_names_both_shapes():
    with pytest.raises(DataError, match=r"cannot reshape examples of shape \(4,\) to \(3, 3\)"):
        load({**DATA, "preprocessing": [{"type": "reshape", "target_shape": [3, 3]}]}, seed=0)
