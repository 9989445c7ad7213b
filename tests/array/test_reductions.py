"""Reductions and cumulative scans of frames arrays against NumPy on the same data: every axis
combination, keepdims, ints / floats / bools, NaNs, empty arrays and empty blocks, chunkings even,
uneven, one block and one element per block, deep split_every trees, and the schedulers."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

import frames
import frames.array as fa
from frames.array.core import Array
from frames.array.errors import ArrayError, UnknownChunksError

RNG = np.random.default_rng(42)

# (label, shape, chunkings): even, uneven, one block, one element per block along an axis
SHAPES = [
    ("1d", (13,), [(13,), (4,), ((5, 1, 7),), (1,)]),
    ("2d", (7, 6), [(7, 6), (3, 2), ((2, 5), (1, 4, 1)), (1, 6)]),
    ("3d", (4, 5, 3), [(4, 5, 3), (2, 2, 2), ((1, 3), (3, 2), (2, 1)), (4, 1, 3)]),
]


def _data(shape: tuple, kind: str) -> np.ndarray:
    if kind == "float":
        x = RNG.standard_normal(shape)
        return x
    if kind == "nan":
        x = RNG.standard_normal(shape)
        x.flat[:: 3] = np.nan
        return x
    if kind == "int":
        return RNG.integers(-4, 5, shape).astype(np.int32)
    return RNG.random(shape) > 0.4


# floats on every chunking; NaNs, ints and bools on some (the suite's time matters)
KINDS = {"float": (0, 1, 2, 3), "nan": (1, 2), "int": (0, 2), "bool": (1, 3)}
CASES = [(f"{label}-c{i}-{kind}", _data(shape, kind), chunkings[i])
         for label, shape, chunkings in SHAPES for kind, which in KINDS.items() for i in which]


def _axes(ndim: int) -> list:
    """None, every single axis (and -1), every tuple of axes."""
    out: list = [None, -1, (0,)] + list(range(ndim))
    for r in range(2, ndim + 1):
        out += list(itertools.combinations(range(ndim), r))
    return out


def _check(got: object, want: object, exact: bool = False) -> None:
    assert np.asarray(got).dtype == np.asarray(want).dtype, (np.asarray(got).dtype, np.asarray(want).dtype)
    assert np.shape(got) == np.shape(want)
    assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray), (type(got), type(want))
    if exact or np.asarray(want).dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)


SIMPLE = ["sum", "prod", "mean", "std", "var", "min", "max", "any", "all", "count_nonzero",
          "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax"]


@pytest.mark.parametrize("func", SIMPLE)
def test_reductions_match_numpy(func):
    """Every case x every axis combination x keepdims, on the sync scheduler."""
    for label, x, chunks in CASES:
        a = fa.from_array(x, chunks=chunks)
        for axis, keepdims in itertools.product(_axes(x.ndim), (False, True)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's all-NaN slice warnings
                want = getattr(np, func)(x, axis=axis, keepdims=keepdims)
            got = getattr(fa, func)(a, axis=axis, keepdims=keepdims).compute(scheduler="sync")
            try:
                _check(got, want)
            except AssertionError as exc:
                raise AssertionError(f"{func} {label} axis={axis} keepdims={keepdims}: {exc}") from None


@pytest.mark.parametrize("func", ["argmin", "argmax", "nanargmin", "nanargmax"])
def test_arg_reductions_match_numpy(func):
    for label, x, chunks in CASES:
        a = fa.from_array(x, chunks=chunks)
        for axis, keepdims in itertools.product([None] + list(range(x.ndim)) + [-1], (False, True)):
            try:
                want = getattr(np, func)(x, axis=axis, keepdims=keepdims)
            except ValueError:  # an all-NaN slice: NumPy raises, so do we
                with pytest.raises(ArrayError, match="All-NaN"):
                    getattr(fa, func)(a, axis=axis, keepdims=keepdims).compute(scheduler="sync")
                continue
            got = getattr(fa, func)(a, axis=axis, keepdims=keepdims).compute(scheduler="sync")
            try:
                _check(got, want, exact=True)
            except AssertionError as exc:
                raise AssertionError(f"{func} {label} axis={axis} keepdims={keepdims}: {exc}") from None


def test_argmin_ties_take_numpys_first_occurrence():
    """Ties across blocks whose C-order flat indices interleave: block (0, 1) holds flat index 2,
    block (1, 0) flat index 8, and NumPy answers the smaller."""
    x = np.ones((4, 4))
    x[0, 2] = x[1, 1] = x[2, 0] = 0  # flat 2, 5, 8
    x[3, 3] = x[1, 0] = 5
    for chunks in [(2, 2), (1, 1), (3, 1), (4, 4)]:
        a = fa.from_array(x, chunks=chunks)
        assert a.argmin().compute(scheduler="sync") == np.argmin(x) == 2
        assert a.argmax().compute(scheduler="sync") == np.argmax(x)
        np.testing.assert_array_equal(a.argmin(axis=1).compute(scheduler="sync"), np.argmin(x, axis=1))
        np.testing.assert_array_equal(a.argmin(axis=0).compute(scheduler="sync"), np.argmin(x, axis=0))
    y = np.array([3.0, np.nan, 1.0, np.nan, 0.0])
    b = fa.from_array(y, chunks=2)
    assert b.argmin().compute(scheduler="sync") == np.argmin(y) == 1  # NumPy: the first NaN wins
    assert fa.nanargmin(b).compute(scheduler="sync") == np.nanargmin(y) == 4
    assert fa.nanargmax(b).compute(scheduler="sync") == np.nanargmax(y) == 0


def test_nanargmin_of_all_nan_slice_raises_a_value_error():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]])
    a = fa.from_array(x, chunks=1)
    with pytest.raises(ValueError):
        np.nanargmin(x, axis=1)
    with pytest.raises(ArrayError, match="All-NaN slice"):
        fa.nanargmin(a, axis=1).compute(scheduler="sync")
    x = np.array([[np.nan, 2.0], [1.0, np.nan]])
    a = fa.from_array(x, chunks=1)
    with pytest.raises(ValueError, match="All-NaN slice"):  # ArrayError is a ValueError, as NumPy's
        fa.nanargmax(fa.from_array(np.full(5, np.nan), chunks=2)).compute(scheduler="sync")
    np.testing.assert_array_equal(fa.nanargmin(a, axis=0).compute(scheduler="sync"), np.nanargmin(x, axis=0))


def test_variance_of_large_values_keeps_its_digits():
    """Values around 1e8 with a spread of ~1: "E[x^2] - E[x]^2" loses every digit; the merge of
    per-block moments matches NumPy's two-pass answer."""
    x = 1e8 + RNG.standard_normal(10_000)
    for chunks in (37, 1000, 10_000):
        a = fa.from_array(x, chunks=chunks)
        np.testing.assert_allclose(a.var().compute(scheduler="sync"), np.var(x), rtol=1e-6)
        np.testing.assert_allclose(a.std(ddof=1).compute(scheduler="sync"), np.std(x, ddof=1), rtol=1e-6)
        np.testing.assert_allclose(fa.nanvar(a).compute(scheduler="sync"), np.nanvar(x), rtol=1e-6)
    naive = np.mean(x * x) - np.mean(x) ** 2
    assert abs(naive / np.var(x) - 1) > 1e-3  # the data really do break the naive formula
    y = (1e8 + RNG.standard_normal((300, 40))).astype(np.float64)
    np.testing.assert_allclose(fa.from_array(y, chunks=(7, 9)).var(axis=0).compute(scheduler="sync"),
                               np.var(y, axis=0), rtol=1e-6)


@pytest.mark.parametrize("func", ["var", "std", "nanvar", "nanstd"])
def test_ddof(func):
    x = RNG.standard_normal((6, 5))
    x[0, 0] = np.nan if func.startswith("nan") else x[0, 0]
    a = fa.from_array(x, chunks=(4, 2))
    for ddof, axis in itertools.product((0, 1, 2, 6), (None, 0, 1)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # ddof >= n: NumPy warns and gives inf / nan
            want = getattr(np, func)(x, axis=axis, ddof=ddof)
        _check(getattr(fa, func)(a, axis=axis, ddof=ddof).compute(scheduler="sync"), want)
    _check(getattr(np, func)(a, correction=1).compute(scheduler="sync"), getattr(np, func)(x, correction=1))


def test_dtypes_follow_numpy():
    x32 = np.arange(10, dtype=np.int32)
    a32 = fa.from_array(x32, chunks=3)
    assert a32.sum().dtype == np.sum(x32).dtype == np.int64
    assert a32.sum().compute(scheduler="sync").dtype == np.int64
    assert a32.sum(dtype=np.int32).compute(scheduler="sync").dtype == np.int32
    assert a32.mean().dtype == np.float64
    assert a32.cumsum().dtype == np.int64
    b = fa.from_array(np.array([True, False, True]), chunks=2)
    assert b.sum().compute(scheduler="sync") == 2 and b.sum().dtype == np.sum(np.array([True])).dtype
    f16 = np.linspace(0, 1, 11).astype(np.float16)
    h = fa.from_array(f16, chunks=4)
    for func in ("mean", "var", "std", "sum"):
        got = getattr(h, func)().compute(scheduler="sync")
        assert got.dtype == getattr(np, func)(f16).dtype == np.float16
        np.testing.assert_allclose(got, getattr(np, func)(f16), rtol=2e-3)
    x = np.arange(6.0)
    assert isinstance(fa.from_array(x, chunks=4).sum().compute(scheduler="sync"), np.float64)
    assert fa.from_array(x, chunks=4).mean(dtype=np.float32).compute(scheduler="sync").dtype == np.float32
    c = np.array([1 + 2j, 3 - 1j, 2j, 5.0])
    ca = fa.from_array(c, chunks=3)
    _check(ca.var().compute(scheduler="sync"), np.var(c))
    _check(ca.mean().compute(scheduler="sync"), np.mean(c))


def test_empty_arrays():
    e = fa.from_array(np.zeros((0,)), chunks=5)
    assert e.sum().compute(scheduler="sync") == 0
    assert e.prod().compute(scheduler="sync") == 1
    assert e.any().compute(scheduler="sync") == np.False_ and e.all().compute(scheduler="sync") == np.True_
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the mean of nothing is nan, without a warning from a task
        assert math.isnan(e.mean().compute(scheduler="sync"))
        assert math.isnan(e.var().compute(scheduler="sync"))
    for func in ("min", "max", "nanmin", "argmin", "nanargmax"):
        with pytest.raises(ArrayError, match="axis 0"):
            getattr(fa, func)(e)
    e2 = np.zeros((3, 0))
    a2 = fa.from_array(e2, chunks=2)
    _check(a2.min(axis=0).compute(scheduler="sync"), e2.min(axis=0))  # NumPy: empty result, no error
    _check(a2.sum(axis=1).compute(scheduler="sync"), e2.sum(axis=1))
    _check(a2.sum(axis=0, keepdims=True).compute(scheduler="sync"), e2.sum(axis=0, keepdims=True))
    with pytest.raises(ArrayError, match="axis 1"):
        a2.max(axis=1)
    _check(fa.cumsum(a2, axis=1).compute(scheduler="sync"), np.cumsum(e2, axis=1))
    _check(fa.cumsum(e).compute(scheduler="sync"), np.cumsum(np.zeros(0)))


def test_blocks_of_length_zero_among_others():
    """A chunking with empty blocks (as after a filter): min / argmin / cumsum skip them."""
    x = RNG.standard_normal((7, 4))
    a = fa.from_array(x, chunks=((0, 3, 0, 4, 0), (2, 0, 2)))
    for func in ("min", "max", "sum", "mean", "var", "nanmin", "argmin", "argmax", "cumsum", "cumprod"):
        for axis in (None, 0, 1):
            _check(getattr(fa, func)(a, axis=axis).compute(scheduler="sync"), getattr(np, func)(x, axis=axis))


def test_unknown_chunk_lengths():
    """Blocks whose lengths are only known once computed (nan chunks, as after a boolean mask)."""
    x = RNG.standard_normal(10)
    known = fa.from_array(x, chunks=((3, 0, 4, 3),))
    a = Array(known.layer, known.name, ((math.nan,) * 4,), known.dtype)
    for func in ("sum", "min", "mean", "std", "nanmax", "cumsum"):
        got = getattr(fa, func)(a, axis=0).compute(scheduler="sync")
        _check(got, getattr(np, func)(x, axis=0))
    with pytest.raises(UnknownChunksError, match="compute_chunk_sizes"):
        a.argmin()  # global indices need the blocks' offsets


def test_split_every_trees():
    x = RNG.standard_normal(1000)
    a = fa.from_array(x, chunks=1)
    for split_every in (2, 4, 7, 1000):
        s = a.sum(split_every=split_every)
        graph, _ = s._build_graph()
        fan_in = max(len(t.dependencies) for t in graph.values() if hasattr(t, "dependencies"))
        assert fan_in <= split_every
        levels = {k[0] for k in graph}
        assert sum(level.startswith("sum-combine") for level in levels) == math.ceil(math.log(1000, split_every)) - 1
        np.testing.assert_allclose(s.compute(scheduler="sync"), x.sum())
    assert a.argmax(split_every=4).compute(scheduler="sync") == np.argmax(x)
    np.testing.assert_allclose(a.std(split_every=4).compute(scheduler="sync"), x.std())
    y = RNG.standard_normal((40, 30))
    b = fa.from_array(y, chunks=(1, 2))
    np.testing.assert_allclose(b.mean(axis=(0, 1), split_every={0: 3, 1: 2}).compute(scheduler="sync"), y.mean())
    np.testing.assert_allclose(b.max(axis=0, split_every=16).compute(scheduler="sync"), y.max(axis=0))
    with pytest.raises(ArrayError, match="split_every"):
        b.sum(split_every={0: 1})
    with pytest.raises(ArrayError, match="split_every"):
        b.sum(split_every="lots")


@pytest.mark.parametrize("func", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
def test_cumulative_scans(func):
    for label, x, chunks in CASES:
        if func.endswith("prod"):
            x = np.clip(x, -2, 2)  # keep products finite
        a = fa.from_array(x, chunks=chunks)
        for axis in [None, -1] + list(range(x.ndim)):
            got = getattr(fa, func)(a, axis=axis).compute(scheduler="sync")
            try:
                _check(got, getattr(np, func)(x, axis=axis), exact=x.dtype != float)
            except AssertionError as exc:
                raise AssertionError(f"{func} {label} axis={axis}: {exc}") from None
    x = np.arange(12, dtype=np.int32).reshape(3, 4)
    _check(getattr(fa, func)(fa.from_array(x, chunks=2), axis=1, dtype=np.float32).compute(scheduler="sync"),
           getattr(np, func)(x, axis=1, dtype=np.float32))


def _ffill(x, axis, dtype=None):
    """Forward fill of NaNs along ``axis`` (xarray's ``push``): a scan whose binop does not commute."""
    x = np.moveaxis(x, axis, -1)
    idx = np.where(np.isnan(x), 0, np.arange(x.shape[-1]))
    np.maximum.accumulate(idx, axis=-1, out=idx)
    return np.moveaxis(np.take_along_axis(x, idx, axis=-1), -1, axis)


def _ffill_binop(carry, block):
    return np.where(np.isnan(block), carry, block)


def test_cumreduction_with_a_binop_that_does_not_commute():
    x = RNG.standard_normal((9, 4))
    x[RNG.random(x.shape) < 0.5] = np.nan
    x[:2, 0] = np.nan
    for chunks, method in [((2, 3), "sequential"), ((1, 4), "blelloch"), ((9, 4), "sequential")]:
        a = fa.from_array(x, chunks=chunks)
        got = fa.reductions.cumreduction(_ffill, _ffill_binop, np.nan, a, axis=0, dtype=x.dtype, method=method)
        _check(got.compute(scheduler="sync"), _ffill(x, 0))
    with pytest.raises(ArrayError, match="method"):
        fa.reductions.cumreduction(_ffill, _ffill_binop, np.nan, a, axis=0, method="parallel")


def test_numpy_functions_and_methods_dispatch():
    x = RNG.standard_normal((6, 8))
    a = fa.from_array(x, chunks=(4, 3))
    for name in ["sum", "prod", "mean", "std", "var", "min", "max", "any", "all", "argmin", "argmax"]:
        _check(getattr(np, name)(a).compute(scheduler="sync"), getattr(np, name)(x))
        _check(getattr(a, name)(axis=0).compute(scheduler="sync"), getattr(x, name)(axis=0))
    _check(np.mean(a, axis=0).compute(scheduler="sync"), np.mean(x, axis=0))
    _check(np.nanmax(a).compute(scheduler="sync"), np.nanmax(x))
    _check(np.amax(a, axis=1).compute(scheduler="sync"), np.amax(x, axis=1))
    _check(np.cumsum(a, axis=1).compute(scheduler="sync"), np.cumsum(x, axis=1))
    _check(a.cumprod(axis=0).compute(scheduler="sync"), x.cumprod(axis=0))
    _check(np.count_nonzero(a > 0, axis=1).compute(scheduler="sync"), np.count_nonzero(x > 0, axis=1))
    _check(np.ptp(a, axis=0).compute(scheduler="sync"), np.ptp(x, axis=0))
    # ufunc.reduce maps to the methods, with its own default axis=0
    _check(np.add.reduce(a).compute(scheduler="sync"), np.add.reduce(x))
    _check(np.add.reduce(a, axis=None).compute(scheduler="sync"), np.add.reduce(x, axis=None))
    _check(np.maximum.reduce(a, axis=1, keepdims=True).compute(scheduler="sync"),
           np.maximum.reduce(x, axis=1, keepdims=True))
    _check(np.logical_or.reduce(a > 1, axis=(0, 1)).compute(scheduler="sync"), np.logical_or.reduce(x > 1, axis=(0, 1)))
    assert isinstance(np.sum(a), Array) and np.sum(a).shape == ()


def test_bad_arguments_raise_clear_errors():
    a = fa.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    with pytest.raises(ArrayError, match="axis 2 is out of bounds"):
        a.sum(axis=2)
    with pytest.raises(ArrayError, match="axis -3 is out of bounds"):
        a.mean(axis=-3)
    with pytest.raises(ArrayError, match="twice"):
        a.max(axis=(0, -2))
    with pytest.raises(ArrayError, match="axis must be"):
        a.sum(axis="rows")
    with pytest.raises(ArrayError, match="out="):
        np.sum(a, out=np.zeros(()))
    with pytest.raises(ArrayError, match="out="):
        a.cumsum(out=np.zeros(12))
    with pytest.raises(ArrayError, match="where="):
        np.sum(a, where=np.ones((3, 4), bool) * False)
    with pytest.raises(ArrayError, match="initial="):
        a.max(initial=3)
    with pytest.raises(ArrayError, match="axis must be None or an int"):
        a.argmin(axis=(0, 1))
    with pytest.raises(ArrayError, match="ddof"):
        a.var(ddof="one")
    with pytest.raises(ArrayError, match="cannot be applied"):
        fa.from_array(np.array(["a", "b"]), chunks=1).mean()


_calls: list = []


def _counting(block):
    _calls.append(1)
    return block


def test_nothing_runs_before_compute():
    x = RNG.standard_normal((20, 10))
    a = fa.from_array(x, chunks=5).map_blocks(_counting, dtype=x.dtype)
    _calls.clear()
    results = [a.sum(), a.var(axis=0), a.argmin(axis=1), a.cumsum(axis=0), fa.nanmax(a, keepdims=True)]
    assert _calls == []
    computed = frames.compute(*results, scheduler="sync")
    assert len(_calls) == 8  # every block once: the five reductions share the blocks
    _check(computed[1], x.var(axis=0))
    _check(computed[3], x.cumsum(axis=0))


def test_zero_dimensional_arrays():
    x = np.array(3.5)
    a = fa.from_array(x)
    for name in ("sum", "mean", "min", "max", "var", "argmin", "all"):
        _check(getattr(a, name)().compute(scheduler="sync"), getattr(np, name)(x))
    _check(a.cumsum().compute(scheduler="sync"), np.cumsum(x))


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_reductions_on_every_scheduler(any_scheduler):
    x = RNG.standard_normal((30, 20))
    x[3, 4] = np.nan
    a = fa.from_array(x, chunks=(7, 6))
    lazy = [a.sum(axis=0), fa.nanmean(a, axis=1), fa.nanstd(a), a.max(axis=1, keepdims=True),
            fa.nanargmin(a, axis=0), fa.nanargmax(a), a.cumsum(axis=1), fa.nancumprod(a, axis=0),
            (a > 0).any(axis=0), a.sum(split_every=2)]
    want = [x.sum(axis=0), np.nanmean(x, axis=1), np.nanstd(x), x.max(axis=1, keepdims=True),
            np.nanargmin(x, axis=0), np.nanargmax(x), x.cumsum(axis=1), np.nancumprod(x, axis=0),
            (x > 0).any(axis=0), x.sum()]
    got = frames.compute(*lazy, scheduler=any_scheduler)
    for g, w in zip(got, want):
        _check(g, w)
    with pytest.raises(ArrayError, match="All-NaN"):
        fa.nanargmin(fa.from_array(np.full(4, np.nan), chunks=2)).compute(scheduler=any_scheduler)
