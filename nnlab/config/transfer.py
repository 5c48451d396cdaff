"""Transfer learning in the config: `model.base` (a trained model to build on) and `training.phases`.

The base model's layers are read from its `.keras` file (a zip holding
`config.json`) without Keras, so `validate` can check `drop_top`, the layer
names of `freeze` and `unfreeze`, and the input shape against the data. The
file itself is only ever read.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any

from nnlab.config.checker import Checker, Path
from nnlab.config.objects import check_object
from nnlab.errors import describe
from nnlab.runs.folder import RunFolder

BASE_KEYS = {
    "run": "a finished run folder (or a run's name: its newest completed folder under runs/) whose model.keras to build on",
    "path": "a .keras model file to build on",
    "drop_top": "layers removed from the top of the base (default 1: its output layer)",
    "freeze": "true (every base layer), N (the first N) or a list of layer names; frozen layers do not train",
}
PHASE_KEYS = {
    "epochs": "epochs of this phase",
    "optimizer": "this phase's optimizer (the model is recompiled); default: the config's optimizer",
    "unfreeze": "all, N (the last N base layers) or a list of layer names made trainable when the phase starts",
}


@dataclass(frozen=True)
class BaseModel:
    """What `validate` knows of a base model: its file, input shape and layers (class, name, config)."""

    file: FilePath
    input_shape: tuple[int, ...]
    layers: list[dict[str, Any]]

    def kept(self, drop_top: int) -> list[dict[str, Any]]:
        return self.layers[: len(self.layers) - drop_top]

    def names(self, drop_top: int) -> list[str]:
        return [str(layer["config"].get("name")) for layer in self.kept(drop_top)]


def read_base(file: FilePath) -> BaseModel:
    """The layers of a saved Sequential model, from its config.json.

    Raises:
        ValueError: not a .keras file of a Sequential model.
    """
    try:
        with zipfile.ZipFile(file) as archive:
            config = json.loads(archive.read("config.json"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        raise ValueError(f"{file}: not a readable .keras model file ({type(error).__name__})") from None
    if config.get("class_name") != "Sequential":
        raise ValueError(f"{file}: a base model must be a Sequential model (got {config.get('class_name')!r})")
    layers = list(config.get("config", {}).get("layers", []))
    shape = next((layer["config"].get("batch_shape") for layer in layers if layer.get("class_name") == "InputLayer"), None)
    shape = shape or config.get("config", {}).get("build_input_shape")
    if not shape:
        raise ValueError(f"{file}: the model does not record its input shape")
    return BaseModel(FilePath(file), tuple(int(d) for d in shape[1:]), [layer for layer in layers if layer.get("class_name") != "InputLayer"])


def runs_dir() -> FilePath:
    return FilePath(os.environ.get("NNLAB_RUNS_DIR") or "runs")


def base(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> dict[str, Any] | None:
    """`{run: RUN_DIR or name} | {path: model.keras}`, `drop_top`, `freeze`; the run is resolved to its folder."""
    if value is None:
        return None
    section = chk.mapping(path, value, BASE_KEYS)
    if not isinstance(value, dict):
        return None
    if ("run" in section) == ("path" in section):
        chk.fail(path, "expected exactly one of run (a run folder or name) or path (a .keras file)")
        return None
    file = _base_file(chk, path, section)
    if file is None:
        return None
    try:
        model = read_base(file)
    except ValueError as error:
        chk.fail(path + (("run",) if "run" in section else ("path",)), str(error))
        return None
    drop_top = section.get("drop_top", 1)
    if isinstance(drop_top, bool) or not isinstance(drop_top, int) or not 0 <= drop_top < len(model.layers):
        chk.fail(
            path + ("drop_top",),
            f"expected a whole number from 0 to {len(model.layers) - 1}: the base has {len(model.layers)} layers (got {describe(drop_top)})",
        )
        return None
    resolved = {"run": str(file.parent)} if "run" in section else {"path": str(file)}
    return {**resolved, "drop_top": drop_top, "freeze": _layers_choice(chk, path + ("freeze",), section.get("freeze", False), model.names(drop_top))}


def _base_file(chk: Checker, path: Path, section: Mapping[str, Any]) -> FilePath | None:
    if "path" in section:
        file = FilePath(str(section["path"])).expanduser()
        if not file.is_file():
            chk.fail(path + ("path",), f"{file}: no such file")
            return None
        return file.resolve()
    folder = _run_folder(str(section["run"]))
    if folder is None:
        chk.fail(path + ("run",), f"{section['run']}: no such run folder, nor a completed run of that name in {runs_dir()}")
        return None
    if not RunFolder(folder).model.is_file():
        chk.fail(path + ("run",), f"{folder}: the run saved no model.keras (was output.model off, or did the run not complete?)")
        return None
    return RunFolder(folder).model.resolve()


def _run_folder(run: str) -> FilePath | None:
    """A run folder given by path, or the newest completed `<stamp>_<name>` under the runs folder."""
    given = FilePath(run).expanduser()
    if (given / "run.json").is_file():
        return given.resolve()
    candidates = sorted(runs_dir().glob(f"*_{run}"), reverse=True) if runs_dir().is_dir() else []
    for folder in candidates:
        try:
            status = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("status")
        except (OSError, ValueError):
            continue
        if status == "completed":
            return folder.resolve()
    return None


def _layers_choice(chk: Checker, path: Path, value: Any, names: list[str]) -> Any:
    """`true`/`all`, `false`, N, or a list of names among `names`."""
    if value in (True, False, "all") or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= len(names)):
        return value
    if isinstance(value, list) and value and all(isinstance(name, str) for name in value):
        unknown = [name for name in value if name not in names]
        if unknown:
            chk.fail(path, f"no layer {unknown[0]!r} in the base (its layers: {', '.join(names)})")
        return value
    chk.fail(
        path, f"expected true, a number of layers from 0 to {len(names)}, or a list of the base's layer names ({', '.join(names)}) (got {describe(value)})"
    )
    return value


def phases(chk: Checker, path: Path, value: Any, done: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """A list of phases, each `{epochs, optimizer?, unfreeze?}`: one `fit` each, recompiled between them."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        chk.fail(path, f"expected a non-empty list of phases such as [{{epochs: 4}}, {{epochs: 16, unfreeze: all}}] (got {describe(value)})")
        return None
    checked = []
    for index, phase in enumerate(value):
        where = path + (index,)
        section = chk.mapping(where, phase, PHASE_KEYS)
        if not isinstance(phase, dict):
            continue
        epochs = section.get("epochs")
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            chk.fail(where + ("epochs",), f"each phase needs epochs, a whole number >= 1 (got {describe(epochs)})")
        entry: dict[str, Any] = {"epochs": epochs}
        if "optimizer" in section:
            optimizer = section["optimizer"]
            entry["optimizer"] = check_object(chk, where + ("optimizer",), {"type": optimizer} if isinstance(optimizer, str) else optimizer, "optimizer")
        if "unfreeze" in section:
            entry["unfreeze"] = section["unfreeze"]
        checked.append(entry)
    return checked


def check_unfreeze(chk: Checker, spec_phases: list[dict[str, Any]] | None, base_names: list[str]) -> None:
    """Each phase's `unfreeze` names layers the base keeps (checked once the base is known)."""
    for index, phase in enumerate(spec_phases or []):
        if "unfreeze" in phase:
            _layers_choice(chk, ("training", "phases", index, "unfreeze"), phase["unfreeze"], base_names)


def epochs_or_phases(chk: Checker, path: Path, done: dict[str, Any], given: Mapping[str, Any]) -> None:
    """With phases, the epochs are the phases' own: `training.epochs` becomes their sum and may not be set."""
    if not done.get("phases"):
        return
    total = sum(phase["epochs"] for phase in done["phases"] if isinstance(phase.get("epochs"), int))
    if "epochs" in given and given["epochs"] != total:
        chk.fail(path + ("epochs",), f"with phases, the epochs are the phases' own ({total} in all): remove training.epochs (got {describe(given['epochs'])})")
    done["epochs"] = total
