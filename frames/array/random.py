"""Random arrays, reproducible block by block: ``default_rng(seed)`` Generators, the legacy
``RandomState(seed)`` and module-level ``random``, ``normal``, ``uniform``, ``randint``, ...
(as ``dask.array.random``).

Every block is drawn in its own task from its own stream, and the streams are fixed when the
graph is built: a Generator spawns one ``numpy.random.SeedSequence`` child per block (child ``i``
for the block ``i`` in C order, from the Generator's seed sequence, which advances with every
call), a RandomState draws one 32-bit seed per block from its NumPy state. So the same seed,
the same calls and the same chunks give the same numbers on every scheduler and in every run, and
no block depends on another having been drawn first.

The values depend on the chunking, as dask's do: ``random((100,), chunks=10)`` and
``random((100,), chunks=50)`` from the same seed are different (each is correctly distributed),
and neither equals NumPy's ``default_rng(seed).random(100)``.

Distribution parameters (``loc``, ``scale``, ``low``, ...) are scalars.
"""

from __future__ import annotations

import itertools
from numbers import Integral
from typing import Any, Callable

import numpy as np

from exec import Task
from frames.array.chunks import normalize_chunks
from frames.array.core import Array, new_name
from frames.array.errors import ArrayError


def _size_tuple(size: Any) -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, Integral):
        size = (size,)
    try:
        size = tuple(size)
    except TypeError:
        raise ArrayError(f"size must be an int or a tuple of ints, not {type(size).__name__}") from None
    for n in size:
        if not isinstance(n, Integral) or isinstance(n, bool) or n < 0:
            raise ArrayError(f"size {size!r} must hold non-negative ints")
    return tuple(int(n) for n in size)


def _check_scalars(method: str, args: tuple, kwargs: dict) -> None:
    for v in list(args) + list(kwargs.values()):
        if isinstance(v, Array) or (np.ndim(v) and not isinstance(v, (str, np.dtype, type))):
            raise ArrayError(f"random {method}: array-valued parameters are not supported on frames arrays; "
                             "pass scalars (or build the array with map_blocks)")


def _draw_generator(bitgen_type: type, seed: np.random.SeedSequence, method: str, shape: tuple, args: tuple,
                    kwargs: dict) -> np.ndarray:
    """One block: ``method`` of a fresh Generator over the block's own seed sequence."""
    rng = np.random.Generator(bitgen_type(seed))
    return np.asarray(getattr(rng, method)(*args, size=shape, **kwargs))


def _draw_legacy(seed: int, method: str, shape: tuple, args: tuple, kwargs: dict) -> np.ndarray:
    """One block: ``method`` of a fresh legacy RandomState seeded with the block's seed."""
    state = np.random.RandomState(seed)
    return np.asarray(getattr(state, method)(*args, size=shape, **kwargs))


def _blocks(shape: tuple, chunks: Any, dtype: np.dtype):
    chunks = normalize_chunks(chunks, shape, dtype) if shape else ()
    grid = list(itertools.product(*(range(len(c)) for c in chunks)))
    return chunks, grid


def _random_array(probe: Any, method: str, args: tuple, kwargs: dict, size: Any, chunks: Any, scalars: bool,
                  spawn: Callable[[int], Any], block_task: Callable[[Any, tuple], Task]) -> Array:
    """What both interfaces do for a call: the dtype from a one-element sample of ``probe`` (a
    NumPy generator of the same kind), one seed per block from ``spawn(n)``, drawn when the graph
    is built so the values do not depend on the scheduler, and ``block_task(seed, block_shape)``
    for each block."""
    if scalars:
        _check_scalars(method, args, kwargs)
    shape = _size_tuple(size)
    try:
        dtype = np.asarray(getattr(probe, method)(*args, size=(1,), **kwargs)).dtype
    except (TypeError, ValueError, OverflowError) as exc:
        raise ArrayError(f"random {method}{args}: {exc}") from None
    chunks, grid = _blocks(shape, chunks, dtype)
    name = new_name(method)
    layer = {}
    for idx, seed in zip(grid, spawn(len(grid))):
        layer[(name, *idx)] = block_task(seed, tuple(chunks[a][i] for a, i in enumerate(idx)))
    return Array(layer, name, chunks, dtype)


class Generator:
    """A source of reproducible random arrays, as ``numpy.random.Generator`` and
    ``dask.array.random.Generator``. Each call spawns one seed sequence per output block from the
    Generator's own, so successive calls differ and the same seed repeats the same calls' values.
    """

    def __init__(self, seed: Any = None, bit_generator: type = np.random.PCG64):
        if isinstance(seed, np.random.Generator):
            seed = seed.bit_generator
        if isinstance(seed, np.random.BitGenerator):
            bit_generator, seed = type(seed), seed.seed_seq
        self._seed_seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._bit_generator = bit_generator

    def __repr__(self) -> str:
        return f"frames.array.random.Generator({self._bit_generator.__name__})"

    def _wrap(self, method: str, *args: Any, size: Any = None, chunks: Any = "auto", scalars: bool = True,
              **kwargs: Any) -> Array:
        return _random_array(np.random.default_rng(0), method, args, kwargs, size, chunks, scalars, self._seed_seq.spawn,
                             lambda seed, shape: Task(_draw_generator, self._bit_generator, seed, method, shape, args, kwargs))

    # -- the distributions (NumPy's signatures, plus chunks=) ----------------------------------
    def random(self, size: Any = None, dtype: Any = np.float64, chunks: Any = "auto") -> Array:
        """Floats uniform on [0, 1)."""
        return self._wrap("random", size=size, chunks=chunks, dtype=dtype)

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, chunks: Any = "auto") -> Array:
        return self._wrap("standard_normal", size=size, chunks=chunks, dtype=dtype)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("normal", loc, scale, size=size, chunks=chunks)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("uniform", low, high, size=size, chunks=chunks)

    def integers(self, low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False, chunks: Any = "auto") -> Array:
        """Integers from ``[low, high)`` (``[0, low)`` without ``high``; closed with ``endpoint``)."""
        return self._wrap("integers", low, high, size=size, chunks=chunks, dtype=dtype, endpoint=endpoint)

    def exponential(self, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("exponential", scale, size=size, chunks=chunks)

    def poisson(self, lam: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("poisson", lam, size=size, chunks=chunks)

    def binomial(self, n: int, p: float, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("binomial", n, p, size=size, chunks=chunks)

    def gamma(self, shape: float, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("gamma", shape, scale, size=size, chunks=chunks)

    def beta(self, a: float, b: float, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("beta", a, b, size=size, chunks=chunks)

    def lognormal(self, mean: float = 0.0, sigma: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("lognormal", mean, sigma, size=size, chunks=chunks)

    def standard_exponential(self, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("standard_exponential", size=size, chunks=chunks)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, chunks: Any = "auto") -> Array:
        """Samples of ``a`` (an int n: ``range(n)``; or a small 1-D NumPy array, passed to every
        task) with replacement, each element with probability ``p``. Without replacement the
        blocks would depend on one another: refused."""
        return _choice(self, a, size, replace, p, chunks)

    def permutation(self, x: Any, chunks: Any = "auto") -> Array:
        """A random permutation of ``range(x)`` (an int) or of a 1-D array's elements. The order is
        one draw for the whole length (a permutation cannot be drawn block by block), made when
        the graph is built; the elements are then gathered by index."""
        return _permutation(self._next_numpy(), x, chunks)

    def _next_numpy(self) -> np.random.Generator:
        (seed,) = self._seed_seq.spawn(1)
        return np.random.Generator(self._bit_generator(seed))


def default_rng(seed: Any = None) -> Generator:
    """A Generator over PCG64 (``numpy.random.default_rng``'s), seeded with ``seed``."""
    if isinstance(seed, Generator):
        return seed
    return Generator(seed)


class RandomState:
    """The legacy interface (``numpy.random.RandomState``, ``dask.array.random.RandomState``):
    each call draws one 32-bit seed per output block from this object's own NumPy RandomState."""

    def __init__(self, seed: Any = None):
        self._numpy_state = np.random.RandomState(seed)

    def seed(self, seed: Any = None) -> None:
        self._numpy_state.seed(seed)

    def _wrap(self, method: str, *args: Any, size: Any = None, chunks: Any = "auto", scalars: bool = True,
              **kwargs: Any) -> Array:
        return _random_array(np.random.RandomState(0), method, args, kwargs, size, chunks, scalars,
                             lambda n: self._numpy_state.randint(0, 2**32, size=n, dtype=np.uint64),
                             lambda seed, shape: Task(_draw_legacy, int(seed), method, shape, args, kwargs))

    def random_sample(self, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("random_sample", size=size, chunks=chunks)

    random = random_sample

    def standard_normal(self, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("standard_normal", size=size, chunks=chunks)

    def normal(self, loc: float = 0.0, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("normal", loc, scale, size=size, chunks=chunks)

    def uniform(self, low: float = 0.0, high: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("uniform", low, high, size=size, chunks=chunks)

    def randint(self, low: int, high: int | None = None, size: Any = None, dtype: Any = int,
                chunks: Any = "auto") -> Array:
        """Integers from ``[low, high)`` (``[0, low)`` without ``high``)."""
        return self._wrap("randint", low, high, size=size, chunks=chunks, dtype=dtype)

    def exponential(self, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("exponential", scale, size=size, chunks=chunks)

    def poisson(self, lam: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("poisson", lam, size=size, chunks=chunks)

    def binomial(self, n: int, p: float, size: Any = None, chunks: Any = "auto") -> Array:
        return self._wrap("binomial", n, p, size=size, chunks=chunks)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None, chunks: Any = "auto") -> Array:
        return _choice(self, a, size, replace, p, chunks)

    def permutation(self, x: Any, chunks: Any = "auto") -> Array:
        return _permutation(np.random.RandomState(int(self._numpy_state.randint(0, 2**32, dtype=np.uint64))), x, chunks)


def _choice(source: Any, a: Any, size: Any, replace: bool, p: Any, chunks: Any) -> Array:
    if not replace:
        raise ArrayError("choice(replace=False) is not supported on frames arrays: blocks drawn without replacement "
                         "would depend on one another; draw a permutation instead")
    if isinstance(a, Array) or isinstance(p, Array):
        raise ArrayError("choice takes an int or a NumPy array for a (and p), not a frames array; compute() it first")
    if not isinstance(a, Integral):
        a = np.asarray(a)
        if a.ndim != 1:
            raise ArrayError(f"choice needs a 1-D a, not one of {a.ndim} dimensions")
        if not len(a):
            raise ArrayError("choice cannot draw from an empty a")
    elif a <= 0:
        raise ArrayError(f"choice needs a positive int a, not {a}")
    if p is not None:
        p = np.asarray(p, dtype=float)
        n = a if isinstance(a, Integral) else len(a)
        if p.shape != (n,) or abs(p.sum() - 1) > 1e-8 or (p < 0).any():
            raise ArrayError(f"choice's p must be {n} non-negative probabilities adding up to 1")
    # a and p are small NumPy arrays, passed to every task whole
    return source._wrap("choice", a, size=size, chunks=chunks, scalars=False, replace=True, p=p)


def _permutation(rng: Any, x: Any, chunks: Any) -> Array:
    from frames.array.creation import from_array

    if isinstance(x, Integral):
        if x < 0:
            raise ArrayError(f"permutation needs a non-negative int, not {x}")
        return from_array(rng.permutation(int(x)), chunks=chunks)
    if isinstance(x, Array):
        if x.ndim != 1:
            raise ArrayError("permutation of a frames array needs a 1-D array")
        if not x.known_chunks:
            raise ArrayError("permutation needs the array's length: call compute_chunk_sizes() first")
        order = rng.permutation(int(x.shape[0]))
        try:
            return x[order]
        except (TypeError, NotImplementedError, AttributeError):
            raise ArrayError("permutation of a frames array needs integer-array indexing, which is not available") from None
    return from_array(rng.permutation(np.asarray(x)), chunks=chunks)


# -- module-level functions over one shared RandomState, as dask.array.random's -----------------------

_state = RandomState()


def seed(seed: Any = None) -> None:
    """Reseed the RandomState behind the module-level functions."""
    _state.seed(seed)


def random(size: Any = None, chunks: Any = "auto") -> Array:
    """Floats uniform on [0, 1) (module-level: the shared RandomState; ``seed()`` reseeds it)."""
    return _state.random_sample(size=size, chunks=chunks)


random_sample = random


def normal(loc: float = 0.0, scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
    return _state.normal(loc, scale, size=size, chunks=chunks)


def uniform(low: float = 0.0, high: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
    return _state.uniform(low, high, size=size, chunks=chunks)


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = int, chunks: Any = "auto") -> Array:
    return _state.randint(low, high, size=size, dtype=dtype, chunks=chunks)


def standard_normal(size: Any = None, chunks: Any = "auto") -> Array:
    return _state.standard_normal(size=size, chunks=chunks)


def exponential(scale: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
    return _state.exponential(scale, size=size, chunks=chunks)


def poisson(lam: float = 1.0, size: Any = None, chunks: Any = "auto") -> Array:
    return _state.poisson(lam, size=size, chunks=chunks)


def choice(a: Any, size: Any = None, replace: bool = True, p: Any = None, chunks: Any = "auto") -> Array:
    return _state.choice(a, size=size, replace=replace, p=p, chunks=chunks)


def permutation(x: Any, chunks: Any = "auto") -> Array:
    return _state.permutation(x, chunks=chunks)


__all__ = ["Generator", "RandomState", "default_rng", "seed", "random", "random_sample", "normal", "uniform",
           "randint", "standard_normal", "exponential", "poisson", "choice", "permutation"]
