"""Where a run came from: versions, the command, the git commit; read without importing TensorFlow."""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

import nnlab

PACKAGES = ("tensorflow", "keras", "jax", "numpy")


def versions(packages: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Installed versions of nnlab, Python and the packages that shape training (those installed)."""
    found = {"nnlab": nnlab.__version__, "python": platform.python_version()}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


@functools.cache
def git_commit() -> str | None:
    """The commit of the working directory's git checkout, if it is one."""
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def provenance(command: Sequence[str] | None = None) -> dict[str, Any]:
    """The facts `run.json` records about how a run was started."""
    return {"command": list(command if command is not None else sys.argv), "versions": versions(), "git_commit": git_commit()}
