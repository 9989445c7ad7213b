"""``delayed``: custom Python code as lazy tasks in the same graphs as the collections.

``delayed(func)(*args)`` records a call without running it; arguments may be other Delayed objects
(also inside lists, tuples and dicts), and attribute access, indexing, method calls and operators on
a Delayed give new Delayed objects. Building a call is O(1): each Delayed stores its own task and its
direct dependencies, and the graph is collected once, iteratively, at compute time.
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import uuid
from typing import Any, Callable

from exec import Ref, Task
from frames.base import Lazy, Remote

# Keys are "<name>-<session>-<counter>": unique within and across processes, and O(1) to make.
_counter = itertools.count()
_session = uuid.uuid4().hex[:8]
_ATOMIC = frozenset({int, float, str, bytes, bool, complex, type(None), slice})


def _new_key(name: str) -> str:
    return f"{name}-{_session}-{next(_counter)}"


def _pure_key(name: str, func: Callable, args: list, kwargs: dict) -> str:
    """A key from the call's content, so equal pure calls share one task; a counter key when the
    call cannot be pickled (nothing is shared then, which is always correct)."""
    import cloudpickle

    try:
        data = cloudpickle.dumps((func, args, kwargs), protocol=5)
    except Exception:
        return _new_key(name)
    return f"{name}-{hashlib.md5(data, usedforsecurity=False).hexdigest()[:20]}"


def _unpack(obj: Any, deps: list) -> Any:
    """Replace Delayed objects inside ``obj`` by Refs, collecting them in ``deps``."""
    t = type(obj)
    if t in _ATOMIC:
        return obj
    if isinstance(obj, Delayed):
        deps.append(obj)
        return Ref(obj._key)
    if t is list:
        return [_unpack(x, deps) for x in obj]
    if t is tuple:
        return tuple(_unpack(x, deps) for x in obj)
    if t is dict:
        return {k: _unpack(v, deps) for k, v in obj.items()}
    if isinstance(obj, Remote):  # a Client's Future: its value, given to the task where it runs
        deps.append(obj)
        return Ref(obj.key)
    if isinstance(obj, Lazy):
        raise TypeError("pass collections to delayed functions via .to_delayed() or compute them first")
    return obj


def _graphs(delayeds) -> tuple[dict, list[list]]:
    """One graph for several Delayed objects (``frames.compute(*values)``), each task once; the
    collections they read (an array's blocks: ``Array.to_delayed``) are asked for their graphs
    once each, not once per value."""
    graph: dict = {}
    others: dict[int, Any] = {}
    stack = list(delayeds)
    while stack:
        d = stack.pop()
        if d._key in graph:
            continue
        graph[d._key] = d._task
        for x in d._deps:
            if not isinstance(x, Delayed):
                others[id(x)] = x
            elif x._key not in graph:
                stack.append(x)
    for obj in others.values():
        g, _ = obj._build_graph()
        graph.update(g)
    return graph, [[d._key] for d in delayeds]


class Delayed(Lazy):
    """A lazy value: the result of a recorded call."""

    __slots__ = ("_key", "_task", "_deps", "_length")

    def __init__(self, key: str, task: Any, deps: tuple = (), length: int | None = None):
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_task", task)
        object.__setattr__(self, "_deps", deps)
        object.__setattr__(self, "_length", length)

    @property
    def key(self) -> str:
        return self._key

    def _build_graph(self):
        graph, (keys,) = _graphs([self])
        return graph, keys

    @staticmethod
    def _graph_group(objs):
        return _graphs(objs)

    def _finalize(self, results):
        return results[0]

    def _rebuild(self, results):
        return Delayed(self._key, results[0], (), self._length)

    def __repr__(self) -> str:
        return f"Delayed({self._key!r})"

    def __reduce__(self):  # immutable (no __setattr__): pickled through the constructor
        return (Delayed, (self._key, self._task, self._deps, self._length))

    def __getattr__(self, name: str) -> "Delayed":
        if name.startswith("_"):  # private and protocol probes (IPython, pickle, copy) are not calls
            raise AttributeError(f"Delayed has no attribute {name!r}")
        return _call(getattr, (self, name), {}, "getattr")

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("Delayed objects are immutable")

    def __call__(self, *args: Any, **kwargs: Any) -> "Delayed":
        return _call(_apply, (self, list(args), kwargs), {}, "call")

    def __getitem__(self, index: Any) -> "Delayed":
        return _call(operator.getitem, (self, index), {}, "getitem")

    def __iter__(self):
        if self._length is None:
            raise TypeError("a Delayed of unknown length cannot be iterated; pass nout= to delayed")
        return iter(self[i] for i in range(self._length))

    def __len__(self) -> int:
        if self._length is None:
            raise TypeError("a Delayed of unknown length has no len(); pass nout= to delayed")
        return self._length

    def __bool__(self) -> bool:
        raise TypeError("the truth value of a Delayed is not known until it is computed")

    __hash__ = object.__hash__


def _apply(func: Callable, args: list, kwargs: dict) -> Any:
    return func(*args, **kwargs)


def _call(func: Callable, args: tuple, kwargs: dict, name: str, key: str | None = None, nout: int | None = None,
          pure: bool = False) -> Delayed:
    deps: list = []
    task_args = [a if type(a) in _ATOMIC else _unpack(a, deps) for a in args]
    task_kwargs = {k: _unpack(v, deps) for k, v in kwargs.items()} if kwargs else kwargs
    task = Task(func, *task_args, **task_kwargs)
    if key is None:
        key = _pure_key(name, func, task_args, task_kwargs) if pure else _new_key(name)
    return Delayed(key, task, tuple(deps), nout)


def _binop(op: Callable, reflected: bool = False):
    def method(self: Delayed, other: Any) -> Delayed:
        args = (other, self) if reflected else (self, other)
        return _call(op, args, {}, op.__name__)

    return method


for _name, _op in [("add", operator.add), ("sub", operator.sub), ("mul", operator.mul), ("truediv", operator.truediv),
                   ("floordiv", operator.floordiv), ("mod", operator.mod), ("pow", operator.pow), ("and", operator.and_),
                   ("or", operator.or_), ("xor", operator.xor), ("lt", operator.lt), ("le", operator.le),
                   ("gt", operator.gt), ("ge", operator.ge), ("eq", operator.eq), ("ne", operator.ne)]:
    setattr(Delayed, f"__{_name}__", _binop(_op))
    if _name not in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(Delayed, f"__r{_name}__", _binop(_op, reflected=True))
Delayed.__neg__ = lambda self: _call(operator.neg, (self,), {}, "neg")  # type: ignore[attr-defined]
Delayed.__abs__ = lambda self: _call(operator.abs, (self,), {}, "abs")  # type: ignore[attr-defined]
Delayed.__invert__ = lambda self: _call(operator.invert, (self,), {}, "invert")  # type: ignore[attr-defined]


class DelayedFunction:
    """What ``delayed(func)`` returns: calling it records a task."""

    def __init__(self, func: Callable, name: str | None = None, pure: bool = False, nout: int | None = None):
        if nout is not None and (not isinstance(nout, int) or nout < 0):
            raise TypeError(f"nout must be None or a non-negative integer, not {nout!r}")
        self.func = func
        self.name = name or getattr(func, "__name__", None) or type(func).__name__
        self.pure = pure
        self.nout = nout

    def __call__(self, *args: Any, dask_key_name: str | None = None, **kwargs: Any) -> Delayed:
        """Record ``func(*args, **kwargs)``; ``dask_key_name=`` sets the key explicitly."""
        return _call(self.func, args, kwargs, self.name, key=dask_key_name, nout=self.nout, pure=self.pure)

    def __repr__(self) -> str:
        return f"delayed({self.name})"


def delayed(obj: Any = None, *, name: str | None = None, pure: bool = False, nout: int | None = None, traverse: bool = True):
    """Wrap a function (decorator or call form) or a value.

    ``delayed(f)(x)`` / ``@delayed def f`` record calls; ``delayed(value)`` makes a lazy constant
    (Delayed objects nested inside it become dependencies).
    """
    if obj is None:
        return lambda f: delayed(f, name=name, pure=pure, nout=nout)
    if isinstance(obj, Delayed):
        return obj
    if callable(obj) and not isinstance(obj, type):
        return DelayedFunction(obj, name=name, pure=pure, nout=nout)
    deps: list = []
    value = _unpack(obj, deps) if traverse else obj
    task = Task(_identity, value) if deps else value
    return Delayed(name or _new_key(type(obj).__name__), task, tuple(deps), nout)


def _identity(x: Any) -> Any:
    return x


def delayed_partitions(obj: Lazy, optimize_graph: bool = True) -> list:
    """Delayed objects over the output keys of collection ``obj`` (its ``to_delayed``): every task
    of its graph becomes a Delayed whose dependencies are the Delayed objects of the keys it reads."""
    import exec as _exec

    graph, keys = obj._build_graph()
    graph = _exec.cull(graph, keys)
    if optimize_graph:
        graph = _exec.fuse(graph, keys)
    made: dict = {}
    for key in _exec.toposort(graph):
        task = graph[key]
        deps = tuple(made[d] for d in task.dependencies) if type(task) is Task else ()
        made[key] = Delayed(key, task, deps)
    return [made[k] for k in keys]
