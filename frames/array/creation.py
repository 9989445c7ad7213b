"""Making arrays: from data (``from_array`` over NumPy arrays and any sliceable array-like: h5py
and zarr datasets, memory maps; ``asarray``; ``from_delayed``), from nothing (``ones``, ``zeros``,
``full``, ``empty`` and their ``*_like``, ``arange``, ``linspace``, ``eye``, ``tri``, ``indices``,
``fromfunction``, ``meshgrid``, ``diag``), and from other arrays without moving data
(``concatenate``, ``stack``, ``block``: the inputs' blocks re-indexed) or elementwise (``where``).

A NumPy array's blocks are cut when the graph is built (views, so no copy until a task needs to
pickle one); an array-like stored elsewhere is read block by block inside the tasks
(``getter(x, slices)``), so only one block at a time is in memory. Generated arrays make each
block in its own task from the block's position alone (``arange`` computes element ``i`` from
``i``, never by accumulating along the array), so any block can be made anywhere, in any order.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

import math
from numbers import Integral, Number

from exec import Ref, Task
from frames.array.chunks import block_starts, common_chunks, normalize_chunks
from frames.array.core import Array, elemwise, new_name
from frames.array.dispatch import implements
from frames.array.errors import ArrayError, UnknownChunksError


def getter(x: Any, slices: tuple) -> np.ndarray:
    """One block of a stored array-like: its slice, as a NumPy array."""
    return np.asarray(x[slices])


def block_slices(chunks: tuple[tuple, ...]):
    """``(block index, slices)`` for every block of a ``chunks`` grid, in C order."""
    starts = [block_starts(c) for c in chunks]
    for idx in itertools.product(*(range(len(c)) for c in chunks)):
        yield idx, tuple(slice(starts[a][i], starts[a][i] + chunks[a][i]) for a, i in enumerate(idx))


def _stored_dataset(x: Any) -> Any:
    """An h5py Dataset cannot be pickled to another process: it is replaced by a reader that
    reopens its file and path in each task (``frames.array.io.HDF5Reader``)."""
    if type(x).__module__.startswith("h5py") and type(x).__name__ == "Dataset":
        from frames.array.io import HDF5Reader

        return HDF5Reader.of(x)
    return x


def from_array(x: Any, chunks: Any = "auto", name: str | None = None, asarray: bool | None = None,
               inline_array: bool = False, meta: Any = None) -> Array:
    """A chunked array over ``x``: a NumPy array (or anything ``np.asarray`` takes), or an
    array-like with ``shape``, ``dtype`` and slicing (h5py / zarr datasets), read lazily per block."""
    if isinstance(x, Array):
        return x if chunks == "auto" else x.rechunk(chunks)
    stored = hasattr(x, "shape") and hasattr(x, "dtype") and hasattr(x, "__getitem__") and not isinstance(x, np.ndarray)
    if stored:
        x = _stored_dataset(x)
    else:
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


# -- arrays from nothing ----------------------------------------------------------------------------

def _shape_tuple(shape: Any, what: str = "shape") -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints) as a tuple, refused clearly when negative or not ints."""
    if isinstance(shape, Integral):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise ArrayError(f"{what} must be an int or a tuple of ints, not {type(shape).__name__}") from None
    for n in shape:
        if not isinstance(n, Integral) or isinstance(n, bool):
            raise ArrayError(f"{what} {shape!r} must hold ints, not {type(n).__name__}")
        if n < 0:
            raise ArrayError(f"{what} {shape!r} has a negative length")
    return tuple(int(n) for n in shape)


def _generated(make: Any, shape: tuple, chunks: Any, dtype: np.dtype, label: str, *args: Any) -> Array:
    """An array whose every block is ``make(block_shape, block_starts, *args)`` in its own task."""
    chunks = normalize_chunks(chunks, shape, dtype)
    name = new_name(label)
    starts = [block_starts(c) for c in chunks]
    layer: dict = {}
    for idx in itertools.product(*(range(len(c)) for c in chunks)):
        block_shape = tuple(chunks[a][i] for a, i in enumerate(idx))
        origin = tuple(starts[a][i] for a, i in enumerate(idx))
        layer[(name, *idx)] = Task(make, block_shape, origin, *args)
    return Array(layer, name, chunks, dtype)


def _full_block(shape: tuple, origin: tuple, value: Any, dtype: np.dtype) -> np.ndarray:
    return np.full(shape, value, dtype=dtype)


def _empty_block(shape: tuple, origin: tuple, dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None, chunks: Any = "auto", name: str | None = None) -> Array:
    """An array of ``shape`` filled with ``fill_value`` (a scalar), as ``numpy.full``; ``dtype``
    defaults to the fill value's own."""
    if np.ndim(fill_value) != 0:
        raise ArrayError(f"full needs a scalar fill_value, not an array of shape {np.shape(fill_value)}")
    shape = _shape_tuple(shape)
    dtype = np.dtype(dtype) if dtype is not None else np.asarray(fill_value).dtype
    try:
        np.full((), fill_value, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ArrayError(f"fill_value {fill_value!r} cannot be stored as {dtype}: {exc}") from None
    return _generated(_full_block, shape, chunks, dtype, name or "full", fill_value, dtype)


def ones(shape: Any, dtype: Any = float, chunks: Any = "auto", name: str | None = None) -> Array:
    """An array of ones, as ``numpy.ones``."""
    return full(shape, 1, dtype=dtype if dtype is not None else float, chunks=chunks, name=name or "ones")


def zeros(shape: Any, dtype: Any = float, chunks: Any = "auto", name: str | None = None) -> Array:
    """An array of zeros, as ``numpy.zeros``."""
    return full(shape, 0, dtype=dtype if dtype is not None else float, chunks=chunks, name=name or "zeros")


def empty(shape: Any, dtype: Any = float, chunks: Any = "auto", name: str | None = None) -> Array:
    """An uninitialized array, as ``numpy.empty`` (each block's values are whatever its memory held)."""
    shape = _shape_tuple(shape)
    dtype = np.dtype(dtype if dtype is not None else float)
    return _generated(_empty_block, shape, chunks, dtype, name or "empty", dtype)


def _like(a: Any, dtype: Any, chunks: Any, shape: Any) -> tuple[tuple, np.dtype, Any]:
    if not isinstance(a, Array):
        a = np.asarray(a) if not hasattr(a, "shape") else a
    same_shape = shape is None or _shape_tuple(shape) == tuple(a.shape)
    shape = tuple(a.shape) if shape is None else _shape_tuple(shape)
    if any(isinstance(n, float) and math.isnan(n) for n in shape):
        raise UnknownChunksError("an array *_like another of unknown shape: call compute_chunk_sizes() first")
    if chunks is None:
        chunks = a.chunks if isinstance(a, Array) and same_shape else "auto"
    return shape, np.dtype(dtype if dtype is not None else a.dtype), chunks


def full_like(a: Any, fill_value: Any, dtype: Any = None, chunks: Any = None, shape: Any = None,
              name: str | None = None) -> Array:
    """``full`` with ``a``'s shape, dtype and (for a frames array) chunks, unless given."""
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return full(shape, fill_value, dtype=dtype, chunks=chunks, name=name)


def ones_like(a: Any, dtype: Any = None, chunks: Any = None, shape: Any = None, name: str | None = None) -> Array:
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return ones(shape, dtype=dtype, chunks=chunks, name=name)


def zeros_like(a: Any, dtype: Any = None, chunks: Any = None, shape: Any = None, name: str | None = None) -> Array:
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return zeros(shape, dtype=dtype, chunks=chunks, name=name)


def empty_like(a: Any, dtype: Any = None, chunks: Any = None, shape: Any = None, name: str | None = None) -> Array:
    shape, dtype, chunks = _like(a, dtype, chunks, shape)
    return empty(shape, dtype=dtype, chunks=chunks, name=name)


for _np_like, _ours in [(np.ones_like, ones_like), (np.zeros_like, zeros_like), (np.empty_like, empty_like)]:
    implements(_np_like)(_ours)


@implements(np.full_like)
def _np_full_like(a: Any, fill_value: Any, dtype: Any = None, order: str = "K", subok: bool = True,
                  shape: Any = None, **kwargs: Any) -> Array:
    return full_like(a, fill_value, dtype=dtype, shape=shape, **kwargs)


# -- ranges ------------------------------------------------------------------------------------------

def _is_int(v: Any) -> bool:
    return isinstance(v, Integral) and not isinstance(v, bool)


def _py(v: Any) -> Any:
    """A NumPy scalar as the Python number of its value."""
    return v.item() if isinstance(v, np.generic) else v


def _arange_block(shape: tuple, origin: tuple, start: Any, step: Any, dtype: np.dtype) -> np.ndarray:
    """Elements ``origin .. origin + shape`` of ``numpy.arange(start, ..., step, dtype)``, exactly:
    NumPy stores ``start`` and ``start + step`` (cast to the dtype) as the first two elements and
    fills element ``i`` as ``first + i * (second - first)`` in the dtype (float16 in float32), so
    each element depends on its index alone and a block is computed from its start index."""
    (n,), (i0,) = shape, origin
    work = np.dtype(np.float32) if dtype == np.float16 else dtype
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            after = start + step
        except OverflowError:  # a narrow NumPy integer scalar and a Python int it cannot hold
            after = _py(start) + _py(step)
        first = np.asarray(start).astype(dtype).astype(work)
        second = np.asarray(after).astype(dtype).astype(work)
        delta = second - first
        index = np.arange(i0, i0 + n)
        if work.kind in "iu":
            out = (first + index.astype(work) * delta).astype(dtype)
        elif work.kind in "fc":
            out = (first + index.astype(work) * delta).astype(dtype)
        else:  # datetimes, timedeltas: integer offsets of the step
            out = (first + index * delta).astype(dtype)
    if i0 <= 1 < i0 + n:
        out[1 - i0] = second.astype(dtype)
    return out


def arange(*args: Any, chunks: Any = "auto", dtype: Any = None, name: str | None = None, like: Any = None,
           **kwargs: Any) -> Array:
    """Evenly spaced values ``[start, stop)`` by ``step``, as ``numpy.arange(start, stop, step)``
    (also ``arange(stop)``), with exactly NumPy's values, length and dtype, float steps included.
    One deliberate difference: where NumPy subtracts unsigned NumPy scalars and the difference
    wraps around (``arange(np.uint8(7), 0)``: 249 elements in NumPy, or a size error), the range
    here is the one the values describe (empty)."""
    if kwargs:
        names = {"start", "stop", "step"}
        unknown = set(kwargs) - names
        if unknown:
            raise ArrayError(f"arange got unexpected arguments {sorted(unknown)}")
        if args:
            raise ArrayError("arange takes start/stop/step either by position or by name, not both")
        start, stop, step = kwargs.get("start", 0), kwargs.get("stop"), kwargs.get("step", 1)
        if stop is None:
            start, stop = 0, start
    elif len(args) == 1:
        start, stop, step = 0, args[0], 1
    elif len(args) == 2:
        (start, stop), step = args, 1
    elif len(args) == 3:
        start, stop, step = args
    else:
        raise ArrayError(f"arange takes 1 to 3 positional arguments (start, stop, step), got {len(args)}")
    for label, v in (("start", start), ("stop", stop), ("step", step)):
        if not isinstance(v, (Number, np.generic)) or isinstance(v, (complex, np.complexfloating)):
            raise ArrayError(f"arange's {label} must be a real number, not {v!r}")
    if step == 0:
        raise ArrayError("arange's step must not be zero")
    if dtype is None:  # NumPy's rule: the arguments' types (Python ints as int64) promoted with int64
        dtype = np.dtype(np.int64)
        for v in (start, stop, step):
            dtype = np.promote_types(dtype, np.asarray(v).dtype)
    dtype = np.dtype(dtype)
    # the length as NumPy computes it: ceil((stop - start) / step) in the arguments' own arithmetic
    # (float32 arguments subtract in float32); in Python's where NumPy scalars cannot hold the
    # values or unsigned ones wrap around (where NumPy gives an error or a wrapped range)
    exact = (_py(stop) - _py(start)) / _py(step)
    try:
        with np.errstate(all="ignore"):
            length = float((stop - start) / step)
    except OverflowError:
        length = exact
    if (length < 0) != (exact < 0) or abs(length - exact) > 1 + abs(exact) * 1e-6:
        length = exact
    if not math.isfinite(length) or length >= np.iinfo(np.intp).max:
        raise ArrayError(f"arange({start}, {stop}, {step}) has no length an array can have")
    n = max(0, math.ceil(length))
    return _generated(_arange_block, (n,), chunks, dtype, name or "arange", start, step, dtype)


def _linspace_block(shape: tuple, origin: tuple, start: Any, stop: Any, num: int, endpoint: bool,
                    dt: np.dtype, dtype: np.dtype) -> np.ndarray:
    """Elements ``origin .. origin + shape`` of ``numpy.linspace``, by NumPy's own arithmetic
    (``i * step + start``; the last element set to ``stop``)."""
    (n,), (i0,) = shape, origin
    div = (num - 1) if endpoint else num
    delta = np.subtract(stop, start, dtype=type(dt))
    y = np.arange(i0, i0 + n, dtype=dt)
    if div > 0:
        step = delta / div
        if step == 0:
            y /= div
            y *= delta
        else:
            y *= step
    else:
        y = y * delta
    y += start
    if endpoint and num > 1 and i0 + n == num and n:
        y[-1] = stop
    if np.issubdtype(dtype, np.integer):
        np.floor(y, out=y)
    return y.astype(dtype, copy=False)


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False,
             chunks: Any = "auto", dtype: Any = None, name: str | None = None):
    """``num`` evenly spaced values from ``start`` to ``stop``, as ``numpy.linspace`` (scalar ends);
    with ``retstep=True`` also the spacing."""
    if np.ndim(start) or np.ndim(stop):
        raise ArrayError("linspace takes scalar start and stop")
    if not _is_int(num) or num < 0:
        raise ArrayError(f"linspace's num must be a non-negative int, not {num!r}")
    dt = np.result_type(np.asarray(start), np.asarray(stop), float(num))
    dtype = np.dtype(dtype) if dtype is not None else dt
    out = _generated(_linspace_block, (num,), chunks, dtype, name or "linspace", start, stop, num, endpoint, dt, dtype)
    if retstep:
        div = (num - 1) if endpoint else num
        step = np.subtract(stop, start, dtype=type(dt)) / div if div > 0 else np.nan
        return out, step
    return out


# -- matrices -----------------------------------------------------------------------------------------

def _eye_block(shape: tuple, origin: tuple, k: int, dtype: np.dtype) -> np.ndarray:
    return np.eye(shape[0], shape[1], k=k + origin[0] - origin[1], dtype=dtype)


def _tri_block(shape: tuple, origin: tuple, k: int, dtype: np.dtype) -> np.ndarray:
    return np.tri(shape[0], shape[1], k=k + origin[0] - origin[1], dtype=dtype)


def _square(N: Any, M: Any) -> tuple[int, int]:
    M = N if M is None else M
    return _shape_tuple((N, M), "N, M")


def eye(N: int, chunks: Any = "auto", M: int | None = None, k: int = 0, dtype: Any = float,
        name: str | None = None) -> Array:
    """Ones on the ``k``-th diagonal of an ``N`` x ``M`` array, zeros elsewhere (``numpy.eye``)."""
    if not _is_int(k):
        raise ArrayError(f"eye's k must be an int, not {k!r}")
    dtype = np.dtype(dtype if dtype is not None else float)
    return _generated(_eye_block, _square(N, M), chunks, dtype, name or "eye", int(k), dtype)


def tri(N: int, M: int | None = None, k: int = 0, dtype: Any = float, chunks: Any = "auto",
        name: str | None = None) -> Array:
    """Ones at and below the ``k``-th diagonal, zeros above (``numpy.tri``)."""
    if not _is_int(k):
        raise ArrayError(f"tri's k must be an int, not {k!r}")
    dtype = np.dtype(dtype if dtype is not None else float)
    return _generated(_tri_block, _square(N, M), chunks, dtype, name or "tri", int(k), dtype)


def _triangle_block(block: np.ndarray, k: int, lower: bool) -> np.ndarray:
    return np.tril(block, k) if lower else np.triu(block, k)


def _triangle(m: Any, k: int, lower: bool) -> Array:
    m = asarray(m)
    if m.ndim < 2:
        raise ArrayError(f"{'tril' if lower else 'triu'} needs an array of at least 2 dimensions, not {m.ndim}")
    if not _is_int(k):
        raise ArrayError(f"{'tril' if lower else 'triu'}'s k must be an int, not {k!r}")
    if not m.known_chunks:
        raise UnknownChunksError("tril/triu need known chunk sizes: call compute_chunk_sizes() first")
    name = new_name("tril" if lower else "triu")
    rows, cols = block_starts(m.chunks[-2]), block_starts(m.chunks[-1])
    layer = {}
    for key in m.keys_flat():
        i, j = key[-2], key[-1]
        # the block's own diagonal: global column = row + k, in the block's coordinates
        layer[(name, *key[1:])] = Task(_triangle_block, Ref(key), int(k) + rows[i] - cols[j], lower)
    return Array(layer, name, m.chunks, m.dtype, (m,), m._meta)


@implements(np.tril)
def tril(m: Any, k: int = 0) -> Array:
    """The lower triangle (at and below the ``k``-th diagonal) of the last two axes (``numpy.tril``)."""
    return _triangle(m, k, lower=True)


@implements(np.triu)
def triu(m: Any, k: int = 0) -> Array:
    """The upper triangle (at and above the ``k``-th diagonal) of the last two axes (``numpy.triu``)."""
    return _triangle(m, k, lower=False)


def _pieces(chunks: tuple, start: int, stop: int) -> list[tuple[int, slice]]:
    """The (block, slice inside it) pieces that cover ``[start, stop)`` along an axis of ``chunks``."""
    out = []
    for b, (lo, n) in enumerate(zip(block_starts(chunks), chunks)):
        a, z = max(start, lo), min(stop, lo + n)
        if z > a:
            out.append((b, slice(a - lo, z - lo)))
    return out


def _diagonal_of(where: list, *blocks: np.ndarray) -> np.ndarray:
    """Pieces of a diagonal, one after the other: the diagonal of ``block[rows, cols]`` for each
    block and its ``(rows, cols)`` in ``where``."""
    parts = [np.diagonal(b[rows, cols]) for b, (rows, cols) in zip(blocks, where)]
    return np.concatenate(parts) if len(parts) != 1 else parts[0].copy()


@implements(np.diag)
def diag(v: Any, k: int = 0) -> Array:
    """A 1-D array's values on the ``k``-th diagonal of a square 2-D array, or a 2-D array's ``k``-th
    diagonal as a 1-D array (``numpy.diag``). Blocked: each output block reads only the input
    blocks the diagonal crosses."""
    v = asarray(v)
    if not _is_int(k):
        raise ArrayError(f"diag's k must be an int, not {k!r}")
    k = int(k)
    if not v.known_chunks:
        raise UnknownChunksError("diag needs known chunk sizes: call compute_chunk_sizes() first")
    if v.ndim == 1:
        n = int(v.shape[0]) + abs(k)
        size = max(v.chunks[0]) if v.chunks[0] else 1
        chunks = normalize_chunks((max(size, 1), max(size, 1)), (n, n))
        name = new_name("diag")
        rows, cols = block_starts(chunks[0]), block_starts(chunks[1])
        layer: dict = {}
        for i, j in itertools.product(range(len(chunks[0])), range(len(chunks[1]))):
            shape = (chunks[0][i], chunks[1][j])
            # element e of v sits at (e + max(0, -k), e + max(0, k)); this block holds the e in both ranges
            lo = max(rows[i] - max(0, -k), cols[j] - max(0, k), 0)
            hi = min(rows[i] + shape[0] - max(0, -k), cols[j] + shape[1] - max(0, k), int(v.shape[0]))
            if hi <= lo:
                layer[(name, i, j)] = Task(_full_block, shape, (), 0, v.dtype)
                continue
            pieces = _pieces(v.chunks[0], lo, hi)
            local_k = k + rows[i] - cols[j]  # the diagonal in the block's coordinates
            offset_row = lo + max(0, -k) - rows[i]
            layer[(name, i, j)] = Task(_diag_into, shape, offset_row, local_k, v.dtype, [s for _, s in pieces],
                                       *[Ref((v.name, b)) for b, _ in pieces])
        return Array(layer, name, chunks, v.dtype, (v,))
    if v.ndim == 2:
        nrows, ncols = int(v.shape[0]), int(v.shape[1])
        first_row, last_row = max(0, -k), min(nrows, ncols - k)  # rows the diagonal crosses
        name = new_name("diagonal")
        if last_row <= first_row:
            return Array({(name, 0): Task(_full_block, (0,), (), 0, v.dtype)}, name, ((0,),), v.dtype)
        layer = {}
        lengths = []
        col_starts = block_starts(v.chunks[1])
        for i, (r0, n) in enumerate(zip(block_starts(v.chunks[0]), v.chunks[0])):
            lo, hi = max(r0, first_row), min(r0 + n, last_row)
            if hi <= lo:
                continue
            where, refs = [], []
            for j, cs in _pieces(v.chunks[1], lo + k, hi + k):
                c0 = col_starts[j]
                where.append((slice(cs.start + c0 - k - r0, cs.stop + c0 - k - r0), cs))
                refs.append(Ref((v.name, i, j)))
            layer[(name, len(lengths))] = Task(_diagonal_of, where, *refs)
            lengths.append(hi - lo)
        return Array(layer, name, (tuple(lengths),), v.dtype, (v,))
    raise ArrayError(f"diag needs a 1-D or 2-D array, not {v.ndim}-D")


def _diag_into(shape: tuple, offset_row: int, k: int, dtype: np.dtype, slices: list, *blocks: np.ndarray) -> np.ndarray:
    """A block of ``diag(v)``: zeros with the pieces ``block[slice]`` of ``v`` placed from local
    row ``offset_row`` on the block's diagonal ``k``."""
    parts = [b[s] for b, s in zip(blocks, slices)]
    values = np.concatenate(parts) if len(parts) != 1 else parts[0]
    out = np.zeros(shape, dtype=dtype)
    rows = np.arange(len(values)) + offset_row
    out[rows, rows + k] = values
    return out


# -- index grids --------------------------------------------------------------------------------------

def _indices_block(shape: tuple, origin: tuple, dtype: np.dtype) -> np.ndarray:
    """Block of ``numpy.indices``: ``shape[0]`` is 1 (one of the stacked grids, ``origin[0]``)."""
    axis = origin[0]
    n = shape[1 + axis]
    values = np.arange(origin[1 + axis], origin[1 + axis] + n, dtype=dtype)
    view = values.reshape((1,) * (1 + axis) + (n,) + (1,) * (len(shape) - 2 - axis))
    return np.broadcast_to(view, shape).copy()


def indices(dimensions: Any, dtype: Any = int, chunks: Any = "auto", name: str | None = None) -> Array:
    """A grid of indices, as ``numpy.indices``: ``out[d, i0, i1, ...] == i_d``."""
    dimensions = _shape_tuple(dimensions, "dimensions")
    dtype = np.dtype(dtype)
    chunks = normalize_chunks(chunks, dimensions, dtype) if dimensions else ()
    return _generated(_indices_block, (len(dimensions), *dimensions), ((1,) * len(dimensions), *chunks), dtype,
                      name or "indices", dtype)


class _IndexedCall:
    """``fromfunction``'s block: ``func(*index grids + offsets, **kwargs)``, a function of the
    block's position only."""

    def __init__(self, func: Any, dtype: np.dtype, kwargs: dict):
        self.func, self.dtype, self.kwargs = func, dtype, kwargs
        self.__name__ = getattr(func, "__name__", "fromfunction")

    def __call__(self, shape: tuple, origin: tuple) -> np.ndarray:
        grids = [np.arange(o, o + n, dtype=self.dtype).reshape((1,) * a + (n,) + (1,) * (len(shape) - a - 1))
                 for a, (o, n) in enumerate(zip(origin, shape))]
        grids = [np.broadcast_to(g, shape) for g in grids]
        return np.asarray(self.func(*grids, **self.kwargs))


def fromfunction(function: Any, chunks: Any = "auto", shape: Any = None, dtype: Any = float,
                 name: str | None = None, **kwargs: Any) -> Array:
    """``function(*coordinates)`` evaluated over a grid of ``shape``, as ``numpy.fromfunction``:
    each block calls it on that block's coordinates only (so it must be elementwise); ``dtype``
    is the coordinates' type, the result's type is what ``function`` returns on a small sample."""
    if not callable(function):
        raise ArrayError(f"fromfunction needs a function, not {type(function).__name__}")
    if shape is None:
        raise ArrayError("fromfunction needs shape=")
    shape = _shape_tuple(shape)
    dtype = np.dtype(dtype)
    call = _IndexedCall(function, dtype, kwargs)
    try:
        with np.errstate(all="ignore"):
            out_dtype = call((1,) * len(shape), (0,) * len(shape)).dtype
    except Exception as exc:
        raise ArrayError(f"fromfunction could not call {call.__name__} on a sample of coordinates: {exc}") from None
    arr = _generated(call, shape, chunks, dtype, name or "fromfunction")
    return Array(arr.layer, arr.name, arr.chunks, out_dtype)


def _mesh_block(axis: int, ndim: int, sparse: bool, *blocks: np.ndarray) -> np.ndarray:
    """Block of one ``meshgrid`` output: its input's block laid along ``axis``, spread over the
    lengths of the other inputs' blocks (``blocks`` come in output-axis order; with ``sparse``
    only the input's own block comes, kept with length-1 axes around it)."""
    own = blocks[0] if sparse else blocks[axis]
    view = own.reshape((1,) * axis + (own.shape[0],) + (1,) * (ndim - axis - 1))
    if sparse:
        return view
    return np.broadcast_to(view, tuple(b.shape[0] for b in blocks)).copy()


@implements(np.meshgrid)
def meshgrid(*xi: Any, sparse: bool = False, indexing: str = "xy", copy: bool = True) -> list[Array]:
    """Coordinate grids from 1-D coordinate vectors, as ``numpy.meshgrid`` (``indexing="xy"``
    swaps the first two axes, as NumPy's); each output block is made from one block of each input."""
    from frames.array.core import blockwise

    if indexing not in ("xy", "ij"):
        raise ArrayError(f"meshgrid's indexing must be 'xy' or 'ij', not {indexing!r}")
    arrays = []
    for x in xi:
        if isinstance(x, Array):
            if x.ndim != 1:
                raise ArrayError(f"meshgrid takes 1-D frames arrays, not one of {x.ndim} dimensions")
            arrays.append(x)
        else:
            arrays.append(from_array(np.ravel(np.asarray(x))))
    ndim = len(arrays)
    axis_of = list(range(ndim))
    if indexing == "xy" and ndim > 1:
        axis_of[0], axis_of[1] = 1, 0
    by_axis = sorted(range(ndim), key=lambda j: axis_of[j])  # the inputs in output-axis order
    out = []
    for j, x in enumerate(arrays):
        if sparse:
            res = blockwise(_mesh_block, (axis_of[j],), axis_of[j], None, ndim, None, True, None, x, (axis_of[j],),
                            dtype=x.dtype, name=new_name("meshgrid"))
            out.append(_sparse_axes(res, axis_of[j], ndim))
            continue
        pairs: list[Any] = []
        for m in by_axis:
            pairs += [arrays[m], (axis_of[m],)]
        out.append(blockwise(_mesh_block, tuple(range(ndim)), axis_of[j], None, ndim, None, False, None, *pairs,
                             dtype=x.dtype, name=new_name("meshgrid")))
    return out


def _sparse_axes(res: Array, axis: int, ndim: int) -> Array:
    """A sparse meshgrid output: the 1-D blocks' array seen with length-1 axes around ``axis``
    (the blocks already have that shape, see ``_mesh_block``)."""
    chunks = tuple(res.chunks[0] if a == axis else (1,) for a in range(ndim))
    layer = {}
    for key, task in res.layer.items():
        idx = tuple(key[1] if a == axis else 0 for a in range(ndim))
        layer[(res.name, *idx)] = task
    return Array(layer, res.name, chunks, res.dtype, res.deps)


# -- from delayed values ----------------------------------------------------------------------------

def _checked_block(value: Any, shape: tuple, dtype: np.dtype, what: str) -> np.ndarray:
    """A delayed value as a block, refused clearly when it is not the shape that was promised."""
    out = np.asarray(value)
    if out.shape != shape and not any(isinstance(n, float) and math.isnan(n) for n in shape):
        raise ArrayError(f"{what} computed an array of shape {out.shape}, but from_delayed was told shape={shape}")
    return out


def from_delayed(value: Any, shape: Any, dtype: Any = None, meta: Any = None, name: str | None = None) -> Array:
    """A one-block array over a ``Delayed`` whose result is an array of ``shape`` (and ``dtype``),
    as ``dask.array.from_delayed``; checked when it is computed."""
    from frames.delayed import Delayed

    if not isinstance(value, Delayed):
        raise ArrayError(f"from_delayed needs a frames Delayed value, not {type(value).__name__}")
    shape = tuple(shape)
    dtype = np.dtype(dtype if dtype is not None else (meta.dtype if meta is not None else float))
    name = name or new_name("from-delayed")
    chunks = tuple((n,) for n in shape)
    key = (name,) + (0,) * len(shape)
    layer = {key: Task(_checked_block, Ref(value.key), shape, dtype, repr(value))}
    return Array(layer, name, chunks, dtype, (value,))


# -- joining arrays: block keys re-indexed, no data moved ---------------------------------------------

def _as_arrays(seq: Any, what: str) -> list[Array]:
    if isinstance(seq, (Array, np.ndarray)):
        raise ArrayError(f"{what} takes a sequence of arrays, not one array")
    try:
        items = list(seq)
    except TypeError:
        raise ArrayError(f"{what} takes a sequence of arrays, not {type(seq).__name__}") from None
    if not items:
        raise ArrayError(f"{what} needs at least one array")
    return [x if isinstance(x, Array) else from_array(np.asarray(x)) for x in items]


def _cast(block: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return block.astype(dtype, copy=False)


def _relay(block: Any) -> Any:
    return block


def _aligned(arrays: list[Array], skip_axis: int | None, what: str) -> list[Array]:
    """``arrays`` rechunked to common blocks along every axis except ``skip_axis`` (where the
    blocks are simply laid one after the other)."""
    ndim = arrays[0].ndim
    out = list(arrays)
    for axis in range(ndim):
        if axis == skip_axis:
            continue
        chunk_sets = {a.chunks[axis] for a in out}
        if len(chunk_sets) == 1:
            continue
        if any(not a.known_chunks for a in out):
            raise UnknownChunksError(f"{what}: the inputs' chunks differ along axis {axis} and some are unknown; "
                                     "call compute_chunk_sizes() first")
        common = common_chunks(*chunk_sets)
        out = [a if a.chunks[axis] == common else a.rechunk({axis: common}) for a in out]
    return out


@implements(np.concatenate)
def concatenate(seq: Any, axis: int | None = 0, allow_unknown_chunksizes: bool = False, dtype: Any = None,
                out: Any = None, casting: str = "same_kind") -> Array:
    """Arrays joined along an existing ``axis``, as ``numpy.concatenate``: the output's blocks are
    the inputs' blocks, re-indexed (no data moves). The other axes must have equal lengths; inputs
    chunked differently there are rechunked to common blocks. ``axis=None`` flattens first."""
    if out is not None:
        raise ArrayError("concatenate(out=...) is not supported on frames arrays")
    arrays = _as_arrays(seq, "concatenate")
    if axis is None:
        arrays = [a.ravel() if hasattr(a, "ravel") else _no_ravel() for a in arrays]
        axis = 0
    ndim = arrays[0].ndim
    if ndim == 0:
        raise ArrayError("zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(arrays):
        if a.ndim != ndim:
            raise ArrayError(f"concatenate: array 0 has {ndim} dimensions but array {i} has {a.ndim}")
    if not _is_int(axis) or not -ndim <= axis < ndim:
        raise ArrayError(f"axis {axis} is out of bounds for arrays of {ndim} dimensions")
    axis = int(axis) % ndim
    for i, a in enumerate(arrays):
        for ax in range(ndim):
            if ax == axis:
                continue
            m, n = arrays[0].shape[ax], a.shape[ax]
            unknown = (isinstance(m, float) and math.isnan(m)) or (isinstance(n, float) and math.isnan(n))
            if unknown and not allow_unknown_chunksizes:
                raise UnknownChunksError(f"concatenate: the length of axis {ax} is not known, so it cannot be checked; "
                                         "call compute_chunk_sizes() first (or pass allow_unknown_chunksizes=True)")
            if not unknown and m != n:
                raise ArrayError(f"concatenate: all dimensions except axis {axis} must match, but array 0 has "
                                 f"shape {arrays[0].shape} and array {i} has shape {a.shape}")
    result_dtype = np.dtype(dtype) if dtype is not None else np.result_type(*[a.dtype for a in arrays])
    for a in arrays:
        if not np.can_cast(a.dtype, result_dtype, casting=casting):
            raise ArrayError(f"concatenate: cannot cast {a.dtype} to {result_dtype} under casting={casting!r}")
    if len(arrays) > 1 and not allow_unknown_chunksizes:
        arrays = _aligned(arrays, axis, "concatenate")
    name = new_name("concatenate")
    layer: dict = {}
    offset = 0
    for a in arrays:
        for key in a.keys_flat():
            idx = list(key[1:])
            idx[axis] += offset
            layer[(name, *idx)] = (Task(_relay, Ref(key)) if a.dtype == result_dtype
                                   else Task(_cast, Ref(key), result_dtype))
        offset += a.numblocks[axis]
    chunks = list(arrays[0].chunks)
    chunks[axis] = tuple(b for a in arrays for b in a.chunks[axis])
    meta = arrays[0]._meta if all(a._meta is not None for a in arrays) else None
    return Array(layer, name, tuple(chunks), result_dtype, arrays, meta)


def _no_ravel():
    raise ArrayError("concatenate(axis=None) needs ravel(), which frames arrays do not have yet")


def _expand(block: np.ndarray, axis: int, dtype: np.dtype) -> np.ndarray:
    return np.expand_dims(block, axis).astype(dtype, copy=False)


@implements(np.stack)
def stack(seq: Any, axis: int = 0, allow_unknown_chunksizes: bool = False, dtype: Any = None, out: Any = None,
          casting: str = "same_kind") -> Array:
    """Arrays of one shape stacked along a new ``axis``, as ``numpy.stack``: one block along the new
    axis per input, the inputs' blocks re-indexed (rechunked to common blocks if they differ)."""
    if out is not None:
        raise ArrayError("stack(out=...) is not supported on frames arrays")
    arrays = _as_arrays(seq, "stack")
    ndim = arrays[0].ndim
    for i, a in enumerate(arrays):
        if a.ndim != ndim or (a.known_chunks and arrays[0].known_chunks and a.shape != arrays[0].shape):
            raise ArrayError(f"stack: all input arrays must have the same shape, but array 0 has shape "
                             f"{arrays[0].shape} and array {i} has shape {a.shape}")
    if not _is_int(axis) or not -(ndim + 1) <= axis <= ndim:
        raise ArrayError(f"axis {axis} is out of bounds for the {ndim + 1}-dimensional stacked array")
    axis = int(axis) % (ndim + 1)
    result_dtype = np.dtype(dtype) if dtype is not None else np.result_type(*[a.dtype for a in arrays])
    for a in arrays:
        if not np.can_cast(a.dtype, result_dtype, casting=casting):
            raise ArrayError(f"stack: cannot cast {a.dtype} to {result_dtype} under casting={casting!r}")
    if not allow_unknown_chunksizes:
        arrays = _aligned(arrays, None, "stack")
    name = new_name("stack")
    layer: dict = {}
    for n, a in enumerate(arrays):
        for key in a.keys_flat():
            idx = list(key[1:])
            idx.insert(axis, n)
            layer[(name, *idx)] = Task(_expand, Ref(key), axis, result_dtype)
    chunks = list(arrays[0].chunks)
    chunks.insert(axis, (1,) * len(arrays))
    return Array(layer, name, tuple(chunks), result_dtype, arrays)


def _leading_axes(a: Array, ndim: int) -> Array:
    """``a`` with length-1 axes prepended up to ``ndim`` dimensions (``numpy.block``'s promotion)."""
    extra = ndim - a.ndim
    if extra <= 0:
        return a
    name = new_name("atleast")
    layer = {(name, *(0,) * extra, *key[1:]): Task(_reshape_block, Ref(key), extra) for key in a.keys_flat()}
    return Array(layer, name, ((1,),) * extra + a.chunks, a.dtype, (a,), a._meta)


def _reshape_block(block: np.ndarray, extra: int) -> np.ndarray:
    return np.asarray(block).reshape((1,) * extra + np.shape(block))


def _block_depth(x: Any, path: str) -> tuple[int, list]:
    """The nesting depth of ``numpy.block``'s lists (all leaves must be at one depth), and the leaves."""
    if isinstance(x, tuple):
        raise ArrayError(f"block: {path} is a tuple; numpy.block takes nested lists only")
    if not isinstance(x, list):
        return 0, [x]
    if not x:
        raise ArrayError(f"block: {path} is an empty list")
    depths, leaves = set(), []
    for i, item in enumerate(x):
        d, found = _block_depth(item, f"{path}[{i}]")
        depths.add(d)
        leaves += found
    if len(depths) > 1:
        raise ArrayError(f"block: the lists in {path} are nested to different depths {sorted(depths)}")
    return depths.pop() + 1, leaves


@implements(np.block)
def block(arrays: Any, allow_unknown_chunksizes: bool = False) -> Array:
    """An array assembled from nested lists of arrays, as ``numpy.block``: the innermost lists are
    joined along the last axis, the next ones along the one before, and so on (blocks re-indexed)."""
    depth, leaves = _block_depth(arrays, "arrays")
    if depth == 0:
        return asarray(arrays)
    ndim = max(depth, max(np.ndim(a) if not isinstance(a, Array) else a.ndim for a in leaves))

    def build(x: Any, level: int) -> Array:
        if not isinstance(x, list):
            a = x if isinstance(x, Array) else from_array(np.asarray(x))
            return _leading_axes(a, ndim)
        parts = [build(item, level + 1) for item in x]
        if len(parts) == 1:
            return parts[0]
        return concatenate(parts, axis=ndim - depth + level, allow_unknown_chunksizes=allow_unknown_chunksizes)

    return build(arrays, 0)


@implements(np.vstack)
def vstack(tup: Any, allow_unknown_chunksizes: bool = False) -> Array:
    """Rows stacked (``numpy.vstack``): 1-D inputs become rows."""
    arrays = [_leading_axes(a, 2) for a in _as_arrays(tup, "vstack")]
    return concatenate(arrays, axis=0, allow_unknown_chunksizes=allow_unknown_chunksizes)


@implements(np.hstack)
def hstack(tup: Any, allow_unknown_chunksizes: bool = False) -> Array:
    """Columns stacked (``numpy.hstack``): 1-D inputs are joined end to end."""
    arrays = [_leading_axes(a, 1) for a in _as_arrays(tup, "hstack")]
    axis = 0 if arrays[0].ndim == 1 else 1
    return concatenate(arrays, axis=axis, allow_unknown_chunksizes=allow_unknown_chunksizes)


# -- where ---------------------------------------------------------------------------------------------

@implements(np.where)
def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elements of ``x`` where ``condition`` holds, of ``y`` elsewhere, with broadcasting
    (``numpy.where``). ``where(condition)`` alone is ``nonzero(condition)``."""
    if x is None and y is None:
        try:
            from frames.array.slicing import nonzero
        except ImportError:
            raise ArrayError("where(condition) with one argument (nonzero) is not supported on frames arrays yet") from None
        return nonzero(condition)
    if x is None or y is None:
        raise ArrayError("where takes either one argument (condition) or three (condition, x, y)")
    if not any(isinstance(a, Array) for a in (condition, x, y)):
        condition = from_array(np.asarray(condition))
    return elemwise(np.where, condition, x, y, name=new_name("where"))


__all__ = ["from_array", "asarray", "asanyarray", "getter", "block_slices", "full", "ones", "zeros", "empty",
           "full_like", "ones_like", "zeros_like", "empty_like", "arange", "linspace", "eye", "tri", "tril", "triu",
           "diag", "indices", "fromfunction", "meshgrid", "from_delayed", "concatenate", "stack", "block",
           "vstack", "hstack", "where"]
