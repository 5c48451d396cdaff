"""What a trial costs beyond its own `fit`, in a warm process: the price of every sweep trial.

A 2-epoch digits trial is run several times in one process (TensorFlow imported
once, as a sweep worker does), with every output on (plots, TensorBoard, the
saved model) and with them off, alternating; for each, the seconds of `run`
minus the seconds of `fit` are reported as medians:

    python bench/trial_overhead.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = ROOT / "configs" / "digits_mlp.yaml"
OUTPUTS = {"outputs on": [], "outputs off": ["output.plots=false", "output.tensorboard=false", "output.model=false"]}


def one_trial(runs: Path, overrides: list[str]) -> tuple[float, float]:
    """Seconds of the whole trial (config to a complete run folder) and of its `fit`."""
    from nnlab.experiment import prepare, select_backend
    from nnlab.runs.folder import create

    started = time.perf_counter()
    experiment = prepare(CONFIG, ["training.epochs=2", *overrides])
    select_backend(experiment.spec)  # before the first import of nnlab.training; later trials plan the same backend
    from nnlab.training.run import run

    result = run(experiment.spec, experiment.dataset, create(runs, experiment.spec.name), verbose=False)
    total = time.perf_counter() - started
    return total, float(result.summary["fit_seconds"])


def measure(repeats: int = 5) -> dict[str, dict[str, float]]:
    """Median seconds per trial, fit and beyond fit, for each output setting (one warm-up trial first)."""
    with tempfile.TemporaryDirectory() as tmp:
        runs = Path(tmp)
        one_trial(runs, [])  # warm-up: imports, first tracing
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in OUTPUTS}
        for _ in range(repeats):
            for name, overrides in OUTPUTS.items():
                samples[name].append(one_trial(runs, overrides))
    return {
        name: {
            "trial_seconds": statistics.median(total for total, _ in pairs),
            "fit_seconds": statistics.median(fit for _, fit in pairs),
            "beyond_fit_seconds": statistics.median(total - fit for total, fit in pairs),
        }
        for name, pairs in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    results = measure(parser.parse_args().repeats)
    print(f"{'2-epoch digits trial, warm process':<36} {'trial s':>8} {'fit s':>8} {'beyond fit s':>13}")
    for name, row in results.items():
        print(f"{name:<36} {row['trial_seconds']:>8.3f} {row['fit_seconds']:>8.3f} {row['beyond_fit_seconds']:>13.3f}")


if __name__ == "__main__":
    main()
