"""On JAX, an execution's `steps_per_execution` train (or test) steps run as one compiled `lax.scan`.

Keras 3.15's JAX trainer runs an execution as a Python loop of single-step
jitted calls, each paying a dispatch and a copy of its batch: on a 2-core CPU the
Fashion-MNIST MLP's epoch at batch 32 takes 0.72 s scanned against 0.83 s looped
(README, Performance). TensorFlow's trainer already compiles the loop (a
`tf.while_loop`), and Keras merged the same for JAX after 3.15
(keras-team/keras#23527); until nnlab requires that Keras, this is that loop.
The steps are Keras's own `train_step` and `test_step` on Keras's own batches,
so the mathematics, metrics and callbacks are Keras's; only where the loop runs
moves (tests/test_fast_path.py compares the two).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

import keras

SWITCH = "NNLAB_FUSED_STEPS"  # "off": Keras's own loop (to compare with it: bench/run.py, tests/test_fast_path.py)
StepFunction = Callable[[Any, Any], tuple[Any, Any]]
ExecutionFunction = Callable[[Any, Iterator[Any]], tuple[Any, Any]]


def fuse_steps(model: keras.Model) -> None:
    """Give a model compiled on JAX train and test functions that scan each execution's batches.

    Call after every `compile` (which resets both functions). Other backends,
    one step per execution, eager runs, distributed models and
    `$NNLAB_FUSED_STEPS=off` keep Keras's own loops.
    """
    if keras.config.backend() != "jax" or model.steps_per_execution <= 1 or model.run_eagerly or not model.jit_compile:
        return
    if keras.distribution.distribution() is not None or os.environ.get(SWITCH) == "off":
        return
    model.train_function = scanning_function(model.train_step, model.steps_per_execution)
    model.test_function = scanning_function(model.test_step, model.steps_per_execution)


def scanning_function(step: StepFunction, steps_per_execution: int) -> ExecutionFunction:
    """`(state, iterator) -> (logs, state)` as Keras's JAX `fit` and `evaluate` call it, over up to `steps_per_execution` batches.

    `step` is Keras's own `train_step` or `test_step`: `(state, batch) -> (logs, state)`.
    """
    import jax

    def scan(state: Any, batches: list[Any]) -> tuple[Any, Any]:
        def body(state: Any, batch: Any) -> tuple[Any, Any]:
            logs, state = step(state, batch)
            return state, logs

        # Stacked inside the program: handing XLA the separate batches costs a quarter
        # of stacking them on the host and copying the stack in (fresh 4 KB pages).
        stacked = jax.tree.map(lambda *arrays: jax.numpy.stack(arrays), *batches)
        state, logs = jax.lax.scan(body, state, stacked)
        return jax.tree.map(lambda values: values[-1], logs), state  # the logs of the execution's last step, as Keras's loop returns

    scan_steps = jax.jit(scan, donate_argnums=0)
    one_step = jax.jit(step, donate_argnums=0)

    def execution(state: Any, iterator: Iterator[Any]) -> tuple[Any, Any]:
        batches = list(itertools.islice(iterator, steps_per_execution))
        if not batches:
            raise StopIteration  # what Keras's own loop raises when the data ran out; fit catches it
        if len(batches) == steps_per_execution and len({_shapes(batch) for batch in batches}) == 1:
            return scan_steps(state, batches)
        # An epoch's shorter last execution goes step by step: a scan of another length
        # would be one more program to compile (about 0.5 s on 2 cores, more than a short
        # remainder saves), and its smaller last batch has a shape of its own anyway.
        logs = None
        for batch in batches:
            logs, state = one_step(state, batch)
        return logs, state

    return execution


def _shapes(batch: Any) -> tuple[Any, ...]:
    import jax

    return tuple((leaf.shape, str(leaf.dtype)) for leaf in jax.tree.leaves(batch))
