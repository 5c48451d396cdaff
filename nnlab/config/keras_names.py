"""Keras's public names and constructor arguments, read without importing Keras.

`import keras` imports TensorFlow (about 5 s), yet `nnlab validate` must check
that `optimizer: adamm` is wrong and suggest `adam`. Keras generates one API
file per namespace (`keras/optimizers/__init__.py`: `from keras.src.optimizers.adam
import Adam as Adam`), so we parse those files and the class definitions they
point to with `ast`. The names therefore always match the installed Keras: there
is no hand-kept list to drift. Building objects still goes through Keras itself
(see `nnlab.training.build`); this module only answers "does it exist, what does it take".

It fails soft: if the installed Keras keeps its API files elsewhere (Keras has
moved them before) or re-exports names lazily, `layout_problem()` says why,
every name and argument is accepted as written, and the problem is caught when
the model is built, against the same config key. A test compares this
catalogue with the imported Keras for every kind, so a change is noticed.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The namespaces whose objects a config may name, as paths under the keras package.
KINDS = {
    "layer": "layers",
    "optimizer": "optimizers",
    "initializer": "initializers",
    "activation": "activations",
    "regularizer": "regularizers",
    "constraint": "constraints",
    "loss": "losses",
    "metric": "metrics",
    "callback": "callbacks",
    "schedule": "optimizers/schedules",
}
# Kinds that only hold classes worth naming in a config (the lowercase names in
# `keras.layers` are merge helpers such as `add`, not layers).
CLASS_ONLY = {"layer", "optimizer", "callback", "schedule"}
# The strings `model.compile` understands beyond the metric registry
# (keras/src/trainers/compile_utils.py).
COMPILE_METRIC_ALIASES = ("accuracy", "acc", "crossentropy", "ce")
NOT_AN_OBJECT = {"get", "serialize", "deserialize"}
# Abstract bases and containers: public, but nothing a config can build by name.
ABSTRACT = {
    "layer": {"Layer", "Input", "InputLayer", "InputSpec", "Wrapper"},
    "optimizer": {"Optimizer", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap"},
    "initializer": {"Initializer"},
    "regularizer": {"Regularizer"},
    "constraint": {"Constraint"},
    "loss": {"Loss"},
    "metric": {"Metric", "MeanMetricWrapper"},
    "callback": {"Callback", "CallbackList", "History", "ProgbarLogger"},
    "schedule": {"LearningRateSchedule"},
}
UNKNOWN = object()  # a default value that is not a literal


@dataclass(frozen=True)
class Entry:
    """One public Keras name: `keras.<namespace>.<name>` is `<module>.<attr>`."""

    kind: str
    name: str
    module: str
    attr: str
    alias: bool = False  # a name only Keras's registry knows (`zero`, `mse`): `get()` takes it, `getattr` does not

    @property
    def is_class(self) -> bool:
        return self.attr[:1].isupper()


@dataclass
class Params:
    """The keyword arguments a constructor or function accepts.

    `defaults` maps each name to its literal default (or UNKNOWN); `required`
    lists those without a default; `open` is true when unknown keywords cannot
    be ruled out (a `**kwargs` we could not follow).
    """

    defaults: dict[str, Any] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    open: bool = False


def keras_root() -> Path | None:
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def normalize(name: str) -> str:
    """The key under which `he_normal`, `HeNormal` and `henormal` meet."""
    return name.replace("_", "").lower()


class LayoutError(Exception):
    """The installed Keras does not keep its names where this module reads them."""


@functools.cache
def layout_problem() -> str | None:
    """Why Keras's names cannot be read from its files (then none are checked), or None."""
    try:
        for kind in KINDS:
            names(kind)
    except LayoutError as error:
        return str(error)
    return None


def checked() -> bool:
    """True when names and arguments are checked against the installed Keras."""
    return layout_problem() is None


@functools.cache
def names(kind: str) -> dict[str, Entry]:
    """Every public name of a kind: `{"Adam": Entry(...), ...}`; aliases included.

    Raises:
        LayoutError: Keras is not installed, or its API files are not where they were.
    """
    root = keras_root()
    if root is None:
        raise LayoutError("Keras is not installed (pip install keras)")
    api = root / KINDS[kind] / "__init__.py"
    try:
        tree = ast.parse(api.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError) as error:
        raise LayoutError(f"cannot read {api} ({type(error).__name__})") from None
    entries: dict[str, Entry] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("keras.src."):
            continue
        for alias in node.names:
            public = alias.asname or alias.name
            if public in NOT_AN_OBJECT or public in ABSTRACT.get(kind, ()) or (kind in CLASS_ONLY and not public[:1].isupper()):
                continue
            entries[public] = Entry(kind, public, node.module or "", alias.name)
    if not entries:
        raise LayoutError(f"{api} names no objects (Keras may re-export them lazily)")
    entries.update(_registry_aliases(root, kind, entries))
    if kind == "metric":
        for short in COMPILE_METRIC_ALIASES:
            entries.setdefault(short, Entry(kind, short, "", short, alias=True))
    return entries


def _registry_aliases(root: Path, kind: str, entries: dict[str, Entry]) -> dict[str, Entry]:
    """Short names such as `mse` that Keras adds to its registry dict by hand."""
    registry = root / "src" / KINDS[kind] / "__init__.py"
    if not registry.exists():
        return {}
    by_attr = {entry.attr: entry for entry in entries.values()}
    aliases = {}
    for node in ast.walk(ast.parse(registry.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, ast.Name):
                    target = by_attr.get(value.id)
                    if target is not None and key.value not in entries:
                        aliases[key.value] = Entry(kind, key.value, target.module, target.attr, alias=True)
    return aliases


def lookup(kind: str, name: str) -> Entry | None:
    """The entry for a name written as Keras spells it, in snake_case or any case.

    When Keras's names cannot be read (`layout_problem()`), every name is taken
    as written, with arguments unchecked.
    """
    if not checked():
        return Entry(kind, name, "", name)
    entries = names(kind)
    if name in entries:
        return entries[name]
    matches = [entry for public, entry in entries.items() if normalize(public) == normalize(name)]
    # Prefer the class (`MeanSquaredError`) over a same-named function when both match.
    matches.sort(key=lambda entry: not entry.is_class)
    return matches[0] if matches else None


def class_for(entry: Entry) -> Entry | None:
    """The public class a mapping `{type: NAME, ...}` builds, or None when NAME is only a function.

    A class written by a public name is itself; a registry alias is its class
    (`zero` -> `Zeros`); a function is the class of the same name
    (`categorical_crossentropy` -> `CategoricalCrossentropy`), which is what
    arguments such as `from_logits` are meant for. Keras's loss *functions* take
    `(y_true, y_pred)`, so building one with arguments would fail.
    """
    if not checked():
        return entry  # names are taken as written
    if not entry.module:  # `accuracy`: compile() picks the variant that fits the labels; no class stands for it
        return None
    if entry.is_class and not entry.alias:
        return entry
    public = [candidate for candidate in names(entry.kind).values() if candidate.is_class and not candidate.alias]
    if entry.is_class:  # a registry alias of a class
        same = [candidate for candidate in public if (candidate.module, candidate.attr) == (entry.module, entry.attr)]
    else:
        same = [candidate for candidate in public if normalize(candidate.name) == normalize(entry.attr)]
    same.sort(key=lambda candidate: candidate.name != candidate.attr)  # `Zeros` before an exported alias of it
    return same[0] if same else None


@functools.cache
def parameters(entry: Entry) -> Params:
    """The keyword arguments `entry` accepts, following `**kwargs` into base classes."""
    found = _find(entry.module, entry.attr)
    if found is None:
        return Params(open=True)
    node, module = found
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _function_params(node)
    if not isinstance(node, ast.ClassDef):
        return Params(open=True)
    return _class_params(node, module, depth=0)


def _class_params(node: ast.ClassDef, module: str, depth: int) -> Params:
    init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is not None:
        params = _function_params(init)
        if not params.open:
            return params
        if _rejects_unknown_kwargs(init):
            params.open = False
            params.defaults.update({name: None for name in _popped_kwargs(init)})
    else:
        # No __init__ and no bases means object's: no arguments at all.
        params = Params(open=bool(node.bases))
    if depth > 8:
        return params
    # Unknown keywords flow on to the base classes: accept theirs too.
    bases = [_resolve(base, module) for base in node.bases]
    resolved = [base for base in bases if base is not None]
    if not resolved:
        return params
    still_open = False
    for base_node, base_module in resolved:
        base = _class_params(base_node, base_module, depth + 1)
        for name, default in base.defaults.items():
            params.defaults.setdefault(name, default)
        still_open = still_open or base.open
    if init is None or not _rejects_unknown_kwargs(init):
        # A base we cannot read (Keras picks `BackendOptimizer` at import time) is
        # assumed to pass keywords on to the bases we can read.
        params.open = still_open
    return params


def _function_params(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Params:
    args = node.args
    positional = [a for a in args.posonlyargs + args.args if a.arg not in ("self", "cls")]
    params = Params(open=args.kwarg is not None)
    first_default = len(positional) - len(args.defaults)
    for index, arg in enumerate(positional):
        if index >= first_default:
            params.defaults[arg.arg] = _literal(args.defaults[index - first_default])
        else:
            params.required.append(arg.arg)
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        if default is None:
            params.required.append(arg.arg)
        else:
            params.defaults[arg.arg] = _literal(default)
    return params


def _rejects_unknown_kwargs(init: ast.FunctionDef) -> bool:
    """True when `__init__` ends with `if kwargs: raise ...`, as Layer and Optimizer do."""
    for node in ast.walk(init):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "kwargs" and any(isinstance(stmt, ast.Raise) for stmt in node.body):
            return True
    return False


def _popped_kwargs(init: ast.FunctionDef) -> list[str]:
    """Keywords an `__init__` takes out of **kwargs by hand (`kwargs.pop("input_dim")`)."""
    popped = []
    for node in ast.walk(init):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "pop"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "kwargs"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            popped.append(node.args[0].value)
    return popped


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return UNKNOWN


@functools.cache
def _module_tree(module: str) -> ast.Module | None:
    root = keras_root()
    if root is None or not module.startswith("keras."):
        return None
    base = root.joinpath(*module.split(".")[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return ast.parse(candidate.read_text(encoding="utf-8"))
    return None


def _find(module: str, name: str, depth: int = 0) -> tuple[ast.AST, str] | None:
    """The class or function `name` as defined in (or imported into) `module`."""
    tree = _module_tree(module)
    if tree is None or depth > 4:
        return None
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and node.name == name:
            return node, module
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _find(node.module, alias.name, depth + 1)
    return None


def _resolve(base: ast.expr, module: str) -> tuple[ast.ClassDef, str] | None:
    """A base class expression (`Layer` or `base_optimizer.BaseOptimizer`) to its definition."""
    tree = _module_tree(module)
    if tree is None:
        return None
    if isinstance(base, ast.Name):
        found = _find(module, base.id)
    elif isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name):
        found = None
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    if (alias.asname or alias.name) == base.value.id:
                        found = _find(f"{node.module}.{alias.name}", base.attr)
    else:
        found = None
    if found is None or not isinstance(found[0], ast.ClassDef):
        return None
    return found  # type: ignore[return-value]
