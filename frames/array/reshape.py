"""Changing an array's shape or axis order: ``reshape``/``ravel``, ``transpose``/``swapaxes``/
``moveaxis``, ``squeeze``/``expand_dims``, ``broadcast_to``, ``atleast_*d``, ``flip``, ``roll``.

``reshape`` follows dask's algorithm (``reshape_rechunk``): axes are matched from the last one
back; where several input axes become one output axis (or the reverse), the inner axes of the
group are made whole blocks and the outer axis keeps (a refinement of) its blocks, so every input
block becomes exactly one output block with a plain ``np.reshape`` and only the axes that must
merge are rechunked. Row-major (C) order, as NumPy. Shapes whose axes do not group that way
(``(6, 4) -> (4, 6)``) go through the flat array.

The rest are metadata changes over ``blockwise`` or indexing: no data moves between blocks except
in ``roll``.
"""

from __future__ import annotations

import itertools
import math
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from exec import Ref, Task
from frames.array.core import Array, blockwise, new_name
from frames.array.dispatch import implements
from frames.array.errors import ArrayError, UnknownChunksError


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _asarray(x: Any) -> Array:
    from frames.array.creation import asarray

    return asarray(x)


# -- reshape -------------------------------------------------------------------------------------------

class _NotGrouped(Exception):
    """The two shapes' axes do not group into products of each other."""


def _expand(blocks: tuple, factor: int) -> tuple:
    """``blocks`` split so there are about ``factor`` times as many (dask's ``expand_tuple``): a
    merged group of axes makes blocks ``factor`` times larger, so the outer axis' blocks shrink."""
    if factor == 1:
        return blocks
    out = []
    for c in blocks:
        rest = c
        part = max(c / factor, 1)
        while rest >= 2 * part:
            out.append(int(part))
            rest -= int(part)
        if rest:
            out.append(rest)
    return tuple(out)


def _contract(blocks: tuple, factor: int) -> tuple:
    """``blocks`` merged so each is a multiple of ``factor`` (dask's ``contract_tuple``)."""
    out, carry = [], 0
    for c in blocks:
        c += carry
        good = factor * (c // factor)
        carry = c - good
        if good:
            out.append(good)
    return tuple(out)


def reshape_chunks(inshape: tuple, outshape: tuple, inchunks: tuple) -> tuple[tuple, tuple]:
    """The chunks to rechunk the input to, and the output's chunks, such that input block k (C
    order of the grid) reshapes to output block k. Raises ``_NotGrouped`` when the axes do not
    group."""
    ii, oi = len(inshape) - 1, len(outshape) - 1
    rin: list = [None] * len(inshape)
    rout: list = [None] * len(outshape)
    while ii >= 0 or oi >= 0:
        if ii >= 0 and oi >= 0 and inshape[ii] == outshape[oi]:
            rin[ii] = rout[oi] = inchunks[ii]
            ii, oi = ii - 1, oi - 1
        elif ii >= 0 and inshape[ii] == 1:
            rin[ii] = (1,)
            ii -= 1
        elif oi >= 0 and outshape[oi] == 1:
            rout[oi] = (1,)
            oi -= 1
        elif ii < 0 or oi < 0:
            raise _NotGrouped
        elif inshape[ii] < outshape[oi]:  # several input axes become output axis oi
            left = ii - 1
            while left >= 0 and math.prod(inshape[left:ii + 1]) < outshape[oi]:
                left -= 1
            if left < 0 or math.prod(inshape[left:ii + 1]) != outshape[oi]:
                raise _NotGrouped
            if all(len(inchunks[i]) == inshape[i] for i in range(left, ii)):
                # the outer axes are one element per block: blocks just line up, nothing merges
                for i in range(left, ii + 1):
                    rin[i] = inchunks[i]
                rout[oi] = inchunks[ii] * math.prod(len(inchunks[i]) for i in range(left, ii))
            else:
                for i in range(left + 1, ii + 1):
                    rin[i] = (inshape[i],)
                rin[left] = _expand(inchunks[left], math.prod(len(inchunks[i]) for i in range(left + 1, ii + 1)))
                inner = math.prod(inshape[left + 1:ii + 1])
                rout[oi] = tuple(c * inner for c in rin[left])
            oi, ii = oi - 1, left - 1
        else:  # input axis ii becomes several output axes
            left = oi - 1
            while left >= 0 and math.prod(outshape[left:oi + 1]) < inshape[ii]:
                left -= 1
            if left < 0 or math.prod(outshape[left:oi + 1]) != inshape[ii]:
                raise _NotGrouped
            inner = math.prod(outshape[left + 1:oi + 1])
            rin[ii] = _contract(inchunks[ii], inner)
            for i in range(left + 1, oi + 1):
                rout[i] = (outshape[i],)
            rout[left] = tuple(c // inner for c in rin[ii])
            oi, ii = left - 1, ii - 1
    return tuple(rin), tuple(rout)


def _normalize_shape(shape: Any, size: int, original: tuple) -> tuple[int, ...]:
    if isinstance(shape, Integral):
        shape = (shape,)
    try:
        shape = tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ArrayError(f"reshape needs a shape of ints, not {shape!r}") from None
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise ArrayError(f"reshape to {shape}: only one dimension can be -1")
    if any(s < -1 for s in shape):
        raise ArrayError(f"reshape to {shape}: negative dimensions are not allowed")
    if unknown:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or size % known:
            raise ArrayError(f"cannot reshape array of size {size} (shape {original}) into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != size:
        raise ArrayError(f"cannot reshape array of size {size} (shape {original}) into shape {shape}")
    return shape


def reshape(x: Any, shape: Any, merge_chunks: bool = True, limit: Any = None) -> Array:
    """``x`` with a new ``shape`` (one entry may be -1), in C order, as ``np.reshape``; only the
    axes that merge or split are rechunked (``merge_chunks=False`` first makes the leading axes
    that disappear one element per block, so no block grows)."""
    from frames.array.rechunk import rechunk

    x = _asarray(x)
    flat_request = (isinstance(shape, Integral) and shape == -1) or (
        isinstance(shape, (tuple, list)) and len(shape) == 1 and shape[0] == -1)
    if flat_request and x.ndim == 1:
        return x  # ravel of a 1-d array: fine with unknown chunks too
    if not x.known_chunks:
        raise UnknownChunksError("reshape needs known chunk sizes (after a boolean mask they are not): "
                                 "call compute_chunk_sizes() first")
    size = int(math.prod(x.shape))
    shape = _normalize_shape(shape, size, x.shape)
    if shape == x.shape:
        return x
    name = new_name("reshape")
    if x.npartitions == 1 or size == 0:
        if x.npartitions != 1:
            x = rechunk(x, tuple((int(n),) for n in x.shape))
        layer = {(name, *(0,) * len(shape)): Task(_reshape, Ref(x.keys_flat()[0]), shape)}
        return Array(layer, name, tuple((n,) for n in shape), x.dtype, (x,), x._meta)
    if not merge_chunks and x.ndim > len(shape):
        x = rechunk(x, {i: 1 for i in range(x.ndim - len(shape))})
    try:
        inchunks, outchunks = reshape_chunks(x.shape, shape, x.chunks)
    except _NotGrouped:
        return reshape(reshape(x, (size,), merge_chunks, limit), shape, merge_chunks, limit)
    x2 = rechunk(x, inchunks, block_size_limit=limit)
    layer = {}
    for in_key, out_idx, block_shape in zip(x2.keys_flat(), itertools.product(*(range(len(c)) for c in outchunks)),
                                            itertools.product(*outchunks)):
        layer[(name, *out_idx)] = Task(_reshape, Ref(in_key), tuple(block_shape))
    return Array(layer, name, outchunks, x.dtype, (x2,), x._meta)


def _reshape(block: np.ndarray, shape: tuple) -> np.ndarray:
    return np.reshape(block, shape)


def ravel(x: Any) -> Array:
    """``x`` flattened in C order (``np.ravel``)."""
    return reshape(x, -1)


flatten = ravel


@implements(np.reshape)
def _np_reshape(a: Any, *args: Any, shape: Any = None, newshape: Any = None, order: str = "C",
                copy: Any = None) -> Array:
    if args:
        shape = args[0]
        if len(args) > 1:
            order = args[1]
    shape = shape if shape is not None else newshape
    _c_order(order, "reshape")
    return reshape(a, shape)


@implements(np.ravel)
def _np_ravel(a: Any, order: str = "C") -> Array:
    _c_order(order, "ravel")
    return ravel(a)


def _c_order(order: str, what: str) -> None:
    if order not in ("C", "A", "K", None):
        raise ArrayError(f"{what} supports only order='C' (row-major), not order={order!r}")


# -- axis order --------------------------------------------------------------------------------------

def _axis(axis: Any, ndim: int, what: str = "axis") -> int:
    if not isinstance(axis, Integral) or not -ndim <= axis < ndim:
        raise ArrayError(f"{what} {axis!r} is out of bounds for an array of {ndim} dimensions")
    return int(axis) % ndim


def _axes(axis: Any, ndim: int, what: str = "axis") -> tuple[int, ...]:
    axes = (axis,) if isinstance(axis, Integral) else tuple(axis)
    out = tuple(_axis(a, ndim, what) for a in axes)
    if len(set(out)) != len(out):
        raise ArrayError(f"repeated {what} in {axis!r}")
    return out


@implements(np.transpose)
def transpose(a: Any, axes: Any = None) -> Array:
    """``a`` with its axes permuted (reversed by default), as ``np.transpose``: each block transposed."""
    x = _asarray(a)
    if axes is None:
        axes = tuple(range(x.ndim))[::-1]
    else:
        axes = _axes(axes, x.ndim)
        if len(axes) != x.ndim:
            raise ArrayError(f"axes {tuple(axes)} do not match an array of {x.ndim} dimensions")
    if axes == tuple(range(x.ndim)):
        return x
    letters = tuple(range(x.ndim))
    return blockwise(_transpose, tuple(letters[a] for a in axes), x, letters, axes=tuple(axes), dtype=x.dtype,
                     name=new_name("transpose"), meta=x._meta)


def _transpose(block: np.ndarray, axes: tuple) -> np.ndarray:
    return np.transpose(block, axes)


@implements(np.swapaxes)
def swapaxes(a: Any, axis1: int, axis2: int) -> Array:
    x = _asarray(a)
    i, j = _axis(axis1, x.ndim, "axis1"), _axis(axis2, x.ndim, "axis2")
    order = list(range(x.ndim))
    order[i], order[j] = order[j], order[i]
    return transpose(x, order)


@implements(np.moveaxis)
def moveaxis(a: Any, source: Any, destination: Any) -> Array:
    x = _asarray(a)
    src = _axes(source, x.ndim, "source")
    dst = _axes(destination, x.ndim, "destination")
    if len(src) != len(dst):
        raise ArrayError("moveaxis needs as many destination axes as source axes")
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


# -- adding and removing length-1 axes -------------------------------------------------------------

@implements(np.squeeze)
def squeeze(a: Any, axis: Any = None) -> Array:
    """``a`` without its length-1 axes (or only the ones named, which must have length 1)."""
    from frames.array.slicing import getitem

    x = _asarray(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = _axes(axis, x.ndim)
        for i in axes:
            if x.shape[i] != 1:
                raise ArrayError(f"cannot squeeze axis {i}: its length is {x.shape[i]}, not 1")
    if not axes:
        return x
    return getitem(x, tuple(0 if i in axes else slice(None) for i in range(x.ndim)))


@implements(np.expand_dims)
def expand_dims(a: Any, axis: Any) -> Array:
    """``a`` with new length-1 axes at ``axis`` (positions in the result)."""
    from frames.array.slicing import getitem

    x = _asarray(a)
    n = x.ndim + (1 if isinstance(axis, Integral) else len(tuple(axis)))
    axes = _axes(axis, n)
    index, it = [], iter(range(x.ndim))
    for i in range(n):
        if i in axes:
            index.append(None)
        else:
            next(it)
            index.append(slice(None))
    return getitem(x, tuple(index))


@implements(np.atleast_1d)
def atleast_1d(*arys: Any) -> Any:
    out = [_asarray(a) if _asarray(a).ndim >= 1 else reshape(_asarray(a), (1,)) for a in arys]
    return out[0] if len(out) == 1 else out


@implements(np.atleast_2d)
def atleast_2d(*arys: Any) -> Any:
    out = []
    for a in arys:
        x = _asarray(a)
        out.append(x if x.ndim >= 2 else expand_dims(reshape(x, (1,)) if x.ndim == 0 else x, 0))
    return out[0] if len(out) == 1 else out


@implements(np.atleast_3d)
def atleast_3d(*arys: Any) -> Any:
    from frames.array.slicing import getitem

    out = []
    for a in arys:
        x = _asarray(a)
        if x.ndim == 0:
            x = getitem(x, (None, None, None))
        elif x.ndim == 1:
            x = getitem(x, (None, slice(None), None))
        elif x.ndim == 2:
            x = getitem(x, (slice(None), slice(None), None))
        out.append(x)
    return out[0] if len(out) == 1 else out


# -- broadcasting --------------------------------------------------------------------------------------

@implements(np.broadcast_to)
def broadcast_to(array: Any, shape: Any, chunks: Any = None, subok: bool = False) -> Array:
    """``array`` repeated along new leading axes and its length-1 axes (NumPy's rules); each block
    is a read-only broadcast view of one input block. ``chunks`` gives the blocks of the new and
    the broadcast axes (default: one block each)."""
    from frames.array.chunks import normalize_chunks

    x = _asarray(array)
    shape = (int(shape),) if isinstance(shape, Integral) else tuple(int(s) for s in shape)
    extra = len(shape) - x.ndim
    if extra < 0 or any(n < 0 for n in shape):
        raise ArrayError(f"cannot broadcast an array of shape {x.shape} to shape {shape}")
    given = normalize_chunks(chunks, shape, x.dtype) if chunks is not None else None
    out_chunks = []
    for i, n in enumerate(shape):
        if i < extra:
            out_chunks.append(given[i] if given else (n,))
            continue
        have = x.shape[i - extra]
        if have == n or (_isnan(have) and _isnan(n)):
            out_chunks.append(x.chunks[i - extra])
        elif have == 1:
            out_chunks.append(given[i] if given else (n,))
        elif _isnan(have):
            raise UnknownChunksError("broadcast_to needs known chunk sizes: call compute_chunk_sizes() first")
        else:
            raise ArrayError(f"cannot broadcast an array of shape {x.shape} to shape {shape} (axis {i})")
    name = new_name("broadcast_to")
    layer = {}
    for idx in itertools.product(*(range(len(c)) for c in out_chunks)):
        in_idx = tuple(0 if x.shape[a] == 1 and shape[a + extra] != 1 else idx[a + extra] for a in range(x.ndim))
        block_shape = tuple(c[i] for c, i in zip(out_chunks, idx))
        layer[(name, *idx)] = Task(np.broadcast_to, Ref((x.name, *in_idx)), block_shape)
    return Array(layer, name, tuple(out_chunks), x.dtype, (x,), x._meta)


# -- reversing and rolling -------------------------------------------------------------------------

@implements(np.flip)
def flip(m: Any, axis: Any = None) -> Array:
    """``m`` reversed along ``axis`` (all axes by default)."""
    from frames.array.slicing import getitem

    x = _asarray(m)
    axes = tuple(range(x.ndim)) if axis is None else _axes(axis, x.ndim)
    return getitem(x, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(x.ndim)))


@implements(np.fliplr)
def fliplr(m: Any) -> Array:
    x = _asarray(m)
    if x.ndim < 2:
        raise ArrayError("fliplr needs an array of at least 2 dimensions")
    return flip(x, 1)


@implements(np.flipud)
def flipud(m: Any) -> Array:
    x = _asarray(m)
    if x.ndim < 1:
        raise ArrayError("flipud needs an array of at least 1 dimension")
    return flip(x, 0)


@implements(np.roll)
def roll(a: Any, shift: Any, axis: Any = None) -> Array:
    """``a`` rolled by ``shift`` along ``axis`` (flattened when None), as ``np.roll``: each output
    block is taken from the (at most two or three) input blocks it comes from."""
    from frames.array.slicing import take

    x = _asarray(a)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = (shift,) if isinstance(shift, Integral) else tuple(shift)
    axes = (axis,) if isinstance(axis, Integral) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(shifts) != len(axes):
        raise ArrayError(f"roll needs as many shifts as axes: {shifts} for {axes}")
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, x.ndim)
        n = x.shape[ax]
        if _isnan(n):
            raise UnknownChunksError("roll needs known chunk sizes: call compute_chunk_sizes() first")
        if n == 0 or int(s) % n == 0:
            continue
        k = int(s) % n
        x = take(x, np.concatenate([np.arange(n - k, n), np.arange(0, n - k)]), axis=ax)
    return x


def _np_transpose_method(x: Array, axes: Sequence) -> Array:
    """``x.transpose(1, 0)`` and ``x.transpose((1, 0))`` as NumPy's method takes both."""
    if len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], Integral)):
        axes = axes[0]
    return transpose(x, axes if axes else None)


__all__ = ["reshape", "ravel", "flatten", "transpose", "swapaxes", "moveaxis", "squeeze", "expand_dims",
           "broadcast_to", "atleast_1d", "atleast_2d", "atleast_3d", "flip", "fliplr", "flipud", "roll",
           "reshape_chunks"]
