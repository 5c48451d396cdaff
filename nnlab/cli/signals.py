"""The command line owns the signals: SIGTERM and Ctrl-C both interrupt, and the first one wins.

A scheduler stops a job with SIGTERM; it interrupts the run exactly as Ctrl-C
does (KeyboardInterrupt), from the first second of the process on, so even an
interrupt during imports exits 130. While the run records its final status, a
second signal within a grace period is noted, not obeyed: an impatient second
Ctrl-C must not leave a run folder that says `running` forever.
"""

from __future__ import annotations

import _thread
import signal
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

GRACE_SECONDS = 10.0  # a signal later than this after the first interrupts again (a stuck clean-up)
_first: list[float] = []
_redeliver: list[bool] = []  # set while an interrupt that Python swallowed is being raised again


def install() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt, once per grace period (main thread only)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)
    sys.unraisablehook = _unraisable_hook(sys.unraisablehook)


def _unraisable_hook(previous: Callable[[Any], object]) -> Callable[[Any], None]:
    """Raise again an interrupt that landed where Python cannot raise it.

    A signal handler runs between two bytecodes of whatever the main thread is
    doing, and that may be a garbage-collector callback or a `__del__` (JAX
    registers one): there Python prints "Exception ignored" and carries on, and
    the interrupt would be lost. It is delivered again, at once, to wherever the
    program is after the callback.
    """

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            _redeliver.append(True)
            _thread.interrupt_main(signal.SIGINT)
            return
        previous(unraisable)

    return hook


def _interrupt(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    if _redeliver:
        _redeliver.clear()
        raise KeyboardInterrupt
    if _first and now - _first[-1] < GRACE_SECONDS:
        sys.stderr.write(f"\n{signal.Signals(signum).name} again: still saving what was done; once more after {GRACE_SECONDS:g} s to force\n")
        return
    _first.append(now)
    raise KeyboardInterrupt
