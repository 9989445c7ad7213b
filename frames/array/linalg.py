"""Linear algebra on chunked arrays: blocked products and tall-and-skinny factorizations.

Products (``tensordot``, ``dot``, ``matmul``, ``inner``, ``outer``, ``vdot``, ``einsum``) are one
``core.blockwise`` call each: an output block is the sum, over the blocks along the contracted
axes, of the products of matching blocks (the inputs are passed to the task as lists of blocks
along the contracted indices). The sum is accumulated in a loop inside the task, so a task holds its
inputs, its output and one product at a time, not one intermediate per block pair as dask's
``tensordot`` does (``x.dot(x.T).sum()`` at 4000x4000 in 1000x1000 blocks: 16 tasks instead of
64 products and a reduction). When more than ``split_every`` block pairs meet in one output block
(``x.T @ x`` of a tall array), the pairs are summed in groups that run in parallel and the group
sums are added in a tree (fan-in ``split_every``).

``qr`` / ``tsqr``, ``svd``, ``lstsq``, ``solve`` and ``inv`` stand on the direct TSQR of Benson,
Gleich and Demmel ("Direct QR factorizations for tall-and-skinny matrices in MapReduce
architectures", 2013), as dask's
``tsqr``: QR of every row block, QR of the stacked R factors (in a tree of fan-in ``split_every``
when there are many blocks), and each block of Q is its block's Q times the rows of the upper
levels' Q that belong to it. The SVD is the small SVD of that R, its U multiplied into Q.
Short-and-fat arrays: ``sfqr`` (dask's), and ``svd`` through the transpose.

``norm`` is NumPy's vector and matrix norms on the tree reductions of reductions.py; ``cholesky`` the
blocked right-looking Cholesky factorization (square blocks on the diagonal).
"""

from __future__ import annotations

import itertools
import math
from numbers import Integral
from typing import Any, Sequence

import numpy as np

from exec import Ref, Task
from frames.array.core import Array, blockwise, elemwise, map_blocks, new_name
from frames.array.dispatch import implements
from frames.array.errors import ArrayError, UnknownChunksError

SPLIT_EVERY = 8  # block pairs summed in one task before the contraction is split into a tree


def _as_array(x: Any) -> Array:
    if isinstance(x, Array):
        return x
    from frames.array.creation import asarray

    return asarray(x)


def _flatten(nested: Any) -> list:
    """The blocks of a (possibly nested) list along contracted indices, in order; a single block
    (nothing contracted) is a list of one."""
    if not isinstance(nested, list):
        return [nested]
    out: list = []
    for item in nested:
        out.extend(_flatten(item))
    return out


def _sum_products(product: Any, a_blocks: Any, b_blocks: Any, **kwargs: Any) -> np.ndarray:
    """``sum(product(a_k, b_k, **kwargs))`` over matching blocks, accumulated in place."""
    a_list, b_list = _flatten(a_blocks), _flatten(b_blocks)
    if len(a_list) == 1 and len(b_list) > 1:  # one side broadcasts along the contraction
        a_list = a_list * len(b_list)
    elif len(b_list) == 1 and len(a_list) > 1:
        b_list = b_list * len(a_list)
    out = np.asarray(product(a_list[0], b_list[0], **kwargs))
    if len(a_list) > 1 and not out.flags.writeable:
        out = out.copy()
    for a, b in zip(a_list[1:], b_list[1:]):
        out += product(a, b, **kwargs)
    return out


def _tensordot_sum(a_blocks: Any, b_blocks: Any, axes: tuple) -> np.ndarray:
    return _sum_products(np.tensordot, a_blocks, b_blocks, axes=axes)


def _matmul_sum(a_blocks: Any, b_blocks: Any) -> np.ndarray:
    return _sum_products(np.matmul, a_blocks, b_blocks)


def _add_all(parts: list) -> np.ndarray:
    out = np.array(parts[0], copy=True)
    for p in parts[1:]:
        out += p
    return out


def _split_long_contractions(out: Array, split_every: int) -> Array:
    """``out`` (a blockwise product whose tasks take ``(a_blocks, b_blocks)`` lists) with every
    task over more than ``split_every`` block pairs split: groups of ``split_every`` pairs are
    summed by separate tasks (in parallel), and their sums are added in a tree of the same fan-in."""
    first = next(iter(out.layer.values()), None)
    if first is None or max(len(_flatten(first.args[0])), len(_flatten(first.args[1]))) <= split_every:
        return out
    partial_name = new_name(out.name.rsplit("-", 1)[0] + "-partial")
    inner: dict = {}
    layer: dict = {}
    for key, task in out.layer.items():
        a_list, b_list = _flatten(task.args[0]), _flatten(task.args[1])
        n = max(len(a_list), len(b_list))
        a_list = a_list * n if len(a_list) == 1 else a_list
        b_list = b_list * n if len(b_list) == 1 else b_list
        level = []
        for g in range(0, n, split_every):
            pkey = (partial_name, 0, *key[1:], g // split_every)
            inner[pkey] = Task(task.func, a_list[g:g + split_every], b_list[g:g + split_every], **task.kwargs)
            level.append(pkey)
        depth = 1
        while len(level) > split_every:
            nxt = []
            for g in range(0, len(level), split_every):
                pkey = (partial_name, depth, *key[1:], g // split_every)
                inner[pkey] = Task(_add_all, [Ref(k) for k in level[g:g + split_every]])
                nxt.append(pkey)
            level, depth = nxt, depth + 1
        layer[key] = Task(_add_all, [Ref(k) for k in level])
    carrier = Array(inner, partial_name, (), out.dtype, out.deps)  # holds the partial sums' tasks
    return Array(layer, out.name, out.chunks, out.dtype, (carrier,), out._meta)


def _result_dtype(func: Any, a: Array, b: Array, **kwargs: Any) -> np.dtype:
    """The dtype NumPy's ``func`` gives on these dtypes (tried on one-element stand-ins)."""
    pa = np.ones((1,) * a.ndim, dtype=a.dtype)
    pb = np.ones((1,) * b.ndim, dtype=b.dtype)
    return np.asarray(func(pa, pb, **kwargs)).dtype


def _axis(axis: Any, ndim: int, what: str) -> int:
    if not isinstance(axis, Integral) or not -ndim <= axis < ndim:
        raise ArrayError(f"{what}: axis {axis!r} is out of range for an array of {ndim} dimensions")
    return int(axis) % ndim


# -- products -------------------------------------------------------------------------------------

@implements(np.tensordot)
def tensordot(a: Any, b: Any, axes: Any = 2, split_every: int | None = None) -> Array:
    """``np.tensordot(a, b, axes)`` as a blocked algorithm: ``axes`` is an int N (the last N axes of
    ``a`` with the first N of ``b``) or a pair of axis sequences. Inputs chunked differently along
    a contracted axis are rechunked to common blocks first."""
    a, b = _as_array(a), _as_array(b)
    if isinstance(axes, Integral):
        n = int(axes)
        if n < 0 or n > min(a.ndim, b.ndim):
            raise ArrayError(f"tensordot: axes={n} is more than the dimensions of the inputs ({a.ndim} and {b.ndim})")
        left, right = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        try:
            left, right = axes
        except (TypeError, ValueError):
            raise ArrayError(f"tensordot: axes must be an int or a pair of axis lists, not {axes!r}") from None
        left = [left] if isinstance(left, Integral) else list(left)
        right = [right] if isinstance(right, Integral) else list(right)
        if len(left) != len(right):
            raise ArrayError(f"tensordot: axes {left} of the first array and {right} of the second have different lengths")
        left = [_axis(x, a.ndim, "tensordot") for x in left]
        right = [_axis(x, b.ndim, "tensordot") for x in right]
    for la, rb in zip(left, right):
        if not (math.isnan(a.shape[la]) or math.isnan(b.shape[rb])) and a.shape[la] != b.shape[rb]:
            raise ArrayError(f"tensordot: axis {la} of the first array has length {a.shape[la]}, "
                             f"axis {rb} of the second {b.shape[rb]}; contracted axes must match")
        if len(a.chunks[la]) != len(b.chunks[rb]) and not (a.known_chunks and b.known_chunks):
            raise UnknownChunksError("tensordot over axes of unknown chunk sizes: call compute_chunk_sizes() first")
    a_ind = [("a", i) for i in range(a.ndim)]
    b_ind = [("b", j) for j in range(b.ndim)]
    for k, (la, rb) in enumerate(zip(left, right)):
        a_ind[la] = b_ind[rb] = ("k", k)
    out_ind = [i for i in a_ind if i[0] == "a"] + [j for j in b_ind if j[0] == "b"]
    dtype = _result_dtype(np.tensordot, a, b, axes=(left, right))
    out = blockwise(_tensordot_sum, out_ind, a, a_ind, b, b_ind, dtype=dtype, axes=(tuple(left), tuple(right)),
                    name=new_name("tensordot"))
    return _split_long_contractions(out, split_every or SPLIT_EVERY)


@implements(np.dot)
def dot(a: Any, b: Any, split_every: int | None = None) -> Array:
    """``np.dot``: a 0-d operand multiplies; two vectors give their inner product; otherwise the
    last axis of ``a`` is contracted with the second-to-last of ``b`` (its only one if 1-D)."""
    a, b = _as_array(a), _as_array(b)
    if a.ndim == 0 or b.ndim == 0:
        return elemwise(np.multiply, a, b)
    return tensordot(a, b, axes=((a.ndim - 1,), (max(b.ndim - 2, 0),)), split_every=split_every)


@implements(np.matmul)
def matmul(a: Any, b: Any, split_every: int | None = None) -> Array:
    """``a @ b`` as NumPy's ``matmul``: stacks of matrices over the leading axes, broadcast against
    each other; a 1-D operand is a row (on the left) or a column (on the right) vector whose
    added axis is dropped again."""
    a, b = _as_array(a), _as_array(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ArrayError("matmul: an operand is a scalar (0-d); use * to multiply by a scalar")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if not (math.isnan(ka) or math.isnan(kb)) and ka != kb:
        raise ArrayError(f"matmul: the first operand has {ka} columns and the second {kb} rows "
                         f"(shapes {a.shape} and {b.shape})")
    batch_a, batch_b = a.shape[:-2], b.shape[:-2]
    nbatch = max(len(batch_a), len(batch_b))
    for i in range(1, nbatch + 1):
        la = batch_a[-i] if i <= len(batch_a) else 1
        lb = batch_b[-i] if i <= len(batch_b) else 1
        if la != lb and la != 1 and lb != 1:
            raise ArrayError(f"matmul: the stacked axes of shapes {a.shape} and {b.shape} cannot be broadcast together")
    batch = [("batch", i) for i in range(nbatch)]
    a_ind = batch[nbatch - len(batch_a):] + ([("i",)] if a.ndim >= 2 else []) + [("k",)]
    b_ind = batch[nbatch - len(batch_b):] + [("k",)] + ([("j",)] if b.ndim >= 2 else [])
    out_ind = batch + ([("i",)] if a.ndim >= 2 else []) + ([("j",)] if b.ndim >= 2 else [])
    dtype = _result_dtype(np.matmul, a, b) if a.ndim > 1 or b.ndim > 1 else np.result_type(a.dtype, b.dtype)
    # a stacked axis of length 1 broadcasts inside the task (NumPy's matmul does it), so its one
    # block is shared by every output block
    out = blockwise(_matmul_sum, out_ind, a, a_ind, b, b_ind, dtype=dtype, name=new_name("matmul"))
    return _split_long_contractions(out, split_every or SPLIT_EVERY)


def _vdot_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(np.vdot(a, b))


@implements(np.vdot)
def vdot(a: Any, b: Any) -> Array:
    """``np.vdot``: the dot product of the flattened arrays, the first one conjugated."""
    a, b = _as_array(a), _as_array(b)
    if a.shape != b.shape:
        raise ArrayError(f"vdot: shapes {a.shape} and {b.shape} differ (vdot takes arrays of the same size)")
    ind = [("k", i) for i in range(a.ndim)]
    dtype = np.result_type(a.dtype, b.dtype)
    out = blockwise(_VdotSum(), [], a, ind, b, ind, dtype=dtype, name=new_name("vdot"))
    return _split_long_contractions(out, SPLIT_EVERY)


class _VdotSum:
    """Sum of ``np.vdot`` over matching blocks (a class: picklable, with the kernel's name)."""

    __name__ = "vdot"

    def __call__(self, a_blocks: Any, b_blocks: Any) -> np.ndarray:
        return _sum_products(_vdot_kernel, a_blocks, b_blocks)


@implements(np.inner)
def inner(a: Any, b: Any) -> Array:
    """``np.inner``: the last axes contracted (a scalar operand multiplies)."""
    a, b = _as_array(a), _as_array(b)
    if a.ndim == 0 or b.ndim == 0:
        return elemwise(np.multiply, a, b)
    return tensordot(a, b, axes=((a.ndim - 1,), (b.ndim - 1,)))


@implements(np.outer)
def outer(a: Any, b: Any) -> Array:
    """``np.outer`` of two vectors."""
    a, b = _as_array(a), _as_array(b)
    for x in (a, b):
        if x.ndim != 1:
            raise ArrayError(f"outer takes 1-d arrays, not one of {x.ndim} dimensions: flatten it first (x.ravel())")
    return tensordot(a, b, axes=0)


class _EinsumSum:
    """``np.einsum(subscripts, *blocks)`` summed over every combination of blocks along the
    contracted letters: operand ``i`` arrives as a list nested over its own contracted letters
    (``own[i]``, in the order blockwise nests them), a single block when it has none."""

    __name__ = "einsum"

    def __init__(self, subscripts: str, contracted: tuple, own: tuple, kwargs: dict):
        self.subscripts, self.contracted, self.own, self.kwargs = subscripts, contracted, own, kwargs

    def __call__(self, *nested: Any) -> np.ndarray:
        counts = dict.fromkeys(self.contracted, 1)
        for tree, letters in zip(nested, self.own):
            level = tree
            for letter in letters:
                counts[letter] = max(counts[letter], len(level))
                level = level[0]
        total = None
        for combo in itertools.product(*(range(counts[c]) for c in self.contracted)):
            where = dict(zip(self.contracted, combo))
            blocks = []
            for tree, letters in zip(nested, self.own):
                for letter in letters:
                    tree = tree[where[letter] if len(tree) > 1 else 0]
                blocks.append(tree)
            part = np.einsum(self.subscripts, *blocks, **self.kwargs)
            if total is None:
                total = np.array(part, copy=True)
            else:
                total += part
        return total


def _parse_subscripts(subscripts: str, nops: int) -> tuple[list[str], str]:
    if not isinstance(subscripts, str):
        raise ArrayError("einsum takes its subscripts as a string ('ij,jk->ik')")
    text = subscripts.replace(" ", "")
    if "." in text:
        raise ArrayError("einsum: '...' (ellipsis) subscripts are not supported on chunked arrays; name every axis")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != nops:
        raise ArrayError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, but {nops} were given")
    letters = [c for t in terms for c in t]
    if any(not c.isalpha() for c in letters + list(output)):
        raise ArrayError(f"einsum: subscripts {subscripts!r} may only hold letters, ',' and '->'")
    if not arrow:  # implicit mode: the letters seen once, in alphabetical order (NumPy's rule)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for c in output:
        if c not in letters:
            raise ArrayError(f"einsum: output letter {c!r} of {subscripts!r} is in no operand")
    if len(set(output)) != len(output):
        raise ArrayError(f"einsum: output {output!r} repeats a letter")
    return terms, output


@implements(np.einsum)
def einsum(subscripts: str, *operands: Any, dtype: Any = None, casting: str = "safe", optimize: Any = False) -> Array:
    """``np.einsum`` on blocks: one task per output block sums ``np.einsum`` over the blocks along
    the contracted letters (no ``...`` subscripts; a letter repeated within one operand takes its
    diagonal, as NumPy's)."""
    from frames.array.chunks import common_chunks

    ops = [_as_array(o) for o in operands]
    terms, output = _parse_subscripts(subscripts, len(ops))
    for term, op in zip(terms, ops):
        if len(term) != op.ndim:
            raise ArrayError(f"einsum: {term!r} names {len(term)} axes of an operand with {op.ndim}")
    # one block structure per letter across every axis that carries it
    for letter in dict.fromkeys("".join(terms)):
        axes = [(i, a) for i, t in enumerate(terms) for a, c in enumerate(t) if c == letter]
        lengths = {ops[i].shape[a] for i, a in axes}
        if len(lengths) > 1:
            raise ArrayError(f"einsum: letter {letter!r} stands for axes of lengths {sorted(lengths)} in {subscripts!r}")
        blocks = {ops[i].chunks[a] for i, a in axes}
        if len(blocks) > 1:
            common = common_chunks(*blocks)
            for i, a in axes:
                if ops[i].chunks[a] != common:
                    ops[i] = ops[i].rechunk({a: common})
    kwargs = {"casting": casting, "optimize": optimize}
    if dtype is not None:
        kwargs["dtype"] = dtype
    probes = [np.ones((1,) * o.ndim, dtype=o.dtype) for o in ops]
    try:
        out_dtype = np.asarray(np.einsum(subscripts, *probes, **kwargs)).dtype
    except (TypeError, ValueError) as exc:
        raise ArrayError(f"einsum {subscripts!r}: {exc}") from None
    # a letter repeated within one term is one blockwise index: its blocks are the diagonal ones
    contracted = tuple(c for c in dict.fromkeys("".join(terms)) if c not in output)
    own = tuple(tuple(c for c in contracted if c in t) for t in terms)
    args: list = []
    for op, term in zip(ops, terms):
        args += [op, tuple(term)]
    return blockwise(_EinsumSum(subscripts, contracted, own, kwargs), tuple(output), *args, dtype=out_dtype,
                     name=new_name("einsum"))


# -- tall-and-skinny QR and SVD --------------------------------------------------------------------

def _qr(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.linalg.qr(block, mode="reduced")


def _stacked_qr(rs: list) -> tuple[np.ndarray, np.ndarray]:
    return np.linalg.qr(np.concatenate(rs, axis=0), mode="reduced")


def _item(pair: tuple, i: int) -> Any:
    return pair[i]


def _q_times(q: np.ndarray, w: np.ndarray | None, rows: slice | None = None) -> np.ndarray:
    """``q @ w[rows]``: a block of Q brought up to the root of the tree (``w=None``: ``q`` itself)."""
    if w is None:
        return q
    return q @ (w if rows is None else w[rows])


def _rows_times(q: np.ndarray, rows: slice, w: np.ndarray | None) -> np.ndarray:
    """``q[rows] @ w``: the rows of a tree node's Q that belong to one child, brought to the root."""
    return q[rows] if w is None else q[rows] @ w


def _check_tall_and_skinny(a: Array, what: str) -> None:
    if a.ndim != 2:
        raise ArrayError(f"{what} takes a 2-d array, not one of {a.ndim} dimensions")
    if len(a.chunks[1]) != 1:
        raise ArrayError(f"{what} needs one block along axis 1 (it has {len(a.chunks[1])}): "
                         f"rechunk({{1: -1}}) first")
    if not a.known_chunks:
        raise UnknownChunksError(f"{what} needs known block lengths: call compute_chunk_sizes() first")


def tsqr(a: Any, compute_svd: bool = False, split_every: int | None = None) -> tuple:
    """The direct tall-and-skinny QR of ``a`` (one block along axis 1): ``(Q, R)``, or
    ``(U, S, Vt)`` with ``compute_svd=True``. Q is chunked like ``a`` along the rows, with
    ``min(m, n)`` columns; R is one block. ``split_every`` (default 8) R factors are stacked
    per QR of the tree."""
    a = _as_array(a)
    _check_tall_and_skinny(a, "tsqr")
    split_every = max(2, int(split_every or SPLIT_EVERY))
    m, n = a.shape
    probe = np.linalg.qr(np.ones((1, 1), dtype=a.dtype))[0]
    dtype = probe.dtype
    name = new_name("tsqr")
    inner: dict = {}

    # level 0: every row block's QR
    nodes = []  # (key of the (Q, R) pair, number of rows of R) per node of the current level
    for i, rows in enumerate(a.chunks[0]):
        key = (name + "-qr", 0, i)
        inner[key] = Task(_qr, Ref((a.name, i, 0)))
        nodes.append((key, min(rows, n)))
    leaves = list(nodes)
    # upper levels: QR of stacked R factors, split_every at a time, until one remains
    parent: dict = {}  # node key -> (parent key, rows of the parent's Q that belong to it)
    level = 0
    while len(nodes) > 1:
        level += 1
        nxt = []
        for g in range(0, len(nodes), split_every):
            group = nodes[g:g + split_every]
            key = (name + "-qr", level, g // split_every)
            rs = []
            start = 0
            for child, k in group:
                rkey = (name + "-r", *child[1:])
                inner[rkey] = Task(_item, Ref(child), 1)
                rs.append(Ref(rkey))
                parent[child] = (key, slice(start, start + k))
                start += k
            inner[key] = Task(_stacked_qr, rs)
            nxt.append((key, min(start, n)))
        nodes = nxt
    root, k_root = nodes[0]

    # top-down: W(node) = the node's rows of the levels above, multiplied up to the root (k x k_root)
    w_of: dict = {root: None}

    def w(node: tuple) -> Any:
        if node in w_of:
            return w_of[node]
        up, rows = parent[node]
        wkey = (name + "-w", *node[1:])
        qkey = (name + "-q", *up[1:])
        if qkey not in inner:
            inner[qkey] = Task(_item, Ref(up), 0)
        inner[wkey] = Task(_rows_times, Ref(qkey), rows, w(up))
        w_of[node] = Ref(wkey)
        return w_of[node]

    carrier = Array(inner, name + "-tree", (), dtype, (a,))  # holds the tree's tasks
    q_name, r_name = name + "-Q", name + "-R"
    r_layer = {(r_name, 0, 0): Task(_item, Ref(root), 1)}
    r = Array(r_layer, r_name, ((k_root,), (n,)), dtype, (carrier,))
    if not compute_svd:
        q_layer = {}
        for i, (leaf, _) in enumerate(leaves):
            qkey = (name + "-q", *leaf[1:])
            inner[qkey] = Task(_item, Ref(leaf), 0)
            q_layer[(q_name, i, 0)] = Task(_q_times, Ref(qkey), w(leaf))
        q = Array(q_layer, q_name, (a.chunks[0], (k_root,)), dtype, (carrier,))
        return q, r
    # the SVD: R = Ur S Vt (small), so A = (Q Ur) S Vt
    svd_key = (name + "-svd",)
    inner[svd_key] = Task(_small_svd, Ref(root))
    u_name, s_name, v_name = name + "-U", name + "-S", name + "-Vt"
    ur_key = (name + "-ur",)
    inner[ur_key] = Task(_item, Ref(svd_key), 0)
    u_layer = {}
    for i, (leaf, _) in enumerate(leaves):
        qkey = (name + "-q", *leaf[1:])
        inner[qkey] = Task(_item, Ref(leaf), 0)
        u_layer[(u_name, i, 0)] = Task(_q_w_ur, Ref(qkey), w(leaf), Ref(ur_key))
    sv_dtype = np.linalg.svd(np.ones((1, 1), dtype=dtype))[1].dtype
    u = Array(u_layer, u_name, (a.chunks[0], (k_root,)), dtype, (carrier,))
    s = Array({(s_name, 0): Task(_item, Ref(svd_key), 1)}, s_name, ((k_root,),), sv_dtype, (carrier,))
    vt = Array({(v_name, 0, 0): Task(_item, Ref(svd_key), 2)}, v_name, ((k_root,), (n,)), dtype, (carrier,))
    return u, s, vt


def _small_svd(qr_pair: tuple) -> tuple:
    return np.linalg.svd(qr_pair[1], full_matrices=False)


def _q_w_ur(q: np.ndarray, w: np.ndarray | None, ur: np.ndarray) -> np.ndarray:
    return _q_times(q, w) @ ur


def _qt_times(qr_pair: tuple, block: np.ndarray) -> np.ndarray:
    return qr_pair[0].conj().T @ block


def sfqr(a: Any) -> tuple[Array, Array]:
    """The QR of a short-and-fat ``a`` (one block along axis 0, the first column block at least as
    wide as ``a`` is tall), as dask's ``sfqr``: ``Q, R_1 = qr(A_1)`` and ``R_j = Q^T A_j``."""
    a = _as_array(a)
    if a.ndim != 2:
        raise ArrayError(f"sfqr takes a 2-d array, not one of {a.ndim} dimensions")
    if len(a.chunks[0]) != 1:
        raise ArrayError(f"sfqr needs one block along axis 0 (it has {len(a.chunks[0])}): rechunk({{0: -1}}) first")
    m, n = a.shape
    if a.chunks[1][0] < m:
        raise ArrayError(f"sfqr needs the first column block at least as wide as a is tall ({a.chunks[1][0]} < {m}): "
                         f"rechunk({{1: ({m}, ...)}}) first")
    name = new_name("sfqr")
    dtype = np.linalg.qr(np.ones((1, 1), dtype=a.dtype))[0].dtype
    first = (name + "-qr",)
    inner = {first: Task(_qr, Ref((a.name, 0, 0)))}
    carrier = Array(inner, name + "-first", (), dtype, (a,))  # holds the first block's QR
    q = Array({(name + "-Q", 0, 0): Task(_item, Ref(first), 0)}, name + "-Q", ((m,), (m,)), dtype, (carrier,))
    r_layer = {(name + "-R", 0, 0): Task(_item, Ref(first), 1)}
    for j in range(1, len(a.chunks[1])):
        r_layer[(name + "-R", 0, j)] = Task(_qt_times, Ref(first), Ref((a.name, 0, j)))
    r = Array(r_layer, name + "-R", ((m,), a.chunks[1]), dtype, (carrier, a))
    return q, r


@implements(np.linalg.qr)
def qr(a: Any, mode: str = "reduced") -> tuple[Array, Array]:
    """``np.linalg.qr(a)`` (reduced): by TSQR for a tall-and-skinny ``a`` (one block along axis
    1), by ``sfqr`` for a short-and-fat one (one block along axis 0)."""
    if mode != "reduced":
        raise ArrayError(f"qr: only mode='reduced' is supported on chunked arrays, not {mode!r}")
    a = _as_array(a)
    if a.ndim == 2 and len(a.chunks[1]) != 1 and len(a.chunks[0]) == 1:
        return sfqr(a)
    if a.ndim == 2 and len(a.chunks[1]) != 1:
        raise ArrayError(f"qr needs one block along axis 1 (it has {len(a.chunks[1])}): rechunk({{1: -1}}) first "
                         f"(or one block along axis 0 for a short-and-fat array)")
    return tsqr(a)


@implements(np.linalg.svd)
def svd(a: Any, full_matrices: bool = False, compute_uv: bool = True, coerce_signs: bool = False) -> Any:
    """``np.linalg.svd(a, full_matrices=False)``: ``(U, S, Vt)`` of a tall-and-skinny ``a`` (one
    block along axis 1) by TSQR, or of a short-and-fat one (one block along axis 0) through its
    transpose. Singular vectors are unique only up to sign, as NumPy's;
    ``coerce_signs=True`` makes the largest-magnitude entry of each column of U positive (dask's
    ``svd_flip``), so results are reproducible across chunkings."""
    a = _as_array(a)
    if full_matrices:
        raise ArrayError("svd: full_matrices=True would build an m x m U; use full_matrices=False")
    if a.ndim != 2:
        raise ArrayError(f"svd takes a 2-d array, not one of {a.ndim} dimensions")
    if len(a.chunks[1]) == 1:
        u, s, vt = tsqr(a, compute_svd=True)
    elif len(a.chunks[0]) == 1:
        v, s, ut = tsqr(a.T, compute_svd=True)
        u, vt = ut.T, v.T
    else:
        raise ArrayError(f"svd needs one block along axis 1 (tall-and-skinny) or along axis 0 "
                         f"(short-and-fat); it has {a.numblocks[0]} x {a.numblocks[1]} blocks: "
                         f"rechunk({{1: -1}}) first")
    if coerce_signs:
        u, vt = _flip_signs(u, vt)
    return (u, s, vt) if compute_uv else s


def _largest_entries(u: np.ndarray) -> np.ndarray:
    """Per column of a block of U: its largest magnitude and the entry that has it (2 x k)."""
    if u.shape[0] == 0:
        return np.zeros((2, u.shape[1]), dtype=u.dtype)
    rows = np.argmax(np.abs(u), axis=0)
    entries = u[rows, np.arange(u.shape[1])]
    return np.stack([np.abs(entries).astype(u.dtype), entries])


def _signs_of(partials: list) -> np.ndarray:
    """The sign of each column's largest entry, from the blocks' ``_largest_entries`` (ties go to
    the first block, as ``np.argmax``)."""
    best = partials[0]
    for p in partials[1:]:
        better = np.real(p[0]) > np.real(best[0])
        best = np.where(better, p, best)
    signs = np.sign(np.real(best[1])).astype(best.dtype)
    signs[signs == 0] = 1
    return signs


def _flip_signs(u: Array, vt: Array) -> tuple[Array, Array]:
    """dask's ``svd_flip``: columns of U (and rows of Vt) multiplied by the signs that make each
    column's largest entry positive; each block of U gives its columns' largest entries (2 x k),
    one small task picks the largest of those."""
    partial = map_blocks(_largest_entries, u, chunks=((2,) * u.numblocks[0], u.chunks[1]), dtype=u.dtype,
                         name=new_name("svd-largest"))
    signs = blockwise(_signs_of, [("j",)], partial, [("i",), ("j",)], dtype=u.dtype, name=new_name("svd-signs"))
    rows = blockwise(_column, [("j",), ("one",)], signs, [("j",)], new_axes={("one",): 1}, dtype=u.dtype)
    return elemwise(np.multiply, u, signs), elemwise(np.multiply, vt, rows)


def _column(v: np.ndarray) -> np.ndarray:
    return v[:, None]


# -- norms ----------------------------------------------------------------------------------------

def _abs(x: Array) -> Array:
    return elemwise(np.abs, x)


def _vector_norm(x: Array, ord: Any, axis: int, keepdims: bool) -> Array:
    if ord is None or ord == 2:
        sq = elemwise(np.real, elemwise(np.multiply, elemwise(np.conj, x), x)) if np.iscomplexobj(np.empty(0, x.dtype)) \
            else elemwise(np.multiply, x, x)
        return elemwise(np.sqrt, sq.sum(axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ArrayError(f"norm: ord={ord!r} is a matrix norm; a vector norm takes a number or inf")
    if ord == np.inf:
        return _abs(x).max(axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return _abs(x).min(axis=axis, keepdims=keepdims)
    if ord == 0:
        return elemwise(np.not_equal, x, 0).astype(np.real(np.empty(0, x.dtype)).dtype).sum(axis=axis, keepdims=keepdims)
    if ord == 1:
        return _abs(x).sum(axis=axis, keepdims=keepdims)
    p = float(ord)
    return elemwise(np.power, elemwise(np.power, _abs(x), p).sum(axis=axis, keepdims=keepdims), 1.0 / p)


def _matrix_norm(x: Array, ord: Any, axes: tuple[int, int], keepdims: bool) -> Array:
    row, col = axes
    if ord is None or ord == "fro":
        return _vector_norm_over(x, axes, keepdims)
    if ord in (2, -2, "nuc"):
        if x.ndim != 2:
            raise ArrayError(f"norm: ord={ord!r} over a stack of matrices is not supported (2-d arrays only)")
        s = svd(x if axes == (0, 1) else x.T, compute_uv=False)
        func = {2: "max", -2: "min", "nuc": "sum"}[ord]
        out = getattr(s, func)(axis=0)
        if keepdims:
            out = blockwise(_keep_2d, [("r",), ("c",)], out, [], new_axes={("r",): 1, ("c",): 1}, dtype=out.dtype)
        return out
    if ord in (1, -1):
        summed, other = row, col  # column sums, then the largest / smallest
    elif ord in (np.inf, -np.inf):
        summed, other = col, row
    else:
        raise ArrayError(f"norm: ord={ord!r} is not a matrix norm (None, 'fro', 'nuc', 1, -1, 2, -2, inf, -inf)")
    sums = _abs(x).sum(axis=summed, keepdims=True)
    func = "max" if ord in (1, np.inf) else "min"
    return getattr(sums, func)(axis=(other,) if keepdims else (other, summed), keepdims=keepdims)


def _keep_2d(v: np.ndarray) -> np.ndarray:
    return np.asarray(v).reshape(1, 1)


def _vector_norm_over(x: Array, axes: Sequence[int], keepdims: bool) -> Array:
    sq = elemwise(np.real, elemwise(np.multiply, elemwise(np.conj, x), x)) if np.iscomplexobj(np.empty(0, x.dtype)) \
        else elemwise(np.multiply, x, x)
    return elemwise(np.sqrt, sq.sum(axis=tuple(axes), keepdims=keepdims))


@implements(np.linalg.norm)
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Array:  # noqa: A002 - NumPy's name
    """``np.linalg.norm``: vector norms along one axis, matrix norms over two (``'nuc'``, 2 and -2
    through the tall-and-skinny SVD), the 2-norm of everything with ``ord=None`` and no axis."""
    x = _as_array(x)
    if not np.issubdtype(x.dtype, np.inexact):
        x = x.astype(float)
    if axis is None:
        if ord is None:
            return _vector_norm_over(x, tuple(range(x.ndim)), keepdims)
        if x.ndim not in (1, 2):
            raise ArrayError(f"norm: ord={ord!r} without an axis takes a 1-d or 2-d array, not {x.ndim}-d")
        axis = tuple(range(x.ndim))
    axes = (axis,) if isinstance(axis, Integral) else tuple(axis)
    axes = tuple(_axis(a, x.ndim, "norm") for a in axes)
    if len(set(axes)) != len(axes):
        raise ArrayError(f"norm: axis {axis!r} names an axis twice")
    empty = x.size == 0
    if len(axes) == 1:
        if empty and ord in (np.inf, -np.inf):
            raise ArrayError(f"norm: ord={ord} of an empty array has no value (max/min of nothing)")
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        if empty and ord not in (None, "fro"):
            raise ArrayError(f"norm: ord={ord!r} of an empty matrix has no value")
        return _matrix_norm(x, ord, axes, keepdims)
    raise ArrayError(f"norm: axis {axis!r} names {len(axes)} axes; a norm is over one (vector) or two (matrix)")


# -- least squares --------------------------------------------------------------------------------

def _triangular_solve(r: np.ndarray, qtb: np.ndarray) -> np.ndarray:
    """``R x = Q^T b`` for the square upper-triangular R of the TSQR (a LinAlgError names a
    rank-deficient ``a``: a diagonal entry of R below NumPy's ``matrix_rank`` tolerance)."""
    diag = np.abs(np.diagonal(r))
    if diag.size and diag.min() <= diag.max() * max(r.shape) * np.finfo(r.dtype).eps:
        raise np.linalg.LinAlgError("singular matrix: R of the QR of a has a zero on its diagonal "
                                    "(a does not have full column rank)")
    try:
        return np.linalg.solve(r, qtb)
    except np.linalg.LinAlgError as exc:
        raise np.linalg.LinAlgError(f"lstsq: R of the QR of a is singular ({exc}): a does not have full column rank") from None


def _rank(r: np.ndarray) -> np.ndarray:
    return np.asarray(np.linalg.matrix_rank(r))


def _singular_values(r: np.ndarray) -> np.ndarray:
    return np.linalg.svd(r, compute_uv=False)


def _qh_times(q: Array, b: Array) -> Array:
    """``Q^H b`` (n, or n x k), summed over the row blocks in a tree."""
    if np.iscomplexobj(np.empty(0, q.dtype)):
        q = elemwise(np.conj, q)
    return tensordot(q, b, axes=([0], [0]))


@implements(np.linalg.lstsq)
def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple[Array, Array, Array, Array]:
    """Least squares ``min |a x - b|`` for a tall-and-skinny ``a`` of full column rank, through its
    TSQR (``x = R^-1 Q^T b``), as ``dask.array.linalg.lstsq``: ``(x, residuals, rank, s)``, all
    lazy. As dask (unlike NumPy), ``residuals`` are the sums of squared residuals whatever the rank;
    ``rank`` is a 0-d array."""
    a, b = _as_array(a), _as_array(b)
    _check_tall_and_skinny(a, "lstsq")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ArrayError(f"lstsq: b of shape {b.shape} does not match a of shape {a.shape} (b needs {a.shape[0]} rows)")
    m, n = a.shape
    if m < n:
        raise ArrayError(f"lstsq needs at least as many rows as columns (a is {m} x {n})")
    q, r = tsqr(a)
    qtb = _qh_times(q, b)
    cols = [("k",)] if b.ndim == 2 else []
    x = blockwise(_triangular_solve, [("n",)] + cols, r, [("n",), ("n2",)], qtb, [("n2",)] + cols,
                  dtype=np.result_type(r.dtype, b.dtype, np.float64 if b.dtype.kind in "biu" else b.dtype),
                  concatenate=True, name=new_name("lstsq"))
    residual = elemwise(np.subtract, b, dot(a, x))
    residuals = (elemwise(np.abs, residual) ** 2).sum(axis=0)
    if b.ndim == 1:
        residuals = blockwise(np.atleast_1d, [("one",)], residuals, [], new_axes={("one",): 1}, dtype=residuals.dtype)
    rank = blockwise(_rank, [], r, [("n",), ("n2",)], concatenate=True, dtype=np.int64, name=new_name("lstsq-rank"))
    s = blockwise(_singular_values, [("s",)], r, [("s2",), ("n2",)], new_axes={("s",): n}, concatenate=True,
                  dtype=np.linalg.svd(np.ones((1, 1), dtype=r.dtype), compute_uv=False).dtype, name=new_name("lstsq-s"))
    return x, residuals, rank, s


# -- square systems: solve and inv through TSQR, blocked Cholesky -----------------------------------

def _check_square(a: Array, what: str) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ArrayError(f"{what} takes a square 2-d array, not one of shape {a.shape}")


def _solve_r_qt(r: np.ndarray, q_block: np.ndarray) -> np.ndarray:
    """``R^-1 Q_i^H``: the columns of ``inv(a)`` that match row block ``i`` of ``a``."""
    return _triangular_solve(r, q_block.conj().T)


@implements(np.linalg.solve)
def solve(a: Any, b: Any) -> Array:
    """``np.linalg.solve(a, b)`` for a square ``a`` with one block along axis 1 (whole rows per
    block), through its TSQR: ``x = R^-1 Q^H b`` (QR is backward stable, no pivoting needed)."""
    a, b = _as_array(a), _as_array(b)
    _check_square(a, "solve")
    _check_tall_and_skinny(a, "solve")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ArrayError(f"solve: b of shape {b.shape} does not match a of shape {a.shape} (b needs {a.shape[0]} rows)")
    q, r = tsqr(a)
    qtb = _qh_times(q, b)
    cols = [("k",)] if b.ndim == 2 else []
    dtype = np.linalg.solve(np.ones((1, 1), dtype=r.dtype), np.ones((1,), dtype=b.dtype)).dtype
    return blockwise(_triangular_solve, [("n",)] + cols, r, [("n",), ("n2",)], qtb, [("n2",)] + cols, dtype=dtype,
                     concatenate=True, name=new_name("solve"))


@implements(np.linalg.inv)
def inv(a: Any) -> Array:
    """``np.linalg.inv(a)`` for a square ``a`` with one block along axis 1, through its TSQR:
    ``inv(a) = R^-1 Q^H``, one task per row block of ``a`` (the result's column blocks)."""
    a = _as_array(a)
    _check_square(a, "inv")
    _check_tall_and_skinny(a, "inv")
    q, r = tsqr(a)
    return blockwise(_solve_r_qt, [("n",), ("m",)], r, [("n",), ("n2",)], q, [("m",), ("n2",)], dtype=q.dtype,
                     concatenate=True, name=new_name("inv"))


def _chol_diag(a_kk: np.ndarray, l_row: list) -> np.ndarray:
    """``L_kk = cholesky(A_kk - sum_j L_kj L_kj^H)``."""
    s = np.array(a_kk, dtype=np.result_type(a_kk.dtype, np.float64 if a_kk.dtype.kind in "biu" else a_kk.dtype), copy=True)
    for l_kj in l_row:
        s -= l_kj @ l_kj.conj().T
    try:
        return np.linalg.cholesky(s)
    except np.linalg.LinAlgError as exc:
        raise np.linalg.LinAlgError(f"cholesky: the matrix is not positive definite ({exc})") from None


def _chol_off(a_ik: np.ndarray, l_i: list, l_k: list, l_kk: np.ndarray) -> np.ndarray:
    """``L_ik = (A_ik - sum_j L_ij L_kj^H) L_kk^-H``."""
    s = np.array(a_ik, dtype=l_kk.dtype, copy=True)
    for l_ij, l_kj in zip(l_i, l_k):
        s -= l_ij @ l_kj.conj().T
    return np.linalg.solve(l_kk, s.conj().T).conj().T


def _zeros(shape: tuple, dtype: np.dtype) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def _conj_t(block: np.ndarray) -> np.ndarray:
    return block.conj().T


@implements(np.linalg.cholesky)
def cholesky(a: Any, upper: bool = False) -> Array:
    """``np.linalg.cholesky(a)``: the lower factor ``L`` (``L L^H = a``; ``upper=True``: ``L^H``,
    NumPy 2's keyword) of a Hermitian positive-definite ``a`` whose blocks along the diagonal are
    square (``chunks[0] == chunks[1]``), by the blocked right-looking algorithm: block ``(i, k)``
    of ``L`` reads ``A_ik`` and the blocks of ``L`` left of it in rows ``i`` and ``k``."""
    a = _as_array(a)
    _check_square(a, "cholesky")
    if not a.known_chunks:
        raise UnknownChunksError("cholesky needs known block lengths: call compute_chunk_sizes() first")
    if a.chunks[0] != a.chunks[1]:
        raise ArrayError(f"cholesky needs square blocks on the diagonal (the same chunks along both axes), not "
                         f"{a.chunks}: rechunk({{1: {a.chunks[0]}}}) first")
    nb = len(a.chunks[0])
    dtype = np.linalg.cholesky(np.ones((1, 1), dtype=a.dtype)).dtype
    name = new_name("cholesky")
    layer: dict = {}
    for k in range(nb):
        left = [Ref((name, k, j)) for j in range(k)]
        layer[(name, k, k)] = Task(_chol_diag, Ref((a.name, k, k)), left)
        for i in range(k + 1, nb):
            layer[(name, i, k)] = Task(_chol_off, Ref((a.name, i, k)), [Ref((name, i, j)) for j in range(k)], left,
                                       Ref((name, k, k)))
        for i in range(k):
            layer[(name, i, k)] = Task(_zeros, (a.chunks[0][i], a.chunks[1][k]), dtype)
    lower = Array(layer, name, a.chunks, dtype, (a,))
    if not upper:
        return lower
    return blockwise(_conj_t, [1, 0], lower, [0, 1], dtype=dtype, name=new_name("cholesky-upper"))
