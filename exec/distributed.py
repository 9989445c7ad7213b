"""Running our graphs on an existing Dask ``distributed`` cluster (never a home-made one).

The graph is translated to Dask's task spec (``dask._task_spec``: ``Task``, ``TaskRef``,
``DataNode``), one Dask task per key, and submitted with ``client.get``; older Dask versions get
the legacy tuple format. Literal values are wrapped so that Dask never mistakes a tuple or list
value for a task or a key. Dask and ``distributed`` are imported only here, and only when asked for.
"""

from __future__ import annotations

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


def _run(task: Task, dep_keys: _Opaque, *dep_values: Any) -> Any:
    return task.execute(dict(zip(dep_keys.value, dep_values)))


def _literal(value: _Opaque) -> Any:
    return value.value


def to_dask_graph(graph: dict) -> dict:
    """Our graph as a Dask graph with the same keys."""
    try:
        from dask._task_spec import DataNode, Task as DaskTask, TaskRef
    except ImportError:  # Dask before the task spec (2024.12): tuples
        return _to_legacy_graph(graph)
    out: dict = {}
    for key, value in graph.items():
        if type(value) is Task:
            deps = tuple(value.dependencies)
            out[key] = DaskTask(key, _run, value, _Opaque(deps), *[TaskRef(d) for d in deps])
        else:
            out[key] = DataNode(key, value)
    return out


def _to_legacy_graph(graph: dict) -> dict:
    out: dict = {}
    for key, value in graph.items():
        if type(value) is Task:
            deps = tuple(value.dependencies)
            out[key] = (_run, value, _Opaque(deps), *deps)
        else:
            out[key] = (_literal, _Opaque(value))
    return out


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
            results = self.client.get(to_dask_graph(graph), list(keys), sync=True)
            errored = False
            return results
        finally:
            for cb in callbacks:
                getattr(cb, "finish", _noop)(graph, errored)


def _noop(*args: Any) -> None:
    pass
