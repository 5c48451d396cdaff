"""The user's own files: `csv`, `npz` and `idx` (a folder of MNIST-style files), found at `data.path`.

Each problem with a file gives one line naming the file and what is wrong.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnlab.data import idx as idx_format
from nnlab.data.catalog import FILE, register
from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Raw
from nnlab.data.errors import DataError

TASKS = ("auto", CLASSIFICATION, REGRESSION)


def _existing(path: str | None, dataset: str, what: str) -> Path:
    if path is None:
        raise DataError("data", f"the {dataset} dataset reads {what}: set data.path to it")
    where = Path(path).expanduser()
    if not where.exists():
        raise DataError("data.path", f"{where}: no such file or folder")
    return where


def _task(task: str, y: np.ndarray) -> str:
    """`auto`: integer or text labels are classes, floating-point targets are regression."""
    if task not in TASKS:
        raise DataError("data.dataset.task", f"expected one of {', '.join(TASKS)} (got {task!r})")
    if task != "auto":
        return task
    return REGRESSION if np.issubdtype(y.dtype, np.floating) else CLASSIFICATION


def _labels(y: np.ndarray, task: str, where: Path) -> tuple[np.ndarray, list[str] | None]:
    """Targets as Keras wants them: int32 classes 0..k-1 (with their names) or float32 values."""
    if task == REGRESSION:
        if not np.issubdtype(y.dtype, np.number):
            raise DataError("data.dataset.target", f"{where}: the target is not numeric, so it cannot be regressed (set task: classification)")
        return y.astype("float32", copy=False), None
    names, codes = np.unique(y, return_inverse=True)
    return codes.astype("int32").reshape(y.shape), [str(name) for name in names]


@register("csv", "auto", "a CSV file of yours: one column is the target, the others (or `features`) the inputs", kind=FILE, shapes="your columns")
def csv(
    seed: int,
    path: str | None = None,
    target: str | int | None = None,
    features: list[str | int] | None = None,
    header: bool = True,
    delimiter: str = ",",
    task: str = "auto",
) -> Raw:
    """A CSV file: `target` names (or numbers, from 0) the column to predict."""
    import pandas as pd

    where = _existing(path, "csv", "a CSV file")
    if target is None:
        raise DataError("data.dataset", f"{where}: the csv dataset needs target: the column to predict")
    try:
        table = pd.read_csv(where, header=0 if header else None, sep=delimiter)
    except (ValueError, OSError, pd.errors.ParserError) as error:
        raise DataError("data.path", f"{where}: not a readable CSV file ({str(error).splitlines()[0]})") from None
    if table.empty:
        raise DataError("data.path", f"{where}: no data rows" + (" (only the header)" if len(table.columns) else ""))
    columns = [str(c) for c in table.columns]
    table.columns = columns
    target_name = _column(target, columns, where, "target")
    chosen = [_column(f, columns, where, "features") for f in features] if features is not None else [c for c in columns if c != target_name]
    x = _numeric(table[chosen], where)
    y = table[target_name].to_numpy()
    if table[target_name].isna().any():
        row = int(np.flatnonzero(table[target_name].isna().to_numpy())[0])
        raise DataError("data.path", f"{where}: the target column '{target_name}' is empty in data row {row + 1}")
    kind = _task(task, y)
    y, class_names = _labels(y, kind, where)
    if kind == REGRESSION:
        finite(y, where, f"the target column '{target_name}'", rows="data row")  # a missing one was refused above
    return Raw(x=x, y=y, task=kind, source=str(where.resolve()), class_names=class_names, feature_names=chosen)


def _column(wanted: str | int, columns: list[str], where: Path, key: str) -> str:
    if isinstance(wanted, int) and not isinstance(wanted, bool) and 0 <= wanted < len(columns):
        return columns[wanted]
    if str(wanted) in columns:
        return str(wanted)
    shown = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")
    raise DataError(f"data.dataset.{key}", f"{where}: no column {wanted!r} (the file has: {shown})")


def _numeric(frame: Any, where: Path) -> np.ndarray:
    """Feature columns as one float32 array; text or missing values name their column and row."""
    import pandas as pd

    for name in frame.columns:
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna() & frame[name].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError("data.path", f"{where}: column '{name}' is not numeric (data row {row + 1} holds {frame[name].iloc[row]!r})")
        if values.isna().any():
            row = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise DataError("data.path", f"{where}: column '{name}' has a missing value (NaN) in data row {row + 1}")
        infinite = np.isinf(values.to_numpy(dtype="float64"))
        if infinite.any():
            row = int(np.flatnonzero(infinite)[0])
            raise DataError("data.path", f"{where}: column '{name}' holds an infinite value in data row {row + 1}; features must be finite numbers")
    return frame.to_numpy(dtype="float32")


@register("npz", "auto", "a NumPy .npz file of yours with x_train, y_train and optionally x_test, y_test", kind=FILE, shapes="your arrays")
def npz(seed: int, path: str | None = None, task: str = "auto") -> Raw:
    where = _existing(path, "npz", "a .npz file")
    arrays = read_npz(where, "data.path")
    kind = _task(task, arrays["y_train"])
    y_test = arrays.get("y_test")
    class_names: list[str] | None
    if kind == CLASSIFICATION and y_test is not None:  # one numbering for both splits
        y, y_test, class_names = _shared_labels(arrays["y_train"], y_test)
    else:
        y, class_names = _labels(arrays["y_train"], kind, where)
        y_test = None if y_test is None else _labels(y_test, kind, where)[0]
    return Raw(
        x=arrays["x_train"],
        y=y,
        task=kind,
        source=str(where.resolve()),
        x_test=arrays.get("x_test"),
        y_test=y_test,
        class_names=class_names,
        image_shape=_image_shape(arrays["x_train"]),
    )


def _shared_labels(y_train: np.ndarray, y_test: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str]]:
    names, codes = np.unique(np.concatenate([y_train.ravel(), y_test.ravel()]), return_inverse=True)
    codes = codes.astype("int32")
    return codes[: y_train.size].reshape(y_train.shape), codes[y_train.size :].reshape(y_test.shape), [str(n) for n in names]


def read_npz(where: Path, key: str) -> dict[str, np.ndarray]:
    """x_train, y_train (and x_test, y_test when present) from an .npz file, checked for agreeing lengths."""
    try:
        with np.load(where, allow_pickle=False) as content:
            arrays = {name: content[name] for name in content.files}
    except (ValueError, OSError, EOFError) as error:
        raise DataError(key, f"{where}: not a readable .npz file ({error})") from None
    missing = [name for name in ("x_train", "y_train") if name not in arrays]
    if missing:
        raise DataError(
            key,
            f"{where}: no array named {' or '.join(missing)} (expected x_train, y_train and optionally x_test, y_test; the file has: {', '.join(arrays) or 'nothing'})",
        )
    if ("x_test" in arrays) != ("y_test" in arrays):
        raise DataError(key, f"{where}: x_test and y_test come together (the file has only {'x_test' if 'x_test' in arrays else 'y_test'})")
    for name, array in arrays.items():
        if name in ARRAY_NAMES and array.ndim == 0:
            raise DataError(key, f"{where}: {name} is a single value (a 0-d array); expected one entry per example")
    for split in ("train", "test"):
        x, y = arrays.get(f"x_{split}"), arrays.get(f"y_{split}")
        if x is not None and y is not None and len(x) != len(y):
            raise DataError(key, f"{where}: x_{split} and y_{split} disagree in length ({len(x)} vs {len(y)})")
        if x is not None:
            finite(numeric(x, where, f"x_{split}", key), where, f"x_{split}", key=key)
        if y is not None and np.issubdtype(y.dtype, np.floating):
            finite(y, where, f"y_{split}", key=key)
    return arrays


ARRAY_NAMES = ("x_train", "y_train", "x_test", "y_test")


def numeric(x: np.ndarray, where: Path, name: str, key: str = "data.path") -> np.ndarray:
    """Features as numbers: text, dates or objects cannot be fed to a network."""
    if not (np.issubdtype(x.dtype, np.number) or np.issubdtype(x.dtype, np.bool_)) or np.issubdtype(x.dtype, np.complexfloating):
        raise DataError(key, f"{where}: {name} holds {_kind_of(x.dtype)} (dtype {x.dtype}); features must be numbers")
    return x


def finite(x: np.ndarray, where: Path, name: str, key: str = "data.path", rows: str = "example") -> np.ndarray:
    """Refuse NaN and infinite values: one of them makes the loss NaN from the first step on."""
    if not np.issubdtype(x.dtype, np.floating):
        return x
    bad = ~np.isfinite(x)
    if bad.any():
        first = np.argwhere(bad)[0]
        value = x[tuple(first)]
        what = "NaN (a missing value)" if np.isnan(value) else f"an infinite value ({value})"
        position = f"{rows} {int(first[0]) + 1}" + (f", column {int(first[1]) + 1}" if len(first) == 2 else "")
        raise DataError(key, f"{where}: {name} holds {what} at {position}; features and targets must be finite numbers")
    return x


def _kind_of(dtype: np.dtype) -> str:
    if np.issubdtype(dtype, np.str_) or np.issubdtype(dtype, np.bytes_):
        return "text"
    if np.issubdtype(dtype, np.datetime64) or np.issubdtype(dtype, np.timedelta64):
        return "dates or times"
    return "values that are not numbers"


def _image_shape(x: np.ndarray) -> tuple[int, ...] | None:
    """Arrays of 2-D examples (or 3-D with 1, 3 or 4 channels) are images."""
    shape = tuple(x.shape[1:])
    return shape if len(shape) == 2 or (len(shape) == 3 and shape[-1] in (1, 3, 4)) else None


@register("idx", CLASSIFICATION, "a folder of yours with MNIST-style IDX files (train-images-idx3-ubyte[.gz], ...)", kind=FILE, shapes="your images")
def idx(seed: int, path: str | None = None) -> Raw:
    where = _existing(path, "idx", "a folder of IDX files")
    return read_idx_folder(where, "data.path", source=str(where.resolve()))


def read_idx_folder(folder: Path, key: str, source: str, class_names: list[str] | None = None) -> Raw:
    """An MNIST-style folder: training images and labels, and test ones when present."""
    if not folder.is_dir():
        raise DataError(key, f"{folder}: expected a folder holding {idx_format.idx_set_names()}")
    files = idx_format.idx_set(folder)
    missing = [idx_format.IDX_SET[role][0] for role in ("x_train", "y_train") if role not in files]
    if missing:
        raise DataError(key, f"{folder}: no {' or '.join(missing)} file (expected {idx_format.idx_set_names()})")
    arrays = {role: idx_format.read_idx(file, key) for role, file in files.items()}
    for split in ("train", "test"):
        x, y = arrays.get(f"x_{split}"), arrays.get(f"y_{split}")
        if (x is None) != (y is None):
            raise DataError(key, f"{folder}: the {split} images and labels come together (found only one of them)")
        if x is not None and y is not None and len(x) != len(y):
            raise DataError(key, f"{folder}: {files[f'x_{split}'].name} has {len(x)} images but {files[f'y_{split}'].name} {len(y)} labels")
    if class_names is None:
        labels = np.concatenate([arrays["y_train"]] + ([arrays["y_test"]] if "y_test" in arrays else []))
        class_names = [str(c) for c in range(int(labels.max()) + 1)]
    return Raw(
        x=arrays["x_train"],
        y=arrays["y_train"],
        task=CLASSIFICATION,
        source=source,
        x_test=arrays.get("x_test"),
        y_test=arrays.get("y_test"),
        class_names=class_names,
        image_shape=tuple(arrays["x_train"].shape[1:]),
    )
