"""frames.array.random: reproducible per block (the same seed and chunks give the same numbers on
every scheduler), each block from the seed sequence child the docs promise, and the
distributions' shapes, dtypes and ranges against NumPy's."""

from __future__ import annotations

import numpy as np
import pytest

import frames.array as fa
from frames.array import ArrayError
from frames.array.core import Array


def test_the_issue_example_is_reproducible():
    x = fa.random.default_rng(42).random((1000, 1000), chunks=100)
    assert x.chunks == ((100,) * 10, (100,) * 10) and x.dtype == np.float64
    a = x.compute()
    b = fa.random.default_rng(42).random((1000, 1000), chunks=100).compute()
    np.testing.assert_array_equal(a, b)
    assert 0 <= a.min() and a.max() < 1 and abs(a.mean() - 0.5) < 0.01


def test_each_block_is_drawn_from_its_own_seed_sequence_child():
    """Block i (C order) comes from SeedSequence(seed).spawn(n)[i], as the module says."""
    x = fa.random.default_rng(7).standard_normal((5, 6), chunks=(2, 4)).compute()
    children = np.random.SeedSequence(7).spawn(6)
    starts = [(r, c) for r in (0, 2, 4) for c in (0, 4)]
    for child, (r, c) in zip(children, starts):
        shape = (min(2, 5 - r), min(4, 6 - c))
        expected = np.random.Generator(np.random.PCG64(child)).standard_normal(shape)
        np.testing.assert_array_equal(x[r:r + shape[0], c:c + shape[1]], expected)


def test_successive_calls_differ_and_repeat_with_the_seed():
    g = fa.random.default_rng(1)
    first, second = g.random(20, chunks=5).compute(), g.random(20, chunks=5).compute()
    assert not np.array_equal(first, second)
    h = fa.random.default_rng(1)
    np.testing.assert_array_equal(h.random(20, chunks=5).compute(), first)
    np.testing.assert_array_equal(h.random(20, chunks=5).compute(), second)
    assert not np.array_equal(fa.random.default_rng(2).random(20, chunks=5).compute(), first)


def test_values_depend_on_the_chunking_as_documented():
    a = fa.random.default_rng(3).random(100, chunks=10).compute()
    b = fa.random.default_rng(3).random(100, chunks=50).compute()
    assert not np.array_equal(a, b)


def test_seeds_may_be_numpy_objects():
    seq = np.random.SeedSequence(11)
    a = fa.random.default_rng(seq).random(10, chunks=3).compute()
    b = fa.random.Generator(np.random.PCG64(np.random.SeedSequence(11))).random(10, chunks=3).compute()
    np.testing.assert_array_equal(a, b)
    c = fa.random.Generator(np.random.default_rng(11)).random(10, chunks=3).compute()
    np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_the_same_numbers_on_every_scheduler(any_scheduler):
    def make():
        g = fa.random.default_rng(5)
        return [g.normal(2.0, 3.0, (30, 20), chunks=(7, 6)), g.integers(0, 10, 50, chunks=9),
                fa.random.RandomState(9).uniform(-1, 1, (40,), chunks=11)]

    sync = [x.compute(scheduler="sync") for x in make()]
    other = [x.compute(scheduler=any_scheduler) for x in make()]
    for a, b in zip(sync, other):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("size,chunks", [((1000,), 100), ((30, 40), (7, 11)), ((0,), 5), ((2, 0, 3), 1), (None, ())])
def test_shapes_dtypes_and_ranges(size, chunks):
    g = fa.random.default_rng(0)
    shape = () if size is None else size
    cases = [
        (g.random(size, chunks=chunks), np.float64, 0, 1),
        (g.random(size, dtype=np.float32, chunks=chunks), np.float32, 0, 1),
        (g.uniform(-2, 5, size, chunks=chunks), np.float64, -2, 5),
        (g.integers(3, 9, size, chunks=chunks), np.int64, 3, 8),
        (g.integers(10, size=size, dtype="int8", endpoint=True, chunks=chunks), np.int8, 0, 10),
        (g.normal(0, 1, size, chunks=chunks), np.float64, None, None),
        (g.standard_normal(size, chunks=chunks), np.float64, None, None),
        (g.exponential(2.0, size, chunks=chunks), np.float64, 0, None),
        (g.poisson(3.0, size, chunks=chunks), np.int64, 0, None),
    ]
    for x, dtype, lo, hi in cases:
        assert isinstance(x, Array) and x.shape == shape and x.dtype == dtype
        v = x.compute()
        assert v.shape == shape and v.dtype == dtype
        if v.size and lo is not None:
            assert v.min() >= lo
        if v.size and hi is not None:
            assert v.max() <= hi


def test_distributions_have_the_right_moments():
    g = fa.random.default_rng(123)
    n = 200_000
    x = g.normal(3.0, 2.0, n, chunks=30_000).compute()
    assert abs(x.mean() - 3.0) < 5 * 2.0 / np.sqrt(n) and abs(x.std() - 2.0) < 0.02
    u = g.uniform(-1, 3, n, chunks=70_000).compute()
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1.0) < 0.02
    k = g.integers(0, 4, n, chunks=50_000).compute()
    np.testing.assert_array_equal(np.unique(k), [0, 1, 2, 3])
    counts = np.bincount(k) / n
    assert np.all(np.abs(counts - 0.25) < 0.01)


def test_legacy_random_state_and_module_functions():
    r1, r2 = fa.random.RandomState(4), fa.random.RandomState(4)
    np.testing.assert_array_equal(r1.randint(0, 5, (6, 7), chunks=3).compute(), r2.randint(0, 5, (6, 7), chunks=3).compute())
    assert r1.random_sample(10, chunks=4).dtype == np.float64
    v = r1.randint(10, size=100, chunks=30).compute()
    assert v.min() >= 0 and v.max() < 10
    fa.random.seed(99)
    a = fa.random.random((10,), chunks=4).compute()
    fa.random.seed(99)
    np.testing.assert_array_equal(fa.random.random((10,), chunks=4).compute(), a)
    for x in (fa.random.normal(1, 2, 10, chunks=3), fa.random.uniform(0, 1, 10), fa.random.standard_normal(10),
              fa.random.randint(0, 3, 10), fa.random.poisson(2, 10), fa.random.exponential(1, 10)):
        assert x.compute().shape == (10,)


def test_choice_and_permutation():
    g = fa.random.default_rng(8)
    c = g.choice(5, size=1000, p=[0.5, 0.5, 0, 0, 0], chunks=300).compute()
    assert set(np.unique(c)) <= {0, 1}
    values = np.array([1.5, -2.0, 7.0])
    c2 = fa.random.RandomState(1).choice(values, size=(10, 3), chunks=4).compute()
    assert set(np.unique(c2)) <= set(values)
    p = g.permutation(20, chunks=6).compute()
    np.testing.assert_array_equal(np.sort(p), np.arange(20))
    shuffled = g.permutation(fa.arange(10, chunks=3) * 2).compute()
    np.testing.assert_array_equal(np.sort(shuffled), np.arange(10) * 2)
    assert not np.array_equal(shuffled, np.arange(10) * 2)
    with pytest.raises(ArrayError, match="replace=False"):
        g.choice(5, size=3, replace=False)
    with pytest.raises(ArrayError, match="probabilities"):
        g.choice(3, size=3, p=[0.5, 0.6, 0.1])


def test_bad_arguments_are_refused():
    g = fa.random.default_rng(0)
    with pytest.raises(ArrayError, match="size"):
        g.random((-1, 3))
    with pytest.raises(ArrayError, match="size"):
        g.random("big")
    with pytest.raises(ArrayError, match="array-valued"):
        g.normal(fa.ones(3), 1, 3)
    with pytest.raises(ArrayError, match="integers"):
        g.integers(5, 1, 10)
