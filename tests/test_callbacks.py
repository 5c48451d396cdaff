"""The progress line: one plain line per epoch in a file, a live line on a terminal, steady ETAs, fixed digits."""

import io

import pytest

pytestmark = pytest.mark.train  # Keras callbacks: imports the backend


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


LOGS = {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6, "val_accuracy": 0.7}


def run_epoch(progress, epoch: int, steps: int) -> None:
    progress.on_epoch_begin(epoch)
    for batch in range(steps):
        if hasattr(progress, "_last_draw"):
            progress._last_draw = -1.0  # draw every batch, not at most every 0.1 s
        if hasattr(progress, "on_train_batch_end"):
            progress.on_train_batch_end(batch, {"loss": 0.5, "accuracy": 0.75})
    progress.on_epoch_end(epoch, LOGS)


def test_without_a_terminal_each_epoch_is_one_plain_line():
    from nnlab.training.callbacks import progress

    stream = io.StringIO()
    run_epoch(progress(epochs=3, steps=5, stream=stream), 0, steps=5)
    assert stream.getvalue().count("\n") == 1 and "\r" not in stream.getvalue()
    assert stream.getvalue().startswith("Epoch 1/3 loss 0.5000 accuracy 0.7500 val_loss 0.6000 val_accuracy 0.7000")


def test_without_a_terminal_no_batch_hook_is_defined():
    """Keras skips batch hooks entirely when no callback defines one: the fast path."""
    from nnlab.training.callbacks import Progress, progress

    assert type(progress(epochs=3, steps=5, stream=io.StringIO())) is Progress
    assert "on_train_batch_end" not in Progress.__dict__


def test_on_a_terminal_the_epoch_line_is_redrawn_in_place_with_an_eta():
    from nnlab.training.callbacks import progress

    stream = Terminal()
    run_epoch(progress(epochs=3, steps=5, stream=stream), 0, steps=5)
    assert stream.getvalue().count("\r") == 6  # five redraws during the epoch, then the finished line
    assert "ETA" in stream.getvalue()


def test_the_eta_leaves_out_the_first_epoch_once_a_second_is_done():
    from nnlab.training.callbacks import Progress

    line = Progress(epochs=10, steps=5, stream=io.StringIO())
    line.epoch_seconds = [30.0, 1.0, 3.0]  # the first traced and compiled the training function
    assert line.steady_epoch_seconds() == 2.0


@pytest.mark.parametrize(
    "value, shown", [(1.0, "1.000"), (0.03125, "0.03125"), (25250.0, "25250"), (0.9612345, "0.9612"), (1.2e-07, "1.200e-07"), (0.0, "0.000")]
)
def test_numbers_keep_four_significant_digits_without_jumping_formats(value, shown):
    from nnlab.training.callbacks import number

    assert number(value) == shown
