"""The checks of the config's own top-level keys: the run's name and its device.

The keys themselves, their defaults and help are declared once, in
`nnlab.config.spec`; a config is resolved in a fixed order, as Ludwig does:
expand shorthands (`optimizer: adam` -> `{type: Adam}`), check names, fill
defaults, check each value, then the cross-field checks; every problem is
collected so the user sees all of them at once.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Mapping
from pathlib import Path as Path_
from typing import Any

from nnlab.config.checker import Checker, Path
from nnlab.config.fields import MISSING
from nnlab.errors import describe

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
DEVICE_PATTERN = re.compile(r"auto|cpu|gpu|gpu:\d+")
BACKENDS = ("tensorflow", "jax")
CHOICE = "NNLAB_BACKEND"  # the backend a process was started for (nnlab.experiment.select_backend)
# steps_per_execution: auto runs about this many examples per call into the backend (bench/run.py)
EXAMPLES_PER_EXECUTION = {"tensorflow": 2048, "jax": 8192}


def name(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> str:
    """The run's name, by default the config file's: it names the run folder."""
    if value is MISSING:
        value = _stem(chk.source.file)
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        chk.fail(path, f"expected 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit (it names the run folder) (got {describe(value)})")
    return value


def _stem(file: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", file.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-.")
    return stem[:100] or "run"


def device(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
    """`auto | cpu | gpu | gpu:N | {gpus: [0, 1]} | {cpus: N}`; whether the GPU exists is checked at train time."""
    if isinstance(value, str) and DEVICE_PATTERN.fullmatch(value):
        return value
    if isinstance(value, dict) and len(value) == 1:
        key, ids = next(iter(value.items()))
        if key == "gpus" and isinstance(ids, list) and ids and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
            return {"gpus": ids}
        if key == "cpus" and isinstance(ids, int) and not isinstance(ids, bool) and ids >= 1:
            return {"cpus": ids}
    chk.fail(path, f"expected auto, cpu, gpu, gpu:N, {{gpus: [0, 1]}} or {{cpus: N}} (got {describe(value)})")
    return value


def backend(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> str:
    """The Keras backend: `tensorflow`, `jax` when it is installed (pip install "nnlab[jax]"), or `auto`."""
    if value != "auto" and value not in BACKENDS:
        chk.fail(path, f"expected auto, {' or '.join(BACKENDS)} (got {describe(value)})")
    elif value != "auto" and importlib.util.find_spec(value) is None:
        chk.fail(path, f'{value} is not installed (pip install "nnlab[{value}]")')
    elif value == "jax" and _multi_device(done.get("device")):
        chk.fail(path, f"device {describe(done.get('device'))} runs tf.distribute's MirroredStrategy: use backend tensorflow (or auto)")
    return str(value)


def resolve_backend(name: str, device: Any) -> str:
    """The backend `auto` means on this machine, told without importing either framework.

    `$NNLAB_BACKEND`, when set, decides. Otherwise: JAX trains the lessons' models several times faster than TensorFlow on a CPU
    (bench/run.py), so it is chosen wherever it is installed and can serve the
    device: not for several devices (MirroredStrategy is TensorFlow's), and not for
    a GPU unless JAX has its CUDA plugin.
    """
    if name != "auto":
        return name
    if os.environ.get(CHOICE) in BACKENDS:  # the process's choice: a test suite, a sweep worker, a user's shell
        return os.environ[CHOICE]
    if _multi_device(device) or importlib.util.find_spec("jax") is None:
        return "tensorflow"
    wants_gpu = (isinstance(device, str) and device.startswith("gpu")) or (device == "auto" and _nvidia_gpu_present())
    if wants_gpu and not _jax_has_cuda():
        return "tensorflow"
    return "jax"


def _multi_device(device: Any) -> bool:
    return isinstance(device, dict)


def _nvidia_gpu_present() -> bool:
    return any(Path_(marker).exists() for marker in ("/dev/nvidiactl", "/proc/driver/nvidia"))


def _jax_has_cuda() -> bool:
    return any(importlib.util.find_spec(plugin) is not None for plugin in ("jax_cuda12_plugin", "jax_cuda13_plugin"))


def auto_or_integer(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> int | str:
    if value == "auto":
        return value
    return chk.integer(path, value, minimum=1)


def auto_or_boolean(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> bool | str:
    if value != "auto" and not isinstance(value, bool):
        chk.fail(path, f"expected auto, true or false (got {describe(value)})")
    return value


def steps_per_execution(setting: int | str, batch_size: int, steps_per_epoch: int, backend: str, device: Any) -> int:
    """What `auto` means: about EXAMPLES_PER_EXECUTION examples per call (at most an epoch's steps),
    which amortizes the per-call cost: on TensorFlow a call into its graph; on JAX, where Keras loops
    over jitted steps in Python (nothing more to compile), its callbacks and the host sync of the
    logs after every call. One step under MirroredStrategy, where Keras 3.15 fails with several.
    """
    if setting != "auto":
        return int(setting)
    if _multi_device(device):
        return 1
    examples = EXAMPLES_PER_EXECUTION.get(backend, EXAMPLES_PER_EXECUTION["tensorflow"])
    return max(1, min(steps_per_epoch, round(examples / batch_size)))


def one_step_under_mirrored_strategy(chk: Checker, path: Path, done: dict[str, Any], given: Mapping[str, Any]) -> None:
    """Keras 3.15 cannot run several steps per execution under MirroredStrategy (a placeholder error)."""
    training, device = done.get("training"), done.get("device")
    setting = getattr(training, "steps_per_execution", "auto")
    if _multi_device(device) and setting not in ("auto", 1):
        chk.fail(
            (*path, "training", "steps_per_execution"),
            f"several devices ({describe(device)}) train one step per execution in Keras; use auto or 1 (got {setting!r})",
        )


def schedule_or_phases(chk: Checker, path: Path, done: dict[str, Any], given: Mapping[str, Any]) -> None:
    """Each phase compiles a fresh optimizer: a run-wide schedule would not know which to drive."""
    training = done.get("training")
    if done.get("schedule") and getattr(training, "phases", None):
        chk.fail((*path, "schedule"), "a schedule and training.phases together: give each phase its own optimizer and learning rate instead")
