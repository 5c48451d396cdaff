"""Choosing where a run trains: a `tf.distribute` strategy for the config's `device`."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import tensorflow as tf


class DeviceError(Exception):
    """The config asks for a device this machine does not have."""


@dataclass
class Placement:
    """The strategy to train under and the devices it uses, as recorded in run.json."""

    strategy: tf.distribute.Strategy
    devices: list[str]

    def describe(self) -> dict[str, Any]:
        return {"strategy": type(self.strategy).__name__, "devices": self.devices, "replicas": self.strategy.num_replicas_in_sync}


def place(device: Any) -> Placement:
    """The placement for `auto | cpu | gpu | gpu:N | {gpus: [...]} | {cpus: N}`.

    Raises:
        DeviceError: a GPU that is not there, or logical CPUs that can no longer be made.
    """
    gpus = tf.config.list_physical_devices("GPU")
    if device == "auto":
        return _one("/gpu:0" if gpus else "/cpu:0")
    if device == "cpu":
        return _one("/cpu:0")
    if isinstance(device, str) and device.startswith("gpu"):
        index = int(device.partition(":")[2] or 0)
        _require_gpus(gpus, [index])
        return _one(f"/gpu:{index}")
    if "gpus" in device:
        _require_gpus(gpus, device["gpus"])
        return _mirrored([f"/gpu:{i}" for i in device["gpus"]])
    return _mirrored(_logical_cpus(device["cpus"]))


def _one(name: str) -> Placement:
    return Placement(tf.distribute.OneDeviceStrategy(name), [_physical(name)])


def _mirrored(names: list[str]) -> Placement:
    if len(names) == 1:
        return _one(names[0])
    return Placement(tf.distribute.MirroredStrategy(devices=names), [_physical(n) for n in names])


def _physical(name: str) -> str:
    """A readable device name: `/gpu:0 (NVIDIA H100 80GB HBM3)`."""
    if name.startswith("/gpu"):
        index = int(name.rsplit(":", 1)[1])
        try:
            details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[index])
            return f"{name} ({details.get('device_name', 'GPU')})"
        except (IndexError, ValueError, RuntimeError):
            return name
    return name


def _require_gpus(gpus: list, indices: list[int]) -> None:
    missing = [i for i in indices if i >= len(gpus)]
    if missing:
        have = f"{len(gpus)} GPU(s)" if gpus else "no GPU visible to TensorFlow"
        raise DeviceError(f"GPU {', '.join(map(str, missing))} is not available: this machine has {have}; use device: cpu or auto")


def _logical_cpus(count: int) -> list[str]:
    """Split the CPU into `count` logical devices (for testing distributed code without GPUs)."""
    cpus = tf.config.list_physical_devices("CPU")
    with contextlib.suppress(RuntimeError):  # TensorFlow already started: the devices it has are all it will have
        tf.config.set_logical_device_configuration(cpus[0], [tf.config.LogicalDeviceConfiguration()] * count)
    have = len(tf.config.list_logical_devices("CPU"))
    if have < count:
        raise DeviceError(f"{count} logical CPU devices were asked for, but TensorFlow already started with {have}; run nnlab in a new process")
    return [f"/cpu:{i}" for i in range(count)]
