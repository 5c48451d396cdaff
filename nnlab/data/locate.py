"""Where downloadable data is looked for, in order, and what to say when it is nowhere.

The order: the config's `data.path`; `$NNLAB_DATA_DIR/<name>/`; the cache of
the library that downloads it (Keras's `~/.keras/datasets`, scikit-learn's
`~/scikit_learn_data`); system-wide dataset folders such as the
`/usr/share/datasets/fashion-mnist/` of Debian's `dataset-fashion-mnist`
package; only then a download. Nothing here downloads: `reachable` only tells,
within seconds, whether a download could start.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from nnlab.data.errors import DataError

SYSTEM_DIRS = (Path("/usr/share/datasets"), Path("/usr/local/share/datasets"))
REACH_TIMEOUT = 3.0  # seconds; a machine without network must fail fast, not hang on a download


@dataclass(frozen=True)
class Place:
    """One place the data may be: `label` says why it is looked at, `folder` where."""

    label: str
    folder: Path

    def __str__(self) -> str:
        return f"{self.folder} ({self.label})"


def keras_cache() -> Path:
    """Keras's download cache, as `keras.utils.get_file` chooses it (without importing Keras)."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def sklearn_cache() -> Path:
    """scikit-learn's download cache, as `sklearn.datasets.get_data_home` chooses it."""
    return Path(os.environ.get("SCIKIT_LEARN_DATA") or Path.home() / "scikit_learn_data").expanduser()


def places(name: str, caches: list[Path], system_names: list[str]) -> list[Place]:
    """Every place after `data.path` where `name` is looked for, in order."""
    found = []
    if os.environ.get("NNLAB_DATA_DIR"):
        found.append(Place("$NNLAB_DATA_DIR", Path(os.environ["NNLAB_DATA_DIR"]).expanduser() / name))
    found += [Place("download cache", folder) for folder in caches]
    found += [Place("system datasets", base / system) for system in system_names for base in SYSTEM_DIRS]
    return found


def find(places_to_look: list[Place], present: Callable[[Path], Path | None]) -> tuple[Path, Place] | None:
    """The first place whose folder holds the data: `present(folder)` returns what to read, or None."""
    for place in places_to_look:
        if place.folder.is_dir():
            target = present(place.folder)
            if target is not None:
                return target, place
    return None


def given_path(path: str, present: Callable[[Path], Path | None], expected: str) -> Path:
    """What to read at the config's `data.path`: a file, or a folder that holds the data."""
    where = Path(path).expanduser()
    if not where.exists():
        raise DataError("data.path", f"{where}: no such file or folder")
    target = present(where) if where.is_dir() else where
    if target is None:
        raise DataError("data.path", f"{where}: the data is not in this folder (expected {expected})")
    return target


def reachable(url: str, timeout: float = REACH_TIMEOUT) -> bool:
    """Whether a connection to `url`'s host (or the HTTPS proxy) opens within `timeout` seconds.

    Name lookup ignores socket timeouts, so the attempt runs in a thread that is
    given up on after `timeout`.
    """
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    parsed = urlparse(proxy or url)
    host, port = parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)
    result: list[bool] = []

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def not_found(name: str, looked: list[Place], expected: str, reason: str, hints: list[str], cache: Path) -> DataError:
    """The one message for data found nowhere: every place looked, and every way to get it."""
    where = "; ".join(str(place) for place in looked) or "nowhere"
    if not os.environ.get("NNLAB_DATA_DIR"):
        where += "; $NNLAB_DATA_DIR (not set)"
    ways = "; ".join(
        hints
        + [
            "put the files in a folder and set data.path to it",
            f"set NNLAB_DATA_DIR so that $NNLAB_DATA_DIR/{name}/ holds them",
            f"or run once with network access (the download is cached in {cache})",
        ]
    )
    return DataError("data.dataset", f"{name} is not on this machine and {reason}. Looked in: {where}. Expected {expected}. To get it: {ways}")
