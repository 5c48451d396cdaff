"""`run.json`: a run's status and facts, rewritten atomically on every change.

A run starts `running` and ends `completed`, `failed`, `diverged` or
`interrupted`. The record names the process that writes it (pid, host and the
process's start time), so a reader can tell a run that is still going from one
whose process was killed without a chance to write its end (SIGKILL, out of
memory): that one is `stale`, and `mark_died` turns it into `failed`.
"""

from __future__ import annotations

import enum
import errno
import json
import os
import platform
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from nnlab.runs.atomic import write_json
from nnlab.runs.folder import RunFolder


class RunStatus(str, enum.Enum):
    """A run's status as `run.json` records it."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    DIVERGED = "diverged"
    INTERRUPTED = "interrupted"

    def __str__(self) -> str:
        return self.value


FINAL = (RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.DIVERGED, RunStatus.INTERRUPTED)
PROCESS_DIED = "process died"


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class RunRecord:
    """The content of `run.json`, kept in memory and saved on every change."""

    folder: RunFolder
    data: dict[str, Any] = field(default_factory=dict)
    _started: float = field(default_factory=time.time, repr=False)  # for the duration: wall-clock seconds

    @classmethod
    def start(cls, folder: RunFolder, facts: dict[str, Any]) -> RunRecord:
        """Write a new `running` record for this process."""
        record = cls(folder, {"status": str(RunStatus.RUNNING), "started_at": now_iso(), "ended_at": None, "duration_seconds": None})
        record.data.update(facts)
        record.data.update(this_process())
        record._started = time.time()
        record.save()
        return record

    @classmethod
    def reopen(cls, folder: RunFolder, **facts: Any) -> RunRecord:
        """Take over an existing record to continue its run in this process (resume)."""
        data = json.loads(folder.record.read_text(encoding="utf-8"))
        for stale in ("error", "ended_at"):  # the run is going again
            data.pop(stale, None)
        record = cls(folder, data)
        resumes = [*data.get("resumes", []), {"at": now_iso(), "from_status": data.get("status"), **facts}]
        record.data.update(status=str(RunStatus.RUNNING), ended_at=None, resumes=resumes, **this_process())
        record._started = time.time() - float(data.get("duration_seconds") or 0.0)
        record.save()
        return record

    @property
    def status(self) -> RunStatus:
        return RunStatus(self.data["status"])

    def update(self, **facts: Any) -> None:
        self.data.update(facts)
        self.save()

    def finish(self, status: RunStatus, **facts: Any) -> None:
        """Record how the run ended; the record is then final."""
        if status not in FINAL:
            raise ValueError(f"a run ends as one of {', '.join(map(str, FINAL))}, not {status!r}")
        started = getattr(self, "_started", time.time())
        self.update(status=str(status), ended_at=now_iso(), duration_seconds=round(time.time() - started, 3), **facts)

    def save(self) -> None:
        rewrite(self.folder.record, self.data)


def rewrite(path: Path, data: dict[str, Any]) -> None:
    """Save a record atomically; on a disk too full for a temporary copy, rewrite it in place.

    A run's final status matters more than the atomicity of its last write:
    rewriting in place first frees the old record's blocks, which the new one,
    barely longer, then fits in.
    """
    try:
        write_json(path, data)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT) or not path.exists():
            raise
        with path.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, indent=2, default=str) + "\n")


def this_process() -> dict[str, Any]:
    """What identifies the process writing a record: pid, host and the pid's start time."""
    return {"pid": os.getpid(), "host": platform.node(), "pid_started": process_started(os.getpid())}


def process_started(pid: int) -> int | None:
    """When `pid` started, in clock ticks since boot (Linux), so a reused pid is not taken for ours."""
    stat = _proc_stat(pid)
    return int(stat[19]) if stat is not None else None


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, or None (not Linux, or no such process)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()  # the name, in parentheses, may hold spaces


def process_alive(record: dict[str, Any]) -> bool | None:
    """Whether the process a `running` record names is still alive: None when it cannot be told (another host)."""
    pid, host = record.get("pid"), record.get("host")
    if not isinstance(pid, int) or host != platform.node():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc (not Linux): kill(pid, 0) is all we know
    if stat[0] == "Z":  # a zombie: killed, not yet reaped by its parent
        return False
    started = record.get("pid_started")
    return started is None or int(stat[19]) == started


def is_stale(record: dict[str, Any]) -> bool:
    """A record that says `running` although its process is gone."""
    return record.get("status") == RunStatus.RUNNING and process_alive(record) is False


def mark_died(folder: RunFolder, cause: str = PROCESS_DIED, status: RunStatus = RunStatus.FAILED) -> None:
    """Turn a stale `running` record into `failed` with its cause (the run's files stay as they are).

    `status` is `interrupted` for a run whose process was ended on purpose (a sweep's worker killed
    when it did not stop in time after Ctrl-C), so a resume runs it again.
    """
    data = json.loads(folder.record.read_text(encoding="utf-8"))
    data.update(status=str(status), error=cause, ended_at=data.get("ended_at") or now_iso())
    rewrite(folder.record, data)
