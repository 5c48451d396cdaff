"""nnlab: Keras experiments as YAML, trained into complete run folders."""

__version__ = "0.1.0"
