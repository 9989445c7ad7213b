"""Running our graphs on an existing Dask ``distributed`` cluster (never a home-made one).

The graph is translated to Dask's task spec (``dask._task_spec``: ``Task``, ``TaskRef``,
``DataNode``), one Dask task per key, and submitted with ``client.get``; older Dask versions get
the legacy tuple format. A literal ``distributed.Future`` stands for its value on the cluster
(a task returning it: the value never passes through this process). Literal values are wrapped so that Dask never mistakes a tuple or list
value for a task or a key. Dask and ``distributed`` are imported only here, and only when asked for.

Every ``get`` submits its keys under a prefix of its own (``(prefix, key)``): the same key may
name a task in one computation and its result in the next (``persist`` keeps ``(name, i)`` ->
block, and later graphs hold the block as a literal). A cluster that still remembers the key
from the first submission keeps the *old* task (Dask warns "Detected different run_spec") and
runs it again, or waits on dependencies that are gone; fresh keys per call cannot collide.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Sequence

from exec.errors import SchedulerError
from exec.graph import Task


class _Opaque:
    """A value Dask must pass through untouched (key tuples would otherwise be substituted)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __reduce__(self):
        return (_Opaque, (self.value,))

    def __dask_tokenize__(self) -> tuple:
        # our keys are explicit, so no token is needed: a task whose callable Dask cannot hash
        # deterministically (a bound method of a collection, kept in a Client's compute) is fine
        return ("sqlengine-opaque", id(self))


def _run(task: _Opaque, dep_keys: _Opaque, *dep_values: Any) -> Any:
    return task.value.execute(dict(zip(dep_keys.value, dep_values)))


def _literal(value: _Opaque) -> Any:
    return value.value


_calls = itertools.count()


def _identity(key: Any) -> Any:
    return key


def to_dask_graph(graph: dict, rename: Any = _identity) -> dict:
    """Our graph as a Dask graph whose keys are ``rename(key)`` (the same keys by default)."""
    try:
        from dask._task_spec import DataNode, Task as DaskTask, TaskRef
    except ImportError:  # Dask before the task spec (2024.12): tuples
        return _to_legacy_graph(graph, rename)
    out: dict = {}
    for key, value in graph.items():
        new = rename(key)
        if type(value) is Task:
            deps = tuple(value.dependencies)
            out[new] = DaskTask(new, _run, _Opaque(value), _Opaque(deps), *[TaskRef(rename(d)) for d in deps])
        elif isinstance(value, TaskRef):  # a distributed.Future: the cluster's own value of it
            out[new] = DaskTask(new, _identity, value)
        else:
            out[new] = DataNode(new, value)
    return out


def _to_legacy_graph(graph: dict, rename: Any = _identity) -> dict:
    out: dict = {}
    for key, value in graph.items():
        if type(value) is Task:
            deps = tuple(value.dependencies)
            out[rename(key)] = (_run, _Opaque(value), _Opaque(deps), *[rename(d) for d in deps])
        else:
            out[rename(key)] = (_literal, _Opaque(value))
    return out


class _Prefixed:
    """``key -> (prefix, key)``: one computation's keys, distinct from every other's."""

    __slots__ = ("prefix",)

    def __init__(self) -> None:
        self.prefix = f"sqlengine-{os.getpid()}-{next(_calls)}"

    def __call__(self, key: Any) -> tuple:
        return (self.prefix, key)


class DistributedScheduler:
    """The ``get`` protocol over a ``distributed.Client`` (the default client when none is given)."""

    name = "distributed"

    def __init__(self, client: Any):
        if client is None:
            try:
                from distributed import get_client
            except ImportError:
                raise SchedulerError("the 'distributed' scheduler needs the distributed package: pip install 'sqlengine[distributed]'") from None
            try:
                client = get_client()
            except ValueError:
                raise SchedulerError("no distributed.Client is running; create one (distributed.Client(...)) or pass it as scheduler=") from None
        self.client = client

    def get(self, graph: dict, keys: Sequence, num_workers: int | None = None, callbacks=()) -> list:
        """Only ``start`` and ``finish`` callbacks are called: tasks run on the cluster's workers."""
        for cb in callbacks:
            getattr(cb, "start", _noop)(graph)
        errored = True
        try:
            rename = _Prefixed()
            results = self.client.get(to_dask_graph(graph, rename), [rename(k) for k in keys], sync=True)
            errored = False
            return results
        finally:
            for cb in callbacks:
                getattr(cb, "finish", _noop)(graph, errored)


def _noop(*args: Any) -> None:
    pass
