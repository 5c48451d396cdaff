"""Deriving tasks: classes, relabel, subset, and the splits they are taken from."""

import numpy as np
import pytest

from nnlab.data import DataError, derive, load, splits
from nnlab.data.dataset import Raw

NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def test_classes_are_renumbered_in_the_order_listed():
    lookup, names = derive.class_lookup(["Sandal", "Shirt"], None, NAMES, "fashion_mnist")
    assert (lookup[5], lookup[6], lookup[0], names) == (0, 1, -1, ["Sandal", "Shirt"])


def test_task_a_keeps_eight_classes_as_0_to_7_like_the_notebook():
    kept = [0, 1, 2, 3, 4, 7, 8, 9]
    lookup, _ = derive.class_lookup(kept, None, NAMES, "fashion_mnist")
    y = np.array(kept)
    np.testing.assert_array_equal(lookup[y], np.where(y > 6, y - 2, y))  # the notebook's y_A[y_A > 6] -= 2


def test_relabel_can_merge_classes_and_joins_their_names():
    lookup, names = derive.class_lookup(None, {"T-shirt/top": 1, "Shirt": 1, "Pullover": 0}, NAMES, "fashion_mnist")
    assert names == ["Pullover", "T-shirt/top+Shirt"]
    assert (lookup[0], lookup[6], lookup[2], lookup[3]) == (1, 1, 0, -1)


def test_a_class_that_does_not_exist_lists_the_valid_ones():
    with pytest.raises(DataError, match=r"class 'Hat' does not exist in fashion_mnist \(expected a number 0..9 or a name: 0=T-shirt/top"):
        derive.class_lookup(["Hat"], None, NAMES, "fashion_mnist")


def test_a_class_number_out_of_range_is_rejected():
    with pytest.raises(DataError, match="class 10 does not exist"):
        derive.class_lookup([10], None, NAMES, "fashion_mnist")


def test_relabel_must_map_every_kept_class():
    with pytest.raises(DataError, match="does not say what the kept class 'Shirt' becomes"):
        derive.class_lookup(["Sandal", "Shirt"], {"Sandal": 0}, NAMES, "fashion_mnist")


def test_relabel_labels_must_be_numbered_without_gaps():
    with pytest.raises(DataError, match="without gaps"):
        derive.class_lookup(None, {"Sandal": 0, "Shirt": 2}, NAMES, "fashion_mnist")


def test_select_without_dropping_classes_does_not_copy_the_features():
    x = np.zeros((4, 2))
    kept, _ = derive.select(x, np.array([0, 1, 0, 1]), np.array([0, 1]))
    assert kept is x


def test_subset_without_shuffle_takes_the_first_examples():
    x, _y = derive.subset(np.arange(10), np.arange(10), 3, shuffle=False, seed=0)
    assert x.tolist() == [0, 1, 2]


def test_subset_with_shuffle_is_seeded():
    first = derive.subset(np.arange(100), np.arange(100), 5, shuffle=True, seed=7)[0]
    again = derive.subset(np.arange(100), np.arange(100), 5, shuffle=True, seed=7)[0]
    assert first.tolist() == again.tolist() and first.tolist() != list(range(5))


def test_subset_larger_than_the_training_split():
    with pytest.raises(DataError, match="asks for 20 training examples, but only 10"):
        derive.subset(np.arange(10), np.arange(10), 20, shuffle=False, seed=0)


def test_validation_size_holds_out_the_first_examples_as_views():
    x = np.arange(10)
    x_train, _, x_val, _ = splits.validation_split(x, x, 0.0, 3, stratify=False, seed=0)
    assert x_val.tolist() == [0, 1, 2] and x_train.tolist() == list(range(3, 10))
    assert np.shares_memory(x_val, x)


def test_stratified_validation_split_keeps_class_proportions():
    y = np.array([0] * 80 + [1] * 20)
    _, _, _, y_val = splits.validation_split(np.zeros((100, 1)), y, 0.1, None, stratify=True, seed=0)
    assert np.bincount(y_val).tolist() == [8, 2]


def test_the_datasets_own_test_split_is_used():
    raw = Raw(x=np.zeros((5, 1)), y=np.zeros(5), task="classification", source="", x_test=np.ones((2, 1)), y_test=np.ones(2))
    assert splits.test_split(raw, 0.5, stratify=False, seed=0)[2].shape == (2, 1)


DATA = {
    "dataset": {"type": "digits"},
    "path": None,
    "test_split": 0.2,
    "validation_split": 0.0,
    "validation_size": None,
    "stratify": False,
    "classes": None,
    "relabel": None,
    "subset": None,
    "preprocessing": [],
}


def test_load_derives_a_binary_task_with_the_subset_on_training_only():
    dataset = load({**DATA, "classes": [3, 8], "subset": {"size": 50, "shuffle": False}}, seed=0)
    assert (len(dataset.x_train), dataset.num_classes, dataset.class_names) == (50, 2, ["3", "8"])
    assert set(dataset.y_test.tolist()) == {0, 1} and len(dataset.x_test) > 50


def test_classes_on_a_regression_task_are_rejected():
    with pytest.raises(DataError, match="classes and relabel needs class labels, but diabetes is a regression task"):
        load({**DATA, "dataset": {"type": "diabetes"}, "classes": [0]}, seed=0)
