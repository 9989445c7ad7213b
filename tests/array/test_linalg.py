"""frames.array.linalg against NumPy on the same data: blocked products (tensordot, dot, matmul and
``@``, vdot, inner, outer) across chunkings (even, uneven, one block, a block per element, operands
chunked differently along the contraction), dtypes and 1-3 dimensions; the TSQR ``qr`` and ``svd``
(Q orthonormal, R upper triangular, Q R = A, singular values and vectors as NumPy's up to sign);
``norm``; laziness; a subset on every scheduler (``any_scheduler``: sync, threads, processes, a
distributed LocalCluster)."""

from __future__ import annotations

import numpy as np
import pytest

import frames
import frames.array as fa
from frames.array import ArrayError
from tests.array.overlap_kernels import CountedIdentity

RNG = np.random.default_rng(7)
A = RNG.standard_normal((13, 11))
B = RNG.standard_normal((11, 9))
AI = RNG.integers(-5, 6, (13, 11))
BI = RNG.integers(-5, 6, (11, 9))

# (chunks of A, chunks of B): even, uneven, one block, a block per element along the contraction,
# and the two operands chunked differently along the contracted axis (rechunked to common blocks)
CHUNKINGS = [
    pytest.param((5, 4), (4, 3), id="uneven"),
    pytest.param((13, 11), (11, 9), id="one-block"),
    pytest.param((4, 1), (1, 9), id="block-per-element"),
    pytest.param((3, 6), (4, 5), id="different-contraction-blocks"),
]


@pytest.mark.parametrize("achunks, bchunks", CHUNKINGS)
@pytest.mark.parametrize("dtype", ["float", "int"])
def test_matmul_and_dot_against_numpy(achunks, bchunks, dtype):
    a_np, b_np = (A, B) if dtype == "float" else (AI, BI)
    a, b = fa.from_array(a_np, chunks=achunks), fa.from_array(b_np, chunks=bchunks)
    want = a_np @ b_np
    for got in (a @ b, a.dot(b), fa.dot(a, b), fa.matmul(a, b), np.dot(a, b), np.matmul(a, b),
                fa.tensordot(a, b, axes=1), np.tensordot(a, b, axes=([1], [0]))):
        assert isinstance(got, fa.Array)
        assert got.dtype == want.dtype and got.shape == want.shape
        out = got.compute()
        if dtype == "int":
            np.testing.assert_array_equal(out, want)
        else:
            np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


def test_even_chunks_and_numpy_operands():
    x_np = RNG.standard_normal((12, 12))
    x = fa.from_array(x_np, chunks=4)
    np.testing.assert_allclose((x @ x_np).compute(), x_np @ x_np)
    np.testing.assert_allclose((x_np @ x).compute(), x_np @ x_np)  # ndarray.__matmul__ -> np.matmul -> ours
    np.testing.assert_allclose(x.dot(x_np.T).compute(), x_np @ x_np.T)
    assert isinstance(x_np @ x, fa.Array)


@pytest.mark.parametrize("split_every", [2, 3, 8])
def test_long_contraction_split_into_a_tree(split_every):
    """x.T @ x of a tall array: 10 block pairs meet in each output block; past split_every they
    are summed in groups and the group sums added in a tree (more tasks than output blocks)."""
    x_np = RNG.standard_normal((50, 6))
    x = fa.from_array(x_np, chunks=(5, 3))
    y = fa.tensordot(x, x, axes=([0], [0]), split_every=split_every)
    graph, _ = y._build_graph()
    partials = [k for k in graph if isinstance(k, tuple) and "partial" in str(k[0])]
    assert bool(partials) == (split_every < 10)
    np.testing.assert_allclose(y.compute(), x_np.T @ x_np, rtol=1e-12)
    ints = fa.from_array(np.arange(40).reshape(20, 2), chunks=(1, 2))
    np.testing.assert_array_equal(fa.matmul(ints.T, ints, split_every=split_every).compute(),
                                  np.arange(40).reshape(20, 2).T @ np.arange(40).reshape(20, 2))


@pytest.mark.parametrize("axes, bshape", [
    (0, (2, 3)), (1, (6, 2)), (2, (5, 6, 3)), (([0, 2], [1, 0]), (6, 4, 3)), (([-1], [-3]), (6, 2, 3)),
    (([2, 1], [0, 1]), (6, 5, 2)), (3, (4, 5, 6)),
])
def test_tensordot_3d(axes, bshape):
    a_np = RNG.standard_normal((4, 5, 6))
    b_np = RNG.standard_normal(bshape)
    a = fa.from_array(a_np, chunks=(3, 2, 4))
    b = fa.from_array(b_np, chunks=2)
    got = fa.tensordot(a, b, axes=axes)
    want = np.tensordot(a_np, b_np, axes=axes)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.compute(), want, rtol=1e-12)


@pytest.mark.parametrize("ashape, bshape", [
    ((7,), (7,)), ((6, 7), (7,)), ((7,), (7, 5)), ((3, 6, 7), (7,)), ((3, 6, 7), (2, 7, 5)), ((6, 7), (4, 7, 5)),
    ((), (4, 5)), ((4, 5), ()),
])
def test_dot_follows_numpy_rules(ashape, bshape):
    a_np, b_np = RNG.standard_normal(ashape), RNG.standard_normal(bshape)
    a, b = fa.from_array(a_np, chunks=3), fa.from_array(b_np, chunks=2)
    got = fa.dot(a, b)
    want = np.dot(a_np, b_np)
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.compute(), want, rtol=1e-12)


@pytest.mark.parametrize("ashape, bshape", [
    ((7,), (7,)), ((6, 7), (7,)), ((7,), (7, 5)), ((2, 1, 6, 7), (3, 7, 5)), ((3, 6, 7), (7, 5)), ((7,), (3, 7, 5)),
    ((3, 6, 7), (1, 7, 2)),
])
def test_matmul_broadcasts_stacks_and_promotes_vectors(ashape, bshape):
    a_np, b_np = RNG.standard_normal(ashape), RNG.standard_normal(bshape)
    a, b = fa.from_array(a_np, chunks=2), fa.from_array(b_np, chunks=3)
    got = a @ b
    want = a_np @ b_np
    assert got.shape == np.shape(want)
    np.testing.assert_allclose(got.compute(), want, rtol=1e-12)


def test_bool_and_mixed_dtypes_follow_numpy():
    p = RNG.random((6, 5)) > 0.5
    q = RNG.random((5, 4)) > 0.5
    got = fa.from_array(p, chunks=2) @ fa.from_array(q, chunks=2)
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got.compute(), p @ q)
    f32 = fa.from_array(A.astype(np.float32), chunks=5) @ fa.from_array(BI.astype(np.int8), chunks=5)
    assert f32.dtype == (A.astype(np.float32) @ BI.astype(np.int8)).dtype
    np.testing.assert_allclose(f32.compute(), A.astype(np.float32) @ BI.astype(np.int8), atol=1e-4)


def test_vdot_inner_outer():
    c = RNG.standard_normal((6, 4)) + 1j * RNG.standard_normal((6, 4))
    d = RNG.standard_normal((6, 4)) + 1j * RNG.standard_normal((6, 4))
    x, y = fa.from_array(c, chunks=(4, 3)), fa.from_array(d, chunks=(2, 4))
    np.testing.assert_allclose(fa.vdot(x, y).compute(), np.vdot(c, d))
    np.testing.assert_allclose(np.vdot(x, y).compute(), np.vdot(c, d))
    np.testing.assert_allclose(fa.inner(x, y).compute(), np.inner(c, d))
    u, v = RNG.standard_normal(7), np.arange(5)
    np.testing.assert_allclose(fa.outer(fa.from_array(u, chunks=3), fa.from_array(v, chunks=2)).compute(), np.outer(u, v))
    np.testing.assert_allclose(np.inner(fa.from_array(u, chunks=3), u).compute(), np.inner(u, u))


@pytest.mark.parametrize("ashape, bshape", [((0, 4), (4, 3)), ((5, 0), (0, 3)), ((5, 4), (4, 0)), ((0,), (0,))])
def test_empty_operands(ashape, bshape):
    a_np, b_np = np.ones(ashape), np.ones(bshape)
    got = fa.from_array(a_np, chunks=2) @ fa.from_array(b_np, chunks=2)
    assert got.shape == (a_np @ b_np).shape
    np.testing.assert_array_equal(got.compute(), a_np @ b_np)


def test_products_are_lazy(tmp_path):
    count = CountedIdentity(tmp_path / "calls")
    x = fa.map_blocks(count, fa.from_array(A, chunks=(5, 4)), dtype=A.dtype)
    y = fa.from_array(B, chunks=(4, 3))
    products = [x @ y, fa.tensordot(x, y, 1, split_every=2), fa.linalg.qr(x.rechunk({1: -1}))[0],
                fa.linalg.svd(x.rechunk({1: -1}))[0], fa.linalg.norm(x, 1)]
    assert count.calls() == 0
    np.testing.assert_allclose(products[0].compute(scheduler="sync"), A @ B)
    assert count.calls() == 9  # one call per block of x, nothing more


def test_product_errors_name_the_culprit():
    a, b = fa.from_array(A, chunks=5), fa.from_array(B, chunks=5)
    with pytest.raises(ArrayError, match="13 columns and the second 13 rows|11 columns and the second 13 rows"):
        a @ a
    with pytest.raises(ArrayError, match="contracted axes must match"):
        fa.tensordot(a, a, axes=([1], [0]))
    with pytest.raises(ArrayError, match="different lengths"):
        fa.tensordot(a, b, axes=([1, 0], [0]))
    with pytest.raises(ArrayError, match="out of range"):
        fa.tensordot(a, b, axes=([2], [0]))
    with pytest.raises(ArrayError, match="more than the dimensions"):
        fa.tensordot(a, b, axes=3)
    with pytest.raises(ArrayError, match="scalar"):
        fa.matmul(a, fa.from_array(np.float64(2.0)))
    with pytest.raises(ArrayError, match="cannot be broadcast"):
        fa.from_array(np.ones((3, 2, 2))) @ fa.from_array(np.ones((4, 2, 2)))
    with pytest.raises(ArrayError, match="1-d"):
        fa.outer(a, b)
    with pytest.raises(ArrayError, match="same size"):
        fa.vdot(a, b)


@pytest.mark.parametrize("any_scheduler", ["sync", "threads", "processes", "distributed"], indirect=True)
def test_products_and_tsqr_on_every_scheduler(any_scheduler):
    a, b = fa.from_array(A, chunks=(5, 4)), fa.from_array(B, chunks=(4, 3))
    np.testing.assert_allclose((a @ b).compute(scheduler=any_scheduler), A @ B, rtol=1e-12)
    tall = RNG.standard_normal((60, 4))
    x = fa.from_array(tall, chunks=(7, 4))
    xtx = fa.tensordot(x, x, axes=([0], [0]), split_every=3)
    np.testing.assert_allclose(xtx.compute(scheduler=any_scheduler), tall.T @ tall, rtol=1e-12)
    q, r = fa.linalg.qr(x)
    Q, R = frames.compute(q, r, scheduler=any_scheduler)
    np.testing.assert_allclose(Q @ R, tall, atol=1e-12)
    u, s, vt = fa.linalg.svd(x)
    S = s.compute(scheduler=any_scheduler)
    np.testing.assert_allclose(S, np.linalg.svd(tall, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose(fa.linalg.norm(a, 1).compute(scheduler=any_scheduler), np.linalg.norm(A, 1))
    np.testing.assert_allclose(fa.einsum("ij,jk->ik", a, b).compute(scheduler=any_scheduler), A @ B, rtol=1e-12)
    x_ls = fa.linalg.lstsq(x, fa.from_array(tall[:, 0], chunks=7))[0]
    np.testing.assert_allclose(x_ls.compute(scheduler=any_scheduler), [1, 0, 0, 0], atol=1e-10)


# -- TSQR --------------------------------------------------------------------------------------------

TALL = RNG.standard_normal((2000, 20))


def _check_qr(q_np, r_np, a_np):
    k = min(a_np.shape)
    assert q_np.shape == (a_np.shape[0], k) and r_np.shape == (k, a_np.shape[1])
    np.testing.assert_allclose(q_np.T @ q_np, np.eye(k), atol=1e-10)
    np.testing.assert_array_equal(np.triu(r_np), r_np)
    np.testing.assert_allclose(q_np @ r_np, a_np, atol=1e-10)
    # R is NumPy's up to the sign of each row
    want = np.linalg.qr(a_np)[1]
    np.testing.assert_allclose(np.abs(r_np), np.abs(want), atol=1e-8)


@pytest.mark.parametrize("rows", [400, (300, 500, 200, 600, 400), (290,) * 6 + (260,), 2000],
                         ids=["5-even", "5-uneven", "7-blocks", "one-block"])
@pytest.mark.parametrize("split_every", [None, 2])
def test_tsqr_qr(rows, split_every):
    x = fa.from_array(TALL, chunks=(rows, 20))
    q, r = fa.linalg.tsqr(x, split_every=split_every)
    assert q.chunks[0] == x.chunks[0] and r.numblocks == (1, 1)
    Q, R = frames.compute(q, r)
    _check_qr(Q, R, TALL)


def test_qr_blocks_shorter_than_columns_and_dtypes():
    """Row blocks of fewer rows than columns give short R factors; ints become float64, float32
    stays float32, as NumPy's qr."""
    a_np = RNG.standard_normal((40, 6))
    x = fa.from_array(a_np, chunks=((3, 10, 2, 20, 5), (6,)))
    q, r = fa.linalg.qr(x)
    _check_qr(q.compute(), r.compute(), a_np)
    q, r = fa.linalg.tsqr(fa.from_array(a_np, chunks=((0, 10, 0, 0, 30), (6,))), split_every=2)  # empty blocks
    _check_qr(q.compute(), r.compute(), a_np)
    ints = RNG.integers(-9, 10, (30, 4))
    q, r = np.linalg.qr(fa.from_array(ints, chunks=(7, 4)))
    assert q.dtype == np.float64
    _check_qr(q.compute(), r.compute(), ints.astype(float))
    f32 = a_np.astype(np.float32)
    q, r = fa.linalg.qr(fa.from_array(f32, chunks=(9, 6)))
    assert q.dtype == np.float32 and r.dtype == np.float32
    np.testing.assert_allclose(q.compute() @ r.compute(), f32, atol=1e-4)


def test_qr_of_wide_and_empty():
    wide = RNG.standard_normal((5, 8))  # one block: Q is 5x5, R 5x8, as NumPy's reduced qr
    q, r = fa.linalg.qr(fa.from_array(wide, chunks=(5, 8)))
    _check_qr(q.compute(), r.compute(), wide)
    q, r = fa.linalg.qr(fa.from_array(np.ones((0, 3)), chunks=(1, 3)))
    assert q.compute().shape == (0, 0) and r.compute().shape == (0, 3)


@pytest.mark.parametrize("rows", [400, (290,) * 6 + (260,)], ids=["5-blocks", "7-blocks"])
def test_svd_tall_and_skinny(rows):
    x = fa.from_array(TALL, chunks=(rows, 20))
    u, s, vt = fa.linalg.svd(x)
    U, S, Vt = frames.compute(u, s, vt)
    U0, S0, Vt0 = np.linalg.svd(TALL, full_matrices=False)
    np.testing.assert_allclose(S, S0, rtol=1e-10)
    np.testing.assert_allclose(U.T @ U, np.eye(20), atol=1e-10)
    np.testing.assert_allclose((U * S) @ Vt, TALL, atol=1e-10)
    signs = np.sign(np.sum(U * U0, axis=0))  # each singular vector is NumPy's up to its sign
    np.testing.assert_allclose(U * signs, U0, atol=1e-8)
    np.testing.assert_allclose(Vt * signs[:, None], Vt0, atol=1e-8)
    # coerce_signs makes the answer the same whatever the chunking
    u1, _, v1 = fa.linalg.svd(x, coerce_signs=True)
    u2, _, v2 = fa.linalg.svd(fa.from_array(TALL, chunks=(1000, 20)), coerce_signs=True)
    np.testing.assert_allclose(u1.compute(), u2.compute(), atol=1e-10)
    np.testing.assert_allclose(v1.compute(), v2.compute(), atol=1e-10)
    U1 = u1.compute()
    assert np.all(U1[np.abs(U1).argmax(axis=0), np.arange(20)] > 0)


def test_qr_short_and_fat():
    fat = RNG.standard_normal((20, 300))
    q, r = fa.linalg.qr(fa.from_array(fat, chunks=(20, (40, 100, 160))))
    assert r.chunks == ((20,), (40, 100, 160))
    _check_qr(q.compute(), r.compute(), fat)
    with pytest.raises(ArrayError, match="at least as wide"):
        fa.linalg.qr(fa.from_array(fat, chunks=(20, 10)))


def test_svd_short_and_fat_through_the_transpose():
    fat = TALL.T.copy()
    u, s, vt = fa.linalg.svd(fa.from_array(fat, chunks=(20, 300)))
    U, S, Vt = frames.compute(u, s, vt)
    assert U.shape == (20, 20) and Vt.shape == (20, 2000)
    np.testing.assert_allclose(S, np.linalg.svd(fat, compute_uv=False), rtol=1e-10)
    np.testing.assert_allclose((U * S) @ Vt, fat, atol=1e-10)
    np.testing.assert_allclose(fa.linalg.svd(fa.from_array(fat, chunks=(20, 300)), compute_uv=False).compute(), S)


def test_qr_and_svd_errors():
    x = fa.from_array(TALL, chunks=(500, 10))
    with pytest.raises(ArrayError, match=r"qr needs one block along axis 1 \(it has 2\): rechunk\(\{1: -1\}\)"):
        fa.linalg.qr(x)
    with pytest.raises(ArrayError, match="tall-and-skinny"):
        fa.linalg.svd(x)
    with pytest.raises(ArrayError, match="2-d"):
        fa.linalg.qr(fa.from_array(np.ones(5)))
    with pytest.raises(ArrayError, match="reduced"):
        fa.linalg.qr(fa.from_array(TALL, chunks=(500, 20)), mode="complete")
    with pytest.raises(ArrayError, match="full_matrices"):
        fa.linalg.svd(fa.from_array(TALL, chunks=(500, 20)), full_matrices=True)


# -- norms -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3, 0.5, np.inf, -np.inf])
@pytest.mark.parametrize("chunks", [3, (13, 11), (1, 4)], ids=["even", "one-block", "block-per-row"])
def test_vector_norms(ord, chunks):
    x = fa.from_array(A, chunks=chunks)
    for axis in (0, 1, -1):
        for keepdims in (False, True):
            np.testing.assert_allclose(fa.linalg.norm(x, ord, axis=axis, keepdims=keepdims).compute(),
                                       np.linalg.norm(A, ord, axis=axis, keepdims=keepdims), rtol=1e-12)
    v = fa.from_array(AI[0], chunks=4)  # ints are computed as floats, as NumPy does
    np.testing.assert_allclose(fa.linalg.norm(v, ord).compute(), np.linalg.norm(AI[0], ord), rtol=1e-12)


@pytest.mark.parametrize("ord", [None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"])
def test_matrix_norms(ord):
    chunks = (4, 11) if ord in (2, -2, "nuc") else (4, 3)
    x = fa.from_array(A, chunks=chunks)
    for keepdims in (False, True):
        np.testing.assert_allclose(np.linalg.norm(x, ord, keepdims=keepdims).compute(),
                                   np.linalg.norm(A, ord, keepdims=keepdims), rtol=1e-10)
    if ord not in (2, -2, "nuc"):
        np.testing.assert_allclose(fa.linalg.norm(x, ord, axis=(1, 0)).compute(), np.linalg.norm(A, ord, axis=(1, 0)))
        cube = RNG.standard_normal((3, 4, 5))
        np.testing.assert_allclose(fa.linalg.norm(fa.from_array(cube, chunks=2), ord, axis=(0, 2)).compute(),
                                   np.linalg.norm(cube, ord, axis=(0, 2)), rtol=1e-12)


def test_norm_of_everything_complex_and_empty():
    cube = RNG.standard_normal((3, 4, 5)) + 1j
    np.testing.assert_allclose(fa.linalg.norm(fa.from_array(cube, chunks=2)).compute(), np.linalg.norm(cube))
    assert fa.linalg.norm(fa.from_array(np.ones((0, 3)), chunks=2)).compute() == 0.0
    with pytest.raises(ArrayError, match="empty"):
        fa.linalg.norm(fa.from_array(np.ones(0)), np.inf)
    with pytest.raises(ArrayError, match="matrix norm"):
        fa.linalg.norm(fa.from_array(np.ones(4)), "fro", axis=0)
    with pytest.raises(ArrayError, match="1-d or 2-d"):
        fa.linalg.norm(fa.from_array(cube), 1)


# -- einsum ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(6, 5), (5, 7)]), ("ij,jk,k->i", [(6, 5), (5, 7), (7,)]), ("ij->", [(6, 5)]),
    ("ij->ji", [(6, 5)]), ("ij,jk", [(6, 5), (5, 7)]), ("i,i", [(7,), (7,)]), ("i,j->ij", [(7,), (4,)]),
    ("ii->i", [(6, 6)]), ("ii", [(6, 6)]), ("bij,bjk->bik", [(3, 4, 5), (3, 5, 2)]), ("ijk->kj", [(3, 4, 5)]),
    ("ij,ij->ij", [(6, 5), (6, 5)]), ("ij,kj->", [(0, 5), (3, 5)]),
])
@pytest.mark.parametrize("dtype", [float, int])
def test_einsum_against_numpy(subscripts, shapes, dtype):
    arrays = [RNG.standard_normal(s).astype(dtype) if dtype is float else RNG.integers(-4, 5, s) for s in shapes]
    # each operand chunked its own way (operands meeting on a letter are brought to common blocks)
    chunks = [(2, 4, 3), (3, 2, 2), (4, 3, 1)]
    chunked = [fa.from_array(a, chunks=c[: a.ndim]) for a, c in zip(arrays, chunks)]
    got = fa.einsum(subscripts, *chunked)
    want = np.einsum(subscripts, *arrays)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got.compute(), want, rtol=1e-12)
    np.testing.assert_allclose(np.einsum(subscripts, *chunked).compute(), want, rtol=1e-12)


def test_einsum_errors():
    a = fa.from_array(A, chunks=5)
    with pytest.raises(ArrayError, match="ellipsis"):
        fa.einsum("...j->j", a)
    with pytest.raises(ArrayError, match="2 operands, but 1"):
        fa.einsum("ij,jk->ik", a)
    with pytest.raises(ArrayError, match="lengths"):
        fa.einsum("ij,ij->i", a, fa.from_array(B))
    with pytest.raises(ArrayError, match="in no operand"):
        fa.einsum("ij->q", a)
    with pytest.raises(ArrayError, match="names 3 axes"):
        fa.einsum("ijk->i", a)


# -- least squares -----------------------------------------------------------------------------------

@pytest.mark.parametrize("bshape", [(300,), (300, 3)], ids=["vector", "matrix"])
@pytest.mark.parametrize("rows", [(70, 6), (300, 6), ((1, 99, 200), (6,))], ids=["uneven", "one-block", "tiny-block"])
def test_lstsq_against_numpy(bshape, rows):
    a_np = RNG.standard_normal((300, 6))
    b_np = RNG.standard_normal(bshape)
    got = frames.compute(*fa.linalg.lstsq(fa.from_array(a_np, chunks=rows), fa.from_array(b_np, chunks=50)))
    want = np.linalg.lstsq(a_np, b_np, rcond=None)
    for g, w in zip(got, want):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
    x = np.linalg.lstsq(fa.from_array(a_np, chunks=rows), b_np)[0]  # np.linalg.lstsq dispatches here
    np.testing.assert_allclose(x.compute(), want[0], rtol=1e-9)


def test_lstsq_errors():
    with pytest.raises(ArrayError, match="one block along axis 1"):
        fa.linalg.lstsq(fa.from_array(TALL, chunks=(500, 10)), fa.from_array(TALL[:, 0]))
    with pytest.raises(ArrayError, match="needs 2000 rows"):
        fa.linalg.lstsq(fa.from_array(TALL, chunks=(500, 20)), fa.from_array(np.ones(5)))
    with pytest.raises(ArrayError, match="at least as many rows"):
        fa.linalg.lstsq(fa.from_array(np.ones((4, 6)), chunks=(2, 6)), fa.from_array(np.ones(4)))


def test_lstsq_complex():
    a_np = RNG.standard_normal((50, 4)) + 1j * RNG.standard_normal((50, 4))
    b_np = RNG.standard_normal(50) + 1j
    got = frames.compute(*fa.linalg.lstsq(fa.from_array(a_np, chunks=(9, 4)), fa.from_array(b_np, chunks=9)))
    for g, w in zip(got, np.linalg.lstsq(a_np, b_np, rcond=None)):
        np.testing.assert_allclose(g, w, rtol=1e-9)


# -- solve, inv, cholesky ----------------------------------------------------------------------------

def _spd(n: int, complex_: bool = False) -> np.ndarray:
    m = RNG.standard_normal((n, n)) + (1j * RNG.standard_normal((n, n)) if complex_ else 0)
    return m @ m.conj().T + n * np.eye(n)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("rows", [(7, 10, 13), (30,), (1,) * 30], ids=["uneven", "one-block", "block-per-row"])
def test_solve_and_inv_against_numpy(complex_, rows):
    s = _spd(30, complex_)
    a = fa.from_array(s, chunks=(rows, (30,)))
    for b_np in (RNG.standard_normal(30), RNG.standard_normal((30, 4))):
        np.testing.assert_allclose(fa.linalg.solve(a, fa.from_array(b_np, chunks=8)).compute(),
                                   np.linalg.solve(s, b_np), atol=1e-12)
        np.testing.assert_allclose(np.linalg.solve(a, b_np).compute(), np.linalg.solve(s, b_np), atol=1e-12)
    got = np.linalg.inv(a)
    assert got.chunks == ((30,), tuple(rows))
    np.testing.assert_allclose(got.compute(), np.linalg.inv(s), atol=1e-12)
    ints = fa.from_array(np.array([[2, 1], [1, 3]]), chunks=(1, 2))
    np.testing.assert_allclose(fa.linalg.inv(ints).compute(), np.linalg.inv(np.array([[2, 1], [1, 3]])))


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("chunks", [(7, 10, 13), 30, 1, 8], ids=["uneven", "one-block", "block-per-element", "even"])
def test_cholesky_against_numpy(complex_, chunks):
    s = _spd(30, complex_)
    a = fa.from_array(s, chunks=(chunks, chunks))
    lower = fa.linalg.cholesky(a)
    np.testing.assert_allclose(lower.compute(), np.linalg.cholesky(s), atol=1e-12)
    np.testing.assert_allclose(np.linalg.cholesky(a, upper=True).compute(), np.linalg.cholesky(s).conj().T, atol=1e-12)


def test_square_system_errors():
    with pytest.raises(ArrayError, match="square"):
        fa.linalg.solve(fa.from_array(TALL, chunks=(500, 20)), fa.from_array(TALL[:, 0]))
    with pytest.raises(ArrayError, match="one block along axis 1"):
        fa.linalg.inv(fa.from_array(_spd(6), chunks=3))
    with pytest.raises(ArrayError, match="square blocks on the diagonal"):
        fa.linalg.cholesky(fa.from_array(_spd(6), chunks=(3, 2)))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        fa.linalg.cholesky(fa.from_array(-np.eye(4), chunks=2)).compute()
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        fa.linalg.solve(fa.from_array(np.ones((4, 4)), chunks=(2, 4)), fa.from_array(np.ones(4))).compute()
