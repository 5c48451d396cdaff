"""The TensorFlow training pipeline: every example once per epoch, a new order every epoch, each order a function of (seed, epoch)."""

import numpy as np
import pytest

pytestmark = pytest.mark.train


@pytest.fixture
def epochs():
    from nnlab.training.feed import epochs

    return epochs


def orders(data, examples, batch_size):
    """The label order of each epoch in a pipeline of several epochs."""
    labels = np.concatenate([y.numpy() for _, y in data])
    per_epoch = -(-examples // batch_size) * batch_size
    return [labels[i : i + examples] for i in range(0, len(labels), examples)] if per_epoch else []


X, Y = np.arange(20, dtype="float32").reshape(20, 1), np.arange(20)


def test_every_example_comes_once_per_epoch_with_its_label(epochs):
    data = epochs(X, Y, batch_size=8, shuffle=True, seed=1, first=0, last=2)
    for x, y in data:
        np.testing.assert_array_equal(x.numpy().ravel(), y.numpy())
    for order in orders(data, 20, 8):
        assert sorted(order.tolist()) == list(range(20))


def test_each_epoch_has_a_new_order(epochs):
    first, second = orders(epochs(X, Y, batch_size=8, shuffle=True, seed=1, first=0, last=2), 20, 8)
    assert first.tolist() != second.tolist()


def test_an_epochs_order_depends_on_the_seed_and_the_epoch_only(epochs):
    """What makes resuming exact: epoch 2 alone is ordered as epoch 2 of the whole run."""
    whole = orders(epochs(X, Y, batch_size=8, shuffle=True, seed=5, first=0, last=3), 20, 8)
    [resumed] = orders(epochs(X, Y, batch_size=8, shuffle=True, seed=5, first=2, last=3), 20, 8)
    np.testing.assert_array_equal(resumed, whole[2])


def test_without_shuffle_the_order_is_the_arrays(epochs):
    [order] = orders(epochs(X, Y, batch_size=8, shuffle=False, seed=5, first=0, last=1), 20, 8)
    np.testing.assert_array_equal(order, np.arange(20))


def test_the_lean_gather_of_large_sets_gives_the_same_batches(epochs, monkeypatch):
    from nnlab.training import feed

    tensor = [(x.numpy(), y.numpy()) for x, y in epochs(X, Y, batch_size=8, shuffle=True, seed=2, first=0, last=1)]
    monkeypatch.setattr(feed, "LEAN_BYTES", 0)
    lean = [(x.numpy(), y.numpy()) for x, y in epochs(X, Y, batch_size=8, shuffle=True, seed=2, first=0, last=1)]
    for (tx, ty), (lx, ly) in zip(tensor, lean):
        np.testing.assert_array_equal(tx, lx)
        np.testing.assert_array_equal(ty, ly)


def test_the_arrays_own_dtypes_and_shapes_are_kept(epochs):
    data = epochs(np.zeros((5, 28, 28), "uint8"), np.zeros(5, "int32"), batch_size=2, shuffle=False, seed=0, first=0, last=1)
    assert data.element_spec[0].shape.as_list() == [None, 28, 28] and data.element_spec[0].dtype.name == "uint8"
