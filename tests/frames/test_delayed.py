"""frames.delayed and futures give plain Python's answers on every scheduler."""

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


def test_many_tasks(scheduler):
    n = 5000 if scheduler != "processes" else 1000
    parts = [delayed(inc)(i) for i in range(n)]
    assert delayed(sum)(parts).compute(scheduler=scheduler) == sum(range(1, n + 1))


def test_long_chain_does_not_recurse():
    x = delayed(0)
    for _ in range(5000):
        x = x + 1
    assert x.compute(scheduler="sync") == 5000


def test_errors_keep_type():
    with pytest.raises(ZeroDivisionError):
        delayed(operator.truediv)(1, 0).compute(scheduler="sync")
    with pytest.raises(TypeError, match="truth value"):
        bool(delayed(1))


def test_futures(scheduler):
    ex = frames.futures.Executor(scheduler)
    futs = ex.map(lambda a, b: a * b, range(5), range(5))
    assert frames.futures.gather(futs) == [0, 1, 4, 9, 16]
    done = list(frames.futures.as_completed([ex.submit(inc, 1), ex.submit(inc, 2)]))
    assert sorted(f.result() for f in done) == [2, 3]
    with pytest.raises(ValueError, match="bad"):
        ex.submit(lambda: (_ for _ in ()).throw(ValueError("bad"))).result()
