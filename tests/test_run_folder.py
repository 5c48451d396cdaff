import json
from datetime import datetime

import pytest

from nnlab import run_folder

NOON = datetime(2026, 1, 2, 12, 0, 0)


def test_folder_is_named_by_time_and_run_name(tmp_path):
    assert run_folder.create(tmp_path, "digits", NOON).name == "20260102-120000_digits"


def test_runs_in_the_same_second_never_share_a_folder(tmp_path):
    folders = {run_folder.create(tmp_path, "digits", NOON) for _ in range(3)}
    assert sorted(f.name for f in folders) == ["20260102-120000_digits", "20260102-120000_digits-2", "20260102-120000_digits-3"]


def test_atomic_write_leaves_no_temporary_file(tmp_path):
    run_folder.write_json(tmp_path / "a.json", {"x": 1})
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "a.json"
    run_folder.write_json(target, {"x": 1})

    def fail(handle):
        handle.write("{half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        run_folder.atomic_write(target, fail)
    assert json.loads(target.read_text()) == {"x": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_run_record_moves_from_running_to_a_final_status(tmp_path):
    record = run_folder.RunRecord(tmp_path, {"seed": 1})
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "running"
    record.finish("completed")
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["status"] == "completed" and run["seed"] == 1 and run["duration_seconds"] >= 0


def test_run_record_refuses_an_unknown_final_status(tmp_path):
    with pytest.raises(ValueError, match="a run ends as one of"):
        run_folder.RunRecord(tmp_path, {}).finish("done")
