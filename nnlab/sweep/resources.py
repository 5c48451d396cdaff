"""How many workers a sweep runs and how many threads each gets, and which GPUs there are.

The default layout comes from a measurement (`bench/sweep_workers.py`, the
README's figures): for the small dense models of the lessons, a trial uses
one core well and a second one poorly, so N workers of one thread each beat
one worker of N threads on TensorFlow (by 23 to 36 % on 2 cores) and tie with
it on JAX. Each worker's TensorFlow pools are sized to its
share of the cores, so the workers never oversubscribe the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """Workers, threads per worker, and why (recorded in sweep.json)."""

    workers: int
    threads: int
    reason: str


def cores() -> int:
    """The cores this process may run on (its affinity, as a container or `taskset` limits it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def layout(trials: int, workers: int | None = None, threads: int | None = None, gpus: list[int] | None = None, available: int | None = None) -> Layout:
    """The workers and threads for `trials` trials: as asked, or one worker per core (per GPU with --gpus), one thread each."""
    available = available or cores()
    if workers is None:
        if gpus:
            workers, why = len(gpus), f"one worker per GPU ({len(gpus)})"
        else:
            workers = max(1, available // (threads or 1))
            why = f"{available} cores: one worker per core, one thread each (for small dense models at least as fast as one worker of {available} threads, measured)"
        if trials < workers:
            workers, why = max(1, trials), f"{why}; only {trials} trial(s)"
    else:
        why = "--workers"
    if threads is None:
        threads = max(1, available // workers)
        why += f"; {threads} thread(s) per worker: the {available} cores shared without oversubscription"
    else:
        why += "; --threads"
    return Layout(workers, threads, why)


def gpu_count() -> int:
    """The NVIDIA GPUs of this machine, without importing TensorFlow: `nvidia-smi -L`, else the driver's /proc entries."""
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
            if listed.returncode == 0:
                return sum(1 for line in listed.stdout.splitlines() if line.startswith("GPU "))
        except (OSError, subprocess.TimeoutExpired):
            pass
    driver = Path("/proc/driver/nvidia/gpus")
    return len(list(driver.iterdir())) if driver.is_dir() else 0


def parse_gpus(text: str) -> list[int]:
    """`0,1` -> [0, 1]; raises ValueError on anything but distinct non-negative integers."""
    parts = [part.strip() for part in text.split(",")]
    if not all(part.isdigit() for part in parts):
        raise ValueError(f"expected GPU numbers separated by commas, such as 0,1 (got {text!r})")
    ids = [int(part) for part in parts]
    if len(set(ids)) != len(ids):
        raise ValueError(f"a GPU is listed twice ({text!r})")
    return ids
