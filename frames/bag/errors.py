"""Errors about bags: their arguments and the elements they were given (all ``FramesError``s)."""

from __future__ import annotations

from frames.errors import DataSourceError, FramesError, InvalidArgumentError, WriteError


class BagError(InvalidArgumentError):
    """A bag operation given arguments or elements that cannot work (partition counts that do not
    match, zipped partitions of different lengths, a group key whose hash differs between
    processes); the message names them."""


__all__ = ["BagError", "DataSourceError", "FramesError", "WriteError"]
