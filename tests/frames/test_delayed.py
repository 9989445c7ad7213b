"""frames.delayed gives plain Python's answers on every scheduler."""

from __future__ import annotations

import operator

import pytest

import frames
from frames import delayed


def inc(x):
    return x + 1


def test_call_forms_and_operators(scheduler):
    dinc = delayed(inc)
    a, b = dinc(1), dinc(2)
    assert (a + b).compute(scheduler=scheduler) == 5
    assert (10 - a * b).compute(scheduler=scheduler) == 10 - 6
    assert (-(a ** 2)).compute(scheduler=scheduler) == -4

    @delayed
    def add(x, y=0):
        return x + y

    assert add(a, y=b).compute(scheduler=scheduler) == 5
    assert delayed(sum)([a, b, 3]).compute(scheduler=scheduler) == 8
    assert delayed(lambda d: d["k"] * 2)({"k": a}).compute(scheduler=scheduler) == 4


def test_attribute_getitem_and_method_calls(scheduler):
    text = delayed("a,b,c")
    assert text.split(",").compute(scheduler=scheduler) == ["a", "b", "c"]
    assert text.upper()[0].compute(scheduler=scheduler) == "A"
    q, r = delayed(divmod, nout=2)(17, 5)
    assert (q.compute(scheduler=scheduler), r.compute(scheduler=scheduler)) == (3, 2)


def test_compute_several_shares_work(scheduler):
    calls = []

    def record(x):
        calls.append(x)
        return x

    base = delayed(record)(1)
    x, y = frames.compute(base + 1, base + 2, scheduler=scheduler)
    assert (x, y) == (2, 3)
    if scheduler != "processes":
        assert calls == [1]


def test_twenty_thousand_tasks(scheduler):
    n = 20_000
    parts = [delayed(inc)(i) for i in range(n)]
    assert delayed(sum)(parts).compute(scheduler=scheduler) == sum(range(1, n + 1))


def test_nested_containers(scheduler):
    a, b = delayed(inc)(1), delayed(inc)(2)

    def combine(d, pairs, *, extra):
        return d["x"] + sum(p[0] * p[1] for p in pairs) + extra["y"][0]

    out = delayed(combine)({"x": a}, [(a, b), (b, 10)], extra={"y": [b]})
    assert out.compute(scheduler=scheduler) == 2 + (2 * 3 + 3 * 10) + 3
    lazy_value = delayed({"k": [a, (b, 5)]})
    assert lazy_value.compute(scheduler=scheduler) == {"k": [2, (3, 5)]}
    assert delayed([1, 2]).compute(scheduler=scheduler) == [1, 2]


def test_keys_names_and_purity():
    f = delayed(inc)
    assert f(1).key != f(1).key  # impure by default: two calls, two tasks
    pf = delayed(inc, pure=True)
    assert pf(1).key == pf(1).key != pf(2).key
    assert pf(1).key.startswith("inc-")
    assert delayed(inc, name="plus_one")(1).key.startswith("plus_one-")
    assert f(1, dask_key_name="mine").key == "mine"
    assert delayed(5, name="five").key == "five"
    x = pf(f(1))
    graph, keys = x._build_graph()
    assert keys == [x.key] and len(graph) == 2
    shared = pf(3)
    assert frames.compute(shared + pf(3), scheduler="sync") == (8,)


def test_nout_and_iteration():
    a, b, c = delayed(lambda: (1, 2, 3), nout=3)()
    assert (a + b + c).compute(scheduler="sync") == 6
    with pytest.raises(TypeError, match="nout"):
        iter(delayed(inc)(1))
    with pytest.raises(TypeError, match="nout"):
        delayed(inc, nout=-1)


def test_graph_building_stores_only_direct_dependencies():
    x = delayed(0)
    for _ in range(100):
        x = x + 1
    assert len(x._deps) == 1 and x._deps[0]._deps[0]._deps  # a linked chain, no copied graphs
    graph, _ = x._build_graph()
    assert len(graph) == 101


def test_long_chain_does_not_recurse():
    x = delayed(0)
    for _ in range(20_000):
        x = x + 1
    assert x.compute(scheduler="sync") == 20_000
    assert x.compute(scheduler="threads", optimize_graph=False) == 20_000


def test_errors_keep_type():
    with pytest.raises(ZeroDivisionError):
        delayed(operator.truediv)(1, 0).compute(scheduler="sync")
    with pytest.raises(TypeError, match="truth value"):
        bool(delayed(1))
    with pytest.raises(TypeError, match="immutable"):
        delayed(1).x = 2
    with pytest.raises(AttributeError):
        delayed(1)._private
