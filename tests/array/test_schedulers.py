"""The same array computations on every scheduler: sync, threads, processes and a distributed
``LocalCluster`` with worker processes (``array_scheduler`` in conftest.py). Blocks and tasks
travel pickled to workers, so a kernel that only works in the parent process fails here.
Answers are NumPy's on the same data; call counts come from a log file, so they are counted in
whatever process ran the task."""

from __future__ import annotations

import numpy as np
import pytest

import frames
import frames.array as fa
from tests.array.block_kernels import LoggedCall, StoredArray, block_sum_with_id


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(3).standard_normal((23, 17))


def test_from_array_over_numpy_and_stored(array_scheduler, data):
    x = fa.from_array(data, chunks=(5, 7))
    np.testing.assert_array_equal(x.compute(scheduler=array_scheduler), data)
    stored = fa.from_array(StoredArray(data), chunks=(10, 17))  # read per block inside tasks
    np.testing.assert_array_equal(stored.compute(scheduler=array_scheduler), data)
    scalar = fa.from_array(np.float64(2.5))
    assert scalar.compute(scheduler=array_scheduler) == 2.5


def test_elementwise_with_broadcasting(array_scheduler, data):
    x = fa.from_array(data, chunks=(5, 7))
    row = np.arange(17.0)
    got = (np.exp(x / 10) * 2 - row + (x > 0)).compute(scheduler=array_scheduler)
    np.testing.assert_allclose(got, np.exp(data / 10) * 2 - row + (data > 0))
    ints = fa.from_array(np.arange(40, dtype=np.int64), chunks=9)
    np.testing.assert_array_equal((ints // 3 % 5).compute(scheduler=array_scheduler), np.arange(40) // 3 % 5)


def test_map_blocks_with_block_id(array_scheduler, data):
    x = fa.from_array(data, chunks=(10, 9))
    got = x.map_blocks(block_sum_with_id, dtype=float).compute(scheduler=array_scheduler)
    expected = np.empty_like(data)
    for i, rows in enumerate([slice(0, 10), slice(10, 20), slice(20, 23)]):
        for j, cols in enumerate([slice(0, 9), slice(9, 17)]):
            expected[rows, cols] = data[rows, cols].sum() + 1000 * i + j
    np.testing.assert_allclose(got, expected)


@pytest.mark.parametrize("new", [(23, 1), (1, 17), (4, 5), ((3, 20), (16, 1))], ids=str)
def test_rechunk(array_scheduler, data, new):
    x = fa.from_array(data, chunks=(5, 7)).rechunk(new)
    assert x.chunks == fa.normalize_chunks(new, data.shape)
    np.testing.assert_array_equal(x.compute(scheduler=array_scheduler), data)


def test_compute_together_shares_blocks(array_scheduler, data, tmp_path):
    """``frames.compute(y, z)`` over a common input runs that input's tasks once per block."""
    log = LoggedCall(tmp_path / "calls.log")
    x = fa.from_array(data, chunks=(6, 9)).map_blocks(log, dtype=float)
    y, z = x + 1, (x * 2).rechunk((23, 17))
    got_y, got_z = frames.compute(y, z, scheduler=array_scheduler)
    np.testing.assert_allclose(got_y, -data + 1)
    np.testing.assert_allclose(got_z, -data * 2)
    assert log.calls() == x.npartitions == 8


def test_persist_keeps_blocks(array_scheduler, data, tmp_path):
    log = LoggedCall(tmp_path / "calls.log")
    x = fa.from_array(data, chunks=(12, 17)).map_blocks(log, dtype=float)
    kept = x.persist(scheduler=array_scheduler)
    assert log.calls() == 2
    assert kept.chunks == x.chunks and kept.dtype == x.dtype
    assert all(isinstance(b, np.ndarray) for b in kept.layer.values())
    np.testing.assert_allclose((kept * 3).compute(scheduler=array_scheduler), -data * 3)
    np.testing.assert_allclose(kept.compute(scheduler=array_scheduler), -data)
    assert log.calls() == 2  # computed from the kept blocks, nothing ran again


def test_a_failing_block_names_itself(array_scheduler):
    x = fa.from_array(np.arange(6.0), chunks=3).map_blocks(np.linalg.inv, dtype=float)  # 1-d: LinAlgError
    with pytest.raises(np.linalg.LinAlgError) as info:
        x.compute(scheduler=array_scheduler)
    if not hasattr(array_scheduler, "submit"):  # our schedulers add the task to the error
        assert "inv" in "".join(getattr(info.value, "__notes__", []))
