"""Numeric routines over chunked arrays, as ``dask.array.routines``: top-k, unique, histograms,
bincount, digitize, isin, rounding and clipping, closeness, weighted averages, differences, and
order statistics (median, percentile, quantile, sort).

Most are blocked: top-k and unique keep per-block candidates and merge them in a tree
(``frames.array.reductions.tree``), histograms and bincounts sum per-block counts. The order
statistics are not: an exact median needs a whole slice at once, so ``median``, ``percentile``,
``quantile`` and ``sort`` first rechunk the axes they work along to one block (as dask does), and
with ``axis=None`` gather the whole array into one task; each docstring says so.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import math
from numbers import Integral, Number
from typing import Any

import numpy as np

from exec import Ref, Task
from frames.array.chunks import block_starts
from frames.array.core import Array, blockwise, elemwise, map_blocks, new_name
from frames.array.dispatch import implements
from frames.array.errors import ArrayError
from frames.array.reductions import (_as_array, _keepdims, normalize_axis, reduction, refuse,
                                     tree)
from frames.array import reductions
from frames.array.reshape import ravel

range_ = builtins.range  # ``range`` is also histogram's argument name, as NumPy's

# -- top-k ------------------------------------------------------------------------------------------------


def _topk_select(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """The |k| largest (k > 0) or smallest (k < 0) along ``axis``, unordered."""
    n = a.shape[axis]
    if abs(k) >= n:
        return a
    if k > 0:
        return np.take(np.partition(a, n - k, axis=axis), range(n - k, n), axis=axis)
    return np.take(np.partition(a, -k - 1, axis=axis), range(-k), axis=axis)


def _topk_chunk(a: np.ndarray, axis: tuple, keepdims: bool, k: int) -> np.ndarray:
    return _topk_select(a, k, axis[0])


def _topk_aggregate(a: np.ndarray, axis: tuple, keepdims: bool, k: int) -> np.ndarray:
    ordered = np.sort(_topk_select(a, k, axis[0]), axis=axis[0])
    return np.flip(ordered, axis=axis[0]) if k > 0 else ordered


def _check_k(a: Array, k: Any, axis: Any, what: str) -> int:
    if not isinstance(k, Integral) or isinstance(k, bool) or k == 0:
        raise ArrayError(f"{what}: k must be a non-zero int (negative for the smallest), not {k!r}")
    if not isinstance(axis, Integral) or isinstance(axis, bool):
        raise ArrayError(f"{what}: axis must be an int, not {axis!r}")
    (ax,) = normalize_axis(axis, a.ndim, what)
    n = a.shape[ax]
    if not math.isnan(n) and abs(k) > n:
        raise ArrayError(f"{what}: k={k} asks for more elements than axis {ax} has ({n})")
    return ax


def topk(a: Any, k: int, axis: int = -1, split_every: Any = None) -> Array:
    """The ``k`` largest elements along ``axis``, largest first; ``k < 0`` gives the ``|k|``
    smallest, smallest first (dask's semantics). NaN counts as the largest, as in ``np.sort``.
    Blocked: each block keeps its own ``|k|`` best, merged in a tree."""
    a = _as_array(a)
    ax = _check_k(a, k, axis, "topk")
    chunk = functools.partial(_topk_chunk, k=k)
    aggregate = functools.partial(_topk_aggregate, k=k)
    return reduction(a, chunk, aggregate, ax, True, a.dtype, split_every, chunk, "topk", output_size=abs(k))


def _argtopk_chunk(block: np.ndarray, offsets: tuple, axis: tuple, keepdims: bool, k: int) -> dict:
    ax = axis[0]
    index = np.broadcast_to(np.arange(block.shape[ax]).reshape([-1 if i == ax else 1 for i in range(block.ndim)]),
                            block.shape) + offsets[ax]
    return _argtopk_select({"val": block, "arg": np.asarray(index, dtype=np.intp)}, axis, True, k)


def _argtopk_select(parts: dict, axis: tuple, keepdims: bool, k: int) -> dict:
    ax = axis[0]
    val, arg = parts["val"], parts["arg"]
    n = val.shape[ax]
    if abs(k) >= n:
        return parts
    if k > 0:
        idx = np.take(np.argpartition(val, n - k, axis=ax), range(n - k, n), axis=ax)
    else:
        idx = np.take(np.argpartition(val, -k - 1, axis=ax), range(-k), axis=ax)
    return {"val": np.take_along_axis(val, idx, axis=ax), "arg": np.take_along_axis(arg, idx, axis=ax)}


def _argtopk_aggregate(parts: dict, axis: tuple, keepdims: bool, k: int) -> np.ndarray:
    ax = axis[0]
    best = _argtopk_select(parts, axis, True, k)
    order = np.argsort(best["val"], axis=ax, kind="stable")
    if k > 0:
        order = np.flip(order, axis=ax)
    return np.take_along_axis(best["arg"], order, axis=ax)


def argtopk(a: Any, k: int, axis: int = -1, split_every: Any = None) -> Array:
    """The indices of ``topk(a, k, axis)`` along ``axis``, in the same order (ties in no
    particular order, as dask)."""
    a = _as_array(a)
    ax = _check_k(a, k, axis, "argtopk")
    chunk = functools.partial(_argtopk_chunk, k=k)
    combine = functools.partial(_argtopk_select, k=k)
    aggregate = functools.partial(_argtopk_aggregate, k=k)
    return reduction(a, chunk, aggregate, ax, True, np.intp, split_every, combine, "argtopk", with_offsets=True,
                     output_size=abs(k))


# -- unique -------------------------------------------------------------------------------------------------


def _unique_chunk(block: np.ndarray, offsets: tuple, shape: tuple, with_index: bool) -> dict:
    """A block's unique values, their counts and (``with_index``) the flat index of each one's
    first occurrence in the whole array of ``shape`` (the block starts at ``offsets``)."""
    values, first, counts = np.unique(block.ravel(), return_index=True, return_counts=True)
    out = {"values": values, "counts": counts.astype(np.intp)}
    if with_index:
        if block.ndim:
            local = np.unravel_index(first, block.shape)
            first = np.ravel_multi_index(tuple(i + o for i, o in zip(local, offsets)), shape)
        out["index"] = np.asarray(first, dtype=np.intp)
    return out


def _unique_merge(parts: list) -> dict:
    values = np.concatenate([p["values"] for p in parts])
    merged, inverse = np.unique(values, return_inverse=True)
    inverse = inverse.ravel()
    out = {"values": merged,
           "counts": np.bincount(inverse, weights=np.concatenate([p["counts"] for p in parts]),
                                 minlength=len(merged)).astype(np.intp)}
    if "index" in parts[0]:
        index = np.full(len(merged), np.iinfo(np.intp).max, dtype=np.intp)
        np.minimum.at(index, inverse, np.concatenate([p["index"] for p in parts]))
        out["index"] = index
    return out


def _field(parts: dict, key: str) -> np.ndarray:
    return parts[key]


def _inverse(block: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.searchsorted(values, block).astype(np.intp)


def _one_block(x: Array) -> Array:
    """``x`` as one flat stage: block keys (name, i) over x's blocks in C order (for per-block
    results that are merged regardless of where the blocks sit)."""
    name = new_name(x.name.rsplit("-", 1)[0] + "-flat")
    keys = x.keys_flat()
    layer = {(name, i): Task(_identity, Ref(k)) for i, k in enumerate(keys)}
    return Array(layer, name, ((math.nan,) * len(keys),), x.dtype, (x,))


def _identity(x: Any) -> Any:
    return x


@implements(np.unique)
def unique(ar: Any, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: Any = None, *, equal_nan: bool = True, sorted: bool = True, split_every: Any = None) -> Any:
    """The sorted unique values of the flattened array (NaNs as one value), as ``np.unique``:
    each block's own unique values (with first indices and counts) merged in a tree of
    ``np.unique`` calls. The result's length is unknown until computed (``nan`` chunks).
    ``return_inverse`` is a second pass: every block looked up in the unique values."""
    if axis is not None:
        raise ArrayError("unique: axis= is not supported; unique works on the flattened array")
    if not equal_nan:
        raise ArrayError("unique: equal_nan=False is not supported")
    x = _as_array(ar)
    if return_index and not x.known_chunks:
        raise ArrayError("unique(return_index=True) needs known chunk sizes: call compute_chunk_sizes() first")
    shape = tuple(int(s) for s in x.shape) if return_index else ()
    starts = [block_starts(c) for c in x.chunks]
    name = new_name("unique-chunk")
    layer = {}
    # every block (in C order of the grid; one for a 0-d array) as one entry of a 1-D stage
    for i, idx in enumerate(itertools.product(*(range_(n) for n in x.numblocks))):
        offsets = tuple(int(starts[a][j]) for a, j in enumerate(idx)) if return_index else ()
        layer[(name, i)] = Task(_unique_chunk, Ref((x.name, *idx)), offsets, shape, return_index)
    inter = Array(layer, name, ((1,) * len(layer),), x.dtype, (x,))
    merged = tree(inter, (0,), _unique_merge, _unique_merge, True, x.dtype, split_every, "unique", math.nan,
                  concatenate=False)

    def field(key: str, dtype: Any) -> Array:
        fname = new_name(f"unique-{key}")
        return Array({(fname, 0): Task(_field, Ref((merged.name, 0)), key)}, fname, ((math.nan,),), dtype, (merged,))

    values = field("values", x.dtype)
    outs = [values]
    if return_index:
        outs.append(field("index", np.intp))
    if return_inverse:  # NumPy 2 gives the inverse the input's shape
        iname = new_name("unique-inverse")
        ilayer = {(iname, *idx): Task(_inverse, Ref((x.name, *idx)), Ref((values.name, 0)))
                  for idx in itertools.product(*(range_(n) for n in x.numblocks))}
        outs.append(Array(ilayer, iname, x.chunks, np.intp, (x, values)))
    if return_counts:
        outs.append(field("counts", np.intp))
    return outs[0] if len(outs) == 1 else tuple(outs)


# -- histogram, bincount, digitize ----------------------------------------------------------------------


def _histogram_block(block: np.ndarray, weights: Any, bins: Any, range: Any) -> np.ndarray:  # noqa: A002
    counts, _ = np.histogram(block, bins=bins, range=range, weights=weights)
    return counts.reshape((1,) * block.ndim + (-1,))


def _sum_first(block: np.ndarray, axis: tuple, keepdims: bool, dtype: Any) -> np.ndarray:
    return np.sum(block, axis=axis, keepdims=keepdims, dtype=dtype)


def _density(counts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return counts / widths / counts.sum()


@implements(np.histogram)
def histogram(a: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None,  # noqa: A002
              split_every: Any = None) -> tuple[Array, np.ndarray]:
    """Counts of ``a`` in ``bins`` and the bin edges, as ``np.histogram``, blocked: every block
    counted with the same fixed bins (``np.histogram`` on the block, so bin boundaries fall as
    NumPy's), the counts summed in a tree. ``bins`` is an int (then ``range=`` is required, as in
    dask: finding the data's range would be another pass) or the edges themselves. The counts
    are a lazy array; the edges are a NumPy array."""
    a = _as_array(a)
    if isinstance(bins, str):
        raise ArrayError(f"histogram: bins={bins!r} needs the data to choose edges; give an int with range= or the edges")
    if isinstance(bins, Integral):
        if range is None:
            raise ArrayError("histogram: bins given as a number needs range=(low, high) for frames arrays "
                             "(it would otherwise take a pass over the data); or give the bin edges")
        if bins < 1:
            raise ArrayError(f"histogram: bins must be at least 1, not {bins}")
        edges = np.histogram_bin_edges(np.empty(0), bins=bins, range=range)
    else:
        if isinstance(bins, Array):
            bins = bins.compute()
        edges = np.asarray(bins)
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) < 0):
            raise ArrayError("histogram: bins must be an int or a 1-D increasing sequence of at least two edges")
        range = None  # noqa: A001 - NumPy ignores it with explicit edges
    w = None
    if weights is not None:
        w = _as_array(weights)
        if w.shape != a.shape:
            raise ArrayError(f"histogram: weights of shape {w.shape} do not match the array's {a.shape}")
        if w.chunks != a.chunks:
            w = w.rechunk(a.chunks)
    out_dtype = np.histogram(np.zeros(1, dtype=a.dtype), bins=edges,
                             weights=None if w is None else np.ones(1, dtype=w.dtype))[0].dtype
    name = new_name("histogram-chunk")
    nbins = len(edges) - 1
    layer = {}
    for idx in itertools.product(*(range_(n) for n in a.numblocks)):
        wref = Ref((w.name, *idx)) if w is not None else None
        layer[(name, *idx, 0)] = Task(_histogram_block, Ref((a.name, *idx)), wref, bins if range is not None else edges,
                                   range)
    inter = Array(layer, name, tuple((1,) * n for n in a.numblocks) + ((nbins,),), out_dtype,
                  (a,) + ((w,) if w is not None else ()))
    axes = tuple(range_(a.ndim))
    aggregate = functools.partial(_sum_first, dtype=out_dtype)
    combine = functools.partial(_sum_first, dtype=None)
    counts = tree(inter, axes, functools.partial(combine, axis=axes, keepdims=True),
                  functools.partial(aggregate, axis=axes, keepdims=False), False, out_dtype, split_every, "histogram")
    if density:
        counts = map_blocks(_density, counts, np.diff(edges), dtype=np.float64)
    return counts, edges


def _bincount_block(block: np.ndarray, weights: Any, minlength: int) -> np.ndarray:
    if block.size and block.min() < 0:
        raise ArrayError(f"bincount: the values must not be negative (found {block.min()})")
    return np.bincount(block, weights=weights, minlength=minlength)


def _padded_sum(parts: list) -> np.ndarray:
    n = builtins.max(len(p) for p in parts)
    out = np.zeros(n, dtype=np.result_type(*parts))
    for p in parts:
        out[:len(p)] += p
    return out


@implements(np.bincount)
def bincount(x: Any, weights: Any = None, minlength: int = 0, split_every: Any = None) -> Array:
    """How often each non-negative int occurs in 1-D ``x`` (weighted by ``weights``), as
    ``np.bincount``: per-block counts summed in a tree. The length (the largest value + 1, or
    ``minlength``) is unknown until computed."""
    x = _as_array(x)
    if x.ndim != 1:
        raise ArrayError(f"bincount needs a 1-D array, not one of {x.ndim} dimensions")
    if not (np.issubdtype(x.dtype, np.integer) or x.dtype == bool):
        raise ArrayError(f"bincount needs non-negative ints, not {x.dtype}")
    if not isinstance(minlength, Integral) or minlength < 0:
        raise ArrayError(f"bincount: minlength must be a non-negative int, not {minlength!r}")
    w = None
    if weights is not None:
        w = _as_array(weights)
        if w.shape != x.shape:
            raise ArrayError(f"bincount: weights of shape {w.shape} do not match the array's {x.shape}")
        if w.chunks != x.chunks:
            w = w.rechunk(x.chunks)
    dtype = np.bincount(np.zeros(1, dtype=np.intp), weights=None if w is None else np.ones(1, dtype=w.dtype)).dtype
    name = new_name("bincount-chunk")
    layer = {(name, i): Task(_bincount_block, Ref((x.name, i)), Ref((w.name, i)) if w is not None else None,
                             int(minlength)) for i in range_(x.numblocks[0])}
    inter = Array(layer, name, ((math.nan,) * x.numblocks[0],), dtype, (x,) + ((w,) if w is not None else ()))
    return tree(inter, (0,), _padded_sum, _padded_sum, True, dtype, split_every, "bincount", math.nan,
                concatenate=False)


@implements(np.digitize)
def digitize(x: Any, bins: Any, right: bool = False) -> Array:
    """The index of the bin each element falls in, as ``np.digitize`` (``bins`` is a NumPy
    sequence, given whole to every block)."""
    bins = np.asarray(bins.compute() if isinstance(bins, Array) else bins)
    if bins.ndim != 1:
        raise ArrayError(f"digitize: bins must be 1-D, not of shape {bins.shape}")
    return map_blocks(_digitize, _as_array(x), bins, bool(right), dtype=np.intp)


def _digitize(block: np.ndarray, bins: np.ndarray, right: bool) -> np.ndarray:
    return np.digitize(block, bins, right=right)


# -- isin ---------------------------------------------------------------------------------------------------


def _isin_kernel(element: np.ndarray, test: np.ndarray, assume_unique: bool) -> np.ndarray:
    found = np.isin(element, test.ravel(), assume_unique=assume_unique)
    return found.reshape(found.shape + (1,) * test.ndim)


@implements(np.isin)
def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False, *,
         kind: Any = None) -> Array:
    """Whether each element is in ``test_elements``, as ``np.isin``. A NumPy (or list)
    ``test_elements`` is given whole to every block; a frames array is checked block against
    block and the answers or-ed (dask's way), so no task holds all of it."""
    element = _as_array(element)
    if not isinstance(test_elements, Array):
        test = np.asarray(test_elements)
        out = map_blocks(_isin_numpy, element, test, bool(assume_unique), dtype=bool)
    else:
        e_ind = tuple(range_(element.ndim))
        t_ind = tuple(range_(element.ndim, element.ndim + test_elements.ndim))
        pairs = blockwise(_isin_kernel, e_ind + t_ind, element, e_ind, test_elements, t_ind, bool(assume_unique),
                          None, dtype=bool, adjust_chunks={i: 1 for i in t_ind}, name=new_name("isin"))
        out = reductions.any(pairs, axis=t_ind)
    return ~out if invert else out


def _isin_numpy(block: np.ndarray, test: np.ndarray, assume_unique: bool) -> np.ndarray:
    return np.isin(block, test, assume_unique=assume_unique)


# -- rounding, clipping, closeness ---------------------------------------------------------------------


@implements(np.round, np.around)
def round(a: Any, decimals: int = 0, out: Any = None) -> Array:  # noqa: A001 - NumPy's name
    """Elements rounded to ``decimals`` (half to even, as NumPy)."""
    refuse("round", out=out)
    return elemwise(np.round, _as_array(a), decimals=decimals)


around = round


@implements(np.clip)
def clip(a: Any, a_min: Any = np._NoValue, a_max: Any = np._NoValue, out: Any = None, *, min: Any = np._NoValue,  # noqa: A002
         max: Any = np._NoValue, **kwargs: Any) -> Array:  # noqa: A002
    """Elements limited to [``a_min``, ``a_max``] (either may be None; arrays broadcast)."""
    refuse("clip", out=out, **kwargs)
    low = a_min if a_min is not np._NoValue else (min if min is not np._NoValue else None)
    high = a_max if a_max is not np._NoValue else (max if max is not np._NoValue else None)
    if low is None and high is None:
        raise ArrayError("clip: give a_min, a_max or both")
    return elemwise(np.clip, _as_array(a), low, high)


@implements(np.isclose)
def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Array:
    """Elementwise ``|a - b| <= atol + rtol * |b|``, as ``np.isclose``."""
    return elemwise(np.isclose, _arrayish(a), _arrayish(b), rtol=rtol, atol=atol, equal_nan=equal_nan)


def _arrayish(x: Any) -> Any:
    return x if isinstance(x, (Array, np.ndarray, Number, np.generic)) else np.asarray(x)


@implements(np.allclose)
def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False,
             split_every: Any = None) -> Array:
    """Whether every element is close: a lazy 0-d bool array (NumPy's returns a bool;
    ``bool()`` of a lazy array refuses, so ``.compute()`` it)."""
    return reductions.all(isclose(a, b, rtol, atol, equal_nan), split_every=split_every)


# -- weighted average ---------------------------------------------------------------------------------


def _expand_weights(block: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    return block.reshape([-1 if i == axis else 1 for i in range_(ndim)])


def _checked_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    if np.any(den == 0):
        raise ArrayError("average: the weights sum to zero, so they cannot be normalized")
    return num / den


def _broadcast_like(value: np.ndarray, like: np.ndarray) -> np.ndarray:
    return np.broadcast_to(value, np.shape(like)).astype(np.asarray(like).dtype)


@implements(np.average)
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *, keepdims: Any = False,
            split_every: Any = None) -> Any:
    """The weighted mean along ``axis``: ``sum(a * w) / sum(w)``, as ``np.average`` (weights of
    ``a``'s shape, or 1-D along a single int ``axis``). Weights summing to zero raise when computed."""
    a = _as_array(a)
    keepdims = _keepdims(keepdims)
    if weights is None:
        avg = reductions.mean(a, axis, keepdims=keepdims, split_every=split_every)
        if not returned:
            return avg
        count = math.prod(a.shape[i] for i in normalize_axis(axis, a.ndim, "average"))
        return avg, elemwise(_broadcast_like, np.asarray(count, dtype=avg.dtype), avg, dtype=avg.dtype)
    w = weights if isinstance(weights, Array) else np.asarray(weights)
    if w.shape != a.shape:
        if axis is None:
            raise ArrayError(f"average: weights of shape {w.shape} differ from the array's {a.shape}: give axis=")
        if w.ndim != 1 or not isinstance(axis, Integral):
            raise ArrayError(f"average: weights must have the array's shape {a.shape}, or be 1-D along one int "
                             f"axis, not of shape {w.shape} with axis={axis!r}")
        (ax,) = normalize_axis(axis, a.ndim, "average")
        if w.shape[0] != a.shape[ax]:
            raise ArrayError(f"average: {w.shape[0]} weights for axis {ax} of length {a.shape[ax]}")
        if isinstance(w, Array):
            w = blockwise(_expand_weights, tuple(range_(a.ndim)), w, (ax,), a.ndim, None, ax, None,
                          new_axes={i: 1 for i in range_(a.ndim) if i != ax}, dtype=w.dtype,
                          name=new_name("average-weights"))
        else:
            w = w.reshape([-1 if i == ax else 1 for i in range_(a.ndim)])
    if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        dtype = np.result_type(a.dtype, w.dtype, np.float64)
    else:
        dtype = np.result_type(a.dtype, w.dtype)
    w = _as_array(w).astype(dtype)
    num = reductions.sum(elemwise(np.multiply, a.astype(dtype), w), axis, keepdims=keepdims, split_every=split_every)
    wsum = reductions.sum(w, axis, keepdims=keepdims, split_every=split_every)  # broadcasts if w did
    avg = elemwise(_checked_divide, num, wsum, dtype=dtype)
    return (avg, elemwise(_broadcast_like, wsum, avg, dtype=dtype)) if returned else avg


# -- differences --------------------------------------------------------------------------------------------


def _diff_block(block: np.ndarray, following: Any, axis: int) -> np.ndarray:
    if following is not None:
        block = np.concatenate([block, following], axis=axis)
    return np.diff(block, axis=axis)


def _first(block: np.ndarray, axis: int) -> np.ndarray:
    index = [slice(None)] * block.ndim
    index[axis] = slice(0, 1)
    return block[tuple(index)]


def _diff1(a: Array, axis: int) -> Array:
    """First differences along ``axis``: each block with the first slice of the next non-empty
    block appended, so only the last non-empty block gets one shorter."""
    blocks = a.chunks[axis]
    n = len(blocks)
    nonempty = [i for i in range_(n) if blocks[i] != 0]
    last = nonempty[-1] if nonempty else -1
    out_chunks = list(a.chunks)
    out_chunks[axis] = tuple(b if i != last else b - 1 for i, b in enumerate(blocks))
    name = new_name("diff")
    layer = {}
    for idx in itertools.product(*(range_(m) for m in a.numblocks)):
        i = idx[axis]
        nxt = next((j for j in nonempty if j > i), None) if blocks[i] else None
        if nxt is None:
            layer[(name, *idx)] = Task(_diff_block, Ref((a.name, *idx)), None, axis)
        else:
            following = Ref((a.name, *idx[:axis], nxt, *idx[axis + 1:]))
            layer[(name, *idx)] = Task(_diff_with_next, Ref((a.name, *idx)), following, axis)
    return Array(layer, name, tuple(out_chunks), a.dtype, (a,))


def _diff_with_next(block: np.ndarray, following: np.ndarray, axis: int) -> np.ndarray:
    return _diff_block(block, _first(following, axis), axis)


@implements(np.diff)
def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = np._NoValue, append: Any = np._NoValue) -> Array:
    """The ``n``-th discrete difference along ``axis``, as ``np.diff`` (``prepend`` / ``append``
    not supported)."""
    refuse("diff", prepend=prepend, append=append)
    a = _as_array(a)
    if a.ndim == 0:
        raise ArrayError("diff needs at least one dimension")
    if not isinstance(n, Integral) or n < 0:
        raise ArrayError(f"diff: order n must be a non-negative int, not {n!r}")
    (ax,) = normalize_axis(axis, a.ndim, "diff")
    if math.isnan(a.shape[ax]):
        raise ArrayError("diff needs known chunk sizes along its axis: call compute_chunk_sizes() first")
    for _ in range_(n):
        if a.shape[ax] == 0:
            break
        a = _diff1(a, ax)
    return a


@implements(np.ediff1d)
def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Array:
    """Differences between consecutive elements of the flattened array (``to_end`` /
    ``to_begin`` not supported)."""
    refuse("ediff1d", to_end=to_end, to_begin=to_begin)
    return diff(ravel(_as_array(ary)))


# -- order statistics: whole slices in one block -----------------------------------------------------


def _whole_along(a: Array, axis: Any, what: str) -> tuple[Array, tuple[int, ...] | None]:
    """``a`` with the axes ``what`` works along in one block (the whole array raveled into one
    block for axis=None)."""
    if axis is None:
        flat = ravel(a)
        return flat.rechunk(-1) if flat.numblocks[0] > 1 else flat, None
    axes = normalize_axis(axis, a.ndim, what)
    if builtins.any(a.numblocks[i] > 1 for i in axes):
        a = a.rechunk({i: -1 for i in axes})
    return a, axes


def _order_stat(block: np.ndarray, func: Any, q: Any, axis: Any, keepdims: bool, method: str) -> Any:
    kw = {"method": method} if method is not None else {}
    with np.errstate(all="ignore"):
        if q is None:
            return func(block, axis=axis, keepdims=keepdims)
        return func(block, q, axis=axis, keepdims=keepdims, **kw)


def _order_stat_flat(block: np.ndarray, func: Any, q: Any, method: str, keep_ndim: int) -> Any:
    """An order statistic of all elements (one 1-D block); ``keep_ndim`` length-1 axes appended
    for keepdims."""
    out = _order_stat(block, func, q, 0, False, method)
    return np.reshape(out, np.shape(out) + (1,) * keep_ndim) if keep_ndim else out


def _statistic(a: Any, func: Any, q: Any, axis: Any, keepdims: Any, method: Any, what: str) -> Array:
    a = _as_array(a)
    keepdims = _keepdims(keepdims)
    if q is not None:
        q = np.asarray(q.compute() if isinstance(q, Array) else q)
        if q.ndim > 1:
            raise ArrayError(f"{what}: q must be a number or a 1-D sequence, not of shape {q.shape}")
    whole, axes = _whole_along(a, axis, what)
    probe = func(np.ones((1,) * a.ndim, dtype=a.dtype), *(() if q is None else (q,)))
    dtype = np.asarray(probe).dtype
    lead = (len(q),) if q is not None and q.ndim else None
    name = new_name(what)
    if axes is None:  # one block holding every element, in C order
        task = Task(_order_stat_flat, Ref((whole.name, 0)), func, q, method, a.ndim if keepdims else 0)
        trailing = ((1,),) * a.ndim if keepdims else ()
        chunks = ((lead,) if lead else ()) + trailing
        return Array({(name, *([0] * len(chunks))): task}, name, chunks, dtype, (whole,))
    chunks = []
    for i, c in enumerate(whole.chunks):
        if i in axes:
            if keepdims:
                chunks.append((1,))
        else:
            chunks.append(c)
    layer = {}
    for idx in itertools.product(*(range_(m) for m in whole.numblocks)):
        out_idx = tuple(j for i, j in enumerate(idx) if keepdims or i not in axes)
        key = (name, 0, *out_idx) if lead else (name, *out_idx)
        layer[key] = Task(_order_stat, Ref((whole.name, *idx)), func, q, axes, keepdims, method)
    out_chunks = ((lead,) if lead else ()) + tuple(chunks)
    return Array(layer, name, tuple(out_chunks), dtype, (whole,))


_STAT_DOC = (" Exact: the axes it works along are rechunked to one block first (as dask), and "
             "axis=None gathers the whole array into one task.")


@implements(np.median)
def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: Any = False) -> Array:
    refuse("median", out=out)
    return _statistic(a, np.median, None, axis, keepdims, None, "median")


@implements(np.nanmedian)
def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
              keepdims: Any = False) -> Array:
    refuse("nanmedian", out=out)
    return _statistic(a, np.nanmedian, None, axis, keepdims, None, "nanmedian")


@implements(np.percentile)
def percentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
               method: str = "linear", keepdims: Any = False, *, weights: Any = None,
               interpolation: Any = None) -> Array:
    refuse("percentile", out=out, weights=weights, interpolation=interpolation)
    return _statistic(a, np.percentile, q, axis, keepdims, method, "percentile")


@implements(np.nanpercentile)
def nanpercentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: Any = False, *, weights: Any = None,
                  interpolation: Any = None) -> Array:
    refuse("nanpercentile", out=out, weights=weights, interpolation=interpolation)
    return _statistic(a, np.nanpercentile, q, axis, keepdims, method, "nanpercentile")


@implements(np.quantile)
def quantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: Any = False, *, weights: Any = None,
             interpolation: Any = None) -> Array:
    refuse("quantile", out=out, weights=weights, interpolation=interpolation)
    return _statistic(a, np.quantile, q, axis, keepdims, method, "quantile")


@implements(np.nanquantile)
def nanquantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                method: str = "linear", keepdims: Any = False, *, weights: Any = None,
                interpolation: Any = None) -> Array:
    refuse("nanquantile", out=out, weights=weights, interpolation=interpolation)
    return _statistic(a, np.nanquantile, q, axis, keepdims, method, "nanquantile")


for _f, _what in [(median, "The median along ``axis``, as ``np.median``."),
                  (nanmedian, "The median along ``axis`` ignoring NaNs."),
                  (percentile, "The ``q``-th percentiles along ``axis``, as ``np.percentile`` (``q`` first)."),
                  (nanpercentile, "``percentile`` ignoring NaNs."),
                  (quantile, "The ``q``-th quantiles along ``axis``, as ``np.quantile`` (``q`` first)."),
                  (nanquantile, "``quantile`` ignoring NaNs.")]:
    _f.__doc__ = _what + _STAT_DOC


def _sort_block(block: np.ndarray, axis: int, kind: Any) -> np.ndarray:
    return np.sort(block, axis=axis, kind=kind)


@implements(np.sort)
def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: Any = None) -> Array:
    """Sorted along ``axis``, as ``np.sort``. Not blocked: the axis is rechunked to one block
    first (axis=None: the flattened array, gathered into one task)."""
    refuse("sort", order=order, stable=stable)
    a = _as_array(a)
    whole, axes = _whole_along(a, axis, "sort")
    if axes is not None and len(axes) != 1:
        raise ArrayError(f"sort: axis must be an int or None, not {axis!r}")
    ax = 0 if axes is None else axes[0]
    return map_blocks(_sort_block, whole, ax, kind, dtype=a.dtype)


__all__ = ["allclose", "argtopk", "around", "average", "bincount", "clip", "diff", "digitize", "ediff1d",
           "histogram", "isclose", "isin", "median", "nanmedian", "nanpercentile", "nanquantile", "percentile",
           "quantile", "round", "sort", "topk", "unique"]
