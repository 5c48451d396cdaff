"""The catalogue of dataset names: each a loader registered with what `nnlab data list` shows.

A loader is `f(seed, **arguments) -> Raw`; loaders that read files also take
`path` (the config's `data.path`, or None). Loader modules register themselves
on import; `nnlab.data` imports them all.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nnlab.data.dataset import Raw

EMBEDDED, DOWNLOADABLE, GENERATED, FILE = "embedded", "downloadable", "generated", "file"

# Arguments nnlab sets itself, never the config: the seed, and scikit-learn's switches.
_NOT_ARGUMENTS = ("seed", "path", "random_state", "return_X_y", "return_centers", "coef", "shuffle")


@dataclass(frozen=True)
class Entry:
    """A named dataset: how to load it and what `nnlab data list` says about it.

    `signature_of` is the function whose keyword arguments the config may set
    under `data.dataset` (scikit-learn's own generator, for the generated sets).
    `available` says, without downloading, whether the data is on this machine.
    """

    name: str
    task: str
    description: str
    load: Callable[..., Raw]
    signature_of: Callable[..., Any] | None = None
    kind: str = EMBEDDED
    shapes: str = ""
    classes: int | None = None
    available: Callable[[], bool] | None = None

    def arguments(self) -> dict[str, Any]:
        """Keyword arguments the dataset accepts under `data.dataset`, with their defaults."""
        function = self.signature_of() if self.signature_of else self.load
        return {
            name: param.default
            for name, param in inspect.signature(function).parameters.items()
            if name not in _NOT_ARGUMENTS and param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD)
        }

    @property
    def reads_files(self) -> bool:
        return "path" in inspect.signature(self.load).parameters

    def is_available(self) -> bool:
        return True if self.available is None else self.available()


REGISTRY: dict[str, Entry] = {}
Loader = Callable[..., Raw]


def register(name: str, task: str, description: str, signature_of: Callable[..., Any] | None = None, **facts: Any) -> Callable[[Loader], Loader]:
    """Decorator: add a loader `f(seed, **arguments) -> Raw` to the catalogue.

    `facts` are the other fields of `Entry`: kind, shapes, classes, available.
    """

    def add(load: Callable[..., Raw]) -> Callable[..., Raw]:
        REGISTRY[name] = Entry(name, task, description, load, signature_of, **facts)
        return load

    return add
