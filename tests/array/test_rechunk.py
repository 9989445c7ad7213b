"""frames.array rechunk: every chunk spec against NumPy, and the staged plan that keeps every task
within a small multiple of the block size limit."""

from __future__ import annotations

import math

import numpy as np
import pytest

import exec
import frames.array as fa
from exec import Task
from exec.graph import toposort
from frames.array import ArrayError, UnknownChunksError
from frames.array.core import map_blocks
from frames.array.rechunk import plan_rechunk

RNG = np.random.default_rng(11)
A2 = RNG.random((12, 10))
A3 = RNG.integers(0, 1000, (4, 6, 5))


def check(result, a, chunks=None):
    got = result.compute()
    np.testing.assert_array_equal(got, a)
    assert got.dtype == a.dtype
    if chunks is not None:
        assert result.chunks == chunks
    persisted = result.persist()
    assert persisted.chunks == result.chunks  # the blocks have the lengths the chunks say


def task_bytes(array, itemsize):
    """Run ``array``'s graph on zero-byte stand-ins of its source blocks (only shapes flow) and
    return, per task key, (bytes of its inputs, bytes of its output) at ``itemsize``."""
    graph, _ = array._build_graph()
    data, sizes = {}, {}
    for key in toposort(graph):
        value = graph[key]
        if isinstance(value, Task):
            data[key] = value.execute(data)
            inputs = sum(math.prod(data[d].shape) for d in value.dependencies)
            sizes[key] = (inputs * itemsize, math.prod(data[key].shape) * itemsize)
        else:
            data[key] = np.empty(np.shape(value), dtype=np.dtype([]))
    return sizes


def stages(array):
    """How many rechunk stages the graph of ``array`` has."""
    graph, _ = array._build_graph()
    return len({k[0] for k in graph if isinstance(k, tuple) and str(k[0]).startswith("rechunk-")
                and not str(k[0]).endswith("-piece")})


SPECS = [
    (3, ((3,) * 4, (3, 3, 3, 1))),
    ((5, 4), ((5, 5, 2), (4, 4, 2))),
    ({0: 6}, None),
    ({1: -1}, None),
    ({-1: 1}, None),
    (-1, ((12,), (10,))),
    ((None, 2), ((12,), (2,) * 5)),
    (((1,) * 12, (7, 3)), ((1,) * 12, (7, 3))),
    (((2, 10), (1, 9)), ((2, 10), (1, 9))),
    ("auto", ((12,), (10,))),
    (((12,), "auto"), None),
]


@pytest.mark.parametrize("start", [(4, 3), (12, 10), (1, 1), ((5, 7), (9, 1))])
@pytest.mark.parametrize("spec, chunks", SPECS)
def test_rechunk_specs_match_numpy(start, spec, chunks):
    x = fa.from_array(A2, chunks=start)
    y = x.rechunk(spec)
    check(y, A2, chunks)
    if isinstance(spec, dict):
        for axis, c in enumerate(y.chunks):
            if axis not in {a % 2 for a in spec}:
                assert c == x.chunks[axis]  # axes not named keep their blocks


def test_rechunk_3d_and_1d():
    x = fa.from_array(A3, chunks=(1, 4, 2))
    for spec in [(4, 1, 5), 2, {1: 3, 2: 1}, ((2, 2), (6,), (1, 3, 1))]:
        check(x.rechunk(spec), A3)
    y = fa.from_array(np.arange(17), chunks=4)
    for spec in [5, 1, 17, ((10, 7),), -1]:
        check(y.rechunk(spec), np.arange(17))
    check(fa.rechunk(y, 3), np.arange(17))


def test_rechunk_no_change_is_the_same_array():
    x = fa.from_array(A2, chunks=(4, 3))
    assert x.rechunk((4, 3)) is x
    assert x.rechunk({}) is x


def test_auto_follows_the_configured_chunk_size():
    a = np.zeros((100, 100))
    x = fa.from_array(a, chunks=10)
    with exec.config.set(array_chunk_size=50 * 100 * 8):
        y = x.rechunk("auto")
    assert max(y.chunks[0]) * max(y.chunks[1]) * 8 <= 50 * 100 * 8
    check(y, a)
    z = x.rechunk({0: "auto", 1: 10}, block_size_limit=8 * 10 * 40)
    assert z.chunks[1] == (10,) * 10 and max(z.chunks[0]) == 40


def test_balance_evens_out_blocks():
    x = fa.from_array(np.arange(100), chunks=10)
    y = x.rechunk(30, balance=True)  # 30, 30, 30, 10 -> three even blocks
    assert y.chunks == ((34, 33, 33),)
    check(y, np.arange(100))
    z = fa.from_array(np.arange(100), chunks=25).rechunk(40, balance=True)
    assert z.chunks == ((50, 50),)  # 40, 40, 20: the small last block is spread (as dask)
    assert fa.from_array(np.arange(100), chunks=25).rechunk(35, balance=True).chunks == ((34, 33, 33),)


def test_empty_arrays():
    e = np.zeros((0, 5))
    x = fa.from_array(e, chunks=2)
    check(x.rechunk((3, 1)), e)
    check(x.rechunk(-1), e)
    check(fa.from_array(np.zeros(0), chunks=1).rechunk(5), np.zeros(0))


def test_errors():
    x = fa.from_array(A2, chunks=(4, 3))
    with pytest.raises(ArrayError, match="add up to 11, not the axis length 12"):
        x.rechunk(((5, 6), 10))
    with pytest.raises(ArrayError, match="3 dimensions|entries"):
        x.rechunk((1, 2, 3))
    with pytest.raises(ArrayError, match="positive"):
        x.rechunk(0)
    with pytest.raises(ArrayError, match="method 'p2p'"):
        x.rechunk(2, method="p2p")
    y = x[x[:, 0] > 0.5]
    with pytest.raises(UnknownChunksError, match="rechunk of axis 0"):
        y.rechunk({0: 2})
    with pytest.raises(UnknownChunksError, match="rechunk"):
        y.rechunk(2)
    z = y.rechunk({1: 5})  # the unknown axis keeps its blocks
    assert z.chunks[1] == (5, 5)
    np.testing.assert_array_equal(z.compute(), A2[A2[:, 0] > 0.5])


# -- the staged plan ------------------------------------------------------------------------------------

def test_plan_for_a_transposition_of_block_shapes_stays_within_the_limit():
    old = ((8000,), (100,) * 80)
    new = ((100,) * 80, (8000,))
    limit = 128 * 2**20
    steps = plan_rechunk(old, new, 8, block_size_limit=limit)
    assert len(steps) >= 2 and steps[-1] == new
    for step in steps[:-1]:
        assert math.prod(max(c) for c in step) * 8 <= limit


def test_large_transposing_rechunk_never_makes_a_task_beyond_twice_the_limit():
    """(8000, 100) -> (100, 8000) blocks of an 8000x8000 float64 array (512 MB) under the default
    128 MiB limit: built, not run (shapes only flow through the tasks)."""
    source = np.broadcast_to(np.float64(0), (8000, 8000))  # 8 bytes of memory
    x = fa.from_array(source, chunks=(8000, 100))
    y = x.rechunk((100, 8000))
    assert y.chunks == ((100,) * 80, (8000,))
    assert stages(y) >= 2
    sizes = task_bytes(y, 8)
    limit = 128 * 2**20
    assert max(i + o for i, o in sizes.values()) <= 2 * limit
    assert max(o for _, o in sizes.values()) <= limit  # no intermediate block beyond the limit
    # the graph is far smaller than the 80 x 80 pieces of a direct rechunk
    assert len(sizes) < 1000


def test_staged_rechunk_computes_the_same_values():
    a = RNG.random((80, 80))
    x = fa.from_array(a, chunks=(80, 1))
    limit = 80 * 16 * 8
    y = x.rechunk((1, 80), block_size_limit=limit)
    assert stages(y) >= 2
    sizes = task_bytes(y, 8)
    assert max(i + o for i, o in sizes.values()) <= 2 * limit
    check(y, a, ((1,) * 80, (80,)))
    z = y.rechunk((80, 1), block_size_limit=limit).rechunk((7, 11), block_size_limit=limit)
    check(z, a)


def test_small_rechunks_keep_one_stage():
    x = fa.from_array(A2, chunks=(4, 3))
    y = x.rechunk((6, 5))
    assert stages(y) == 1
    assert len(y.layer) == 2 * 2  # one task per output block: the inputs are small, cut and joined at once
    check(y, A2)


def test_one_stage_splits_pieces_when_old_blocks_together_are_too_big():
    a = RNG.random((40, 40))
    x = fa.from_array(a, chunks=(40, 4))
    limit = 40 * 20 * 8
    y = x.rechunk((4, 40), block_size_limit=limit, threshold=1000)  # a big threshold: one stage
    assert stages(y) == 1
    sizes = task_bytes(y, 8)
    assert max(i + o for i, o in sizes.values()) <= 2 * limit
    check(y, a)


class _Counter:
    calls = 0

    @staticmethod
    def bump(block):
        _Counter.calls += 1
        return block


def test_rechunk_is_lazy():
    x = map_blocks(_Counter.bump, fa.from_array(A2, chunks=(12, 1)), dtype=A2.dtype)
    _Counter.calls = 0
    y = x.rechunk((1, 10), block_size_limit=8 * 24).rechunk(5)
    assert _Counter.calls == 0
    np.testing.assert_array_equal(y.compute(scheduler="sync"), A2)
    assert _Counter.calls == 10


def test_blockwise_aligns_inputs_through_rechunk():
    x = fa.from_array(A2, chunks=(4, 3))
    y = fa.from_array(A2, chunks=(5, 7))
    check(x + y, A2 + A2)


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_rechunk_on_schedulers(any_scheduler):
    a = RNG.random((8, 8))
    x = fa.from_array(a, chunks=(8, 1))
    y = x.rechunk((1, 8), block_size_limit=8 * 2 * 8)
    assert stages(y) >= 2
    np.testing.assert_array_equal(y.compute(scheduler=any_scheduler), a)
