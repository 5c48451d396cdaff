"""The resolved experiment: frozen dataclasses, one declaration per config key.

Each field declares its default, its check and its one-line help (the README's
key table repeats the help; a test keeps them in step). `resolve` turns a raw
config into a `Spec`; `nnlab.experiment.prepare` then completes it against the
data (the concrete loss and metrics, and the `Plan`). Downstream code reads
`spec.training.batch_size`, checked by mypy, never `config["training"]["batch_size"]`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any

from nnlab.config import data_section, dynamics, objects, schema, transfer
from nnlab.config.checker import Checker
from nnlab.config.fields import as_dict, boolean, doc, fraction, from_dict, identity, integer, optional_integer, resolve_section, section

MAX_SEED = 2**32 - 1  # NumPy's and TensorFlow's seeds are 32-bit


@dataclass(frozen=True, kw_only=True)
class DataSpec:
    dataset: dict[str, Any] = field(
        metadata=doc(
            "A dataset name (digits, fashion_mnist) or {type: moons, n_samples: 500, noise: 0.2}; `nnlab data list` shows them all.", check=data_section.dataset
        )
    )
    path: str | None = field(
        default=None,
        metadata=doc(
            "Where the data is: the file or folder of a csv, npz or idx dataset, or a folder looked in first for a downloadable one. Relative to the working directory.",
            check=data_section.data_path,
        ),
    )
    test_split: float = field(
        default=0.2, metadata=doc("Fraction held out for testing when the dataset has no test split. Default: 0.2.", check=fraction(allow_zero=False))
    )
    validation_split: float = field(
        default=0.2,
        metadata=doc(
            "Fraction of the training split held out for validation (0 for none). Default: 0.2, or 0 with validation_size.", check=fraction(allow_zero=True)
        ),
    )
    validation_size: int | None = field(
        default=None,
        metadata=doc("Hold out the first N training examples for validation instead (the notebooks' X_train_full[:5000]).", check=optional_integer(minimum=1)),
    )
    stratify: bool = field(default=False, metadata=doc("Keep the class proportions in the test and validation splits. Default: false.", check=boolean()))
    classes: list[Any] | None = field(
        default=None, metadata=doc("Keep only these classes (numbers or names), renumbered 0..k-1 in the order listed.", check=data_section.classes)
    )
    relabel: dict[Any, int] | None = field(
        default=None, metadata=doc("New labels for classes: {Sandal: 0, Shirt: 1}; several classes may share one.", check=data_section.relabel)
    )
    subset: Any = field(
        default=None, metadata=doc("Train on N examples: 200 (a seeded sample) or {size: 200, shuffle: false} (the first 200).", check=data_section.subset)
    )
    preprocessing: list[Any] = field(
        default_factory=list,
        metadata=doc("Ordered steps fitted on the training split: standardize, scale, minmax, flatten, reshape, one_hot.", check=data_section.preprocessing),
    )

    __cross_checks__ = (data_section.validation_size_or_split,)


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    base: dict[str, Any] | None = field(
        default=None,
        metadata=doc("A trained model to build on: {run: RUN_DIR or name} or {path: model.keras}, with drop_top (default 1) and freeze.", check=transfer.base),
    )
    defaults: dict[str, Any] = field(
        default_factory=dict, metadata=doc("Arguments given to every layer that accepts them unless it sets its own.", check=objects.layer_defaults)
    )
    layers: list[Any] = field(metadata=doc("Keras layers in order: a name (Flatten) or {type: Dense, units: 10, ...}.", check=objects.layers))


@dataclass(frozen=True, kw_only=True)
class TrainingSpec:
    __cross_checks__ = (transfer.epochs_or_phases,)

    epochs: int = field(default=10, metadata=doc("Passes over the training data. Default: 10.", check=integer(minimum=1)))
    batch_size: int = field(default=32, metadata=doc("Examples per gradient step. Default: 32.", check=integer(minimum=1)))
    shuffle: bool = field(default=True, metadata=doc("Reshuffle the training data every epoch (seeded). Default: true.", check=boolean()))
    early_stopping: dict[str, Any] | None = field(
        default=None,
        metadata=doc("Keras EarlyStopping arguments, or true for {monitor: val_loss, patience: 3, restore_best_weights: true}.", check=objects.early_stopping),
    )
    phases: list[dict[str, Any]] | None = field(
        default=None,
        metadata=doc(
            "Training in phases, one fit each: [{epochs: 4}, {epochs: 16, optimizer: {...}, unfreeze: all}]; epochs become their sum.", check=transfer.phases
        ),
    )
    model_checkpoint: dict[str, Any] | None = field(
        default=None,
        metadata=doc(
            "Keep the best weights (best.weights.h5) by a monitored metric: true (val_loss) or ModelCheckpoint's monitor and mode.",
            check=dynamics.model_checkpoint,
        ),
    )
    terminate_on_nan: bool = field(
        default=True, metadata=doc("Stop as diverged at a NaN or infinite loss, or one 10 times its start. Default: true.", check=boolean())
    )
    time_limit: float | None = field(
        default=None,
        metadata=doc("Minutes after which the run stops cleanly: completed, with stopped_early: time_limit.", check=dynamics.time_limit, identity=False),
    )
    tensorboard: dict[str, Any] = field(
        default_factory=dict,
        metadata=doc(
            "Keras TensorBoard arguments: {histogram_freq: 1} (weight histograms), write_graph (TensorFlow only).", check=dynamics.tensorboard, identity=False
        ),
    )
    diagnostics: bool = field(
        default=True,
        metadata=doc(
            "Once per epoch, on a fixed batch: weights, gradients and activations per layer (diagnostics.csv) and findings. Default: true.",
            check=boolean(),
            identity=False,
        ),
    )
    steps_per_execution: int | str = field(
        default="auto",
        metadata=doc(
            "Training steps run per call into the backend; auto: about 2,048 examples' worth on TensorFlow, 8,192 on JAX, at most one epoch. Default: auto.",
            check=schema.auto_or_integer,
            identity=False,
        ),
    )
    jit_compile: bool | str = field(
        default="auto",
        metadata=doc(
            "XLA compilation, as Keras's compile(jit_compile=...); auto leaves it to Keras (off on a CPU). Default: auto.",
            check=schema.auto_or_boolean,
            identity=False,
        ),
    )
    deterministic: bool = field(
        default=False,
        metadata=doc(
            "Deterministic ops (TensorFlow's op determinism), for GPUs; a CPU repeats a seed's run exactly without it. Default: false.",
            check=boolean(),
            identity=False,
        ),
    )


@dataclass(frozen=True, kw_only=True)
class OutputSpec:
    plots: bool = field(default=True, metadata=doc("Draw the curves and the confusion matrix into plots/. Default: true.", check=boolean(), identity=False))
    tensorboard: bool = field(default=True, metadata=doc("Write TensorBoard logs into tensorboard/. Default: true.", check=boolean(), identity=False))
    model: bool = field(default=True, metadata=doc("Save the trained model as model.keras. Default: true.", check=boolean(), identity=False))
    checkpoint: bool = field(
        default=True,
        metadata=doc(
            "Keep what resuming needs after every epoch (checkpoint/), removed when the run completes. Default: true.", check=boolean(), identity=False
        ),
    )


@dataclass(frozen=True, kw_only=True)
class Plan:
    """What `prepare` decides once from the config and the data, so training never re-derives it."""

    task: str = ""  # classification or regression
    num_classes: int | None = None
    one_hot: bool = False  # labels are fed as one-hot vectors (a categorical, non-sparse loss)
    steps_per_epoch: int = 0
    steps_per_execution: int = 1
    validation: bool = False  # the data has a validation split
    backend: str = "tensorflow"  # the backend `auto` chose on this machine


@dataclass(frozen=True, kw_only=True)
class Spec:
    """A resolved experiment: every default filled, every name canonical."""

    name: str = field(metadata=doc("Run name; run folders are called <timestamp>_<name>. Default: the file's name.", check=schema.name, identity=False))
    seed: int = field(
        default=0,
        metadata=doc("Seed for every random choice: weights, shuffling, splits, generated data. Default: 0.", check=integer(minimum=0, maximum=MAX_SEED)),
    )
    data: DataSpec = field(
        metadata=doc("The dataset, its splits and preprocessing.", check=section(DataSpec, "every experiment needs a dataset, e.g. data: {dataset: digits}"))
    )
    model: ModelSpec = field(
        metadata=doc("The layers of a Sequential model; the input shape comes from the data.", check=section(ModelSpec, "expected model: {layers: [...]}"))
    )
    optimizer: Any = field(
        default="adam", metadata=doc("A Keras optimizer: a name (adam) or {type: SGD, learning_rate: 0.1, ...}. Default: adam.", check=objects.optimizer)
    )
    schedule: dict[str, Any] | None = field(
        default=None,
        metadata=doc(
            "A learning-rate schedule: a Keras schedule counted per epoch (or per: step), reduce_on_plateau or one_cycle; starts from the optimizer's rate.",
            check=dynamics.schedule,
        ),
    )
    loss: Any = field(default="auto", metadata=doc("A Keras loss, or auto (chosen from the data and the output layer). Default: auto.", check=objects.loss))
    metrics: Any = field(
        default="auto", metadata=doc("Keras metrics, or auto (accuracy for classification, mae for regression). Default: auto.", check=objects.metrics)
    )
    training: TrainingSpec = field(default_factory=TrainingSpec, metadata=doc("Epochs, batch size and early stopping.", check=section(TrainingSpec)))
    output: OutputSpec = field(
        default_factory=OutputSpec,
        metadata=doc(
            "Which files a run writes beyond its metrics: plots, tensorboard, model (switch off for cheap sweep trials).",
            check=section(OutputSpec),
            identity=False,
        ),
    )
    device: Any = field(
        default="auto",
        metadata=doc("auto | cpu | gpu | gpu:N | {gpus: [0, 1]} | {cpus: N} (N logical CPU devices). Default: auto.", check=schema.device, identity=False),
    )
    backend: str = field(
        default="auto",
        metadata=doc(
            'The Keras backend: tensorflow, jax (pip install "nnlab[jax]"), or auto: jax where installed and the device allows. Default: auto.',
            check=schema.backend,
            identity=False,
        ),
    )
    plan: Plan = field(default_factory=Plan)  # derived by prepare: not a config key

    __cross_checks__ = (schema.one_step_under_mirrored_strategy, schema.schedule_or_phases)

    def to_dict(self) -> dict[str, Any]:
        """The config as a file holds it (config.yaml, `nnlab show`): reading it back gives this spec."""
        return as_dict(self)

    @classmethod
    def from_dict(cls, config: dict[str, Any], plan: Plan | None = None) -> Spec:
        """A spec from a config that was already resolved (a run's config.yaml); nothing is checked."""
        spec = from_dict(cls, config)
        return spec if plan is None else replace(spec, plan=plan)

    def fingerprint(self) -> str:
        """A short content hash of everything that changes what is trained (not the name, device or outputs)."""
        return fingerprint(self.to_dict())

    def title(self) -> str:
        """The run's name and the settings that tell it from its siblings at a glance (plot titles): `digits (SGD, lr 0.1, batch 32)`."""
        optimizer = self.optimizer if isinstance(self.optimizer, dict) else {"type": self.optimizer}
        rate = optimizer.get("learning_rate")
        if isinstance(rate, dict):
            rate = rate.get("type")
        settings = [str(optimizer.get("type")), *([f"lr {rate:g}" if isinstance(rate, float) else f"lr {rate}"] if rate is not None else [])]
        return f"{self.name} ({', '.join(settings)}, batch {self.training.batch_size})"


def fingerprint(config: dict[str, Any]) -> str:
    """`Spec.fingerprint` of a resolved config given as a mapping (a run's config.yaml)."""
    kept = identity(Spec.from_dict(config))
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def resolve(chk: Checker) -> Spec:
    """Check a raw config and build its spec; problems go to `chk` (the spec is usable only without them)."""
    return resolve_section(chk, (), chk.source.data, Spec)
