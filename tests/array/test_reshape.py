"""frames.array reshape / transpose / axis functions against NumPy across chunkings."""

from __future__ import annotations

import numpy as np
import pytest

import frames.array as fa
from frames.array import ArrayError, UnknownChunksError
from frames.array.core import map_blocks
from frames.array.reshape import reshape_chunks

RNG = np.random.default_rng(3)


def check(result, expected):
    assert isinstance(result, fa.Array)
    got = result.compute()
    assert result.shape == expected.shape == got.shape
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype
    # the chunks describe the blocks that come out
    blocks = result.persist()
    assert blocks.chunks == result.chunks


RESHAPES = [
    ((24,), [6, 5, 24, 1], [(2, 3, 4), (4, 6), (24, 1), (1, 24), (-1, 2), (2, 1, 12)]),
    ((4, 6), [(2, 3), (1, 6), (4, 6), (4, (1,) * 6), ((1,) * 4, 4)], [(24,), (-1,), (2, 2, 6), (8, 3), (6, 4), (4, 6, 1), (1, 4, 6)]),
    ((2, 3, 4), [(1, 2, 3), 2, (2, 3, 4), (1, 1, 1)], [(6, 4), (2, 12), (24,), (4, 3, 2), (3, 8), (2, 3, 2, 2), (1, 2, 1, 12)]),
    ((5, 1, 6), [(2, 1, 4), 1], [(5, 6), (30,), (5, 6, 1), (10, 3)]),
]


@pytest.mark.parametrize("shape, chunks, new", [pytest.param(s, c, n, id=f"{s}-{c}-{n}")
                                                 for s, cs, ns in RESHAPES for c in cs for n in ns])
def test_reshape_matches_numpy(shape, chunks, new):
    a = RNG.random(shape)
    x = fa.from_array(a, chunks=chunks)
    check(x.reshape(new), a.reshape(new))
    check(np.reshape(x, new), a.reshape(new))
    check(x.reshape(*new) if len(new) > 1 else x.reshape(new[0]), a.reshape(new))


def test_reshape_keeps_blocks_when_it_can():
    a = np.arange(48)
    x = fa.from_array(a, chunks=12)
    y = x.reshape(4, 12)  # each block is one row: no rechunk, one task per block
    assert y.chunks == ((1, 1, 1, 1), (12,))
    assert set(y.layer) == {(y.name, i, 0) for i in range(4)}
    assert all(d[0] == x.name for t in y.layer.values() for d in t.dependencies)
    z = fa.from_array(np.arange(48).reshape(8, 6), chunks=(2, 6)).reshape(48)
    assert z.chunks == ((12,) * 4,)  # rows merged within blocks: blocks stay local
    w = fa.from_array(np.arange(48).reshape(8, 6), chunks=(2, 3)).reshape(48)
    assert w.chunks[0] == (6,) * 8  # the inner axis made whole, the outer one split to keep block size
    np.testing.assert_array_equal(w.compute(), np.arange(48))
    assert reshape_chunks((4, 6), (24,), ((1,) * 4, (3, 3))) == (((1,) * 4, (3, 3)), ((3,) * 8,))


def test_reshape_through_the_flat_array_when_axes_do_not_group():
    a = np.arange(24).reshape(6, 4)
    x = fa.from_array(a, chunks=(2, 2))
    check(x.reshape(4, 6), a.reshape(4, 6))
    check(x.reshape(3, 8), a.reshape(3, 8))


def test_reshape_merge_chunks_false_keeps_blocks_small():
    a = np.arange(60).reshape(3, 4, 5)
    x = fa.from_array(a, chunks=(3, 2, 5))
    y = x.reshape((12, 5), merge_chunks=False)
    check(y, a.reshape(12, 5))
    assert max(y.chunks[0]) <= 2


def test_reshape_of_empty_and_single_element_arrays():
    e = np.zeros((0, 4))
    x = fa.from_array(e, chunks=2)
    check(x.reshape(4, 0), e.reshape(4, 0))
    check(x.reshape(-1), e.reshape(-1))
    check(x.ravel(), e.ravel())
    s = fa.from_array(np.array([7.0]))
    check(s.reshape(()), np.array([7.0]).reshape(()))
    check(fa.from_array(np.array(7.0)).reshape(1, 1), np.array(7.0).reshape(1, 1))


def test_reshape_errors():
    x = fa.from_array(np.arange(24), chunks=5)
    with pytest.raises(ArrayError, match=r"cannot reshape array of size 24 .* into shape \(5, 5\)"):
        x.reshape(5, 5)
    with pytest.raises(ArrayError, match="only one dimension can be -1"):
        x.reshape(-1, -1)
    with pytest.raises(ArrayError, match=r"size 24 .* into shape \(-1, 5\)"):
        x.reshape(-1, 5)
    with pytest.raises(ArrayError, match="order='C'"):
        np.reshape(x, (4, 6), order="F")
    y = x[x > 3]
    with pytest.raises(UnknownChunksError, match="reshape"):
        y.reshape(2, -1)
    assert y.ravel() is y  # flattening a 1-d array needs no lengths


@pytest.mark.parametrize("chunks", [(1, 2, 3), 2, (2, 3, 4), ((1, 1), (1,) * 3, (2, 2))])
def test_transpose_swapaxes_moveaxis(chunks):
    a = RNG.integers(0, 100, (2, 3, 4))
    x = fa.from_array(a, chunks=chunks)
    check(x.T, a.T)
    check(x.transpose(), a.transpose())
    check(x.transpose(1, 0, 2), a.transpose(1, 0, 2))
    check(x.transpose((2, 0, 1)), a.transpose((2, 0, 1)))
    check(np.transpose(x, (-1, 0, 1)), np.transpose(a, (-1, 0, 1)))
    check(x.swapaxes(0, 2), a.swapaxes(0, 2))
    check(np.swapaxes(x, -1, 1), np.swapaxes(a, -1, 1))
    check(np.moveaxis(x, 0, -1), np.moveaxis(a, 0, -1))
    check(np.moveaxis(x, [0, 1], [-1, -2]), np.moveaxis(a, [0, 1], [-1, -2]))
    assert x.T.chunks == x.chunks[::-1]
    with pytest.raises(ArrayError, match="axes"):
        x.transpose(0, 1)
    with pytest.raises(ArrayError, match="out of bounds"):
        x.swapaxes(0, 3)
    with pytest.raises(ArrayError, match="repeated"):
        x.transpose(0, 0, 1)


def test_squeeze_expand_dims_atleast():
    a = RNG.random((1, 3, 1, 4))
    x = fa.from_array(a, chunks=(1, 2, 1, 3))
    check(x.squeeze(), a.squeeze())
    check(np.squeeze(x, axis=2), np.squeeze(a, axis=2))
    check(np.squeeze(x, axis=(0, -2)), np.squeeze(a, axis=(0, -2)))
    with pytest.raises(ArrayError, match="cannot squeeze axis 1: its length is 3"):
        x.squeeze(1)
    b = RNG.random((3, 4))
    y = fa.from_array(b, chunks=2)
    for axis in [0, 1, 2, -1, (0, 2), (0, 1, 4)]:
        check(np.expand_dims(y, axis), np.expand_dims(b, axis))
    for f in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
        for arr in (np.array(5.0), np.arange(3.0), b, a):
            check(f(fa.from_array(arr, chunks=2)), f(arr))
    one, two = np.atleast_2d(fa.from_array(np.arange(3)), fa.from_array(b))
    check(one, np.atleast_2d(np.arange(3)))
    check(two, b)


def test_broadcast_to():
    a = RNG.random((3, 1))
    x = fa.from_array(a, chunks=(2, 1))
    check(np.broadcast_to(x, (3, 5)), np.broadcast_to(a, (3, 5)))
    check(fa.broadcast_to(x, (2, 3, 5)), np.broadcast_to(a, (2, 3, 5)))
    check(fa.broadcast_to(x, (4, 3, 5), chunks=(2, 2, 2)), np.broadcast_to(a, (4, 3, 5)))
    check(np.broadcast_to(fa.from_array(np.array(2.0)), (2, 2)), np.broadcast_to(np.array(2.0), (2, 2)))
    with pytest.raises(ArrayError, match="cannot broadcast an array of shape"):
        np.broadcast_to(x, (4, 5))
    with pytest.raises(ArrayError, match="cannot broadcast"):
        np.broadcast_to(x, (3,))


@pytest.mark.parametrize("chunks", [(2, 3), (5, 7), (1, 1), ((1, 4), (6, 1))])
def test_flip_and_roll(chunks):
    a = RNG.integers(0, 100, (5, 7))
    x = fa.from_array(a, chunks=chunks)
    check(np.flip(x), np.flip(a))
    check(np.flip(x, 1), np.flip(a, 1))
    check(np.fliplr(x), np.fliplr(a))
    check(np.flipud(x), np.flipud(a))
    for shift, axis in [(2, 0), (-3, 1), (9, 1), (0, 0), (4, None), ((1, 2), (0, 1)), (12, None)]:
        check(np.roll(x, shift, axis), np.roll(a, shift, axis))


def test_ravel_and_flatten():
    a = RNG.random((3, 4, 2))
    for chunks in [(1, 2, 2), 3, (3, 4, 2), ((1,) * 3, (1,) * 4, (1, 1))]:
        x = fa.from_array(a, chunks=chunks)
        check(x.ravel(), a.ravel())
        check(x.flatten(), a.flatten())
        check(np.ravel(x), np.ravel(a))


class _Counter:
    calls = 0

    @staticmethod
    def bump(block):
        _Counter.calls += 1
        return block


def test_reshaping_is_lazy():
    a = np.arange(60).reshape(3, 4, 5)
    x = map_blocks(_Counter.bump, fa.from_array(a, chunks=2), dtype=a.dtype)
    _Counter.calls = 0
    y = np.roll(np.flip(x.reshape(6, 10).T, 0), 3, 1)[None].squeeze(0)
    z = np.moveaxis(np.broadcast_to(x[:1], (2, 3, 4, 5)), 0, -1).ravel()
    assert _Counter.calls == 0
    np.testing.assert_array_equal(y.compute(scheduler="sync"), np.roll(np.flip(a.reshape(6, 10).T, 0), 3, 1))
    np.testing.assert_array_equal(z.compute(scheduler="sync"), np.moveaxis(np.broadcast_to(a[:1], (2, 3, 4, 5)), 0, -1).ravel())
    assert _Counter.calls > 0


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_reshape_on_schedulers(any_scheduler):
    a = np.arange(120.0).reshape(4, 5, 6)
    x = fa.from_array(a, chunks=(3, 2, 4))
    y = x.reshape(20, 6).T.reshape(2, 3, 20)
    np.testing.assert_array_equal(y.compute(scheduler=any_scheduler), a.reshape(20, 6).T.reshape(2, 3, 20))
    np.testing.assert_array_equal(np.roll(x, 2, 1).compute(scheduler=any_scheduler), np.roll(a, 2, 1))
