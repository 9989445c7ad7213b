"""frames.futures: single calls on the local schedulers' own workers."""

from __future__ import annotations

import os
import threading
import time

import pytest

import exec
from frames import futures


def inc(x):
    return x + 1


def test_submit_gather_map(scheduler):
    ex = futures.Executor(scheduler)
    fut = ex.submit(inc, 1)
    assert fut.result(timeout=60) == 2
    assert futures.gather(ex.map(lambda a, b: a * b, range(5), range(5))) == [0, 1, 4, 9, 16]
    assert ex.submit(lambda x, *, y: x - y, 10, y=3).result() == 7
    assert futures.submit(inc, 41, scheduler=scheduler).result() == 42


def test_as_completed_and_wait(scheduler):
    ex = futures.Executor(scheduler)
    futs = [ex.submit(time.sleep, 0.01) for _ in range(4)] + [ex.submit(inc, 1)]
    done, not_done = futures.wait(futs, timeout=60)
    assert len(done) == 5 and not not_done
    assert sorted(f.result() is None for f in futures.as_completed(futs)) == [False] + [True] * 4


def test_errors_keep_type_and_name_the_call(scheduler):
    def fail(x):
        raise ValueError(f"bad {x}")

    fut = futures.Executor(scheduler).submit(fail, 3)
    with pytest.raises(ValueError, match="bad 3") as info:
        fut.result()
    assert any("fail" in note for note in info.value.__notes__)
    with pytest.raises(ValueError):
        futures.gather([futures.Executor(scheduler).submit(inc, 1), fut])


def test_same_pools_as_computations():
    """Futures run on the schedulers' own workers: no second pool is started."""
    ex = futures.Executor("processes", num_workers=2)
    pool = exec.get_scheduler("processes").pool(2)
    pids = set(futures.gather([ex.submit(lambda: (time.sleep(0.05), os.getpid())[1]) for _ in range(4)]))
    assert pids <= set(pool.pids())
    names = set(futures.gather([futures.Executor("threads").submit(lambda: threading.current_thread().name) for _ in range(4)]))
    assert all(n.startswith("sqlengine") for n in names)


def test_needs_a_local_scheduler():
    class Remote:
        def get(self, graph, keys, **kw):
            return []

    with pytest.raises(TypeError, match="local scheduler"):
        futures.Executor(Remote())
    with pytest.raises(exec.SchedulerError, match="did you mean"):
        futures.Executor("thread")
