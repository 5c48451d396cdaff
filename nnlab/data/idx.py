"""The IDX file format of MNIST and Fashion-MNIST, gzipped or not.

An IDX file is two zero bytes, a type code, the number of dimensions, each
dimension as a big-endian uint32, then the values, big-endian. See
http://yann.lecun.com/exdb/mnist/ (bottom of the page).
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from nnlab.data.errors import DataError

TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path, key: str = "data.path") -> np.ndarray:
    """The array stored in an IDX file (`.gz` or not, told by its first bytes).

    Raises:
        DataError: the file is missing, not IDX, or shorter or longer than its header says.
    """
    path = Path(path)
    content = _read_bytes(path, key)
    if len(content) < 4 or content[:2] != b"\x00\x00":
        raise DataError(key, f"{path}: not an IDX file (expected the bytes 00 00 <type> <dims> at the start, got {content[:4].hex(' ') or 'an empty file'})")
    code, ndim = content[2], content[3]
    if code not in TYPES:
        raise DataError(key, f"{path}: unknown IDX type code 0x{code:02x} (expected one of {', '.join(f'0x{c:02x}' for c in TYPES)})")
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DataError(key, f"{path}: truncated IDX header (expected {header} bytes for {ndim} dimensions, got {len(content)})")
    shape = struct.unpack(f">{ndim}I", content[4:header])
    dtype = np.dtype(TYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) - header != expected:
        state = "truncated" if len(content) - header < expected else "longer than its header says"
        raise DataError(key, f"{path}: {state} (a {'x'.join(map(str, shape))} array needs {expected} bytes of data, got {len(content) - header})")
    # A view on the bytes just read: one byte per pixel, no copy; wider types become native.
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array if dtype.itemsize == 1 else array.astype(dtype.newbyteorder("="))


def _read_bytes(path: Path, key: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            content = handle.read()
        if content[:2] == GZIP_MAGIC:
            content = gzip.decompress(content)
    except FileNotFoundError:
        raise DataError(key, f"{path}: no such file") from None
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
        raise DataError(key, f"{path}: corrupted gzip file ({error})") from None
    return content


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write `array` as an IDX file (gzipped when the name ends in .gz); for tests and tools."""
    codes = {np.dtype(t).newbyteorder("="): c for c, t in TYPES.items()}
    array = np.asarray(array)
    code = codes[array.dtype.newbyteorder("=")]
    content = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    content += array.astype(TYPES[code]).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)


# The four files of an MNIST-style folder, by role; `-` or `.` before idx, gzipped or not.
IDX_SET = {"x_train": ("train-images", 3), "y_train": ("train-labels", 1), "x_test": ("t10k-images", 3), "y_test": ("t10k-labels", 1)}


def idx_set(folder: Path) -> dict[str, Path]:
    """The IDX files of the four roles (x_train, y_train, x_test, y_test) found in `folder`."""
    found = {}
    for role, (stem, ndim) in IDX_SET.items():
        for separator in "-.":
            for suffix in (".gz", ""):
                candidate = folder / f"{stem}{separator}idx{ndim}-ubyte{suffix}"
                if role not in found and candidate.is_file():
                    found[role] = candidate
    return found


def idx_set_names() -> str:
    return ", ".join(f"{stem}-idx{ndim}-ubyte[.gz]" for stem, ndim in IDX_SET.values())
