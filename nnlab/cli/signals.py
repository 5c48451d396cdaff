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
from types import FrameType

GRACE_SECONDS = 10.0  # a signal later than this after the first interrupts again (a stuck clean-up)
_first: list[float] = []


def install() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt, once per grace period (main thread only)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    now = time.monotonic()
    if _first and now - _first[-1] < GRACE_SECONDS:
        sys.stderr.write(f"\n{signal.Signals(signum).name} again: still saving what was done; once more after {GRACE_SECONDS:g} s to force\n")
        return
    _first.append(now)
    raise KeyboardInterrupt
