"""frames.array.overlap against NumPy: every overlapped block is the matching window of
``np.pad(x, depth, mode)`` (reflect = "symmetric", periodic = "wrap", nearest = "edge", a constant
= "constant"); ``map_overlap`` of a 3x3 mean equals the same mean over the whole padded NumPy
array; across chunkings (even, uneven, one block, a block per element, blocks thinner than the
depth, a depth beyond the array), dtypes, 1-3 dimensions, empty arrays, laziness and every
scheduler."""

from __future__ import annotations

import numpy as np
import pytest

import frames.array as fa
from frames.array import ArrayError
from frames.array.creation import block_slices
from tests.array.overlap_kernels import CountedIdentity, mean3, whole_mean3, with_block_id

RNG = np.random.default_rng(11)
X2 = RNG.standard_normal((10, 9))
NP_MODE = {"reflect": "symmetric", "periodic": "wrap", "nearest": "edge"}


def _pad(x: np.ndarray, depth, boundary):
    """NumPy's padding for a boundary rule; ``depth`` as ((before, after), ...)."""
    if isinstance(boundary, str):
        return np.pad(x, depth, mode=NP_MODE[boundary])
    return np.pad(x, depth, mode="constant", constant_values=boundary)


def _blocks(a: fa.Array) -> dict:
    """The computed blocks of ``a`` by block index."""
    persisted = a.persist(scheduler="sync")
    return {key[1:]: np.asarray(block) for key, block in persisted.layer.items()}


def _check_overlap(x_np, chunks, depth, boundary):
    """Each block of overlap(x) is the window of the padded array around the original block."""
    x = fa.from_array(x_np, chunks=chunks)
    pairs = ((depth, depth),) * x_np.ndim if isinstance(depth, int) else depth
    g = fa.overlap(x, depth=dict(enumerate(pairs)), boundary=boundary)
    padded = _pad(x_np, pairs, boundary)
    blocks = _blocks(g)
    for idx, slices in block_slices(x.chunks):
        window = tuple(slice(s.start, s.stop + before + after) for s, (before, after) in zip(slices, pairs))
        np.testing.assert_array_equal(blocks[idx], padded[window], err_msg=f"block {idx}")
    assert g.shape == tuple(n + (b + a) * len(c) for n, (b, a), c in zip(x_np.shape, pairs, x.chunks))


@pytest.mark.parametrize("boundary", ["reflect", "periodic", "nearest", -1.5])
@pytest.mark.parametrize("chunks, depth", [
    ((5, 3), 1), ((4, 9), 2), ((10, 9), 1), ((1, 9), 1), (((3, 1, 6), (2, 2, 5)), 2), ((2, 2), 3),
    (((1, 2, 7), (9,)), ((3, 1), (0, 2))),
], ids=["even", "uneven", "one-block", "block-per-row", "thinner-than-depth", "depth-3-on-2", "asymmetric"])
def test_overlap_blocks_are_windows_of_numpy_pad(boundary, chunks, depth):
    _check_overlap(X2, chunks, depth, boundary)


@pytest.mark.parametrize("boundary", ["reflect", "periodic", "nearest", 7])
def test_overlap_deeper_than_the_array_wraps_or_mirrors_again(boundary):
    short = np.arange(5)
    _check_overlap(short, (2,), 8, boundary)


def test_overlap_ints_and_the_dask_docstring_example():
    x = np.arange(64).reshape((8, 8))
    g = fa.overlap(fa.from_array(x, chunks=(4, 4)), depth={0: 2, 1: 1}, boundary={0: 100, 1: "reflect"})
    assert g.chunks == ((8, 8), (6, 6)) and g.dtype == x.dtype
    got = g.compute()
    top = got[:8, :6]  # the first block: two rows of 100, then rows 0..5 with column 0 mirrored
    np.testing.assert_array_equal(top[:2], 100)
    np.testing.assert_array_equal(top[2:, 0], x[:6, 0])
    np.testing.assert_array_equal(top[2:, 1:], x[:6, :5])


def test_boundary_none_leaves_the_edges():
    x = fa.from_array(X2, chunks=(4, 3))
    g = fa.overlap(x, depth=1, boundary="none")
    assert g.chunks == ((5, 6, 3), (4, 5, 4))
    blocks = _blocks(g)
    np.testing.assert_array_equal(blocks[(0, 0)], X2[0:5, 0:4])
    np.testing.assert_array_equal(blocks[(1, 1)], X2[3:9, 2:7])
    np.testing.assert_array_equal(blocks[(2, 2)], X2[7:10, 5:9])
    np.testing.assert_array_equal(fa.trim_internal(g, 1, "none").compute(), X2)
    assert fa.overlap(x, depth=0, boundary="reflect") is x


@pytest.mark.parametrize("boundary", ["reflect", "periodic", "nearest", 2.5, "none"])
@pytest.mark.parametrize("shape, chunks", [
    ((10, 9), (4, 3)), ((10, 9), (10, 9)), ((10, 9), (1, 9)), ((10, 9), ((3, 1, 6), (2, 2, 5))),
    ((13,), (4,)), ((5, 6, 7), (2, 3, 4)),
], ids=["uneven", "one-block", "block-per-row", "thin-blocks", "1d", "3d"])
def test_map_overlap_mean_filter_against_numpy(boundary, shape, chunks):
    x_np = RNG.standard_normal(shape)
    x = fa.from_array(x_np, chunks=chunks)
    got = fa.map_overlap(mean3, x, depth=1, boundary=boundary)
    assert got.chunks == x.chunks and got.dtype == np.float64
    if boundary == "none":  # the filter's own edge handling at the array's edges: "edge" padding
        want = whole_mean3(x_np, "edge")
    elif isinstance(boundary, str):
        want = whole_mean3(x_np, NP_MODE[boundary])
    else:
        want = whole_mean3(x_np, "constant", constant_values=boundary)
    np.testing.assert_allclose(got.compute(), want, rtol=1e-12)
    np.testing.assert_allclose(x.map_overlap(mean3, depth=1, boundary=boundary).compute(), want, rtol=1e-12)


def test_map_overlap_on_ints_depth_forms_and_trim_false():
    ints = RNG.integers(-50, 50, (8, 12))
    x = fa.from_array(ints, chunks=(3, 5))
    want = whole_mean3(ints, "wrap")
    for depth in (1, (1, 1), {0: 1, 1: 1}, {0: (1, 1), -1: 1}):
        np.testing.assert_allclose(fa.map_overlap(mean3, x, depth=depth, boundary="periodic").compute(), want)
    untrimmed = fa.map_overlap(mean3, x, depth=1, boundary="periodic", trim=False)
    assert untrimmed.chunks == ((5, 5, 4), (7, 7, 4))
    # per-axis boundaries
    mixed = fa.map_overlap(mean3, x, depth=1, boundary={0: "periodic", 1: "reflect"})
    padded = np.pad(np.pad(ints.astype(float), ((1, 1), (0, 0)), mode="wrap"), ((0, 0), (1, 1)), mode="symmetric")
    np.testing.assert_allclose(mixed.compute(), whole_mean3(padded, "edge")[1:-1, 1:-1])


def test_map_overlap_passes_block_id_and_several_arrays():
    x = fa.from_array(X2, chunks=(4, 3))
    got = fa.map_overlap(with_block_id, x, depth=1, boundary="reflect", dtype=X2.dtype)
    want = X2.copy()
    for idx, slices in block_slices(x.chunks):
        want[slices] += sum(idx)
    np.testing.assert_allclose(got.compute(), want)
    y_np = RNG.standard_normal((10, 9))
    y = fa.from_array(y_np, chunks=(5, 9))  # chunked differently: both brought to common blocks
    both = fa.map_overlap(np.add, x, y, depth=1, boundary="nearest")
    np.testing.assert_allclose(both.compute(), X2 + y_np)
    lists = fa.map_overlap(np.add, x, y, depth=[1, 1], boundary=["nearest", 0], trim=False)
    padded = np.pad(X2, 1, mode="edge") + np.pad(y_np, 1, mode="constant")
    blocks = _blocks(lists)
    np.testing.assert_allclose(blocks[(0, 0)], padded[0:6, 0:5])
    assert lists.chunks == ((6, 3, 5, 4), (5, 5, 5))  # common blocks (4, 1, 3, 2) x (3, 3, 3), each +2
    np.testing.assert_allclose(blocks[(1, 2)], padded[4:7, 6:11])
    with pytest.raises(ArrayError, match="different shapes"):
        fa.map_overlap(np.add, x, y, depth=[1, 2], boundary="nearest")


def test_empty_arrays():
    empty = np.ones((0, 5))
    x = fa.from_array(empty, chunks=(2, 2))
    for boundary in ("reflect", "periodic", "nearest", "none", 0):
        got = fa.map_overlap(mean3, x, depth=1, boundary=boundary)
        assert got.shape == (0, 5)
        assert got.compute().shape == (0, 5)
    g = fa.overlap(x, depth=1, boundary=3)
    assert g.compute().shape == (2, 7 + 2 * 2)


def test_map_overlap_is_lazy(tmp_path):
    count = CountedIdentity(tmp_path / "calls")
    x = fa.from_array(X2, chunks=(4, 3))
    y = fa.map_overlap(count, x, depth=1, boundary="reflect", dtype=X2.dtype)
    z = fa.map_overlap(count, fa.overlap(x, 2, "periodic"), depth=(0, 1), boundary=0, dtype=X2.dtype)
    assert count.calls() == 0
    np.testing.assert_array_equal(y.compute(scheduler="sync"), X2)
    assert count.calls() == 9
    z.compute(scheduler="sync")
    assert count.calls() == 18


@pytest.mark.parametrize("any_scheduler", ["sync", "threads", "processes", "distributed"], indirect=True)
def test_map_overlap_on_every_scheduler(any_scheduler):
    x_np = RNG.standard_normal((30, 20))
    x = fa.from_array(x_np, chunks=((7, 3, 10, 10), (6, 14)))
    for boundary, mode in (("reflect", "symmetric"), ("periodic", "wrap")):
        got = fa.map_overlap(mean3, x, depth=1, boundary=boundary).compute(scheduler=any_scheduler)
        np.testing.assert_allclose(got, whole_mean3(x_np, mode), rtol=1e-12)
    got = fa.map_overlap(mean3, x, depth=1, boundary=0.5).compute(scheduler=any_scheduler)
    np.testing.assert_allclose(got, whole_mean3(x_np, "constant", constant_values=0.5), rtol=1e-12)


def test_errors_name_the_culprit():
    x = fa.from_array(X2, chunks=(4, 3))
    with pytest.raises(ArrayError, match="'mirror' along axis 0 is not one of"):
        fa.overlap(x, 1, "mirror")
    with pytest.raises(ArrayError, match="negative"):
        fa.overlap(x, -1, "reflect")
    with pytest.raises(ArrayError, match="3 entries for an array of 2"):
        fa.overlap(x, (1, 1, 1), "reflect")
    with pytest.raises(ArrayError, match="names axis 5"):
        fa.overlap(x, {5: 1}, "reflect")
    with pytest.raises(ArrayError, match="not an int"):
        fa.overlap(x, {0: 1.5}, "reflect")
    with pytest.raises(ArrayError, match="function first"):
        fa.map_overlap(x, mean3, depth=1)
    with pytest.raises(ArrayError, match="at least one frames array"):
        fa.map_overlap(mean3, X2, depth=1)
    with pytest.raises(ArrayError, match="one constant boundary value"):
        fa.overlap(x, 1, {0: 1, 1: 2})
    with pytest.raises(ArrayError, match="fewer than"):
        fa.trim_internal(x, 3, "reflect")
