"""What a run keeps after every epoch to be resumed exactly: weights, optimizer state, random state, epoch.

`checkpoint/` holds `epoch-NNNNNN.weights.h5` (the model's weights and its
optimizer's state, as Keras saves them), `epoch-NNNNNN.state.npz` (the state of
every layer's seed generator, such as Dropout's, and of NumPy's global
generator, which orders the batches on JAX) and `checkpoint.json`, written last,
naming the epoch: a crash while saving leaves the previous checkpoint whole.
The TensorFlow data order depends on (seed, epoch) alone (nnlab.training.feed).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import keras
import numpy as np

from nnlab.runs.atomic import write_json

INDEX = "checkpoint.json"


class Checkpoint(keras.callbacks.Callback):
    """Saves the checkpoint at the end of every epoch (one small file per kind of state).

    After `restore`, the generators' states are put back in `on_train_begin`: Keras
    draws one batch order to build the model's metrics when `fit` starts, and a
    resumed run must not count that draw.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.pending: tuple[Any, Any] | None = None  # NumPy's and Python's generator states to put back

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.pending is not None:
            numpy_state, python_state = self.pending
            np.random.set_state(numpy_state)
            random.setstate(python_state)
            self.pending = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        save(self.model, self.folder, epoch + 1)


def save(model: keras.Model, folder: Path, epoch: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"epoch-{epoch:06d}"
    weights, state = folder / f"{stem}.weights.h5", folder / f"{stem}.state.npz"
    partial = folder / f".{stem}.partial.weights.h5"  # Keras wants the .weights.h5 ending
    model.save_weights(str(partial))
    os.replace(partial, weights)
    partial_state = folder / f".{stem}.partial.npz"
    np.savez(partial_state, **_random_state(model))
    os.replace(partial_state, state)
    write_json(folder / INDEX, {"epoch": epoch, "weights": weights.name, "state": state.name, "python_random": _python_random()})
    for old in folder.glob("epoch-*"):
        if not old.name.startswith(stem):
            old.unlink(missing_ok=True)


def saved_epoch(folder: Path) -> int:
    """The epoch a checkpoint was taken after (0: none)."""
    try:
        return int(json.loads((folder / INDEX).read_text(encoding="utf-8"))["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def restore(model: keras.Model, folder: Path, hook: Checkpoint) -> int:
    """Load the checkpoint into a model compiled as it was when saved; returns its epoch (0: nothing to load).

    The weights and seed generators are loaded now; the global generators' states
    are handed to `hook`, which puts them back when training begins.
    """
    epoch = saved_epoch(folder)
    if not epoch:
        return 0
    index = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.load_weights(str(folder / index["weights"]))
    with np.load(folder / index["state"], allow_pickle=False) as state:
        for variable in _seed_states(model):
            key = _key(variable)
            if key in state:
                variable.assign(state[key])
        numpy_state = (
            str(state["numpy.kind"]),
            state["numpy.keys"].copy(),
            int(state["numpy.position"]),
            int(state["numpy.has_gauss"]),
            float(state["numpy.gauss"]),
        )
    hook.pending = (numpy_state, (index["python_random"][0], tuple(index["python_random"][1]), index["python_random"][2]))
    return epoch


def _seed_states(model: keras.Model) -> list[Any]:
    """The state variables of every seed generator in the model (Dropout's), which model.save_weights leaves out."""
    return [variable for layer in model._flatten_layers() for variable in layer.variables if "seed_generator_state" in variable.path]


def _key(variable: Any) -> str:
    return f"seed.{variable.path}"


def _random_state(model: keras.Model) -> dict[str, Any]:
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    arrays: dict[str, Any] = {_key(v): np.asarray(keras.ops.convert_to_numpy(v)) for v in _seed_states(model)}
    arrays.update(
        {
            "numpy.kind": np.array(kind),
            "numpy.keys": keys,
            "numpy.position": np.array(position),
            "numpy.has_gauss": np.array(has_gauss),
            "numpy.gauss": np.array(gauss),
        }
    )
    return arrays


def _python_random() -> list[Any]:
    version, internal, gauss = random.getstate()
    return [version, list(internal), gauss]
