"""Failures the Client survives: tasks that raise (also for their dependents), retries, worker
processes killed under running tasks, a task that keeps killing its workers, Ctrl-C while waiting."""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
import time
import traceback

import pytest

import frames
from frames import futures


class Boom(ValueError):
    pass


def boom(x):
    raise Boom(f"bad input {x}")


def inc(x):
    return x + 1


def _inc_after(previous, i):
    return (0 if previous is True else previous) + 1


def slow(x, delay):
    time.sleep(delay)
    return x


def flaky(path, value):
    """Fails on its first two calls (counted in a file: the calls may be in other processes)."""
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as fh:
        fh.write(str(count))
    if count < 3:
        raise RuntimeError(f"attempt {count} fails")
    return value


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def test_exception_keeps_type_and_traceback_also_for_dependents(client):
    f = client.submit(boom, 3)
    with pytest.raises(Boom, match="bad input 3") as info:
        f.result()
    assert "boom" in "".join(traceback.format_exception(info.value))  # where it was raised
    assert f.status == "error" and isinstance(f.exception(), Boom)
    assert "boom" in f.traceback()
    dependent = client.submit(inc, client.submit(inc, f))
    with pytest.raises(Boom, match="bad input 3"):
        dependent.result()
    with pytest.raises(Boom):
        client.gather([client.submit(inc, 1), f])
    assert client.gather([client.submit(inc, 1), f], errors="skip") == [2]


def test_retries_rerun_a_failing_task(client, tmp_path):
    assert client.submit(flaky, str(tmp_path / "a"), "ok", retries=2, pure=False).result() == "ok"
    with pytest.raises(RuntimeError, match="attempt 2 fails"):
        client.submit(flaky, str(tmp_path / "b"), "ok", retries=1, pure=False).result()


def test_retry_after_the_fact(client, tmp_path):
    f = client.submit(flaky, str(tmp_path / "c"), 7, pure=False)
    g = client.submit(inc, f)
    for attempt in (1, 2):
        with pytest.raises(RuntimeError, match=f"attempt {attempt} fails"):
            g.result()
        g.retry()  # re-runs the failed dependency too
    assert g.result() == 8 and f.result() == 7


def test_killed_worker_loses_only_its_running_tasks(process_client):
    """A worker process SIGKILLed in the middle of a 20-task map: its tasks run again on a fresh
    worker and every result is right."""
    c = process_client
    before = set(c.cluster.worker_pids())
    fs = c.map(slow, range(20), [0.15] * 20, pure=False)
    next(iter(futures.as_completed(fs)))  # the map is under way
    pids = c.cluster.worker_pids()
    os.kill(pids[0], signal.SIGKILL)
    assert c.gather(fs) == list(range(20))
    assert pids[0] not in c.cluster.worker_pids() and len(c.cluster.worker_pids()) == 2
    assert pids[0] in before or not before
    assert c.submit(inc, 1).result() == 2


def test_a_task_that_keeps_killing_workers_is_reported(process_client):
    f = process_client.submit(die, pure=False)
    with pytest.raises(futures.KilledWorkerError, match="die") as info:
        f.result(timeout=120)
    assert "3 times" in str(info.value)
    others = process_client.map(inc, range(10))  # the Client carries on
    assert process_client.gather(others) == list(range(1, 11))


def _interrupt_soon(delay: float = 0.3) -> threading.Timer:
    timer = threading.Timer(delay, _thread.interrupt_main)
    timer.start()
    return timer


def test_ctrl_c_in_result_cancels_and_the_client_carries_on(client):
    f = client.submit(slow, 1, 3.0, pure=False)
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        f.result()
    assert f.status == "cancelled"
    assert client.submit(inc, 41).result(timeout=60) == 42


def test_ctrl_c_in_gather_cancels_the_pending_work(client):
    fs = client.map(slow, range(8), [3.0] * 8, pure=False)
    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        client.gather(fs)
    deadline = time.monotonic() + 30
    while not all(f.status == "cancelled" for f in fs) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(f.status == "cancelled" for f in fs)
    assert client.gather(client.map(inc, range(4))) == [1, 2, 3, 4]


def test_ctrl_c_in_a_compute_on_worker_processes_stops_them(process_client):
    """The worker processes running interrupted tasks are killed (the tasks do not run on)."""
    process_client.gather(process_client.map(slow, range(2), [0.1] * 2, pure=False))  # both workers up
    pids = set(process_client.cluster.worker_pids())
    work = [frames.delayed(slow)(i, 30.0) for i in range(2)]
    _interrupt_soon(1.0)
    with pytest.raises(KeyboardInterrupt):
        frames.compute(*work, scheduler=process_client)
    deadline = time.monotonic() + 30  # the killed workers leave the pool when their pipes close
    while not pids - set(process_client.cluster.worker_pids()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids - set(process_client.cluster.worker_pids())
    assert process_client.submit(inc, 1).result() == 2


def test_closing_fails_what_is_pending():
    c = frames.Client(processes=False, n_workers=1, threads_per_worker=1, set_as_default=False)
    c.submit(slow, 0, 0.5, pure=False)
    queued = [c.submit(slow, i, 0.5, pure=False) for i in range(3)]
    c.close()
    with pytest.raises(futures.ClientClosedError):
        queued[-1].result(timeout=30)


def test_jobs_done_before_their_callback_is_attached_do_not_recurse():
    """A job already finished when the Client attaches its done-callback runs that callback at
    once, in the sending thread, which sends the next job: such a chain once nested until a
    RecursionError (on a loaded machine, one benchmark run in four). Made certain here: every job
    is finished by the time ``submit`` returns it, and a chain longer than the recursion limit is
    released at once."""
    from concurrent.futures import Future

    from exec.core import run_batch

    gate = threading.Event()
    with frames.Client(processes=False, n_workers=1, threads_per_worker=2, set_as_default=False) as c:
        head = c.submit(gate.wait, 60)
        last = head
        n = sys.getrecursionlimit()
        for i in range(n):
            last = c.submit(_inc_after, last, i)

        def run_now(batch, *args, **kwargs):
            done = Future()
            done.set_result(run_batch(batch))
            return done

        c.cluster.submit = run_now
        gate.set()
        assert last.result(timeout=60) == n
