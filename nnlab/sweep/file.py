"""Reading a sweep file: `base:` merged in, every key located in the file it came from.

A sweep file is an experiment config plus a `sweep:` section. It may start
from another file with `base: other.yaml` (relative to the sweep file; bases
may have bases). The sweep file's own keys override the base's; mappings are
merged key by key, any other value (a list, a name) replaces the base's
whole. Every key keeps the file and line it came from, so a problem in a
trial points at the line to edit, in the base or in the sweep file.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnlab.config.source import Key, Source, read
from nnlab.errors import ConfigError, describe

SWEEP_KEY = "sweep"
BASE_KEY = "base"


@dataclass
class LocatedSource(Source):
    """A Source whose keys may come from several files: `where[path]` is (file, line)."""

    where: dict[Key, tuple[str, int | None]] = field(default_factory=dict)

    def locate(self, path: Key) -> tuple[str, int | None]:
        for end in range(len(path), -1, -1):
            prefix = tuple(path[:end])
            if prefix in self.origins:
                return self.origins[prefix], None
            if prefix in self.where:
                return self.where[prefix]
        return self.file, None

    def copy_with(self, data: dict[str, Any]) -> LocatedSource:
        """The same locations for other data (a trial's config); the caller edits `where` for what it changed."""
        return LocatedSource(data, self.file, {}, dict(self.origins), dict(self.where))


def is_sweep(source: Source) -> bool:
    """A config is a sweep file when it (or its base) has a `sweep:` section or it names a `base:`."""
    return SWEEP_KEY in source.data or BASE_KEY in source.data


def read_sweep(path: str | Path) -> LocatedSource:
    """Read a sweep file and its bases into one located source (the `base` key removed).

    Raises:
        ConfigError: a file is missing or not YAML, or a `base:` is wrong.
    """
    return _read(Path(path), ())


def _read(path: Path, seen: tuple[Path, ...]) -> LocatedSource:
    return _merge_base(read(path), path, seen)


def _merge_base(own: Source, path: Path, seen: tuple[Path, ...]) -> LocatedSource:
    here = LocatedSource(copy.deepcopy(own.data), own.file, {}, dict(own.origins), {key: (own.file, line) for key, line in own.lines.items()})
    if BASE_KEY not in own.data:
        return here
    base_name = here.data.pop(BASE_KEY)
    if not isinstance(base_name, str) or not base_name.strip():
        raise ConfigError([own.problem((BASE_KEY,), f"expected the path of a config file, relative to this one (got {describe(base_name)})")])
    base_path = (path.parent / base_name).resolve()
    if base_path in seen or base_path == path.resolve():
        raise ConfigError([own.problem((BASE_KEY,), f"'{base_name}' is this file or one of its own bases: a base cannot include itself")])
    if not base_path.is_file():
        raise ConfigError([own.problem((BASE_KEY,), f"no such file '{base_name}' (looked for {base_path})")])
    base = _read(base_path, (*seen, path.resolve()))
    merged = LocatedSource(merge(base.data, here.data), own.file, {}, {**base.origins, **here.origins}, dict(base.where))
    for key in _replaced(base.data, here.data, ()):
        merged.where = {where: at for where, at in merged.where.items() if where[: len(key)] != key or where == key}
    merged.where.update({key: at for key, at in here.where.items() if key != (BASE_KEY,)})
    return merged


def merge(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` over `base`: mappings merged key by key, any other value replacing the base's whole."""
    out = copy.deepcopy(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _replaced(base: dict[str, Any], own: dict[str, Any], path: Key) -> list[Key]:
    """The paths where `own` replaces a base value whole, so the base's locations below them no longer apply."""
    found = []
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            found += _replaced(base[key], value, path + (key,))
        elif key in base:
            found.append(path + (key,))
    return found
