"""The errors nnlab reports to users: one line each, naming file, line and key."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    """What every nnlab command exits with."""

    OK = 0
    RUN_FAILED = 1  # a run (or a sweep's trial) failed or diverged
    USAGE = 2  # a bad config, data file or option: nothing was run
    INTERRUPTED = 130  # Ctrl-C or SIGTERM, as a shell reports SIGINT


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config, located as precisely as we know.

    Args:
        path: Dotted key path inside the config (`optimizer.type`), or "" for
            the whole file.
        message: What is wrong, ideally with what was expected and received.
        file: The file (or `--set`) the value came from.
        line: 1-based line in `file`, when known.
    """

    path: str
    message: str
    file: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(ValueError):
    """A config (or the data it names) is not usable; holds every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`"; did you mean 'adam'?"` for the closest choice, or a short list of valid ones."""
    ordered = sorted(set(choices))
    close = difflib.get_close_matches(str(name), ordered, n=1, cutoff=0.6)
    if not close:
        lowered = difflib.get_close_matches(str(name).lower(), [c.lower() for c in ordered], n=1, cutoff=0.6)
        close = [c for c in ordered if lowered and c.lower() == lowered[0]][:1]
    if close:
        return f"; did you mean '{close[0]}'?"
    shown = ", ".join(ordered[:12]) + (", ..." if len(ordered) > 12 else "")
    return f"; expected one of: {shown}"


def describe(value: object) -> str:
    """How a received value is shown in messages: `'adamm'`, `-0.1`, `a list`."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (dict, list)):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return repr(value)
