"""A sweep's progress on standard error: a live line on a terminal, one line per trial elsewhere.

On a terminal, each finished trial gets its own line and a live line below
counts the trials completed, failed and running out of all, the time spent
and left, and the best trial so far by the sweep's metric. In a log file or
a pipe only the finished trials' lines are written, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import IO

from nnlab.runs.metrics import MAX
from nnlab.runs.record import RunStatus
from nnlab.sweep.state import FINISHED, PENDING, RUNNING, Outcome, TrialState, outcome

REDRAW_SECONDS = 0.5
ENDED = (*FINISHED, str(RunStatus.FAILED), str(RunStatus.INTERRUPTED))


class Progress:
    """Draws the progress of `states` (the sweep's described trials), `to_run` of which run in this session."""

    def __init__(self, states: Sequence[TrialState], to_run: int, metric: str, stream: IO[str] | None = None, quiet: bool = False) -> None:
        self.states, self.to_run, self.metric, self.quiet = states, to_run, metric, quiet
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)()) and not quiet
        self.started_at = time.monotonic()
        self.ended_here = 0
        self.best: tuple[TrialState, Outcome] | None = None
        self.starting = 0  # workers still importing TensorFlow (the scheduler keeps it current)
        self._drawn = 0.0
        for state in states:
            self._consider(state)

    def finished(self, state: TrialState) -> None:
        """A trial ended in this session: its line, then the live line again."""
        self.ended_here += 1
        result = self._consider(state)
        if self.quiet:
            return
        total = len(self.states)
        ended = sum(1 for s in self.states if s.status in ENDED)
        value = f" {self.metric} {result.value:.4g}" if result.value is not None else ""
        seconds = f" {state.seconds:.1f}s" if state.seconds is not None else ""
        cause = f": {state.error.strip().splitlines()[0]}" if state.error and state.error.strip() else ""
        self._line(f"[{ended:>{len(str(total))}}/{total}] {state.id} {state.status}{cause}{value}{seconds}  {state.describe()}")

    def note(self, text: str) -> None:
        """A message between the trials' lines (an interrupt, a dead worker replaced)."""
        if not self.quiet:
            self._line(text)

    def tick(self, force: bool = False) -> None:
        """Redraw the live line (on a terminal, at most twice a second)."""
        now = time.monotonic()
        if not self.live or (not force and now - self._drawn < REDRAW_SECONDS):
            return
        self._drawn = now
        self.stream.write("\r\x1b[2K" + self.status_line())
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def status_line(self) -> str:
        """`12 completed, 1 failed, 2 running of 36 · 1m05s · ETA 2m10s · best 1a2b3c4d5e val_accuracy 0.9722`"""
        count = {status: sum(1 for s in self.states if s.status == status) for status in (*ENDED, RUNNING, PENDING)}
        failed = count[str(RunStatus.FAILED)] + count[str(RunStatus.DIVERGED)]
        elapsed = time.monotonic() - self.started_at
        left = count[PENDING] + count[RUNNING] + count[str(RunStatus.INTERRUPTED)]
        eta = _duration(elapsed / self.ended_here * min(left, self.to_run)) if self.ended_here else "?"
        line = (
            f"{count[str(RunStatus.COMPLETED)]} completed, {failed} failed, {count[RUNNING]} running of {len(self.states)} · {_duration(elapsed)} · ETA {eta}"
        )
        if self.starting:
            line += f" · {self.starting} worker(s) starting"
        if self.best is not None and self.best[1].value is not None:
            line += f" · best {self.best[0].id} {self.metric} {self.best[1].value:.4g}"
        return line

    def _consider(self, state: TrialState) -> Outcome:
        result = outcome(state.run, self.metric)
        if result.value is not None and (self.best is None or _better(result, self.best[1])):
            self.best = (state, result)
        return result

    def _line(self, text: str) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K" + text + "\n" + self.status_line())
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _better(new: Outcome, old: Outcome) -> bool:
    assert new.value is not None and old.value is not None
    return new.value > old.value if new.mode == MAX else new.value < old.value


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
