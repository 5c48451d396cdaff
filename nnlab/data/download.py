"""Downloading a dataset file into its cache, checked and renamed into place only when complete.

The files and cache folders are the ones `keras.datasets` uses, so data that
Keras downloaded is found by nnlab and the other way round; nothing here
imports Keras.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

TIMEOUT = 30.0  # seconds without a byte before a download is given up


def download(url: str, target: Path, sha256: str | None = None) -> Path:
    """Fetch `url` into `target` (created with its folder); checked against `sha256` when given.

    Raises:
        OSError: the download failed, or its checksum differs (nothing is left at `target`).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise OSError(f"{url}: checksum mismatch (expected sha256 {sha256}, got {digest.hexdigest()})")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def extract(archive: Path, folder: Path) -> Path:
    """Unpack a .tar.gz into `folder` (members may not leave it), then remove the archive."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    archive.unlink(missing_ok=True)
    return folder
