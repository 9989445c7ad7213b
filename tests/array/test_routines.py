"""Numeric routines of frames arrays against NumPy on the same data: top-k, unique, histogram,
bincount, digitize, isin, round, clip, isclose/allclose, average, median/percentile/quantile,
sort, diff, across chunkings, dtypes, NaNs, empty arrays and the schedulers."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import frames
import frames.array as fa
from frames.array.core import Array
from frames.array.errors import ArrayError

RNG = np.random.default_rng(7)

CHUNKINGS_2D = [(6, 8), (4, 3), ((1, 5), (3, 1, 4)), (1, 8)]


def _eq(got, want):
    assert np.asarray(got).dtype == np.asarray(want).dtype, (np.asarray(got).dtype, np.asarray(want).dtype)
    assert np.shape(got) == np.shape(want), (np.shape(got), np.shape(want))
    if np.asarray(want).dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)


def _sorted_topk(x, k, axis):
    s = np.sort(x, axis=axis)
    n = x.shape[axis]
    if k > 0:
        return np.flip(np.take(s, range(n - k, n), axis=axis), axis=axis)
    return np.take(s, range(-k), axis=axis)


@pytest.mark.parametrize("chunks", CHUNKINGS_2D)
def test_topk_and_argtopk(chunks):
    x = RNG.standard_normal((6, 8))
    x[2, 3] = np.nan  # NaN sorts as the largest, as in np.sort
    a = fa.from_array(x, chunks=chunks)
    for axis, k in itertools.product((0, 1, -1), (1, 3, -2, 6, -6)):
        got = a.topk(k, axis=axis).compute(scheduler="sync")
        _eq(got, _sorted_topk(x, k, axis))
        idx = fa.argtopk(a, k, axis=axis, split_every=2).compute(scheduler="sync")
        assert idx.dtype == np.intp
        _eq(np.take_along_axis(x, idx, axis=axis), got)
    ints = RNG.integers(0, 100, 50)
    b = fa.from_array(ints, chunks=7)
    _eq(b.topk(5).compute(scheduler="sync"), np.sort(ints)[::-1][:5])
    _eq(b.topk(-5, split_every=2).compute(scheduler="sync"), np.sort(ints)[:5])
    with pytest.raises(ArrayError, match="k=60"):
        b.topk(60)
    with pytest.raises(ArrayError, match="non-zero"):
        b.topk(0)
    with pytest.raises(ArrayError, match="axis must be an int"):
        fa.topk(a, 2, axis=None)


@pytest.mark.parametrize("chunks", [(12,), (5,), ((0, 3, 9, 0),), (1,)])
def test_unique(chunks):
    x = RNG.integers(0, 6, 12).astype(float)
    x[[2, 7]] = np.nan
    a = fa.from_array(x, chunks=chunks)
    u = np.unique(a)
    assert isinstance(u, Array) and math.isnan(u.shape[0])  # the length is unknown until computed
    _eq(u.compute(scheduler="sync"), np.unique(x))
    got = fa.unique(a, return_index=True, return_inverse=True, return_counts=True, split_every=2)
    want = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for g, w in zip(frames.compute(*got, scheduler="sync"), want):
        _eq(g, w)


def test_unique_of_nd_and_empty_arrays():
    x = RNG.integers(-3, 3, (5, 7)).astype(np.int16)
    for chunks in [(2, 3), (5, 1), (1, 7)]:
        a = fa.from_array(x, chunks=chunks)
        got = np.unique(a, return_index=True, return_inverse=True, return_counts=True)
        for g, w in zip(frames.compute(*got, scheduler="sync"), np.unique(x, return_index=True, return_inverse=True,
                                                                             return_counts=True)):
            _eq(g, w)
    e = fa.from_array(np.zeros(0, dtype=np.int64), chunks=3)
    _eq(fa.unique(e).compute(scheduler="sync"), np.unique(np.zeros(0, dtype=np.int64)))
    with pytest.raises(ArrayError, match="axis"):
        fa.unique(fa.from_array(x), axis=0)


def test_histogram():
    x = RNG.standard_normal((30, 4))
    w = RNG.random((30, 4))
    for chunks in [(30, 4), (7, 3), (1, 4)]:
        a = fa.from_array(x, chunks=chunks)
        wa = fa.from_array(w, chunks=(5, 2))  # chunked differently: aligned to the data's blocks
        for bins, rng in [(10, (-2, 2)), (7, (x.min(), x.max())), ([-3, -1, 0, 0.5, 3], None)]:
            for weights, density in [(None, False), (wa, False), (None, True), (wa, True)]:
                counts, edges = np.histogram(a, bins=bins, range=rng, weights=weights, density=density)
                want_counts, want_edges = np.histogram(x, bins=bins, range=rng, density=density,
                                                       weights=None if weights is None else w)
                np.testing.assert_array_equal(edges, want_edges)
                _eq(counts.compute(scheduler="sync"), want_counts)
    with pytest.raises(ArrayError, match="range="):
        fa.histogram(fa.from_array(x), bins=10)
    with pytest.raises(ArrayError, match="'auto'"):
        fa.histogram(fa.from_array(x), bins="auto")
    with pytest.raises(ArrayError, match="weights"):
        fa.histogram(fa.from_array(x), bins=[0, 1], weights=fa.from_array(w[:3]))
    empty, edges = fa.histogram(fa.from_array(np.zeros(0)), bins=3, range=(0, 1))
    _eq(empty.compute(scheduler="sync"), np.histogram(np.zeros(0), bins=3, range=(0, 1))[0])


def test_bincount_and_digitize():
    x = RNG.integers(0, 9, 40)
    w = RNG.random(40)
    for chunks in [(40,), (6,), (1,)]:
        a = fa.from_array(x, chunks=chunks)
        _eq(np.bincount(a).compute(scheduler="sync"), np.bincount(x))
        _eq(fa.bincount(a, weights=fa.from_array(w, chunks=9), minlength=20, split_every=2)
            .compute(scheduler="sync"), np.bincount(x, weights=w, minlength=20))
    with pytest.raises(ArrayError, match="negative"):
        fa.bincount(fa.from_array(np.array([1, -2, 3]), chunks=2)).compute(scheduler="sync")
    with pytest.raises(ArrayError, match="1-D"):
        fa.bincount(fa.from_array(np.ones((2, 2), int)))
    with pytest.raises(ArrayError, match="ints"):
        fa.bincount(fa.from_array(np.ones(3)))
    y = RNG.standard_normal((5, 6))
    b = fa.from_array(y, chunks=(2, 4))
    for right in (False, True):
        _eq(np.digitize(b, [-1, 0, 0.5], right=right).compute(scheduler="sync"),
            np.digitize(y, [-1, 0, 0.5], right=right))


def test_isin():
    x = RNG.integers(0, 10, (6, 5))
    a = fa.from_array(x, chunks=(4, 2))
    tests = np.array([[1, 3], [7, 12]])
    for invert in (False, True):
        _eq(np.isin(a, tests, invert=invert).compute(scheduler="sync"), np.isin(x, tests, invert=invert))
        _eq(fa.isin(a, fa.from_array(tests, chunks=1), invert=invert).compute(scheduler="sync"),
            np.isin(x, tests, invert=invert))
    _eq(fa.isin(a, [2]).compute(scheduler="sync"), np.isin(x, [2]))


def test_round_clip_isclose_allclose():
    x = RNG.standard_normal((5, 7)) * 10
    a = fa.from_array(x, chunks=(2, 3))
    for decimals in (0, 1, -1):
        _eq(np.round(a, decimals).compute(scheduler="sync"), np.round(x, decimals))
        _eq(np.around(a, decimals=decimals).compute(scheduler="sync"), np.around(x, decimals=decimals))
    _eq(np.clip(a, -3, 4).compute(scheduler="sync"), np.clip(x, -3, 4))
    _eq(np.clip(a, None, 1).compute(scheduler="sync"), np.clip(x, None, 1))
    _eq(fa.clip(a, min=-1).compute(scheduler="sync"), np.clip(x, -1, None))
    with pytest.raises(ArrayError, match="a_min"):
        fa.clip(a)
    y = x + RNG.standard_normal(x.shape) * 1e-7
    _eq(np.isclose(a, y).compute(scheduler="sync"), np.isclose(x, y))
    _eq(np.isclose(a, fa.from_array(y, chunks=3), atol=0, rtol=1e-12).compute(scheduler="sync"),
        np.isclose(x, y, atol=0, rtol=1e-12))
    close = np.allclose(a, y)
    assert isinstance(close, Array) and close.shape == ()  # lazy, a 0-d bool array
    assert close.compute(scheduler="sync") == np.True_
    assert fa.allclose(a, y + 1).compute(scheduler="sync") == np.False_
    n = np.array([1.0, np.nan])
    assert fa.allclose(fa.from_array(n, chunks=1), n, equal_nan=True).compute(scheduler="sync")
    assert not fa.allclose(fa.from_array(n, chunks=1), n).compute(scheduler="sync")


def test_average():
    x = RNG.standard_normal((6, 5))
    w = RNG.random((6, 5))
    w1 = RNG.random(5)
    for chunks in [(6, 5), (4, 2), (1, 5)]:
        a = fa.from_array(x, chunks=chunks)
        _eq(np.average(a).compute(scheduler="sync"), np.average(x))
        _eq(np.average(a, axis=0).compute(scheduler="sync"), np.average(x, axis=0))
        for axis in (None, 0, 1, (0, 1)):
            _eq(np.average(a, axis=axis, weights=w).compute(scheduler="sync"), np.average(x, axis=axis, weights=w))
        _eq(np.average(a, axis=1, weights=w1).compute(scheduler="sync"), np.average(x, axis=1, weights=w1))
        _eq(fa.average(a, axis=-1, weights=fa.from_array(w1, chunks=3), keepdims=True).compute(scheduler="sync"),
            np.average(x, axis=-1, weights=w1, keepdims=True))
        got = fa.average(a, axis=1, weights=w1, returned=True)
        for g, want in zip(frames.compute(*got, scheduler="sync"), np.average(x, axis=1, weights=w1, returned=True)):
            _eq(g, want)
        got = fa.average(a, axis=0, returned=True)
        for g, want in zip(frames.compute(*got, scheduler="sync"), np.average(x, axis=0, returned=True)):
            _eq(g, want)
    ints = np.arange(6).reshape(2, 3)
    _eq(fa.average(fa.from_array(ints, chunks=1), axis=0, weights=[[1, 2, 3], [3, 2, 1]]).compute(scheduler="sync"),
        np.average(ints, axis=0, weights=[[1, 2, 3], [3, 2, 1]]))
    with pytest.raises(ArrayError, match="weights sum to zero"):
        fa.average(fa.from_array(x, chunks=2), axis=0, weights=np.zeros_like(x)).compute(scheduler="sync")
    with pytest.raises(ArrayError, match="axis="):
        fa.average(fa.from_array(x), weights=w1)
    with pytest.raises(ArrayError, match="4 weights"):
        fa.average(fa.from_array(x), axis=1, weights=w1[:4])


@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")  # NumPy's own, from the kernels too
@pytest.mark.filterwarnings("ignore:All-NaN slice:RuntimeWarning")  # NumPy's own, from the kernels too
@pytest.mark.parametrize("func", ["median", "nanmedian", "percentile", "nanpercentile", "quantile", "nanquantile"])
def test_order_statistics(func):
    x = RNG.standard_normal((5, 6, 4))
    if func.startswith("nan"):
        x[1, 2, :] = np.nan
        x[0, 0, 0] = np.nan
    a = fa.from_array(x, chunks=(2, 4, 3))
    q = {"percentile": [10, 50, 95], "quantile": 0.3}.get(func.removeprefix("nan"))
    args = () if q is None else (q,)
    for axis, keepdims in itertools.product((None, 0, 1, -1, (0, 2), (0, 1, 2)), (False, True)):
        with np.errstate(all="ignore"), _no_warning_check():
            want = getattr(np, func)(x, *args, axis=axis, keepdims=keepdims)
        got = getattr(np, func)(a, *args, axis=axis, keepdims=keepdims).compute(scheduler="sync")
        try:
            _eq(got, want)
        except AssertionError as exc:
            raise AssertionError(f"{func} axis={axis} keepdims={keepdims}: {exc}") from None
    if q is not None:
        got = getattr(fa, func)(a, q, axis=1, method="nearest").compute(scheduler="sync")
        _eq(got, getattr(np, func)(x, q, axis=1, method="nearest"))
    ints = np.arange(10, dtype=np.int32)
    _eq(getattr(fa, func)(fa.from_array(ints, chunks=3), *args).compute(scheduler="sync"),
        getattr(np, func)(ints, *args))


class _no_warning_check:
    """NumPy's own all-NaN warnings while computing the expected answer are not under test."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def test_sort():
    x = RNG.standard_normal((5, 7))
    x[1, 1] = np.nan
    a = fa.from_array(x, chunks=(2, 3))
    for axis in (0, 1, -1, None):
        _eq(np.sort(a, axis=axis).compute(scheduler="sync"), np.sort(x, axis=axis))
    _eq(fa.sort(a, kind="stable").compute(scheduler="sync"), np.sort(x, kind="stable"))


def test_diff_and_ediff1d():
    x = RNG.integers(-20, 20, (7, 9))
    for chunks in [(7, 9), (3, 4), ((0, 2, 0, 5), (1, 0, 8, 0)), (1, 1)]:
        a = fa.from_array(x, chunks=chunks)
        for n, axis in itertools.product((0, 1, 2, 5), (0, 1, -1)):
            _eq(np.diff(a, n=n, axis=axis).compute(scheduler="sync"), np.diff(x, n=n, axis=axis))
        _eq(np.ediff1d(a).compute(scheduler="sync"), np.ediff1d(x))
    b = fa.from_array(np.array([True, False, False, True]), chunks=3)
    _eq(fa.diff(b).compute(scheduler="sync"), np.diff(np.array([True, False, False, True])))
    _eq(fa.diff(fa.from_array(np.arange(3.0)), n=7).compute(scheduler="sync"), np.diff(np.arange(3.0), n=7))
    with pytest.raises(ArrayError, match="prepend"):
        fa.diff(b, prepend=0)
    with pytest.raises(ArrayError, match="order"):
        fa.diff(b, n=-1)


_calls: list = []


def _counting(block):
    _calls.append(1)
    return block


def test_routines_are_lazy():
    x = RNG.standard_normal(30)
    a = fa.from_array(x, chunks=7).map_blocks(_counting, dtype=x.dtype)
    _calls.clear()
    lazy = [a.topk(3), fa.unique(a), fa.histogram(a, bins=4, range=(-3, 3))[0], fa.median(a), fa.diff(a),
            fa.average(a, weights=np.ones(30)), fa.sort(a), fa.isin(a, [0.0])]
    assert _calls == []
    out = frames.compute(*lazy, scheduler="sync")
    assert len(_calls) == 5  # every block once, shared by all eight
    _eq(out[0], np.sort(x)[::-1][:3])
    _eq(out[3], np.median(x))


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_routines_on_every_scheduler(any_scheduler):
    x = RNG.standard_normal((20, 6))
    a = fa.from_array(x, chunks=(6, 4))
    ints = RNG.integers(0, 5, 25)
    b = fa.from_array(ints, chunks=4)
    lazy = [a.topk(2, axis=0), a.argtopk(-3), fa.unique(b, return_counts=True)[1],
            fa.histogram(a, bins=5, range=(-2, 2))[0], fa.bincount(b), fa.isin(b, fa.from_array(np.array([1, 3]))),
            fa.median(a, axis=0), fa.average(a, axis=1, weights=np.arange(1.0, 7.0)), fa.diff(a, axis=0),
            fa.allclose(a, x)]
    want = [_sorted_topk(x, 2, 0), np.argsort(x, axis=-1)[:, :3], np.unique(ints, return_counts=True)[1],
            np.histogram(x, bins=5, range=(-2, 2))[0], np.bincount(ints), np.isin(ints, [1, 3]),
            np.median(x, axis=0), np.average(x, axis=1, weights=np.arange(1.0, 7.0)), np.diff(x, axis=0), np.True_]
    for g, w in zip(frames.compute(*lazy, scheduler=any_scheduler), want):
        _eq(g, w)
