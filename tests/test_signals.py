"""Signals end a run with a final status and exit 130, wherever they land: subprocesses sent real signals."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}

# Runs `nnlab train` after making one step of the run send this process SIGTERM, as if the signal
# came from outside just then; argv: the patch point, the config, the runs folder, and "twice" for a
# second SIGTERM while the run records the first.
HARNESS = textwrap.dedent(
    """
    import os, signal, sys, time
    point, config, runs, twice = sys.argv[1], sys.argv[2], sys.argv[3], len(sys.argv) > 4
    import keras
    from nnlab.runs import plots
    from nnlab.runs.record import RunRecord

    def interrupting(owner, name):
        original, fired = getattr(owner, name), []
        def wrapper(*args, **kwargs):
            if not fired:
                fired.append(True)
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)  # the first signal interrupts this sleep at once; a second one is only noted
            return original(*args, **kwargs)
        setattr(owner, name, wrapper)

    owner, name = {"evaluation": (keras.Model, "evaluate"), "plots": (plots, "plot_curves"), "saving": (keras.Model, "save")}[point]
    interrupting(owner, name)
    if twice:
        interrupting(RunRecord, "finish")
    sys.argv = ["nnlab", "train", config, "--runs-dir", runs, "-q"]
    from nnlab.__main__ import main
    main()
    """
)


def run_interrupted(write_config, tiny, tmp_path, point, *extra):
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, point, str(write_config(tiny)), str(tmp_path / "runs"), *extra],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=180,
    )
    [folder] = (tmp_path / "runs").iterdir()
    return result, json.loads((folder / "run.json").read_text())


@pytest.mark.train
@pytest.mark.parametrize("point", ["evaluation", "plots", "saving"])
def test_sigterm_after_fit_ends_the_run_as_interrupted(write_config, tiny, tmp_path, point):
    result, record = run_interrupted(write_config, tiny, tmp_path, point)
    assert result.returncode == 130, result.stderr[-2000:]
    assert (record["status"], record["ended_at"] is not None) == ("interrupted", True)
    assert "Traceback" not in result.stderr


@pytest.mark.train
def test_a_second_sigterm_while_the_first_is_recorded_is_noted_not_obeyed(write_config, tiny, tmp_path):
    result, record = run_interrupted(write_config, tiny, tmp_path, "plots", "twice")
    assert result.returncode == 130, result.stderr[-2000:]
    assert (record["status"], record["ended_at"] is not None) == ("interrupted", True)
    assert "SIGTERM again: still saving what was done" in result.stderr


def test_sigterm_while_the_data_loads_exits_130_without_a_run_folder(write_config, tiny, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "nnlab", "train", str(write_config(tiny)), "--runs-dir", str(tmp_path / "runs")],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr.read(len("loading")) == "loading"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr[-2000:]
    assert "Traceback" not in stderr
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []


def test_an_interrupt_that_lands_in_a_garbage_collector_callback_is_delivered_again():
    """Python swallows an exception raised in `__del__` (and JAX's gc callbacks): the interrupt must not be lost."""
    code = textwrap.dedent(
        """
        import os, signal, time
        from nnlab.cli import signals
        signals.install()

        class Collected:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(100_000):  # the handler runs here, inside __del__, where its exception is swallowed
                    pass

        try:
            Collected()
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                time.sleep(0.01)
            print("LOST")
        except KeyboardInterrupt:
            print("DELIVERED")
        """
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "DELIVERED", result.stderr
