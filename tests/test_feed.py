"""The lean tf.data feed of large training sets: every example once per epoch, seeded shuffling, the arrays' own dtypes."""

import numpy as np
import pytest

pytestmark = pytest.mark.train


@pytest.fixture
def feed():
    from nnlab.training.feed import gathered

    return gathered


def epoch(data):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in data])
    return np.concatenate(xs), np.concatenate(ys)


def test_feed_gives_every_example_once_in_batches(feed):
    x = np.arange(10, dtype="float32").reshape(10, 1)
    batches = list(feed(x, np.arange(10), batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(epoch(feed(x, np.arange(10), batch_size=4))[0].ravel(), np.arange(10))


def test_shuffled_feed_keeps_examples_and_labels_together(feed):
    x = np.arange(20, dtype="float32").reshape(20, 1)
    xs, ys = epoch(feed(x, np.arange(20), batch_size=8, shuffle=True, seed=1))
    np.testing.assert_array_equal(xs.ravel(), ys)
    assert sorted(ys.tolist()) == list(range(20)) and ys.tolist() != list(range(20))


def test_shuffling_is_seeded(feed):
    x = np.arange(20, dtype="float32").reshape(20, 1)
    first = epoch(feed(x, np.arange(20), batch_size=8, shuffle=True, seed=3))[1]
    again = epoch(feed(x, np.arange(20), batch_size=8, shuffle=True, seed=3))[1]
    np.testing.assert_array_equal(first, again)


def test_feed_keeps_dtypes_and_example_shapes(feed):
    data = feed(np.zeros((5, 28, 28), "uint8"), np.zeros(5, "int32"), batch_size=2)
    assert data.element_spec[0].shape.as_list() == [None, 28, 28] and data.element_spec[0].dtype.name == "uint8"
