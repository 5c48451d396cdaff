"""Reading run folders back: every run under a path, damaged ones named, stale ones found."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nnlab.runs.folder import RunFolder
from nnlab.runs.metrics import write_metrics
from nnlab.runs.read import DAMAGED, STALE, NoRunsError, iter_runs, mark_stale_as_failed, read_run
from nnlab.runs.record import RunRecord, RunStatus

ROWS = [
    {"epoch": 1, "loss": 1.0, "val_loss": 1.2, "learning_rate": 0.1, "epoch_seconds": 0.5},
    {"epoch": 2, "loss": 0.5, "val_loss": 0.9, "learning_rate": 0.1, "epoch_seconds": 0.5},
]


def make_run(path: Path, status: RunStatus = RunStatus.COMPLETED, rows=ROWS) -> RunFolder:
    """A run folder as `run` writes it: config, record, metrics and summary."""
    path.mkdir(parents=True)
    folder = RunFolder(path)
    folder.config.write_text("name: x\nseed: 0\n")
    record = RunRecord.start(folder, {"name": "x"})
    write_metrics(folder.metrics, rows)
    if status != RunStatus.RUNNING:
        record.finish(status)
    folder.summary.write_text(json.dumps({"best_epoch": 2}))
    return folder


def test_a_run_folder_reads_back_with_its_config_record_summary_and_metrics(tmp_path):
    run = read_run(make_run(tmp_path / "a").path)
    assert (run.status, run.config["name"], run.summary["best_epoch"]) == ("completed", "x", 2)
    assert [row["epoch"] for row in run.metrics] == [1, 2]


def test_iter_runs_finds_runs_anywhere_below_a_path_in_order(tmp_path):
    for name in ("b", "a", "deep/er/c"):
        make_run(tmp_path / name)
    assert [run.name for run in iter_runs(tmp_path)] == ["a", "b", "c"]


def test_a_sweep_folder_yields_its_trials_marked_with_the_sweep(tmp_path):
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "sweep.json").write_text("{}")
    make_run(tmp_path / "sweep" / "trials" / "0a1b2c")
    [run] = iter_runs(tmp_path)
    assert run.sweep == tmp_path / "sweep"


@pytest.mark.parametrize(
    "damage, reason",
    [
        (lambda f: f.record.write_text('{"status": "compl'), "run.json: invalid JSON"),
        (lambda f: f.metrics.write_text("epoch,loss\n1,0.5\n2,"), "the last line is cut short"),
        (lambda f: f.metrics.write_text("epoch,loss\n1,lots\n"), "'lots' is not a number"),
        (lambda f: f.config.unlink(), "config.yaml: missing"),
        (lambda f: f.config.write_text("name: [x\n"), "config.yaml: invalid YAML"),
    ],
    ids=["truncated-run-json", "truncated-metrics", "text-in-metrics", "no-config", "bad-config"],
)
def test_a_damaged_folder_is_yielded_as_damaged_with_the_reason(tmp_path, damage, reason):
    damage(make_run(tmp_path / "a"))
    make_run(tmp_path / "b")
    damaged, fine = iter_runs(tmp_path)
    assert damaged.status == DAMAGED and reason in damaged.problem
    assert fine.status == "completed"


def test_a_running_record_whose_process_died_is_stale(tmp_path):
    code = (
        "import sys; from pathlib import Path; from tests.test_runs_read import make_run; from nnlab.runs.record import RunStatus; "
        "make_run(Path(sys.argv[1]), RunStatus.RUNNING)"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "a")], check=True, cwd=Path(__file__).parent.parent)
    [run] = iter_runs(tmp_path)
    assert run.status == STALE and "process died" in run.problem


def test_a_running_record_of_a_live_process_is_running(tmp_path):
    make_run(tmp_path / "a", RunStatus.RUNNING)
    assert next(iter_runs(tmp_path)).status == "running"


def test_stale_runs_can_be_marked_failed(tmp_path):
    folder = make_run(tmp_path / "a", RunStatus.RUNNING)
    data = json.loads(folder.record.read_text())
    folder.record.write_text(json.dumps({**data, "pid": 2**22 + 7}))  # beyond pid_max: never alive
    marked = mark_stale_as_failed(iter_runs(tmp_path))
    assert [run.name for run in marked] == ["a"]
    assert json.loads(folder.record.read_text())["status"] == "failed"
    assert next(iter_runs(tmp_path)).record["error"] == "process died"


def test_a_path_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(NoRunsError, match="no such file or folder"):
        list(iter_runs(tmp_path / "nope"))
