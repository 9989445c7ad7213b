"""Errors about arrays: their shapes, chunks and arguments (all ``FramesError``s)."""

from __future__ import annotations

from frames.errors import FramesError, InvalidArgumentError


class ArrayError(InvalidArgumentError):
    """An array operation given shapes, chunks, axes or arguments that cannot work; names them."""


class UnknownChunksError(ArrayError):
    """An operation that needs block lengths which are not known yet (after a boolean mask):
    ``compute_chunk_sizes()`` first."""


__all__ = ["ArrayError", "UnknownChunksError", "FramesError"]
