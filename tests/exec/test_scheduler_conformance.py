"""One conformance suite run against every scheduler (model: dask's GetFunctionTestMixin)."""

from __future__ import annotations

import operator

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


def test_intermediate_results_released():
    """Results no longer needed are dropped while the graph runs (memory stays bounded)."""
    import weakref

    class Blob:
        pass

    refs = []

    def make(i):
        b = Blob()
        refs.append(weakref.ref(b))
        return b

    def alive(_prev):
        return sum(r() is not None for r in refs)

    g = {"b0": Task(make, 0)}
    for i in range(1, 6):
        g[f"b{i}"] = Task(lambda prev, i=i: make(i), Ref(f"b{i-1}"))
    g["count"] = Task(alive, Ref("b5"))
    assert exec.get(g, "count", scheduler="sync") <= 2
