"""Chunk specifications: what users write (``1000``, ``(1000, -1)``, ``{0: 500}``, ``"auto"``,
explicit block sizes) made into the one normal form, a tuple per axis of block lengths.

Unknown lengths (after a boolean mask) are ``math.nan``, as in dask.array; shapes derived from
them are ``nan`` too, and the operations that need known sizes say so by name.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from frames.array.errors import ArrayError

# dask's default target size of a chunk; ``exec.config.set(array_chunk_size="64MiB")`` changes it.
DEFAULT_CHUNK_BYTES = 128 * 2**20


def chunk_bytes_limit() -> int:
    """The configured target size of an ``"auto"`` chunk, in bytes."""
    import exec

    value = exec.config.get("array_chunk_size", DEFAULT_CHUNK_BYTES)
    return parse_bytes(value)


def parse_bytes(value: Any) -> int:
    """``"128MiB"``, ``"64 MB"``, ``1e6`` or ``1000`` as a number of bytes (``exec.config.parse_bytes``)."""
    from exec.config import ConfigError, parse_bytes as parse

    try:
        return parse(value)
    except ConfigError as exc:
        raise ArrayError(str(exc)) from None


def blocks_of(length: float, size: int) -> tuple:
    """``length`` split into blocks of ``size`` (the last one shorter)."""
    if isinstance(length, float) and math.isnan(length):
        return (math.nan,)
    length = int(length)
    if length == 0:
        return (0,)
    size = max(1, int(size))
    full, rest = divmod(length, size)
    return (size,) * full + ((rest,) if rest else ())


def normalize_chunks(chunks: Any, shape: Sequence[int], dtype: Any = None,
                     previous: tuple[tuple, ...] | None = None, limit: int | None = None) -> tuple[tuple, ...]:
    """The normal form of ``chunks`` for an array of ``shape``.

    Accepts an int (every axis), a tuple/list per axis (an int, ``-1`` or ``None`` for the whole
    axis, ``"auto"``, or the block lengths themselves), a dict ``{axis: spec}`` (other axes keep
    ``previous`` or are whole), ``"auto"`` (blocks near ``limit`` bytes, default the configured
    chunk size), or already normal chunks.
    """
    shape = tuple(shape)
    ndim = len(shape)
    if isinstance(chunks, dict):
        per_axis: list[Any] = [previous[i] if previous else -1 for i in range(ndim)]
        for axis, spec in chunks.items():
            if not isinstance(axis, Integral) or not -ndim <= axis < ndim:
                raise ArrayError(f"chunks names axis {axis!r}, but the array has {ndim} dimensions")
            per_axis[axis % ndim] = spec
        chunks = tuple(per_axis)
    elif chunks is None or isinstance(chunks, (str, Integral)):
        chunks = (chunks,) * ndim
    elif isinstance(chunks, (tuple, list)):
        chunks = tuple(chunks)
        if len(chunks) != ndim:
            raise ArrayError(f"chunks {chunks!r} has {len(chunks)} entries for an array of {ndim} dimensions")
    else:
        raise ArrayError(f"chunks must be an int, a tuple, a dict or 'auto', not {type(chunks).__name__}")

    out: list[Any] = [None] * ndim
    auto_axes = []
    for axis, (spec, length) in enumerate(zip(chunks, shape)):
        if isinstance(spec, str):
            if spec != "auto":
                raise ArrayError(f"chunks {spec!r} is not understood: use an int, -1 or 'auto'")
            auto_axes.append(axis)
        elif spec is None or (isinstance(spec, Integral) and spec == -1):
            out[axis] = blocks_of(length, length if not _isnan(length) else 1)
        elif isinstance(spec, Integral) and not isinstance(spec, bool):
            if spec <= 0:
                raise ArrayError(f"chunk size {spec} along axis {axis} must be positive (or -1 for the whole axis)")
            out[axis] = blocks_of(length, spec)
        elif isinstance(spec, (tuple, list)):
            blocks = tuple(b if _isnan(b) else int(b) for b in spec)
            if not _isnan(length) and not any(_isnan(b) for b in blocks) and sum(blocks) != length:
                raise ArrayError(f"chunks {blocks} along axis {axis} add up to {sum(blocks)}, not the axis length {length}")
            if any(not _isnan(b) and b < 0 for b in blocks):
                raise ArrayError(f"chunks {blocks} along axis {axis} has a negative length")
            out[axis] = blocks
        else:
            raise ArrayError(f"chunks entry {spec!r} along axis {axis} is not understood")
    if auto_axes:
        _auto(out, auto_axes, shape, dtype, limit)
    return tuple(out)


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _auto(out: list, axes: list[int], shape: tuple, dtype: Any, limit: int | None) -> None:
    """Fill ``axes`` of ``out`` with equal block sizes so a block is near ``limit`` bytes, as
    dask does: the fixed axes' block sizes are taken as given, the automatic ones share the rest
    equally (a cube root for three axes), never beyond an axis' length."""
    itemsize = np.dtype(dtype if dtype is not None else float).itemsize or 1
    limit = limit or chunk_bytes_limit()
    fixed = 1
    for axis, blocks in enumerate(out):
        if axis not in axes and blocks is not None:
            fixed *= max((b for b in blocks if not _isnan(b)), default=1) or 1
    budget = max(1.0, limit / itemsize / fixed)
    remaining = list(axes)
    while remaining:
        side = budget ** (1 / len(remaining))
        small = [a for a in remaining if shape[a] <= side]
        if not small:
            for a in remaining:
                size = max(1, int(side))
                out[a] = blocks_of(shape[a], size)
            return
        for a in small:
            out[a] = blocks_of(shape[a], max(1, shape[a]))
            budget /= max(1, shape[a])
            remaining.remove(a)


def block_starts(blocks: Sequence[int]) -> list[int]:
    """Where each block begins along its axis (``[0, b0, b0+b1, ...]`` without the total)."""
    starts, at = [], 0
    for b in blocks:
        starts.append(at)
        at += b
    return starts


def shape_of(chunks: tuple[tuple, ...]) -> tuple:
    return tuple(sum(c) if not any(_isnan(b) for b in c) else math.nan for c in chunks)


def common_chunks(*per_axis: tuple) -> tuple:
    """The coarsest blocks that refine every input's blocks along one axis (their boundaries'
    union): what elementwise operations over differently chunked inputs are computed on."""
    bounds: set = set()
    total = None
    for blocks in per_axis:
        at = 0
        for b in blocks:
            at += b
            bounds.add(at)
        total = at
    out, prev = [], 0
    for b in sorted(bounds):
        if b > prev:
            out.append(b - prev)
            prev = b
    return tuple(out) if out else ((0,) if total == 0 else ())


__all__ = ["normalize_chunks", "parse_bytes", "blocks_of", "block_starts", "shape_of", "common_chunks",
           "DEFAULT_CHUNK_BYTES", "chunk_bytes_limit"]
