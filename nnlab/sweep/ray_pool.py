"""Warm workers as Ray actors: one sweep over a cluster, written into the same sweep folder.

Each actor declares what a trial needs (`--cpus-per-trial`, `--gpus-per-trial`;
Ray sets `CUDA_VISIBLE_DEVICES` for the GPUs it grants), imports TensorFlow
once and runs trials one after another, like a local worker. Every node
writes its trials' run folders itself, so the runs directory must be on a
filesystem that every node sees at the same path. Ray is optional
(`pip install "nnlab[ray]"`) and imported only here, only for `--backend ray`.

Ray cannot interrupt a running call of an ordinary actor, so on Ctrl-C the
parent kills the busy actors and records their trials `interrupted` itself.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import signal
import threading
from typing import Any

from nnlab.errors import ConfigError, Problem
from nnlab.sweep import COMMAND
from nnlab.sweep.pool import Event, EventKind, Worker
from nnlab.sweep.runner import INTERRUPTED, Result, Task


def connect(address: str | None) -> Any:
    """Ray, connected: to `address`, else to `$RAY_ADDRESS` or the instance `ray start` began here, else a new local one.

    Raises:
        ConfigError: Ray is not installed, or cannot connect.
    """
    try:
        import ray
    except ImportError:
        raise ConfigError([Problem("--backend", 'ray is not installed (pip install "nnlab[ray]")', COMMAND)]) from None
    if not ray.is_initialized():
        sigterm = signal.getsignal(signal.SIGTERM)
        try:
            ray.init(address=address, log_to_driver=False, include_dashboard=False, logging_level=logging.WARNING)
        except (ConnectionError, ValueError, RuntimeError) as error:
            raise ConfigError([Problem("--address", f"cannot connect to Ray at {address or 'a new local instance'}: {error}", COMMAND)]) from None
        finally:
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, sigterm)  # ray.init installs its own; SIGTERM must interrupt the sweep like Ctrl-C
    return ray


def size(ray: Any, trials: int, cpus_per_trial: float, gpus_per_trial: float, workers: int | None) -> tuple[int, str]:
    """How many actors: as asked, else as many as the cluster's CPUs (and GPUs) hold at once."""
    if workers is not None:
        return min(workers, trials), "--workers"
    resources = ray.cluster_resources()
    fits = int(resources.get("CPU", 1) // cpus_per_trial) if cpus_per_trial else trials
    why = f"{resources.get('CPU', 0):g} CPUs in the cluster / {cpus_per_trial:g} per trial"
    if gpus_per_trial:
        fits = min(fits, int(resources.get("GPU", 0) // gpus_per_trial))
        why += f", {resources.get('GPU', 0):g} GPUs / {gpus_per_trial:g} per trial"
    return max(1, min(fits, trials)), why


class _TrialActor:
    """A Ray actor holding a warm `TrialRunner`; the environment is set before TensorFlow is imported."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update(env)
        self.runner: Any = None

    def ready(self) -> tuple[int, str]:
        from nnlab.sweep.runner import TrialRunner

        self.runner = TrialRunner()
        return os.getpid(), platform.node()

    def run(self, task: Task) -> Result:
        return self.runner.run(task)


class RayPool:
    """Actors with `cpus_per_trial` CPUs and `gpus_per_trial` GPUs each."""

    def __init__(self, ray: Any, cpus_per_trial: float, gpus_per_trial: float, workers: int, reason: str) -> None:
        self.ray, self.cpus, self.gpus, self.size, self.reason = ray, cpus_per_trial, gpus_per_trial, workers, reason
        self._actor = ray.remote(_TrialActor)
        self._live: list[Worker] = []
        self._started = 0
        self._interrupting = False

    @property
    def workers(self) -> list[Worker]:
        return list(self._live)

    def describe(self) -> dict[str, Any]:
        threads = max(1, math.ceil(self.cpus))
        return {
            "backend": "ray",
            "workers": self.size,
            "threads_per_worker": threads,
            "cpus_per_trial": self.cpus,
            "gpus_per_trial": self.gpus,
            "reason": self.reason,
        }

    def start(self, backend: str) -> Worker:
        self._started += 1
        env = {"NNLAB_BACKEND": backend, "NNLAB_THREADS": str(max(1, math.ceil(self.cpus))), "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
        actor = self._actor.options(num_cpus=self.cpus, num_gpus=self.gpus).remote(env)
        found = Worker(f"a{self._started}", backend, handle={"actor": actor, "ref": actor.ready.remote()})
        self._live.append(found)
        return found

    def assign(self, worker: Worker, task: Task) -> None:
        worker.task = task
        worker.handle["ref"] = worker.handle["actor"].run.remote(task)

    def poll(self, timeout: float) -> list[Event]:
        waiting = {w.handle["ref"]: w for w in self._live if w.handle.get("ref") is not None}
        if not waiting:
            return []
        done, _ = self.ray.wait(list(waiting), num_returns=1, timeout=timeout)
        events = []
        for ref in done:
            found = waiting[ref]
            found.handle["ref"] = None
            events.append(self._settle(found, ref))
        return events

    def _settle(self, found: Worker, ref: Any) -> Event:
        try:
            value = self.ray.get(ref)
        except self.ray.exceptions.RayActorError as error:
            self._live.remove(found)
            if self._interrupting and found.task is not None:
                return Event(EventKind.DONE, found, result=Result(found.task.trial_id, "interrupted", INTERRUPTED))
            return Event(EventKind.DIED, found, cause=f"worker died: {_first_line(error)}")
        except self.ray.exceptions.RayError as error:  # the call raised: the trial failed, the actor lives on
            task, found.task = found.task, None
            if task is None:
                self._live.remove(found)
                return Event(EventKind.DIED, found, cause=f"worker could not start: {_first_line(error)}")
            return Event(EventKind.DONE, found, result=Result(task.trial_id, "failed", _first_line(error)))
        if not found.ready:
            found.ready = True
            return Event(EventKind.READY, found)
        found.task = None
        return Event(EventKind.DONE, found, result=value)

    def retire(self, worker: Worker) -> None:
        worker.retiring = True
        self.ray.kill(worker.handle["actor"])
        self._live.remove(worker)

    def interrupt(self) -> None:
        """Ray cannot interrupt a running actor call: kill the busy actors; their trials come back `interrupted`."""
        self._interrupting = True
        for found in self._live:
            self.ray.kill(found.handle["actor"])

    def kill(self) -> None:
        self.interrupt()

    def close(self) -> None:
        for found in list(self._live):
            self.ray.kill(found.handle["actor"])
            self._live.remove(found)


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."
