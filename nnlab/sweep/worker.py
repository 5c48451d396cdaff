"""A local sweep worker: a long-lived process that imports TensorFlow once and runs many trials.

The parent starts it with the `spawn` method (a fresh interpreter: no copy of
the parent's state, and the environment set before TensorFlow is imported)
and talks to it over its own pipe: the worker says `ready` once TensorFlow is
in, then receives tasks and answers each with a `Result`; `None` tells it to
exit. The parent owns the signals: a Ctrl-C on the terminal reaches every
process of the group, so the worker ignores SIGINT and the parent, which
stops handing out trials first, sends it SIGTERM; the running trial records
`interrupted`, reports it and the worker exits. If the parent dies without a
word (SIGKILL), the kernel sends the worker SIGTERM too (Linux), so no worker
outlives its sweep.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from multiprocessing.connection import Connection
from types import FrameType

from nnlab.runs.record import RunStatus
from nnlab.sweep.runner import INTERRUPTED, Result, Task, TrialRunner

PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def main(conn: Connection, env: dict[str, str], log: str, parent: int) -> None:
    """The worker's whole life: set up, import TensorFlow, run tasks until told to stop."""
    _write_output_to(log)
    _interrupt_on_sigterm()
    _die_with_parent(parent)
    os.environ.update(env)  # before nnlab.training is imported: backend, threads, GPU
    current: Task | None = None
    try:
        runner = TrialRunner()
        conn.send(("ready", os.getpid()))
        while (current := conn.recv()) is not None:
            conn.send(("done", runner.run(current)))  # a trial's own faults come back as its result
            current = None
    except KeyboardInterrupt:
        if current is not None:
            with contextlib.suppress(OSError):
                conn.send(("done", Result(current.trial_id, str(RunStatus.INTERRUPTED), INTERRUPTED)))
    except (EOFError, BrokenPipeError, ConnectionError):  # the parent is gone: nobody to run trials for
        pass


def _write_output_to(log: str) -> None:
    """TensorFlow's messages go to the sweep's workers.log, not over the parent's progress line."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _interrupt_on_sigterm() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # Once: a second SIGTERM must not cut short the recording of the first.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _die_with_parent(parent: int) -> None:
    """Ask the kernel for SIGTERM when the parent dies (Linux only; elsewhere the closed pipe ends the worker)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        raise SystemExit(0)
