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
import time
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


_elapsed: dict = {}  # in a worker: seconds each watched task took, until its measuring task reads them


def _run_timed(key: _Opaque, task: _Opaque, dep_keys: _Opaque, *dep_values: Any) -> Any:
    t0 = time.perf_counter()
    value = _run(task, dep_keys, *dep_values)
    _elapsed[key.value] = time.perf_counter() - t0
    return value


def _measure(key: _Opaque, value: Any) -> tuple:
    """On the worker holding a watched task's result: its rows, bytes and run time (the time is
    known when the measuring task runs where the result was made, as Dask places it nearly always)."""
    from exec.store import sizeof

    rows = getattr(value, "num_rows", None)
    return (rows if isinstance(rows, int) else None, sizeof(value), _elapsed.pop(key.value, 0.0))


class Measured:
    """What a watching callback's ``posttask`` gets for a task run on the cluster: the result's
    ``num_rows`` and ``nbytes`` measured there, not the result."""

    __slots__ = ("num_rows", "nbytes")

    def __init__(self, num_rows: int | None, nbytes: int):
        self.num_rows = num_rows
        self.nbytes = nbytes


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
        """``start`` and ``finish`` callbacks are called; ``posttask`` only of callbacks that set
        ``remote_tasks = True`` (a progress bar, EXPLAIN ANALYZE), as each task finishes on the
        cluster, with a ``Measured`` (rows and bytes of the result, measured on its worker) in
        place of the result: watching costs one small extra task per task."""
        for cb in callbacks:
            getattr(cb, "start", _noop)(graph)
        errored = True
        try:
            rename = _Prefixed()
            watchers = [cb.posttask for cb in callbacks if getattr(cb, "remote_tasks", False) and hasattr(cb, "posttask")]
            if watchers:
                results = self._get_watched(graph, keys, rename, watchers)
            else:
                results = self.client.get(to_dask_graph(graph, rename), [rename(k) for k in keys], sync=True)
            errored = False
            return results
        finally:
            for cb in callbacks:
                getattr(cb, "finish", _noop)(graph, errored)

    def _get_watched(self, graph: dict, keys: Sequence, rename: "_Prefixed", watchers: list) -> list:
        from dask._task_spec import Task as DaskTask, TaskRef
        from distributed import as_completed

        dgraph = to_dask_graph(graph, rename)
        tasks = [k for k, v in graph.items() if type(v) is Task]
        measure_keys = []
        for k in tasks:
            new = rename(k)
            old = dgraph[new]
            dgraph[new] = DaskTask(new, _run_timed, _Opaque(new), *old.args)
            mk = (rename.prefix + "-measure", k)
            dgraph[mk] = DaskTask(mk, _measure, _Opaque(new), TaskRef(new))
            measure_keys.append(mk)
        futures = self.client.get(dgraph, [rename(k) for k in keys] + measure_keys, sync=False)
        results, measures = futures[: len(keys)], futures[len(keys):]
        task_of = {f.key: k for f, k in zip(measures, tasks)}
        for fut in as_completed(measures, loop=self.client.loop):
            rows, nbytes, elapsed = fut.result()
            for posttask in watchers:
                posttask(task_of[fut.key], Measured(rows, nbytes), elapsed)
        return self.client.gather(results)


def _noop(*args: Any) -> None:
    pass
