"""How to split a machine's cores among sweep workers: N workers of one thread, or one worker of N threads?

The same sweep runs both ways, alternating, for the digits MLP and the
Fashion-MNIST MLP (on a subset), on each Keras backend; the wall-clock seconds
of the whole `nnlab sweep` command (worker start-up included) are reported as
medians, with the ratio. `nnlab.sweep.resources.layout` takes its default from these
numbers (the README has them):

    python bench/sweep_workers.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
FASHION = Path("/usr/share/datasets/fashion-mnist")
BACKENDS = ("tensorflow", "jax")

MODELS = {
    "digits MLP": f"""
base: {CONFIGS / "digits_mlp.yaml"}
training: {{epochs: 5}}
sweep:
  grid:
    optimizer.learning_rate: [0.1, 0.05, 0.02, 0.01]
  repeats: 2
""",
    "Fashion MLP (10,000 images)": f"""
base: {CONFIGS / "fashion_mlp.yaml"}
data: {{subset: 10000}}
training: {{epochs: 3}}
sweep:
  grid:
    optimizer.learning_rate: [0.00025, 0.0005, 0.001, 0.002]
  repeats: 2
""",
}


def layouts(cores: int) -> dict[str, tuple[int, int]]:
    return {f"{cores} workers x 1 thread": (cores, 1), f"1 worker x {cores} threads": (1, cores)}


def time_sweep(sweep: Path, runs: Path, workers: int, threads: int, overrides: list[str]) -> float:
    """Seconds of one whole `nnlab sweep` command, start-up included."""
    command = [sys.executable, "-m", "nnlab", "sweep", str(sweep), "-q", "--runs-dir", str(runs), "--workers", str(workers), "--threads", str(threads)]
    for override in overrides:
        command += ["--set", override]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def measure(quick: bool) -> dict[str, dict[str, float]]:
    """Median seconds of each layout for each model and backend, alternating; quick: one round, fewer trials and epochs."""
    cores = 2 if quick else max(2, len(os.sched_getaffinity(0)))
    rounds = 1 if quick else 3
    overrides = ["sweep.repeats=1", "training.epochs=2"] if quick else []
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model, text in MODELS.items():
            if "Fashion" in model and not FASHION.is_dir():
                continue
            sweep = Path(tmp) / "sweep.yaml"
            sweep.write_text(text)
            for backend in BACKENDS:
                samples: dict[str, list[float]] = {name: [] for name in layouts(cores)}
                for _ in range(rounds):
                    for name, (workers, threads) in layouts(cores).items():
                        samples[name].append(time_sweep(sweep, Path(tmp) / "runs", workers, threads, [*overrides, f"backend={backend}"]))
                medians = {name: statistics.median(values) for name, values in samples.items()}
                first, second = medians.values()
                results[f"{model}, {backend}"] = {**medians, "ratio": first / second}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, 4 trials of 2 epochs each")
    results = measure(parser.parse_args().quick)
    for model, row in results.items():
        names = [name for name in row if name != "ratio"]
        print(f"{model:<40} " + "  ".join(f"{name}: {row[name]:6.1f} s" for name in names) + f"  ratio {row['ratio']:.2f}")


if __name__ == "__main__":
    main()
