"""What the dashboard knows about tasks: a bar per task run (the Task Stream) and per task group
how many tasks wait, run, finished or failed (Progress).

``TaskLog`` is fed by whichever scheduler runs the work: the local Client's backend calls
``added`` / ``started`` / ``ran`` / ``finished`` as its tasks change state, and ``TaskCallback``
turns the ``exec.callbacks`` hooks of the plain schedulers (sync, threads, processes) into the same
calls. Every call is a few dictionary updates under one lock, so a log costs microseconds per task
whether or not a browser is looking; the server reads it once per tick for all its browsers.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any, Hashable, Iterable, Sequence

from exec.callbacks import Callback
from exec.store import sizeof

WAITING, RUNNING, DONE, ERROR = range(4)
_NAMES: dict[str, str] = {}  # a key less its last hash or index -> its group (these repeat)


def _drop(word: str) -> bool:
    """A word of a key that names no task: an index, or a hash or uuid (8 or more hex digits)."""
    return word.isdigit() or (len(word) >= 8 and not word.strip("0123456789abcdef"))


def key_group(key: Any) -> str:
    """The task group of a key, as Dask's ``key_split``: ``("read-parquet-3fa2c1d9...", 4)`` and
    ``"inc-5b8e0f11..."`` give ``read-parquet`` and ``inc`` (trailing hashes, uuids and indices
    dropped)."""
    if type(key) is tuple:
        key = key[0] if key else ""
    text = key if type(key) is str else str(key)
    head, sep, tail = text.rpartition("-")
    name = head if head and _drop(tail) else text  # one trailing hash or index: the usual case
    group = _NAMES.get(name)
    if group is None:
        group = name
        while True:
            head, sep, tail = group.rpartition("-")
            if not head or not _drop(tail):
                break
            group = head
        if len(_NAMES) < 100_000:
            _NAMES[name] = group
    return group


class TaskLog:
    """Task bars and per-group counts, for every scheduler feeding it; thread-safe."""

    def __init__(self, keep_bars: int = 20_000):
        self._lock = threading.Lock()
        self.bars: collections.deque = collections.deque(maxlen=keep_bars)  # (seq, worker, group, start, end, ok)
        self.seq = 0  # bars ever added: a browser asks for the ones after the last it saw
        self.groups: dict[str, list] = {}  # group -> [waiting, running, done, error, last change]
        self._tick = 0  # counts changes: which groups changed last
        self._state: dict[Hashable, tuple[str, int]] = {}  # unfinished task id -> (group, state)
        # task id -> (worker that made it, bytes) of the plain schedulers' results, while kept;
        # for a Client: key -> the worker that made it
        self._held: dict[Hashable, Any] = {}
        self.held_source: Any = None  # a Client's backend: ``held_values()`` lists the results it keeps

    def _move(self, tid: Hashable, key: Any, to: int) -> None:
        """Count task ``tid`` (of ``key``) in state ``to`` from now on (the caller holds the lock)."""
        old = self._state.get(tid)
        if old is None:
            group = key_group(key)
            counts = self.groups.get(group)
            if counts is None:
                counts = self.groups[group] = [0, 0, 0, 0, 0.0]
        else:
            group = old[0]
            counts = self.groups[group]
            counts[old[1]] -= 1
        counts[to] += 1
        self._tick += 1
        counts[4] = self._tick
        if to >= DONE:
            if old is not None:
                del self._state[tid]
        else:
            self._state[tid] = (group, to)

    def added(self, tid: Hashable, key: Any) -> None:
        with self._lock:
            if tid not in self._state:
                self._move(tid, key, WAITING)

    def added_many(self, keys: Iterable[Any]) -> None:
        """Tasks known by their keys (a plain scheduler's graph) are waiting."""
        with self._lock:
            state, move = self._state, self._move
            for key in keys:
                if key not in state:
                    move(key, key, WAITING)

    def started(self, items: Iterable[tuple[Hashable, Any]]) -> None:
        with self._lock:
            for tid, key in items:
                self._move(tid, key, RUNNING)

    def finished(self, tid: Hashable, key: Any, ok: bool) -> None:
        with self._lock:
            self._move(tid, key, DONE if ok else ERROR)

    def completed(self, tid: Hashable, key: Any, worker: str, start: float, end: float, ok: bool, nbytes: int) -> None:
        """A plain scheduler's task finished: its count, its bar and the bytes of its result."""
        with self._lock:
            old = self._state.get(tid)
            group = old[0] if old is not None else key_group(key)
            self._move(tid, key, DONE if ok else ERROR)
            self.seq += 1
            self.bars.append((self.seq, worker, group, start, end, ok))
            if ok and nbytes:
                self._held[tid] = (worker, nbytes)

    def ran(self, worker: str, outcomes: Sequence[tuple], tids: Sequence[Hashable] = ()) -> None:
        """Bars of a batch a worker ran: ``(key, ok, value, traceback, start, end)`` each (and
        the ids its tasks were ``added`` with, whose groups are known)."""
        keep = self.held_source is not None  # who made each result a Client keeps
        with self._lock:
            bars, held, state = self.bars, self._held, self._state
            for i, (key, ok, _value, _tb, t0, t1) in enumerate(outcomes):
                self.seq += 1
                known = state.get(tids[i]) if i < len(tids) else None
                bars.append((self.seq, worker, known[0] if known is not None else key_group(key), t0, t1, ok is True))
                if keep and ok:
                    held[key] = worker

    def forget(self, tids: Iterable[Hashable]) -> None:
        """Tasks that will not run here after all (a computation ended before them)."""
        with self._lock:
            for tid in tids:
                old = self._state.pop(tid, None)
                if old is not None:
                    self.groups[old[0]][old[1]] -= 1

    def hold(self, tid: Hashable, worker: str, nbytes: int) -> None:
        """A result of ``nbytes`` made by ``worker`` is kept for later tasks."""
        with self._lock:
            self._held[tid] = (worker, nbytes)

    def release(self, tids: Iterable[Hashable]) -> None:
        with self._lock:
            for tid in tids:
                self._held.pop(tid, None)

    def held_bytes(self) -> dict[str, int]:
        """Per worker, the bytes of the results it made that are kept now: a Client's (all it
        holds, by the worker that made each) or those of the running plain computations."""
        out: dict[str, int] = collections.Counter()
        source = self.held_source
        if source is not None:
            kept = source.held_values()
            with self._lock:
                made_by = {key: self._held[key] for key, _ in kept if key in self._held}
                self._held = made_by  # forget the released ones
            for key, value in kept:
                out[made_by.get(key, "client")] += sizeof(value)
            return out
        with self._lock:
            for worker, nbytes in self._held.values():
                out[worker] += nbytes
        return out

    # -- reading -------------------------------------------------------------------------------
    def bars_after(self, seq: int) -> list[tuple]:
        with self._lock:
            if not self.bars or self.bars[-1][0] <= seq:
                return []
            first = self.bars[0][0]
            return list(self.bars)[max(0, seq - first + 1):]

    def progress(self, limit: int = 30) -> list[dict]:
        """The groups changed most recently: name, waiting, running, done, error."""
        with self._lock:
            rows = sorted(self.groups.items(), key=lambda kv: -kv[1][4])[:limit]
            return [{"group": g, "waiting": c[0], "running": c[1], "done": c[2], "error": c[3]} for g, c in rows]


class TaskCallback(Callback):
    """``exec.callbacks`` hooks of the plain schedulers, fed into a ``TaskLog``: registered
    globally while a dashboard watches them (``with TaskCallback(log): ...``). The bytes held are
    those of the results the running computations made (all released when one ends: the hooks do
    not say when an intermediate result is dropped before that)."""

    def __init__(self, log: TaskLog):
        self.log = log
        self._graphs: dict[int, list] = {}
        self._sizes: dict[Any, int] = {}  # result sizes between posttask and task_timing
        self._lock = threading.Lock()

    def start(self, graph: dict) -> None:
        from exec.graph import Task

        keys = [k for k, v in graph.items() if type(v) is Task]
        with self._lock:
            self._graphs[id(graph)] = keys
        self.log.added_many(keys)

    def pretask(self, key: Any) -> None:
        self.log.started([(key, key)])

    def posttask(self, key: Any, result: Any, elapsed: float) -> None:
        t = type(result)
        self._sizes[key] = 0 if t is int or t is float or result is None else sizeof(result)

    def task_timing(self, key: Any, worker: str, start: float, end: float) -> None:
        self.log.completed(key, key, worker, start, end, True, self._sizes.pop(key, 0))

    def task_failed(self, key: Any, worker: str, start: float, end: float) -> None:
        self.log.completed(key, key, worker, start, end, False, 0)

    def finish(self, graph: dict, errored: bool) -> None:
        with self._lock:
            keys = self._graphs.pop(id(graph), [])
        self.log.forget(keys)  # tasks that did not run here (a failure stopped them, or a Client ran them)
        self.log.release(keys)
