"""Graph utilities: dependencies, cull, fuse, toposort, visualize; config and scheduler lookup."""

from __future__ import annotations

import pytest

import exec
from exec import Ref, Task


def inc(x):
    return x + 1


def graph():
    return {"a": 1, "b": Task(inc, Ref("a")), "c": Task(inc, Ref("b")), "d": Task(inc, Ref("a")), "e": Task(sum, [Ref("c"), Ref("d")])}


def test_dependencies_and_toposort():
    g = graph()
    deps = exec.dependencies(g)
    assert deps["e"] == {"c", "d"} and deps["a"] == frozenset()
    order = exec.toposort(g)
    assert order.index("a") < order.index("b") < order.index("c") < order.index("e")


def test_cull_keeps_only_what_is_needed():
    g = graph()
    assert set(exec.cull(g, ["c"])) == {"a", "b", "c"}
    assert set(exec.cull(g, ["e"])) == set(g)
    with pytest.raises(exec.MissingKeyError):
        exec.cull(g, ["zz"])


def test_fuse_merges_linear_chains_and_keeps_requested():
    g = graph()
    fused = exec.fuse(g, ["e"])
    # b -> c is a chain; a is a literal, d has one task dep (none), e has two
    assert "b" not in fused and "c" in fused
    assert isinstance(fused["c"].args[0], exec.FusedTask)
    assert "inc -> inc" in repr(fused["c"])
    assert exec.get(fused, "e", scheduler="sync") == exec.get(g, "e", scheduler="sync") == 5
    kept = exec.fuse(g, ["b", "e"])  # a requested key is never absorbed
    assert "b" in kept


def test_task_is_inspectable():
    t = Task(inc, Ref("a"), 3, key=[Ref("b")])
    assert t.dependencies == {"a", "b"}
    assert t.func is inc and "inc" in repr(t)


def test_visualize_dot(tmp_path):
    dot = exec.visualize(graph(), ["e"])
    assert dot.startswith("digraph") and "->" in dot
    exec.visualize(graph(), ["e"], filename=str(tmp_path / "g.dot"))
    assert (tmp_path / "g.dot").read_text() == dot


def test_scheduler_lookup_and_config():
    with pytest.raises(exec.SchedulerError, match="did you mean 'threads'"):
        exec.get({"a": 1}, "a", scheduler="thread")
    with exec.config.set(scheduler="sync"):
        assert exec.config.get("scheduler") == "sync"
    assert exec.config.get("scheduler") == "threads"
    with pytest.raises(exec.ConfigError, match="scheduler"):
        exec.config.set(schedular="sync")
    with pytest.raises(exec.SchedulerError):
        exec.config.set(scheduler="nope")
    assert exec.get({"a": 1, "b": Task(inc, Ref("a"))}, "b", scheduler="synchronous") == 2


def test_profiler_records_tasks():
    with exec.Profiler() as prof:
        exec.get(graph(), "e", scheduler="threads")
    assert len(prof.results) == 4
    assert set(prof.summary().index) >= {"inc", "sum"}
