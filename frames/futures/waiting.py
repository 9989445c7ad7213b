"""Waiting on many futures: ``wait``, ``as_completed``, ``progress``; ``fire_and_forget``.

They work on Futures of either backend through the one thing both give, a done-callback, so
they never poll a scheduler: a future finishing puts itself on a queue the waiter reads.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import namedtuple
from typing import Any, Iterable, Iterator

from frames.errors import InvalidArgumentError
from frames.futures.future import Future, futures_in

FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED = "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"
DoneAndNotDoneFutures = namedtuple("DoneAndNotDoneFutures", "done not_done")


def _futures(fs: Any) -> list[Future]:
    found = futures_in(fs if not isinstance(fs, Future) else [fs], [])
    if not found and fs and not isinstance(fs, (list, tuple, set, frozenset, dict)):
        raise InvalidArgumentError(f"expected Futures, not {type(fs).__name__}")
    return list(dict.fromkeys(found))


def wait(fs: Any, timeout: float | None = None, return_when: str = ALL_COMPLETED) -> DoneAndNotDoneFutures:
    """Wait until all (``ALL_COMPLETED``), any (``FIRST_COMPLETED``) or the first failed
    (``FIRST_EXCEPTION``) of ``fs`` are done; ``(done, not_done)`` sets. ``TimeoutError`` when
    ``timeout`` seconds pass first."""
    if return_when not in (FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED):
        raise InvalidArgumentError(f"return_when must be one of FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, not {return_when!r}")
    futures = _futures(fs)
    done_queue: queue.SimpleQueue = queue.SimpleQueue()
    for f in futures:
        f.add_done_callback(done_queue.put)
    deadline = None if timeout is None else time.monotonic() + timeout
    done: set[Future] = set()
    while len(done) < len(futures):
        if done and return_when == FIRST_COMPLETED:
            break
        if return_when == FIRST_EXCEPTION and any(f.status == "error" for f in done):
            break
        try:
            done.add(done_queue.get(timeout=_left(deadline, timeout)))
        except queue.Empty:
            continue
    return DoneAndNotDoneFutures(done, set(futures) - done)


def _left(deadline: float | None, timeout: float | None) -> float:
    """Seconds to wait next (short, so Ctrl-C stays prompt); TimeoutError past the deadline."""
    if deadline is None:
        return 0.5
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"the futures did not finish within {timeout} s")
    return min(0.5, left)


class as_completed:  # noqa: N801 - named as Dask's
    """Iterate over futures in the order they finish: ``for f in as_completed(fs): f.result()``.

    ``with_results=True`` yields ``(future, result)`` (a failure raises, unless ``raise_errors=False``
    yields its exception). ``add(future)`` and ``update(futures)`` add futures while iterating.
    """

    def __init__(self, futures: Iterable[Future] = (), with_results: bool = False, raise_errors: bool = True,
                 timeout: float | None = None):
        self.with_results = with_results
        self.raise_errors = raise_errors
        self.timeout = timeout
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = 0
        self._deadline: float | None = None
        self.update(futures)

    def add(self, future: Future) -> None:
        if not isinstance(future, Future):
            raise InvalidArgumentError(f"as_completed takes Futures, not {type(future).__name__}")
        with self._lock:
            self._pending += 1
        future.add_done_callback(self._queue.put)

    def update(self, futures: Iterable[Future]) -> None:
        for f in futures:
            self.add(f)

    def count(self) -> int:
        """Futures not yet yielded."""
        with self._lock:
            return self._pending

    def is_empty(self) -> bool:
        return self.count() == 0

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        if self._deadline is None and self.timeout is not None:
            self._deadline = time.monotonic() + self.timeout
        while True:
            with self._lock:
                if self._pending == 0:
                    raise StopIteration
            try:
                future = self._queue.get(timeout=_left(self._deadline, self.timeout))
                break
            except queue.Empty:
                continue
        with self._lock:
            self._pending -= 1
        if not self.with_results:
            return future
        try:
            return future, future.result()
        except Exception as exc:
            if self.raise_errors:
                raise
            return future, exc

    def next_batch(self, block: bool = True) -> list[Any]:
        """Everything finished by now (at least one when ``block``)."""
        out = [next(self)] if block and not self.is_empty() else []
        while True:
            try:
                future = self._queue.get_nowait()
            except queue.Empty:
                return out
            with self._lock:
                self._pending -= 1
            out.append((future, future.result()) if self.with_results else future)

    def batches(self) -> Iterator[list[Any]]:
        while not self.is_empty():
            yield self.next_batch()


def fire_and_forget(futures: Any) -> None:
    """Run these futures' tasks to the end even when no Future of them is kept."""
    found = _futures(futures)
    by_backend: dict[int, tuple[Any, list]] = {}
    for f in found:
        by_backend.setdefault(id(f._backend), (f._backend, []))[1].append(f._handle)
    for backend, handles in by_backend.values():
        backend.keep(handles)


def progress(*futures: Any, file: Any = None, notebook: Any = None) -> None:
    """A progress bar until the futures are done (a text bar on stderr, through tqdm)."""
    from tqdm.auto import tqdm

    found = _futures(list(futures))
    done_queue: queue.SimpleQueue = queue.SimpleQueue()
    for f in found:
        f.add_done_callback(done_queue.put)
    with tqdm(total=len(found), file=file or sys.stderr, unit="task", desc="futures") as bar:
        for _ in found:
            while True:
                try:
                    done_queue.get(timeout=0.5)
                    break
                except queue.Empty:
                    continue
            bar.update(1)
