"""Learning-rate schedules from the config's `schedule:`: Keras's own, counted per epoch or per step, plateau and 1cycle.

- A Keras schedule `per: step` becomes the optimizer's learning rate, as in Keras.
- `per: epoch` (the lessons' LearningRateScheduler) evaluates the same schedule at
  the epoch number and sets the rate before each epoch: `exponential_decay` with
  `decay_steps: 20, decay_rate: 0.1` is lr0 * 0.1 ** (epoch / 20).
- `reduce_on_plateau` is Keras's ReduceLROnPlateau callback.
- `one_cycle` is a per-step schedule: a linear rise from the initial rate to the
  peak over `warmup` of the steps, a linear fall back over as many, then an
  anneal to the final rate. Keras 3 optimizers hold momentum as a constant, so
  momentum is not cycled.
"""

from __future__ import annotations

from typing import Any

import keras

from nnlab.config.dynamics import ONE_CYCLE, PLATEAU
from nnlab.config.spec import Spec


@keras.saving.register_keras_serializable(package="nnlab")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """The 1cycle policy as a per-step schedule (Smith 2018; Géron's OneCycleScheduler)."""

    def __init__(self, initial_learning_rate: float, max_learning_rate: float, final_learning_rate: float, total_steps: int, warmup: float = 0.45) -> None:
        self.initial_learning_rate, self.max_learning_rate, self.final_learning_rate = initial_learning_rate, max_learning_rate, final_learning_rate
        self.total_steps, self.warmup = int(total_steps), float(warmup)

    def __call__(self, step: Any) -> Any:
        ops = keras.ops
        step = ops.cast(step, "float32")
        rise = max(1.0, self.warmup * self.total_steps)
        anneal_start, anneal = 2 * rise, max(1.0, self.total_steps - 2 * rise)
        up = self.initial_learning_rate + (self.max_learning_rate - self.initial_learning_rate) * step / rise
        down = self.max_learning_rate - (self.max_learning_rate - self.initial_learning_rate) * (step - rise) / rise
        tail = self.initial_learning_rate + (self.final_learning_rate - self.initial_learning_rate) * ops.minimum(1.0, (step - anneal_start) / anneal)
        return ops.where(step < rise, up, ops.where(step < anneal_start, down, tail))

    def get_config(self) -> dict[str, Any]:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "max_learning_rate": self.max_learning_rate,
            "final_learning_rate": self.final_learning_rate,
            "total_steps": self.total_steps,
            "warmup": self.warmup,
        }


class EpochSchedule(keras.callbacks.Callback):
    """Sets the optimizer's learning rate before each epoch from a schedule evaluated at the epoch number."""

    def __init__(self, schedule: keras.optimizers.schedules.LearningRateSchedule) -> None:
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.model.optimizer.learning_rate = float(keras.ops.convert_to_numpy(self.schedule(epoch)))


def per_step_rate(spec: Spec) -> Any:
    """The schedule that replaces the optimizer's learning rate (per-step schedules and 1cycle), or None."""
    schedule = spec.schedule
    if not schedule:
        return None
    if schedule["type"] == ONE_CYCLE:
        args = {key: value for key, value in schedule.items() if key != "type"}
        return OneCycle(total_steps=spec.training.epochs * spec.plan.steps_per_epoch, **args)
    if schedule["type"] != PLATEAU and schedule["per"] == "step":
        return _keras_schedule(schedule)
    return None


def callbacks(spec: Spec) -> list[keras.callbacks.Callback]:
    """The callbacks of per-epoch schedules and of reduce_on_plateau."""
    schedule = spec.schedule
    if not schedule or schedule["type"] == ONE_CYCLE:
        return []
    if schedule["type"] == PLATEAU:
        return [keras.callbacks.ReduceLROnPlateau(**{key: value for key, value in schedule.items() if key != "type"})]
    return [EpochSchedule(_keras_schedule(schedule))] if schedule["per"] == "epoch" else []


def _keras_schedule(schedule: dict[str, Any]) -> keras.optimizers.schedules.LearningRateSchedule:
    args = {key: value for key, value in schedule.items() if key not in ("type", "per")}
    return getattr(keras.optimizers.schedules, schedule["type"])(**args)
