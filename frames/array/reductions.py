"""Reductions and cumulative scans of chunked arrays, as ``dask.array.reductions``.

A reduction is a tree, three kinds of step over the block grid:

- ``chunk``: every block reduced on its own along the reduced axes, keeping them with length 1
  (``keepdims=True``), so the intermediates still form a grid;
- ``combine``: groups of ``split_every`` neighbouring intermediates along each reduced axis are
  concatenated and reduced again, level after level, until one group is left along those axes;
- ``aggregate``: the last group reduced into the answer (the reduced axes dropped unless
  ``keepdims``), cast to NumPy's result dtype.

Intermediates may be dicts of arrays (the moments of ``var``, the value and index of ``argmin``):
each field is concatenated like an array. A block that is empty along a reduced axis contributes
an empty intermediate (so ``min`` over blocks some of which are empty is still right), and only a
reduction left with nothing at all says so.

``mean``/``var``/``std`` merge per-block (count, sum, M2) moments with Chan's parallel formula,
never "sum of squares minus square of sum", so values around 1e8 keep their digits.

Cumulative scans (``cumsum``, ``cumprod`` and the ``nan`` forms) are a blocked prefix scan, as
dask's ``cumreduction``: each block scanned on its own, then the running total of the blocks before
it (one small task per block, a chain along the axis) added in.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import math
from numbers import Integral
from typing import Any, Callable

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts
from frames.array.core import Array, assemble, new_name
from frames.array.dispatch import implements
from frames.array.errors import ArrayError, UnknownChunksError
from frames.array.reshape import ravel
from frames.patterns import SPLIT_EVERY

# -- arguments ----------------------------------------------------------------------------------


def normalize_axis(axis: Any, ndim: int, what: str = "reduction") -> tuple[int, ...]:
    """``axis`` (None, an int, a negative int, a tuple) as a sorted tuple of axes in ``range(ndim)``."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, Integral) else axis
    if not isinstance(axes, (tuple, list)) or not builtins.all(isinstance(a, Integral) and not isinstance(a, bool) for a in axes):
        raise ArrayError(f"{what}: axis must be None, an int or a tuple of ints, not {axis!r}")
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ArrayError(f"{what}: axis {a} is out of bounds for an array of {ndim} dimension{'s' * (ndim != 1)}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ArrayError(f"{what}: axis {axis!r} names an axis twice")
    return tuple(sorted(out))


def refuse(what: str, **given: Any) -> None:
    """A clear error for NumPy arguments frames arrays do not take (``out=``, ``where=``, ...);
    a value of None (or NumPy's "no value" default) means not given."""
    for key, value in given.items():
        if value is None or value is np._NoValue or (key == "where" and value is True):
            continue
        if key == "out":
            raise ArrayError(f"{what}: out= is not supported: frames arrays are immutable and lazy; "
                             f"use the returned array")
        raise ArrayError(f"{what}: {key}= is not supported on frames arrays")


def _keepdims(keepdims: Any) -> bool:
    return False if keepdims is np._NoValue or keepdims is None else bool(keepdims)


def _split_every(split_every: Any, axes: tuple[int, ...], ndim: int) -> dict[int, int]:
    """Blocks merged per combine along each reduced axis, as dask: an int is the number of blocks
    per combine over all reduced axes together (its root per axis, at least 2); a dict gives each
    axis its own (missing axes: 2)."""
    if split_every is None:
        split_every = SPLIT_EVERY
    if isinstance(split_every, dict):
        out = {}
        for k, v in split_every.items():
            (a,) = normalize_axis(k, ndim, "split_every")
            out[a] = v
        out = {a: out.get(a, 2) for a in axes}
    elif isinstance(split_every, Integral) and not isinstance(split_every, bool):
        n = builtins.max(int(split_every ** (1 / (len(axes) or 1)) + 1e-9), 2)
        out = dict.fromkeys(axes, n)
    else:
        raise ArrayError(f"split_every must be an int or a dict of axis -> int, not {split_every!r}")
    for a, n in out.items():
        if not isinstance(n, Integral) or n < 2:
            raise ArrayError(f"split_every along axis {a} must be an int of at least 2, not {n!r}")
    return out


def _probe_dtype(func: Callable, x: Array, **kwargs: Any) -> np.dtype:
    """The dtype NumPy's own ``func`` gives for ``x``'s dtype (run on one element)."""
    probe = np.ones((1,) * x.ndim, dtype=x.dtype)
    with np.errstate(all="ignore"):
        try:
            return np.asarray(func(probe, **kwargs)).dtype
        except (TypeError, ValueError) as exc:
            raise ArrayError(f"{getattr(func, '__name__', func)} cannot be applied to {x.dtype}: {exc}") from None


def _as_array(a: Any) -> Array:
    if isinstance(a, Array):
        return a
    from frames.array.creation import asarray

    return asarray(a)


# -- the tree -------------------------------------------------------------------------------------


def _concat(blocks: list, grid: tuple[int, ...]) -> Any:
    """Intermediates (arrays, or dicts of arrays) listed in C order of ``grid``, joined into one."""
    if isinstance(blocks[0], dict):
        return {k: assemble([b[k] for b in blocks], grid) for k in blocks[0]}
    return assemble(blocks, grid)


def _concat_apply(blocks: list, grid: tuple[int, ...], func: Callable) -> Any:
    with np.errstate(all="ignore"):
        return func(_concat(blocks, grid))


def _list_apply(blocks: list, grid: tuple[int, ...], func: Callable) -> Any:
    with np.errstate(all="ignore"):
        return func(blocks)


def _apply(block: Any, func: Callable) -> Any:
    with np.errstate(all="ignore"):
        return func(block)


def partial_reduce(func: Callable, x: Array, split_every: dict[int, int], keepdims: bool, dtype: Any,
                   name: str, size: int | float = 1, concatenate: bool = True) -> Array:
    """One level of the tree: every group of ``split_every[axis]`` neighbouring blocks along the
    reduced axes becomes one block, ``func(joined group)`` (``func(list of blocks)`` when not
    ``concatenate``). With ``keepdims=False`` (the last level only, when one group is left) the
    reduced axes are dropped; otherwise they keep ``size`` per block."""
    groups = []
    for axis, n in enumerate(x.numblocks):
        s = split_every.get(axis)
        groups.append([range(j, builtins.min(j + s, n)) for j in range(0, n, s)] if s else [range(i, i + 1) for i in range(n)])
    chunks = []
    for axis, g in enumerate(groups):
        if axis in split_every:
            if keepdims:
                chunks.append((size,) * len(g))
        else:
            chunks.append(x.chunks[axis])
    step = _concat_apply if concatenate else _list_apply
    layer: dict = {}
    for out_idx in itertools.product(*(range(len(g)) for g in groups)):
        members = [groups[a][i] for a, i in enumerate(out_idx)]
        refs = [Ref((x.name, *idx)) for idx in itertools.product(*members)]
        grid = tuple(len(m) for m in members)
        key_idx = out_idx if keepdims else tuple(i for a, i in enumerate(out_idx) if a not in split_every)
        layer[(name, *key_idx)] = Task(step, refs, grid, func)
    return Array(layer, name, tuple(chunks), dtype, (x,))


def chunk_stage(chunk: Callable, x: Array, axes: tuple[int, ...], name: str, with_offsets: bool = False) -> Array:
    """Every block reduced on its own, reduced axes kept with length 1: ``chunk(block)``, or
    ``chunk(block, offsets)`` with the block's start along every axis (for global indices)."""
    starts = [block_starts(c) for c in x.chunks]
    layer: dict = {}
    for idx in itertools.product(*(range(n) for n in x.numblocks)):
        ref = Ref((x.name, *idx))
        if with_offsets:
            # an unknown start (nan chunks) only along axes whose offsets the kernel does not use
            offsets = tuple(-1 if math.isnan(starts[a][i]) else int(starts[a][i]) for a, i in enumerate(idx))
            layer[(name, *idx)] = Task(chunk, ref, offsets)
        else:
            layer[(name, *idx)] = Task(_apply, ref, chunk)
    chunks = tuple((1,) * len(c) if a in axes else c for a, c in enumerate(x.chunks))
    return Array(layer, name, chunks, x.dtype, (x,))


def tree(inter: Array, axes: tuple[int, ...], combine: Callable, aggregate: Callable, keepdims: bool, dtype: Any,
         split_every: Any = None, label: str = "reduce", size: int | float = 1, concatenate: bool = True) -> Array:
    """Combine the intermediates of ``chunk_stage`` level by level, then aggregate: the minimal
    tree with at most ``split_every`` blocks per combine along each reduced axis."""
    every = _split_every(split_every, axes, inter.ndim)
    while builtins.any(inter.numblocks[a] > every[a] for a in axes):
        inter = partial_reduce(combine, inter, every, True, dtype, new_name(label + "-combine"),
                               concatenate=concatenate)
    return partial_reduce(aggregate, inter, every, keepdims, dtype, new_name(label + "-aggregate"), size=size,
                          concatenate=concatenate)


def reduction(x: Any, chunk: Callable, aggregate: Callable, axis: Any = None, keepdims: bool = False,
              dtype: Any = None, split_every: Any = None, combine: Callable | None = None, name: str = "reduce",
              with_offsets: bool = False, output_size: int | float = 1, concatenate: bool = True) -> Array:
    """A tree reduction of ``x`` along ``axis``, as ``dask.array.reduction``. ``chunk``,
    ``combine`` (default ``aggregate``) and ``aggregate`` are called as ``f(block, axis=axes,
    keepdims=...)``: picklable module-level functions or ``functools.partial``s of them.
    ``output_size`` is the length a reduced axis keeps with ``keepdims`` (1, or ``k`` for top-k);
    ``with_offsets`` passes ``chunk`` each block's start along every axis (for global indices)."""
    x = _as_array(x)
    axes = normalize_axis(axis, x.ndim, name)
    chunk_f = functools.partial(chunk, axis=axes, keepdims=True)
    combine_f = functools.partial(combine or aggregate, axis=axes, keepdims=True)
    aggregate_f = functools.partial(aggregate, axis=axes, keepdims=keepdims)
    inter = chunk_stage(chunk_f, x, axes, new_name(name + "-chunk"), with_offsets)
    return tree(inter, axes, combine_f, aggregate_f, keepdims, dtype, split_every, name, output_size, concatenate)


def _reduced_empty(x: Array, axes: tuple[int, ...]) -> int | None:
    """The first reduced axis of known length 0 (NumPy's "zero-size reduction"), or None."""
    for a in axes:
        if x.shape[a] == 0:
            return a
    return None


def _no_identity(what: str, x: Array, axes: tuple[int, ...]) -> None:
    a = _reduced_empty(x, axes)
    if a is not None:
        raise ArrayError(f"{what} of an empty array: axis {a} has length 0 and {what} has no identity "
                         f"(zero-size reduction)")


# -- kernels: sum, prod, any, all, count_nonzero ---------------------------------------------------


def _numpy(block: Any, func: Callable, axis: tuple, keepdims: bool, dtype: Any = None, **kwargs: Any) -> Any:
    out = func(block, axis=axis, keepdims=keepdims, **kwargs)
    return out.astype(dtype, copy=False) if dtype is not None and out.dtype != dtype else out


def _simple(x: Any, func: Callable, axis: Any, keepdims: Any, split_every: Any, name: str, dtype: Any = None,
            chunk_func: Callable | None = None) -> Array:
    """A reduction whose combine is the same NumPy function as its chunk (sum, prod, any, all)."""
    x = _as_array(x)
    kw = {"dtype": dtype} if dtype is not None else {}
    out_dtype = _probe_dtype(func, x, axis=normalize_axis(axis, x.ndim, name), **kw)
    chunk = functools.partial(_numpy, func=chunk_func or func, **kw)
    combine = functools.partial(_numpy, func=func)
    aggregate = functools.partial(_numpy, func=func, dtype=out_dtype)
    return reduction(x, chunk, aggregate, axis, _keepdims(keepdims), out_dtype, split_every, combine, name)


@implements(np.sum)
def sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None,
        where: Any = None, split_every: Any = None) -> Array:  # noqa: A001 - NumPy's name
    """Sum over ``axis`` (all axes by default), NumPy's dtype rules (int32 -> int64, bool -> int)."""
    refuse("sum", out=out, initial=initial, where=where)
    return _simple(a, np.sum, axis, keepdims, split_every, "sum", dtype)


@implements(np.prod)
def prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None,
         where: Any = None, split_every: Any = None) -> Array:
    """Product over ``axis``."""
    refuse("prod", out=out, initial=initial, where=where)
    return _simple(a, np.prod, axis, keepdims, split_every, "prod", dtype)


@implements(np.nansum)
def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None,
           where: Any = None, split_every: Any = None) -> Array:
    """Sum over ``axis`` counting NaNs as 0."""
    refuse("nansum", out=out, initial=initial, where=where)
    return _simple(a, np.sum, axis, keepdims, split_every, "nansum", dtype, chunk_func=np.nansum)


@implements(np.nanprod)
def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None,
            where: Any = None, split_every: Any = None) -> Array:
    """Product over ``axis`` counting NaNs as 1."""
    refuse("nanprod", out=out, initial=initial, where=where)
    return _simple(a, np.prod, axis, keepdims, split_every, "nanprod", dtype, chunk_func=np.nanprod)


@implements(np.any)
def any(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, where: Any = None,
        split_every: Any = None) -> Array:  # noqa: A001
    """Whether any element along ``axis`` is true."""
    refuse("any", out=out, where=where)
    return _simple(a, np.any, axis, keepdims, split_every, "any")


@implements(np.all)
def all(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, where: Any = None,
        split_every: Any = None) -> Array:  # noqa: A001
    """Whether every element along ``axis`` is true."""
    refuse("all", out=out, where=where)
    return _simple(a, np.all, axis, keepdims, split_every, "all")


def _count_nonzero(block: Any, axis: tuple, keepdims: bool) -> np.ndarray:
    return np.asarray(np.count_nonzero(block, axis=axis, keepdims=keepdims), dtype=np.intp)


@implements(np.count_nonzero)
def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False, split_every: Any = None) -> Array:
    """How many elements along ``axis`` are not zero (NumPy's intp)."""
    a = _as_array(a)
    combine = functools.partial(_numpy, func=np.sum)
    aggregate = functools.partial(_numpy, func=np.sum, dtype=np.dtype(np.intp))
    return reduction(a, _count_nonzero, aggregate, axis, keepdims, np.intp, split_every, combine, "count_nonzero")


# -- kernels: min, max (and the nan forms) -----------------------------------------------------------


def _empty_part(block: np.ndarray, axis: tuple) -> np.ndarray | None:
    """A block empty along a reduced axis as an intermediate that concatenation absorbs: length 0
    along its empty axes, 1 along the other reduced axes; None for a block with values."""
    if not builtins.any(block.shape[a] == 0 for a in axis):
        return None
    return block[tuple(slice(0, 0 if block.shape[a] == 0 else 1) if a in axis else slice(None)
                       for a in range(block.ndim))]


def _extreme(block: np.ndarray, func: Callable, axis: tuple, keepdims: bool, final: bool = False,
             dtype: Any = None, what: str = "min") -> Any:
    empty = _empty_part(block, axis)
    if empty is not None:
        if final:
            raise ArrayError(f"{what} of an empty array: the reduced axes {axis} have no values "
                             f"(zero-size reduction has no identity)")
        return empty
    out = func(block, axis=axis, keepdims=keepdims)
    return out.astype(dtype, copy=False) if dtype is not None and out.dtype != dtype else out


def _fmin(block: np.ndarray, axis: tuple, keepdims: bool) -> Any:
    """The minimum ignoring NaNs (NaN where all are), without NumPy's "All-NaN slice" warning."""
    return np.fmin.reduce(block, axis=axis, keepdims=keepdims)


def _fmax(block: np.ndarray, axis: tuple, keepdims: bool) -> Any:
    return np.fmax.reduce(block, axis=axis, keepdims=keepdims)


def _extreme_reduction(a: Any, func: Callable, axis: Any, keepdims: Any, split_every: Any, what: str) -> Array:
    a = _as_array(a)
    axes = normalize_axis(axis, a.ndim, what)
    _no_identity(what, a, axes)
    if what.startswith("nan") and not np.issubdtype(a.dtype, np.inexact):
        func = np.min if what == "nanmin" else np.max
    chunk = functools.partial(_extreme, func=func, what=what)
    aggregate = functools.partial(_extreme, func=func, final=True, dtype=a.dtype, what=what)
    return reduction(a, chunk, aggregate, axis, _keepdims(keepdims), a.dtype, split_every, chunk, what)


@implements(np.min, np.amin)
def min(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None, where: Any = None,
        split_every: Any = None) -> Array:  # noqa: A001
    """The smallest element along ``axis`` (NaN if any is NaN, as NumPy)."""
    refuse("min", out=out, initial=initial, where=where)
    return _extreme_reduction(a, np.min, axis, keepdims, split_every, "min")


@implements(np.max, np.amax)
def max(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None, where: Any = None,
        split_every: Any = None) -> Array:  # noqa: A001
    """The largest element along ``axis`` (NaN if any is NaN, as NumPy)."""
    refuse("max", out=out, initial=initial, where=where)
    return _extreme_reduction(a, np.max, axis, keepdims, split_every, "max")


@implements(np.nanmin)
def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None, where: Any = None,
           split_every: Any = None) -> Array:
    """The smallest element along ``axis`` ignoring NaNs (NaN for an all-NaN slice; NumPy's
    "All-NaN slice" warning is not raised)."""
    refuse("nanmin", out=out, initial=initial, where=where)
    return _extreme_reduction(a, _fmin, axis, keepdims, split_every, "nanmin")


@implements(np.nanmax)
def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False, initial: Any = None, where: Any = None,
           split_every: Any = None) -> Array:
    """The largest element along ``axis`` ignoring NaNs."""
    refuse("nanmax", out=out, initial=initial, where=where)
    return _extreme_reduction(a, _fmax, axis, keepdims, split_every, "nanmax")


@implements(np.ptp)
def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: Any = False) -> Array:
    """Peak to peak: ``max - min`` along ``axis``."""
    refuse("ptp", out=out)
    return max(a, axis, keepdims=keepdims) - min(a, axis, keepdims=keepdims)


# -- kernels: moments (mean, var, std) ----------------------------------------------------------------


def _abs2(d: np.ndarray) -> np.ndarray:
    return d.real * d.real + d.imag * d.imag if np.iscomplexobj(d) else d * d


def _moment_chunk(block: np.ndarray, axis: tuple, keepdims: bool, ctype: np.dtype, skipna: bool,
                  order: int) -> dict:
    """Count, sum and (``order`` 2) M2 = sum of squared deviations from the block's own mean."""
    x = block.astype(ctype, copy=False)
    if skipna and np.issubdtype(ctype, np.inexact):
        valid = ~np.isnan(x)
        n = valid.sum(axis=axis, keepdims=True, dtype=np.intp)
        total = np.nansum(x, axis=axis, keepdims=True)
    else:
        shape = tuple(1 if a in axis else s for a, s in enumerate(x.shape))
        n = np.full(shape, math.prod(x.shape[a] for a in axis), dtype=np.intp)
        total = np.sum(x, axis=axis, keepdims=True)
    out = {"n": n, "total": total}
    if order == 2:
        dev = _abs2(x - total / n)
        out["M2"] = (np.nansum if skipna else np.sum)(dev, axis=axis, keepdims=True)
    return out


def _moment_combine(parts: dict, axis: tuple, keepdims: bool, order: int) -> dict:
    """Chan et al.'s parallel merge of moments: M2 = sum M2_i + sum n_i (mean_i - mean)^2."""
    n, total = parts["n"], parts["total"]
    big_n = n.sum(axis=axis, keepdims=True)
    big_total = total.sum(axis=axis, keepdims=True)
    out = {"n": big_n, "total": big_total}
    if order == 2:
        mean_i = np.where(n > 0, total / np.where(n > 0, n, 1), 0)
        mean = big_total / np.where(big_n > 0, big_n, 1)
        spread = np.where(n > 0, n * _abs2(mean_i - mean), 0)
        out["M2"] = parts["M2"].sum(axis=axis, keepdims=True) + spread.sum(axis=axis, keepdims=True)
    return out


def _squeeze(v: np.ndarray, axis: tuple, keepdims: bool) -> Any:
    if keepdims:
        return v
    out = np.squeeze(v, axis=axis) if axis else v
    return out[()] if out.ndim == 0 else out


def _mean_aggregate(parts: dict, axis: tuple, keepdims: bool, dtype: np.dtype) -> Any:
    m = _moment_combine(parts, axis, True, 1)
    return _squeeze((m["total"] / m["n"]).astype(dtype, copy=False), axis, keepdims)


def _var_aggregate(parts: dict, axis: tuple, keepdims: bool, dtype: np.dtype, ddof: float, sqrt: bool,
                   skipna: bool) -> Any:
    """M2 / (n - ddof), as NumPy: ``var`` divides by max(n - ddof, 0) (inf or nan), ``nanvar``
    answers nan wherever n - ddof <= 0."""
    m = _moment_combine(parts, axis, True, 2)
    dof = m["n"] - ddof
    var = m["M2"] / np.maximum(dof, 0)
    if skipna:
        var = np.where(dof <= 0, np.nan, var)
    if sqrt:
        var = np.sqrt(var)
    return _squeeze(var.astype(dtype, copy=False), axis, keepdims)


def _compute_dtype(x: Array, dtype: Any) -> np.dtype:
    """The dtype moments are accumulated in, as NumPy's mean: float64 for ints and bools, float32
    for float16, else the (requested) dtype itself."""
    d = np.dtype(dtype) if dtype is not None else x.dtype
    if not np.issubdtype(d, np.inexact):
        return np.dtype(np.float64)
    return np.dtype(np.float32) if d == np.float16 else d


def _moments(a: Any, axis: Any, dtype: Any, keepdims: Any, split_every: Any, what: str, skipna: bool,
             ddof: Any = 0, sqrt: bool = False) -> Array:
    a = _as_array(a)
    axes = normalize_axis(axis, a.ndim, what)
    numpy_func = {"mean": np.mean, "nanmean": np.nanmean, "var": np.var, "nanvar": np.nanvar,
                  "std": np.std, "nanstd": np.nanstd}[what]
    kw = {"dtype": dtype} if dtype is not None else {}
    out_dtype = _probe_dtype(numpy_func, a, axis=axes, **kw)
    ctype = _compute_dtype(a, dtype)
    order = 1 if what.endswith("mean") else 2
    chunk = functools.partial(_moment_chunk, ctype=ctype, skipna=skipna, order=order)
    combine = functools.partial(_moment_combine, order=order)
    if order == 1:
        aggregate = functools.partial(_mean_aggregate, dtype=out_dtype)
    else:
        if not isinstance(ddof, (Integral, float)) or isinstance(ddof, bool):
            raise ArrayError(f"{what}: ddof must be a number, not {ddof!r}")
        aggregate = functools.partial(_var_aggregate, dtype=out_dtype, ddof=ddof, sqrt=sqrt, skipna=skipna)
    return reduction(a, chunk, aggregate, axis, _keepdims(keepdims), out_dtype, split_every, combine, what)


def _ddof(ddof: Any, correction: Any, what: str) -> Any:
    if correction is not None and correction is not np._NoValue:
        if ddof not in (0, None):
            raise ArrayError(f"{what}: give ddof= or correction=, not both")
        return correction
    return ddof or 0


@implements(np.mean)
def mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, *, where: Any = None,
         split_every: Any = None) -> Array:
    """The arithmetic mean along ``axis`` (NaN for an empty slice, without NumPy's warning)."""
    refuse("mean", out=out, where=where)
    return _moments(a, axis, dtype, keepdims, split_every, "mean", skipna=False)


@implements(np.nanmean)
def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: Any = False, *,
            where: Any = None, split_every: Any = None) -> Array:
    """The mean along ``axis`` ignoring NaNs."""
    refuse("nanmean", out=out, where=where)
    return _moments(a, axis, dtype, keepdims, split_every, "nanmean", skipna=True)


@implements(np.var)
def var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: Any = False, *,
        where: Any = None, mean: Any = None, correction: Any = None, split_every: Any = None) -> Array:
    """The variance along ``axis``: per-block moments merged with Chan's formula; ``M2 / (n - ddof)``."""
    refuse("var", out=out, where=where, mean=mean)
    return _moments(a, axis, dtype, keepdims, split_every, "var", False, _ddof(ddof, correction, "var"))


@implements(np.nanvar)
def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: Any = False, *,
           where: Any = None, mean: Any = None, correction: Any = None, split_every: Any = None) -> Array:
    """The variance along ``axis`` ignoring NaNs."""
    refuse("nanvar", out=out, where=where, mean=mean)
    return _moments(a, axis, dtype, keepdims, split_every, "nanvar", True, _ddof(ddof, correction, "nanvar"))


@implements(np.std)
def std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: Any = False, *,
        where: Any = None, mean: Any = None, correction: Any = None, split_every: Any = None) -> Array:
    """The standard deviation along ``axis`` (the square root of ``var``)."""
    refuse("std", out=out, where=where, mean=mean)
    return _moments(a, axis, dtype, keepdims, split_every, "std", False, _ddof(ddof, correction, "std"), sqrt=True)


@implements(np.nanstd)
def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: Any = False, *,
           where: Any = None, mean: Any = None, correction: Any = None, split_every: Any = None) -> Array:
    """The standard deviation along ``axis`` ignoring NaNs."""
    refuse("nanstd", out=out, where=where, mean=mean)
    return _moments(a, axis, dtype, keepdims, split_every, "nanstd", True, _ddof(ddof, correction, "nanstd"),
                    sqrt=True)


# -- kernels: argmin, argmax (and the nan forms) -------------------------------------------------------

_NO_INDEX = np.iinfo(np.intp).max


def _arg_chunk(block: np.ndarray, offsets: tuple, axis: tuple, keepdims: bool, shape: tuple, func: Callable,
               skipna: bool) -> dict:
    """The block's best value and its global index: the flat index into ``shape`` when reducing
    every axis (axis=None), else the index along the one reduced axis."""
    empty = _empty_part(block, axis)
    if empty is not None:
        return {"val": empty, "arg": np.zeros(empty.shape, dtype=np.intp)}
    nan_aware = skipna and np.issubdtype(block.dtype, np.inexact)
    if block.ndim == 0 or (len(axis) == block.ndim > 1):  # axis=None over n-d: one flat candidate per block
        flat = block.ravel()
        if nan_aware and np.isnan(flat).all():
            local = 0
        else:
            local = int((np.nanargmin if func is np.argmin else np.nanargmax)(flat) if nan_aware else func(flat))
        where = np.unravel_index(local, block.shape)
        arg = np.ravel_multi_index(tuple(int(w) + o for w, o in zip(where, offsets)), shape) if shape else 0
        keep = (1,) * block.ndim
        return {"val": np.full(keep, flat[local], dtype=block.dtype), "arg": np.full(keep, arg, dtype=np.intp)}
    (k,) = axis
    if nan_aware:
        allnan = np.isnan(block).all(axis=k, keepdims=True)
        filled = np.where(allnan, 0, block)
        local = (np.nanargmin if func is np.argmin else np.nanargmax)(filled, axis=k, keepdims=True)
    else:
        local = func(block, axis=k, keepdims=True)
    val = np.take_along_axis(block, local, axis=k)
    return {"val": val, "arg": local.astype(np.intp) + offsets[k]}


def _arg_combine(parts: dict, axis: tuple, keepdims: bool, func: Callable, skipna: bool, final: bool = False,
                 what: str = "argmin") -> Any:
    """The best of several candidates; among equal values the smallest index (NumPy's first
    occurrence). Without skipna a NaN wins (NumPy returns the first NaN); with skipna NaN
    candidates (all-NaN blocks) lose, and an all-NaN slice at the end is an error as in NumPy."""
    val, arg = parts["val"], parts["arg"]
    empty = _empty_part(val, axis)
    if empty is not None:
        if final:
            raise ArrayError(f"{what} of an empty sequence: the reduced axis has no values")
        return {"val": empty, "arg": _empty_part(arg, axis)}
    inexact = np.issubdtype(val.dtype, np.inexact)
    minimum = func is np.argmin
    if skipna and inexact:
        best = (np.fmin if minimum else np.fmax).reduce(val, axis=axis, keepdims=True)
        eq = val == best
    else:
        best = (np.min if minimum else np.max)(val, axis=axis, keepdims=True)
        eq = val == best
        if inexact:
            eq |= np.isnan(val) & np.isnan(best)
    index = np.where(eq, arg, _NO_INDEX).min(axis=axis, keepdims=True)
    if not final:
        return {"val": best, "arg": index}
    if skipna and inexact and np.isnan(best).any():
        raise ArrayError(f"{what}: All-NaN slice encountered")
    return _squeeze(index.astype(np.intp, copy=False), axis, keepdims)


def _arg_reduction(a: Any, func: Callable, axis: Any, keepdims: Any, split_every: Any, what: str,
                   skipna: bool) -> Array:
    a = _as_array(a)
    if axis is not None and not (isinstance(axis, Integral) and not isinstance(axis, bool)):
        raise ArrayError(f"{what}: axis must be None or an int, not {axis!r}")
    axes = normalize_axis(axis, a.ndim, what)
    empty = _reduced_empty(a, axes)
    if empty is not None:
        raise ArrayError(f"{what} of an empty sequence: axis {empty} has length 0")
    unknown = [ax for ax in axes if builtins.any(math.isnan(b) for b in a.chunks[ax])]
    if unknown:
        raise UnknownChunksError(f"{what} needs known chunk sizes along axis {unknown[0]} to give global "
                                 f"indices: call compute_chunk_sizes() first")
    shape = tuple(int(s) for s in a.shape) if axis is None else ()
    if axis is None and a.ndim == 1:
        shape = ()  # one axis: the index along it is the flat index
    chunk = functools.partial(_arg_chunk, shape=shape, func=func, skipna=skipna)
    combine = functools.partial(_arg_combine, func=func, skipna=skipna, what=what)
    aggregate = functools.partial(_arg_combine, func=func, skipna=skipna, final=True, what=what)
    return reduction(a, chunk, aggregate, axis, _keepdims(keepdims), np.intp, split_every, combine, what,
                     with_offsets=True)


@implements(np.argmin)
def argmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False, split_every: Any = None) -> Array:
    """The index of the smallest element (flat index for axis=None), first occurrence on ties."""
    refuse("argmin", out=out)
    return _arg_reduction(a, np.argmin, axis, keepdims, split_every, "argmin", False)


@implements(np.argmax)
def argmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False, split_every: Any = None) -> Array:
    """The index of the largest element (flat index for axis=None), first occurrence on ties."""
    refuse("argmax", out=out)
    return _arg_reduction(a, np.argmax, axis, keepdims, split_every, "argmax", False)


@implements(np.nanargmin)
def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False, split_every: Any = None) -> Array:
    """``argmin`` ignoring NaNs; an all-NaN slice raises ArrayError (a ValueError, as NumPy's)."""
    refuse("nanargmin", out=out)
    return _arg_reduction(a, np.argmin, axis, keepdims, split_every, "nanargmin", True)


@implements(np.nanargmax)
def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: Any = False, split_every: Any = None) -> Array:
    """``argmax`` ignoring NaNs; an all-NaN slice raises ArrayError."""
    refuse("nanargmax", out=out)
    return _arg_reduction(a, np.argmax, axis, keepdims, split_every, "nanargmax", True)


# -- cumulative scans -------------------------------------------------------------------------------------


def _scan_block(block: np.ndarray, func: Callable, axis: int, dtype: np.dtype) -> np.ndarray:
    return func(block, axis=axis, dtype=dtype)


def _last(block: np.ndarray, axis: int, identity: Any) -> np.ndarray:
    """The last slice of a scanned block along ``axis`` (the block's total), the identity if empty."""
    if block.shape[axis] == 0:
        shape = tuple(1 if a == axis else s for a, s in enumerate(block.shape))
        return np.full(shape, identity, dtype=block.dtype)
    index = [slice(None)] * block.ndim
    index[axis] = slice(-1, None)
    return block[tuple(index)]


def _carry(block: np.ndarray, binop: Callable, carry: np.ndarray) -> np.ndarray:
    return binop(carry, block)


def cumreduction(func: Callable, binop: Callable, ident: Any, x: Any, axis: Any = None, dtype: Any = None,
                 out: Any = None, method: str = "sequential", preop: Callable | None = None, *,
                 what: str = "cumreduction") -> Array:
    """A blocked prefix scan, as ``dask.array.reductions.cumreduction``: ``func(block, axis=,
    dtype=)`` (np.cumsum, ...) on every block, then ``binop(carry, block)`` with the running
    total of the blocks before it along ``axis`` (``carry_i = binop(carry_i-1, last slice of
    block i-1)``, starting from ``ident``); ``axis=None`` scans the flattened array, as NumPy.
    Only dask's "sequential" method is built: ``method="blelloch"`` is accepted and gives the
    same answer the sequential way (``preop`` is what only blelloch uses)."""
    refuse(what, out=out)
    if method not in ("sequential", "blelloch"):
        raise ArrayError(f"{what}: method must be 'sequential' or 'blelloch', not {method!r}")
    identity = ident
    x = _as_array(x)
    if axis is None:
        x, axis = ravel(x), 0
    if x.ndim == 0:
        raise ArrayError(f"{what} of a 0-d array needs axis=None")
    (axis,) = normalize_axis(axis, x.ndim, what)
    kw = {"dtype": dtype} if dtype is not None else {}
    out_dtype = _probe_dtype(func, x, axis=axis, **kw)
    scanned_name, last_name, carry_name, name = (new_name(f"{what}-{s}") for s in ("block", "last", "carry", "out"))
    scan = functools.partial(_scan_block, func=func, axis=axis, dtype=out_dtype)
    scanned = Array({(scanned_name, *idx): Task(_apply, Ref((x.name, *idx)), scan)
                     for idx in itertools.product(*(range(n) for n in x.numblocks))},
                    scanned_name, x.chunks, out_dtype, (x,))
    one = tuple((1,) * len(c) if a == axis else c for a, c in enumerate(x.chunks))
    last_layer, carry_layer, out_layer = {}, {}, {}
    for idx in itertools.product(*(range(n) for n in x.numblocks)):
        last_layer[(last_name, *idx)] = Task(_last, Ref((scanned_name, *idx)), axis, identity)
        i = idx[axis]
        if i == 0:  # nothing before it: its carry (the identity) is never read, so culled
            carry_layer[(carry_name, *idx)] = Task(_identity_like, Ref((last_name, *idx)), identity)
            out_layer[(name, *idx)] = Task(_apply, Ref((scanned_name, *idx)), np.asarray)
            continue
        before = (*idx[:axis], i - 1, *idx[axis + 1:])
        if i == 1:
            carry_layer[(carry_name, *idx)] = Task(_apply, Ref((last_name, *before)), np.asarray)
        else:
            carry_layer[(carry_name, *idx)] = Task(binop, Ref((carry_name, *before)), Ref((last_name, *before)))
        out_layer[(name, *idx)] = Task(_carry, Ref((scanned_name, *idx)), binop, Ref((carry_name, *idx)))
    last = Array(last_layer, last_name, one, out_dtype, (scanned,))
    carry_chunks = tuple(c if a != axis else (1,) * len(c) for a, c in enumerate(x.chunks))
    carry = Array(carry_layer, carry_name, carry_chunks, out_dtype, (last,))
    return Array(out_layer, name, x.chunks, out_dtype, (scanned, carry))


def _identity_like(block: np.ndarray, identity: Any) -> np.ndarray:
    return np.full_like(block, identity)


@implements(np.cumsum)
def cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    """Cumulative sum along ``axis`` (of the flattened array for None)."""
    refuse("cumsum", out=out)
    return cumreduction(np.cumsum, np.add, 0, a, axis, dtype, what="cumsum")


@implements(np.cumprod)
def cumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    """Cumulative product along ``axis``."""
    refuse("cumprod", out=out)
    return cumreduction(np.cumprod, np.multiply, 1, a, axis, dtype, what="cumprod")


@implements(np.nancumsum)
def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    """Cumulative sum along ``axis`` counting NaNs as 0."""
    refuse("nancumsum", out=out)
    return cumreduction(np.nancumsum, np.add, 0, a, axis, dtype, what="nancumsum")


@implements(np.nancumprod)
def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Array:
    """Cumulative product along ``axis`` counting NaNs as 1."""
    refuse("nancumprod", out=out)
    return cumreduction(np.nancumprod, np.multiply, 1, a, axis, dtype, what="nancumprod")


__all__ = ["all", "any", "argmax", "argmin", "count_nonzero", "cumprod", "cumreduction", "cumsum", "max", "mean",
           "min", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmin", "nanprod",
           "nanstd", "nansum", "nanvar", "normalize_axis", "partial_reduce", "prod", "ptp", "reduction",
           "std", "sum", "tree", "var"]
