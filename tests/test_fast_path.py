"""The fast training path changes how a run is carried out, not what is trained.

Each default of the fast path (no distribution strategy on one device, NumPy
arrays handed to `fit`, several steps per execution, no op determinism on a CPU,
TensorFlow-free seeding on JAX) is checked against the plain setting: the same
seed and epochs give the same results, up to floating-point noise.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.train
ROOT = Path(__file__).parent.parent


def nnlab_losses(write_config, tiny, tmp_path, *overrides):
    """Per-epoch training and validation losses of an nnlab run of `tiny` (in this process's backend)."""
    from nnlab.experiment import prepare
    from nnlab.runs.folder import create
    from nnlab.runs.metrics import read_metrics
    from nnlab.training.run import run

    experiment = prepare(write_config(tiny), list(overrides))
    result = run(experiment.spec, experiment.dataset, create(tmp_path, "x"), verbose=False)
    rows = read_metrics(result.folder.metrics)
    return experiment, np.array([[row["loss"], row["val_loss"]] for row in rows])


def plain_keras_losses(experiment):
    """The same experiment written by hand in plain Keras, with Keras's defaults."""
    import keras

    data, spec = experiment.dataset, experiment.spec
    keras.backend.clear_session()
    keras.utils.set_random_seed(spec.seed)
    model = keras.Sequential([keras.Input(data.input_shape), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        data.x_train, data.y_train, batch_size=64, epochs=spec.training.epochs, validation_data=(data.x_val, data.y_val), shuffle=False, verbose=0
    )
    return np.array([history.history["loss"], history.history["val_loss"]]).T


def test_nnlab_trains_what_plain_keras_trains(write_config, tiny, tmp_path):
    """In the same order (unshuffled: Keras's own TensorFlow order repeats its first epoch's, nnlab reshuffles)."""
    experiment, ours = nnlab_losses(write_config, tiny, tmp_path, "training.shuffle=false")
    assert experiment.spec.plan.steps_per_execution > 1  # the fast path is on
    np.testing.assert_allclose(ours, plain_keras_losses(experiment), rtol=1e-5)


def test_several_steps_per_execution_train_what_one_step_trains(write_config, tiny, tmp_path):
    _, fast = nnlab_losses(write_config, tiny, tmp_path, "training.steps_per_execution=auto")
    _, plain = nnlab_losses(write_config, tiny, tmp_path, "training.steps_per_execution=1")
    np.testing.assert_allclose(fast, plain, rtol=1e-5)


def test_the_lean_feed_of_large_sets_trains_what_the_tensor_feed_trains(write_config, tiny, tmp_path, monkeypatch):
    from nnlab.training import feed

    _, tensors = nnlab_losses(write_config, tiny, tmp_path)
    monkeypatch.setattr(feed, "LEAN_BYTES", 0)  # every training set counts as large
    _, lean = nnlab_losses(write_config, tiny, tmp_path)
    np.testing.assert_allclose(lean, tensors, rtol=1e-5)


def test_keras_own_tensorflow_pipeline_repeats_its_first_order_which_is_why_nnlab_has_its_own():
    """The canary of the reason in nnlab.training.feed: if Keras starts reshuffling, its pipeline could be used again."""
    import keras
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    keras.utils.set_random_seed(1)
    data = ArrayDataAdapter(np.arange(12, dtype="float32").reshape(12, 1), np.arange(12), batch_size=4, shuffle=True).get_tf_dataset()
    first, second = ([y.numpy().tolist() for _, y in data] for _ in range(2))
    assert first == second


def test_the_same_seed_repeats_a_run_exactly_without_op_determinism(write_config, tiny, tmp_path):
    _, first = nnlab_losses(write_config, tiny, tmp_path)
    _, second = nnlab_losses(write_config, tiny, tmp_path)
    np.testing.assert_array_equal(first, second)


def run_on_jax(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**__import__("os").environ, "NNLAB_BACKEND": "jax"}, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_seeding_on_jax_imports_no_tensorflow_and_repeats_its_draws():
    code = (
        "import sys\n"
        "import nnlab.training\n"
        "import keras\n"
        "def draw():\n"
        "    keras.utils.set_random_seed(7)\n"
        "    layer = keras.layers.Dense(3); layer.build((None, 4))\n"
        "    return keras.ops.convert_to_numpy(layer.kernel).tolist(), keras.ops.convert_to_numpy(keras.random.uniform((2,))).tolist()\n"
        "print(draw() == draw(), 'tensorflow' in sys.modules)\n"
    )
    assert run_on_jax(code) == "True False"


def test_a_jax_run_never_imports_tensorflow(write_config, tiny, tmp_path):
    code = (
        "import sys\n"
        "from nnlab.experiment import prepare, select_backend\n"
        "from nnlab.runs.folder import create\n"
        f"experiment = prepare({str(write_config(tiny))!r}, ['backend=jax'])\n"
        "select_backend(experiment.spec)\n"
        "from nnlab.training.run import run\n"
        f"result = run(experiment.spec, experiment.dataset, create(__import__('pathlib').Path({str(tmp_path)!r}), 'x'), verbose=False)\n"
        "print(result.status, 'tensorflow' in sys.modules)\n"
    )
    assert run_on_jax(code) == "completed False"


def test_a_second_jax_run_reuses_the_compiled_programs_and_trains_the_same(write_config, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    code = (
        "from nnlab.experiment import prepare, select_backend\n"
        "from nnlab.runs.folder import create\n"
        f"experiment = prepare({str(write_config(tiny))!r}, ['backend=jax'])\n"
        "select_backend(experiment.spec)\n"
        "from nnlab.training.run import run\n"
        f"result = run(experiment.spec, experiment.dataset, create(__import__('pathlib').Path({str(tmp_path / 'runs')!r}), 'x'), verbose=False)\n"
        "print(result.folder.metrics.read_text().replace(chr(10), '|'))\n"
    )
    first = run_on_jax(code)
    programs = sorted(path.name for path in (tmp_path / "cache").iterdir())
    second = run_on_jax(code)
    assert programs and sorted(path.name for path in (tmp_path / "cache").iterdir()) == programs  # nothing compiled anew

    def without_seconds(metrics: str) -> list[list[str]]:
        rows = [row.split(",") for row in metrics.split("|") if row]
        column = rows[0].index("epoch_seconds")
        return [row[:column] + row[column + 1 :] for row in rows]

    assert without_seconds(second) == without_seconds(first)


def jax_metrics(config: Path, runs: Path, *environment: str) -> tuple[list[list[str]], bool]:
    """metrics.csv of a JAX run (epoch_seconds left out), and whether its executions ran as scans."""
    code = (
        "import os\n"
        f"os.environ.update(dict(item.split('=') for item in {list(environment)!r}))\n"
        "from nnlab.experiment import prepare, select_backend\n"
        "from nnlab.runs.folder import create\n"
        f"experiment = prepare({str(config)!r}, ['backend=jax'])\n"
        "select_backend(experiment.spec)\n"
        "from nnlab.training import fused\n"
        "from nnlab.training.run import run\n"
        "scans = []\n"
        "original = fused.scanning_function\n"
        "fused.scanning_function = lambda *arguments: scans.append(arguments) or original(*arguments)\n"
        f"result = run(experiment.spec, experiment.dataset, create(__import__('pathlib').Path({str(runs)!r}), 'x'), verbose=False)\n"
        "print(result.folder.metrics.read_text().replace(chr(10), '|'), bool(scans))\n"
    )
    metrics, scanned = run_on_jax(code).rsplit(" ", 1)
    rows = [row.split(",") for row in metrics.split("|") if row]
    column = rows[0].index("epoch_seconds")
    return [row[:column] + row[column + 1 :] for row in rows], scanned == "True"


def test_scanned_executions_on_jax_train_and_validate_what_keras_own_loops_do(write_config, tiny, tmp_path):
    """Dropout's seed state rides the scan; 5 steps per execution leave a shorter run and a partial last batch at each epoch's end."""
    tiny["model"]["layers"].insert(1, {"type": "Dropout", "rate": 0.3})
    tiny["training"]["steps_per_execution"] = 5
    config = write_config(tiny)
    scanned, used_scan = jax_metrics(config, tmp_path / "scan")
    keras_loop, used_scan_when_off = jax_metrics(config, tmp_path / "loop", "NNLAB_FUSED_STEPS=off")
    assert (used_scan, used_scan_when_off) == (True, False)
    header, *rows = scanned
    assert header == keras_loop[0]
    np.testing.assert_allclose(np.array(rows, dtype=float), np.array(keras_loop[1:], dtype=float), rtol=1e-5)
