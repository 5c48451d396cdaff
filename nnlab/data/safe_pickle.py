"""Reading pickled dataset files without running code from them.

CIFAR's python batches and scikit-learn's `cal_housing_py3.pkz` are pickles,
and unpickling runs whatever a pickle names: a file put where nnlab looks for
data (a `data.path`, a shared cache) could run any program during `validate`.
The real files hold only plain containers, bytes, text, numbers and NumPy
arrays, so these unpicklers admit exactly those: every other name a pickle asks
for is refused before it is looked up, and arrays of Python objects are refused
too. `load` reads CIFAR's plain pickles; `load_joblib` reads joblib's format
(arrays written beside the pickle stream, compressed), through joblib's own
unpickler with the same restriction.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle asked for something other than plain data."""


def _dtype(*args: Any, **kwargs: Any) -> np.dtype:
    dtype = np.dtype(*args, **kwargs)
    if dtype.hasobject:
        raise UnsafePickleError("it holds an array of Python objects, not plain numbers")
    return dtype


def _latin1(text: str, encoding: str = "latin1") -> bytes:
    """`_codecs.encode`, as Python 3 pickles bytes for Python 2's protocol 2: only the latin-1 round trip."""
    if encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(f"it asks for the codec {encoding!r}")
    return text.encode("latin1")


def _numpy_global(name: str) -> Any:
    """`_reconstruct`, `scalar` and `_frombuffer` from NumPy's core, wherever this NumPy keeps them."""
    for module in ("numpy._core.multiarray", "numpy.core.multiarray", "numpy._core.numeric", "numpy.core.numeric"):
        try:
            found = getattr(__import__(module, fromlist=[name]), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    raise UnsafePickleError(f"this NumPy has no {name}")


# (module, name) -> how to get it. Module names are those NumPy has used since Python 2 wrote CIFAR's files.
_CORE = ("numpy.core.multiarray", "numpy._core.multiarray", "numpy.core.numeric", "numpy._core.numeric")
ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: _dtype,
    ("_codecs", "encode"): lambda: _latin1,
    **{(module, name): (lambda name=name: _numpy_global(name)) for module in _CORE for name in ("_reconstruct", "scalar", "_frombuffer")},
}


def _find_class(module: str, name: str) -> Any:
    factory = ALLOWED.get((module, name))
    if factory is None:
        raise UnsafePickleError(f"it asks for {module}.{name}, which a data file has no reason to hold")
    return factory()


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return _find_class(module, name)


def load(file: Path) -> Any:
    """Unpickle a plain-data file (CIFAR's batches) as Python 2 wrote it: text as bytes.

    Raises:
        UnsafePickleError: the file names something other than plain data.
        pickle.UnpicklingError, EOFError, ValueError: the file is not a readable pickle.
    """
    with open(file, "rb") as handle:
        return checked(_Unpickler(handle, encoding="bytes").load())


def load_joblib(file: Path) -> Any:
    """Unpickle a joblib file (`joblib.dump(array, compress=...)`) admitting only plain data and arrays."""
    from joblib.numpy_pickle import NumpyUnpickler

    class Restricted(NumpyUnpickler):  # type: ignore[misc]  # joblib ships no types
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) == ("joblib.numpy_pickle", "NumpyArrayWrapper"):  # reads the raw array bytes that follow
                return super().find_class(module, name)
            return _find_class(module, name)

    with _decompressed(file) as stream:
        return checked(Restricted(str(file), stream, ensure_native_byte_order=True).load())


def _decompressed(file: Path) -> IO[bytes]:
    """The pickle stream of a joblib file, compressed as joblib writes it (zlib, gzip, bz2, xz/lzma) or not."""
    data = file.read_bytes()
    if data[:1] == b"\x78":  # joblib's zlib, the compression scikit-learn uses
        data = zlib.decompress(data)
    elif data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif data[:3] == b"BZh":
        data = bz2.decompress(data)
    elif data[:6] == b"\xfd7zXZ\x00" or data[:1] == b"\x5d":
        data = lzma.decompress(data)
    return io.BytesIO(data)


def checked(content: Any, depth: int = 0) -> Any:
    """`content` if it is plain data all the way down (arrays of numbers, containers, bytes, text, numbers)."""
    if depth > 50:
        raise UnsafePickleError("it is nested too deeply for a data file")
    if isinstance(content, np.ndarray):
        if content.dtype.hasobject:
            raise UnsafePickleError("it holds an array of Python objects, not plain numbers")
    elif isinstance(content, dict):
        for key, value in content.items():
            checked(key, depth + 1)
            checked(value, depth + 1)
    elif isinstance(content, (list, tuple)):
        for item in content:
            checked(item, depth + 1)
    elif not isinstance(content, (bytes, str, int, float, bool, np.generic, type(None))):
        raise UnsafePickleError(f"it holds a {type(content).__name__}, not plain data")
    return content
