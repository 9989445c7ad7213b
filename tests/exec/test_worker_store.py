"""Results kept in the "processes" workers (``exec.process_pool.WorkerRef``): answers equal the
threads scheduler's, dependents run where their inputs are, nothing large goes through the parent,
every failure to move a result ends ``compute()`` with a clear error (never a hang), and neither
``/dev/shm`` nor the workers' stores keep anything after success, error or Ctrl-C."""

from __future__ import annotations

import _thread
import errno
import os
import threading

import numpy as np
import pyarrow as pa
import pytest

import exec
import sqlengine
from exec import Ref, Task
from exec import memory as memory_mod
from exec import process_pool as pp
from exec.core import get_async, run_batch
from exec.errors import MemoryLimitError
from exec.process_pool import KEEP_BYTES, ProcessPool, WorkerDiedError, WorkerRef
from tests.sql.oracle import assert_same
from tests.tables import fact_table


def _table(i: int, rows: int = 50_000) -> pa.Table:
    return pa.table({"i": np.full(rows, i), "x": np.arange(rows, dtype=np.float64)})


def _total(*tables: pa.Table) -> float:
    return float(sum(t.column("x").to_numpy().sum() + t.column("i").to_numpy().sum() for t in tables))


def _pid_and(table: pa.Table) -> tuple:
    return os.getpid(), table.num_rows


def _pid_and_kept(_: object) -> tuple:
    import time

    from exec import _worker

    time.sleep(0.05)
    return os.getpid(), len(_worker.store.values)


def _die(*_: object) -> None:
    os._exit(3)


class _Big:
    """A large result that cannot leave its worker: pickling it raises ``error``."""

    def __init__(self, error: BaseException):
        self.nbytes = 4 * KEEP_BYTES
        self.error = error

    def __reduce__(self):
        raise self.error


def _big(kind: str) -> _Big:
    return _Big({"memory": MemoryError("no memory to write it"),
                 "enospc": OSError(errno.ENOSPC, "No space left on device"),
                 "type": TypeError("cannot pickle a socket")}[kind])


def _size(value: object) -> int:
    return value.nbytes


def _bounded(fn, timeout: float = 60):
    """``fn()`` in a thread, given ``timeout`` s: a hang fails the test instead of blocking it."""
    out: dict = {}

    def go():
        try:
            out["value"] = fn()
        except BaseException as exc:
            out["error"] = exc

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "compute() hung"
    return out


@pytest.fixture
def share_dirs(monkeypatch):
    """The /dev/shm directories computations were handed (to check they are gone afterwards)."""
    made: list[str] = []
    real = memory_mod.Held.share_directory

    def share_directory(self):
        path = real(self)
        if path not in made:
            made.append(path)
        return path

    monkeypatch.setattr(memory_mod.Held, "share_directory", share_directory)
    return made


@pytest.fixture
def pool():
    p = ProcessPool(2)
    yield p
    p.shutdown()


def _keep_submit(pool: ProcessPool):
    def submit(fn, batch, *args):
        return pool.submit(fn, batch, *args, keep=KEEP_BYTES)
    return submit


def _kept_anywhere(pool: ProcessPool) -> dict:
    """Per worker process reached, how many results it still keeps (tiny tasks spread over the
    workers; frees sent before them on the same pipe have been applied)."""
    graph = {("count", i): Task(_pid_and_kept, i) for i in range(8)}
    counts = get_async(_keep_submit(pool), 2, graph, list(graph), remote=True)
    return dict(counts)


def test_results_stay_on_their_worker_and_dependents_run_there(pool):
    first = pool.submit(run_batch, [("t", Task(_table, 1), {})], keep=KEEP_BYTES).result(timeout=60)
    ref = first[1][0][2]
    assert type(ref) is WorkerRef and ref.nbytes == _table(1).nbytes and ref.key == "t" and ref.num_rows == 50_000
    second = pool.submit(run_batch, [("n", Task(_pid_and, Ref("t")), {"t": ref})], keep=KEEP_BYTES).result(timeout=60)
    assert second[1][0][2] == (ref.pid, 50_000)  # it ran on the worker holding its input
    assert ref.load().equals(_table(1))  # fetched through /dev/shm, mapped
    assert ref.shared is not None and os.path.exists(ref.shared.path)
    path = ref.shared.path
    ref.delete()
    assert not os.path.exists(path)
    assert set(_kept_anywhere(pool).values()) == {0}


def test_small_tables_reach_the_parent_pickled_and_go_on_as_they_came(pool):
    """A result table under ``KEEP_BYTES`` comes back as ``Pickled`` (rows and size known without
    unpickling it), a job handed it reads the table, and other small results come as they are."""
    from exec.store import Pickled, unstore_all

    first = pool.submit(run_batch, [("t", Task(_table, 1, 100), {}), ("n", Task(len, [1, 2]), {})], keep=KEEP_BYTES).result(timeout=60)
    small, count = first[1][0][2], first[1][1][2]
    assert type(small) is Pickled and small.num_rows == 100 and small.nbytes == _table(1, 100).nbytes
    assert count == 2  # not a table: by value
    second = pool.submit(run_batch, [("s", Task(_total, Ref("t")), {"t": small})], keep=KEEP_BYTES).result(timeout=60)
    assert second[1][0][2] == _total(_table(1, 100))
    assert unstore_all([small])[0].equals(_table(1, 100))


def test_inputs_from_two_workers_meet_in_one(pool):
    jobs = [pool.submit(run_batch, [(("t", i), Task(_table, i), {})], keep=KEEP_BYTES) for i in range(2)]
    refs = [j.result(timeout=60)[1][0][2] for j in jobs]
    data = {("t", i): r for i, r in enumerate(refs)}
    out = pool.submit(run_batch, [("sum", Task(_total, Ref(("t", 0)), Ref(("t", 1))), data)], keep=KEEP_BYTES).result(timeout=60)
    assert out[1][0][1] and out[1][0][2] == _total(_table(0), _table(1))
    for r in refs:
        r.delete()


def test_worker_refs_do_not_pickle(pool):
    ref = pool.submit(run_batch, [("t", Task(_table, 1), {})], keep=KEEP_BYTES).result(timeout=60)[1][0][2]
    with pytest.raises(TypeError, match="held by worker process"):
        exec.store.dumps(ref)
    ref.delete()


@pytest.mark.parametrize("kind, error", [("memory", MemoryLimitError), ("enospc", MemoryLimitError), ("type", exec.TaskError)])
def test_a_result_that_cannot_be_moved_is_a_clear_error(pool, share_dirs, kind, error):
    """Its worker cannot write it out (out of memory, /dev/shm full, unpicklable): the computation
    ends with an error naming the task, the pool still works, nothing is left behind."""
    graph = {"big": Task(_big, kind)}
    out = _bounded(lambda: get_async(_keep_submit(pool), 2, graph, ["big"], remote=True))
    err = out.get("error")
    assert isinstance(err, error), repr(err)
    assert "'big'" in str(err) and "another process" in str(err)
    if kind == "enospc":
        assert "full" in str(err)
    if kind == "memory":
        assert isinstance(err, MemoryError)
    # a dependent task on the holder itself still gets it: moving it is what fails
    graph = {"big": Task(_big, kind), "n": Task(_size, Ref("big"))}
    assert _bounded(lambda: get_async(_keep_submit(pool), 2, graph, ["n"], remote=True))["value"] == [4 * KEEP_BYTES]
    assert all(not os.path.exists(d) for d in share_dirs)
    assert set(_kept_anywhere(pool).values()) == {0}


def test_a_worker_dying_with_kept_results_is_an_error(pool, share_dirs):
    graph = {"t": Task(_table, 1), "die": Task(_die, Ref("t"))}
    err = _bounded(lambda: get_async(_keep_submit(pool), 2, graph, ["die"], remote=True)).get("error")
    assert isinstance(err, WorkerDiedError), repr(err)
    graph = {"t": Task(_table, 2), "n": Task(_total, Ref("t"))}
    assert _bounded(lambda: get_async(_keep_submit(pool), 2, graph, ["n"], remote=True))["value"] == [_total(_table(2))]
    assert all(not os.path.exists(d) for d in share_dirs)


def test_dev_shm_and_worker_stores_are_clean_after_success_error_and_ctrl_c(share_dirs):
    exec.get({"warm": Task(int, 1)}, "warm", scheduler="processes")
    pool = exec.get_scheduler("processes").pool()
    graph = {("t", i): Task(_table, i) for i in range(6)}
    graph["sum"] = Task(_total, *[Ref(("t", i)) for i in range(6)])
    assert exec.get(graph, "sum", scheduler="processes") == _total(*[_table(i) for i in range(6)])
    failing = dict(graph, bad=Task(lambda *t: 1 / 0, *[Ref(("t", i)) for i in range(6)]))
    with pytest.raises(ZeroDivisionError):
        exec.get(failing, "bad", scheduler="processes")
    import time

    slow = dict(graph, slow=Task(lambda *t: time.sleep(60), *[Ref(("t", i)) for i in range(6)]))
    timer = threading.Timer(1.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        exec.get(slow, "slow", scheduler="processes")
    timer.cancel()
    assert exec.get({"after": Task(int, 2)}, "after", scheduler="processes") == 2
    assert len(share_dirs) == 5 and all(not os.path.exists(d) for d in share_dirs)
    assert set(_kept_anywhere(pool).values()) == {0}


def test_sql_answers_equal_threads_and_duckdb():
    """A string GROUP BY, a join, a sort: on processes as on threads, both as DuckDB answers."""
    import duckdb
    import pandas as pd

    rng = np.random.default_rng(5)
    n = 120_000
    fact = fact_table(rng, n, keys=500, names=30_000)
    dim = pd.DataFrame({"k": np.arange(500), "g": np.arange(500) % 7})
    sql = ["SELECT s, count(*) AS n, sum(v) AS sv FROM fact GROUP BY s",
           "SELECT g, count(*) AS n, min(v) AS mv FROM fact JOIN dim USING (k) GROUP BY g",
           "SELECT k, v, s FROM fact ORDER BY v, k, s LIMIT 1000"]
    frames_mod = pytest.importorskip("frames")
    answers = {}
    for scheduler in ("threads", "processes"):
        with exec.config.set(scheduler=scheduler, num_workers=2):
            ctx = sqlengine.Context()
            ctx.register("fact", frames_mod.from_pandas(fact, npartitions=7))
            ctx.register("dim", frames_mod.from_pandas(dim, npartitions=3))
            answers[scheduler] = [ctx.sql(q).compute() for q in sql]
    con = duckdb.connect()
    con.register("fact", fact)
    con.register("dim", dim)
    for i, q in enumerate(sql):
        ordered = "ORDER BY" in q
        assert_same(answers["processes"][i], answers["threads"][i], ordered)
        assert_same(answers["processes"][i], con.execute(q).df(), ordered)


def _slow_table(i: int) -> pa.Table:
    import time

    time.sleep(1.0)
    return _table(i)


def _fail_now() -> None:
    raise ValueError("boom")


def test_results_of_jobs_still_running_when_a_computation_fails_are_let_go(pool):
    graph = {"bad": Task(_fail_now), "slow": Task(_slow_table, 1)}
    with pytest.raises(ValueError, match="boom"):
        get_async(_keep_submit(pool), 2, graph, ["slow", "bad"], remote=True)
    import time

    time.sleep(2.0)  # "slow" finishes after the failure: its kept table must be freed
    assert set(_kept_anywhere(pool).values()) == {0}
