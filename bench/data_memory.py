"""Peak memory of training on an MNIST-sized set, as a multiple of the data's float32 size.

The issue's bound: training on an MNIST-sized set keeps peak memory under twice
the float32 size of the data plus the framework's own. Measured once, not timed:

    python bench/data_memory.py            # prints the ratio per backend; exit 1 if one is 2 or more

For each backend, two child processes train one epoch of the same model through
`nnlab train`'s own path (config -> nnlab.data.load -> fit): one on 70,000
28x28 uint8 images (MNIST's size), one on 1,100 (the framework's own: TensorFlow,
Keras, the model, the traced functions). The difference of their peak resident
memory, divided by the float32 size of 70,000 x 784 values (219.5 MB), is the ratio.
The images are random uint8 written to a temporary .npz, so no download is needed.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the children import nnlab from this checkout, installed or not

FULL, TINY = (60_000, 10_000), (1_000, 100)
SHAPE = (28, 28)
LIMIT = 2.0

CONFIG = """
name: memory-bench
seed: 0
data:
  dataset: npz
  path: {path}
  validation_size: {validation}
  preprocessing: [standardize]
model:
  layers:
    - Flatten
    - {{type: Dense, units: 300, activation: relu}}
    - {{type: Dense, units: 100, activation: relu}}
    - {{type: Dense, units: 10, activation: softmax}}
optimizer: nadam
training: {{epochs: 1, batch_size: 32}}
device: cpu
backend: {backend}
"""


def write_set(folder: Path, train: int, test: int) -> Path:
    """A random MNIST-like .npz of uint8 images and labels 0..9."""
    rng = np.random.default_rng(0)
    path = folder / f"set_{train}.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, (train, *SHAPE), dtype="uint8"),
        y_train=rng.integers(0, 10, train, dtype="uint8"),
        x_test=rng.integers(0, 256, (test, *SHAPE), dtype="uint8"),
        y_test=rng.integers(0, 10, test, dtype="uint8"),
    )
    return path


def child(config_file: str, runs_dir: str) -> None:
    """Train one config through nnlab and print this process's peak resident memory in bytes."""
    from nnlab.experiment import prepare, select_backend
    from nnlab.runs.folder import create

    experiment = prepare(config_file)
    select_backend(experiment.spec)
    from nnlab.training.run import run

    result = run(experiment.spec, experiment.dataset, create(Path(runs_dir), experiment.spec.name), verbose=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    print(json.dumps({"status": result.status, "peak_bytes": peak}))


def peak(folder: Path, train: int, test: int, backend: str) -> int:
    """Peak resident bytes of a child process training one epoch on `train` + `test` examples."""
    data = write_set(folder, train, test)
    config = folder / f"bench_{train}_{backend}.yaml"
    config.write_text(CONFIG.format(path=data, validation=min(5000, train // 10), backend=backend))
    out = subprocess.run([sys.executable, __file__, "--child", str(config), str(folder / "runs")], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if report["status"] != "completed":
        raise SystemExit(f"the {train}-example run ended {report['status']}")
    data.unlink()
    return int(report["peak_bytes"])


def measure(quick: bool = False, backends: tuple[str, ...] = ("tensorflow", "jax")) -> dict[str, dict[str, float]]:
    """Per backend: the framework's own peak, the full set's peak (MiB) and their ratio to the float32 data."""
    data_bytes = sum(FULL) * int(np.prod(SHAPE)) * 4
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            framework, full = peak(Path(tmp), *TINY, backend), peak(Path(tmp), *FULL, backend)
            results[backend] = {"framework_mib": framework / 2**20, "full_mib": full / 2**20, "ratio": (full - framework) / data_bytes}
    return results


def main() -> int:
    data_bytes = sum(FULL) * int(np.prod(SHAPE)) * 4
    print(f"float32 size of the data: {data_bytes / 2**20:.1f} MiB ({sum(FULL)} x {SHAPE[0]}x{SHAPE[1]})")
    results = measure()
    for backend, row in results.items():
        print(f"{backend}: framework {row['framework_mib']:.0f} MiB, full {row['full_mib']:.0f} MiB, ratio {row['ratio']:.2f} (limit {LIMIT:g})")
    return 0 if all(row["ratio"] < LIMIT for row in results.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
