"""On JAX, an execution's `steps_per_execution` train steps run as one compiled `lax.scan`.

Keras 3.15's JAX trainer runs an execution as a Python loop of single-step
jitted calls, so every step pays a dispatch and a copy of its batch: about a
third of a batch-256 Fashion-MLP epoch on a 2-core CPU (bench/run.py, the
gflops row). TensorFlow's trainer already compiles the loop (a
`tf.while_loop`), and Keras merged the same for JAX after 3.15
(keras-team/keras#23527); until nnlab requires that Keras, this is that loop.
The steps are Keras's own `train_step` on Keras's own batches, so the
mathematics, metrics and callbacks are Keras's; only where the loop runs moves.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import keras

SWITCH = "NNLAB_FUSED_STEPS"  # "off": Keras's own loop (to compare with it: bench/run.py, tests/test_fast_path.py)
TrainFunction = Callable[[Any, Iterator[Any]], tuple[Any, Any]]


def fuse_train_steps(model: keras.Model) -> None:
    """Give a model compiled on JAX a train function that scans each execution's batches.

    Call after every `compile` (which resets the train function). Other
    backends, one step per execution, eager runs, distributed models and
    `$NNLAB_FUSED_STEPS=off` keep Keras's own loop.
    """
    if keras.config.backend() != "jax" or model.steps_per_execution <= 1 or model.run_eagerly or not model.jit_compile:
        return
    if keras.distribution.distribution() is not None or os.environ.get(SWITCH) == "off":
        return
    model.train_function = scanning_train_function(model)


def scanning_train_function(model: keras.Model) -> TrainFunction:
    """`(state, iterator) -> (logs, state)` as Keras's JAX `fit` calls it, over up to `steps_per_execution` batches."""
    import jax

    def scan(state: Any, batches: list[Any]) -> tuple[Any, Any]:
        def step(state: Any, batch: Any) -> tuple[Any, Any]:
            logs, state = model.train_step(state, batch)
            return state, logs

        # Stacked inside the program: handing XLA the separate batches costs a quarter
        # of stacking them on the host and copying the stack in (fresh 4 KB pages).
        stacked = jax.tree.map(lambda *arrays: jax.numpy.stack(arrays), *batches)
        state, logs = jax.lax.scan(step, state, stacked)
        return jax.tree.map(lambda values: values[-1], logs), state  # the logs of the execution's last step, as Keras's loop returns

    scan_steps = jax.jit(scan, donate_argnums=0)
    one_step = jax.jit(model.train_step, donate_argnums=0)

    def train_function(state: Any, iterator: Iterator[Any]) -> tuple[Any, Any]:
        batches = list(itertools.islice(iterator, model.steps_per_execution))
        if not batches:
            raise StopIteration  # what Keras's own loop raises when the data ran out; fit catches it
        logs = None
        for _, group in itertools.groupby(batches, key=_shapes):
            run = list(group)  # an epoch's last, smaller batch is a run of its own: one program per shape
            if len(run) == 1:
                logs, state = one_step(state, run[0])
            else:
                logs, state = scan_steps(state, run)
        return logs, state

    return train_function


def _shapes(batch: Any) -> tuple[Any, ...]:
    import jax

    return tuple((leaf.shape, str(leaf.dtype)) for leaf in jax.tree.leaves(batch))
