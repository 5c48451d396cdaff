"""Do the layers fit the data and each other? Output shapes and parameter counts, worked out without Keras.

Keras says that a Conv2D cannot take flat features, or that a model is too
large for memory, only when it builds the model: after TensorFlow's import,
seconds into `train`, and never in `validate`. The arithmetic of the common
layers is simple, so it is done here, in pure Python, on one example's shape
(no batch axis). A layer this module does not know, or an argument it does not
model (`data_format: channels_first`, a normalization axis other than the
last), ends the check quietly: Keras still checks everything when it builds.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any

from nnlab.config import keras_names
from nnlab.config.checker import Checker

Shape = tuple[int, ...]  # one example's shape: (28, 28), (8, 8, 1), (64,)
BYTES_PER_PARAMETER = 4  # float32, Keras's default
COPIES_IN_TRAINING = 2  # the weights and their gradients, whatever the optimizer keeps besides


class UnknownError(Exception):
    """The calculator cannot follow this layer: stop checking, Keras will."""


class MismatchError(Exception):
    """A layer does not fit what it receives: `argument` names the key to blame, if one."""

    def __init__(self, message: str, argument: str | None = None) -> None:
        super().__init__(message)
        self.argument = argument


Rule = Callable[[Shape, dict[str, Any]], tuple[Shape, int]]  # (input shape, arguments) -> (output shape, parameters)


def check(chk: Checker, layers: list[tuple[tuple[Any, ...], dict[str, Any]]], defaults: dict[str, Any], input_shape: Shape) -> None:
    """Report the first layer that cannot take what it receives, a model too large for memory, or an output that is not one vector per example.

    Args:
        layers: every layer with the config path that names it (`output.stacked_layers`: a base model's, then `model.layers`).
        defaults: `model.defaults`, given to the layers of `model.layers` that accept them.
    """
    shape, params = tuple(input_shape), 0
    memory = available_memory()
    for path, layer in layers:
        rule = RULES.get(layer["type"])
        if rule is None:
            return
        try:
            shape, count = rule(shape, _arguments(layer, defaults if path[1] == "layers" else {}))
        except UnknownError:
            return
        except MismatchError as problem:
            chk.fail(
                path + ((problem.argument,) if problem.argument and problem.argument in layer and path[1] == "layers" else ()), f"{layer['type']}: {problem}"
            )
            return
        params += count
        needed = params * BYTES_PER_PARAMETER * COPIES_IN_TRAINING
        if memory is not None and needed > memory:
            blame = next((key for key in ("units", "filters", "output_dim") if key in layer), None) if path[1] == "layers" else None
            chk.fail(
                path + ((blame,) if blame else ()),
                f"the model would have {params:,} parameters up to this layer: {_size(needed)} for the weights and their gradients alone, "
                f"more than the {_size(memory)} of memory free on this machine",
            )
            return
    if len(shape) != 1:
        chk.fail(
            ("model", "layers"),
            f"the model's output for one example has shape {shape}, but it must be a vector (one score per class or target): "
            "add Flatten (or a global pooling layer) before the output layer",
        )


def _arguments(layer: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The layer's arguments as Keras builds it: its own, else the model defaults it accepts, else Keras's defaults."""
    entry = keras_names.lookup("layer", layer["type"])
    params = keras_names.parameters(entry) if entry is not None else keras_names.Params(open=True)
    accepted = params.defaults.keys() | set(params.required)
    given = {key: value for key, value in params.defaults.items() if value is not keras_names.UNKNOWN}
    given.update((key, value) for key, value in defaults.items() if params.open or key in accepted)
    given.update((key, value) for key, value in layer.items() if key != "type")
    return given


def available_memory() -> int | None:
    """Bytes this process can still allocate: the smaller of the machine's free memory and its container's limit."""
    limits = []
    try:
        for line in FilePath("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        cgroup = FilePath("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit.isdigit():
            limits.append(int(limit) - int((cgroup / "memory.current").read_text().strip()))
    except (OSError, ValueError):
        pass
    if not limits and hasattr(os, "sysconf"):
        with contextlib.suppress(ValueError, OSError):
            limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(limits) if limits else None


def _size(count: int) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count:,} bytes"


# The rules, one per kind of layer.


def _dense(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
    if not shape:
        raise UnknownError
    units = _positive(args.get("units"), "units")
    return shape[:-1] + (units,), shape[-1] * units + (units if args.get("use_bias", True) else 0)


def _flatten(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
    if args.get("data_format") == "channels_first":
        raise UnknownError
    return (math.prod(shape),), 0


def _reshape(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
    target = args.get("target_shape")
    if not isinstance(target, (list, tuple)) or not all(isinstance(size, int) and not isinstance(size, bool) for size in target):
        raise UnknownError
    values, known = math.prod(shape), math.prod(size for size in target if size != -1)
    if list(target).count(-1) == 1 and known > 0 and values % known == 0:
        return tuple(values // known if size == -1 else size for size in target), 0
    if -1 not in target and known == values:
        return tuple(target), 0
    raise MismatchError(f"target_shape {list(target)} does not hold the {values:,} values of one example of shape {shape}", "target_shape")


def _shape_preserving(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
    return shape, 0


def _normalization(trainable: Callable[[dict[str, Any]], int]) -> Rule:
    """BatchNormalization and LayerNormalization over the last axis: parameters per channel."""

    def rule(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
        if not shape or args.get("axis", -1) not in (-1, len(shape)):
            raise UnknownError
        return shape, shape[-1] * trainable(args)

    return rule


def _convolution(rank: int) -> Rule:
    def rule(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
        _channels_last(args)
        spatial, channels = _spatial(shape, rank, "Conv")
        filters = _positive(args.get("filters"), "filters")
        kernel = _sizes(args.get("kernel_size"), rank, "kernel_size")
        strides = _sizes(args.get("strides"), rank, "strides")
        dilation = _sizes(args.get("dilation_rate"), rank, "dilation_rate")
        groups = args.get("groups", 1)
        if not isinstance(groups, int) or groups < 1 or channels % groups or filters % groups:
            raise UnknownError
        padding = str(args.get("padding", "valid")).lower()
        out = tuple(_window(size, k, s, padding, d, "kernel_size") for size, k, s, d in zip(spatial, kernel, strides, dilation))
        params = math.prod(kernel) * (channels // groups) * filters + (filters if args.get("use_bias", True) else 0)
        return out + (filters,), params

    return rule


def _pooling(rank: int) -> Rule:
    def rule(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
        _channels_last(args)
        spatial, channels = _spatial(shape, rank, "Pooling")
        pool = _sizes(args.get("pool_size"), rank, "pool_size")
        strides = pool if args.get("strides") is None else _sizes(args["strides"], rank, "strides")
        padding = str(args.get("padding", "valid")).lower()
        out = tuple(_window(size, p, s, padding, 1, "pool_size") for size, p, s in zip(spatial, pool, strides))
        return out + (channels,), 0

    return rule


def _global_pooling(rank: int) -> Rule:
    def rule(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
        _channels_last(args)
        _, channels = _spatial(shape, rank, "GlobalPooling")
        return ((1,) * rank + (channels,) if args.get("keepdims") else (channels,)), 0

    return rule


def _embedding(shape: Shape, args: dict[str, Any]) -> tuple[Shape, int]:
    input_dim, output_dim = _positive(args.get("input_dim"), "input_dim"), _positive(args.get("output_dim"), "output_dim")
    return shape + (output_dim,), input_dim * output_dim


def _channels_last(args: dict[str, Any]) -> None:
    if args.get("data_format") not in (None, "channels_last"):
        raise UnknownError


def _spatial(shape: Shape, rank: int, family: str) -> tuple[Shape, int]:
    """The spatial axes and channels of an input a `rank`-D layer takes; a wrong rank is the classic mistake."""
    if len(shape) == rank + 1:
        return shape[:-1], shape[-1]
    axes = {1: "(steps, channels)", 2: "(height, width, channels)", 3: "(depth, height, width, channels)"}[rank]
    hint = ""
    if len(shape) == rank:  # images without a channel axis: (28, 28)
        hint = f"; add a channel axis: {{type: reshape, target_shape: {[*shape, 1]}}} in data.preprocessing"
    elif len(shape) == 1 and rank == 2 and math.isqrt(shape[0]) ** 2 == shape[0]:
        side = math.isqrt(shape[0])
        hint = f"; reshape the features first: {{type: reshape, target_shape: [{side}, {side}, 1]}} in data.preprocessing"
    elif len(shape) == 1 and rank == 1:
        hint = f"; reshape the features first: {{type: reshape, target_shape: [{shape[0]}, 1]}} in data.preprocessing"
    raise MismatchError(f"expects inputs of shape {axes} for one example, but it receives {shape}{hint}")


def _window(size: int, window: int, stride: int, padding: str, dilation: int, key: str) -> int:
    """One spatial axis's output size, as Keras computes it; refused where nothing would be left."""
    if padding in ("same", "causal"):
        return (size - 1) // stride + 1
    if padding != "valid":
        raise UnknownError
    span = dilation * (window - 1) + 1
    if span > size:
        raise MismatchError(f"{key} {window} is larger than the input it slides over ({size} wide); use a smaller {key} or padding: same", key)
    return (size - span) // stride + 1


def _positive(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise UnknownError  # missing or not a number: the argument checks report it
    if value < 1:
        raise MismatchError(f"expected {key} >= 1 (got {value})", key)
    return value


def _sizes(value: Any, rank: int, key: str) -> tuple[int, ...]:
    """`3` or `[3, 3]` as one size per spatial axis."""
    if value is None:
        raise UnknownError  # a required argument left out: the argument checks report it
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value] * rank
    if not isinstance(value, (list, tuple)) or len(value) != rank or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise MismatchError(f"expected {key} as a positive integer or a list of {rank} (got {value!r})", key)
    if any(v < 1 for v in value):
        raise MismatchError(f"expected {key} >= 1 (got {value!r})", key)
    return tuple(value)


RULES: dict[str, Rule] = {
    "Dense": _dense,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Embedding": _embedding,
    "BatchNormalization": _normalization(lambda args: 2 + bool(args.get("center", True)) + bool(args.get("scale", True))),
    "LayerNormalization": _normalization(lambda args: bool(args.get("center", True)) + bool(args.get("scale", True))),
    **{f"Conv{rank}D": _convolution(rank) for rank in (1, 2, 3)},
    **{f"{kind}Pooling{rank}D": _pooling(rank) for kind in ("Max", "Average") for rank in (1, 2, 3)},
    **{f"Global{kind}Pooling{rank}D": _global_pooling(rank) for kind in ("Max", "Average") for rank in (1, 2, 3)},
    **dict.fromkeys(
        (
            "Dropout",
            "AlphaDropout",
            "GaussianDropout",
            "GaussianNoise",
            "ActivityRegularization",
            "Activation",
            "ReLU",
            "LeakyReLU",
            "ELU",
            "Softmax",
            "Rescaling",
            "Identity",
            "UnitNormalization",
        ),
        _shape_preserving,
    ),
}
