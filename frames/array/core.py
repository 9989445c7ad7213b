"""The chunked array: a grid of NumPy blocks, each the result of one task.

An ``Array`` knows its shape, chunks (block lengths per axis) and dtype without computing anything.
It holds only its own tasks (``layer``: block key ``(name, i, j, ...)`` -> task) and the
collections it was made from (``deps``), so building an expression of n operations is O(n), and
the full graph is collected once, iteratively, at compute time (as Dask's HighLevelGraph layers).

Every blocked algorithm is built from three primitives here:

- ``blockwise(func, out_index, *array_index_pairs)``: one task per output block, from the blocks
  of the inputs that share its indices (Einstein-style index strings, as ``dask.array.blockwise``);
  indices missing from the output are contracted (their blocks concatenated, or passed as a list);
- ``elemwise(op, *args)``: NumPy broadcasting over blocks (what operators and ufuncs are);
- ``map_blocks(func, *arrays)``: a user function per block.

The other modules add what dask.array has beside them (reductions, slicing, rechunk, linalg,
creation, IO); ``Array``'s methods are thin and call them.
"""

from __future__ import annotations

import itertools
import math
import operator
from numbers import Integral, Number
from typing import Any, Callable, Hashable, Iterable, Sequence

import numpy as np

from exec import Ref, Task
from frames.array.chunks import blocks_of, common_chunks, normalize_chunks, shape_of
from frames.array.errors import ArrayError, UnknownChunksError
from frames.base import Layered, Lazy, layered_graph

_counter = itertools.count()


def new_name(label: str) -> str:
    """A key prefix unique in this process; keys are ``(name, i, j, ...)``."""
    return f"{label}-{next(_counter)}"


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


class Array(Layered):
    """A lazy N-dimensional array of NumPy blocks, mirroring ``dask.array.Array``."""

    __array_priority__ = 11  # NumPy defers to our operators (ndarray + Array -> Array)

    def __init__(self, layer: dict, name: str, chunks: tuple[tuple, ...], dtype: Any,
                 deps: Sequence[Lazy] = (), meta: Any = None):
        self.layer = layer
        self.name = name
        self._chunks = tuple(tuple(c) for c in chunks)
        self._dtype = np.dtype(dtype) if dtype is not None else np.dtype(float)
        self.deps = tuple(deps)
        self._meta = meta  # the block type when not a plain ndarray (e.g. np.ma.MaskedArray); None: ndarray

    # -- metadata ----------------------------------------------------------------------------
    @property
    def chunks(self) -> tuple[tuple, ...]:
        return self._chunks

    @property
    def dtype(self) -> np.dtype:
        return self._dtype

    @property
    def shape(self) -> tuple:
        return shape_of(self._chunks)

    @property
    def ndim(self) -> int:
        return len(self._chunks)

    @property
    def size(self) -> float:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> float:
        return self.size * self.itemsize

    @property
    def numblocks(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self._chunks)

    @property
    def npartitions(self) -> int:
        return math.prod(self.numblocks)

    @property
    def chunksize(self) -> tuple:
        """The largest block along each axis."""
        return tuple(max(c, default=0) if not any(_isnan(b) for b in c) else math.nan for c in self._chunks)

    @property
    def known_chunks(self) -> bool:
        return not any(_isnan(b) for c in self._chunks for b in c)

    def __len__(self) -> int:
        if not self.ndim:
            raise TypeError("len() of a 0-d array")
        n = self.shape[0]
        if _isnan(n):
            raise UnknownChunksError("len() of an array whose length is not known yet: call compute_chunk_sizes() first")
        return int(n)

    def __repr__(self) -> str:
        shape = ", ".join("nan" if _isnan(s) else str(s) for s in self.shape)
        chunks = ", ".join("nan" if _isnan(s) else str(s) for s in self.chunksize)
        return (f"frames.array<{self.name.rsplit('-', 1)[0]}, shape=({shape}{',' if self.ndim == 1 else ''}), "
                f"dtype={self._dtype}, chunksize=({chunks}{',' if self.ndim == 1 else ''}), "
                f"chunktype=numpy.ndarray>")

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a lazy array is not known until it is computed; use .compute()")

    __hash__ = object.__hash__

    # -- the collection protocol -------------------------------------------------------------
    def keys_flat(self) -> list[tuple]:
        """Every block's key, in C order of the block grid."""
        return [(self.name, *idx) for idx in itertools.product(*(range(n) for n in self.numblocks))]

    def _build_graph(self) -> tuple[dict, list[Hashable]]:
        return layered_graph(self), self.keys_flat()

    def _finalize(self, results: Sequence[Any]) -> np.ndarray:
        return assemble(list(results), self.numblocks)

    @property
    def _rebuild_needs_values(self) -> bool:
        """A Client's ``persist`` must wait for the blocks: their shapes give unknown chunk sizes."""
        return not self.known_chunks

    def _rebuild(self, results: Sequence[Any]) -> "Array":
        chunks = self._chunks
        if not self.known_chunks:  # persisted blocks tell their lengths
            chunks = chunks_from_blocks(list(results), self.numblocks)
        return Array(dict(zip(self.keys_flat(), results)), self.name, chunks, self._dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        x = self.compute()
        return x if dtype is None else x.astype(dtype)

    # -- NumPy protocols -----------------------------------------------------------------------
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any):
        out = kwargs.pop("out", None)
        if out is not None:
            return NotImplemented
        if method == "__call__" and ufunc.signature is not None:
            # a generalized ufunc (np.matmul) is not elementwise: its blocked version is registered
            from frames.array.dispatch import array_function

            return array_function(ufunc, (), inputs, kwargs)
        if method == "__call__":
            if ufunc.nout == 1:
                return elemwise(ufunc, *inputs, **kwargs)
            return tuple(elemwise(_ufunc_output(ufunc, i), *inputs, **kwargs) for i in range(ufunc.nout))
        if method == "reduce" and ufunc in _UFUNC_REDUCTIONS:
            kwargs.setdefault("axis", 0)  # ufunc.reduce's default axis is 0, not all axes
            return getattr(self, _UFUNC_REDUCTIONS[ufunc])(**kwargs)
        return NotImplemented

    def __array_function__(self, func: Callable, types: Iterable[type], args: tuple, kwargs: dict):
        from frames.array.dispatch import array_function

        return array_function(func, types, args, kwargs)

    # -- elementwise -------------------------------------------------------------------------
    def astype(self, dtype: Any, casting: str = "unsafe", copy: bool = True) -> "Array":
        dtype = np.dtype(dtype)
        if dtype == self._dtype:
            return self
        if not np.can_cast(self._dtype, dtype, casting=casting):
            raise ArrayError(f"cannot cast {self._dtype} to {dtype} under casting={casting!r}")
        return map_blocks(_astype, self, dtype, dtype=dtype, name=new_name("astype"))

    # -- reductions and cumulative scans (frames/array/reductions.py) -----------------------
    def sum(self, axis: Any = None, dtype: Any = None, keepdims: bool = False, split_every: Any = None,
            out: Any = None, **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.sum(self, axis, dtype, out, keepdims, split_every=split_every, **kwargs)

    def prod(self, axis: Any = None, dtype: Any = None, keepdims: bool = False, split_every: Any = None,
             out: Any = None, **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.prod(self, axis, dtype, out, keepdims, split_every=split_every, **kwargs)

    def mean(self, axis: Any = None, dtype: Any = None, keepdims: bool = False, split_every: Any = None,
             out: Any = None, **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.mean(self, axis, dtype, out, keepdims, split_every=split_every, **kwargs)

    def var(self, axis: Any = None, dtype: Any = None, keepdims: bool = False, ddof: Any = 0,
            split_every: Any = None, out: Any = None, **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.var(self, axis, dtype, out, ddof, keepdims, split_every=split_every, **kwargs)

    def std(self, axis: Any = None, dtype: Any = None, keepdims: bool = False, ddof: Any = 0,
            split_every: Any = None, out: Any = None, **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.std(self, axis, dtype, out, ddof, keepdims, split_every=split_every, **kwargs)

    def min(self, axis: Any = None, keepdims: bool = False, split_every: Any = None, out: Any = None,
            **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.min(self, axis, out, keepdims, split_every=split_every, **kwargs)

    def max(self, axis: Any = None, keepdims: bool = False, split_every: Any = None, out: Any = None,
            **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.max(self, axis, out, keepdims, split_every=split_every, **kwargs)

    def any(self, axis: Any = None, keepdims: bool = False, split_every: Any = None, out: Any = None,
            **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.any(self, axis, out, keepdims, split_every=split_every, **kwargs)

    def all(self, axis: Any = None, keepdims: bool = False, split_every: Any = None, out: Any = None,
            **kwargs: Any) -> "Array":
        from frames.array import reductions

        return reductions.all(self, axis, out, keepdims, split_every=split_every, **kwargs)

    def argmin(self, axis: Any = None, *, keepdims: bool = False, split_every: Any = None,
               out: Any = None) -> "Array":
        from frames.array import reductions

        return reductions.argmin(self, axis, out, keepdims=keepdims, split_every=split_every)

    def argmax(self, axis: Any = None, *, keepdims: bool = False, split_every: Any = None,
               out: Any = None) -> "Array":
        from frames.array import reductions

        return reductions.argmax(self, axis, out, keepdims=keepdims, split_every=split_every)

    def cumsum(self, axis: Any = None, dtype: Any = None, out: Any = None) -> "Array":
        from frames.array import reductions

        return reductions.cumsum(self, axis, dtype, out)

    def cumprod(self, axis: Any = None, dtype: Any = None, out: Any = None) -> "Array":
        from frames.array import reductions

        return reductions.cumprod(self, axis, dtype, out)

    def topk(self, k: int, axis: int = -1, split_every: Any = None) -> "Array":
        from frames.array import routines

        return routines.topk(self, k, axis, split_every)

    def argtopk(self, k: int, axis: int = -1, split_every: Any = None) -> "Array":
        from frames.array import routines

        return routines.argtopk(self, k, axis, split_every)


    # -- indexing, reshaping, transposing (frames/array/slicing.py, reshape.py) -------------
    def __getitem__(self, index: Any) -> "Array":
        from frames.array.slicing import getitem

        return getitem(self, index)

    @property
    def vindex(self) -> Any:
        """Pointwise fancy indexing: ``x.vindex[[0, 2], [1, 3]]`` is the points (0, 1) and (2, 3)."""
        from frames.array.slicing import VIndex

        return VIndex(self)

    def compute_chunk_sizes(self, scheduler: Any = None) -> "Array":
        """Compute unknown block lengths (after a boolean mask) and set them, in place; returns self."""
        from frames.array.slicing import compute_chunk_sizes

        return compute_chunk_sizes(self, scheduler=scheduler)

    def reshape(self, *shape: Any, merge_chunks: bool = True, limit: Any = None) -> "Array":
        from frames.array.reshape import reshape

        if len(shape) == 1 and not isinstance(shape[0], Integral):
            shape = tuple(shape[0])
        return reshape(self, shape, merge_chunks=merge_chunks, limit=limit)

    def ravel(self) -> "Array":
        from frames.array.reshape import ravel

        return ravel(self)

    flatten = ravel

    def transpose(self, *axes: Any) -> "Array":
        from frames.array.reshape import _np_transpose_method

        return _np_transpose_method(self, axes)

    @property
    def T(self) -> "Array":
        return self.transpose()

    def swapaxes(self, axis1: int, axis2: int) -> "Array":
        from frames.array.reshape import swapaxes

        return swapaxes(self, axis1, axis2)

    def squeeze(self, axis: Any = None) -> "Array":
        from frames.array.reshape import squeeze

        return squeeze(self, axis)

    def nonzero(self) -> tuple:
        from frames.array.slicing import nonzero

        return nonzero(self)

    def take(self, indices: Any, axis: int | None = None) -> "Array":
        from frames.array.slicing import take

        return take(self, indices, axis=axis)

    def compress(self, condition: Any, axis: int | None = None) -> "Array":
        from frames.array.slicing import compress

        return compress(condition, self, axis=axis)


    # -- linear algebra and neighbourhoods (frames/array/linalg.py, overlap.py) -------------
    def dot(self, other: Any) -> "Array":
        from frames.array.linalg import dot

        return dot(self, other)

    def __matmul__(self, other: Any) -> Any:
        if not isinstance(other, (Array, np.ndarray, list, tuple)):
            return NotImplemented
        from frames.array.linalg import matmul

        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Any:
        if not isinstance(other, (Array, np.ndarray, list, tuple)):
            return NotImplemented
        from frames.array.linalg import matmul

        return matmul(other, self)

    def map_overlap(self, func: Callable, depth: Any, boundary: Any = None, trim: bool = True,
                    **kwargs: Any) -> "Array":
        from frames.array.overlap import map_overlap

        return map_overlap(func, self, depth=depth, boundary=boundary, trim=trim, **kwargs)

    # -- conversions and storage (frames/array/creation.py, io.py) ---------------------------
    def to_dataframe(self, columns: Any = None) -> Any:
        """A frames DataFrame of this 1-D or 2-D array's columns, one partition per row block."""
        from frames.array.convert import to_dataframe

        return to_dataframe(self, columns)

    def to_delayed(self, optimize_graph: bool = True) -> np.ndarray:
        """An object array of one Delayed per block, shaped like the block grid."""
        from frames.array.convert import to_delayed

        return to_delayed(self, optimize_graph)

    def to_zarr(self, url: Any, component: str | None = None, **kwargs: Any) -> Any:
        """Write as a zarr array (see ``frames.array.io.to_zarr``)."""
        from frames.array.io import to_zarr

        return to_zarr(self, url, component, **kwargs)

    def to_hdf5(self, filename: str, datapath: str, **kwargs: Any) -> None:
        """Write as an HDF5 dataset (see ``frames.array.io.to_hdf5``)."""
        from frames.array.io import to_hdf5

        return to_hdf5(filename, datapath, self, **kwargs)

    def store(self, target: Any, **kwargs: Any) -> Any:
        """Write block by block into ``target`` (see ``frames.array.io.store``)."""
        from frames.array.io import store

        return store(self, target, **kwargs)


    # -- display (frames/array/display.py) ---------------------------------------------------
    def _repr_html_(self) -> str:
        """Jupyter's view: sizes, chunk counts and types beside an SVG of the chunk grid; computes nothing."""
        from frames.array.display import html_repr

        return html_repr(self)

    def to_svg(self, size: int = 500) -> str:
        """An SVG drawing of the chunk grid (``""`` for 0-d arrays, unknown or zero-length axes)."""
        from frames.array.display import svg

        return svg(self._chunks, size=size)

    def rechunk(self, chunks: Any = "auto", **kwargs: Any) -> "Array":
        from frames.array.rechunk import rechunk

        return rechunk(self, chunks, **kwargs)

    def map_blocks(self, func: Callable, *args: Any, **kwargs: Any) -> "Array":
        return map_blocks(func, self, *args, **kwargs)

    @property
    def real(self) -> "Array":
        return elemwise(np.real, self)

    @property
    def imag(self) -> "Array":
        return elemwise(np.imag, self)

    def conj(self) -> "Array":
        return elemwise(np.conj, self)

    def round(self, decimals: int = 0) -> "Array":
        return elemwise(np.round, self, decimals=decimals)

    def clip(self, min: Any = None, max: Any = None) -> "Array":  # noqa: A002 - NumPy's names
        return elemwise(np.clip, self, min, max)


def _ufunc_output(ufunc: np.ufunc, i: int) -> Callable:
    return _UfuncOutput(ufunc, i)


class _UfuncOutput:
    """Output ``i`` of a multi-output ufunc (``np.modf``, ``np.divmod``), picklable by reference."""

    def __init__(self, ufunc: np.ufunc, i: int):
        self.ufunc, self.i = ufunc, i
        self.__name__ = f"{ufunc.__name__}_{i}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.ufunc(*args, **kwargs)[self.i]


_UFUNC_REDUCTIONS = {np.add: "sum", np.multiply: "prod", np.minimum: "min", np.maximum: "max",
                     np.logical_and: "all", np.logical_or: "any"}


def _astype(block: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return block.astype(dtype, copy=False)


# -- assembling blocks -------------------------------------------------------------------------

def assemble(blocks: list, numblocks: tuple[int, ...]) -> np.ndarray:
    """One NumPy array from blocks listed in C order of a ``numblocks`` grid.

    Plain ndarrays are copied into one array allocated once (as dask's ``concatenate3``): joining
    rows of blocks first and then the rows would hold a second copy of the whole array at the end
    (a 4000x4000 float64 result peaked at 3 x 128 MiB instead of 2)."""
    if not numblocks:  # a 0-d array: a NumPy scalar stays one (np.sum's answer is np.float64)
        return blocks[0] if isinstance(blocks[0], np.generic) else np.asarray(blocks[0])
    if len(blocks) == 1:
        return np.asarray(blocks[0])
    if all(type(b) is np.ndarray and b.ndim == len(numblocks) for b in blocks):
        return _assemble_into(blocks, numblocks)

    def concat(start: int, axis: int) -> np.ndarray:
        if axis == len(numblocks) - 1:
            parts = blocks[start:start + numblocks[axis]]
        else:
            step = math.prod(numblocks[axis + 1:])
            parts = [concat(start + i * step, axis + 1) for i in range(numblocks[axis])]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)

    return concat(0, 0)


def _assemble_into(blocks: list, numblocks: tuple[int, ...]) -> np.ndarray:
    strides = [math.prod(numblocks[a + 1:]) for a in range(len(numblocks))]
    lengths = [[blocks[i * strides[a]].shape[a] for i in range(numblocks[a])] for a in range(len(numblocks))]
    starts = [np.cumsum([0] + ls).tolist() for ls in lengths]
    dtype = np.result_type(*{b.dtype for b in blocks})
    out = np.empty(tuple(s[-1] for s in starts), dtype=dtype)
    for idx, block in zip(itertools.product(*(range(n) for n in numblocks)), blocks):
        slot = tuple(slice(starts[a][i], starts[a][i + 1]) for a, i in enumerate(idx))
        if block.shape != tuple(lengths[a][i] for a, i in enumerate(idx)):
            raise ArrayError(f"block {idx} has shape {block.shape}, which does not fit the grid of blocks "
                             f"(its row and column neighbours give {tuple(lengths[a][i] for a, i in enumerate(idx))})")
        out[slot] = block
    return out


def chunks_from_blocks(blocks: list, numblocks: tuple[int, ...]) -> tuple[tuple, ...]:
    """Block lengths read off computed blocks (in C order of the grid)."""
    grid = np.empty(len(blocks), dtype=object)
    for i, b in enumerate(blocks):
        grid[i] = b
    grid = grid.reshape(numblocks)
    out = []
    for axis in range(len(numblocks)):
        index = [0] * len(numblocks)
        lengths = []
        for i in range(numblocks[axis]):
            index[axis] = i
            lengths.append(int(np.shape(grid[tuple(index)])[axis]))
        out.append(tuple(lengths))
    return tuple(out)


# -- blockwise --------------------------------------------------------------------------------

def _concat_axes(blocks: Any, axes: list[int]) -> Any:
    """Nested lists of blocks (one level per contracted axis) concatenated along ``axes``."""
    if not axes:
        return blocks
    inner = [_concat_axes(b, axes[1:]) for b in blocks]
    return inner[0] if len(inner) == 1 else np.concatenate(inner, axis=axes[0])


class _Concatenating:
    """``func`` called with contracted blocks concatenated (``blockwise(..., concatenate=True)``)."""

    def __init__(self, func: Callable, axes_per_arg: tuple):
        self.func, self.axes_per_arg = func, axes_per_arg
        self.__name__ = getattr(func, "__name__", type(func).__name__)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = [(_concat_axes(a, axes) if axes else a) for a, axes in zip(args, self.axes_per_arg)]
        return self.func(*args, **kwargs)


def blockwise(func: Callable, out_ind: str | Sequence, *args: Any, name: str | None = None, dtype: Any = None,
              new_axes: dict | None = None, adjust_chunks: dict | None = None, concatenate: bool = False,
              align_arrays: bool = True, meta: Any = None, **kwargs: Any) -> Array:
    """One task per output block, as ``dask.array.blockwise``: ``args`` alternate values and index
    strings (``None`` for a value passed whole to every task). An index in an input and not in
    ``out_ind`` is contracted: the task receives the list of blocks along it (concatenated into
    one array with ``concatenate=True``). Inputs chunked differently along a shared index are
    rechunked to common blocks first; an input of length 1 along an index broadcasts.
    ``new_axes={index: length}`` adds output axes; ``adjust_chunks={index: f or tuple}`` says how a
    task changes its block's length along an index.
    """
    out_ind = tuple(out_ind)
    pairs = [(args[i], tuple(args[i + 1]) if args[i + 1] is not None else None) for i in range(0, len(args), 2)]
    arrays = [(a, ind) for a, ind in pairs if ind is not None and isinstance(a, Array)]
    for a, ind in arrays:
        if len(ind) != a.ndim:
            raise ArrayError(f"index {''.join(map(str, ind))!r} has {len(ind)} letters for an array of {a.ndim} dimensions")

    # the blocks along each index, unified across inputs
    index_chunks: dict[Any, tuple] = {}
    for idx in dict.fromkeys(i for _, ind in arrays for i in ind):
        seen = [a.chunks[ind.index(idx)] for a, ind in arrays if idx in ind]
        full = [c for c in seen if not (len(c) == 1 and c[0] == 1)] or seen
        if len({c for c in full}) > 1:
            if not align_arrays:
                raise ArrayError(f"inputs are chunked differently along index {idx!r}: {full}")
            if any(_isnan(b) for c in full for b in c):
                raise UnknownChunksError("inputs with unknown chunk sizes cannot be aligned: call compute_chunk_sizes() first")
            totals = {sum(c) for c in full}
            if len(totals) > 1:
                raise ArrayError(f"shapes do not match along index {idx!r}: lengths {sorted(totals)}")
            index_chunks[idx] = common_chunks(*full)
        else:
            index_chunks[idx] = full[0]
    if align_arrays:
        from frames.array.rechunk import rechunk

        new_pairs = []
        for a, ind in pairs:
            if ind is not None and isinstance(a, Array):
                want = tuple(c if (len(c) == 1 and c[0] == 1 and index_chunks[i] != c) else index_chunks[i]
                             for i, c in zip(ind, a.chunks))
                if want != a.chunks:
                    a = rechunk(a, want)
            new_pairs.append((a, ind))
        pairs = new_pairs
    for idx, length in (new_axes or {}).items():
        index_chunks[idx] = length if isinstance(length, tuple) else (int(length),)
    missing = [i for i in out_ind if i not in index_chunks]
    if missing:
        raise ArrayError(f"output index {missing[0]!r} appears in no input and not in new_axes")

    out_chunks = []
    for idx in out_ind:
        c = index_chunks[idx]
        if adjust_chunks and idx in adjust_chunks:
            adj = adjust_chunks[idx]
            c = tuple(adj(b) for b in c) if callable(adj) else (tuple(adj) if isinstance(adj, (tuple, list)) else (int(adj),) * len(c))
        out_chunks.append(c)
    numblocks = {idx: len(index_chunks[idx]) for idx in index_chunks}
    contracted = [i for i in dict.fromkeys(i for _, ind in pairs if ind for i in ind) if i not in out_ind]

    if concatenate and contracted:
        axes = tuple([ind.index(i) for i in contracted if i in ind] if ind is not None and isinstance(a, Array) else []
                     for a, ind in pairs)
        task_func: Callable = _Concatenating(func, axes)
    else:
        task_func = func

    name = name or new_name(getattr(func, "__name__", "blockwise"))
    layer: dict = {}
    for out_idx in itertools.product(*(range(len(c)) for c in out_chunks)):
        where = dict(zip(out_ind, out_idx))
        task_args = []
        for a, ind in pairs:
            if ind is None or not isinstance(a, Array):
                task_args.append(a)
                continue
            task_args.append(_block_refs(a, ind, where, contracted, numblocks))
        layer[(name, *out_idx)] = Task(task_func, *task_args, **kwargs)
    deps = [a for a, ind in pairs if isinstance(a, Array)] + [a for a, _ in pairs if isinstance(a, Lazy) and not isinstance(a, Array)]
    return Array(layer, name, tuple(out_chunks), dtype, deps, meta)


def _block_refs(a: Array, ind: tuple, where: dict, contracted: list, numblocks: dict) -> Any:
    """The Ref (or nested lists of Refs along contracted indices) of ``a``'s block for ``where``."""
    own_contracted = [i for i in contracted if i in ind]

    def at(fixed: dict) -> Ref:
        idx = []
        for axis, i in enumerate(ind):
            j = fixed[i]
            idx.append(0 if a.numblocks[axis] == 1 else j)  # broadcast a single block
        return Ref((a.name, *idx))

    def nest(level: int, fixed: dict) -> Any:
        if level == len(own_contracted):
            return at(fixed)
        idx = own_contracted[level]
        n = a.numblocks[ind.index(idx)]
        return [nest(level + 1, {**fixed, idx: j}) for j in range(n)]

    return nest(0, dict(where))


# -- elementwise with broadcasting --------------------------------------------------------------

def _broadcast_shapes(*shapes: tuple) -> tuple:
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(ndim):
        lengths = {s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0}
        known = {n for n in lengths if not _isnan(n)}
        big = {n for n in known if n != 1}
        if len(big) > 1:
            raise ArrayError(f"operands could not be broadcast together with shapes {' '.join(map(str, shapes))}")
        out.append(next(iter(big)) if big else (math.nan if any(_isnan(n) for n in lengths) else 1))
    return tuple(out)


def asanyarray_like(x: Any) -> Any:
    """Lists and tuples become NumPy arrays; arrays, scalars and collections stay as they are."""
    if isinstance(x, (list, tuple)):
        return np.asarray(x)
    return x


def elemwise(op: Callable, *args: Any, dtype: Any = None, name: str | None = None, **kwargs: Any) -> Array:
    """``op(*args)`` block by block with NumPy broadcasting; NumPy arrays among the arguments become
    single-block arrays (or are split to match), scalars are passed to every task."""
    from frames.array.creation import from_array

    args = tuple(asanyarray_like(a) for a in args)
    shapes = [a.shape for a in args if isinstance(a, (Array, np.ndarray))]
    out_shape = _broadcast_shapes(*shapes)
    ndim = len(out_shape)
    if dtype is None:
        dtype = _result_dtype(op, args, kwargs)
    letters = tuple(range(ndim))  # output axis k is index k; an input's axes align to the right
    template = next((a for a in args if isinstance(a, Array) and a.ndim == ndim), None)
    fixed: list[Any] = []
    for a in args:
        if isinstance(a, np.ndarray) and a.ndim:
            # a NumPy operand is chunked like the array it meets (one block where it broadcasts)
            chunks = []
            for axis in range(a.ndim):
                out_axis = axis + ndim - a.ndim
                if a.shape[axis] == 1 or template is None:
                    chunks.append((a.shape[axis],))
                else:
                    chunks.append(template.chunks[out_axis])
            a = from_array(a, chunks=tuple(chunks))
        if isinstance(a, Array):
            fixed += [a, letters[ndim - a.ndim:]]
        else:
            fixed += [a.item() if isinstance(a, np.ndarray) else a, None]
    return blockwise(_Elementwise(op, kwargs) if kwargs else op, letters, *fixed, dtype=dtype,
                     name=name or new_name(getattr(op, "__name__", "elemwise")))


class _Elementwise:
    """``op`` with keyword arguments bound, picklable (ufuncs pickle by name)."""

    def __init__(self, op: Callable, kwargs: dict):
        self.op, self.kwargs = op, kwargs
        self.__name__ = getattr(op, "__name__", type(op).__name__)

    def __call__(self, *args: Any) -> Any:
        return self.op(*args, **self.kwargs)


def _result_dtype(op: Callable, args: tuple, kwargs: dict) -> np.dtype:
    """The dtype ``op`` gives, found by running it on one-element stand-ins of the arguments'
    types (what dask's ``apply_infer_dtype`` does), so int + float, comparisons and ufunc type
    rules are NumPy's own."""
    probes = []
    for a in args:
        if isinstance(a, (Array, np.ndarray)):
            probes.append(np.ones((1,) * max(a.ndim, 0), dtype=a.dtype) if a.ndim else np.ones((), dtype=a.dtype))
        else:
            probes.append(a)
    with np.errstate(all="ignore"):
        try:
            out = op(*probes, **kwargs)
        except Exception as exc:
            raise ArrayError(f"{getattr(op, '__name__', op)!s} cannot be applied to "
                             f"{', '.join(str(getattr(a, 'dtype', type(a).__name__)) for a in args)}: {exc}") from None
    return np.asarray(out).dtype


# -- map_blocks ----------------------------------------------------------------------------------

class _WithBlockInfo:
    """A ``map_blocks`` function that takes ``block_info=`` / ``block_id=``: the task passes them."""

    def __init__(self, func: Callable, kwargs: dict, info_kw: bool, id_kw: bool):
        self.func, self.kwargs, self.info_kw, self.id_kw = func, kwargs, info_kw, id_kw
        self.__name__ = getattr(func, "__name__", type(func).__name__)

    def __call__(self, block_id: tuple, block_info: dict, *args: Any) -> Any:
        kwargs = dict(self.kwargs)
        if self.info_kw:
            kwargs["block_info"] = block_info
        if self.id_kw:
            kwargs["block_id"] = block_id
        return self.func(*args, **kwargs)


def _accepts(func: Callable, name: str) -> bool:
    import inspect

    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def map_blocks(func: Callable, *args: Any, dtype: Any = None, chunks: Any = None, drop_axis: Any = (),
               new_axis: Any = None, name: str | None = None, meta: Any = None, **kwargs: Any) -> Array:
    """``func`` applied to every block, as ``dask.array.map_blocks``: array arguments are aligned
    (broadcast like elemwise), other arguments are passed as they are. ``chunks=`` gives the
    output's block shape when ``func`` changes it, ``drop_axis`` / ``new_axis`` the axes it removes
    or adds; ``dtype`` defaults to what ``func`` returns on a small sample. A ``func`` taking
    ``block_id`` or ``block_info`` receives them."""
    arrays = [a for a in args if isinstance(a, Array)]
    if not arrays:
        raise ArrayError("map_blocks needs at least one frames array among its arguments")
    ndim = max(a.ndim for a in arrays)
    letters = tuple(range(ndim))
    drop = sorted({d % ndim for d in ((drop_axis,) if isinstance(drop_axis, Integral) else drop_axis)}) if ndim else []
    out_ind = [i for i in letters if i not in drop]
    new_axes: dict = {}
    if new_axis is not None:
        for n, ax in enumerate(sorted((new_axis,) if isinstance(new_axis, Integral) else new_axis)):
            letter = ("new", n)
            out_ind.insert(ax, letter)
            new_axes[letter] = 1
    pairs: list[Any] = []
    for a in args:
        if isinstance(a, Array):
            pairs += [a, letters[ndim - a.ndim:]]
        else:
            pairs += [a, None]
    if dtype is None:
        dtype = _infer_map_dtype(func, args, kwargs)
    info_kw, id_kw = _accepts(func, "block_info"), _accepts(func, "block_id")
    name = name or new_name(getattr(func, "__name__", "map_blocks"))
    out = blockwise(func, out_ind, *pairs, dtype=dtype, new_axes=new_axes, concatenate=True, name=name,
                    meta=meta, **({} if info_kw or id_kw else kwargs))
    if chunks is not None:
        out_chunks = _map_blocks_chunks(chunks, out)
        out = Array(out.layer, out.name, out_chunks, out.dtype, out.deps, out._meta)
    if info_kw or id_kw:
        out = _add_block_info(out, func, kwargs, info_kw, id_kw, arrays)
    return out


def _map_blocks_chunks(chunks: Any, out: Array) -> tuple[tuple, ...]:
    """``map_blocks(chunks=...)``: one block shape for all, or the block lengths per axis."""
    chunks = tuple(chunks)
    if all(isinstance(c, Integral) for c in chunks):
        if len(chunks) != out.ndim:
            raise ArrayError(f"chunks={chunks} has {len(chunks)} entries for an output of {out.ndim} dimensions")
        return tuple((c,) * n for c, n in zip(chunks, out.numblocks)) if all(n == len(o) for n, o in zip(out.numblocks, out.chunks)) else chunks
    out_chunks = tuple(tuple(c) if isinstance(c, (tuple, list)) else (c,) * n for c, n in zip(chunks, out.numblocks))
    if len(out_chunks) != out.ndim or any(len(c) != n for c, n in zip(out_chunks, out.numblocks)):
        raise ArrayError(f"chunks={chunks} does not match the {out.numblocks} grid of output blocks")
    return out_chunks


def _add_block_info(out: Array, func: Callable, kwargs: dict, info_kw: bool, id_kw: bool, arrays: list) -> Array:
    wrapped = _WithBlockInfo(func, kwargs, info_kw, id_kw)
    layer = {}
    starts = [np.cumsum((0,) + c) for c in out.chunks]
    for key, task in out.layer.items():
        idx = key[1:]
        info = {None: {"shape": out.shape, "num-chunks": out.numblocks, "chunk-location": idx,
                       "array-location": [(int(starts[a][i]), int(starts[a][i + 1])) for a, i in enumerate(idx)],
                       "dtype": out.dtype}}
        inner = task.func
        args = task.args
        layer[key] = Task(_CallWith(inner, wrapped), idx, info, *args)
    return Array(layer, out.name, out.chunks, out.dtype, out.deps, out._meta)


class _CallWith:
    """The blockwise wrapper (concatenation) around a block-info function."""

    def __init__(self, inner: Callable, wrapped: _WithBlockInfo):
        self.inner, self.wrapped = inner, wrapped
        self.__name__ = wrapped.__name__

    def __call__(self, block_id: tuple, block_info: dict, *args: Any) -> Any:
        if isinstance(self.inner, _Concatenating):
            args = [(_concat_axes(a, axes) if axes else a) for a, axes in zip(args, self.inner.axes_per_arg)]
        return self.wrapped(block_id, block_info, *args)


def _infer_map_dtype(func: Callable, args: tuple, kwargs: dict) -> np.dtype:
    probes = [np.ones((1,) * a.ndim, dtype=a.dtype) if isinstance(a, Array) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            kw = {k: v for k, v in kwargs.items()}
            if _accepts(func, "block_info"):
                kw["block_info"] = None
            if _accepts(func, "block_id"):
                kw["block_id"] = None
            return np.asarray(func(*probes, **kw)).dtype
    except Exception:
        first = next(a for a in args if isinstance(a, Array))
        return first.dtype


# -- operators --------------------------------------------------------------------------------

def _binary(op: Callable, reflected: bool = False):
    def method(self: Array, other: Any) -> Any:
        if not isinstance(other, (Array, np.ndarray, Number, np.generic, list, tuple, bool)):
            return NotImplemented
        return elemwise(op, other, self) if reflected else elemwise(op, self, other)

    method.__name__ = op.__name__
    return method


for _name, _op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul), ("truediv", operator.truediv),
                   ("floordiv", operator.floordiv), ("mod", operator.mod), ("pow", operator.pow),
                   ("and", operator.and_), ("or", operator.or_), ("xor", operator.xor),
                   ("lshift", operator.lshift), ("rshift", operator.rshift)]:
    setattr(Array, f"__{_name}__", _binary(_op))
    setattr(Array, f"__r{_name}__", _binary(_op, reflected=True))
for _name, _op in [("lt", operator.lt), ("le", operator.le), ("gt", operator.gt), ("ge", operator.ge),
                   ("eq", operator.eq), ("ne", operator.ne)]:
    setattr(Array, f"__{_name}__", _binary(_op))
Array.__neg__ = lambda self: elemwise(operator.neg, self)  # type: ignore[attr-defined]
Array.__pos__ = lambda self: self  # type: ignore[attr-defined]
Array.__abs__ = lambda self: elemwise(operator.abs, self)  # type: ignore[attr-defined]
Array.__invert__ = lambda self: elemwise(operator.invert, self)  # type: ignore[attr-defined]


def is_array(x: Any) -> bool:
    return isinstance(x, Array)


__all__ = ["Array", "blockwise", "elemwise", "map_blocks", "assemble", "new_name", "blocks_of", "normalize_chunks"]
