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


def test_ref_and_task_basics():
    assert Ref("a") == Ref("a") and Ref("a") != Ref("b") and Ref(("x", 1)) != ("x", 1)
    assert hash(Ref(("x", 1))) == hash(Ref(("x", 1))) and repr(Ref(("x", 1))) == "Ref(('x', 1))"
    t = Task(max, [Ref("a"), (Ref(("b", 0)), {"k": Ref("c")})], 5, key=[Ref("d")])
    assert t.dependencies == frozenset({"a", ("b", 0), "c", "d"})
    assert t.args[-1] == 5 and t.kwargs == {"key": [Ref("d")]}
    assert repr(t).startswith("Task(max(") and "Ref('a')" in repr(t)
    plain = Task(inc, 1)
    assert plain.dependencies == frozenset() and plain.execute({}) == 2
    nested = Task(lambda xs, d, k: (xs, d, k), [Ref("a"), [Ref("b")]], {"z": (Ref("a"),)}, k=[Ref("b")])
    assert nested.execute({"a": 1, "b": 2}) == ([1, [2]], {"z": (1,)}, [2])
    with pytest.raises(TypeError, match="callable"):
        Task(3)


def test_task_pickles_with_cloudpickle():
    import cloudpickle

    factor = 3
    t = Task(lambda x, y: x * factor + y, Ref("a"), y=Ref("b"))
    t2 = cloudpickle.loads(cloudpickle.dumps(t))
    assert t2.dependencies == {"a", "b"} and t2.execute({"a": 2, "b": 1}) == 7
    f = exec.fuse(graph(), ["e"])["c"]
    assert cloudpickle.loads(cloudpickle.dumps(f)).execute({"a": 1}) == 3


def test_dependents_and_structure():
    g = graph()
    assert exec.dependents(g) == {"a": {"b", "d"}, "b": {"c"}, "c": {"e"}, "d": {"e"}, "e": set()}
    with pytest.raises(exec.MissingKeyError, match="'b' depends on 'zz'"):
        exec.dependencies({"b": Task(inc, Ref("zz"))})


def test_toposort_orders_every_edge_and_detects_cycles():
    g = graph()
    for i in range(20):
        g[("w", i)] = Task(sum, [Ref("e"), Ref(("w", i - 1)) if i else 0])
    order = exec.toposort(g)
    assert sorted(order, key=repr) == sorted(g, key=repr)
    pos = {k: i for i, k in enumerate(order)}
    for k, deps in exec.dependencies(g).items():
        assert all(pos[d] < pos[k] for d in deps)
    with pytest.raises(exec.SqlEngineError, match="cycle"):
        exec.toposort({"x": Task(inc, Ref("y")), "y": Task(inc, Ref("x"))})


def test_cull_structure():
    g = graph()
    g["unused"] = Task(inc, Ref("e"))
    culled = exec.cull(g, ["c", "d"])
    assert culled == {"a": 1, "b": g["b"], "c": g["c"], "d": g["d"]}  # the same Task objects
    assert exec.cull(g, ["a"]) == {"a": 1}
    with pytest.raises(exec.MissingKeyError, match="'c' depends on 'gone'"):
        exec.cull({"c": Task(inc, Ref("gone"))}, ["c"])


def test_fuse_structure():
    # a -> b -> c -> d  (literal x used by c), d feeds e and f: the chain b..d fuses into d
    g = {"a": Task(inc, 0), "x": 10, "b": Task(inc, Ref("a")), "c": Task(add_, Ref("b"), Ref("x")),
         "d": Task(inc, Ref("c")), "e": Task(inc, Ref("d")), "f": Task(inc, Ref("d"))}
    fused = exec.fuse(g, ["e", "f"])
    assert set(fused) == {"x", "d", "e", "f"}
    task = fused["d"]
    members = task.args[0].members
    assert [k for k, _ in members] == ["a", "b", "c", "d"]
    assert [t for _, t in members] == [g["a"], g["b"], g["c"], g["d"]]
    assert task.dependencies == {"x"}
    assert fused["e"] is g["e"] and fused["f"] is g["f"]
    assert "fused[inc -> inc -> add_ -> inc]" in repr(task)
    assert exec.get(fused, ["e", "f"], scheduler="sync") == exec.get(g, ["e", "f"], scheduler="sync") == [14, 14]
    # a fan-in is never fused, a requested key is never absorbed, a graph without chains is unchanged
    fan = {"p": Task(inc, 1), "q": Task(inc, 2), "r": Task(add_, Ref("p"), Ref("q"))}
    assert exec.fuse(fan, ["r"]) == fan
    assert set(exec.fuse(g, ["b", "e", "f"])) == {"x", "b", "d", "e", "f"}


def add_(x, y):
    return x + y


def test_fuse_long_chain_and_results():
    g = {"k0": 0}
    for i in range(1, 3000):
        g[f"k{i}"] = Task(inc, Ref(f"k{i - 1}"))
    fused = exec.fuse(g, ["k2999"])
    assert set(fused) == {"k0", "k2999"} and len(fused["k2999"].args[0].members) == 2999
    assert exec.get(fused, "k2999", scheduler="threads") == 2999


def test_visualize_image_needs_graphviz(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(exec.SqlEngineError, match="Graphviz"):
        exec.visualize(graph(), ["e"], filename=str(tmp_path / "g.png"))
    with pytest.raises(exec.SqlEngineError, match=r"\.jpg"):
        exec.visualize(graph(), ["e"], filename=str(tmp_path / "g.jpg"))
    fused_dot = exec.visualize(exec.fuse(graph(), ["e"]), ["e"])
    assert "fused[inc -> inc]" in fused_dot


def test_config_plain_call_context_manager_and_errors():
    old = exec.config.get("num_workers")
    try:
        exec.config.set(num_workers=3)
        assert exec.config.get("num_workers") == 3
        with exec.config.set(num_workers=1, scheduler="sync"):
            assert exec.config.get("num_workers") == 1 and exec.config.get("scheduler") == "sync"
        assert exec.config.get("num_workers") == 3 and exec.config.get("scheduler") == "threads"
    finally:
        exec.config.set(num_workers=old)
    for bad in (0, -2, "4", 2.5, True):
        with pytest.raises(exec.ConfigError, match="num_workers"):
            exec.config.set(num_workers=bad)
    with pytest.raises(exec.ConfigError, match="unknown configuration key"):
        exec.config.get("nope")


def test_per_call_scheduler_overrides_config():
    import threading

    g = {"t": Task(lambda: threading.current_thread().name)}
    with exec.config.set(scheduler="threads"):
        assert exec.get(g, "t", scheduler="sync") == threading.current_thread().name
        assert exec.get(g, "t") != threading.current_thread().name


def test_register_and_lookup_schedulers():
    calls = []

    def mine(graph, keys):
        calls.append(list(keys))
        return exec.get(graph, keys, scheduler="sync")

    exec.register_scheduler("mine", mine)
    assert exec.get({"a": 1}, "a", scheduler="mine") == 1 and calls == [["a"]]
    assert exec.get_scheduler("threading") is exec.get_scheduler("threads")
    assert exec.get_scheduler("multiprocessing") is exec.get_scheduler("processes")
    assert exec.get_scheduler("single-threaded") is exec.get_scheduler("sync")
    with pytest.raises(exec.SchedulerError) as info:
        exec.get_scheduler("procesess")
    assert "'procesess'" in str(info.value) and "did you mean 'processes'" in str(info.value)
    assert "sync" in str(info.value) and "threads" in str(info.value)
    with pytest.raises(exec.SchedulerError, match="num_workers"):
        exec.get({"a": 1}, "a", num_workers=0)


def test_progress_bar_both_ways():
    import io

    g = {("x", i): Task(inc, i) for i in range(25)}
    out = io.StringIO()
    with exec.ProgressBar(min_time=0, file=out):
        exec.get(g, list(g), scheduler="threads")
    assert "25/25" in out.getvalue()
    out2 = io.StringIO()
    exec.get(g, list(g), scheduler="sync", callbacks=[exec.ProgressBar(min_time=0, file=out2)])
    assert "25/25" in out2.getvalue()
    out3 = io.StringIO()
    exec.get(g, list(g), scheduler="sync")  # no longer active after the with block
    assert out3.getvalue() == ""
