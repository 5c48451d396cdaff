"""`sweep.json`: the status of a sweep as a whole, rewritten atomically on every change.

A sweep is `running` while a process runs it, then `completed` (every trial
ran, whatever each one's outcome), `interrupted` (Ctrl-C or SIGTERM) or
`failed` (stopped by `--on-error stop`, or its workers could not start). Like
`run.json`, it names the process that writes it, so a resume can tell a sweep
still running from one whose process was killed.
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass, field
from typing import Any

from nnlab.runs.provenance import provenance
from nnlab.runs.record import now_iso, process_alive, rewrite, this_process
from nnlab.sweep.folder import SweepFolder


class SweepStatus(str, enum.Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


@dataclass
class SweepRecord:
    """The content of `sweep.json`, kept in memory and saved on every change."""

    folder: SweepFolder
    data: dict[str, Any] = field(default_factory=dict)
    _started: float = field(default_factory=time.time, repr=False)

    @classmethod
    def start(cls, folder: SweepFolder, facts: dict[str, Any], command: list[str]) -> SweepRecord:
        record = cls(folder, {"status": str(SweepStatus.RUNNING), "started_at": now_iso(), "ended_at": None, "duration_seconds": None})
        record.data.update(facts, **provenance(command), **this_process())
        record.save()
        return record

    @classmethod
    def reopen(cls, folder: SweepFolder, facts: dict[str, Any], command: list[str]) -> SweepRecord:
        """Take the sweep over in this process to resume it; earlier runs of it are listed in `resumes`."""
        data = read_record(folder)
        resumes = [*data.get("resumes", []), {"at": now_iso(), "from_status": data.get("status"), "command": command}]
        record = cls(folder, data)
        record.data.update(facts, status=str(SweepStatus.RUNNING), ended_at=None, resumes=resumes, **provenance(command), **this_process())
        record._started = time.time() - float(data.get("duration_seconds") or 0.0)
        record.save()
        return record

    def update(self, **facts: Any) -> None:
        self.data.update(facts)
        self.save()

    def finish(self, status: SweepStatus, **facts: Any) -> None:
        self.update(status=str(status), ended_at=now_iso(), duration_seconds=round(time.time() - self._started, 3), **facts)

    def save(self) -> None:
        rewrite(self.folder.record, self.data)  # in place when a full disk has no room for a copy


def read_record(folder: SweepFolder) -> dict[str, Any]:
    """The sweep.json of a sweep folder; raises OSError or ValueError when it cannot be read."""
    data = json.loads(folder.record.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{folder.record}: expected a JSON object")
    return data


def still_running(data: dict[str, Any]) -> bool:
    """True when a `running` sweep.json names a process on this host that is alive.

    A sweep started on another host cannot be checked from here; it counts as
    gone, so a sweep whose head node died can be resumed from another node.
    """
    return data.get("status") == SweepStatus.RUNNING and process_alive(data) is True
