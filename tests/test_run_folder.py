"""Run folders: created never shared, files written atomically, run.json from running to a final status."""

import json
import os
import stat
import subprocess
import sys
from datetime import datetime

import pytest

from nnlab.runs import atomic, record
from nnlab.runs.folder import RunFolder, create
from nnlab.runs.record import RunRecord, RunStatus

NOON = datetime(2026, 1, 2, 12, 0, 0)


def test_folder_is_named_by_time_and_run_name(tmp_path):
    assert create(tmp_path, "digits", NOON).path.name == "20260102-120000_digits"


def test_runs_in_the_same_second_never_share_a_folder(tmp_path):
    folders = {create(tmp_path, "digits", NOON).path.name for _ in range(3)}
    assert sorted(folders) == ["20260102-120000_digits", "20260102-120000_digits-2", "20260102-120000_digits-3"]


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    atomic.write_json(tmp_path / "a.json", {"x": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_atomic_files_follow_the_umask_like_every_other_file(tmp_path):
    atomic.write_json(tmp_path / "a.json", {"x": 1})
    (tmp_path / "b.txt").write_text("plain")
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == stat.S_IMODE((tmp_path / "b.txt").stat().st_mode)


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "a.json"
    atomic.write_json(target, {"x": 1})

    def fail(handle):
        handle.write("{half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic.atomic_write(target, fail)
    assert json.loads(target.read_text()) == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_run_record_moves_from_running_to_a_final_status(tmp_path):
    run = RunRecord.start(RunFolder(tmp_path), {"seed": 1})
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "running"
    run.finish(RunStatus.COMPLETED)
    data = json.loads((tmp_path / "run.json").read_text())
    assert data["status"] == "completed" and data["seed"] == 1 and data["duration_seconds"] >= 0


def test_run_record_names_its_process(tmp_path):
    data = RunRecord.start(RunFolder(tmp_path), {}).data
    assert data["pid"] == os.getpid() and data["host"]


def test_run_record_refuses_running_as_a_final_status(tmp_path):
    with pytest.raises(ValueError, match="a run ends as one of"):
        RunRecord.start(RunFolder(tmp_path), {}).finish(RunStatus.RUNNING)


def test_a_record_of_a_live_process_is_not_stale(tmp_path):
    assert not record.is_stale(RunRecord.start(RunFolder(tmp_path), {}).data)


def test_a_record_whose_process_is_gone_is_stale(tmp_path):
    code = "import sys; from pathlib import Path; from nnlab.runs.folder import RunFolder; from nnlab.runs.record import RunRecord; RunRecord.start(RunFolder(Path(sys.argv[1])), {})"
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert record.is_stale(json.loads((tmp_path / "run.json").read_text()))


def test_a_reused_pid_does_not_keep_a_dead_run_alive(tmp_path):
    data = RunRecord.start(RunFolder(tmp_path), {}).data
    if data["pid_started"] is None:
        pytest.skip("no /proc: process start times are not known here")
    data["pid_started"] -= 1  # this pid, but a process started at another time
    assert record.is_stale(data)


def test_a_record_from_another_host_is_never_called_stale(tmp_path):
    data = {**RunRecord.start(RunFolder(tmp_path), {}).data, "host": "elsewhere", "pid": 999999}
    assert record.process_alive(data) is None and not record.is_stale(data)
