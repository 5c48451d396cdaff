"""Imported before Keras by the modules that train: Keras on TensorFlow, quietly."""

import os
import sys
import tempfile

# nnlab trains with TensorFlow; a user's keras.json choosing another backend must not win.
os.environ["KERAS_BACKEND"] = "tensorflow"
# TensorFlow's C++ notices (oneDNN, CUDA probing on CPU-only machines) are noise on
# every run; Python exceptions still show. TF_CPP_MIN_LOG_LEVEL=0 brings them back.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _import_tensorflow_quietly() -> None:
    """Import TensorFlow with its pre-logging-setup C++ messages (written to fd 2) held back.

    Those lines ("Could not find cuda drivers") ignore TF_CPP_MIN_LOG_LEVEL. If the
    import fails, what TensorFlow wrote is replayed so nothing useful is lost.
    """
    if "tensorflow" in sys.modules or os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0":
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


_import_tensorflow_quietly()
