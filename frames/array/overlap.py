"""Neighbourhood operations: blocks that share ``depth`` cells with their neighbours.

``overlap(x, depth, boundary)`` gives every block the ``depth`` cells on each side of it, taken
from the neighbouring blocks inside the array and made up by the ``boundary`` rule outside it;
``trim_internal`` cuts them off again; ``map_overlap(func, x, depth=..., boundary=...)`` is the
two around ``map_blocks``, as ``dask.array.map_overlap`` (a filter, a stencil, a rolling window
computed per block gives the answer the whole array would).

How a block is made: along each axis, the cells a block needs are an index range of the padded
array, ``[start - depth, stop + depth)``. Each index is mapped to the cell of the original array it
reads (``periodic`` wraps, ``reflect`` mirrors with the edge cell repeated as ``np.pad``'s
"symmetric", ``nearest`` repeats the edge cell, a constant reads none) and the run of indices
falling in one source block becomes one piece: a slice (or an index array) of that block, cut by
its own small task so only the sliver travels to the block's task, which joins the pieces. This
holds for any depth: neighbours thinner than ``depth`` give a piece each (dask rechunks them
away instead), and a depth beyond the array's length wraps or mirrors again, as ``np.pad`` does.
"""

from __future__ import annotations

import itertools
import math
from numbers import Integral, Number
from typing import Any, Callable

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts, common_chunks
from frames.array.core import Array, assemble, map_blocks, new_name
from frames.array.errors import ArrayError, UnknownChunksError

BOUNDARIES = ("reflect", "periodic", "nearest", "none")


def coerce_depth(ndim: int, depth: Any) -> dict[int, tuple[int, int]]:
    """``depth`` (an int for every axis, a tuple per axis, or ``{axis: d}``; each ``d`` an int or a
    ``(before, after)`` pair) as ``{axis: (before, after)}`` for every axis."""
    if depth is None:
        depth = 0
    if isinstance(depth, Integral):
        per_axis = {a: depth for a in range(ndim)}
    elif isinstance(depth, (tuple, list)):
        if len(depth) != ndim:
            raise ArrayError(f"depth {tuple(depth)} has {len(depth)} entries for an array of {ndim} dimensions")
        per_axis = dict(enumerate(depth))
    elif isinstance(depth, dict):
        per_axis = {}
        for axis, d in depth.items():
            if not isinstance(axis, Integral) or not -ndim <= axis < ndim:
                raise ArrayError(f"depth names axis {axis!r}, but the array has {ndim} dimensions")
            per_axis[int(axis) % ndim] = d
    else:
        raise ArrayError(f"depth must be an int, a tuple per axis or a dict {{axis: depth}}, not {depth!r}")
    out = {}
    for axis in range(ndim):
        d = per_axis.get(axis, 0)
        pair = (d, d) if isinstance(d, Integral) else tuple(d) if isinstance(d, (tuple, list)) else None
        if pair is None or len(pair) != 2 or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in pair):
            raise ArrayError(f"depth {d!r} along axis {axis} is not an int or a (before, after) pair of ints")
        if min(pair) < 0:
            raise ArrayError(f"depth {d!r} along axis {axis} is negative")
        out[axis] = (int(pair[0]), int(pair[1]))
    return out


def coerce_boundary(ndim: int, boundary: Any) -> dict[int, Any]:
    """``boundary`` (one rule, a tuple per axis or ``{axis: rule}``; a rule is ``'reflect'``,
    ``'periodic'``, ``'nearest'``, ``'none'`` (dask's default) or a constant) per axis."""
    if boundary is None:
        boundary = "none"
    if isinstance(boundary, dict):
        for axis in boundary:
            if not isinstance(axis, Integral) or not -ndim <= axis < ndim:
                raise ArrayError(f"boundary names axis {axis!r}, but the array has {ndim} dimensions")
        per_axis = {int(a) % ndim: b for a, b in boundary.items()}
    elif isinstance(boundary, tuple):
        if len(boundary) != ndim:
            raise ArrayError(f"boundary {boundary} has {len(boundary)} entries for an array of {ndim} dimensions")
        per_axis = dict(enumerate(boundary))
    else:
        per_axis = {a: boundary for a in range(ndim)}
    out = {}
    for axis in range(ndim):
        rule = per_axis.get(axis, "none")
        if rule is None:
            rule = "none"
        if isinstance(rule, str):
            if rule not in BOUNDARIES:
                raise ArrayError(f"boundary {rule!r} along axis {axis} is not one of {', '.join(map(repr, BOUNDARIES))} "
                                 f"or a constant value")
        elif not isinstance(rule, (Number, np.generic)):
            raise ArrayError(f"boundary {rule!r} along axis {axis} is not one of {', '.join(map(repr, BOUNDARIES))} "
                             f"or a constant value")
        out[axis] = rule
    return out


def _is_constant(rule: Any) -> bool:
    return not isinstance(rule, str)


def _effective(rule: Any, length: int) -> Any:
    """An empty axis has no cells to wrap, mirror or repeat: only a constant pads it."""
    return "none" if length == 0 and not _is_constant(rule) else rule


def _sources(rule: Any, length: int, lo: int, hi: int) -> np.ndarray:
    """The original cell each index ``lo <= v < hi`` of the padded axis reads (-1: the constant)."""
    v = np.arange(lo, hi)
    if rule == "periodic":
        return v % length
    if rule == "reflect":  # mirror with the edge repeated, period 2 * length (np.pad "symmetric")
        w = v % (2 * length)
        return np.where(w < length, w, 2 * length - 1 - w)
    if rule == "nearest":
        return np.clip(v, 0, length - 1)
    out = v.copy()
    out[(v < 0) | (v >= length)] = -1  # a constant (or "none", whose ranges never leave the array)
    return out


def _axis_pieces(chunks: tuple, before: int, after: int, rule: Any) -> tuple[list, tuple]:
    """For each block along one axis: its pieces ``(source block or None, index)`` in order, and
    the overlapped blocks' lengths."""
    length = int(sum(chunks))
    rule = _effective(rule, length)
    starts = block_starts(chunks)
    bounds = np.asarray(starts[1:], dtype=np.int64)
    out, lengths = [], []
    for j, (start, size) in enumerate(zip(starts, chunks)):
        lo, hi = start - before, start + size + after
        if rule == "none":
            lo, hi = max(lo, 0), min(hi, length)
        src = _sources(rule, length, lo, hi)
        pieces = []
        if src.size:
            owner = np.where(src < 0, -1, np.searchsorted(bounds, src, side="right"))
            cuts = np.flatnonzero(np.diff(owner)) + 1
            for run, who in zip(np.split(src, cuts), owner[np.r_[0, cuts]]):
                if who < 0:
                    pieces.append((None, len(run)))
                else:
                    pieces.append((int(who), _index(run - starts[who])))
        else:  # an empty block stays empty: its own (empty) cells
            pieces.append((j, slice(0, 0)))
        out.append(pieces)
        lengths.append(hi - lo)
    return out, tuple(lengths)


def _index(local: np.ndarray) -> slice | np.ndarray:
    """A run of cell indices inside one block as a slice when it is one (a view), else an array."""
    if len(local) == 1:
        return slice(int(local[0]), int(local[0]) + 1)
    step = int(local[1] - local[0])
    if step in (1, -1) and np.all(np.diff(local) == step):
        first, last = int(local[0]), int(local[-1])
        return slice(first, last + 1) if step == 1 else slice(first, last - 1 if last > 0 else None, -1)
    return local


class _Fill:
    """A piece made of the boundary constant (built in the task that needs it)."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple):
        self.shape = shape

    def __reduce__(self):
        return (_Fill, (self.shape,))


def _take(block: np.ndarray, index: tuple) -> np.ndarray:
    """``block`` cut by a per-axis index of slices and index arrays (arrays taken axis by axis,
    not broadcast together as NumPy's fancy indexing would)."""
    basic = tuple(i if isinstance(i, slice) else slice(None) for i in index)
    out = block[basic]
    for axis, i in enumerate(index):
        if not isinstance(i, slice):
            out = np.take(out, i, axis=axis)
    return out


def _join(pieces: list, grid: tuple, fill: Any, dtype: np.dtype) -> np.ndarray:
    parts = [np.full(p.shape, fill, dtype=dtype) if isinstance(p, _Fill) else p for p in pieces]
    return assemble(parts, grid)


def overlap(x: Array, depth: Any, boundary: Any = None) -> Array:
    """``x`` with every block extended by ``depth`` cells of its neighbours on each side (of the
    ``boundary`` rule at the array's edges; ``'none'`` leaves the edges as they are)."""
    if not isinstance(x, Array):
        raise ArrayError(f"overlap takes a frames array, not {type(x).__name__}")
    depths = coerce_depth(x.ndim, depth)
    rules = coerce_boundary(x.ndim, boundary)
    for axis in range(x.ndim):
        if depths[axis] != (0, 0) and any(isinstance(b, float) and math.isnan(b) for b in x.chunks[axis]):
            raise UnknownChunksError(f"overlap along axis {axis} needs known block lengths: call compute_chunk_sizes() first")
    if all(d == (0, 0) for d in depths.values()):
        return x
    constants = {rules[a] for a in range(x.ndim) if _is_constant(rules[a]) and depths[a] != (0, 0)}
    if len(constants) > 1:
        raise ArrayError(f"overlap: one constant boundary value per array, not {sorted(constants)}")
    fill = next(iter(constants), 0)
    per_axis, out_chunks = [], []
    for axis in range(x.ndim):
        before, after = depths[axis]
        if (before, after) == (0, 0):
            per_axis.append([[(j, slice(None))] for j in range(len(x.chunks[axis]))])
            out_chunks.append(x.chunks[axis])
            continue
        pieces, lengths = _axis_pieces(x.chunks[axis], before, after, rules[axis])
        per_axis.append(pieces)
        out_chunks.append(lengths)
    name = new_name("overlap")
    piece_name = name + "-piece"
    layer: dict = {}
    inner: dict = {}
    for idx in itertools.product(*(range(len(c)) for c in x.chunks)):
        along = [per_axis[a][j] for a, j in enumerate(idx)]
        grid = tuple(len(p) for p in along)
        pieces: list = []
        for n, combo in enumerate(itertools.product(*along)):
            if any(src is None for src, _ in combo):
                shape = tuple(ix if src is None else _length(ix, x.chunks[a][src])
                              for a, (src, ix) in enumerate(combo))
                pieces.append(_Fill(shape))
                continue
            key = (x.name, *(src for src, _ in combo))
            index = tuple(ix for _, ix in combo)
            if key[1:] == idx and all(isinstance(i, slice) and i.indices(n_a) == (0, n_a, 1)
                                      for i, n_a in zip(index, (x.chunks[a][j] for a, j in enumerate(idx)))):
                pieces.append(Ref(key))  # the block itself, whole
                continue
            pkey = (piece_name, *idx, n)
            inner[pkey] = Task(_take, Ref(key), index)
            pieces.append(Ref(pkey))
        layer[(name, *idx)] = Task(_join, pieces, grid, fill, x.dtype)
    carrier = Array(inner, piece_name, (), x.dtype, (x,))  # holds the slivers' tasks
    return Array(layer, name, tuple(out_chunks), x.dtype, (x, carrier), x._meta)


def _length(index: slice | np.ndarray, size: int) -> int:
    return len(range(*index.indices(size))) if isinstance(index, slice) else len(index)


def _trim_block(block: np.ndarray, index: tuple) -> np.ndarray:
    return block[index]


def trim_internal(x: Array, axes: Any, boundary: Any = None) -> Array:
    """Cut the cells ``overlap(…, axes, boundary)`` added off every block of ``x`` (an array whose
    blocks have the overlapped shape): ``axes`` cells from each side, except where ``boundary``
    is ``'none'`` at the array's edges (nothing was added there)."""
    depths = coerce_depth(x.ndim, axes)
    rules = coerce_boundary(x.ndim, boundary)
    cuts, out_chunks = [], []
    for axis in range(x.ndim):
        before, after = depths[axis]
        blocks = x.chunks[axis]
        rule = rules[axis]
        per_block, lengths = [], []
        for j, size in enumerate(blocks):
            lo = 0 if (j == 0 and rule == "none") else before
            hi = 0 if (j == len(blocks) - 1 and rule == "none") else after
            if isinstance(size, float) and math.isnan(size):
                raise UnknownChunksError("trim_internal needs known block lengths: call compute_chunk_sizes() first")
            if size == 0 and not _is_constant(rule):
                lo = hi = 0  # an empty axis was not extended (see _effective)
            if lo + hi > size:
                raise ArrayError(f"trim_internal: block {j} along axis {axis} has {size} cells, fewer than the "
                                 f"{lo + hi} to trim (was it made by overlap with depth {axes!r}?)")
            per_block.append(slice(lo, size - hi))
            lengths.append(size - lo - hi)
        cuts.append(per_block)
        out_chunks.append(tuple(lengths))
    if all(s == slice(0, n) for c, blocks in zip(cuts, x.chunks) for s, n in zip(c, blocks)):
        return x
    name = new_name("trim")
    layer = {}
    for idx in itertools.product(*(range(len(c)) for c in x.chunks)):
        layer[(name, *idx)] = Task(_trim_block, Ref((x.name, *idx)), tuple(cuts[a][j] for a, j in enumerate(idx)))
    return Array(layer, name, tuple(out_chunks), x.dtype, (x,), x._meta)


def _per_array(value: Any, n: int, what: str) -> list:
    if isinstance(value, list):
        if len(value) != n:
            raise ArrayError(f"map_overlap: {what} is a list of {len(value)} for {n} arrays")
        return value
    return [value] * n


def map_overlap(func: Callable, *args: Any, depth: Any = None, boundary: Any = None, trim: bool = True,
                align_arrays: bool = True, **kwargs: Any) -> Array:
    """``func`` on every block extended by ``depth`` neighbouring cells (``boundary`` rule at the
    edges), the extension cut off the results again (``trim=True``), as
    ``dask.array.map_overlap``. ``depth`` and ``boundary`` may be lists, one per array argument;
    other keyword arguments go to ``map_blocks`` (``dtype``, ``chunks``, ...) and ``func``."""
    if not callable(func):
        raise ArrayError(f"map_overlap takes the function first, not {type(func).__name__}")
    positions = [i for i, a in enumerate(args) if isinstance(a, Array)]
    if not positions:
        raise ArrayError("map_overlap needs at least one frames array among its arguments")
    depths = _per_array(depth, len(positions), "depth")
    rules = _per_array(boundary, len(positions), "boundary")
    arrays = [args[i] for i in positions]
    if align_arrays and len(arrays) > 1 and len({a.shape for a in arrays}) == 1 and arrays[0].known_chunks:
        common = tuple(common_chunks(*(a.chunks[axis] for a in arrays)) for axis in range(arrays[0].ndim))
        arrays = [a if a.chunks == common else a.rechunk(common) for a in arrays]
    new_args = list(args)
    for i, a, d, b in zip(positions, arrays, depths, rules):
        new_args[i] = overlap(a, d, b)
    shapes = {new_args[i].chunks for i in positions if new_args[i].ndim == arrays[0].ndim}
    if len(shapes) > 1 and len({a.chunks for a in arrays}) == 1:
        raise ArrayError("map_overlap: the depths given per array make blocks of different shapes "
                         "(one block grid is needed); use one depth for arrays of the same shape")
    out = map_blocks(func, *new_args, **kwargs)
    if not trim:
        return out
    first = arrays[0]
    if out.ndim != first.ndim:
        raise ArrayError(f"map_overlap: func changed the number of dimensions ({first.ndim} -> {out.ndim}); "
                         f"pass trim=False and trim the result yourself")
    return trim_internal(out, depths[0], rules[0])


__all__ = ["overlap", "trim_internal", "map_overlap", "coerce_depth", "coerce_boundary", "BOUNDARIES"]
