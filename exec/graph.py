"""Task graphs: plain dicts of key -> ``Task`` (or a literal value), inspectable and rewritable.

A ``Task`` is a callable with arguments; ``Ref(key)`` inside the arguments (also nested in lists,
tuples and dicts) stands for the result of another key. The graph functions here are pure: ``cull``
keeps what requested keys need, ``fuse`` merges linear chains into one task so a chain of
partition-wise steps costs one scheduling round-trip, ``toposort`` orders keys.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, Mapping

from exec.errors import InternalError, SqlEngineError
from exec.memory import task_started

Key = Hashable


class MissingKeyError(InternalError, KeyError):
    """A task refers to a key that the graph does not have."""

    def __str__(self) -> str:
        return self.args[0]


class Ref:
    """A placeholder for the result of ``key`` inside a Task's arguments."""

    __slots__ = ("key",)

    def __init__(self, key: Key):
        self.key = key

    def __eq__(self, other: object) -> bool:
        return type(other) is Ref and other.key == self.key

    def __hash__(self) -> int:
        return hash(("Ref", self.key))

    def __repr__(self) -> str:
        return f"Ref({self.key!r})"

    def __reduce__(self):
        return (Ref, (self.key,))


def _collect(obj: Any, out: set) -> bool:
    """Add the keys of Refs anywhere inside ``obj`` to ``out``; True if there was any."""
    t = type(obj)
    if t is Ref:
        out.add(obj.key)
        return True
    found = False
    if t is list or t is tuple:
        for item in obj:
            ti = type(item)
            if ti is Ref:
                out.add(item.key)
                found = True
            elif (ti is list or ti is tuple or ti is dict) and _collect(item, out):
                found = True
    elif t is dict:
        for item in obj.values():
            if _collect(item, out):
                found = True
    return found


def substitute(obj: Any, data: Mapping[Key, Any]) -> Any:
    """``obj`` with every Ref replaced by its value in ``data`` (containers are rebuilt)."""
    t = type(obj)
    if t is Ref:
        return data[obj.key]
    if t is list:  # the common fan-in: a list of thousands of Refs, one pass without recursion
        return [data[x.key] if type(x) is Ref else substitute(x, data) if type(x) in _CONTAINERS else x for x in obj]
    if t is tuple:
        return tuple([data[x.key] if type(x) is Ref else substitute(x, data) if type(x) in _CONTAINERS else x for x in obj])
    if t is dict:
        return {k: substitute(v, data) for k, v in obj.items()}
    return obj


_CONTAINERS = (list, tuple, dict)


class Task:
    """``func(*args, **kwargs)`` where Refs in the arguments are other keys' results.

    ``dependencies`` (the keys of all Refs, also inside lists, tuples and dicts) is computed once
    here; ``execute(data)`` substitutes and calls.
    """

    __slots__ = ("func", "args", "kwargs", "dependencies", "_deep", "_kwrefs")

    def __init__(self, func: Callable, *args: Any, **kwargs: Any):
        if not callable(func):
            raise TypeError(f"a Task needs a callable, not {type(func).__name__}")
        self.func = func
        self.args = args
        self.kwargs = kwargs
        deps: set = set()
        deep = False
        for a in args:
            ta = type(a)
            if ta is Ref:
                deps.add(a.key)
            elif (ta is list or ta is tuple or ta is dict) and _collect(a, deps):
                deep = True
        kwrefs = False
        if kwargs:
            for v in kwargs.values():
                if _collect(v, deps):
                    kwrefs = True
        self.dependencies = frozenset(deps)
        self._deep = deep
        self._kwrefs = kwrefs

    def execute(self, data: Mapping[Key, Any]) -> Any:
        """Run with dependency results taken from ``data`` (a mapping with at least those keys)."""
        if not self.dependencies:
            return self.func(*self.args, **self.kwargs)
        if self._deep:
            args = [substitute(a, data) for a in self.args]
        else:
            args = [data[a.key] if type(a) is Ref else a for a in self.args]
        kwargs = substitute(self.kwargs, data) if self._kwrefs else self.kwargs
        return self.func(*args, **kwargs)

    @property
    def name(self) -> str:
        if self.func is _fused_call:
            return self.args[0].name
        return getattr(self.func, "__qualname__", None) or getattr(self.func, "__name__", None) or type(self.func).__name__

    def __repr__(self) -> str:
        def short(a: Any) -> str:
            r = repr(a)
            return r if len(r) <= 40 else r[:37] + "..."

        parts = [short(a) for a in self.args] + [f"{k}={short(v)}" for k, v in self.kwargs.items()]
        return f"Task({self.name}({', '.join(parts)}))"

    def __reduce__(self):
        return (_make_task, (self.func, self.args, self.kwargs))


def _make_task(func, args, kwargs):
    return Task(func, *args, **kwargs)


def is_task(value: Any) -> bool:
    return type(value) is Task


def dependencies(graph: Mapping[Key, Any]) -> dict[Key, frozenset]:
    """Every key's dependencies; a Ref to a key the graph lacks raises MissingKeyError."""
    out = {}
    for key, value in graph.items():
        deps = value.dependencies if type(value) is Task else frozenset()
        for d in deps:
            if d not in graph:
                raise MissingKeyError(f"task {key!r} depends on {d!r}, which is not in the graph")
        out[key] = deps
    return out


def dependents(graph: Mapping[Key, Any]) -> dict[Key, set]:
    out: dict[Key, set] = {k: set() for k in graph}
    for key, deps in dependencies(graph).items():
        for d in deps:
            out[d].add(key)
    return out


def toposort(graph: Mapping[Key, Any]) -> list[Key]:
    """Keys ordered so that every key comes after its dependencies."""
    deps = dependencies(graph)
    remaining = {k: len(d) for k, d in deps.items()}
    users = dependents(graph)
    ready = [k for k, n in remaining.items() if n == 0]
    order = []
    while ready:
        k = ready.pop()
        order.append(k)
        for u in users[k]:
            remaining[u] -= 1
            if remaining[u] == 0:
                ready.append(u)
    if len(order) != len(graph):
        raise SqlEngineError("the task graph has a cycle")
    return order


def _check_keys(graph: Mapping[Key, Any], keys: Iterable[Key]) -> list[Key]:
    keys = list(keys)
    for k in keys:
        if k not in graph:
            raise MissingKeyError(f"requested key {k!r} is not in the graph")
    return keys


def cull(graph: Mapping[Key, Any], keys: Iterable[Key]) -> dict[Key, Any]:
    """Only the tasks that ``keys`` need, transitively."""
    stack = _check_keys(graph, keys)
    out: dict[Key, Any] = {}
    while stack:
        k = stack.pop()
        if k in out:
            continue
        value = graph[k]
        out[k] = value
        if type(value) is Task:
            for d in value.dependencies:
                if d not in graph:
                    raise MissingKeyError(f"task {k!r} depends on {d!r}, which is not in the graph")
                if d not in out:
                    stack.append(d)
    return out


class FusedTask:
    """The callable of a fused chain: runs the member tasks in order, each feeding the next.

    ``members`` is ``[(key, task), ...]`` from first to last; the first may have outside
    dependencies, each later one depends on its predecessor (and possibly outside keys).
    """

    __slots__ = ("members",)

    def __init__(self, members: list[tuple[Key, Task]]):
        self.members = members

    def __call__(self, data: dict) -> Any:
        local = dict(data)
        result = previous = None
        for key, task in self.members:
            task_started(key)  # an operator's spills are counted under its own member's name
            result = task.execute(local)
            if previous is not None:
                # a member's result has one user, the next member: drop it now, so a chain of
                # table operations holds two tables at a time, not all of them (TPC-H q1: the
                # decoded, filtered and projected copies of each 1M-row partition were all alive)
                del local[previous]
            local[key] = result
            previous = key
        return result

    @property
    def name(self) -> str:
        return "fused[" + " -> ".join(t.name for _, t in self.members) + "]"

    def __repr__(self) -> str:
        return self.name


def _fused_call(fused: FusedTask, keys: tuple, *values: Any) -> Any:
    return fused(dict(zip(keys, values)))


def fuse(graph: Mapping[Key, Any], keys: Iterable[Key]) -> dict[Key, Any]:
    """Merge linear chains into single tasks keyed by the chain's last key.

    The edge ``d -> u`` is fused when ``d`` is a task that is not requested and whose only user is
    ``u``, and ``d`` is ``u``'s only task dependency (literal dependencies do not count). Each key
    then has at most one fused edge in and one out, so the fused edges form disjoint chains. The
    fused task's callable is a ``FusedTask`` listing its members, so the result stays inspectable.
    """
    requested = set(_check_keys(graph, keys))
    nusers = dict.fromkeys(graph, 0)
    single: dict[Key, Key] = {}  # task -> its only task dependency
    for u, value in graph.items():
        if type(value) is not Task:
            continue
        only, count = None, 0
        for d in value.dependencies:
            if d not in nusers:
                raise MissingKeyError(f"task {u!r} depends on {d!r}, which is not in the graph")
            nusers[d] += 1
            if type(graph[d]) is Task:
                only, count = d, count + 1
        if count == 1:
            single[u] = only
    up = {u: d for u, d in single.items() if nusers[d] == 1 and d not in requested}
    if not up:  # nothing to fuse
        return dict(graph)
    absorbed = set(up.values())
    out: dict[Key, Any] = {}
    for key, value in graph.items():
        if key in absorbed:
            continue
        if key not in up:
            out[key] = value
            continue
        chain = [key]
        while chain[-1] in up:
            chain.append(up[chain[-1]])
        chain.reverse()
        members = [(k, graph[k]) for k in chain]
        inside = set(chain)
        outside = sorted({d for k in chain for d in graph[k].dependencies if d not in inside}, key=repr)
        out[key] = Task(_fused_call, FusedTask(members), tuple(outside), *[Ref(d) for d in outside])
    return out
