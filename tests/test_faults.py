"""Faults around a run: the run folder cannot be written, memory runs out. One line, a final status, no traceback.

Filesystem cases use a real read-only or full filesystem (a small tmpfs) where
the test machine lets us mount one (as root), else a folder made read-only;
the full-disk cases that need a mount are skipped without one, and the same
paths are exercised by injecting the error a full disk gives at a real write.
"""

import errno
import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nnlab.cli import app
from nnlab.runs import atomic, faults
from nnlab.runs.folder import RunFolder
from nnlab.runs.record import RunRecord

runner = CliRunner()


def _mount_tmpfs(target: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    target.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True).returncode == 0


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder nobody can write into: a read-only tmpfs as root (root ignores permissions), else mode 0555."""
    target = tmp_path / "read-only"
    if _mount_tmpfs(target, "ro,size=64k"):
        yield target
        subprocess.run(["umount", "--lazy", str(target)], check=True)  # a failed run may still hold a file open
        return
    if os.geteuid() == 0:
        pytest.skip("root ignores permissions and cannot mount here: no read-only folder to test with")
    target.mkdir()
    target.chmod(0o555)
    yield target
    target.chmod(0o755)


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of the given size (bytes, rounded to pages), unmounted afterwards; skipped where mounting is not allowed."""
    mounted = []

    def mount(size: int) -> Path:
        target = tmp_path / f"disk-{size}"
        if not _mount_tmpfs(target, f"size={size}"):
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", "--lazy", str(target)], check=True)  # a failed run may still hold a file open


def train(config_path, runs, *extra):
    return runner.invoke(app, ["train", str(config_path), "--runs-dir", str(runs), "-q", *extra])


def test_a_runs_dir_that_is_a_file_is_one_line_and_exit_2(write_config, tiny, tmp_path):
    (tmp_path / "runs").write_text("not a folder")
    result = train(write_config(tiny), tmp_path / "runs")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "runs: cannot create a run folder there: it is a file, not a folder (choose another with --runs-dir or NNLAB_RUNS_DIR)"
    )
    assert "Traceback" not in result.output


def test_a_runs_dir_below_a_file_is_one_line_and_exit_2(write_config, tiny, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = train(write_config(tiny), tmp_path / "file" / "runs")
    assert result.exit_code == 2
    assert "cannot create a run folder there: Not a directory" in result.stderr
    assert "Traceback" not in result.output


def test_a_read_only_runs_dir_is_one_line_and_exit_2(write_config, tiny, read_only_dir):
    result = train(write_config(tiny), read_only_dir / "runs")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "runs: cannot create a run folder there: " in result.stderr
    assert "Traceback" not in result.output


def test_a_record_is_rewritten_in_place_when_the_disk_has_no_room_for_a_copy(tmp_path, monkeypatch):
    folder = RunFolder(tmp_path)
    record = RunRecord.start(folder, {"name": "x"})

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", full)
    record.finish(record.status.FAILED, error="disk full")
    assert json.loads(folder.record.read_text())["status"] == "failed"


def test_a_record_failure_on_another_error_is_raised_not_hidden(tmp_path, monkeypatch):
    record = RunRecord.start(RunFolder(tmp_path), {"name": "x"})

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    with pytest.raises(OSError, match="Read-only file system"):
        record.finish(record.status.FAILED)


def test_an_atomic_write_that_fails_names_its_file(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(OSError) as caught:
        atomic.write_text(tmp_path / "metrics.csv", "epoch\n")
    assert faults.describe(caught.value) == f"cannot write {tmp_path / 'metrics.csv'}: No space left on device (the disk is full)"
    assert list(tmp_path.iterdir()) == []


def test_a_failure_that_finds_the_run_still_running_records_it_as_failed(tmp_path):
    folder = RunFolder(tmp_path)
    RunRecord.start(folder, {"name": "x"})
    (tmp_path / ".metrics.csv.abc123.tmp").write_text("half")
    assert faults.record_failure(folder, OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "metrics.csv")))
    record = json.loads(folder.record.read_text())
    assert (record["status"], record["error"]) == ("failed", f"cannot write {tmp_path / 'metrics.csv'}: No space left on device (the disk is full)")
    assert record["ended_at"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


def test_a_failure_keeps_a_final_status_already_recorded(tmp_path):
    folder = RunFolder(tmp_path)
    RunRecord.start(folder, {"name": "x"}).finish(RunRecord.start(folder, {}).status.INTERRUPTED)
    faults.record_failure(folder, OSError(errno.EIO, "Input/output error"))
    assert json.loads(folder.record.read_text())["status"] == "interrupted"


def test_a_folder_that_never_held_a_record_is_removed(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.path.mkdir()
    (folder.path / "config.yaml").write_text("name: x\n")
    assert not faults.record_failure(folder, OSError(errno.ENOSPC, "No space left on device"))
    assert not folder.path.exists()


@pytest.mark.parametrize(
    "error",
    [MemoryError(), type("ResourceExhaustedError", (Exception,), {})("OOM when allocating tensor"), RuntimeError("RESOURCE_EXHAUSTED: Out of memory")],
    ids=["MemoryError", "tensorflow", "jax"],
)
def test_out_of_memory_is_recognized_without_importing_a_backend(error):
    assert faults.describe(error).startswith("out of memory")


@pytest.mark.train
def test_a_full_disk_before_the_record_leaves_no_folder_and_exits_2(write_config, tiny, small_disk):
    disk = small_disk(4096)
    result = train(write_config(tiny), disk / "runs")
    assert result.exit_code == 2, result.output
    assert "the run could not start: cannot write" in result.stderr and "No space left on device (the disk is full)" in result.stderr
    assert "Traceback" not in result.output
    assert not (disk / "runs").exists() or list((disk / "runs").iterdir()) == []


@pytest.mark.train
def test_a_full_disk_during_a_run_ends_it_as_failed_without_leftovers(write_config, tiny, small_disk):
    disk = small_disk(8192)
    result = train(write_config(tiny), disk / "runs")
    assert result.exit_code == 1, result.output
    assert "run failed: " in result.stderr and "No space left on device (the disk is full)" in result.stderr
    assert "Traceback" not in result.output
    [folder] = (disk / "runs").iterdir()
    assert json.loads((folder / "run.json").read_text())["status"] == "failed"
    assert [p.name for p in folder.rglob(".*tmp*")] == []


@pytest.mark.train
def test_a_write_that_fails_while_recording_a_failure_still_ends_the_run_as_failed(write_config, tiny, tmp_path, monkeypatch):
    """The full disk's path on any machine: metrics.csv cannot be written, and then neither can error.txt."""
    real = atomic.tempfile.mkstemp

    def full(*args, prefix="", **kwargs):
        if prefix.startswith((".metrics.csv.", ".error.txt.")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, prefix=prefix, **kwargs)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", full)
    result = train(write_config(tiny), tmp_path / "runs")
    assert result.exit_code == 1, result.output
    [folder] = (tmp_path / "runs").iterdir()
    assert result.stderr.strip().endswith(f"{folder}: run failed: cannot write {folder / 'metrics.csv'}: No space left on device (the disk is full)")
    record = json.loads((folder / "run.json").read_text())
    assert (record["status"], record["ended_at"] is not None) == ("failed", True)


@pytest.mark.train
def test_an_unexpected_error_outside_the_record_is_one_line_and_a_final_status(write_config, tiny, tmp_path, monkeypatch):
    from nnlab.runs import plots
    from nnlab.training import run

    def explode(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(plots, "plot_curves", explode)
    monkeypatch.setattr(run, "write_text", explode)  # raised again while run() writes error.txt: it escapes run()
    result = train(write_config(tiny), tmp_path / "runs")
    assert result.exit_code == 1, result.output
    assert "run failed: out of memory" in result.stderr and "Traceback" not in result.output
    [folder] = (tmp_path / "runs").iterdir()
    assert json.loads((folder / "run.json").read_text())["status"] == "failed"
