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
import queue
import threading
import time
import weakref
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


TOPIC = "sqlengine-tasks"  # the cluster's event topic watched tasks report on


def _run_reported(report: _Opaque, task: _Opaque, dep_keys: _Opaque, *dep_values: Any) -> Any:
    """Run a watched task on its worker and report its result's rows and bytes, its run time and
    the bytes its operators spilled (``exec.memory``, by operator name) as an event on ``TOPIC``:
    a small message on the worker's stream to the scheduler, passed on to the watching client."""
    from exec import memory
    from exec.store import sizeof

    prefix, index, key = report.value
    before = memory.spilled_by_operator()
    memory.task_started(key)  # spills are counted under the operator (a fused chain names each member)
    t0 = time.perf_counter()
    value = _run(task, dep_keys, *dep_values)
    elapsed = time.perf_counter() - t0
    after = memory.spilled_by_operator()
    spilled = {name: n - before.get(name, 0) for name, n in after.items() if n != before.get(name, 0)}
    rows = getattr(value, "num_rows", None)
    try:
        from distributed import get_worker

        get_worker().log_event(TOPIC, [prefix, index, rows if isinstance(rows, int) else None, int(sizeof(value)),
                                       elapsed, spilled])
    except Exception:  # not on a worker, or the event cannot be sent: the watcher falls back to the log
        pass
    return value


class Measured:
    """What a watching callback's ``posttask`` gets for a task run on the cluster: the result's
    ``num_rows`` and ``nbytes`` measured there, not the result, and ``spilled`` (operator name ->
    bytes its operators wrote to disk while it ran)."""

    __slots__ = ("num_rows", "nbytes", "spilled")

    def __init__(self, num_rows: int | None, nbytes: int, spilled: dict | None = None):
        self.num_rows = num_rows
        self.nbytes = nbytes
        self.spilled = spilled or {}


class _Reports:
    """Per ``distributed.Client``: one subscription to ``TOPIC``, routing each event to the queue of
    the computation (by its key prefix) that waits for it. The handler runs on the client's event
    loop, so it only files the event; the callbacks run in the thread that called ``get``."""

    _by_client: "weakref.WeakKeyDictionary[Any, _Reports]" = weakref.WeakKeyDictionary()
    _lock = threading.Lock()

    def __init__(self, client: Any):
        self.queues: dict[str, queue.SimpleQueue] = {}
        client.subscribe_topic(TOPIC, self._route)

    @classmethod
    def of(cls, client: Any) -> "_Reports":
        with cls._lock:
            reports = cls._by_client.get(client)
            if reports is None:
                reports = cls._by_client[client] = cls(client)
            return reports

    def _route(self, event: tuple) -> None:
        msg = event[1]
        q = self.queues.get(msg[0])
        if q is not None:
            q.put(msg)


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
        ``remote_tasks = True`` (a progress bar, the query log), as each task finishes on the
        cluster, with a ``Measured`` (rows and bytes of the result and spilled bytes, measured on
        its worker) in place of the result: watching costs one small event message per task."""
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
        """Each task wrapped to report itself (``_run_reported``): as the reports arrive, each
        watcher's ``posttask`` is called here. A report the stream has not brought by the time
        every result is ready is read from the scheduler's log of the topic."""
        from dask._task_spec import Task as DaskTask

        dgraph = to_dask_graph(graph, rename)
        tasks = [k for k, v in graph.items() if type(v) is Task]
        prefix = rename.prefix
        for i, k in enumerate(tasks):
            new = rename(k)
            dgraph[new] = DaskTask(new, _run_reported, _Opaque((prefix, i, k)), *dgraph[new].args)
        reports = _Reports.of(self.client)
        inbox = reports.queues[prefix] = queue.SimpleQueue()
        seen: set[int] = set()

        def report(msg: list) -> None:
            index = msg[1]
            if index in seen or not 0 <= index < len(tasks):
                return
            seen.add(index)
            measured = Measured(msg[2], msg[3], msg[5])
            for posttask in watchers:
                posttask(tasks[index], measured, msg[4])

        try:
            futures = self.client.get(dgraph, [rename(k) for k in keys], sync=False)
            while len(seen) < len(tasks):
                try:
                    report(inbox.get(timeout=0.05))
                except queue.Empty:
                    if all(f.done() for f in futures):
                        break
            if len(seen) < len(tasks) and not any(f.status == "error" for f in futures):
                for _, msg in self.client.get_events(TOPIC):
                    if msg[0] == prefix:
                        report(msg)
            while True:  # reports that came in meanwhile
                try:
                    report(inbox.get_nowait())
                except queue.Empty:
                    break
        finally:
            reports.queues.pop(prefix, None)
        return self.client.gather(futures)


def _noop(*args: Any) -> None:
    pass
