"""The processes scheduler: cloudpickle, no main guard needed, reused workers, crashes, Ctrl-C."""

from __future__ import annotations

import _thread
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import exec
from exec import Ref, Task

ROOT = Path(__file__).resolve().parents[2]


def test_lambdas_and_closures():
    factor = 7
    g = {"a": 3, "b": Task(lambda x: x * factor, Ref("a"))}
    assert exec.get(g, "b", scheduler="processes") == 21


def test_workers_are_reused():
    g = {("pid", i): Task(lambda i: (time.sleep(0.05), os.getpid())[1], i) for i in range(6)}
    keys = list(g)
    first = set(exec.get(g, keys, scheduler="processes"))
    pool = exec.get_scheduler("processes").pool()
    before = sorted(pool.pids())
    second = set(exec.get(g, keys, scheduler="processes"))
    assert first | second <= set(before)
    assert sorted(pool.pids()) == before  # no new worker started for the second compute


@pytest.mark.parametrize("spawn", [False, True])
def test_script_without_main_guard(tmp_path, spawn):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        import multiprocessing
        if {spawn}:
            multiprocessing.set_start_method("spawn", force=True)
        import pandas as pd
        import frames

        def square_plus(part):
            return part.assign(y=part.x ** 2 + 1)

        df = frames.from_pandas(pd.DataFrame({{"x": range(10)}}), npartitions=4)
        print(int(df.map_partitions(square_plus).y.sum().compute(scheduler="processes")))
        print(int(df.map_partitions(lambda p: p.assign(y=p.x * 0)).y.sum().compute(scheduler="processes")))
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(sum(x * x + 1 for x in range(10))), "0"]


def test_crashing_worker_is_replaced():
    g = {"die": Task(os._exit, 3)}
    with pytest.raises(exec.WorkerDiedError, match="exit code 3"):
        exec.get(g, "die", scheduler="processes")
    assert exec.get({"a": 1, "b": Task(lambda x: x + 1, Ref("a"))}, "b", scheduler="processes") == 2


def test_unpicklable_task_error_is_clear():
    import threading as th

    lock = th.Lock()
    with pytest.raises(Exception, match="lock|pickle"):
        exec.get({"a": Task(lambda l: 1, lock)}, "a", scheduler="processes")
    assert exec.get({"a": Task(int, "5")}, "a", scheduler="processes") == 5


class TwoArgError(Exception):
    """Pickles, but cannot be unpickled: ``__init__`` does not accept its own ``args``."""

    def __init__(self, a, b):
        super().__init__(f"{a} and {b}")


def raise_two_arg_error():
    raise TwoArgError("left", "right")


def test_remote_error_keeps_type_and_carries_remote_traceback():
    def fail(x):
        raise KeyError(f"no such thing: {x}")

    with pytest.raises(KeyError, match="no such thing: 5") as info:
        exec.get({"a": 5, "failing-key": Task(fail, Ref("a"))}, "failing-key", scheduler="processes")
    notes = "\n".join(info.value.__notes__)
    assert "failing-key" in notes and "remote traceback" in notes and "in fail" in notes


def test_exception_that_cannot_be_unpickled_becomes_task_error():
    with pytest.raises(exec.TaskError) as info:
        exec.get({"odd": Task(raise_two_arg_error)}, "odd", scheduler="processes")
    text = str(info.value)
    assert "'odd'" in text and "TwoArgError" in text and "left and right" in text
    assert any("unpickled" in n for n in info.value.__notes__)


def test_result_that_cannot_be_pickled_is_a_clear_error():
    import threading as th

    with pytest.raises(exec.ResultTransferError, match="cannot be sent back") as info:
        exec.get({"lock": Task(th.Lock)}, "lock", scheduler="processes")
    assert any("'lock'" in n for n in info.value.__notes__)
    assert exec.get({"a": Task(int, "7")}, "a", scheduler="processes") == 7


def test_ctrl_c_kills_long_running_process_tasks():
    pool = exec.get_scheduler("processes").pool()
    exec.get({"warm": Task(int, 1)}, "warm", scheduler="processes")
    g = {("s", i): Task(time.sleep, 60) for i in range(2)}
    g["all"] = Task(len, [Ref(("s", 0)), Ref(("s", 1))])
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        exec.get(g, "all", scheduler="processes")
    assert time.perf_counter() - t0 < 30
    assert exec.get({"a": 1, "b": Task(lambda x: x + 1, Ref("a"))}, "b", scheduler="processes") == 2
    assert len(pool.pids()) <= pool.num_workers


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_ctrl_c_cancels_and_scheduler_stays_usable(scheduler):
    # many short sleeping tasks: an interrupt lands between them on every scheduler
    g = {("sleep", i): Task(time.sleep, 0.05) for i in range(400)}
    g["all"] = Task(len, [Ref(("sleep", i)) for i in range(400)])
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        exec.get(g, "all", scheduler=scheduler)
    assert time.perf_counter() - t0 < 8  # 400 * 0.05 s would be 20 s sequentially
    timer.cancel()
    assert exec.get({"a": 1, "b": Task(lambda x: x + 1, Ref("a"))}, "b", scheduler=scheduler) == 2


def test_sigint_to_a_script_stops_a_long_process_computation(tmp_path):
    script = tmp_path / "long.py"
    script.write_text(textwrap.dedent("""
        import time, exec
        from exec import Task, Ref
        g = {("s", i): Task(time.sleep, 30) for i in range(4)}
        g["all"] = Task(len, [Ref(("s", i)) for i in range(4)])
        print("started", flush=True)
        try:
            exec.get(g, "all", scheduler="processes")
        except KeyboardInterrupt:
            print("cancelled", flush=True)
    """))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=20)
    assert "cancelled" in out
    assert proc.returncode == 0


def test_pool_resizes_in_place():
    sched = exec.get_scheduler("processes")
    g = {("pid", i): Task(lambda i: (time.sleep(0.02), os.getpid())[1], i) for i in range(4)}
    assert len(set(exec.get(g, list(g), scheduler="processes", num_workers=1))) == 1
    pool = sched.pool(1)
    assert len(pool.pids()) == 1
    assert len(exec.get(g, list(g), scheduler="processes", num_workers=2)) == 4
    assert sched.pool(2) is pool and len(pool.pids()) <= 2


def test_shutdown_then_compute_again():
    assert exec.get({"a": Task(int, "1")}, "a", scheduler="processes") == 1
    exec.shutdown()
    assert exec.get_scheduler("processes").pool().pids() == []
    assert exec.get({"a": Task(int, "2")}, "a", scheduler="processes") == 2
    assert exec.get({"a": Task(int, "3")}, "a", scheduler="threads") == 3


def test_a_queue_of_jobs_that_fail_to_send_does_not_recurse():
    """Each job that cannot be pickled frees its slot, which dispatches the next: a loop, not a
    recursion (a queue longer than the recursion limit once raised RecursionError and hung)."""
    from exec.core import run_batch
    from exec.process_pool import ProcessPool

    pool = ProcessPool(0)  # no worker yet: every job waits in the queue
    try:
        lock = threading.Lock()  # cannot be pickled
        jobs = [pool.submit(run_batch, [(("bad", i), Task(id, lock), {})]) for i in range(sys.getrecursionlimit())]
        pool.resize(1)  # one worker starts and the whole queue is dispatched
        errors = {type(job.exception(timeout=60)) for job in jobs}
        assert errors == {TypeError}
        assert pool.submit(run_batch, [("ok", Task(int, "3"), {})]).result(timeout=60)[1][0][2] == 3
    finally:
        pool.shutdown()


def _imported(name):
    return name in sys.modules


def test_start_boots_the_workers_now_with_their_modules():
    """``ProcessPool.start``: every worker is started at once (not at the first job) and imports
    the modules it was told its tasks need; one that does not exist is left to the task."""
    from exec.core import run_batch
    from exec.process_pool import ProcessPool

    pool = ProcessPool(2)
    try:
        pool.start(preload=("colorsys", "no_such_module_anywhere"))
        assert len(pool.pids()) == 2
        outcome = pool.submit(run_batch, [("seen", Task(_imported, "colorsys"), {})]).result(timeout=60)
        assert outcome[1][0][1:3] == (True, True)
    finally:
        pool.shutdown()


_SHARE_DIRS_SCRIPT = """
    import os, sys, tempfile, threading, time
    import exec
    from exec import Task

    made = []
    mkdtemp = tempfile.mkdtemp
    def recording_mkdtemp(*args, **kwargs):  # the directories this process makes, whoever else runs
        path = mkdtemp(*args, **kwargs)
        made.append(path)
        print("dir", path, flush=True)
        return path
    tempfile.mkdtemp = recording_mkdtemp

    g = {("s", i): Task(time.sleep, 30) for i in range(2)}
    threading.Thread(target=exec.get, args=(g, list(g)), kwargs={"scheduler": "processes"}, daemon=True).start()
    while not any("sqlengine-share-" in d for d in made):
        time.sleep(0.05)
    time.sleep(1.5)  # the workers have started and run the tasks
    print("started", flush=True)
    if sys.argv[1] == "exit":
        sys.exit(0)  # atexit's exec.shutdown; the computation's own finally never runs (a daemon thread)
    os._exit(0)  # no shutdown at all: the workers see their input end
"""


@pytest.mark.parametrize("how", ["exit", "os._exit"])
def test_a_process_that_exits_mid_computation_leaves_no_share_directories(tmp_path, how):
    """A script whose computation is still running when it exits (in a daemon thread, or killed
    outright with ``os._exit``) leaves no ``sqlengine-share-*`` directories in ``/dev/shm``: the
    pool's shutdown removes those its jobs were handed, or the workers do when the parent is gone."""
    script = tmp_path / "exits.py"
    script.write_text(textwrap.dedent(_SHARE_DIRS_SCRIPT))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True, timeout=60, env=env)
    assert "started" in out.stdout, out.stderr
    dirs = [line.split(" ", 1)[1] for line in out.stdout.splitlines() if line.startswith("dir ") and "sqlengine-share-" in line]
    assert dirs
    deadline = time.monotonic() + 15
    while any(os.path.exists(d) for d in dirs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [d for d in dirs if os.path.exists(d)] == []


def _block(nbytes, i):
    import numpy as np

    return np.full(nbytes // 8, i, dtype=np.int64)


def _probe(build, part):
    return int(build[0] + part[0])


def test_a_broadcast_input_moves_once_not_every_partition(monkeypatch):
    """A join's build side read by every probe partition: the workers holding the partitions map
    it once from ``/dev/shm`` instead of each partition moving to the build side's worker (which
    moved ~half of all probe bytes, TPC-H q3's lineitem among them)."""
    from exec.process_pool import ProcessPool

    moved = []
    share = ProcessPool.share

    def counting_share(self, refs, directory=None, drop=False):
        moved.extend(r.nbytes for r in refs if r.shared is None)
        return share(self, refs, directory, drop)

    monkeypatch.setattr(ProcessPool, "share", counting_share)
    mb, parts = 1 << 20, 16
    g = {"build": Task(_block, 16 * mb, 1)}
    for i in range(parts):
        g[("part", i)] = Task(_block, 4 * mb, i)
        g[("probe", i)] = Task(_probe, Ref("build"), Ref(("part", i)))
    keys = [("probe", i) for i in range(parts)]
    assert exec.get(g, keys, scheduler="processes", num_workers=2) == [1 + i for i in range(parts)]
    assert sum(moved) <= 16 * mb + 2 * 4 * mb, f"{sum(moved) / mb:.0f} MB moved between workers"
