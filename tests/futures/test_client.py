"""The Client's calls on every backend (local threads, local processes, a Dask cluster), each
answer checked against plain Python."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pandas as pd
import pytest

import frames
import frames.array as fa
import frames.bag as fb
from frames import futures
from frames.futures import as_completed, wait
from frames.testing import assert_eq


def inc(x):
    return x + 1


def add(x, y=0, *, z=0):
    return x + y + z


def total(values):
    return sum(values)


def nested_sum(d):
    return sum(d["a"]) + d["b"][0]


def slow(x, delay):
    time.sleep(delay)
    return x


def stamp(delay):
    time.sleep(delay)
    return time.time()


def where():
    return os.getpid(), threading.current_thread().name


def test_submit_result_and_kwargs(client):
    f = client.submit(inc, 1)
    assert f.result(timeout=60) == 2
    assert f.done() and f.status == "finished" and f.exception() is None
    assert client.submit(add, 1, 2, z=3).result() == 6
    assert isinstance(f, futures.Future) and "finished" in repr(f)


def test_futures_as_arguments_chain_and_fan_in(client):
    a = client.submit(inc, 1)
    b = client.submit(inc, a)  # a chain: b runs on a's value without a round trip through us
    c = client.submit(add, a, y=b)  # as a keyword argument
    d = client.submit(total, [a, b, c, 10])  # inside a list
    e = client.submit(nested_sum, {"a": (a, b), "b": [d]})  # inside a dict, a tuple and a list
    assert [a.result(), b.result(), c.result(), d.result(), e.result()] == [2, 3, 5, 20, 25]


def test_map_and_gather_keep_shapes(client):
    fs = client.map(add, range(20), range(20))
    assert client.gather(fs) == [2 * i for i in range(20)]
    assert client.gather({"x": fs[1], "y": [fs[2], (fs[3], 7)]}) == {"x": 2, "y": [4, (6, 7)]}
    assert client.gather(fs[5]) == 10
    assert client.map(inc, []) == []


def test_pure_calls_share_a_key_and_key_names_a_task(client):
    assert client.submit(inc, 5).key == client.submit(inc, 5).key
    assert client.submit(inc, 5, pure=False).key != client.submit(inc, 5, pure=False).key
    f = client.submit(inc, 6, key="my-key")
    assert f.key == "my-key" and f.result() == 7


def test_scatter_values_used_by_tasks(client):
    data = client.scatter([1, 2, 3])
    assert len(data) == 3 and all(isinstance(f, futures.Future) for f in data)
    assert client.submit(total, data).result() == 6
    big = client.scatter(np.arange(1000))
    assert client.submit(np.sum, big).result() == 499500
    named = client.scatter({"a": 1, "b": 2})
    assert client.gather(named) == {"a": 1, "b": 2}


def test_as_completed_yields_in_finishing_order(client):
    """Each task waits for the one before (so the finishing order is known, whatever the load);
    given newest first, as_completed still yields them in the order they finished."""
    chain = [client.submit(slow, 0, 0.05, pure=False)]
    for _ in range(4):
        chain.append(client.submit(inc, chain[-1]))
    assert [f.result() for f in as_completed(chain[::-1])] == [0, 1, 2, 3, 4]
    pairs = list(as_completed(client.map(inc, range(5)), with_results=True))
    assert sorted(r for _, r in pairs) == [1, 2, 3, 4, 5]


def test_as_completed_takes_futures_while_iterating(client):
    seq = as_completed([client.submit(inc, 0, pure=False)])
    seen = []
    for f in seq:
        seen.append(f.result())
        if len(seen) < 5:
            seq.add(client.submit(inc, f, pure=False))  # depends on the one just done
    assert seen == [1, 2, 3, 4, 5]


def test_wait_return_when(client):
    quick, sleepy = client.submit(inc, 1), client.submit(slow, 2, 1.0, pure=False)
    done, not_done = wait([quick, sleepy], return_when=futures.FIRST_COMPLETED)
    assert quick in done and sleepy in not_done
    with pytest.raises(TimeoutError):
        wait([sleepy], timeout=0.05)
    sleepy.cancel()
    bad = client.submit(divide, 1, 0)
    done, _ = wait([bad, client.submit(slow, 1, 1.0, pure=False)], return_when=futures.FIRST_EXCEPTION)
    assert bad in done
    done, not_done = wait(client.map(inc, range(4)))
    assert len(done) == 4 and not not_done


def test_result_timeout(client):
    f = client.submit(slow, 1, 2.0, pure=False)
    with pytest.raises(TimeoutError):
        f.result(timeout=0.05)
    f.cancel()


def test_cancel_and_dependents(client):
    f = client.submit(slow, 1, 1.0, pure=False)
    g = client.submit(inc, f)
    f.cancel()
    with pytest.raises(futures.FutureCancelledError):
        g.result(timeout=30)
    assert f.status == "cancelled" and f.cancelled()
    client.cancel([client.submit(slow, 1, 1.0, pure=False)])
    assert client.submit(inc, 41).result() == 42


def test_add_done_callback(client):
    seen = []
    event = threading.Event()
    f = client.submit(inc, 10)
    f.add_done_callback(lambda fut: (seen.append(fut.result()), event.set()))
    assert event.wait(30) and seen == [11]
    f.add_done_callback(lambda fut: seen.append("again"))  # already done: called at once
    deadline = time.monotonic() + 30
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == [11, "again"]


def test_fire_and_forget_runs_without_a_future(client, tmp_path):
    target = tmp_path / "fired"
    futures.fire_and_forget(client.submit(write_file, str(target), "ok", pure=False))
    deadline = time.monotonic() + 30
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert target.read_text() == "ok"


def test_progress_shows_a_bar(client, capsys):
    fs = client.map(inc, range(3))
    futures.progress(fs)
    assert "3/3" in capsys.readouterr().err


def test_priority_runs_higher_first():
    """Queued behind a busy single worker (and the task queued on it), the higher-priority task
    starts first."""
    with frames.Client(processes=False, n_workers=1, threads_per_worker=1, set_as_default=False) as c:
        gates = [c.submit(slow, i, 0.2, pure=False) for i in range(2)]
        low = c.submit(stamp, 0, priority=-1, pure=False)
        high = c.submit(stamp, 0, priority=10, pure=False)
        c.gather(gates)
        assert high.result() <= low.result()


def test_compute_collections_give_futures(client):
    pdf = pd.DataFrame({"a": range(20), "b": list("abcd") * 5})
    df = frames.from_pandas(pdf, npartitions=3)
    grouped = client.compute(df.groupby("b").a.sum())
    assert isinstance(grouped, futures.Future)
    assert_eq(grouped.result(), pdf.groupby("b").a.sum())
    x = fa.arange(100, chunks=7)
    bag = fb.from_sequence(range(10), npartitions=3).map(inc)
    dly = frames.delayed(add)(1, 2)
    arr, bag_sum, d = client.compute([(x * 2).sum(), bag.sum(), dly])
    assert (arr.result(), bag_sum.result(), d.result()) == (9900, 55, 3)
    assert client.compute([df.a.sum(), df.a.max()], sync=True) == [190, 19]


def test_persist_then_compute_elsewhere(client):
    pdf = pd.DataFrame({"a": range(10), "b": np.arange(10) * 0.5})
    lazy = frames.from_pandas(pdf, npartitions=2)
    df = client.persist(lazy[lazy.a > 2])
    assert_eq(df.compute(scheduler="sync"), pdf[pdf.a > 2], check_index=False)
    x = client.persist(fa.ones((6, 6), chunks=3) * 2)
    assert x.sum().compute(scheduler="sync") == 72
    b = client.persist(fb.from_sequence([1, 2, 3], npartitions=2).map(inc))
    assert b.compute(scheduler="sync") == [2, 3, 4]


def test_futures_inside_delayed_and_collections(client):
    f = client.submit(inc, 1)
    d = frames.delayed(add)(f, 10)
    assert client.compute(d).result() == 12
    assert d.compute(scheduler=client) == 12  # the client hands the value over on its workers
    assert d.compute(scheduler="sync") == 12  # any other scheduler fetches it first
    assert frames.compute(f, scheduler="threads") == (2,)
    blocks = client.map(np.full, [3, 3], [1.0, 2.0])
    arr = fa.concatenate([fa.from_delayed(frames.delayed(lambda v: v)(b), shape=(3,), dtype=float) for b in blocks])
    assert arr.sum().compute(scheduler=client) == 9.0


def test_client_is_a_scheduler(client):
    pdf = pd.DataFrame({"a": [3, 1, 2], "b": ["x", "y", "x"]})
    df = frames.from_pandas(pdf, npartitions=2)
    assert_eq(df.sort_values("a").compute(scheduler=client), pdf.sort_values("a"), check_index=False)
    assert fb.from_sequence(range(5)).map(inc).compute(scheduler=client) == [1, 2, 3, 4, 5]


def test_workers_are_the_backends(client):
    pids = {p for p, _ in client.gather([client.submit(where, pure=False) for _ in range(4)])}
    if client.cluster is not None and client.cluster.processes:
        assert os.getpid() not in pids and pids <= set(client.cluster.worker_pids())
    elif client.cluster is not None:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids


def test_bad_arguments_are_named():
    with frames.Client(processes=False, set_as_default=False) as c:
        with pytest.raises(frames.InvalidArgumentError, match="function"):
            c.submit(3)
        with pytest.raises(frames.InvalidArgumentError, match="retries"):
            c.submit(inc, 1, retries=-1)
        with pytest.raises(frames.InvalidArgumentError, match="errors"):
            c.gather([], errors="ignore")
        with pytest.raises(frames.InvalidArgumentError, match="return_when"):
            wait([], return_when="SOMETIME")
    with pytest.raises(futures.ClientClosedError):
        c.submit(inc, 1)
    with pytest.raises(frames.InvalidArgumentError, match="n_workers"):
        frames.LocalCluster(n_workers=0)


def test_local_cluster_explicit_and_scale():
    with frames.LocalCluster(n_workers=1, processes=False, threads_per_worker=2) as cluster:
        with frames.Client(cluster, set_as_default=False) as c:
            assert c.cluster is cluster and c.dashboard_link is None
            assert c.submit(inc, 1).result() == 2
            cluster.scale(3)
            assert cluster.nthreads == 6 and c.gather(c.map(inc, range(10))) == list(range(1, 11))
        assert c.status == "closed"
        assert cluster.submit([]).result()[1] == []  # the Client closed; the cluster it did not start runs on


_BARRIER = threading.Barrier(2)


def meet():
    """Returns only when a second thread of this process meets it (else BrokenBarrierError)."""
    _BARRIER.wait(timeout=30)
    return os.getpid()


def test_process_workers_with_threads():
    with frames.Client(n_workers=1, threads_per_worker=2, set_as_default=False) as c:
        pids = c.gather([c.submit(meet, pure=False) for _ in range(2)])
        assert len(set(pids)) == 1 and pids[0] != os.getpid()
        assert c.cluster.worker_pids() == pids[:1]


def divide(a, b):
    return a / b


def write_file(path, text):
    """Writes ``text`` to ``path`` atomically (a rename), so a reader polling for the file never
    sees it empty: open() creates it before the text is written."""
    with open(path + ".part", "w") as fh:
        fh.write(text)
    os.replace(path + ".part", path)
    return path
