"""One conformance suite run against every scheduler (model: dask's GetFunctionTestMixin)."""

from __future__ import annotations

import operator
import weakref

import pytest

import exec
from exec import Ref, Task
from exec.callbacks import Callback


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def boom(x):
    raise ZeroDivisionError(f"cannot handle {x}")


class Recorder(Callback):
    def __init__(self):
        self.started = self.finished = 0
        self.pre, self.post = [], []

    def start(self, graph):
        self.started += 1

    def pretask(self, key):
        self.pre.append(key)

    def posttask(self, key, result, elapsed):
        self.post.append(key)

    def finish(self, graph, errored):
        self.finished += 1
        self.errored = errored


def test_chain_and_literals(scheduler):
    g = {"a": 1, "b": Task(inc, Ref("a")), "c": Task(add, Ref("b"), 10)}
    assert exec.get(g, "c", scheduler=scheduler) == 12
    assert exec.get(g, ["a", "c"], scheduler=scheduler) == [1, 12]


def test_fan_out_fan_in(scheduler):
    g = {"x": 2}
    for i in range(20):
        g[("inc", i)] = Task(add, Ref("x"), i)
    g["total"] = Task(sum, [Ref(("inc", i)) for i in range(20)])
    assert exec.get(g, "total", scheduler=scheduler) == sum(2 + i for i in range(20))


def test_nested_refs_in_containers(scheduler):
    g = {"a": 1, "b": 2, "c": Task(lambda d, t: d["x"] + t[0][1], {"x": Ref("a")}, ([0, Ref("b")],))}
    assert exec.get(g, "c", scheduler=scheduler) == 3


def test_kwargs_refs(scheduler):
    g = {"a": 5, "b": Task(pow, 2, exp=Ref("a")) if False else Task(lambda base, exp: base**exp, 2, exp=Ref("a"))}
    assert exec.get(g, "b", scheduler=scheduler) == 32


def test_missing_key_errors(scheduler):
    g = {"a": Task(inc, Ref("nope"))}
    with pytest.raises(exec.MissingKeyError, match="'nope'"):
        exec.get(g, "a", scheduler=scheduler)
    with pytest.raises(exec.MissingKeyError, match="'zzz'"):
        exec.get({"a": 1}, "zzz", scheduler=scheduler)


def test_exception_keeps_type_and_names_task(scheduler):
    g = {"a": 1, "bad-task": Task(boom, Ref("a")), "c": Task(inc, Ref("bad-task"))}
    with pytest.raises(ZeroDivisionError, match="cannot handle 1") as info:
        exec.get(g, "c", scheduler=scheduler)
    assert any("bad-task" in note for note in info.value.__notes__)
    # the scheduler still works afterwards
    assert exec.get({"a": 1, "b": Task(inc, Ref("a"))}, "b", scheduler=scheduler) == 2


def test_large_fan_in(scheduler):
    n = 3000
    g = {("x", i): Task(operator.mul, i, 2) for i in range(n)}
    g["sum"] = Task(sum, [Ref(("x", i)) for i in range(n)])
    assert exec.get(g, "sum", scheduler=scheduler) == n * (n - 1)


def test_callbacks_called(scheduler):
    rec = Recorder()
    g = {"a": 1, "b": Task(inc, Ref("a")), "c": Task(inc, Ref("b"))}
    assert exec.get(g, "c", scheduler=scheduler, callbacks=[rec]) == 3
    assert rec.started == rec.finished == 1 and not rec.errored
    assert sorted(rec.pre) == sorted(rec.post) == ["b", "c"]
    with rec:  # global registration as a context manager
        exec.get(g, "c", scheduler=scheduler)
    assert rec.started == 2


def test_fused_graph_same_results(scheduler):
    g = {"a": 1}
    prev = "a"
    for i in range(10):
        g[f"s{i}"] = Task(inc, Ref(prev))
        prev = f"s{i}"
    g["side"] = Task(add, Ref("s4"), 100)
    fused = exec.fuse(g, [prev, "side"])
    assert len(fused) < len(g)
    assert exec.get(fused, [prev, "side"], scheduler=scheduler) == exec.get(g, [prev, "side"], scheduler="sync") == [11, 106]


class Blob:
    """A result that can be weakly referenced, to see when the scheduler lets go of it."""


def make_blob(*_):
    return Blob()


class AliveCounter(Callback):
    """Counts, after each task, how many of the results so far the caller's process still holds."""

    def start(self, graph):
        self.refs, self.max_alive = [], 0

    def posttask(self, key, result, elapsed):
        if isinstance(result, Blob):
            self.refs.append(weakref.ref(result))
        self.max_alive = max(self.max_alive, sum(r() is not None for r in self.refs))


def test_intermediate_results_released(scheduler):
    """A result is dropped once its last user has run, so a long chain holds O(1) results."""
    n = 30
    g = {"b0": Task(make_blob)}
    for i in range(1, n):
        g[f"b{i}"] = Task(make_blob, Ref(f"b{i - 1}"))
    g["done"] = Task(type, Ref(f"b{n - 1}"))
    counter = AliveCounter()
    assert exec.get(g, "done", scheduler=scheduler, callbacks=[counter]).__name__ == "Blob"
    assert len(counter.refs) == n
    assert counter.max_alive <= 4  # not n: the chain's earlier links were freed as it ran


def test_fan_out_result_kept_until_last_user(scheduler):
    g = {"root": Task(list, range(5))}
    for i in range(30):
        g[("use", i)] = Task(operator.getitem, Ref("root"), i % 5)
    assert exec.get(g, [("use", i) for i in range(30)], scheduler=scheduler) == [i % 5 for i in range(30)]


def test_single_key_list_of_keys_and_tuple_keys(scheduler):
    g = {("x", 0): 1, ("x", 1): Task(inc, Ref(("x", 0))), "y": Task(add, Ref(("x", 0)), Ref(("x", 1)))}
    assert exec.get(g, ("x", 1), scheduler=scheduler) == 2  # a tuple is one key
    assert exec.get(g, [("x", 1)], scheduler=scheduler) == [2]  # a list is several
    assert exec.get(g, ["y", ("x", 0), "y"], scheduler=scheduler) == [3, 1, 3]
    assert exec.get(g, [], scheduler=scheduler) == []


def test_literal_containers_are_values(scheduler):
    g = {"pair": ("not", "a task"), "items": [1, 2], "c": Task(lambda p, i: (p, sum(i)), Ref("pair"), Ref("items"))}
    assert exec.get(g, ["pair", "c"], scheduler=scheduler) == [("not", "a task"), (("not", "a task"), 3)]


def test_failure_reaches_callbacks_and_num_workers(scheduler):
    rec = Recorder()
    g = {"a": 1, "bad": Task(boom, Ref("a"))}
    with pytest.raises(ZeroDivisionError):
        exec.get(g, "bad", scheduler=scheduler, callbacks=[rec])
    assert rec.finished == 1 and rec.errored
    g = {("x", i): Task(inc, i) for i in range(50)}
    assert exec.get(g, list(g), scheduler=scheduler, num_workers=1) == list(range(1, 51))


def test_profiler_records_workers_and_times(scheduler):
    g = {("x", i): Task(inc, i) for i in range(10)}
    g["total"] = Task(sum, [Ref(("x", i)) for i in range(10)])
    with exec.Profiler() as prof:
        assert exec.get(g, "total", scheduler=scheduler) == 55
    assert len(prof.results) == 11
    assert all(r.end >= r.start for r in prof.results)
    workers = {r.worker for r in prof.results}
    if scheduler == "processes":
        assert all(w.startswith("process-") for w in workers)
    elif scheduler == "sync":
        assert workers == {"MainThread"}
    frame = prof.frame()
    assert list(frame.columns) == ["key", "name", "worker", "start", "end", "elapsed"]
    assert prof.summary().loc["inc", "count"] == 10
