"""Scheduler callbacks: hooks called as a computation starts, as tasks run, and as it ends.

A callback is any object with some of ``start(graph)``, ``pretask(key)``,
``posttask(key, result, elapsed)`` and ``finish(graph, errored)``; ``task_timing(key, worker,
start, end)`` additionally reports where and when (``time.perf_counter``) a task ran, for
profilers, ``task_failed(key, worker, start, end)`` the same of the task whose failure stops
the computation, and ``memory(peak_bytes, spilled_bytes)``, called before ``finish``, the most
bytes of results the scheduler held at once and how many it spilled to disk. Pass them per call
(``callbacks=[...]``) or activate them for a block with
``with ProgressBar(): ...``. Hooks run in the thread that called ``get``.
"""

from __future__ import annotations

import threading
from typing import Any

_active: list[Any] = []
_lock = threading.Lock()


class Callback:
    """Base class usable as a context manager that registers itself globally while active."""

    def start(self, graph: dict) -> None:
        pass

    def pretask(self, key: Any) -> None:
        pass

    def posttask(self, key: Any, result: Any, elapsed: float) -> None:
        pass

    def finish(self, graph: dict, errored: bool) -> None:
        pass

    def __enter__(self):
        with _lock:
            _active.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        with _lock:
            if self in _active:
                _active.remove(self)


def active_callbacks() -> list[Any]:
    with _lock:
        return list(_active)
