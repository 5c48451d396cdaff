"""The command line owns the signals: SIGTERM and Ctrl-C both interrupt, and the first one wins.

A scheduler stops a job with SIGTERM; it interrupts the run exactly as Ctrl-C
does (KeyboardInterrupt), from the first second of the process on, so even an
interrupt during imports exits 130. While the run records its final status, a
second signal within a grace period is noted, not obeyed: an impatient second
Ctrl-C must not leave a run folder that says `running` forever.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

GRACE_SECONDS = 10.0  # a signal later than this after the first interrupts again (a stuck clean-up)
_first: list[float] = []
REDELIVER_SECONDS = 0.01  # an interrupt Python swallowed is raised again this much later, outside the callback that swallowed it


def install() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt, once per grace period (main thread only)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)
    if hasattr(signal, "setitimer"):
        signal.signal(signal.SIGALRM, _redelivered)
        sys.unraisablehook = _unraisable_hook(sys.unraisablehook)


def _unraisable_hook(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """Raise again an interrupt that landed where Python cannot raise it.

    A signal handler runs between two bytecodes of whatever the main thread is
    doing, and that may be a garbage-collector callback or a `__del__` (JAX
    registers one): there Python prints "Exception ignored" and carries on, and
    the interrupt would be lost. A timer delivers it again a moment later, when
    the program is back outside the callback (and again, should it land in one).
    """

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            signal.setitimer(signal.ITIMER_REAL, REDELIVER_SECONDS)
            return
        previous(unraisable)

    return hook


def _redelivered(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _interrupt(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    if _first and now - _first[-1] < GRACE_SECONDS:
        sys.stderr.write(f"\n{signal.Signals(signum).name} again: still saving what was done; once more after {GRACE_SECONDS:g} s to force\n")
        return
    _first.append(now)
    raise KeyboardInterrupt
