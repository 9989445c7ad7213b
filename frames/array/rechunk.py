"""Changing an array's chunks: every output block cut from the input blocks it overlaps and
joined, one task per output block.

TODO(staged): a rechunk that transposes block shapes ((8000, 100) -> (100, 8000)) should go
through intermediate chunks so no task gathers more than a limit, as dask's "tasks" method does.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts, normalize_chunks
from frames.array.core import Array, assemble, new_name
from frames.array.errors import UnknownChunksError


def _overlaps(old: tuple, new: tuple) -> list[list[tuple[int, slice]]]:
    """For each new block along an axis: the (old block, slice inside it) pieces it is made of."""
    old_starts = block_starts(old)
    out = []
    start = 0
    j = 0
    for length in new:
        stop = start + length
        pieces = []
        while j < len(old) and old_starts[j] + old[j] <= start and old[j] != 0:
            j += 1
        k = j
        while k < len(old) and old_starts[k] < stop:
            lo = max(start, old_starts[k]) - old_starts[k]
            hi = min(stop, old_starts[k] + old[k]) - old_starts[k]
            if hi > lo:
                pieces.append((k, slice(lo, hi)))
            k += 1
        if not pieces:  # an empty block: an empty slice of the first old block
            pieces.append((min(j, len(old) - 1), slice(0, 0)))
        out.append(pieces)
        start = stop
    return out


def _cut_and_join(blocks: list, grid: tuple, slices: list) -> np.ndarray:
    parts = [b[s] for b, s in zip(blocks, slices)]
    return assemble(parts, grid)


def rechunk(x: Array, chunks: Any = "auto", threshold: Any = None, block_size_limit: Any = None,
            method: str | None = None) -> Array:
    """``x`` with new chunks (any form ``normalize_chunks`` takes; a dict changes some axes)."""
    if not x.known_chunks:
        raise UnknownChunksError("rechunk needs known chunk sizes: call compute_chunk_sizes() first")
    new = normalize_chunks(chunks, x.shape, x.dtype, previous=x.chunks, limit=block_size_limit)
    if new == x.chunks:
        return x
    per_axis = [_overlaps(o, n) for o, n in zip(x.chunks, new)]
    name = new_name("rechunk")
    layer = {}
    for idx in itertools.product(*(range(len(n)) for n in new)):
        pieces = [per_axis[a][i] for a, i in enumerate(idx)]
        grid = tuple(len(p) for p in pieces)
        refs, slices = [], []
        for combo in itertools.product(*pieces):
            refs.append(Ref((x.name, *(k for k, _ in combo))))
            slices.append(tuple(s for _, s in combo))
        if len(refs) == 1 and all(s == slice(0, n) for s, n in zip(slices[0], (c[i] for c, i in zip(new, idx)))):
            old_idx = refs[0].key[1:]
            if all(x.chunks[a][old_idx[a]] == new[a][idx[a]] for a in range(x.ndim)):
                layer[(name, *idx)] = Task(_identity, refs[0])
                continue
        layer[(name, *idx)] = Task(_cut_and_join, refs, grid, slices)
    return Array(layer, name, new, x.dtype, (x,), x._meta)


def _identity(block: Any) -> Any:
    return block


__all__ = ["rechunk"]
