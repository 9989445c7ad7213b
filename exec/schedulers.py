"""Schedulers by name: "sync", "threads" and "processes", each a thin wrapper that hands the shared
loop (``exec.core.get_async``) an executor's ``submit``; plus a registry for others (a
``distributed.Client`` is accepted directly).

Pools belong to scheduler objects created on first use and shut down at exit (``exec.shutdown()``),
so the second computation reuses warm workers.
"""

from __future__ import annotations

import atexit
import difflib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Sequence

from exec import config
from exec.callbacks import active_callbacks
from exec.core import get_async, in_worker
from exec.errors import SchedulerError


def _default_workers() -> int:
    return config.get("num_workers") or os.cpu_count() or 1


class _InlineExecutor:
    """Runs each submitted job at once in the caller's thread."""

    @staticmethod
    def submit(fn: Callable, *args: Any) -> Future:
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        try:
            fut.set_result(fn(*args))
        except BaseException as exc:
            fut.set_exception(exc)
        return fut


class SyncScheduler:
    """Everything in the calling thread: for debugging and for tiny work."""

    name = "sync"

    def get(self, graph: dict, keys: Sequence, num_workers: int | None = None, callbacks=()) -> list:
        return get_async(_InlineExecutor.submit, 1, graph, keys, callbacks=callbacks)

    def shutdown(self) -> None:
        pass


class ThreadScheduler:
    """A thread pool: right for Arrow and NumPy kernels, which release the GIL."""

    name = "threads"

    def __init__(self) -> None:
        # One pool per requested size: a computation asking for 1 worker must not tear down the
        # pool another thread's computation is using. Threads start lazily, so spares are cheap.
        self._pools: dict[int, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()

    def _executor(self, n: int) -> ThreadPoolExecutor:
        with self._lock:
            pool = self._pools.get(n)
            if pool is None:
                pool = self._pools[n] = ThreadPoolExecutor(n, thread_name_prefix=f"sqlengine{n}")
            return pool

    def get(self, graph: dict, keys: Sequence, num_workers: int | None = None, callbacks=()) -> list:
        if in_worker():  # a compute inside a task: waiting on our own pool could deadlock
            return SyncScheduler().get(graph, keys, callbacks=callbacks)
        n = num_workers or _default_workers()
        return get_async(self._executor(n).submit, n, graph, keys, callbacks=callbacks)

    def shutdown(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)


class ProcessScheduler:
    """Persistent worker processes: for GIL-bound Python code (see ``exec.process_pool``)."""

    name = "processes"

    def __init__(self) -> None:
        self._pool = None
        self._lock = threading.Lock()

    def pool(self, n: int | None = None):
        from exec.process_pool import ProcessPool

        n = n or _default_workers()
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPool(n)
            elif self._pool.num_workers != n:
                self._pool.resize(n)  # keeps warm workers and jobs already queued
            return self._pool

    def prestart(self, preload: tuple[str, ...] = ()) -> None:
        """Start the worker processes now, in the background (``ProcessPool.start``)."""
        self.pool(_default_workers()).start(preload)

    def get(self, graph: dict, keys: Sequence, num_workers: int | None = None, callbacks=()) -> list:
        if in_worker():
            return SyncScheduler().get(graph, keys, callbacks=callbacks)
        n = num_workers or _default_workers()
        pool = self.pool(n)
        from exec.process_pool import KEEP_BYTES

        def submit(fn, batch, *args):  # results stay in their workers; the parent holds WorkerRefs
            return pool.submit(fn, batch, *args, keep=KEEP_BYTES)

        return get_async(submit, n, graph, keys, callbacks=callbacks, remote=True, on_interrupt=pool.interrupt)

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown()
            self._pool = None


_SCHEDULERS: dict[str, Any] = {}
_ALIASES = {
    "synchronous": "sync", "single-threaded": "sync",
    "threading": "threads", "threaded": "threads",
    "multiprocessing": "processes", "process": "processes",
}
_registry_lock = threading.Lock()


def register_scheduler(name: str, scheduler: Any) -> None:
    """Register an object with ``get(graph, keys, num_workers=None, callbacks=())`` (or a plain
    function with that signature) under ``name``."""
    with _registry_lock:
        _SCHEDULERS[name] = scheduler


def _builtin(name: str) -> Any:
    with _registry_lock:
        if name not in _SCHEDULERS:
            _SCHEDULERS[name] = {"sync": SyncScheduler, "threads": ThreadScheduler, "processes": ProcessScheduler}[name]()
        return _SCHEDULERS[name]


def resolve_scheduler(scheduler: Any) -> Any:
    """The scheduler object for a name, alias, registered object or ``distributed.Client``."""
    if scheduler is None:
        scheduler = config.get("scheduler")
    if isinstance(scheduler, str):
        name = _ALIASES.get(scheduler, scheduler)
        if name in ("sync", "threads", "processes"):
            return _builtin(name)
        with _registry_lock:
            if name in _SCHEDULERS:
                return _SCHEDULERS[name]
        if name == "distributed":
            from exec.distributed import DistributedScheduler

            return DistributedScheduler(None)
        known = sorted({"sync", "threads", "processes", "distributed", *_SCHEDULERS, *_ALIASES})
        close = difflib.get_close_matches(scheduler, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SchedulerError(f"unknown scheduler {scheduler!r}{hint} (known: {', '.join(known)})")
    if hasattr(scheduler, "get") or callable(scheduler):
        if type(scheduler).__name__ == "Client" and type(scheduler).__module__.startswith("distributed"):
            from exec.distributed import DistributedScheduler

            return DistributedScheduler(scheduler)
        return scheduler
    raise SchedulerError(f"scheduler must be a name such as 'threads' or a scheduler object, not {type(scheduler).__name__}")


def get_scheduler(name: Any = None) -> Any:
    return resolve_scheduler(name)


def get(graph: dict, keys: Any, scheduler: Any = None, num_workers: int | None = None, callbacks: Sequence | None = None) -> Any:
    """Compute ``keys`` (a key, or a list of keys) of ``graph`` on ``scheduler``."""
    single = not isinstance(keys, list)
    key_list = [keys] if single else keys
    if num_workers is not None and (not isinstance(num_workers, int) or num_workers < 1):
        raise SchedulerError(f"num_workers must be a positive integer, not {num_workers!r}")
    sched = resolve_scheduler(scheduler)
    cbs = list(active_callbacks()) + list(callbacks or [])
    if hasattr(sched, "get"):
        results = sched.get(graph, key_list, num_workers=num_workers, callbacks=cbs)
    else:
        results = sched(graph, key_list)
    return results[0] if single else results


def prestart(scheduler: Any = None, preload: tuple[str, ...] = ()) -> None:
    """Start the workers ``scheduler`` (default: the configured one) will use, in the background:
    worker processes take a second or more to start and to import the modules of their tasks
    (``preload``: the ones the caller's tasks will need), which then overlaps the caller's own
    work (a session planning its first query). Schedulers without start-up cost do nothing; so
    does a task (its computations run inline)."""
    from exec import core

    if in_worker() or core.process_label is not None:
        return
    try:
        sched = resolve_scheduler(scheduler)
    except SchedulerError:  # reported by the computation that uses it
        return
    start = getattr(sched, "prestart", None)
    if start is not None:
        start(preload)


def shutdown() -> None:
    """Stop every pool (workers start again on the next compute)."""
    with _registry_lock:
        schedulers = list(_SCHEDULERS.values())
    for s in schedulers:
        if hasattr(s, "shutdown"):
            s.shutdown()


atexit.register(shutdown)
