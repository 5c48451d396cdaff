"""`nnlab sweep` without training: dry runs, bad input (exit 2, nothing created), validate and show of sweep files."""

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from nnlab.cli import app
from tests.conftest import TINY

runner = CliRunner()
ROOT = Path(__file__).parent.parent
SHIPPED = sorted(path for path in (ROOT / "configs").rglob("*.yaml") if {"sweep", "base"} & set(yaml.safe_load(path.read_text())))
FASHION = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture
def sweep_path(tmp_path):
    """A four-trial sweep over the tiny digits experiment."""
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(TINY, sort_keys=False))
    path = tmp_path / "sweep.yaml"
    path.write_text("base: base.yaml\nsweep: {grid: {model.layers.0.units: [8, 16]}, repeats: 2}\n")
    return path


def test_dry_run_prints_each_trial_and_the_count_and_creates_nothing(sweep_path, tmp_path):
    result = runner.invoke(app, ["sweep", str(sweep_path), "--dry-run", "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "4 trials (nothing run: --dry-run)"
    assert "model.layers.0.units" in result.stdout and "seed" in result.stdout
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_sweep_file_validates_in_a_dry_run(path, tmp_path, request):
    if "fashion" in str(path) and not FASHION.is_dir():
        pytest.skip("Fashion-MNIST is not installed (scripts/install-datasets)")
    if "mnist" in path.name and "fashion" not in str(path):
        request.getfixturevalue("small_mnist")
    result = runner.invoke(app, ["sweep" if path.name != "base.yaml" else "validate", str(path), *(["--dry-run"] if path.name != "base.yaml" else [])])
    assert result.exit_code == 0, result.output


def test_the_lessons_init_study_is_36_trials():
    result = runner.invoke(app, ["sweep", str(ROOT / "configs" / "init_sweep.yaml"), "--dry-run"])
    assert result.stdout.strip().splitlines()[-1] == "36 trials (nothing run: --dry-run)"


def test_validate_checks_every_trial_of_a_sweep_file(sweep_path):
    result = runner.invoke(app, ["validate", str(sweep_path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{sweep_path}: valid sweep (4 trials of digits)"


def test_validate_rejects_a_sweep_with_a_bad_trial_with_exit_2(sweep_path):
    sweep_path.write_text("base: base.yaml\nsweep: {grid: {model.layers.1.units: [10, 3]}}\n")
    result = runner.invoke(app, ["validate", str(sweep_path)])
    assert result.exit_code == 2
    assert "(for model.layers.1.units=3)" in result.stderr


def test_show_prints_the_resolved_sweep_with_its_base_merged(sweep_path):
    result = runner.invoke(app, ["show", str(sweep_path)])
    assert result.exit_code == 0, result.output
    shown = yaml.safe_load(result.stdout)
    assert "base" not in shown
    assert shown["name"] == "sweep" and shown["training"] == TINY["training"]
    assert shown["sweep"]["grid"] == {"model.layers.0.units": [8, 16]}


def test_train_refuses_a_sweep_file_and_says_to_use_sweep(sweep_path):
    result = runner.invoke(app, ["train", str(sweep_path)])
    assert result.exit_code == 2
    assert "run it with nnlab sweep" in result.stderr


def test_sweep_without_a_file_or_resume_is_a_usage_error():
    result = runner.invoke(app, ["sweep"])
    assert result.exit_code == 2
    assert "give a sweep FILE, or --resume SWEEP_DIR" in result.stderr


BAD_FILES = {
    "unknown-path": ("sweep: {grid: {optimiser.learning_rate: [0.1]}}", "unknown key 'optimiser'; did you mean 'optimizer'?"),
    "empty-grid": ("sweep: {grid: {}}", "sweep.grid: expected a mapping of dotted keys to lists of values"),
    "empty-values": ("sweep: {grid: {optimizer: []}}", "expected a non-empty list of values"),
    "low-above-high": ("sweep: {random: {samples: 2, params: {optimizer.learning_rate: {uniform: [1, 0.1]}}}}", "low is greater than high"),
    "loguniform-zero": ("sweep: {random: {samples: 2, params: {optimizer.learning_rate: {loguniform: [0, 1]}}}}", "both bounds must be > 0"),
    "samples-zero": ("sweep: {random: {samples: 0, params: {optimizer.learning_rate: {uniform: [0.1, 1]}}}}", "samples: expected an integer >= 1"),
}


@pytest.mark.parametrize("body, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_sweep_file_is_one_line_exit_2_and_no_folder(sweep_path, tmp_path, body, message):
    sweep_path.write_text(f"base: base.yaml\n{body}\n")
    result = runner.invoke(app, ["sweep", str(sweep_path), "--runs-dir", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


BAD_OPTIONS = {
    "workers-zero": (["--workers", "0"], "nnlab sweep: --workers: expected a number of workers >= 1 (got 0)"),
    "gpu-not-there": (["--gpus", "7"], "nnlab sweep: --gpus: GPU 7 is not there"),
    "gpus-not-numbers": (["--gpus", "first"], "nnlab sweep: --gpus: expected GPU numbers"),
    "on-error": (["--on-error", "ignore"], "nnlab sweep: --on-error: expected continue or stop"),
    "backend": (["--backend", "slurm"], "nnlab sweep: --backend: expected local or ray"),
}


@pytest.mark.parametrize("options, message", BAD_OPTIONS.values(), ids=BAD_OPTIONS.keys())
def test_a_bad_option_is_one_line_exit_2_and_no_folder(sweep_path, tmp_path, options, message):
    result = runner.invoke(app, ["sweep", str(sweep_path), "--runs-dir", str(tmp_path / "runs"), *options])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message)
    assert not (tmp_path / "runs").exists()


def test_resume_on_a_folder_that_is_not_a_sweep_exits_2(tmp_path):
    result = runner.invoke(app, ["sweep", "--resume", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"nnlab sweep: --resume: {tmp_path} is not a sweep folder (it has no sweep.json and sweep.yaml)"


def saved_sweep(tmp_path: Path, sweep_path: Path) -> Path:
    """A sweep folder as a finished sweep leaves it, without training (`--dry-run` cannot make one)."""
    from nnlab.sweep.file import read_sweep
    from nnlab.sweep.folder import create_sweep
    from nnlab.sweep.record import SweepRecord, SweepStatus
    from nnlab.sweep.session import dump
    from nnlab.sweep.trials import prepare_sweep

    sweep = prepare_sweep(read_sweep(sweep_path))
    folder = create_sweep(tmp_path / "runs", sweep.name)
    folder.sweep_file.write_text(dump(sweep.resolved, str(sweep_path)))
    SweepRecord.start(folder, {"name": sweep.name}, ["nnlab", "sweep"]).finish(SweepStatus.INTERRUPTED)
    return folder.path


def test_resume_with_a_file_that_changed_the_experiment_exits_2_and_touches_nothing(tmp_path, sweep_path):
    folder = saved_sweep(tmp_path, sweep_path)
    before = sorted(p.name for p in folder.rglob("*"))
    sweep_path.write_text("base: base.yaml\ntraining: {epochs: 5}\nsweep: {grid: {model.layers.0.units: [8, 16]}, repeats: 2}\n")
    result = runner.invoke(app, ["sweep", str(sweep_path), "--resume", str(folder)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"{sweep_path}:2: training.epochs: the experiment differs from the sweep being resumed (2 there, 5 here); "
        "a resume continues the same experiment: change only the sweep: section, or start a new sweep"
    )
    assert sorted(p.name for p in folder.rglob("*")) == before


def test_resume_dry_run_lists_only_the_trials_left(tmp_path, sweep_path):
    from nnlab.runs.folder import RunFolder
    from nnlab.runs.record import RunRecord, RunStatus
    from nnlab.sweep.file import read_sweep
    from nnlab.sweep.trials import prepare_sweep

    folder = saved_sweep(tmp_path, sweep_path)
    first = prepare_sweep(read_sweep(sweep_path)).trials[0].id
    done = RunFolder(folder / "trials" / first)
    done.path.mkdir()
    done.config.write_text("name: x\n")
    RunRecord.start(done, {}).finish(RunStatus.COMPLETED)
    result = runner.invoke(app, ["sweep", "--resume", str(folder), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "3 trials (nothing run: --dry-run)"
    assert first not in result.stdout


def test_a_sweep_takes_allow_external_code_for_every_trial(tmp_path):
    base = {**TINY, "model": {"layers": [{"type": "TFSMLayer", "filepath": "model_dir"}, *TINY["model"]["layers"]]}}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base, sort_keys=False))
    path = tmp_path / "sweep.yaml"
    path.write_text("base: base.yaml\nsweep: {repeats: 2}\n")
    refused = runner.invoke(app, ["sweep", str(path), "--dry-run"])
    allowed = [runner.invoke(app, [*command, "--allow-external-code"]) for command in (["sweep", str(path), "--dry-run"], ["validate", str(path)])]
    assert refused.exit_code == 2 and "--allow-external-code" in refused.stderr
    assert [result.exit_code for result in allowed] == [0, 0], [result.output for result in allowed]


def test_a_runs_dir_that_is_a_file_is_one_line_exit_2(sweep_path, tmp_path):
    (tmp_path / "runs").write_text("not a folder")
    result = runner.invoke(app, ["sweep", str(sweep_path), "--runs-dir", str(tmp_path / "runs"), "-q"])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"{tmp_path / 'runs'}: cannot create a run folder there: it is a file, not a folder (choose another with --runs-dir or NNLAB_RUNS_DIR)"
    )
