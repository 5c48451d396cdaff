"""The one error of the data layer: a config's data cannot be produced as asked."""

from __future__ import annotations


class DataError(ValueError):
    """The data a config names cannot be loaded or used.

    Args:
        key: the config key to blame (`data.path`, `data.classes`); the caller
            turns it into `FILE:LINE: key: message`.
        message: one line naming the file (when there is one) and the problem.
    """

    def __init__(self, key: str, message: str):
        self.key = key
        super().__init__(message)
