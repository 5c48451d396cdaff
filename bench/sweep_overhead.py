"""A sweep in warm workers against the same trials as separate `nnlab train` commands, and what a trial costs beyond its fit.

A 24-trial digits sweep (4 epochs each) runs with `--workers 2`; then the
same 24 trials (each trial's own config.yaml) run as separate `nnlab train`
commands one after another, as a shell loop would. Rounds alternate the two;
the medians and their ratio are reported (target: the sweep takes at most
0.6 times as long), with the median seconds a trial costs beyond its `fit`
(scheduling, building, evaluating, writing; target under 0.5 s) in each:

    python bench/sweep_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
SWEEP = """
name: overhead
base: {base}
training: {{epochs: 4}}
sweep:
  grid:
    optimizer.learning_rate: {rates}
    model.layers.0.units: [50, 100]
  repeats: {repeats}
"""
FULL = {"rates": [0.2, 0.1, 0.05, 0.02, 0.01, 0.005], "repeats": 2}  # 6 x 2 x 2 = 24 trials
QUICK = {"rates": [0.1, 0.01, 0.005], "repeats": 1}  # 6 trials


def nnlab(*arguments: str) -> float:
    """Seconds of one nnlab command, start-up included."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nnlab", *arguments], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"nnlab {' '.join(arguments)} exited {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def sweep_once(sweep: Path, runs: Path) -> tuple[float, Path, list[float]]:
    """Seconds of the sweep, its folder, and each trial's seconds beyond its fit as the sweep saw it."""
    seconds = nnlab("sweep", str(sweep), "-q", "--workers", "2", "--runs-dir", str(runs))
    folder = max(runs.glob("*_overhead"), key=lambda path: path.stat().st_mtime)
    rows = list(csv.DictReader((folder / "trials.csv").open()))
    return seconds, folder, [float(row["seconds"]) - float(row["fit_seconds"]) for row in rows]


def trains_once(folder: Path, runs: Path) -> tuple[float, list[float]]:
    """Seconds of every trial as its own `nnlab train` command, and each one's seconds beyond its fit."""
    beyond, total = [], 0.0
    for config in sorted((folder / "trials").glob("*/config.yaml")):
        seconds = nnlab("train", str(config), "-q", "--runs-dir", str(runs))
        run = max(runs.glob("*"), key=lambda path: path.stat().st_mtime)
        beyond.append(seconds - json.loads((run / "summary.json").read_text())["fit_seconds"])
        total += seconds
    return total, beyond


def measure(quick: bool) -> dict[str, float]:
    """Medians over alternating rounds (one in quick mode, with 6 trials instead of 24)."""
    rounds = 1 if quick else 2
    sweeps, trains, sweep_beyond, train_beyond = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "overhead.yaml"
        sweep.write_text(SWEEP.format(base=ROOT / "configs" / "digits_mlp.yaml", **(QUICK if quick else FULL)))
        for round_ in range(rounds):
            seconds, folder, beyond = sweep_once(sweep, Path(tmp) / "sweeps")
            sweeps.append(seconds)
            sweep_beyond += beyond
            seconds, beyond = trains_once(folder, Path(tmp) / f"trains-{round_}")
            trains.append(seconds)
            train_beyond += beyond
        trials = len(list(folder.glob("trials/*")))
    sweep_s, trains_s = statistics.median(sweeps), statistics.median(trains)
    return {
        "trials": trials,
        "sweep_seconds": sweep_s,
        "separate_train_seconds": trains_s,
        "ratio": sweep_s / trains_s,
        "sweep_beyond_fit_per_trial": statistics.median(sweep_beyond),
        "train_beyond_fit_per_trial": statistics.median(train_beyond),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 trials, one round")
    result = measure(parser.parse_args().quick)
    print(f"{result['trials']} digits trials, 4 epochs each")
    print(f"nnlab sweep --workers 2     {result['sweep_seconds']:7.1f} s   beyond fit per trial {result['sweep_beyond_fit_per_trial']:.2f} s")
    print(f"separate nnlab train runs   {result['separate_train_seconds']:7.1f} s   beyond fit per trial {result['train_beyond_fit_per_trial']:.2f} s")
    print(f"ratio                       {result['ratio']:7.2f}   (target <= 0.6)")


if __name__ == "__main__":
    main()
