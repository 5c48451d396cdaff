"""What the scheduler needs from a pool of warm workers, local processes or Ray actors alike.

A worker is bound to one Keras backend (chosen before Keras is imported), so
trials with different backends need different workers. The scheduler starts
workers, hands each ready one a task, and reads events: a worker became
ready, finished a trial, or died (with the cause, such as `signal 9`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Protocol

from nnlab.sweep.runner import Result, Task


class EventKind(enum.Enum):
    READY = "ready"  # TensorFlow is imported: the worker takes trials now
    DONE = "done"  # a trial ended (completed, failed, diverged or interrupted)
    DIED = "died"  # the worker is gone, with the trial it ran if any


@dataclass(eq=False)
class Worker:
    """One warm worker as the scheduler sees it."""

    name: str
    backend: str
    gpu: int | None = None
    ready: bool = False
    task: Task | None = None  # the trial it runs now
    retiring: bool = False  # asked to exit: its exit is not a death
    handle: Any = field(default=None, repr=False)  # the pool's own: a process and its pipe, or an actor


@dataclass(frozen=True)
class Event:
    kind: EventKind
    worker: Worker
    result: Result | None = None  # DONE
    cause: str | None = None  # DIED: "worker died: signal 9 (SIGKILL)"


class Pool(Protocol):
    """Warm workers; every method is called from the scheduler's one thread."""

    @property
    def workers(self) -> list[Worker]:
        """The live workers."""
        ...

    def describe(self) -> dict[str, Any]:
        """What sweep.json records about the pool: backend, workers, threads, GPUs, and why."""
        ...

    def start(self, backend: str) -> Worker:
        """Start a worker for trials of this Keras backend; it becomes ready later (an event)."""
        ...

    def assign(self, worker: Worker, task: Task) -> None:
        """Hand a ready, idle worker a trial."""
        ...

    def poll(self, timeout: float) -> list[Event]:
        """What happened since the last call, waiting up to `timeout` seconds for something."""
        ...

    def retire(self, worker: Worker) -> None:
        """Ask an idle worker to exit."""
        ...

    def interrupt(self) -> None:
        """Stop every running trial; each records `interrupted` and its worker reports it and exits."""
        ...

    def kill(self) -> None:
        """End every worker now (after an interrupt that took too long)."""
        ...

    def close(self) -> None:
        """Let idle workers exit and wait for them."""
        ...
