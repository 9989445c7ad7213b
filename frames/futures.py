"""Futures: run single function calls now on the local schedulers' workers.

``submit(func, *args)`` returns a ``concurrent.futures.Future``. ``Executor("processes")`` uses the
same persistent worker processes as computations do and ``Executor("threads")`` the same thread pool
(no second pool); ``"sync"`` runs the call inline. ``wait``, ``as_completed`` and ``gather`` work on
any of them, since they are the standard library's.
"""

from __future__ import annotations

from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, Future, as_completed, wait
from typing import Any, Callable, Iterable

from exec import Task
from exec.core import run_batch, task_exception
from exec.schedulers import resolve_scheduler


def _unwrap(outer: Future, inner: Future, remote: bool) -> None:
    if inner.cancelled():
        outer.cancel()
        return
    exc = inner.exception()
    if exc is not None:
        outer.set_exception(exc)
        return
    _, ((key, ok, value, tb, _, _),) = inner.result()
    if ok:
        outer.set_result(value)
    else:
        outer.set_exception(task_exception(key, None, value, tb, remote))


class Executor:
    """Submit single calls to a local scheduler's workers: ``Executor("processes").submit(f, x)``."""

    def __init__(self, scheduler: str | None = None, num_workers: int | None = None):
        sched = resolve_scheduler(scheduler)
        if not hasattr(sched, "submitter"):
            raise TypeError(f"futures need a local scheduler (sync, threads, processes), not {type(sched).__name__}")
        self._scheduler = sched
        self._num_workers = num_workers

    def submit(self, func: Callable, *args: Any, **kwargs: Any) -> Future:
        submit, remote = self._scheduler.submitter(self._num_workers)
        task = Task(func, *args, **kwargs)
        outer: Future = Future()
        outer.set_running_or_notify_cancel()
        inner = submit(run_batch, [(getattr(func, "__name__", "submit"), task, {})])
        inner.add_done_callback(lambda f: _unwrap(outer, f, remote))
        return outer

    def map(self, func: Callable, *iterables: Iterable) -> list[Future]:
        """One future per element (eager, unlike ``concurrent.futures.Executor.map``)."""
        return [self.submit(func, *args) for args in zip(*iterables)]

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass  # the pools belong to the schedulers and outlive this object


def submit(func: Callable, *args: Any, scheduler: str | None = None, **kwargs: Any) -> Future:
    """``Executor(scheduler).submit(func, *args, **kwargs)`` on the configured scheduler by default."""
    return Executor(scheduler).submit(func, *args, **kwargs)


def gather(futures: Iterable[Future]) -> list:
    """The futures' results in order; the first failure is raised."""
    return [f.result() for f in futures]


__all__ = ["ALL_COMPLETED", "Executor", "FIRST_COMPLETED", "FIRST_EXCEPTION", "as_completed", "gather", "submit", "wait"]
