import io

import pytest

pytestmark = pytest.mark.train  # Keras callbacks: imports TensorFlow


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_epoch(progress, steps: int) -> None:
    progress.on_train_begin()
    progress.on_epoch_begin(0)
    for batch in range(steps):
        progress._last_draw = -1.0  # draw every batch, not at most every 0.1 s
        progress.on_train_batch_end(batch, {"loss": 0.5, "accuracy": 0.75})
    progress.on_epoch_end(0, {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6, "val_accuracy": 0.7})


def test_without_a_terminal_each_epoch_is_one_plain_line():
    stream = io.StringIO()
    from nnlab.training.callbacks import Progress

    run_epoch(Progress(epochs=3, steps=5, stream=stream), steps=5)
    assert stream.getvalue().count("\n") == 1
    assert "\r" not in stream.getvalue()
    assert stream.getvalue().startswith("Epoch 1/3 loss 0.5 accuracy 0.75 val_loss 0.6 val_accuracy 0.7")


def test_on_a_terminal_the_epoch_line_is_redrawn_in_place_with_an_eta():
    stream = Terminal()
    from nnlab.training.callbacks import Progress

    run_epoch(Progress(epochs=3, steps=5, stream=stream), steps=5)
    assert stream.getvalue().count("\r") == 6
    assert "ETA" in stream.getvalue()
