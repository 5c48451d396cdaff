import numpy as np

from nnlab.runs import plots

HISTORY = [
    {"epoch": 1, "loss": 1.0, "val_loss": 1.1, "accuracy": 0.5, "val_accuracy": 0.4, "learning_rate": 0.1, "epoch_seconds": 1.0},
    {"epoch": 2, "loss": 0.5, "val_loss": 0.7, "accuracy": 0.8, "val_accuracy": 0.7, "learning_rate": 0.1, "epoch_seconds": 1.0},
]
PNG = b"\x89PNG\r\n\x1a\n"


def test_one_plot_per_metric_loss_first():
    assert plots.curve_names(HISTORY) == ["loss", "accuracy"]


def test_curves_are_written_as_png(tmp_path):
    written = plots.plot_curves(HISTORY, tmp_path / "plots", title="digits")
    assert [p.name for p in written] == ["loss.png", "accuracy.png"]
    assert all(p.read_bytes()[:8] == PNG for p in written)


def test_confusion_matrix_is_written_as_png_and_nothing_else(tmp_path):
    path = plots.plot_confusion_matrix(np.array([0, 1, 2, 2]), np.array([0, 2, 2, 2]), ["a", "b", "c"], tmp_path / "cm.png")
    assert path.read_bytes()[:8] == PNG
    assert [p.name for p in tmp_path.iterdir()] == ["cm.png"]


def test_plotting_leaves_no_pyplot_figure_open(tmp_path):
    import sys

    plots.plot_curves(HISTORY, tmp_path)
    assert "matplotlib.pyplot" not in sys.modules or not sys.modules["matplotlib.pyplot"].get_fignums()
