"""When a run cannot go on: one line for the user, a final status in run.json, nothing half-written left behind.

`nnlab.training.run.run` records how a run ended whenever it can. But the run
folder itself can fail under it (a read-only or full disk), and a fault can
strike while `run` is still recording; then the exception reaches its caller
with the record still saying `running`. The caller (the command line, a sweep)
hands it to `record_failure`, which gives the run its final status (or removes
a folder that never held a record) and says in one line what happened.
Nothing here imports TensorFlow: faults are recognized by name.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

from nnlab.runs.folder import RunFolder
from nnlab.runs.record import FINAL, RunStatus, now_iso, rewrite

# Names of the exceptions the backends raise when a device runs out of memory (TensorFlow's
# ResourceExhaustedError, XLA's RESOURCE_EXHAUSTED status as JAX raises it).
OUT_OF_MEMORY_NAMES = ("ResourceExhaustedError",)
OUT_OF_MEMORY_TEXT = ("RESOURCE_EXHAUSTED", "Out of memory", "OOM when allocating")
TEMPORARY_PATTERNS = (".*.tmp", ".*.tmp.*")  # nnlab's atomic writes: `.run.json.abc123.tmp`, `.loss.tmp.png`


def describe(error: BaseException) -> str:
    """The one line a user reads: `cannot write runs/x/metrics.csv: No space left on device`, `out of memory (...)`."""
    if isinstance(error, OSError):
        error = _first_of_its_kind(error)
        reason = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            reason += " (the disk is full)"
        return f"cannot write {error.filename}: {reason}" if error.filename else reason
    first = _first_line(error)
    if out_of_memory(error):
        return f"out of memory: {first}" if first else "out of memory"
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def out_of_memory(error: BaseException) -> bool:
    """Whether `error` is a host or device running out of memory, as any backend reports it."""
    if isinstance(error, MemoryError) or type(error).__name__ in OUT_OF_MEMORY_NAMES:
        return True
    return any(text in str(error)[:2000] for text in OUT_OF_MEMORY_TEXT)


def record_failure(folder: RunFolder, error: BaseException) -> bool:
    """Give the run that `error` ended its final status; True when run.json records it.

    A folder without run.json never held a run: it is removed, so no damaged
    folder is left, and False is returned. A record that is still `running`
    becomes `failed` with the error's line; one that already has a final status
    keeps it. Temporary files of interrupted writes are removed either way.
    """
    remove_temporary_files(folder.path)
    if not folder.record.exists():
        shutil.rmtree(folder.path, ignore_errors=True)
        return False
    try:
        data = json.loads(folder.record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if data.get("status") not in [str(status) for status in FINAL]:
        data.update(status=str(RunStatus.FAILED), ended_at=now_iso(), error=describe(error))
        try:
            rewrite(folder.record, data)
        except OSError:
            return False
    return True


def discard_if_unrecorded(folder: RunFolder) -> bool:
    """Remove a folder whose run never started (no run.json); True if it was removed."""
    remove_temporary_files(folder.path)
    if folder.record.exists():
        return False
    shutil.rmtree(folder.path, ignore_errors=True)
    return True


def remove_temporary_files(path: Path) -> None:
    """Delete what interrupted atomic writes left in a run folder (they are hidden, named `.<file>.<random>.tmp`)."""
    for pattern in TEMPORARY_PATTERNS:
        for leftover in path.rglob(pattern):
            try:
                leftover.unlink()
            except OSError:
                pass


def _first_of_its_kind(error: OSError) -> OSError:
    """The write that failed first: on a full disk, recording one failure (error.txt) fails the same way.

    Follows the errors raised while handling earlier ones, back to the earliest
    of the same kind that names its file.
    """
    chain = [error]
    while isinstance(chain[-1].__context__, OSError) and chain[-1].__context__.errno == error.errno and len(chain) < 20:
        chain.append(chain[-1].__context__)
    named = [candidate for candidate in chain if candidate.filename]
    return named[-1] if named else error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else ""
