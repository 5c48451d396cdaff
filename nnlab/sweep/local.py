"""Warm workers as local processes (multiprocessing, spawn), one pipe each.

Each worker has its own pipe rather than a shared queue: a worker killed in
the middle of writing can only damage its own pipe, which dies with it. The
parent waits on every pipe and every process's sentinel at once, so a death
(SIGKILL, out of memory, a segfault in TensorFlow) is seen as soon as it
happens and named by its signal.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from nnlab.sweep import worker as worker_main
from nnlab.sweep.pool import Event, EventKind, Worker
from nnlab.sweep.runner import Task

JOIN_SECONDS = 5.0


class LocalPool:
    """Worker processes on this machine, each with `threads` threads and maybe its own GPU."""

    def __init__(self, log: Path, threads: int, gpus: list[int] | None, reason: str, size: int) -> None:
        self.log, self.threads, self.gpus, self.reason, self.size = log, threads, gpus, reason, size
        self._context = multiprocessing.get_context("spawn")
        self._live: list[Worker] = []
        self._started = 0

    @property
    def workers(self) -> list[Worker]:
        return list(self._live)

    def describe(self) -> dict[str, Any]:
        return {"backend": "local", "workers": self.size, "threads_per_worker": self.threads, "gpus": self.gpus, "reason": self.reason}

    def start(self, backend: str) -> Worker:
        self._started += 1
        gpu = self._next_gpu()
        env = {"NNLAB_BACKEND": backend, "NNLAB_THREADS": str(self.threads), "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
        if gpu is not None:
            env["CUDA_VISIBLE_DEVICES"] = str(gpu)
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=worker_main.main, args=(theirs, env, str(self.log), os.getpid()), name=f"nnlab-sweep-worker-{self._started}", daemon=True
        )
        process.start()
        theirs.close()  # the child holds its end; ours sees EOF when the child is gone
        found = Worker(f"w{self._started}", backend, gpu, handle=(process, ours))
        self._live.append(found)
        return found

    def _next_gpu(self) -> int | None:
        """The GPU with the fewest live workers, so a replacement takes the place of the one that died."""
        if not self.gpus:
            return None
        return min(self.gpus, key=lambda gpu: sum(1 for w in self._live if w.gpu == gpu))

    def assign(self, worker: Worker, task: Task) -> None:
        worker.task = task
        _conn(worker).send(task)

    def poll(self, timeout: float) -> list[Event]:
        if not self._live:
            return []
        handles = {}
        for found in self._live:
            process, conn = found.handle
            handles[conn] = handles[process.sentinel] = found
        events: list[Event] = []
        for ready in wait(list(handles), timeout):
            found = handles[ready]
            if found in self._live and not self._read(found, events):
                self._bury(found, events)
        return events

    def _read(self, found: Worker, events: list[Event]) -> bool:
        """Every message waiting on the worker's pipe; False when the worker is gone."""
        process, conn = found.handle
        try:
            while conn.poll():
                kind, payload = conn.recv()
                if kind == "ready":
                    found.ready = True
                    events.append(Event(EventKind.READY, found))
                else:
                    found.task = None
                    events.append(Event(EventKind.DONE, found, result=payload))
        except (EOFError, OSError):
            return False
        return process.is_alive()

    def _bury(self, found: Worker, events: list[Event]) -> None:
        process, conn = found.handle
        process.join(JOIN_SECONDS)
        conn.close()
        self._live.remove(found)
        if not (found.retiring and process.exitcode == 0):
            events.append(Event(EventKind.DIED, found, cause=died(process.exitcode)))

    def retire(self, worker: Worker) -> None:
        worker.retiring = True
        with contextlib.suppress(OSError):  # it died meanwhile: its death is seen by poll
            _conn(worker).send(None)

    def interrupt(self) -> None:
        for found in self._live:
            _signal(found, signal.SIGTERM)

    def kill(self) -> None:
        for found in self._live:
            _signal(found, signal.SIGKILL)

    def close(self) -> None:
        for found in self._live:
            self.retire(found)
        for found in list(self._live):
            process, conn = found.handle
            process.join(JOIN_SECONDS)
            if process.is_alive():
                _signal(found, signal.SIGKILL)
                process.join()
            conn.close()
            self._live.remove(found)


def died(exitcode: int | None) -> str:
    """`worker died: signal 9 (SIGKILL)` or `worker died: exit code 1`."""
    if exitcode is None:
        return "worker died"
    if exitcode < 0:
        try:
            name = f" ({signal.Signals(-exitcode).name})"
        except ValueError:
            name = ""
        return f"worker died: signal {-exitcode}{name}"
    return f"worker died: exit code {exitcode}"


def _conn(worker: Worker) -> Connection:
    return worker.handle[1]


def _signal(worker: Worker, number: int) -> None:
    process = worker.handle[0]
    if process.pid is not None and process.is_alive():
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, number)
