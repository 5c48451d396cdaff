"""Where a run trains: a device scope (or a tf.distribute strategy) for the config's `device`.

One device needs no distribution strategy: `OneDeviceStrategy` made the digits
epoch several times slower on a CPU (bench/run.py), so `auto`, `cpu` and a
single GPU train under the backend's own default placement (or a plain device
scope); only several devices get TensorFlow's MirroredStrategy.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import keras


class DeviceError(Exception):
    """The config asks for a device this machine does not have."""


@dataclass
class Placement:
    """The scope to build and train in, and the devices it uses, as recorded in run.json."""

    scope: Callable[[], AbstractContextManager[Any]]
    devices: list[str]
    strategy: str = "default"  # the backend's default placement, a device scope, or MirroredStrategy

    def describe(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "devices": self.devices, "replicas": len(self.devices)}


def place(device: Any) -> Placement:
    """The placement for `auto | cpu | gpu | gpu:N | {gpus: [...]} | {cpus: N}` on this process's backend.

    Raises:
        DeviceError: a GPU that is not there, or logical CPUs that can no longer be made.
    """
    if keras.config.backend() == "jax":
        return _place_jax(device)
    return _place_tensorflow(device)


def _place_tensorflow(device: Any) -> Placement:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "auto":
        return Placement(contextlib.nullcontext, [_tf_name("/gpu:0") if gpus else "/cpu:0"])
    if device == "cpu":
        return Placement(lambda: tf.device("/cpu:0"), ["/cpu:0"], "device") if gpus else Placement(contextlib.nullcontext, ["/cpu:0"])
    if isinstance(device, str):  # gpu, gpu:N
        index = int(device.partition(":")[2] or 0)
        _require(len(gpus), [index])
        return Placement(lambda: tf.device(f"/gpu:{index}"), [_tf_name(f"/gpu:{index}")], "device")
    if "gpus" in device:
        _require(len(gpus), device["gpus"])
        return _mirrored([f"/gpu:{i}" for i in device["gpus"]])
    return _mirrored(_logical_cpus(device["cpus"]))


def _mirrored(names: list[str]) -> Placement:
    import tensorflow as tf

    if len(names) == 1:
        return Placement(lambda: tf.device(names[0]), [_tf_name(names[0])], "device")
    strategy = tf.distribute.MirroredStrategy(devices=names)
    return Placement(strategy.scope, [_tf_name(n) for n in names], "MirroredStrategy")


def _tf_name(name: str) -> str:
    """A readable device name: `/gpu:0 (NVIDIA H100 80GB HBM3)`."""
    import tensorflow as tf

    if not name.startswith("/gpu"):
        return name
    try:
        details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[int(name.rsplit(":", 1)[1])])
    except (IndexError, ValueError, RuntimeError):
        return name
    return f"{name} ({details.get('device_name', 'GPU')})"


def _logical_cpus(count: int) -> list[str]:
    """Split the CPU into `count` logical devices (for testing distributed code without GPUs)."""
    import tensorflow as tf

    cpus = tf.config.list_physical_devices("CPU")
    with contextlib.suppress(RuntimeError):  # TensorFlow already started: the devices it has are all it will have
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * count)
    have = len(tf.config.list_logical_devices("CPU"))
    if have < count:
        raise DeviceError(f"{count} logical CPU devices were asked for, but TensorFlow already started with {have}; run nnlab in a new process")
    return [f"/cpu:{i}" for i in range(count)]


def _place_jax(device: Any) -> Placement:
    import jax

    gpus = _jax_devices("gpu")
    if device == "auto":
        return Placement(contextlib.nullcontext, [_jax_name(jax.devices()[0])])
    if device == "cpu":
        cpu = jax.devices("cpu")[0]
        return Placement(lambda: jax.default_device(cpu), [_jax_name(cpu)], "device") if gpus else Placement(contextlib.nullcontext, [_jax_name(cpu)])
    if not isinstance(device, str):  # config checks refuse several devices on JAX
        raise DeviceError(f"device {device!r} needs backend tensorflow (MirroredStrategy)")
    index = int(device.partition(":")[2] or 0)
    _require(len(gpus), [index])
    gpu = gpus[index]
    return Placement(lambda: jax.default_device(gpu), [_jax_name(gpu)], "device")


def _jax_devices(kind: str) -> list[Any]:
    import jax

    try:
        return list(jax.devices(kind))
    except RuntimeError:  # no such platform in this JAX installation
        return []


def _jax_name(device: Any) -> str:
    kind = "gpu" if device.platform in ("gpu", "cuda", "rocm") else device.platform
    name = f"/{kind}:{device.id}"
    return f"{name} ({device.device_kind})" if kind == "gpu" else name


def _require(available: int, indices: list[int]) -> None:
    missing = [i for i in indices if i >= available]
    if missing:
        have = f"{available} GPU(s)" if available else f"no GPU visible to {keras.config.backend()}"
        raise DeviceError(f"GPU {', '.join(map(str, missing))} is not available: this machine has {have}; use device: cpu or auto")
