"""The one scheduling loop every local scheduler shares.

``get_async(submit, num_workers, graph, keys)`` walks the graph: it hands ready tasks to
``submit(fn, *args) -> Future`` (inline for "sync", a thread pool, or the process pool), collects
their results, releases every intermediate result as soon as its last user has run, and reports to
callbacks. When many tiny tasks are ready at once they go out in batches, so per-task overhead stays
in the microseconds; heavy tasks go out one by one so workers stay balanced.
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from concurrent.futures import Future
from typing import Any, Callable, Hashable, Iterable, Sequence

from exec.errors import SqlEngineError
from exec.graph import Task

Key = Hashable
_worker_state = threading.local()


class TaskError(SqlEngineError):
    """A task failed with an exception that could not be brought back as itself."""


class WorkerDiedError(SqlEngineError):
    """A worker process exited while running tasks."""


def in_worker() -> bool:
    """True inside a task run by a pool thread (a nested compute there must not wait on the pool)."""
    return getattr(_worker_state, "active", False)


def run_batch(batch: Sequence[tuple[Key, Task, dict]]) -> list[tuple]:
    """Run tasks in order; stop at the first failure. Returns (key, ok, value, traceback, elapsed)."""
    out = []
    _worker_state.active = True
    try:
        for key, task, data in batch:
            t0 = time.perf_counter()
            try:
                value = task.execute(data)
            except Exception as exc:  # reported to the caller with its original type
                out.append((key, False, exc, traceback.format_exc(), time.perf_counter() - t0))
                break
            out.append((key, True, value, None, time.perf_counter() - t0))
    finally:
        _worker_state.active = False
    return out


def _raise_task_failure(key: Key, task: Any, exc: BaseException, tb: str | None, remote: bool) -> None:
    name = task.name if isinstance(task, Task) else repr(task)
    if isinstance(exc, BaseException):
        exc.add_note(f"while running task {key!r} ({name})")
        if remote and tb:
            exc.add_note("remote traceback:\n" + tb.rstrip())
        raise exc
    raise TaskError(f"task {key!r} ({name}) failed: {exc}")  # pragma: no cover


def get_async(
    submit: Callable[..., Future],
    num_workers: int,
    graph: dict,
    keys: Sequence[Key],
    *,
    callbacks: Iterable[Any] = (),
    remote: bool = False,
    on_interrupt: Callable[[], None] | None = None,
) -> list[Any]:
    """Compute ``keys`` of ``graph``; returns their results in order."""
    callbacks = list(callbacks)
    for k in keys:
        if k not in graph:
            from exec.graph import MissingKeyError

            raise MissingKeyError(f"requested key {k!r} is not in the graph")
    results: dict[Key, Any] = {}
    remaining: dict[Key, int] = {}
    users: dict[Key, list[Key]] = {}
    need: dict[Key, int] = {}
    ready: list[Key] = []
    for key, value in graph.items():
        users.setdefault(key, [])
        if type(value) is Task:
            deps = value.dependencies
            for d in deps:
                if d not in graph:
                    from exec.graph import MissingKeyError

                    raise MissingKeyError(f"task {key!r} depends on {d!r}, which is not in the graph")
                users.setdefault(d, []).append(key)
            waiting = sum(1 for d in deps if type(graph[d]) is Task)  # literal values are ready
            remaining[key] = waiting
            if not waiting:
                ready.append(key)
        else:
            results[key] = value
    for key in graph:
        need[key] = len(users[key])
    for k in keys:
        need[k] = need.get(k, 0) + 1
    ready.reverse()  # pop() from the end: the first partitions run first

    for cb in callbacks:
        getattr(cb, "start", _noop)(graph)
    done_queue: queue.SimpleQueue = queue.SimpleQueue()
    pending: set[Future] = set()  # not yet collected; collected futures are dropped to free results
    inflight = 0
    max_inflight = max(1, num_workers) * 2
    avg_elapsed = 0.0
    errored = True
    pretasks = [cb.pretask for cb in callbacks if hasattr(cb, "pretask")]
    posttasks = [cb.posttask for cb in callbacks if hasattr(cb, "posttask")]
    try:
        while True:
            while ready and inflight < max_inflight:
                n = len(ready)
                size = 1
                if n > 4 * num_workers and avg_elapsed < 1e-3:
                    size = min(n // (4 * max(num_workers, 1)), 256)
                batch = []
                for _ in range(size):
                    k = ready.pop()
                    task = graph[k]
                    batch.append((k, task, {d: results[d] for d in task.dependencies}))
                    for cb in pretasks:
                        cb(k)
                fut = submit(run_batch, batch)
                fut.add_done_callback(done_queue.put)
                pending.add(fut)
                batch = []  # the worker holds it now
                inflight += 1
            if inflight == 0:
                break
            while True:
                try:
                    fut = done_queue.get(timeout=0.2)  # a timeout keeps Ctrl-C responsive
                    break
                except queue.Empty:
                    continue
            inflight -= 1
            pending.discard(fut)
            outcomes = fut.result()
            del fut
            for key, ok, value, tb, elapsed in outcomes:
                if not ok:
                    _raise_task_failure(key, graph[key], value, tb, remote)
                avg_elapsed = 0.9 * avg_elapsed + 0.1 * elapsed
                results[key] = value
                for cb in posttasks:
                    cb(key, value, elapsed)
                for d in graph[key].dependencies:
                    need[d] -= 1
                    if need[d] == 0:
                        results.pop(d, None)
                for u in users[key]:
                    remaining[u] -= 1
                    if remaining[u] == 0:
                        ready.append(u)
            del outcomes, value
        errored = False
        return [results[k] for k in keys]
    except KeyboardInterrupt:
        for f in pending:
            f.cancel()
        if on_interrupt is not None:
            on_interrupt()
        raise
    except BaseException:
        for f in pending:
            f.cancel()
        raise
    finally:
        for cb in callbacks:
            getattr(cb, "finish", _noop2)(graph, errored)


def _noop(*args: Any) -> None:
    pass


def _noop2(*args: Any) -> None:
    pass
