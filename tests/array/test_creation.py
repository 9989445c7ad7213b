"""frames.array.creation against NumPy: arrays from nothing (ones ... fromfunction), from delayed
values, joined (concatenate, stack, block) and chosen (where), across chunkings, dtypes, 0-3
dimensions, empty arrays and schedulers; laziness; clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import frames.array as fa
from frames import delayed
from frames.array import ArrayError, UnknownChunksError
from frames.array.core import Array

# even, uneven, one chunk, a chunk per element along the first axis
CHUNKINGS_2D = [(2, 3), (3, 4), (-1, -1), (1, -1)]


def check(x: Array, expected: np.ndarray, scheduler: str | None = None) -> None:
    assert isinstance(x, Array)
    assert x.shape == expected.shape
    assert x.dtype == expected.dtype
    got = x.compute(scheduler=scheduler)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


# -- ones, zeros, full, empty ------------------------------------------------------------------------

@pytest.mark.parametrize("chunks", CHUNKINGS_2D)
@pytest.mark.parametrize("dtype", [float, "int32", bool])
def test_ones_zeros_full_empty(chunks, dtype):
    shape = (6, 7)
    check(fa.ones(shape, dtype=dtype, chunks=chunks), np.ones(shape, dtype=dtype))
    check(fa.zeros(shape, dtype=dtype, chunks=chunks), np.zeros(shape, dtype=dtype))
    check(fa.full(shape, 1, dtype=dtype, chunks=chunks), np.full(shape, 1, dtype=dtype))
    e = fa.empty(shape, dtype=dtype, chunks=chunks)
    assert e.compute().shape == shape and e.dtype == np.dtype(dtype)


@pytest.mark.parametrize("shape", [(), (0,), (5,), (0, 3), (3, 4, 5)])
def test_shapes_from_0_to_3_dimensions(shape):
    check(fa.full(shape, 2.5, chunks=2 if shape else ()), np.full(shape, 2.5))
    check(fa.zeros(shape, dtype=int), np.zeros(shape, dtype=int))


def test_full_takes_the_fill_values_dtype_and_nan():
    check(fa.full((3, 2), 7, chunks=2), np.full((3, 2), 7))
    check(fa.full((4,), np.nan, chunks=3), np.full((4,), np.nan))
    assert fa.ones((4, 6), chunks=(2, 3)).chunks == ((2, 2), (3, 3))


@pytest.mark.parametrize("func", ["ones_like", "zeros_like", "empty_like"])
def test_like_keeps_shape_dtype_and_chunks(func):
    x = fa.from_array(np.arange(12, dtype="int16").reshape(3, 4), chunks=(2, 3))
    out = getattr(fa, func)(x)
    assert out.shape == x.shape and out.dtype == x.dtype and out.chunks == x.chunks
    via_numpy = getattr(np, func)(x)  # __array_function__
    assert isinstance(via_numpy, Array) and via_numpy.chunks == x.chunks
    if func != "empty_like":
        check(out, getattr(np, func)(np.arange(12, dtype="int16").reshape(3, 4)))
    assert getattr(fa, func)(x, dtype=float, shape=(5,)).shape == (5,)


def test_full_like():
    x = fa.from_array(np.arange(6.).reshape(2, 3), chunks=1)
    check(np.full_like(x, 4), np.full((2, 3), 4.0))
    check(fa.full_like(x, 4, dtype=int), np.full((2, 3), 4))
    assert fa.full_like(x, 1).chunks == ((1, 1), (1, 1, 1))


@pytest.mark.parametrize("bad", [(-1, 2), (2.5,), "ab"])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(ArrayError, match="shape"):
        fa.ones(bad)


def test_full_refuses_an_array_fill_and_an_unstorable_one():
    with pytest.raises(ArrayError, match="scalar"):
        fa.full((2,), np.arange(2))
    with pytest.raises(ArrayError, match="fill_value"):
        fa.full((2,), "x", dtype=int)


# -- arange, linspace ----------------------------------------------------------------------------------

ARANGES = [(10,), (2, 11), (0, 1, 0.1), (0.3, 7.9, 0.7), (-5, 5, 0.33), (5, 0, -0.3), (1e10, 1e10 + 100, 0.37),
           (0, 1, 1 / 3), (0.5, 5, 1.5), (3, 3), (5, 0), (0, 100, 7), (10, -10, -3)]


@pytest.mark.parametrize("args", ARANGES, ids=str)
@pytest.mark.parametrize("chunks", [1, 3, 7, -1])
def test_arange_has_numpys_exact_values(args, chunks):
    check(fa.arange(*args, chunks=chunks), np.arange(*args))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "int8", "uint16", float])
def test_arange_with_a_dtype(dtype):
    for args in [(0, 20, 0.7), (1, 40, 3), (0.5, 5, 1.5)]:
        check(fa.arange(*args, chunks=4, dtype=dtype), np.arange(*args, dtype=dtype))


def test_arange_random_float_ranges_match_numpy_bit_for_bit():
    rng = np.random.default_rng(1)
    for _ in range(40):
        start, step = rng.uniform(-100, 100), rng.uniform(0.001, 3) * rng.choice([-1, 1])
        stop = start + step * rng.integers(0, 500)
        for dtype in (None, "float32"):
            check(fa.arange(start, stop, step, chunks=int(rng.integers(1, 60)), dtype=dtype),
                  np.arange(start, stop, step, dtype=dtype))


@pytest.mark.parametrize("args", [(np.float32(0.1), np.float32(0.7), 0.1), (np.int8(2), 10, np.int8(3)),
                                  (np.float16(1), 5, 0.5), (0, np.float32(3.3), np.float32(0.3)), (np.uint8(3), 9),
                                  (np.uint64(5),), (True, 4), (np.float32(1.5), 9, np.int8(2))], ids=repr)
def test_arange_of_numpy_scalars_takes_numpys_dtype_and_length(args):
    check(fa.arange(*args, chunks=2), np.arange(*args))


def test_arange_keywords_and_errors():
    check(fa.arange(start=2, stop=9, step=2, chunks=2), np.arange(2, 9, 2))
    with pytest.raises(ArrayError, match="step"):
        fa.arange(0, 5, 0)
    with pytest.raises(ArrayError, match="1 to 3"):
        fa.arange()
    with pytest.raises(ArrayError, match="real number"):
        fa.arange(0, "5")


@pytest.mark.parametrize("num", [0, 1, 2, 7, 50])
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize("chunks", [1, 3, -1])
def test_linspace(num, endpoint, chunks):
    check(fa.linspace(-1.5, 3.25, num, endpoint=endpoint, chunks=chunks), np.linspace(-1.5, 3.25, num, endpoint=endpoint))


def test_linspace_dtype_and_retstep():
    check(fa.linspace(0, 10, 7, chunks=2, dtype=int), np.linspace(0, 10, 7, dtype=int))
    check(fa.linspace(0, 1, 9, chunks=4, dtype="float32"), np.linspace(0, 1, 9, dtype="float32"))
    check(fa.linspace(2, 2, 5, chunks=2), np.linspace(2, 2, 5))
    x, step = fa.linspace(0, 1, 11, retstep=True, chunks=4)
    assert step == np.linspace(0, 1, 11, retstep=True)[1]
    with pytest.raises(ArrayError, match="num"):
        fa.linspace(0, 1, -1)


# -- matrices --------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,m,k", [(5, None, 0), (7, 5, 1), (4, 9, -2), (6, 6, 10), (0, 3, 0)])
@pytest.mark.parametrize("chunks", [2, 3, -1])
def test_eye_and_tri(n, m, k, chunks):
    check(fa.eye(n, chunks=chunks, M=m, k=k), np.eye(n, m, k=k))
    check(fa.eye(n, chunks=chunks, M=m, k=k, dtype=int), np.eye(n, m, k=k, dtype=int))
    check(fa.tri(n, m, k, chunks=chunks), np.tri(n, m, k))


@pytest.mark.parametrize("chunks", [(3, 2), (1, 5), (-1, -1), (2, 1)])
@pytest.mark.parametrize("k", [-8, -3, -1, 0, 1, 4, 6])
def test_tril_triu_diag_of_a_matrix(chunks, k):
    a = np.arange(35.).reshape(7, 5)
    x = fa.from_array(a, chunks=chunks)
    check(fa.tril(x, k), np.tril(a, k))
    check(np.triu(x, k), np.triu(a, k))
    check(np.diag(x, k), np.diag(a, k))


def test_tril_of_a_stack_of_matrices():
    a = np.arange(2 * 4 * 5).reshape(2, 4, 5)
    check(fa.tril(fa.from_array(a, chunks=(1, 3, 2)), 1), np.tril(a, 1))


@pytest.mark.parametrize("k", [-3, 0, 2])
@pytest.mark.parametrize("chunks", [1, 2, -1])
def test_diag_of_a_vector(k, chunks):
    v = np.arange(1, 6, dtype="int32")
    check(fa.diag(fa.from_array(v, chunks=chunks), k), np.diag(v, k))


def test_diag_errors():
    with pytest.raises(ArrayError, match="1-D or 2-D"):
        fa.diag(fa.ones((2, 2, 2)))
    with pytest.raises(ArrayError, match="at least 2"):
        fa.tril(fa.ones(3))


# -- index grids -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dims", [(3,), (3, 4), (2, 3, 4), (0, 2)])
def test_indices(dims):
    check(fa.indices(dims, chunks=2), np.indices(dims))
    check(fa.indices(dims, dtype="int8", chunks=-1), np.indices(dims, dtype="int8"))


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(indexing, sparse):
    xs = [np.arange(3.), np.arange(4) * 10, np.array([1, 2], dtype="int8")]
    arrays = [fa.from_array(xs[0], chunks=2), fa.from_array(xs[1], chunks=3), xs[2]]
    got = np.meshgrid(*arrays, indexing=indexing, sparse=sparse)
    expected = np.meshgrid(*xs, indexing=indexing, sparse=sparse)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        check(g, e)
    one = fa.meshgrid(fa.arange(4, chunks=3))
    check(one[0], np.meshgrid(np.arange(4))[0])


def test_fromfunction():
    check(fa.fromfunction(np.add, shape=(5, 4), chunks=2), np.fromfunction(np.add, (5, 4)))
    check(fa.fromfunction(_weighted, shape=(3, 4, 2), chunks=(1, 3, 2), dtype=int, w=3),
          np.fromfunction(_weighted, (3, 4, 2), dtype=int, w=3))
    with pytest.raises(ArrayError, match="shape"):
        fa.fromfunction(np.add)


def _weighted(i, j, k, w):
    return i * w + j - k


# -- from_delayed ----------------------------------------------------------------------------------------

def test_from_delayed_and_its_shape_check():
    value = delayed(np.arange)(6)
    x = fa.from_delayed(value, shape=(6,), dtype=int)
    assert x.chunks == ((6,),)
    check(x * 2, np.arange(6) * 2)
    wrong = fa.from_delayed(value, shape=(5,), dtype=int)
    with pytest.raises(ArrayError, match=r"shape \(6,\).*shape=\(5,\)"):
        wrong.compute()
    with pytest.raises(ArrayError, match="Delayed"):
        fa.from_delayed(np.arange(3), shape=(3,))


def test_from_delayed_blocks_concatenated():
    parts = [fa.from_delayed(delayed(np.full)((2, 3), i), shape=(2, 3), dtype=int) for i in range(3)]
    check(fa.concatenate(parts), np.concatenate([np.full((2, 3), i) for i in range(3)]))


# -- concatenate, stack, block -------------------------------------------------------------------------

A = np.arange(35.).reshape(7, 5)
B = np.arange(14, dtype="int32").reshape(7, 2)


@pytest.mark.parametrize("chunks", CHUNKINGS_2D)
def test_concatenate(chunks):
    x = fa.from_array(A, chunks=chunks)
    y = fa.from_array(B, chunks=(3, 1))  # chunked differently along axis 0: rechunked to common blocks
    check(fa.concatenate([x, y], axis=1), np.concatenate([A, B], axis=1))
    check(np.concatenate([x, x, x], axis=0), np.concatenate([A, A, A], axis=0))
    check(fa.concatenate([x, A], axis=-2), np.concatenate([A, A], axis=-2))
    out = fa.concatenate([x, x], axis=0)
    assert out.chunks[0] == x.chunks[0] * 2  # the blocks laid one after the other


def test_concatenate_moves_no_data():
    """The output's tasks only point at the input blocks (nothing copied into the graph)."""
    x = fa.from_array(A, chunks=(3, 5))
    out = fa.concatenate([x, x])
    assert out.numblocks == (6, 1)
    for task in out.layer.values():
        assert [type(a).__name__ for a in task.args] == ["Ref"]


def test_concatenate_of_empty_and_1d_and_dtypes():
    a, b = np.array([], dtype="int8"), np.array([1.5, 2.5])
    check(fa.concatenate([fa.from_array(a), fa.from_array(b, chunks=1)]), np.concatenate([a, b]))
    check(fa.concatenate([fa.ones((0, 3)), fa.zeros((2, 3), chunks=1)]), np.concatenate([np.ones((0, 3)), np.zeros((2, 3))]))
    check(fa.concatenate([fa.arange(3), fa.arange(2)], dtype="float32"), np.concatenate([np.arange(3), np.arange(2)], dtype="float32"))


def test_concatenate_axis_none_flattens_and_where_one_argument_is_nonzero():
    check(fa.concatenate([fa.ones((2, 3), chunks=2), fa.zeros(4)], axis=None),
          np.concatenate([np.ones((2, 3)), np.zeros(4)], axis=None))
    v = np.array([0, 3, 0, 4, 5])
    got = np.where(fa.from_array(v, chunks=2))
    assert len(got) == 1
    np.testing.assert_array_equal(got[0].compute(), np.where(v)[0])


def test_concatenate_errors():
    x = fa.ones((3, 4), chunks=2)
    with pytest.raises(ArrayError, match="at least one"):
        fa.concatenate([])
    with pytest.raises(ArrayError, match="dimensions"):
        fa.concatenate([x, fa.ones(3)])
    with pytest.raises(ArrayError, match="must match"):
        fa.concatenate([x, fa.ones((3, 5))], axis=0)
    with pytest.raises(ArrayError, match="out of bounds"):
        fa.concatenate([x, x], axis=2)
    with pytest.raises(ArrayError, match="zero-dimensional"):
        fa.concatenate([fa.ones(()), fa.ones(())])
    with pytest.raises(ArrayError, match="cast"):
        fa.concatenate([fa.ones(2), fa.ones(2, dtype=int)], dtype=int, casting="safe")


def test_concatenate_with_unknown_chunks():
    x = fa.ones((4, 3), chunks=2)
    unknown = Array(x.layer, x.name, ((float("nan"),) * 2, (2, 1)), x.dtype)
    out = fa.concatenate([unknown, x], axis=0, allow_unknown_chunksizes=True)
    assert np.isnan(out.shape[0])
    np.testing.assert_array_equal(out.compute(), np.ones((8, 3)))
    with pytest.raises(UnknownChunksError):
        fa.concatenate([unknown, x], axis=1)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis):
    x = fa.from_array(A, chunks=(3, 2))
    y = fa.from_array(A * 2, chunks=(2, 5))
    check(fa.stack([x, y, A], axis=axis), np.stack([A, A * 2, A], axis=axis))
    out = np.stack([x, x], axis=axis)
    assert out.chunks[axis] == (1, 1)


def test_stack_errors():
    with pytest.raises(ArrayError, match="same shape"):
        fa.stack([fa.ones(3), fa.ones(4)])
    with pytest.raises(ArrayError, match="out of bounds"):
        fa.stack([fa.ones(3), fa.ones(3)], axis=3)


def test_block_vstack_hstack():
    x = fa.from_array(A, chunks=(3, 2))
    c = fa.ones((7, 2), chunks=4)
    check(np.block([[x, c], [fa.zeros((1, 7))]]), np.block([[A, np.ones((7, 2))], [np.zeros((1, 7))]]))
    check(fa.block([fa.arange(3), np.arange(2)]), np.block([np.arange(3), np.arange(2)]))
    check(fa.block([[fa.arange(3)], [fa.arange(3)]]), np.block([[np.arange(3)], [np.arange(3)]]))
    check(np.vstack([fa.arange(3, chunks=2), fa.arange(3)]), np.vstack([np.arange(3), np.arange(3)]))
    check(np.hstack([x, c]), np.hstack([A, np.ones((7, 2))]))
    check(fa.hstack([fa.arange(3), fa.arange(2)]), np.hstack([np.arange(3), np.arange(2)]))
    with pytest.raises(ArrayError, match="different depths"):
        fa.block([[x], x])
    with pytest.raises(ArrayError, match="empty list"):
        fa.block([[]])


# -- where ---------------------------------------------------------------------------------------------

def test_where_with_broadcasting_and_nans():
    a = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, np.nan]])
    x = fa.from_array(a, chunks=(1, 2))
    check(np.where(np.isnan(x), 0, x), np.where(np.isnan(a), 0, a))
    check(fa.where(x > 2, x, fa.arange(3, chunks=2)), np.where(a > 2, a, np.arange(3)))
    check(fa.where(np.array([True, False, True]), x, -1.0), np.where([True, False, True], a, -1.0))
    check(fa.where(True, x, 0), np.where(True, a, 0))
    b = np.arange(6).reshape(2, 3) > 2
    check(fa.where(fa.from_array(b, chunks=1), 1, 2), np.where(b, 1, 2))


def test_where_argument_count():
    with pytest.raises(ArrayError, match="three"):
        fa.where(fa.ones(2) > 0, 1)


# -- laziness, schedulers ------------------------------------------------------------------------------

CALLS: list = []


def _counting(block):
    CALLS.append(1)
    return block


def test_nothing_is_computed_before_compute():
    CALLS.clear()
    x = fa.ones((6, 4), chunks=2).map_blocks(_counting, dtype=float)
    out = fa.where(fa.concatenate([x, fa.hstack([x, x])], axis=1) > 0, fa.eye(6, M=12, chunks=2), fa.arange(12.0))
    out = fa.stack([out, fa.triu(out)])
    out = fa.block([[out, fa.tril(out)]])
    assert CALLS == []
    out.compute(scheduler="sync")
    assert CALLS


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_on_every_scheduler(any_scheduler):
    grid = np.arange(0, 1, 0.05).reshape(4, 5)
    x = fa.concatenate([fa.from_array(grid, chunks=2), fa.eye(3, M=5, chunks=2)])
    out = fa.where(x > 0.5, fa.linspace(0, 1, 5, chunks=2), fa.stack([fa.arange(5, chunks=2)] * 7))
    expected = np.where(np.concatenate([grid, np.eye(3, 5)]) > 0.5, np.linspace(0, 1, 5), np.stack([np.arange(5)] * 7))
    check(out, expected, scheduler=any_scheduler)
    check(fa.diag(fa.from_array(A, chunks=(3, 2)), 1), np.diag(A, 1), scheduler=any_scheduler)
    check(fa.indices((3, 4), chunks=2), np.indices((3, 4)), scheduler=any_scheduler)
    check(fa.arange(0.5, 9.1, 0.3, chunks=7), np.arange(0.5, 9.1, 0.3), scheduler=any_scheduler)
    check(fa.fromfunction(_weighted, shape=(3, 4, 2), chunks=2, dtype=int, w=2),
          np.fromfunction(_weighted, (3, 4, 2), dtype=int, w=2), scheduler=any_scheduler)
