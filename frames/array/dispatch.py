"""``np.<function>(array)`` on frames arrays (NEP 18's ``__array_function__``): one table from
NumPy functions to their blocked versions, filled by the modules that implement them with
``@implements(np.f)``. A NumPy function not in the table raises a clear error naming it, rather
than silently computing the whole array in memory."""

from __future__ import annotations

import importlib
from typing import Any, Callable, Iterable

import numpy as np

from frames.array.errors import ArrayError

HANDLED: dict[Callable, Callable] = {}

# modules whose import fills HANDLED (imported on first dispatch, so none is loaded for nothing)
_IMPLEMENTING_MODULES = ("frames.array.creation", "frames.array.routines", "frames.array.reductions",
                         "frames.array.slicing", "frames.array.reshape", "frames.array.linalg",
                         "frames.array.overlap", "frames.array.rechunk")
_loaded = False


def implements(*numpy_functions: Callable) -> Callable:
    """Register the decorated function as the blocked version of ``numpy_functions``."""

    def register(func: Callable) -> Callable:
        for f in numpy_functions:
            HANDLED[f] = func
        return func

    return register


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in _IMPLEMENTING_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    _loaded = True


def _dtype_or_value(x: Any) -> Any:
    from frames.array.core import Array

    return x.dtype if isinstance(x, Array) else x


@implements(np.result_type)
def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """Known without computing: NumPy's rule over the arrays' dtypes."""
    return np.result_type(*(_dtype_or_value(x) for x in arrays_and_dtypes))


@implements(np.shape)
def shape(a: Any) -> tuple:
    return a.shape


@implements(np.ndim)
def ndim(a: Any) -> int:
    return a.ndim


@implements(np.size)
def size(a: Any, axis: int | None = None) -> Any:
    return a.size if axis is None else a.shape[axis]


def array_function(func: Callable, types: Iterable[type], args: tuple, kwargs: dict) -> Any:
    _load()
    impl = HANDLED.get(func)
    if impl is None:
        name = getattr(func, "__name__", str(func))
        raise ArrayError(f"numpy.{name} is not supported on frames arrays yet; compute() the array first "
                         f"or use map_blocks")
    return impl(*args, **kwargs)


__all__ = ["implements", "HANDLED", "array_function"]
