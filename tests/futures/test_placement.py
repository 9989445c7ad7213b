"""Where results live: on worker processes they stay with the worker that made them (chains read
them there; a fan-in across workers moves them through /dev/shm, never through the client), a worker
killed while holding needed results has them computed again, ``cancel()`` stops a running task,
and ``persist`` leaves the partitions on the workers. Values checked against NumPy / plain Python."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pandas as pd
import pytest

import frames
import frames.bag as fb
from frames import futures
from frames.testing import assert_eq

BIG = 200_000  # float64 values: 1.6 MB, far above the size that comes back with its job


def ones(n):
    return np.ones(n)


def plus(a, i):
    return a + i


def total(*arrays):
    return float(sum(a.sum() for a in arrays))


def slow_total(a, delay):
    time.sleep(delay)
    return float(a.sum())


def inc(x):
    return x + 1


def started_then_sleep(path, delay):
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(delay)
    return delay


@pytest.fixture
def fresh_process_client():
    """A Client of its own: these tests kill its workers and count the bytes they send."""
    with frames.Client(processes=True, n_workers=2, set_as_default=False) as c:
        c.gather(c.map(inc, range(4)))  # both workers up
        yield c


def test_a_chain_of_50_futures_never_brings_its_values_to_the_client(fresh_process_client):
    c = fresh_process_client
    before = c.cluster.bytes_received()
    x = c.submit(ones, BIG)
    for i in range(50):
        x = c.submit(plus, x, 1)
    assert c.submit(total, x).result() == BIG * 51.0
    moved = c.cluster.bytes_received() - before
    assert moved < BIG * 8, f"{moved} bytes came back for a chain of 50 values of {BIG * 8} bytes"
    assert np.array_equal(x.result(), np.full(BIG, 51.0))  # result() fetches it here
    assert c.cluster.bytes_received() - before >= BIG * 8


def test_a_fan_in_across_workers_is_right_and_its_shared_files_go(fresh_process_client):
    c = fresh_process_client
    parts = [c.submit(ones, BIG + i, pure=False) for i in range(6)]
    futures.wait(parts)
    assert len({p._handle.where for p in parts}) == 2  # held on both workers
    before = c.cluster.bytes_received()
    s = c.submit(total, *parts)
    assert s.result() == float(sum(BIG + i for i in range(6)))
    assert c.cluster.bytes_received() - before < BIG * 8  # moved worker to worker, not through us
    share_dir = c._backend._share_dir
    assert share_dir is not None and os.listdir(share_dir)
    del parts, s
    c.submit(inc, 0, pure=False).result()  # the releases go out with the next job
    deadline = time.monotonic() + 30
    while os.listdir(share_dir) and time.monotonic() < deadline:
        c.submit(inc, 0, pure=False).result()
        time.sleep(0.05)
    assert not os.listdir(share_dir)


def test_a_killed_worker_holding_needed_results_has_them_recomputed(fresh_process_client):
    c = fresh_process_client
    xs = [c.submit(plus, c.submit(ones, BIG, pure=False), i) for i in range(8)]
    futures.wait(xs)
    victim = xs[0]._handle.where
    assert victim in c.cluster.worker_pids()
    ys = [c.submit(slow_total, x, 0.2) for x in xs]  # pending dependents of the held values
    os.kill(victim, signal.SIGKILL)
    assert c.gather(ys) == [float(BIG * (1 + i)) for i in range(8)]
    assert victim not in c.cluster.worker_pids()
    for i, x in enumerate(xs):  # the lost values themselves come back, computed again
        assert np.array_equal(x.result(), np.full(BIG, 1.0 + i))


def test_a_killed_worker_in_the_middle_of_a_map_over_held_values(fresh_process_client):
    c = fresh_process_client
    xs = c.map(ones, [BIG] * 10, pure=False)
    ys = c.map(slow_total, xs, [0.1] * 10)
    next(iter(futures.as_completed(ys)))
    os.kill(c.cluster.worker_pids()[0], signal.SIGKILL)
    assert c.gather(ys) == [float(BIG)] * 10
    assert c.submit(inc, 1).result() == 2


def test_cancel_stops_a_running_task(client, tmp_path):
    mark = tmp_path / "started"
    f = client.submit(started_then_sleep, str(mark), 30.0, pure=False)
    deadline = time.monotonic() + 60
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert mark.exists()
    f.cancel()
    deadline = time.monotonic() + 10
    while f.status != "cancelled" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert f.status == "cancelled"
    with pytest.raises(futures.FutureCancelledError):
        f.result(timeout=10)
    assert client.submit(inc, 41, pure=False).result(timeout=20) == 42  # the Client carries on


def test_cancel_kills_the_worker_process_running_the_task(fresh_process_client, tmp_path):
    c = fresh_process_client
    mark = tmp_path / "started"
    f = c.submit(started_then_sleep, str(mark), 60.0, pure=False)
    deadline = time.monotonic() + 60
    while not (mark.exists() and mark.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = int(mark.read_text())
    f.cancel()
    deadline = time.monotonic() + 20
    while pid in c.cluster.worker_pids() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pid not in c.cluster.worker_pids()
    assert c.gather(c.map(inc, range(6))) == list(range(1, 7))


def test_persist_keeps_partitions_on_the_workers(client):
    pdf = pd.DataFrame({"a": range(12), "b": np.arange(12) * 0.5})
    lazy = frames.from_pandas(pdf, npartitions=3)
    df = client.persist(lazy[lazy.a > 2])
    graph, _ = df._build_graph() if hasattr(df, "_build_graph") else ({}, [])
    assert any(isinstance(v, futures.Future) for v in graph.values())  # its graph points at the futures
    assert_eq(df.compute(scheduler=client), pdf[pdf.a > 2], check_index=False)
    assert_eq(df.compute(scheduler="sync"), pdf[pdf.a > 2], check_index=False)
    assert df.b.sum().compute(scheduler=client) == pdf[pdf.a > 2].b.sum()
    b = client.persist(fb.from_sequence(range(10), npartitions=3).map(inc))
    assert any(isinstance(v, futures.Future) for v in b._build_graph()[0].values())
    assert b.sum().compute(scheduler=client) == sum(range(1, 11))


def test_persist_on_processes_does_not_gather(fresh_process_client):
    c = fresh_process_client
    pdf = pd.DataFrame({"a": np.arange(300_000), "b": np.arange(300_000) * 0.5})
    lazy = frames.from_pandas(pdf, npartitions=3)
    before = c.cluster.bytes_received()
    df = c.persist(lazy[lazy.a % 2 == 0])
    futures.wait(list(df._node.tables))
    assert df.a.count().compute(scheduler=c) == 150_000
    assert c.cluster.bytes_received() - before < 300_000  # 2.4 MB of rows stayed on the workers
    assert df.b.sum().compute(scheduler=c) == pdf[pdf.a % 2 == 0].b.sum()


def test_a_long_lost_chain_is_computed_again(fresh_process_client):
    """All 400 links of a chain held by one worker, lost with it: computed again, link by link."""
    c = fresh_process_client
    x = c.submit(ones, 10_000, pure=False)  # 80 KB each: held by the worker
    for i in range(400):
        x = c.submit(plus, x, 1)
    futures.wait([x])
    os.kill(x._handle.where, signal.SIGKILL)
    assert np.array_equal(x.result(timeout=600), np.full(10_000, 401.0))


class _OnlyInWorkers:
    """Pickles everywhere, but rebuilding it in the process ``parent`` raises RuntimeError."""

    def __init__(self, parent: int, nbytes: int):
        self.parent, self.nbytes = parent, nbytes

    def __reduce__(self):
        return _rebuild, (self.parent, self.nbytes)


def _rebuild(parent, nbytes):
    if os.getpid() == parent:
        raise RuntimeError("this object cannot be rebuilt in the parent")
    return _OnlyInWorkers(parent, nbytes)


class _Unpicklable:
    def __init__(self, nbytes: int):
        import threading

        self.nbytes, self.lock = nbytes, threading.Lock()


def make_unpicklable(nbytes):
    return _Unpicklable(nbytes)


def make_only_in_workers(parent, nbytes):
    return _OnlyInWorkers(parent, nbytes)


@pytest.mark.parametrize("nbytes", [100, 4 * BIG], ids=["with-its-job", "held-by-the-worker"])
@pytest.mark.parametrize("kind", ["unpicklable", "not-rebuilt-here"])
def test_a_result_that_cannot_come_back_is_an_error_naming_its_task(process_client, kind, nbytes):
    from exec import ResultTransferError

    c = process_client
    f = (c.submit(make_unpicklable, nbytes, pure=False) if kind == "unpicklable"
         else c.submit(make_only_in_workers, os.getpid(), nbytes, pure=False))
    with pytest.raises(ResultTransferError, match=f.key):
        f.result(timeout=60)
    assert c.submit(inc, 1).result(timeout=60) == 2  # the Client carries on


def test_gathering_held_results_asks_each_worker_once(fresh_process_client, monkeypatch):
    from exec.process_pool import ProcessPool

    c = fresh_process_client
    fs = c.map(plus, [c.submit(ones, BIG, pure=False)] * 6, range(6))
    futures.wait(fs)
    assert all(f._handle.ref is not None for f in fs)  # held by the workers
    requests = []
    real = ProcessPool.share
    monkeypatch.setattr(ProcessPool, "share", lambda self, refs, *a, **k: requests.append(len(refs)) or real(self, refs, *a, **k))
    values = c.gather(fs)
    assert [float(v[0]) for v in values] == [1.0 + i for i in range(6)]
    assert sum(requests) == 6 and len(requests) == 1
