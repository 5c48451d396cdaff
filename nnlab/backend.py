"""Imported before Keras by the modules that train: Keras on TensorFlow, quietly."""

import os

# nnlab trains with TensorFlow; a user's keras.json choosing another backend must not win.
os.environ["KERAS_BACKEND"] = "tensorflow"
# TensorFlow's C++ start-up notices (oneDNN, CPU features) are noise on every run.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
