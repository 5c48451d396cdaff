"""The datasets Keras and scikit-learn download: found on this machine first, downloaded last.

Each is a `Recipe`: what its files look like in a folder, how to read them,
where its download cache is, and how to download it. `fetch` walks the lookup
order of `nnlab.data.locate` and records in `Raw.source` where the data came from.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nnlab.data import download, locate, safe_pickle
from nnlab.data.catalog import DOWNLOADABLE, register
from nnlab.data.dataset import CLASSIFICATION, REGRESSION, Raw
from nnlab.data.errors import DataError
from nnlab.data.files import read_idx_folder, read_npz
from nnlab.data.idx import idx_set, idx_set_names

KERAS_DATA = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@dataclass(frozen=True)
class Recipe:
    """How one downloadable dataset is found, read and downloaded.

    `present(folder)` returns the file or folder to read there, or None;
    `read(target, key, **arguments)` reads it; `download()` fills the cache.
    """

    name: str
    expected: str
    present: Callable[[Path], Path | None]
    read: Callable[..., Raw]
    caches: Callable[[], list[Path]]
    url: str
    download: Callable[[], None]
    system_names: list[str] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)

    def places(self) -> list[locate.Place]:
        return locate.places(self.name, self.caches(), self.system_names)

    def available(self) -> bool:
        """On this machine without a download (data.path aside)."""
        return locate.find(self.places(), self.present) is not None


def fetch(recipe: Recipe, path: str | None, **arguments: Any) -> Raw:
    """Read the dataset from the first place that has it, downloading into the cache if none does.

    Raises:
        DataError: it is nowhere and cannot be downloaded; the message names every
            place looked and every way to get it.
    """
    if path is not None:
        target = locate.given_path(path, recipe.present, recipe.expected)
        return _read(recipe, target, "data.path", "data.path", arguments)
    looked = recipe.places()
    hit = locate.find(looked, recipe.present)
    if hit is not None:
        return _read(recipe, hit[0], "data.dataset", hit[1].label, arguments)
    host = recipe.url.split("/")[2]
    if not locate.reachable(recipe.url):
        raise locate.not_found(
            recipe.name,
            looked,
            recipe.expected,
            f"cannot be downloaded (no connection to {host} within {locate.REACH_TIMEOUT:g} s)",
            recipe.hints,
            recipe.caches()[0],
        )
    try:
        recipe.download()
    except Exception as error:  # noqa: BLE001  any download failure becomes the one message
        raise locate.not_found(
            recipe.name, looked, recipe.expected, f"its download failed ({type(error).__name__}: {error})", recipe.hints, recipe.caches()[0]
        ) from None
    hit = locate.find(looked, recipe.present)
    if hit is None:
        raise locate.not_found(recipe.name, looked, recipe.expected, "the download did not leave it in the cache", recipe.hints, recipe.caches()[0])
    return _read(recipe, hit[0], "data.dataset", f"downloaded from {host}", arguments)


def _read(recipe: Recipe, target: Path, key: str, how: str, arguments: dict) -> Raw:
    raw = recipe.read(target, key, **arguments)
    raw.source = f"{target} ({how})"
    return raw


# MNIST and Fashion-MNIST: Keras's mnist.npz, or the four IDX files (Debian's and Keras's layout).


def _mnist_present(folder: Path) -> Path | None:
    if (folder / "mnist.npz").is_file():
        return folder / "mnist.npz"
    return _idx_present(folder)


def _idx_present(folder: Path) -> Path | None:
    return folder if len(idx_set(folder)) == 4 else None


def _read_mnist_like(class_names: list[str]) -> Callable[..., Raw]:
    def read(target: Path, key: str) -> Raw:
        if target.is_dir():
            return read_idx_folder(target, key, source=str(target), class_names=class_names)
        arrays = read_npz(target, key)
        if "x_test" not in arrays:
            raise DataError(key, f"{target}: no x_test and y_test arrays (expected Keras's mnist.npz)")
        return Raw(
            x=arrays["x_train"],
            y=arrays["y_train"],
            task=CLASSIFICATION,
            source=str(target),
            x_test=arrays["x_test"],
            y_test=arrays["y_test"],
            class_names=class_names,
            image_shape=tuple(arrays["x_train"].shape[1:]),
        )

    return read


def _keras_files(subfolder: str, files: dict[str, str | None]) -> Callable[[], None]:
    """Download each file (name -> sha256 or None) from Keras's storage into Keras's cache."""

    def fetch_all() -> None:
        for name, sha256 in files.items():
            download.download(KERAS_DATA + name, locate.keras_cache() / subfolder / name, sha256)

    return fetch_all


def _keras_archive(url: str, folder: str, sha256: str) -> Callable[[], None]:
    """Download a .tar.gz into Keras's cache and unpack it as `keras.datasets` does (`<folder>/`)."""

    def fetch_archive() -> None:
        cache = locate.keras_cache()
        archive = download.download(url, cache / f"{folder}.tar.gz", sha256)
        download.extract(archive, cache / folder)

    return fetch_archive


MNIST = Recipe(
    name="mnist",
    expected=f"Keras's mnist.npz or the four IDX files ({idx_set_names()})",
    present=_mnist_present,
    read=_read_mnist_like([str(d) for d in range(10)]),
    caches=lambda: [locate.keras_cache()],
    url=KERAS_DATA + "mnist.npz",
    download=_keras_files("", {"mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"}),
    system_names=["mnist"],
)
FASHION_MNIST = Recipe(
    name="fashion_mnist",
    expected=f"the four IDX files ({idx_set_names()})",
    present=_idx_present,
    read=_read_mnist_like(FASHION_NAMES),
    caches=lambda: [locate.keras_cache() / "fashion-mnist"],
    url=KERAS_DATA + "train-images-idx3-ubyte.gz",
    download=_keras_files("fashion-mnist", {f"{stem}.gz": None for stem in IDX_FILES}),
    system_names=["fashion-mnist"],
    hints=["apt-get install dataset-fashion-mnist (Debian/Ubuntu; installs /usr/share/datasets/fashion-mnist/)"],
)


# CIFAR: Python pickles of 3x32x32 uint8 images, in Keras's cache as `<name>-target/<name>/`.


def _cifar_present(inner: str, files: list[str]) -> Callable[[Path], Path | None]:
    def present(folder: Path) -> Path | None:
        for candidate in (folder, folder / inner):
            if all((candidate / f).is_file() for f in files):
                return candidate
        return None

    return present


def _unpickle(file: Path, key: str) -> dict:
    """A CIFAR batch, read with an unpickler that admits plain data only (`nnlab.data.safe_pickle`)."""
    try:
        content = safe_pickle.load(file)
    except safe_pickle.UnsafePickleError as error:
        raise DataError(key, f"{file}: refused: {error} (nnlab reads only plain data from pickled dataset files)") from None
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError, IndexError) as error:
        raise DataError(key, f"{file}: not a readable CIFAR batch ({type(error).__name__}: {error})") from None
    if not isinstance(content, dict):
        raise DataError(key, f"{file}: not a CIFAR batch (it holds a {type(content).__name__}, not a mapping)")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in content.items()}


def _cifar_images(batch: dict, file: Path, key: str) -> np.ndarray:
    data = np.asarray(batch.get("data"))
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.dtype != np.uint8:
        raise DataError(key, f"{file}: expected 'data' as N x 3072 uint8 pixels (got {data.dtype} {data.shape})")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # channels last, as Keras's default


def _read_cifar10(folder: Path, key: str) -> Raw:
    batches = [_unpickle(folder / f"data_batch_{i}", key) for i in range(1, 6)]
    x = np.concatenate([_cifar_images(b, folder / f"data_batch_{i}", key) for i, b in enumerate(batches, 1)])
    y = np.concatenate([np.asarray(b["labels"], dtype="uint8") for b in batches])
    test = _unpickle(folder / "test_batch", key)
    return Raw(
        x=x,
        y=y,
        task=CLASSIFICATION,
        source=str(folder),
        x_test=_cifar_images(test, folder / "test_batch", key),
        y_test=np.asarray(test["labels"], dtype="uint8"),
        class_names=CIFAR10_NAMES,
        image_shape=(32, 32, 3),
    )


def _read_cifar100(folder: Path, key: str, label_mode: str = "fine") -> Raw:
    if label_mode not in ("fine", "coarse"):
        raise DataError("data.dataset.label_mode", f"expected fine (100 classes) or coarse (20 superclasses) (got {label_mode!r})")
    train, test = _unpickle(folder / "train", key), _unpickle(folder / "test", key)
    meta = _unpickle(folder / "meta", key) if (folder / "meta").is_file() else {}
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in meta.get(f"{label_mode}_label_names", [])]
    labels = f"{label_mode}_labels"
    return Raw(
        x=_cifar_images(train, folder / "train", key),
        y=np.asarray(train[labels], dtype="uint8"),
        task=CLASSIFICATION,
        source=str(folder),
        x_test=_cifar_images(test, folder / "test", key),
        y_test=np.asarray(test[labels], dtype="uint8"),
        class_names=names or [str(i) for i in range(100 if label_mode == "fine" else 20)],
        image_shape=(32, 32, 3),
    )


CIFAR10 = Recipe(
    name="cifar10",
    expected="the CIFAR-10 python batches (data_batch_1 ... data_batch_5, test_batch), or a cifar-10-batches-py folder of them",
    present=_cifar_present("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]),
    read=_read_cifar10,
    caches=lambda: [locate.keras_cache() / "cifar-10-batches-py-target", locate.keras_cache() / "cifar-10-batches-py"],
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    download=_keras_archive(
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
        "cifar-10-batches-py-target",
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    ),
    system_names=["cifar10", "cifar-10"],
)
CIFAR100 = Recipe(
    name="cifar100",
    expected="the CIFAR-100 python files (train, test, meta), or a cifar-100-python folder of them",
    present=_cifar_present("cifar-100-python", ["train", "test"]),
    read=_read_cifar100,
    caches=lambda: [locate.keras_cache() / "cifar-100-python-target", locate.keras_cache() / "cifar-100-python"],
    url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
    download=_keras_archive(
        "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
        "cifar-100-python-target",
        "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
    ),
    system_names=["cifar100", "cifar-100"],
)


# California housing: scikit-learn's cached cal_housing_py3.pkz, read by scikit-learn itself.

CALIFORNIA_FILE = "cal_housing_py3.pkz"


CALIFORNIA_FEATURES = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude", "Longitude"]


def _read_california(folder: Path, key: str) -> Raw:
    """scikit-learn's cache file, read safely, turned into its features as `fetch_california_housing` does."""
    data_home = folder if folder.is_dir() else folder.parent
    file = data_home / CALIFORNIA_FILE
    try:
        table = safe_pickle.load_joblib(file)
    except safe_pickle.UnsafePickleError as error:
        raise DataError(key, f"{file}: refused: {error} (nnlab reads only plain data from pickled dataset files)") from None
    except Exception as error:  # noqa: BLE001  joblib raises many kinds for a damaged file
        raise DataError(key, f"{file}: not a readable scikit-learn cache file ({type(error).__name__}: {error})") from None
    if not isinstance(table, np.ndarray) or table.ndim != 2 or table.shape[1] != 9 or not np.issubdtype(table.dtype, np.number):
        raise DataError(key, f"{file}: expected scikit-learn's table of 9 numeric columns (got {type(table).__name__} {getattr(table, 'shape', '')})")
    x, y = california_features(table)
    return Raw(x=x, y=y, task=REGRESSION, source=str(data_home), feature_names=list(CALIFORNIA_FEATURES))


def california_features(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The features and target of `fetch_california_housing` from its cached table (its own arithmetic, step by step)."""
    target, data = table[:, 0], table[:, 1:].astype("float64", copy=True)
    data[:, 2] /= data[:, 5]  # average rooms: total rooms / households
    data[:, 3] /= data[:, 5]  # average bedrooms: total bedrooms / households
    data[:, 5] = data[:, 4] / data[:, 5]  # average occupancy: population / households
    return data.astype("float32"), (target / 100000.0).astype("float32")  # the target in units of 100,000


def _california_download() -> None:
    from sklearn.datasets import fetch_california_housing

    fetch_california_housing(data_home=str(locate.sklearn_cache()), n_retries=1)


CALIFORNIA_HOUSING = Recipe(
    name="california_housing",
    expected=f"scikit-learn's {CALIFORNIA_FILE}",
    present=lambda folder: folder if (folder / CALIFORNIA_FILE).is_file() else None,
    read=_read_california,
    caches=lambda: [locate.sklearn_cache()],
    url="https://ndownloader.figshare.com/files/5976036",
    download=_california_download,
)


@register(
    "mnist",
    CLASSIFICATION,
    "handwritten digits, 28x28 grayscale (keras.datasets.mnist)",
    kind=DOWNLOADABLE,
    shapes="28x28 uint8, 60,000 + 10,000 test",
    classes=10,
    available=MNIST.available,
)
def mnist(seed: int, path: str | None = None) -> Raw:
    return fetch(MNIST, path)


@register(
    "fashion_mnist",
    CLASSIFICATION,
    "Zalando's clothing images, 28x28 grayscale (keras.datasets.fashion_mnist)",
    kind=DOWNLOADABLE,
    shapes="28x28 uint8, 60,000 + 10,000 test",
    classes=10,
    available=FASHION_MNIST.available,
)
def fashion_mnist(seed: int, path: str | None = None) -> Raw:
    return fetch(FASHION_MNIST, path)


@register(
    "cifar10",
    CLASSIFICATION,
    "small colour photos of 10 kinds of object (keras.datasets.cifar10)",
    kind=DOWNLOADABLE,
    shapes="32x32x3 uint8, 50,000 + 10,000 test",
    classes=10,
    available=CIFAR10.available,
)
def cifar10(seed: int, path: str | None = None) -> Raw:
    return fetch(CIFAR10, path)


@register(
    "cifar100",
    CLASSIFICATION,
    "small colour photos, 100 classes or 20 superclasses (keras.datasets.cifar100)",
    kind=DOWNLOADABLE,
    shapes="32x32x3 uint8, 50,000 + 10,000 test",
    classes=100,
    available=CIFAR100.available,
)
def cifar100(seed: int, path: str | None = None, label_mode: str = "fine") -> Raw:
    return fetch(CIFAR100, path, label_mode=label_mode)


@register(
    "california_housing",
    REGRESSION,
    "median house values of California districts (sklearn.datasets.fetch_california_housing)",
    kind=DOWNLOADABLE,
    shapes="8 features, 20,640",
    available=CALIFORNIA_HOUSING.available,
)
def california_housing(seed: int, path: str | None = None) -> Raw:
    return fetch(CALIFORNIA_HOUSING, path)
