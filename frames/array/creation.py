"""Arrays from data: ``from_array`` over NumPy arrays and any sliceable array-like (h5py and zarr
datasets, memory maps), and ``asarray``.

A NumPy array's blocks are cut when the graph is built (views, so no copy until a task needs to
pickle one); an array-like stored elsewhere is read block by block inside the tasks
(``getter(x, slices)``), so only one block at a time is in memory.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from exec import Task
from frames.array.chunks import block_starts, normalize_chunks
from frames.array.core import Array, new_name
from frames.array.errors import ArrayError


def getter(x: Any, slices: tuple) -> np.ndarray:
    """One block of a stored array-like: its slice, as a NumPy array."""
    return np.asarray(x[slices])


def block_slices(chunks: tuple[tuple, ...]):
    """``(block index, slices)`` for every block of a ``chunks`` grid, in C order."""
    starts = [block_starts(c) for c in chunks]
    for idx in itertools.product(*(range(len(c)) for c in chunks)):
        yield idx, tuple(slice(starts[a][i], starts[a][i] + chunks[a][i]) for a, i in enumerate(idx))


def from_array(x: Any, chunks: Any = "auto", name: str | None = None, asarray: bool | None = None,
               inline_array: bool = False, meta: Any = None) -> Array:
    """A chunked array over ``x``: a NumPy array (or anything ``np.asarray`` takes), or an
    array-like with ``shape``, ``dtype`` and slicing (h5py / zarr datasets), read lazily per block."""
    if isinstance(x, Array):
        return x if chunks == "auto" else x.rechunk(chunks)
    stored = hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__") and not isinstance(x, np.ndarray)
    if not stored:
        x = np.asarray(x)
    shape = tuple(int(n) for n in x.shape)
    dtype = np.dtype(x.dtype)
    previous = getattr(x, "chunks", None) if stored and isinstance(getattr(x, "chunks", None), tuple) else None
    if chunks == "auto" and previous and len(previous) == len(shape) and all(isinstance(c, int) for c in previous):
        # a zarr / HDF5 dataset's own chunks are a lower bound: blocks are whole multiples of them
        chunks = _auto_multiple(previous, shape, dtype)
    chunks = normalize_chunks(chunks, shape, dtype)
    name = name or new_name("array" if not stored else "from-" + type(x).__name__.lower())
    layer: dict = {}
    if not shape:
        layer[(name,)] = x if not stored else Task(getter, x, ())
        return Array(layer, name, (), dtype)
    for idx, slices in block_slices(chunks):
        layer[(name, *idx)] = Task(getter, x, slices) if stored else x[slices]
    return Array(layer, name, chunks, dtype)


def _auto_multiple(native: tuple, shape: tuple, dtype: np.dtype) -> tuple:
    """"auto" chunks for a stored dataset: the dataset's chunks grown by whole multiples until a
    block nears the configured size (reading a stored chunk partially wastes its decompression)."""
    from frames.array.chunks import chunk_bytes_limit

    limit = chunk_bytes_limit()
    sizes = [max(1, min(c, s)) for c, s in zip(native, shape)]
    while True:
        grown = False
        for axis in range(len(sizes)):
            if sizes[axis] >= shape[axis]:
                continue
            trial = list(sizes)
            trial[axis] = min(shape[axis], sizes[axis] * 2)
            if np.prod(trial) * dtype.itemsize <= limit:
                sizes = trial
                grown = True
        if not grown:
            return tuple(sizes)


def asarray(x: Any, dtype: Any = None, chunks: Any = "auto", **kwargs: Any) -> Array:
    """``x`` as a frames array (an Array stays itself; lists, NumPy arrays and array-likes are
    wrapped), optionally cast to ``dtype``."""
    if isinstance(x, Array):
        out = x
    elif hasattr(x, "to_array") and hasattr(x, "npartitions") and not isinstance(x, np.ndarray):
        out = x.to_array()
    else:
        out = from_array(np.asarray(x) if not hasattr(x, "shape") else x, chunks=chunks)
    if dtype is not None:
        out = out.astype(dtype)
    return out


asanyarray = asarray


__all__ = ["from_array", "asarray", "asanyarray", "getter", "block_slices", "ArrayError"]
