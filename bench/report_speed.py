"""How fast `nnlab report` is over a large sweep: the terminal table, and the HTML page with its figures.

Writes a synthetic sweep once (100 groups, learning rate x initializer, 10 seeds
each: 1,000 run folders of 20 epochs, the files `nnlab train` writes), then
times `nnlab report SWEEP` (the table) and `nnlab report SWEEP --html FILE
--facet model.defaults.kernel_initializer` (the page with its figures) as
separate processes, so start-up and imports count, alternating, medians:

    python bench/report_speed.py [--quick] [--repeats 3]

Targets (issue 9): the table in under 3 s, the page in under 10 s, on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEARNING_RATES = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
INITIALIZERS: list[Any] = [
    "glorot_uniform",
    "glorot_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "zeros",
    {"type": "TruncatedNormal", "stddev": 0.001},
    {"type": "TruncatedNormal", "stddev": 1.0},
    {"type": "RandomNormal", "stddev": 0.05},
    {"type": "RandomUniform", "minval": -0.05, "maxval": 0.05},
]
TARGETS = {"table": 3.0, "html": 10.0}
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def write_sweep(folder: Path, groups: int, seeds: int, epochs: int = 20) -> Path:
    """A sweep folder of groups x seeds completed trials with plausible curves."""
    from nnlab.config.spec import fingerprint
    from nnlab.runs.metrics import summarize, write_metrics
    from tests.fake_runs import CONFIG, DIRECTIONS

    folder.mkdir(parents=True)
    points = [(rate, init) for init in INITIALIZERS for rate in LEARNING_RATES][:groups]
    sweep = {"grid": {"optimizer.learning_rate": LEARNING_RATES, "model.defaults.kernel_initializer": INITIALIZERS}, "seeds": list(range(seeds))}
    (folder / "sweep.yaml").write_text(yaml.dump({**CONFIG, "sweep": {**sweep, "metric": "val_accuracy"}}, Dumper=_Dumper, sort_keys=False))
    (folder / "sweep.json").write_text(json.dumps({"status": "completed", "counts": {"completed": groups * seeds}}))
    noise = random.Random(0)
    for number, (rate, init) in enumerate(points):
        for seed in range(seeds):
            config = json.loads(json.dumps(CONFIG))
            config.update(seed=seed, training={**config["training"], "epochs": epochs})
            config["optimizer"]["learning_rate"] = rate
            config["model"]["defaults"]["kernel_initializer"] = init
            trial = folder / "trials" / fingerprint(config)
            trial.mkdir(parents=True)
            (trial / "config.yaml").write_text(yaml.dump(config, Dumper=_Dumper, sort_keys=False))
            final = 0.6 + 0.35 * math.exp(-abs(math.log10(rate) + 1.5)) - 0.01 * (number % 10) + noise.gauss(0, 0.01)
            rows = [
                {
                    "epoch": epoch,
                    "loss": 2.3 * math.exp(-epoch / 5) + noise.random() * 0.02,
                    "val_loss": 2.3 * math.exp(-epoch / 6) + noise.random() * 0.03,
                    "accuracy": final * (1 - math.exp(-epoch / 3)),
                    "val_accuracy": final * (1 - math.exp(-epoch / 3)) - noise.random() * 0.01,
                    "learning_rate": rate,
                    "epoch_seconds": 0.1,
                }
                for epoch in range(1, epochs + 1)
            ]
            write_metrics(trial / "metrics.csv", rows)
            summary = summarize(rows, "val_loss", DIRECTIONS)
            summary.update(test={"loss": rows[-1]["val_loss"], "accuracy": final}, fit_seconds=2.0)
            (trial / "summary.json").write_text(json.dumps(summary))
            record = {"status": "completed", "started_at": "2025-01-01T10:00:00+00:00", "ended_at": "2025-01-01T10:00:02+00:00"}
            record.update(duration_seconds=2.0, name="bench", seed=seed, fingerprint=trial.name, epochs_completed=epochs, pid=1, host="elsewhere")
            (trial / "run.json").write_text(json.dumps(record))
    return folder


def timed(arguments: list[str]) -> float:
    """Seconds for `nnlab ARGS` in a new process, its output discarded."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nnlab", *arguments], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure(quick: bool, repeats: int = 3) -> dict[str, Any]:
    """Median seconds of the table and of the HTML page over a synthetic sweep (200 runs when quick, else 1,000)."""
    groups, seeds = (20, 10) if quick else (100, 10)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        sweep = write_sweep(Path(tmp) / "sweep", groups, seeds)
        written = time.perf_counter() - started
        commands = {
            "table": ["report", str(sweep)],
            "html": ["report", str(sweep), "--html", str(Path(tmp) / "report.html"), "--facet", "model.defaults.kernel_initializer"],
        }
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(1 if quick else repeats):
            for name, arguments in commands.items():
                samples[name].append(timed(arguments))
    results: dict[str, Any] = {"runs": groups * seeds, "write_seconds": round(written, 2)}
    for name, times in samples.items():
        median = statistics.median(times)
        results[name] = {"seconds": round(median, 3), "target_seconds": TARGETS[name], "ratio_to_target": round(median / TARGETS[name], 3)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 runs, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    results = measure(arguments.quick, arguments.repeats)
    print(f"nnlab report over {results['runs']} run folders (written in {results['write_seconds']} s)")
    print(f"{'command':<8} {'median s':>9} {'target s':>9} {'ratio':>6}")
    for name in TARGETS:
        row = results[name]
        print(f"{name:<8} {row['seconds']:>9.3f} {row['target_seconds']:>9.1f} {row['ratio_to_target']:>6.2f}")


if __name__ == "__main__":
    main()
