import numpy as np
import pandas as pd

from nnlab import plots

HISTORY = pd.DataFrame(
    {"epoch": [1, 2], "loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7], "learning_rate": [0.1, 0.1], "epoch_seconds": [1.0, 1.0]}
)


def test_one_plot_per_metric_loss_first():
    assert plots.curve_names(HISTORY) == ["loss", "accuracy"]


def test_curves_are_written_as_png(tmp_path):
    written = plots.plot_curves(HISTORY, tmp_path / "plots")
    assert [p.name for p in written] == ["loss.png", "accuracy.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in written)


def test_confusion_matrix_is_written_as_png(tmp_path):
    path = plots.plot_confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]), ["a", "b", "c"], tmp_path / "cm.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cm.png"]
