"""``Future``: a handle on one task a Client runs now, whichever backend runs it.

A Future holds its backend and a handle the backend understands (its own task state locally, a
``distributed.Future`` on a Dask cluster); every method asks the backend. It is also a lazy object
of ``frames.base``'s protocol (a graph of one key whose value the scheduler already holds), so
futures can be passed to ``delayed`` functions and stand in a collection's graph: the Client that
made them hands their values to the tasks that read them on its workers; any other scheduler gets
the values first (``frames.base.run``).
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from frames.base import Remote

FINISHED, ERROR, CANCELLED, PENDING, LOST = "finished", "error", "cancelled", "pending", "lost"


class Future(Remote):
    """The result of a task running on a Client's workers: ``client.submit(f, x).result()``."""

    __slots__ = ("_backend", "_handle", "key")

    def __init__(self, backend: Any, handle: Any, key: Any):
        self._backend = backend
        self._handle = handle
        self.key = key

    # -- the value ---------------------------------------------------------------------------
    def result(self, timeout: float | None = None) -> Any:
        """The task's value, waiting up to ``timeout`` seconds (``TimeoutError`` after). A task that
        failed raises its exception, with its type and the worker's traceback; Ctrl-C while waiting
        cancels the task (and leaves the Client usable)."""
        return self._backend.result(self._handle, timeout)

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The task's exception once it is done (None when it succeeded)."""
        return self._backend.exception(self._handle, timeout)

    def traceback(self, timeout: float | None = None) -> str | None:
        """The worker's traceback text of a failed task."""
        exc = self.exception(timeout)
        return None if exc is None else "".join(traceback.format_exception(exc))

    def done(self) -> bool:
        return self._backend.done(self._handle)

    @property
    def status(self) -> str:
        """``pending``, ``finished``, ``error``, ``cancelled`` or ``lost``."""
        return self._backend.status(self._handle)

    def cancelled(self) -> bool:
        return self.status == CANCELLED

    # -- control -----------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the task if it has not finished (and its dependents with it). A task running on a
        local worker process is stopped by killing that process when it runs nothing else (a fresh
        one replaces it; results it held are computed again if still needed); on threads it runs
        to its end and its result is dropped; on a Dask cluster, as ``distributed`` cancels."""
        self._backend.cancel([self._handle])

    def retry(self) -> None:
        """Run a failed task again (and the failed tasks it depends on)."""
        self._backend.retry([self._handle])

    def add_done_callback(self, fn: Callable[["Future"], Any]) -> None:
        """Call ``fn(future)`` once the task is done (at once when it already is), in a thread of
        the Client's."""
        self._backend.add_done_callback(self._handle, lambda: fn(self))

    # -- protocol ----------------------------------------------------------------------------
    def _build_graph(self) -> tuple[dict, list]:
        return {self.key: self}, [self.key]

    def _finalize(self, results: Any) -> Any:
        return results[0]

    def _value(self) -> Any:
        return self.result()

    def __del__(self) -> None:
        try:
            self._backend.release(self._handle)
        except Exception:  # interpreter shutdown
            pass

    def __reduce__(self):
        return self._backend.pickle_future(self)

    def __repr__(self) -> str:
        return f"<Future: {self.status}, key: {self.key!r}>"

    def _repr_html_(self) -> str:
        from frames.display import future_html

        return future_html(self)


def futures_in(obj: Any, out: list) -> Any:
    """Collect the Futures in ``obj`` (also inside lists, tuples, sets and dicts) into ``out``."""
    t = type(obj)
    if t is Future:
        out.append(obj)
    elif t is list or t is tuple or t is set or t is frozenset:
        for x in obj:
            futures_in(x, out)
    elif t is dict:
        for x in obj.values():
            futures_in(x, out)
    return out
