"""The Keras backend of this process: chosen once, before Keras is imported, and imported quietly."""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

BACKENDS = ("tensorflow", "jax")
CHOICE = "NNLAB_BACKEND"  # set by the caller before `nnlab.training` is imported (nnlab.experiment.select_backend)
THREADS = "NNLAB_THREADS"  # the cores this process may use (a sweep worker's share); unset: all


class BackendError(RuntimeError):
    """Keras was already imported on another backend in this process."""


def activate() -> str:
    """Point Keras at the chosen backend (a user's keras.json must not win) and import it quietly."""
    name = os.environ.get(CHOICE) or "tensorflow"
    if name not in BACKENDS:
        raise BackendError(f"${CHOICE}: expected one of {', '.join(BACKENDS)} (got {name!r})")
    if "keras" in sys.modules:
        current = sys.modules["keras"].config.backend()
        if current != name:
            raise BackendError(f"Keras already runs on {current} in this process; {name} needs a new process")
        return name
    os.environ["KERAS_BACKEND"] = name
    threads = int(os.environ.get(THREADS) or 0)
    if name == "jax" and threads == 1:
        # XLA's CPU client runs Eigen on every core unless told otherwise.
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1".strip()
    # TensorFlow's C++ notices (oneDNN, CUDA probing on CPU-only machines) are noise on
    # every run; Python exceptions still show. TF_CPP_MIN_LOG_LEVEL=0 brings them back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if name == "tensorflow":
        _import_quietly("tensorflow")
        if threads:
            _limit_tensorflow_threads(threads)
    else:
        if "tensorflow" not in sys.modules:
            _hide_tensorflow_from_keras()
        _cache_compiled_programs()
    return name


CACHE = "NNLAB_CACHE_DIR"  # where XLA's compiled programs are kept between runs; "off": nowhere


def _cache_compiled_programs() -> None:
    """Keep XLA's compiled programs on disk, so a run of a model already trained once skips compiling.

    A small model's run on JAX spends most of its first epoch compiling (the train,
    evaluation and prediction steps, for full and partial batches: about 3 s for
    the digits MLP on 2 cores, 20 programs). A notebook keeps them in its kernel;
    a runner starts a fresh process for every run, so it keeps them on disk
    instead (JAX's persistent compilation cache, keyed by the program, the
    compiler version and the machine; a stale entry is never used).
    """
    import jax

    folder = os.environ.get(CACHE) or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "nnlab", "jax")
    if folder == "off":
        return
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:  # a read-only home: compile every run, as without a cache
        return
    # JAX's size limit (least recently used entries evicted) fails on entries written without
    # one, warning on every compile: the folder grows by about 14 KB per program instead.
    warnings.filterwarnings("ignore", message="Error (reading|writing) persistent compilation cache entry")  # a cache that cannot be used is only slower
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # a small model's programs compile fast, but there are many
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def _hide_tensorflow_from_keras() -> None:
    """On JAX, tell Keras that TensorFlow is not there, so that it is never imported.

    Keras imports TensorFlow whenever it is installed, for conveniences a JAX run
    does not use (seeding `tf.random` in `set_random_seed`, a TensorShape check when
    saving a model): seconds of every run. Keras reads the answer from this lazy
    module; tests/test_fast_path.py checks that a JAX run imports no TensorFlow.
    """
    from keras.src.utils import module_utils

    module_utils.tensorflow._available = False


def _limit_tensorflow_threads(threads: int) -> None:
    """Size TensorFlow's thread pools (before it runs its first op) so that workers share the cores."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already ran ops in this process: its pools are fixed
        pass


def _import_quietly(module: str) -> None:
    """Import `module` with the C++ messages it writes to fd 2 before logging is set up held back.

    Those lines ("Could not find cuda drivers") ignore TF_CPP_MIN_LOG_LEVEL. If the
    import fails, what was written is replayed so nothing useful is lost.
    """
    if module in sys.modules or os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            __import__(module)
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)
