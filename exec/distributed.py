"""Running our graphs on an existing Dask ``distributed`` cluster (never a home-made one).

The graph is translated to Dask's task format, one task per key, and submitted with
``client.get``; ``distributed`` is imported only here and only when asked for.
"""

from __future__ import annotations

from typing import Any, Sequence

from exec.errors import SchedulerError
from exec.graph import Task


class _Keys:
    """Dependency keys carried opaquely (Dask would otherwise substitute tuples that look like keys)."""

    def __init__(self, keys: tuple):
        self.keys = keys


def _run(task: Task, dep_keys: _Keys, dep_values: list) -> Any:
    return task.execute(dict(zip(dep_keys.keys, dep_values)))


def to_dask_graph(graph: dict) -> dict:
    out = {}
    for key, value in graph.items():
        if type(value) is Task:
            deps = tuple(value.dependencies)
            out[key] = (_run, value, _Keys(deps), list(deps))
        else:
            out[key] = value
    return out


class DistributedScheduler:
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
        return self.client.get(to_dask_graph(graph), list(keys), sync=True)
