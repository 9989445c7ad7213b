"""Futures: run functions now on the local schedulers' workers and collect results as they finish.

``submit(func, *args)`` returns a ``concurrent.futures.Future``; ``Executor(scheduler="processes")``
uses the same persistent worker processes as computations do (no second pool), ``"threads"`` the
same thread pool. ``wait``, ``as_completed`` and ``gather`` work on any of them.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, as_completed, wait
from typing import Any, Callable, Iterable

from exec import Task
from exec.core import run_batch
from exec.schedulers import resolve_scheduler, ThreadScheduler, ProcessScheduler, SyncScheduler, _InlineExecutor


def _unwrap(outer: Future, inner: Future) -> None:
    if inner.cancelled():
        outer.cancel()
        return
    exc = inner.exception()
    if exc is not None:
        outer.set_exception(exc)
        return
    ((key, ok, value, tb, elapsed),) = inner.result()
    if ok:
        outer.set_result(value)
    else:
        if tb and not getattr(value, "__traceback__", None):
            value.add_note("remote traceback:\n" + tb.rstrip())
        outer.set_exception(value)


class Executor:
    """Submit single function calls to a scheduler's workers."""

    def __init__(self, scheduler: str | None = None, num_workers: int | None = None):
        self._scheduler = resolve_scheduler(scheduler)
        self._num_workers = num_workers

    def _submit_fn(self) -> Callable:
        s = self._scheduler
        if isinstance(s, ThreadScheduler):
            from exec.schedulers import _default_workers

            return s._executor(self._num_workers or _default_workers()).submit
        if isinstance(s, ProcessScheduler):
            return s.pool(self._num_workers).submit
        if isinstance(s, SyncScheduler):
            return _InlineExecutor.submit
        raise TypeError(f"futures need a local scheduler, not {type(s).__name__}")

    def submit(self, func: Callable, *args: Any, **kwargs: Any) -> Future:
        outer: Future = Future()
        outer.set_running_or_notify_cancel()
        inner = self._submit_fn()(run_batch, [("submit", Task(func, *args, **kwargs), {})])
        inner.add_done_callback(lambda f: _unwrap(outer, f))
        return outer

    def map(self, func: Callable, *iterables: Iterable) -> list[Future]:
        return [self.submit(func, *args) for args in zip(*iterables)]

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        pass


def submit(func: Callable, *args: Any, scheduler: str | None = None, **kwargs: Any) -> Future:
    return Executor(scheduler).submit(func, *args, **kwargs)


def gather(futures: Iterable[Future]) -> list:
    """Results in order; the first failure is raised."""
    return [f.result() for f in futures]


__all__ = ["Executor", "submit", "gather", "wait", "as_completed", "FIRST_COMPLETED"]
