"""Running trials one after another in a warm process: a local worker or a Ray actor.

`TrialRunner` imports `nnlab.training` (and so TensorFlow) once, when it is
made; the environment that shapes it (`NNLAB_BACKEND`, `NNLAB_THREADS`,
`CUDA_VISIBLE_DEVICES`) must be set before. Datasets are kept between trials
(the trials of a sweep usually share theirs), within a memory budget.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nnlab import data as datasets
from nnlab.config.spec import Spec
from nnlab.errors import ConfigError
from nnlab.runs import faults
from nnlab.runs.folder import RunFolder
from nnlab.runs.hparams import try_write_hparams
from nnlab.runs.record import RunStatus

CACHE_BYTES = 2 * 1024**3  # datasets kept per worker beyond the one in use
INTERRUPTED = "interrupted (Ctrl-C or SIGTERM)"


@dataclass(frozen=True)
class Task:
    """One trial to run: its resolved spec and the (existing, empty) folder to write it into."""

    trial_id: str
    spec: Spec
    folder: str
    config_file: str
    command: list[str]


@dataclass(frozen=True)
class Result:
    """How a trial ended, as its worker saw it; its run folder holds the rest."""

    trial_id: str
    status: str
    error: str | None = None


class TrialRunner:
    """Trains trials into their folders, many in one process."""

    def __init__(self) -> None:
        from nnlab.training.run import run  # TensorFlow is imported here, once per worker

        self._run = run
        self._data: OrderedDict[str, datasets.Dataset] = OrderedDict()

    def run(self, task: Task) -> Result:
        """Train one trial. Raises KeyboardInterrupt after the run recorded `interrupted`."""
        try:
            dataset = self.dataset(task.spec)
        except datasets.DataError as error:
            return Result(task.trial_id, str(RunStatus.FAILED), f"{error.key}: {error}")
        folder = RunFolder(Path(task.folder))
        try:
            result = self._run(task.spec, dataset, folder, verbose=False, command=task.command, config_file=task.config_file)
        except ConfigError as error:  # the device or Keras rejected the config; nothing was written
            return Result(task.trial_id, str(RunStatus.FAILED), "; ".join(str(problem) for problem in error.problems))
        except KeyboardInterrupt:
            raise
        except Exception as error:  # noqa: BLE001 - what run() could not record (a full disk, out of memory) ends this trial, not the worker
            faults.record_failure(folder, error)
            return Result(task.trial_id, str(RunStatus.FAILED), faults.describe(error))
        if result.status == RunStatus.COMPLETED and not task.spec.output.tensorboard:
            # trials leave TensorBoard's curves out by default, but every trial is listed in its
            # HParams tab (`tensorboard --logdir runs/<sweep>`): one small file, no TensorFlow
            try_write_hparams(folder)
        return Result(task.trial_id, str(result.status), result.error)

    def dataset(self, spec: Spec) -> datasets.Dataset:
        """The trial's data, loaded with its seed, or the same data kept from an earlier trial."""
        section = asdict(spec.data)
        key = json.dumps([section, spec.seed], sort_keys=True, default=str)
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        found = datasets.load(section, spec.seed)
        self._data[key] = found
        while len(self._data) > 1 and sum(_nbytes(d) for d in self._data.values()) > CACHE_BYTES:
            self._data.popitem(last=False)
        return found


def _nbytes(dataset: datasets.Dataset) -> int:
    arrays: list[Any] = [dataset.x_train, dataset.y_train, dataset.x_val, dataset.y_val, dataset.x_test, dataset.y_test]
    return sum(int(array.nbytes) for array in arrays if array is not None)
