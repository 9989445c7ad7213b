"""frames.array as an xarray chunk manager: ``Dataset.chunk(..., chunked_array_type="frames")``
and ``open_dataset(..., chunks=..., chunked_array_type="frames")`` give variables backed by
frames arrays, and xarray computes them through ``frames.compute``.

xarray finds chunk managers through the ``xarray.chunkmanagers`` entry point (pyproject.toml
declares ``frames = "frames.array.xarray:FramesChunkManager"``); when frames is the only one
installed (no Dask), xarray picks it for every ``chunks=`` without being told. The methods are
those of ``xarray.namedarray.parallelcompat.ChunkManagerEntrypoint`` (xarray's "chunked arrays"
internals page), each a thin call into frames.array; ``apply_gufunc`` (what
``xr.apply_ufunc(..., dask="parallelized")`` uses) and ``unify_chunks`` are written here because
nothing else in frames.array needs them. Methods whose frames.array operation is not there raise
``NotImplementedError``, which is what xarray expects of a manager without that feature.

Importing this module needs xarray; nothing else in frames imports it.
"""

from __future__ import annotations

import importlib
import re
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from xarray.namedarray.parallelcompat import ChunkManagerEntrypoint

from exec import Ref, Task
from frames.array.chunks import chunk_bytes_limit, common_chunks, normalize_chunks
from frames.array.core import Array, blockwise, new_name
from frames.array.errors import ArrayError

# keyword arguments xarray passes to a Dask-style from_array that frames does not use
_DASK_ONLY_FROM_ARRAY = ("lock", "token", "getitem", "fancy")


def _optional(module: str, name: str) -> Callable | None:
    """``frames.array.<module>.<name>`` if that operation exists (modules land independently)."""
    try:
        return getattr(importlib.import_module(f"frames.array.{module}"), name, None)
    except ImportError:
        return None


def _missing(what: str) -> NotImplementedError:
    return NotImplementedError(f"frames.array has no {what} yet, so xarray cannot use it on frames-backed variables")


class FramesChunkManager(ChunkManagerEntrypoint[Array]):
    """The interface between frames.array and xarray (see the module docstring)."""

    available = True

    def __init__(self) -> None:
        self.array_cls = Array

    def is_chunked_array(self, data: Any) -> bool:
        return isinstance(data, Array)

    def chunks(self, data: Array) -> tuple[tuple, ...]:
        return data.chunks

    def normalize_chunks(self, chunks: Any, shape: tuple | None = None, limit: int | None = None,
                         dtype: Any = None, previous_chunks: tuple | None = None) -> tuple[tuple, ...]:
        if shape is None:
            raise ArrayError("normalize_chunks needs the array's shape")
        if isinstance(previous_chunks, tuple) and previous_chunks and all(isinstance(c, int) for c in previous_chunks):
            # xarray passes a backend's preferred chunk *shape*; frames' previous is per-axis block lengths
            previous_chunks = normalize_chunks(previous_chunks, shape, dtype)
        return normalize_chunks(chunks, shape, dtype, previous=previous_chunks, limit=limit)

    def from_array(self, data: Any, chunks: Any, **kwargs: Any) -> Array:
        from frames.array.creation import from_array

        for k in _DASK_ONLY_FROM_ARRAY:
            kwargs.pop(k, None)
        if kwargs.get("name") is None:
            kwargs.pop("name", None)
        kwargs.pop("meta", None)  # xarray's lazily indexed arrays give np.ndarray: the default
        if isinstance(chunks, tuple) and "auto" in chunks and any(s == 0 for s in data.shape):
            chunks = (-1,) * len(data.shape)  # "auto" over a zero-length axis: one (empty) block
        return from_array(data, chunks, **kwargs)

    def rechunk(self, data: Array, chunks: Any, **kwargs: Any) -> Array:
        if isinstance(chunks, dict) and any(s == 0 for s in data.shape):
            chunks = {k: (-1 if v == "auto" else v) for k, v in chunks.items()}
        return super().rechunk(data, chunks, **kwargs)

    def compute(self, *data: Any, **kwargs: Any) -> tuple:
        from frames.base import compute

        return compute(*data, **kwargs)

    def persist(self, *data: Any, **kwargs: Any) -> tuple:
        from frames.base import persist

        return persist(*data, **kwargs)

    @property
    def array_api(self) -> Any:
        import frames.array

        return frames.array

    def get_auto_chunk_size(self) -> int:
        return chunk_bytes_limit()

    def reduction(self, arr: Array, func: Callable, combine_func: Callable | None = None,
                  aggregate_func: Callable | None = None, axis: Any = None, dtype: Any = None,
                  keepdims: bool = False) -> Array:
        reduction = _optional("reductions", "reduction")
        if reduction is None:
            raise _missing("generic reduction (frames.array.reductions.reduction)")
        return reduction(arr, chunk=func, combine=combine_func, aggregate=aggregate_func, axis=axis,
                         dtype=dtype, keepdims=keepdims)

    def scan(self, func: Callable, binop: Callable, ident: float, arr: Array, axis: int | None = None,
             dtype: Any = None, **kwargs: Any) -> Array:
        cumreduction = _optional("reductions", "cumreduction")
        if cumreduction is None:
            raise _missing("cumulative scan (frames.array.reductions.cumreduction)")
        return cumreduction(func, binop, ident, arr, axis=axis, dtype=dtype, **kwargs)

    def apply_gufunc(self, func: Callable, signature: str, *args: Any, axes: Any = None, axis: Any = None,
                     keepdims: bool = False, output_dtypes: Any = None, output_sizes: dict | None = None,
                     vectorize: bool | None = None, allow_rechunk: bool = False, meta: Any = None,
                     **kwargs: Any) -> Any:
        if axes is not None or axis is not None or keepdims:
            raise NotImplementedError("frames' apply_gufunc takes core dimensions last (axes=, axis=, keepdims= are not supported)")
        return apply_gufunc(func, signature, *args, output_dtypes=output_dtypes, output_sizes=output_sizes,
                            vectorize=vectorize, allow_rechunk=allow_rechunk, **kwargs)

    def map_blocks(self, func: Callable, *args: Any, dtype: Any = None, chunks: Any = None,
                   drop_axis: Any = None, new_axis: Any = None, **kwargs: Any) -> Array:
        from frames.array.core import map_blocks

        kwargs.pop("token", None)
        return map_blocks(func, *args, dtype=dtype, chunks=chunks, drop_axis=() if drop_axis is None else drop_axis,
                          new_axis=new_axis, **kwargs)

    def blockwise(self, func: Callable, out_ind: Iterable, *args: Any, name: str | None = None, token: Any = None,
                  dtype: Any = None, adjust_chunks: dict | None = None, new_axes: dict | None = None,
                  align_arrays: bool = True, concatenate: bool | None = None, meta: Any = None, **kwargs: Any) -> Array:
        return blockwise(func, out_ind, *args, name=name, dtype=dtype, adjust_chunks=adjust_chunks,
                         new_axes=new_axes, align_arrays=align_arrays, concatenate=bool(concatenate), **kwargs)

    def unify_chunks(self, *args: Any, **kwargs: Any) -> tuple[dict, list]:
        return unify_chunks(*args)

    def store(self, sources: Any, targets: Any, **kwargs: Any) -> Any:
        store = _optional("io", "store")
        if store is None:
            raise _missing("store (frames.array.io.store)")
        kwargs.pop("flush", None)  # xarray's writers pass Dask's flush=True; each task writes its block itself
        if kwargs.get("compute", True) is False:
            # xarray wraps what store returns in a dask.delayed, which cannot run a frames Delayed: the
            # writes would silently never happen. Refuse instead of losing them.
            raise ArrayError("writing a frames-backed xarray object with compute=False is not supported "
                             "(xarray would hand the pending writes to dask, which cannot run them); "
                             "write with compute=True")
        return store(sources, targets, **kwargs)


# -- unify_chunks -------------------------------------------------------------------------------

def unify_chunks(*args: Any) -> tuple[dict, list]:
    """``(chunks per index, arrays rechunked to them)`` for ``(array, index, array, index, ...)``
    pairs, as ``dask.array.core.unify_chunks``: arrays sharing an index get its common blocks (the
    union of their boundaries); an axis of length 1 broadcasts and keeps its one block; values
    with index ``None`` pass through."""
    from frames.array.rechunk import rechunk

    pairs = [(args[i], tuple(args[i + 1]) if args[i + 1] is not None else None) for i in range(0, len(args), 2)]
    per_index: dict[Any, list[tuple]] = {}
    for a, ind in pairs:
        if ind is None:
            continue
        if not isinstance(a, Array):
            raise ArrayError(f"unify_chunks: an index is given for a {type(a).__name__}, not a frames array")
        if len(ind) != a.ndim:
            raise ArrayError(f"unify_chunks: index {ind!r} has {len(ind)} entries for an array of {a.ndim} dimensions")
        for i, c in zip(ind, a.chunks):
            per_index.setdefault(i, []).append(c)
    chunkss: dict[Any, tuple] = {}
    for i, seen in per_index.items():
        full = [c for c in seen if sum(c) != 1] or seen
        if len({sum(c) for c in full}) > 1:
            raise ArrayError(f"unify_chunks: lengths differ along index {i!r}: {sorted({sum(c) for c in full})}")
        chunkss[i] = full[0] if len(set(full)) == 1 else common_chunks(*full)
    arrays = []
    for a, ind in pairs:
        if ind is not None:
            want = tuple(c if sum(c) == 1 and sum(chunkss[i]) != 1 else chunkss[i] for i, c in zip(ind, a.chunks))
            if want != a.chunks:
                a = rechunk(a, want)
        arrays.append(a)
    return chunkss, arrays


# -- apply_gufunc -------------------------------------------------------------------------------

_DIMS = r"\((?:\w+(?:,\s*\w+)*)?\)"


def parse_gufunc_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]] | tuple[str, ...]]:
    """``"(i),(i)->()"`` as ``([("i",), ("i",)], ())``; several outputs ``"()->(),()"`` give a list."""
    text = re.sub(r"\s+", "", signature)
    if not re.fullmatch(rf"{_DIMS}(?:,{_DIMS})*->{_DIMS}(?:,{_DIMS})*", text):
        raise ArrayError(f"not a generalized ufunc signature: {signature!r} (expected e.g. '(i),(i)->()')")
    ins, outs = text.split("->")

    def groups(part: str) -> list[tuple[str, ...]]:
        return [tuple(d for d in g.split(",") if d) for g in re.findall(r"\(([^)]*)\)", part)]

    out_groups = groups(outs)
    return groups(ins), (out_groups if "),(" in outs else out_groups[0])


def apply_gufunc(func: Callable, signature: str, *args: Any, output_dtypes: Any = None,
                 output_sizes: dict | None = None, vectorize: bool | None = None,
                 allow_rechunk: bool = False, **kwargs: Any) -> Any:
    """``func`` (a generalized ufunc: core dimensions last) block by block, as
    ``dask.array.apply_gufunc``: the loop dimensions broadcast and are chunked as the inputs are;
    every core dimension must be one block (``allow_rechunk=True`` joins it into one). New output
    core dimensions take their lengths from ``output_sizes``. ``vectorize=True`` wraps ``func`` in
    ``np.vectorize`` with the signature. Several outputs (``"()->(),()"``) give a tuple of arrays."""
    from frames.array.creation import asarray

    in_dims, out_dims = parse_gufunc_signature(signature)
    if len(in_dims) != len(args):
        raise ArrayError(f"signature {signature!r} takes {len(in_dims)} inputs, {len(args)} given")
    if vectorize:
        func = np.vectorize(func, signature=signature, otypes=_dtype_list(output_dtypes))
    arrays = [asarray(a) if not isinstance(a, Array) else a for a in args]
    loop_ndim = max(a.ndim - len(d) for a, d in zip(arrays, in_dims))
    sizes: dict[str, int] = dict(output_sizes or {})
    pairs: list[Any] = []
    for n, (a, core) in enumerate(zip(arrays, in_dims)):
        if a.ndim < len(core):
            raise ArrayError(f"input {n} has {a.ndim} dimensions, fewer than its core dimensions {core}")
        nloop = a.ndim - len(core)
        for dim, c, length in zip(core, a.chunks[nloop:], a.shape[nloop:]):
            if sizes.setdefault(dim, length) != length:
                raise ArrayError(f"core dimension {dim!r} has lengths {sizes[dim]} and {length}")
            if len(c) > 1 and not allow_rechunk:
                raise ArrayError(f"core dimension {dim!r} of input {n} spans {len(c)} chunks; rechunk it into one "
                                 f"(e.g. .chunk({{{dim!r}: -1}})) or pass allow_rechunk=True")
        if nloop < a.ndim and any(len(c) > 1 for c in a.chunks[nloop:]):
            a = a.rechunk({axis: -1 for axis in range(nloop, a.ndim)})
        loop_ind = tuple(range(loop_ndim - nloop, loop_ndim))
        pairs += [a, loop_ind + tuple(f"core-{d}" for d in core)]
    multi = isinstance(out_dims, list)
    outs = out_dims if multi else [out_dims]
    for d in (d for o in outs for d in o):
        if d not in sizes:
            raise ArrayError(f"output core dimension {d!r} is in no input: give its length in output_sizes")
    dtypes = _dtype_list(output_dtypes) or _probe_dtypes(func, arrays, in_dims, sizes, kwargs, len(outs))
    if len(dtypes) != len(outs):
        raise ArrayError(f"{len(dtypes)} output_dtypes for {len(outs)} outputs")
    loop = tuple(range(loop_ndim))
    if not multi:
        core = outs[0]
        return blockwise(func, loop + tuple(f"core-{d}" for d in core), *pairs, dtype=dtypes[0], concatenate=True,
                         new_axes={f"core-{d}": sizes[d] for d in core}, name=new_name(_name(func)), **kwargs)
    tuples = blockwise(func, loop, *pairs, dtype=object, concatenate=True, name=new_name(_name(func)), **kwargs)
    results = []
    for i, (core, dtype) in enumerate(zip(outs, dtypes)):
        name = new_name(f"{_name(func)}-{i}")
        layer = {(name, *k[1:], *(0,) * len(core)): Task(_item, Ref(k), i) for k in tuples.layer}
        chunks = tuples.chunks + tuple((sizes[d],) for d in core)
        results.append(Array(layer, name, chunks, dtype, (tuples,)))
    return tuple(results)


def _item(values: Sequence, i: int) -> Any:
    return values[i]


def _name(func: Callable) -> str:
    return getattr(func, "__name__", None) or getattr(getattr(func, "pyfunc", None), "__name__", "apply_gufunc")


def _dtype_list(output_dtypes: Any) -> list[np.dtype] | None:
    if output_dtypes is None:
        return None
    if isinstance(output_dtypes, (list, tuple)):
        return [np.dtype(d) for d in output_dtypes]
    return [np.dtype(output_dtypes)]


def _probe_dtypes(func: Callable, arrays: list[Array], in_dims: list, sizes: dict, kwargs: dict, nout: int) -> list:
    """The output dtypes, from ``func`` run on one-element loop dimensions (core dimensions at
    their real lengths, which a gufunc may need)."""
    probes = [np.ones((1,) * (a.ndim - len(d)) + tuple(sizes[x] for x in d), dtype=a.dtype) for a, d in zip(arrays, in_dims)]
    try:
        with np.errstate(all="ignore"):
            out = func(*probes, **kwargs)
    except Exception as exc:
        raise ArrayError(f"could not infer the output dtype of {_name(func)} ({type(exc).__name__}: {exc}); "
                         f"pass output_dtypes=") from None
    outs = out if nout > 1 else (out,)
    return [np.asarray(o).dtype for o in outs]


__all__ = ["FramesChunkManager", "apply_gufunc", "unify_chunks", "parse_gufunc_signature"]
