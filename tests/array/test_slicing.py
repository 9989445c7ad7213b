"""frames.array indexing against NumPy: basic indexing, integer arrays, boolean masks (unknown
chunks, compute_chunk_sizes), vindex and the functions built on indexing, across chunkings."""

from __future__ import annotations

import math

import numpy as np
import pytest

import frames.array as fa
from frames.array import ArrayError, UnknownChunksError
from frames.array.core import map_blocks
from frames.array.slicing import IndexOutOfBoundsError

RNG = np.random.default_rng(7)
A1 = np.arange(10) * 1.5 - 4
A2 = RNG.integers(-5, 6, size=(6, 7))
A3 = RNG.random((3, 4, 5))
A3[0, 1, 2] = np.nan

# even, uneven, one chunk, a chunk per element along one axis
CHUNKINGS = {
    1: [5, 3, 10, 1],
    2: [(3, 7), (4, 3), (6, 7), ((1,) * 6, 4)],
    3: [(1, 2, 3), 2, (3, 4, 5), ((1, 2), (1,) * 4, 5)],
}
DATA = {1: A1, 2: A2, 3: A3}

BASIC = {
    1: [3, -1, -10, slice(None), slice(2, 8), slice(None, None, 2), slice(None, None, -1), slice(8, 1, -3),
        slice(-3, None), slice(5, 5), slice(7, 2), slice(1, None, 4), (None, slice(1, 4)), (Ellipsis, None),
        (slice(None, None, -1), None), Ellipsis, slice(-100, 100), slice(100, None), slice(9, None, -2)],
    2: [0, -1, (1, 2), (-1, -7), (slice(None), 3), (slice(1, 5, 2), slice(None, None, -2)), (Ellipsis, 0),
        (None, 2, None, slice(1, 3)), (slice(4, 0, -1), slice(6, None)), (slice(3, 3), slice(None)),
        (slice(None, None, -1), slice(None, None, -1)), (2, Ellipsis, None)],
    3: [0, (0, 0, 0), (Ellipsis, 2), (slice(None), 1), (1, slice(None, None, -1), slice(1, 4)),
        (slice(None, None, 2), None, 3, slice(None)), (None, Ellipsis, None), (-1, -1, slice(None, None, -3))],
}


def cases(table):
    for ndim, items in table.items():
        for chunks in CHUNKINGS[ndim]:
            for index in items:
                yield pytest.param(ndim, chunks, index, id=f"{ndim}d-{chunks}-{index}")


def check(result, expected):
    assert isinstance(result, fa.Array)
    got = result.compute()
    expected = np.asarray(expected)
    assert got.shape == expected.shape
    assert result.shape == expected.shape or not result.known_chunks
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype


@pytest.mark.parametrize("ndim, chunks, index", list(cases(BASIC)))
def test_basic_indexing_matches_numpy(ndim, chunks, index):
    a = DATA[ndim]
    x = fa.from_array(a, chunks=chunks)
    check(x[index], a[index])


def test_basic_indexing_keeps_blocks_local():
    x = fa.from_array(np.arange(100), chunks=10)
    y = x[5:95:3]
    assert y.numblocks == (10,)  # one output block per input block it reads
    assert all(len(t.dependencies) == 1 for t in y.layer.values())
    assert x[::-1].chunks == ((10,) * 10,)
    np.testing.assert_array_equal(x[97:3:-7].compute(), np.arange(100)[97:3:-7])


def test_zero_dimensional_results():
    x = fa.from_array(A2, chunks=(4, 3))
    y = x[5, 6]
    assert y.shape == () and y.chunks == ()
    assert y.compute() == A2[5, 6]
    assert (y + 1).compute() == A2[5, 6] + 1
    z = fa.from_array(np.array(3.5))
    assert z[()].compute() == 3.5
    assert z[None].compute().tolist() == [3.5]


INTEGER = {
    1: [[3, 1, 1, 2], [9, 0, -1, -10], [], [5] * 7, np.array([2, 4, 6]), np.array([[1, 2], [3, 0]]),
        list(range(10))[::-1], (Ellipsis, [0, 9])],
    2: [[4, 0, 5], ([1, 1], slice(None)), (slice(None), [6, 0, 3, 3]), (0, [1, 2]), ([2, 0], -1),
        (slice(1, None, 2), [5, 1]), ([3, 1], None)],
    3: [([2, 0],), (slice(None), [3, 0, 0]), (0, slice(None), [1, 4]), ([1, 0], 2, slice(None, None, -1)),
        (0, 1, [4, 0, 2]), (0, None, [1, 2]), (slice(None), 0, None, [4, 0])],
}


@pytest.mark.parametrize("ndim, chunks, index", list(cases(INTEGER)))
def test_integer_array_indexing_matches_numpy(ndim, chunks, index):
    a = DATA[ndim]
    x = fa.from_array(a, chunks=chunks)
    check(x[index], a[index])


def test_integer_indexing_takes_per_source_block():
    """An output block reads only the pieces it needs: no task gets more than one input block."""
    a = np.arange(1000)
    x = fa.from_array(a, chunks=100)
    idx = RNG.permutation(1000)[:700]
    y = x[idx]
    np.testing.assert_array_equal(y.compute(), a[idx])
    assert max(y.chunks[0]) <= 100
    for task in y.layer.values():
        deps_from_x = [k for k in task.dependencies if k[0] == x.name]
        assert len(deps_from_x) <= 1
    sorted_idx = np.sort(idx)
    z = x[sorted_idx]  # sorted: output blocks follow the input blocks
    assert z.numblocks == (len(np.unique(sorted_idx // 100)),)
    np.testing.assert_array_equal(z.compute(), a[sorted_idx])


@pytest.mark.parametrize("chunks", [(4, 3), (6, 10), (1, 1), ((1, 5), (9, 1))])
def test_lazy_integer_arrays_match_numpy(chunks):
    a = np.arange(60).reshape(6, 10)
    x = fa.from_array(a, chunks=chunks)
    for idx, index_chunks in [(np.array([9, 0, -1, 3, 3, 5, 2]), 3), (np.array([4]), 1), (np.array([], int), 1),
                              (np.arange(10)[::-1], 10)]:
        lazy = fa.from_array(idx, chunks=index_chunks)
        y = x[:, lazy]
        assert y.chunks[1] == lazy.chunks[0]  # lengths known: the index's blocks
        check(y, a[:, idx])
        rows = idx[idx < 6]
        check(x[fa.from_array(rows, chunks=2), 2], a[rows, 2])
        check(x[fa.from_array(rows, chunks=2)], a[rows])
    bad = x[fa.from_array(np.array([6]))]  # found out only when the index is computed
    with pytest.raises(IndexError, match="index 6 is out of bounds for axis 0 with size 6"):
        bad.compute(scheduler="sync")


BOOLEAN = {
    1: [A1 > 0, np.zeros(10, bool), np.ones(10, bool)],
    2: [A2 > 0, (A2[:, 0] > 0,), (slice(None), A2[0] > 0), (1, A2[0] > -2)],
    3: [A3 > 0.5, (slice(None), A3[0, :, 0] > 0.3), (Ellipsis, A3[0, 0] > 0.4), (A3[:, :, 0] > 0.5,),
        (1, A3[0] > 0.5), (A3[:, :, 0] > 0.5, slice(None, None, -2)), (A3[:, :, 0] > 0.5, 3),
        (slice(None, None, -1), A3[0] > 0.5), (0, slice(None), A3[0, 0] > 0.4)],
}


@pytest.mark.parametrize("ndim, chunks, index", list(cases(BOOLEAN)))
def test_numpy_boolean_masks_match_numpy(ndim, chunks, index):
    a = DATA[ndim]
    x = fa.from_array(a, chunks=chunks)
    y = x[index]
    assert y.known_chunks  # a NumPy mask's positions are known
    check(y, a[index])


@pytest.mark.parametrize("ndim, chunks, index", list(cases(BOOLEAN)))
def test_lazy_boolean_masks_match_numpy(ndim, chunks, index):
    a = DATA[ndim]
    x = fa.from_array(a, chunks=chunks)
    items = index if isinstance(index, tuple) else (index,)
    lazy = tuple(fa.from_array(i, chunks=max(1, i.shape[0] // 2) if i.ndim == 1 else (chunks if i.ndim == ndim else 2))
                 if isinstance(i, np.ndarray) else i for i in items)
    y = x[lazy]
    expected = a[index]
    assert not y.known_chunks
    assert math.isnan(y.shape[[i for i, n in enumerate(y.chunks) if any(map(math.isnan, n))][0]])
    check(y, expected)
    assert y.compute_chunk_sizes() is y
    assert y.shape == expected.shape
    check(y, expected)


def test_masks_of_the_wrong_shape_raise():
    x = fa.from_array(A3, chunks=2)
    with pytest.raises(IndexError, match=r"boolean index of shape \(4, 3\) does not match axes 0..1 of shape \(3, 4\)"):
        x[np.ones((4, 3), bool)]
    with pytest.raises(IndexError, match="does not match"):
        x[fa.from_array(np.ones((3, 5), bool))]
    with pytest.raises(IndexError, match="too many indices"):
        x[np.ones((3, 4), bool), 0, 0]


def test_full_mask_gives_c_order_1d():
    x = fa.from_array(A2, chunks=(2, 3))
    y = x[x > 0]
    assert y.ndim == 1 and not y.known_chunks
    np.testing.assert_array_equal(y.compute(), A2[A2 > 0])


def test_unknown_chunks_stay_lazy_and_correct_through_elementwise():
    x = fa.from_array(A1, chunks=3)
    y = x[x > 0]
    z = (y * 2 + 1) - y  # same unknown chunks on both sides
    np.testing.assert_array_equal(z.compute(), (A1[A1 > 0] * 2 + 1) - A1[A1 > 0])
    np.testing.assert_array_equal(np.sqrt(y).compute(), np.sqrt(A1[A1 > 0]))
    np.testing.assert_array_equal(y[:].compute(), A1[A1 > 0])  # a whole slice needs no lengths
    w = fa.from_array(A2, chunks=(2, 3))
    rows = w[w[:, 0] > 0]
    np.testing.assert_array_equal((rows[:, 1:] * 10).compute(), A2[A2[:, 0] > 0][:, 1:] * 10)


@pytest.mark.skipif(not hasattr(fa.Array, "sum"), reason="reductions are not merged yet")
def test_unknown_chunks_through_reductions():
    x = fa.from_array(A2, chunks=(2, 3))
    rows = x[x[:, 0] > 0]
    np.testing.assert_allclose(rows.sum().compute(), A2[A2[:, 0] > 0].sum())
    np.testing.assert_allclose(rows.sum(axis=0).compute(), A2[A2[:, 0] > 0].sum(axis=0))
    np.testing.assert_allclose(x[x > 0].mean().compute(), A2[A2 > 0].mean())


def test_operations_needing_lengths_raise_until_computed():
    x = fa.from_array(A2, chunks=(2, 3))
    y = x[x[:, 0] > 0]
    for op, word in [(lambda: y[1], "indexing axis 0"), (lambda: y[1:3], "indexing axis 0"),
                     (lambda: y[[0, 1]], "indexing axis 0"), (lambda: y.reshape(-1), "reshape"),
                     (lambda: y.rechunk(2), "rechunk"), (lambda: len(y), "len"),
                     (lambda: y + x, "aligned")]:
        with pytest.raises(UnknownChunksError, match=word):
            op()
    y.compute_chunk_sizes()
    expected = A2[A2[:, 0] > 0]
    np.testing.assert_array_equal(y[1].compute(), expected[1])
    np.testing.assert_array_equal(y.reshape(-1).compute(), expected.reshape(-1))
    np.testing.assert_array_equal(y.rechunk(1).compute(), expected)
    assert len(y) == len(expected)


def test_columns_of_unknown_rows_can_still_be_indexed():
    x = fa.from_array(A2, chunks=(2, 3))
    y = x[x[:, 0] > 0]
    np.testing.assert_array_equal(y[:, 2].compute(), A2[A2[:, 0] > 0][:, 2])
    np.testing.assert_array_equal(y[:, [3, 0]].compute(), A2[A2[:, 0] > 0][:, [3, 0]])
    np.testing.assert_array_equal(y.rechunk({1: 7}).compute(), A2[A2[:, 0] > 0])


def test_empty_arrays():
    e = np.zeros((0, 3))
    x = fa.from_array(e, chunks=2)
    check(x[:, 1], e[:, 1])
    check(x[::-1], e[::-1])
    check(x[[]], e[[]])
    check(x[x > 0], e[e > 0])
    y = fa.from_array(A1, chunks=3)
    check(y[[]], A1[[]])
    check(y[4:4], A1[4:4])
    check(y[np.zeros(10, bool)], A1[np.zeros(10, bool)])


def test_out_of_range_and_bad_indices_raise_clearly():
    x = fa.from_array(A2, chunks=(4, 3))
    with pytest.raises(IndexError, match="index 6 is out of bounds for axis 0 with size 6"):
        x[6]
    with pytest.raises(IndexOutOfBoundsError, match="index -8 is out of bounds for axis 1 with size 7"):
        x[:, -8]
    with pytest.raises(ArrayError, match="index 7 is out of bounds for axis 1 with size 7"):
        x[:, [0, 7]]
    with pytest.raises(IndexError, match="too many indices"):
        x[1, 2, 3]
    with pytest.raises(IndexError, match="boolean index of length 5 does not match axis 0 of length 6"):
        x[np.ones(5, bool)]
    with pytest.raises(ArrayError, match="integer or boolean"):
        x[np.array([1.5])]
    with pytest.raises(ArrayError, match="cannot index an array with str"):
        x["a"]
    with pytest.raises(ArrayError, match="single Ellipsis"):
        x[..., ...]
    with pytest.raises(ArrayError, match="vindex"):
        x[[0, 1], [1, 2]]
    with pytest.raises(ArrayError, match="lazy integer index must be 1-d"):
        x[fa.from_array(np.array([[0, 1]]))]
    assert issubclass(IndexOutOfBoundsError, ArrayError) and issubclass(IndexOutOfBoundsError, IndexError)


def test_iteration_over_rows_stops_at_the_end():
    x = fa.from_array(A2, chunks=(4, 3))
    rows = [r.compute() for r in x]
    np.testing.assert_array_equal(np.stack(rows), A2)


class _Counter:
    calls = 0

    @staticmethod
    def bump(block):
        _Counter.calls += 1
        return block


def test_indexing_is_lazy():
    x = map_blocks(_Counter.bump, fa.from_array(A2, chunks=(2, 3)), dtype=A2.dtype)
    _Counter.calls = 0
    y = x[1:, ::-2][x[1:, 0] > 0][:, [1, 0]]
    z = x[x > 0]
    w = x.vindex[[0, 5], [1, 6]]
    assert _Counter.calls == 0
    np.testing.assert_array_equal(y.compute(scheduler="sync"), A2[1:, ::-2][A2[1:, 0] > 0][:, [1, 0]])
    np.testing.assert_array_equal(z.compute(scheduler="sync"), A2[A2 > 0])
    np.testing.assert_array_equal(w.compute(scheduler="sync"), A2[[0, 5], [1, 6]])
    assert _Counter.calls > 0


@pytest.mark.parametrize("chunks", [(2, 3), (6, 7), (1, 2)])
def test_vindex_matches_numpy(chunks):
    x = fa.from_array(A2, chunks=chunks)
    for index in [([0, 5, 2, 2], [1, 6, 0, 0]), ([[0, 1], [5, 4]], [[6, 5], [0, 0]]), ([3, 1],),
                  (np.array([], int), np.array([], int)), ([-1], [-7])]:
        np.testing.assert_array_equal(x.vindex[index].compute(), A2[index])
    y = fa.from_array(A3, chunks=2)
    np.testing.assert_array_equal(y.vindex[[2, 0], [3, 1]].compute(), A3[[2, 0], [3, 1]])
    with pytest.raises(IndexError, match="out of bounds for axis 1"):
        x.vindex[[0], [9]]


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_nonzero_argwhere_flatnonzero(ndim):
    a = np.where(np.abs(DATA[ndim]) > 0.5, DATA[ndim], 0) if ndim != 2 else A2
    for chunks in CHUNKINGS[ndim]:
        x = fa.from_array(a, chunks=chunks)
        got = np.nonzero(x)
        assert len(got) == ndim
        for g, e in zip(got, np.nonzero(a)):
            np.testing.assert_array_equal(g.compute(), e)
        np.testing.assert_array_equal(np.argwhere(x).compute(), np.argwhere(a))
        np.testing.assert_array_equal(np.flatnonzero(x).compute(), np.flatnonzero(a))
        np.testing.assert_array_equal(x.nonzero()[0].compute(), a.nonzero()[0])


def test_compress_take_extract():
    x = fa.from_array(A2, chunks=(4, 3))
    cond = np.array([True, False, True, True, False, False, True])
    np.testing.assert_array_equal(np.compress(cond, x, axis=1).compute(), np.compress(cond, A2, axis=1))
    np.testing.assert_array_equal(np.compress(cond[:3], x, axis=0).compute(), np.compress(cond[:3], A2, axis=0))
    np.testing.assert_array_equal(np.compress(cond, x).compute(), np.compress(cond, A2))
    lazy = fa.from_array(cond, chunks=3)
    np.testing.assert_array_equal(x.compress(lazy, axis=1).compute(), A2.compress(cond, axis=1))
    np.testing.assert_array_equal(np.take(x, [5, 0, 0, 41]).compute(), np.take(A2, [5, 0, 0, 41]))
    np.testing.assert_array_equal(x.take([6, 2], axis=1).compute(), A2.take([6, 2], axis=1))
    np.testing.assert_array_equal(np.extract(A2 > 1, x).compute(), np.extract(A2 > 1, A2))
    np.testing.assert_array_equal(np.extract(x > 1, x).compute(), np.extract(A2 > 1, A2))
    with pytest.raises(IndexError, match="longer than axis 0"):
        np.compress(np.ones(9, bool), x, axis=0)


def test_dtypes_bool_and_int_kept():
    b = A2 > 0
    x = fa.from_array(b, chunks=(4, 3))
    check(x[::2, [1, 0]], b[::2, [1, 0]])
    check(x[x], b[b])


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_indexing_on_schedulers(any_scheduler):
    x = fa.from_array(A3, chunks=(1, 2, 3))
    y = x[:, ::-1][x[:, 0, 0] > 0.2][..., [4, 0, 0]]
    np.testing.assert_array_equal(y.compute(scheduler=any_scheduler), A3[:, ::-1][A3[:, 0, 0] > 0.2][..., [4, 0, 0]])
    m = x[x > 0.5]
    assert m.compute_chunk_sizes(scheduler=any_scheduler).shape == A3[A3 > 0.5].shape
    np.testing.assert_array_equal(m.compute(scheduler=any_scheduler), A3[A3 > 0.5])
    np.testing.assert_array_equal(np.argwhere(x > 0.5).compute(scheduler=any_scheduler), np.argwhere(A3 > 0.5))


def test_arrays_with_empty_blocks_after_compute_chunk_sizes():
    a = np.array([1, 2, 3, -1, -2, -3, 4, 5, -6, -7, 8, 9.0])
    x = fa.from_array(a, chunks=3)
    y = x[x > 0].compute_chunk_sizes()
    assert y.chunks == ((3, 0, 2, 2),)
    e = a[a > 0]
    for index in [slice(1, 4), slice(None, None, -1), 3, -1, [3, 0, 5], slice(5, 0, -2), e > 3]:
        check(y[index], e[index])
    for chunks in [2, 1, 7, ((3, 0, 4),)]:
        r = y.rechunk(chunks)
        check(r, e)
        assert r.persist().chunks == r.chunks
    check(y.reshape(7, 1), e.reshape(7, 1))
    z = fa.from_array(np.arange(24).reshape(4, 6), chunks=(1, 3))
    w = z[z[:, 0] > 5].compute_chunk_sizes()
    assert w.chunks[0] == (0, 1, 1, 1)
    for shape in [(-1,), (9, 2), (3, 3, 2), (2, 9)]:
        check(w.reshape(shape), np.arange(24).reshape(4, 6)[1:].reshape(shape))
