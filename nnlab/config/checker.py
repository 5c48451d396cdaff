"""Collecting every problem of a config in one pass, each located in its file."""

from __future__ import annotations

from typing import Any

from nnlab.config import renames
from nnlab.config.source import Source
from nnlab.errors import ConfigError, Problem, describe, did_you_mean

Path = tuple[Any, ...]


class Checker:
    """Gathers problems while a config is checked, so all are reported at once."""

    def __init__(self, source: Source, *, allow_external_code: bool = False) -> None:
        self.source = source
        self.problems: list[Problem] = []
        self.allow_external_code = allow_external_code  # layers that run code from outside the config (Lambda, TFSMLayer)

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(self.source.problem(path, message))

    def raise_if_failed(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)

    def mapping(self, path: Path, value: Any, keys: dict[str, str]) -> dict:
        """Check that `value` is a mapping whose keys are among `keys` (name -> help)."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping with keys {', '.join(keys)} (got {describe(value)})")
            return {}
        for key in value:
            if key not in keys:
                advice = renames.key(path + (key,))
                self.fail(path + (key,), f"unknown key '{key}'" + (f"; {advice}" if advice else did_you_mean(str(key), keys)))
        return {key: val for key, val in value.items() if key in keys}

    def integer(self, path: Path, value: Any, *, minimum: int, maximum: int | None = None) -> int:
        expected = f"an integer >= {minimum}" if maximum is None else f"an integer from {minimum} to {maximum}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected {expected} (got {describe(value)})")
        elif value < minimum or (maximum is not None and value > maximum):
            self.fail(path, f"expected {expected} (got {value})")
        return value

    def fraction(self, path: Path, value: Any, *, allow_zero: bool) -> float:
        low = "0 <=" if allow_zero else "0 <"
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not ((value >= 0 if allow_zero else value > 0) and value < 1):
            self.fail(path, f"expected a fraction {low} x < 1 (got {describe(value)})")
            return value
        return float(value)

    def boolean(self, path: Path, value: Any) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false (got {describe(value)})")
        return value
