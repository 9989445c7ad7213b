"""Indexing frames arrays: ``x[...]`` with ints, slices, ``None`` and ``Ellipsis`` (basic indexing),
one integer list / array along an axis (``take``; NumPy or lazy), boolean masks (NumPy or lazy,
over one axis or several: ``x[x > 0]``), pointwise ``vindex``, and the functions built on them
(``nonzero``, ``argwhere``, ``flatnonzero``, ``compress``, ``extract``). Where NumPy and dask
differ, NumPy's answer is followed (an array index separated from ints by a slice moves to the
front; a mask over several axes lists the true elements in C order).

Basic indexing costs one task per output block, each reading the one input block it comes from
(dask's ``slice_array``): a slice with a step is cut block by block, so chunks stay local.

Integer indices are grouped by the block they come from (dask's ``take``): the wanted positions are
split into output blocks of about the input's block length; an output block that needs a single
input block is one ``np.take``; otherwise each input block it touches gives a small piece (only
the rows wanted from it) and a gather task joins the pieces and puts them back in the asked
order. No task holds more than one input block and one output block.

A NumPy boolean mask is its ``flatnonzero`` positions, so the result's lengths are known. A
lazy integer index gives the index's block lengths: its positions are only known when computed,
so every input block along the axis gives the rows wanted from it and one task per output block
puts them in order. A mask over several axes merges them first (``reshape``).

A lazy boolean mask gives blocks whose lengths are not known until computed: their chunks are
``math.nan``, as in dask.array; elementwise operations and reductions work on them as they are,
``compute_chunk_sizes()`` fills the lengths in, and operations that need them raise
``UnknownChunksError`` naming the operation.
"""

from __future__ import annotations

import bisect
import itertools
import math
from numbers import Integral
from typing import Any

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts
from frames.array.core import Array, blockwise, new_name
from frames.array.dispatch import implements
from frames.array.errors import ArrayError, UnknownChunksError


class IndexOutOfBoundsError(ArrayError, IndexError):
    """An index outside an axis (an ``IndexError`` too, as NumPy raises, so ``for row in x`` stops)."""


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _known(chunks: tuple) -> bool:
    return not any(_isnan(b) for b in chunks)


# -- the entry point ------------------------------------------------------------------------------

def getitem(x: Array, index: Any) -> Array:
    """``x[index]`` with NumPy's meaning, lazily."""
    items = _normalize_index(x, index if isinstance(index, tuple) else (index,))
    arrays = [i for i, ix in enumerate(items) if _is_array_index(ix)]
    if len(arrays) > 1:
        raise ArrayError("only one integer or boolean array index per indexing is supported "
                         "(index one axis at a time, or use x.vindex[...] for pointwise indexing)")
    if not arrays:
        return _basic(x, items)

    pos = arrays[0]
    ix = items[pos]
    in_axis = sum(1 for it in items[:pos] if it is not None)  # the axis of x the array indexes
    k = ix.ndim if ix.dtype == bool else 1  # the axes of x it covers
    # basic indexing first, with the array's axes kept whole; then the array along them
    basic = items[:pos] + [slice(None)] * k + items[pos + 1:]
    y = _basic(x, basic)
    axis = sum(1 for it in items[:pos] if not isinstance(it, Integral))  # the same axis in y
    if ix.dtype == bool and k > 1:
        ix, y = _merge_mask_axes(x, y, ix, in_axis, axis, k)
    if isinstance(ix, Array):
        if ix.dtype == bool:
            out = _mask_axis(y, ix, axis, in_axis, y.shape[axis])
        else:
            out = _take_lazy(y, ix, axis, in_axis)
    elif ix.dtype == bool:
        n = y.shape[axis]
        if _isnan(n):
            raise UnknownChunksError(f"indexing axis {in_axis} with a NumPy boolean mask needs its length: "
                                     "call compute_chunk_sizes() first")
        if ix.shape[0] != n:
            raise IndexOutOfBoundsError(f"boolean index of length {ix.shape[0]} does not match axis {in_axis} "
                                        f"of length {n}")
        out = take(y, np.flatnonzero(ix), axis=axis, _axis_name=in_axis)
    else:
        out = take(y, ix.ravel(), axis=axis, _axis_name=in_axis)
        if ix.ndim != 1:  # an n-d integer index: the axis becomes the index's shape
            from frames.array.reshape import reshape

            out = reshape(out, out.shape[:axis] + ix.shape + out.shape[axis + 1:])
    return _place_advanced(out, items, pos, axis, ix.ndim if ix.dtype != bool else 1)


def _merge_mask_axes(x: Array, y: Array, mask: Any, in_axis: int, axis: int, k: int) -> tuple[Any, Array]:
    """A k-d mask over axes ``axis..axis+k`` of ``y``: those axes merged into one (C order, as
    NumPy's result lists the true elements) and the mask flattened to match."""
    from frames.array.reshape import ravel, reshape

    covered = x.shape[in_axis:in_axis + k]
    if not any(_isnan(n) for n in tuple(mask.shape) + covered) and tuple(mask.shape) != covered:
        raise IndexOutOfBoundsError(f"boolean index of shape {tuple(mask.shape)} does not match axes "
                                    f"{in_axis}..{in_axis + k - 1} of shape {covered}")
    if not y.known_chunks:
        raise UnknownChunksError(f"a {k}-d boolean mask needs known chunk sizes (the masked axes are "
                                 "flattened): call compute_chunk_sizes() first")
    merged = reshape(y, y.shape[:axis] + (-1,) + y.shape[axis + k:])
    return (mask.ravel() if isinstance(mask, np.ndarray) else ravel(mask)), merged


def _place_advanced(out: Array, items: list, pos: int, axis: int, nd: int) -> Array:
    """NumPy puts an array index's axes first when ints (also "advanced" indices) are separated
    from it by a slice or newaxis; ``out`` has them where the array index stood."""
    advanced = [i for i, it in enumerate(items) if isinstance(it, Integral) or i == pos]
    if len(advanced) < 2 or advanced[-1] - advanced[0] == len(advanced) - 1 or axis == 0:
        return out
    from frames.array.reshape import moveaxis

    return moveaxis(out, list(range(axis, axis + nd)), list(range(nd)))


def _is_array_index(ix: Any) -> bool:
    return isinstance(ix, (Array, np.ndarray))


def _normalize_index(x: Array, index: tuple) -> list:
    """The index as a list of ints, slices, ``None`` and arrays, one consuming entry per axis
    (``Ellipsis`` expanded, lists made arrays, missing trailing axes filled with ``slice(None)``)."""
    items: list = []
    for ix in index:
        if isinstance(ix, list):
            ix = np.asarray(ix)
            if ix.size == 0:
                ix = ix.astype(np.intp)
        if isinstance(ix, np.ndarray) and ix.ndim == 0 and ix.dtype != bool:
            ix = ix.item()
        if isinstance(ix, (bool, np.bool_)):
            raise ArrayError("a boolean scalar index is not supported; use x[None] to add an axis")
        if isinstance(ix, (np.ndarray, Array)):
            if ix.dtype != bool and not np.issubdtype(ix.dtype, np.integer):
                raise ArrayError(f"arrays used as indices must be of integer or boolean type, not {ix.dtype}")
            if isinstance(ix, np.ndarray) and ix.ndim == 0:
                raise ArrayError("a 0-d boolean index is not supported")
        elif isinstance(ix, Integral):
            ix = int(ix)
        elif not (ix is None or ix is Ellipsis or isinstance(ix, slice)):
            raise ArrayError(f"cannot index an array with {type(ix).__name__} {ix!r}: use ints, slices, None, "
                             "Ellipsis, integer lists/arrays or boolean masks")
        items.append(ix)
    if sum(1 for ix in items if ix is Ellipsis) > 1:
        raise ArrayError("an index can only have a single Ellipsis ('...')")

    def consumes(ix: Any) -> int:
        if ix is None or ix is Ellipsis:
            return 0
        if _is_array_index(ix) and ix.dtype == bool:
            return ix.ndim
        return 1

    used = sum(consumes(ix) for ix in items)
    if used > x.ndim:
        raise IndexOutOfBoundsError(f"too many indices for array: array is {x.ndim}-dimensional, "
                                    f"but {used} were indexed")
    fill = [slice(None)] * (x.ndim - used)
    if any(ix is Ellipsis for ix in items):
        at = next(i for i, ix in enumerate(items) if ix is Ellipsis)
        items = items[:at] + fill + items[at + 1:]
    else:
        items = items + fill
    return items


# -- basic indexing ---------------------------------------------------------------------------------

def _slice_axis(chunks: tuple, ix: Any, axis: int) -> list[tuple[int, Any, Any]]:
    """For one axis: ``(input block, index inside it, output length)`` per output block, in
    order (an int gives one entry and no output axis)."""
    if isinstance(ix, slice) and ix == slice(None) or (isinstance(ix, slice) and ix.start in (None, 0)
                                                      and ix.stop is None and ix.step in (None, 1)):
        return [(b, slice(None), n) for b, n in enumerate(chunks)]
    if not _known(chunks):
        raise UnknownChunksError(f"indexing axis {axis} with {ix!r} needs its chunk sizes, which are unknown "
                                 "(after a boolean mask): call compute_chunk_sizes() first")
    n = sum(chunks)
    starts = block_starts(chunks)
    if isinstance(ix, int):
        i = ix + n if ix < 0 else ix
        if not 0 <= i < n:
            raise IndexOutOfBoundsError(f"index {ix} is out of bounds for axis {axis} with size {n}")
        b = bisect.bisect_right(starts, i) - 1
        while chunks[b] == 0:  # an empty block starting at the same place
            b += 1
        return [(b, i - starts[b], None)]
    r = range(*ix.indices(n))
    step = r.step
    out = []
    order = range(len(chunks)) if step > 0 else range(len(chunks) - 1, -1, -1)
    for b in order:
        lo, hi = starts[b], starts[b] + chunks[b]
        if hi <= lo:
            continue
        if step > 0:
            k0 = max(0, -(-(lo - r.start) // step))
            k1 = min(len(r), -(-(hi - r.start) // step))
        else:
            s = -step
            k0 = max(0, -(-(r.start - hi + 1) // s))
            k1 = min(len(r), (r.start - lo) // s + 1)
        if k1 <= k0:
            continue
        sub = r[k0:k1]
        stop = sub[-1] - lo + (1 if step > 0 else -1)
        out.append((b, slice(sub[0] - lo, stop if stop >= 0 else None, step), len(sub)))
    if not out:  # an empty result: an empty slice of the first block
        out.append((0, slice(0, 0), 0))
    return out


def _basic(x: Array, items: list) -> Array:
    """Ints, slices and ``None`` (one entry per axis of ``x`` besides the ``None``s)."""
    if all(isinstance(ix, slice) and ix == slice(None) for ix in items):
        return x
    plans = []  # per entry: ("axis", plan) for a consuming entry, ("new", None) for None
    axis = 0
    for ix in items:
        if ix is None:
            plans.append(("new", None))
        else:
            plans.append(("axis", _slice_axis(x.chunks[axis], ix, axis)))
            axis += 1
    out_chunks = []
    for kind, plan in plans:
        if kind == "new":
            out_chunks.append((1,))
        elif plan[0][2] is not None:
            out_chunks.append(tuple(length for _, _, length in plan))
    name = new_name("getitem")
    layer: dict = {}
    varying = [p for kind, p in plans if kind == "axis"]
    for combo in itertools.product(*(range(len(p)) for p in varying)):
        in_idx, local, out_idx = [], [], []
        it = iter(combo)
        for kind, plan in plans:
            if kind == "new":
                local.append(None)
                out_idx.append(0)
                continue
            j = next(it)
            b, loc, length = plan[j]
            in_idx.append(b)
            local.append(loc)
            if length is not None:
                out_idx.append(j)
        layer[(name, *out_idx)] = Task(_getitem, Ref((x.name, *in_idx)), tuple(local))
    return Array(layer, name, tuple(out_chunks), x.dtype, (x,), x._meta)


def _getitem(block: Any, index: tuple) -> Any:
    out = block[index]
    return out if isinstance(out, np.ndarray) else np.asarray(out)


# -- integer arrays: take -------------------------------------------------------------------------

@implements(np.take)
def take(x: Any, indices: Any, axis: int | None = None, out: Any = None, mode: str = "raise",
         _axis_name: int | None = None) -> Array:
    """``x`` at integer ``indices`` along ``axis`` (``np.take``; ``axis=None`` flattens first):
    out of order and repeated indices allowed, negative ones count from the end."""
    from frames.array.creation import asarray

    if out is not None or mode != "raise":
        raise ArrayError("take supports neither out= nor mode= other than 'raise'")
    x = asarray(x)
    if axis is None:
        from frames.array.reshape import ravel

        x, axis = ravel(x), 0
    axis = _axis(axis, x.ndim)
    shown = axis if _axis_name is None else _axis_name
    idx = np.asarray(indices)
    if idx.size == 0:
        idx = idx.astype(np.intp)
    if not np.issubdtype(idx.dtype, np.integer):
        raise ArrayError(f"take needs integer indices, not {idx.dtype}")
    shape_in = idx.shape
    idx = idx.ravel().astype(np.intp)
    chunks = x.chunks[axis]
    if not _known(chunks):
        raise UnknownChunksError(f"indexing axis {shown} with an integer array needs its chunk sizes, which are "
                                 "unknown (after a boolean mask): call compute_chunk_sizes() first")
    n = int(sum(chunks))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx[(idx < -n) | (idx >= n)][0])
        raise IndexOutOfBoundsError(f"index {bad} is out of bounds for axis {shown} with size {n}")
    idx = np.where(idx < 0, idx + n, idx)
    result = _take_blocks(x, idx, axis)
    if len(shape_in) != 1:
        from frames.array.reshape import reshape

        result = reshape(result, result.shape[:axis] + shape_in + result.shape[axis + 1:])
    return result


def _take_blocks(x: Array, idx: np.ndarray, axis: int) -> Array:
    chunks = x.chunks[axis]
    ends = np.cumsum(chunks)
    source = np.searchsorted(ends, idx, side="right")  # the block each wanted position is in
    local = idx - (ends[source] - np.asarray(chunks)[source]) if idx.size else idx
    pieces = _output_pieces(source, max(max(chunks), 1))
    name = new_name("take")
    split_name = name + "-piece"
    layer: dict = {}
    other_axes = [range(nb) if a != axis else [None] for a, nb in enumerate(x.numblocks)]
    for p, (a, b) in enumerate(pieces):
        src, loc = source[a:b], local[a:b]
        blocks = np.unique(src)
        for other in itertools.product(*other_axes):
            def in_key(j: int) -> tuple:
                return (x.name, *(j if o is None else o for o in other))

            out_key = (name, *(p if o is None else o for o in other))
            if len(blocks) <= 1:
                j = int(blocks[0]) if len(blocks) else 0
                layer[out_key] = Task(_take, Ref(in_key(j)), loc, axis)
                continue
            order = np.argsort(src, kind="stable")
            refs = []
            for j in blocks:
                piece_key = (split_name, *out_key[1:], int(j))
                layer[piece_key] = Task(_take, Ref(in_key(int(j))), loc[order][src[order] == j], axis)
                refs.append(Ref(piece_key))
            layer[out_key] = Task(_gather, refs, np.argsort(order, kind="stable"), axis)
    out_chunks = list(x.chunks)
    out_chunks[axis] = tuple(b - a for a, b in pieces)
    return Array(layer, name, tuple(out_chunks), x.dtype, (x,), x._meta)


def _output_pieces(source: np.ndarray, target: int) -> list[tuple[int, int]]:
    """Positions ``[a, b)`` of the output blocks: where the wanted positions are sorted, a block per
    input block touched (so chunks stay aligned), else blocks of ``target`` positions; never longer
    than ``target``."""
    n = len(source)
    if n == 0:
        return [(0, 0)]
    if n == 1 or np.all(source[1:] >= source[:-1]):
        cuts = [0] + list(np.flatnonzero(source[1:] != source[:-1]) + 1) + [n]
    else:
        cuts = [0, n]
    out = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        for s in range(a, b, target):
            out.append((s, min(b, s + target)))
    return out


def _take(block: np.ndarray, local: np.ndarray, axis: int) -> np.ndarray:
    return np.take(block, local, axis=axis)


def _gather(pieces: list, inverse: np.ndarray, axis: int) -> np.ndarray:
    """The pieces (taken from each input block in turn) joined and put back in the asked order."""
    return np.take(np.concatenate(pieces, axis=axis), inverse, axis=axis)


def _axis(axis: Any, ndim: int) -> int:
    if not isinstance(axis, Integral) or not -ndim <= axis < max(ndim, 1):
        raise ArrayError(f"axis {axis!r} is out of bounds for an array of {ndim} dimensions")
    return int(axis) % max(ndim, 1)


def _take_lazy(y: Array, idx: Array, axis: int, shown: int) -> Array:
    """``y`` at the positions of a lazy 1-D integer array along ``axis``: an output block per block
    of ``idx`` (same lengths). Which input block each position falls in is only known when the
    index is computed, so every input block along the axis gives the (few) rows wanted from it,
    and one task per output block puts them in order. Out-of-range positions raise when computed."""
    if idx.ndim != 1:
        raise ArrayError(f"a lazy integer index must be 1-d, not {idx.ndim}-d")
    chunks = y.chunks[axis]
    if not _known(chunks):
        raise UnknownChunksError(f"indexing axis {shown} with an integer array needs its chunk sizes, which are "
                                 "unknown (after a boolean mask): call compute_chunk_sizes() first")
    n = int(sum(chunks))
    starts = tuple(block_starts(chunks))
    name = new_name("take-lazy")
    layer: dict = {}
    other_axes = [range(nb) if a != axis else [None] for a, nb in enumerate(y.numblocks)]
    for p in range(idx.numblocks[0]):
        index_ref = Ref((idx.name, p))
        for other in itertools.product(*other_axes):
            out_key = (name, *(p if o is None else o for o in other))
            refs = []
            for j in range(len(chunks)):
                piece_key = (name + "-piece", *out_key[1:], j)
                in_key = (y.name, *(j if o is None else o for o in other))
                layer[piece_key] = Task(_take_in_block, Ref(in_key), index_ref, starts[j], chunks[j], n, axis)
                refs.append(Ref(piece_key))
            layer[out_key] = Task(_gather_in_order, refs, index_ref, starts, n, axis, shown)
    out_chunks = list(y.chunks)
    out_chunks[axis] = idx.chunks[0]
    return Array(layer, name, tuple(out_chunks), y.dtype, (y, idx), y._meta)


def _take_in_block(block: np.ndarray, idx: np.ndarray, start: int, length: int, n: int, axis: int) -> np.ndarray:
    idx = np.where(idx < 0, idx + n, idx)
    return np.take(block, idx[(idx >= start) & (idx < start + length)] - start, axis=axis)


def _gather_in_order(pieces: list, idx: np.ndarray, starts: tuple, n: int, axis: int, shown: int) -> np.ndarray:
    idx = np.asarray(idx)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx[(idx < -n) | (idx >= n)][0])
        raise IndexOutOfBoundsError(f"index {bad} is out of bounds for axis {shown} with size {n}")
    idx = np.where(idx < 0, idx + n, idx)
    source = np.searchsorted(np.asarray(starts), idx, side="right") - 1
    order = np.argsort(source, kind="stable")  # the pieces hold the positions in this order
    return np.take(np.concatenate(pieces, axis=axis), np.argsort(order, kind="stable"), axis=axis)


# -- boolean masks ----------------------------------------------------------------------------------

def _mask_axis(y: Array, mask: Array, axis: int, shown: int, length: Any) -> Array:
    """``y`` keeping the positions along ``axis`` where the 1-D lazy ``mask`` is true: blocks of
    unknown length."""
    if mask.ndim != 1:
        raise ArrayError(f"a lazy boolean mask along one axis must be 1-d, not {mask.ndim}-d")
    m = mask.shape[0]
    if not _isnan(m) and not _isnan(length) and m != length:
        raise IndexOutOfBoundsError(f"boolean index of length {m} does not match axis {shown} of length {length}")
    if y.chunks[axis] != mask.chunks[0] and not (_known(y.chunks[axis]) and _known(mask.chunks[0])):
        raise UnknownChunksError(f"masking axis {shown} with a mask chunked differently needs known chunk sizes: "
                                 "call compute_chunk_sizes() on both first")
    letters = tuple(range(y.ndim))
    from frames.array.chunks import common_chunks

    blocks = y.chunks[axis] if y.chunks[axis] == mask.chunks[0] else common_chunks(y.chunks[axis], mask.chunks[0])
    return blockwise(_mask_block, letters, y, letters, mask, (axis,), dtype=y.dtype, axis=axis,
                     adjust_chunks={axis: (math.nan,) * len(blocks)}, name=new_name("getitem-mask"), meta=y._meta)


def _mask_block(block: np.ndarray, mask: np.ndarray, axis: int) -> np.ndarray:
    return block[(slice(None),) * axis + (np.asarray(mask, dtype=bool),)]


# -- unknown chunk sizes ----------------------------------------------------------------------------

def compute_chunk_sizes(x: Array, scheduler: Any = None) -> Array:
    """Fill in ``x``'s unknown block lengths by computing its blocks' shapes (the blocks are
    computed, only their shapes come back); changes ``x`` in place and returns it, as dask does."""
    from frames.base import run

    if x.known_chunks:
        return x
    graph, keys = x._build_graph()
    name = new_name("chunk-shapes")
    shape_keys = []
    for i, key in enumerate(keys):
        graph[(name, i)] = Task(np.shape, Ref(key))
        shape_keys.append((name, i))
    shapes = run(graph, shape_keys, scheduler=scheduler)
    grid = list(itertools.product(*(range(n) for n in x.numblocks)))
    chunks = []
    for axis in range(x.ndim):
        lengths = [None] * x.numblocks[axis]
        for idx, shape in zip(grid, shapes):
            lengths[idx[axis]] = int(shape[axis])
        chunks.append(tuple(lengths))
    x._chunks = tuple(chunks)
    return x


# -- functions built on indexing ------------------------------------------------------------------------

@implements(np.flatnonzero)
def flatnonzero(a: Any) -> Array:
    """Positions of the non-zero elements in the flattened array (C order); length unknown."""
    from frames.array.creation import asarray
    from frames.array.reshape import ravel

    flat = ravel(asarray(a))
    chunks = flat.chunks[0]
    if not _known(chunks):
        raise UnknownChunksError("flatnonzero needs known chunk sizes (the positions count from the start): "
                                 "call compute_chunk_sizes() first")
    name = new_name("flatnonzero")
    layer = {(name, i): Task(_flatnonzero_block, Ref((flat.name, i)), start)
             for i, start in enumerate(block_starts(chunks))}
    return Array(layer, name, ((math.nan,) * len(chunks),), np.intp, (flat,))


def _flatnonzero_block(block: np.ndarray, start: int) -> np.ndarray:
    return np.flatnonzero(block) + start


@implements(np.argwhere)
def argwhere(a: Any) -> Array:
    """The indices of the non-zero elements, one row per element in C order (``np.argwhere``)."""
    from frames.array.creation import asarray

    a = asarray(a)
    if a.ndim == 0:
        raise ArrayError("argwhere of a 0-d array is not supported; use atleast_1d first")
    flat = flatnonzero(a)
    name = new_name("argwhere")
    layer = {(name, i, 0): Task(_unravel_rows, Ref(k), tuple(int(n) for n in a.shape))
             for i, k in enumerate(flat.keys_flat())}
    return Array(layer, name, (flat.chunks[0], (a.ndim,)), np.intp, (flat,))


def _unravel_rows(flat: np.ndarray, shape: tuple) -> np.ndarray:
    return np.stack(np.unravel_index(flat, shape), axis=1).astype(np.intp, copy=False) if len(shape) else flat


@implements(np.nonzero)
def nonzero(a: Any) -> tuple[Array, ...]:
    """One array of indices per axis, of the non-zero elements (``np.nonzero``; lengths unknown)."""
    from frames.array.creation import asarray

    a = asarray(a)
    if a.ndim == 0:
        raise ArrayError("nonzero of a 0-d array is not supported (NumPy deprecated it); use atleast_1d first")
    if a.ndim == 1:
        return (flatnonzero(a),)
    rows = argwhere(a)
    return tuple(rows[:, i] for i in range(a.ndim))


@implements(np.compress)
def compress(condition: Any, a: Any, axis: int | None = None, out: Any = None) -> Array:
    """The slices of ``a`` along ``axis`` where the 1-D ``condition`` is true (``np.compress``: a
    shorter condition selects among the first positions only)."""
    from frames.array.creation import asarray
    from frames.array.reshape import ravel

    if out is not None:
        raise ArrayError("compress does not support out=")
    a = asarray(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = _axis(axis, a.ndim)
    if isinstance(condition, Array):
        if condition.ndim != 1:
            raise ArrayError("compress needs a 1-d condition")
        cond = condition.astype(bool)
        n, m = a.shape[axis], cond.shape[0]
        if not _isnan(n) and not _isnan(m) and m != n:
            if m > n:
                raise IndexOutOfBoundsError(f"condition of length {m} is longer than axis {axis} of length {n}")
            a = getitem(a, (slice(None),) * axis + (slice(0, m),))
        return getitem(a, (slice(None),) * axis + (cond,))
    cond = np.asarray(condition, dtype=bool)
    if cond.ndim != 1:
        raise ArrayError("compress needs a 1-d condition")
    n = a.shape[axis]
    if not _isnan(n) and len(cond) > n:
        raise IndexOutOfBoundsError(f"condition of length {len(cond)} is longer than axis {axis} of length {n}")
    return take(a, np.flatnonzero(cond), axis=axis)


@implements(np.extract)
def extract(condition: Any, arr: Any) -> Array:
    """``arr``'s elements where ``condition`` is true, flattened (``np.extract``)."""
    from frames.array.creation import asarray
    from frames.array.reshape import ravel

    arr = asarray(arr)
    if isinstance(condition, Array):
        cond = condition.astype(bool)
        if cond.shape != arr.shape:
            raise ArrayError(f"extract needs a condition of the array's shape {arr.shape}, not {cond.shape}")
        return _mask_axis(ravel(arr), ravel(cond), 0, 0, arr.size)
    cond = np.asarray(condition)
    return take(ravel(arr), np.flatnonzero(cond), axis=0)


# -- pointwise indexing ---------------------------------------------------------------------------------

class VIndex:
    """``x.vindex[i, j]``: pointwise (NumPy-style, broadcast) fancy indexing with integer arrays."""

    def __init__(self, x: Array):
        self.x = x

    def __getitem__(self, index: Any) -> Array:
        return vindex(self.x, index if isinstance(index, tuple) else (index,))


def vindex(x: Array, index: tuple) -> Array:
    """Points ``(i[k], j[k], ...)`` of ``x`` for integer arrays broadcast together (the result's
    leading axes are the broadcast shape, followed by the axes not indexed). Each input block
    touched gives the points inside it; one task puts them in order (the result's leading axes
    are a single block)."""
    if any(isinstance(ix, Array) for ix in index):
        raise ArrayError("vindex with lazy index arrays is not supported: compute them first")
    if any(ix is None or ix is Ellipsis or isinstance(ix, slice) for ix in index):
        raise ArrayError("vindex takes integer arrays (or ints) only, one per leading axis; slice the result "
                         "or the array separately")
    if len(index) > x.ndim:
        raise IndexOutOfBoundsError(f"too many indices for array: array is {x.ndim}-dimensional, "
                                    f"but {len(index)} were indexed")
    arrays = [np.asarray(ix) for ix in index]
    for ix in arrays:
        if not np.issubdtype(ix.dtype, np.integer):
            raise ArrayError(f"vindex needs integer indices, not {ix.dtype}")
    try:
        arrays = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = [a.shape for a in arrays]
        raise ArrayError(f"vindex index arrays of shapes {shapes} cannot be broadcast together") from None
    k = len(arrays)
    point_shape = arrays[0].shape
    for axis in range(k):
        if not _known(x.chunks[axis]):
            raise UnknownChunksError(f"vindex along axis {axis} needs known chunk sizes: "
                                     "call compute_chunk_sizes() first")
    points = []
    blocks_of_points = []
    for axis, ix in enumerate(arrays):
        n = int(sum(x.chunks[axis]))
        flat = ix.ravel().astype(np.intp)
        if flat.size and (flat.min() < -n or flat.max() >= n):
            bad = int(flat[(flat < -n) | (flat >= n)][0])
            raise IndexOutOfBoundsError(f"index {bad} is out of bounds for axis {axis} with size {n}")
        flat = np.where(flat < 0, flat + n, flat)
        ends = np.cumsum(x.chunks[axis])
        b = np.searchsorted(ends, flat, side="right")
        points.append(flat - (ends[b] - np.asarray(x.chunks[axis])[b]))
        blocks_of_points.append(b)
    npoints = int(np.prod(point_shape)) if point_shape else 1
    rest = x.chunks[k:]
    name = new_name("vindex")
    layer: dict = {}
    block_ids = np.stack(blocks_of_points, axis=1) if npoints else np.zeros((0, k), dtype=np.intp)
    groups: dict[tuple, np.ndarray] = {}
    if npoints:
        uniq, inverse = np.unique(block_ids, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        for g, blk in enumerate(uniq):
            groups[tuple(int(v) for v in blk)] = np.flatnonzero(inverse == g)
    for rest_idx in itertools.product(*(range(len(c)) for c in rest)):
        refs, positions = [], []
        for blk, where in groups.items():
            piece_key = (name + "-piece", *blk, *rest_idx)
            local = tuple(p[where] for p in points)
            layer[piece_key] = Task(_points, Ref((x.name, *blk, *rest_idx)), local)
            refs.append(Ref(piece_key))
            positions.append(where)
        out_key = (name, *(0,) * len(point_shape), *rest_idx)
        rest_shape = tuple(c[i] for c, i in zip(rest, rest_idx))
        layer[out_key] = Task(_place_points, refs, positions, point_shape, rest_shape, x.dtype)
    out_chunks = tuple((n,) for n in point_shape) + rest
    return Array(layer, name, out_chunks, x.dtype, (x,), x._meta)


def _points(block: np.ndarray, local: tuple) -> np.ndarray:
    return block[local]


def _place_points(pieces: list, positions: list, point_shape: tuple, rest_shape: tuple, dtype: Any) -> np.ndarray:
    npoints = int(np.prod(point_shape)) if point_shape else 1
    out = np.empty((npoints,) + rest_shape, dtype=dtype)
    for piece, where in zip(pieces, positions):
        out[where] = piece
    return out.reshape(point_shape + rest_shape)


__all__ = ["getitem", "take", "compute_chunk_sizes", "nonzero", "argwhere", "flatnonzero", "compress", "extract",
           "vindex", "VIndex", "IndexOutOfBoundsError"]
