"""One declaration per config field: its default, its check and its one-line help.

A spec section is a frozen dataclass whose fields carry `doc(help, check=...)`
metadata; `resolve_section` reads a raw YAML mapping against it: unknown keys
get a suggestion, each field is checked (or given its default), and the section
is built. The checker, `nnlab show` and the README's key table all read the
same declarations, so they cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from nnlab.config.checker import Checker, Path

MISSING: Any = dataclasses.MISSING  # what a check receives for a key the config does not set and that has no default
# A check: (checker, the key's path, the raw value or MISSING, the fields of its section checked so far) -> the clean value.
Check = Callable[[Checker, Path, Any, Mapping[str, Any]], Any]
T = TypeVar("T")


def doc(help: str, *, check: Check | None = None, identity: bool = True) -> dict[str, Any]:
    """Field metadata: `help` (one line), `check`, and whether the field is part of the spec's identity.

    `identity=False` marks fields that change how a run is carried out but not
    what is trained (its name, its device), so `fingerprint` leaves them out.
    """
    return {"help": help, "check": check, "identity": identity}


def help_of(field: dataclasses.Field[Any]) -> str:
    return str(field.metadata.get("help", ""))


def config_fields(cls: type) -> list[dataclasses.Field[Any]]:
    """The fields of a section that a config may set (not the derived ones)."""
    return [f for f in dataclasses.fields(cls) if "help" in f.metadata]


def default_of(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return MISSING


def resolve_section(chk: Checker, path: Path, raw: Any, cls: type[T]) -> T:
    """Check a raw mapping against section `cls` and build it; problems go to `chk`."""
    declared = config_fields(cls)
    given = chk.mapping(path, raw, {f.name: help_of(f) for f in declared})
    done: dict[str, Any] = {}
    for field in declared:
        value = given.get(field.name, default_of(field))
        check = field.metadata["check"]
        done[field.name] = check(chk, path + (field.name,), value, done) if check else value
    for hook in getattr(cls, "__cross_checks__", ()):
        hook(chk, path, done, given)
    return cls(**done)


def section(cls: type, missing: str | None = None) -> Check:
    """The check of a nested section; `missing` makes it required and says what to write."""

    def check(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> Any:
        if value is MISSING and missing is not None:
            chk.fail(path, f"missing; {missing}")
        if value is MISSING or isinstance(value, cls):  # absent: every default of the section
            value = None
        return resolve_section(chk, path, value, cls)

    check.section_class = cls  # type: ignore[attr-defined]  # read by from_dict
    return check


def integer(minimum: int, maximum: int | None = None) -> Check:
    return lambda chk, path, value, done: chk.integer(path, value, minimum=minimum, maximum=maximum)


def optional_integer(minimum: int) -> Check:
    return lambda chk, path, value, done: None if value is None else chk.integer(path, value, minimum=minimum)


def fraction(allow_zero: bool) -> Check:
    return lambda chk, path, value, done: chk.fraction(path, value, allow_zero=allow_zero)


def boolean() -> Check:
    return lambda chk, path, value, done: chk.boolean(path, value)


def as_dict(section_value: Any) -> dict[str, Any]:
    """A section (or the whole spec) as the plain mapping a config file holds, in declaration order."""
    out: dict[str, Any] = {}
    for field in config_fields(type(section_value)):
        value = getattr(section_value, field.name)
        out[field.name] = as_dict(value) if dataclasses.is_dataclass(value) else _copy(value)
    return out


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def from_dict(cls: type[T], data: Mapping[str, Any]) -> T:
    """A section from a mapping that has already been checked (a run's config.yaml): no checks."""
    values = {}
    for field in config_fields(cls):
        if field.name not in data:
            continue
        check = field.metadata["check"]
        nested = getattr(check, "section_class", None)
        values[field.name] = from_dict(nested, data[field.name] or {}) if nested else data[field.name]
    return cls(**values)


def identity(section_value: Any) -> dict[str, Any]:
    """The fields that decide what is trained, as a mapping (see `doc(identity=...)`)."""
    out: dict[str, Any] = {}
    for field in config_fields(type(section_value)):
        if not field.metadata["identity"]:
            continue
        value = getattr(section_value, field.name)
        out[field.name] = identity(value) if dataclasses.is_dataclass(value) else _copy(value)
    return out
