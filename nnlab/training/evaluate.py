"""`nnlab evaluate`: a trained run's model on one of its splits, with optional Monte Carlo dropout.

The data is the run's own: its config.yaml gives the same splits and the same
preprocessing fitted on the same training split (`nnlab.experiment.prepare`).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from nnlab.config.spec import Spec
from nnlab.data import CLASSIFICATION, Dataset
from nnlab.runs.evaluation import Predictions
from nnlab.runs.folder import RunFolder
from nnlab.training.feed import targets

SPLITS = ("test", "validation", "train")
DROPOUT_TYPES = ("Dropout", "AlphaDropout", "GaussianDropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")


@dataclass(frozen=True)
class EvaluationError(Exception):
    """The evaluation cannot be done as asked (no such split, no dropout layer)."""

    message: str

    def __str__(self) -> str:
        return self.message


def split_arrays(dataset: Dataset, split: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = {"test": (dataset.x_test, dataset.y_test), "validation": (dataset.x_val, dataset.y_val), "train": (dataset.x_train, dataset.y_train)}[split]
    if x is None or y is None:
        raise EvaluationError(f"the run has no {split} split (data.validation_split was 0)")
    return x, y


def predict(folder: RunFolder, spec: Spec, dataset: Dataset, split: str, mc_dropout: int | None) -> Predictions:
    """The saved model's metrics and scores on `split`; with `mc_dropout`, N stochastic passes too.

    Raises:
        EvaluationError: the split is missing, or MC dropout was asked of a model without dropout.
    """
    x, y = split_arrays(dataset, split)
    model = keras.models.load_model(folder.model)
    dropouts = [layer for layer in model.layers if type(layer).__name__ in DROPOUT_TYPES]
    if mc_dropout and not dropouts:
        raise EvaluationError("--mc-dropout needs a model with dropout layers (Dropout, AlphaDropout, ...); this one has none")
    batch_size = spec.training.batch_size
    metrics = {key: float(value) for key, value in model.evaluate(x, targets(y, spec), batch_size=batch_size, verbose=0, return_dict=True).items()}
    scores = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    classification = dataset.task == CLASSIFICATION
    names = (dataset.class_names or [str(i) for i in range(dataset.num_classes or 0)]) if classification else None
    result = Predictions(x=x, y_true=y, scores=scores, metrics=metrics, class_names=names, image_shape=dataset.image_shape)
    if mc_dropout:
        passes = np.stack([stochastic_pass(model, x, batch_size) for _ in range(mc_dropout)])
        result.mc_mean, result.mc_std = passes.mean(axis=0), passes.std(axis=0)
    return result


def stochastic_pass(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """One forward pass with dropout active (training=True) on dropout layers only, not on batch normalization."""
    outputs = []
    for start in range(0, len(x), max(batch_size, 1024)):
        h = keras.ops.convert_to_tensor(x[start : start + max(batch_size, 1024)])
        for layer in model.layers:
            h = layer(h, training=type(layer).__name__ in DROPOUT_TYPES)
        outputs.append(np.asarray(keras.ops.convert_to_numpy(h)))
    return np.concatenate(outputs)
