"""The results a scheduling loop holds for later tasks, kept under ``exec.config`` ``memory_limit``.

``Held`` is the loop's result table: it counts the bytes of every result it holds in RAM (in the
heap, or in ``/dev/shm`` files a process worker wrote) and, past the limit, spills results to files
in a directory of its own under ``temp_directory`` (made on the first spill): first those whose
users still wait on other inputs, the biggest first, never one a running task was handed. A spilled
result is a ``Stored`` handle; the task that needs it loads it over a memory map (``run_batch``
does, in the worker). A result a process worker keeps (``exec.process_pool.WorkerRef``) counts as
RAM and spills by being written from that worker straight to the spill directory. ``close()`` removes every file left, on success, error or Ctrl-C alike.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from typing import Any, Callable, Hashable, Iterable

from exec.store import Handle, recompute_handle, remove_directory, sizeof, store

Key = Hashable
_TARGET = 0.8  # a spill brings the bytes held down to this share of what may be held (no spill per result)
# Results held between tasks may take this share of the limit: the tasks running beside them hold
# their inputs, their outputs and their working memory, and Arrow's allocator keeps freed pages a
# while; with all of the limit for held results, TPC-H q5 at SF10 under 2 GB held 2.0 GB and peaked
# at 4.1 GB resident.
_HELD_SHARE = 0.5
_ROOTS_SHARE = 0.35  # past this share of the limit, tasks without inputs wait (``Held.crowded``)
_SPILL_MIN_BYTES = 1 << 12  # smaller results stay: a file for a 32-byte sum frees nothing worth its write


class Held:
    def __init__(self, limit: int, temp_root: str):
        self.limit = limit
        self.temp_root = temp_root
        self.values: dict[Key, Any] = {}
        self.sizes: dict[Key, int] = {}
        self.in_ram = 0  # bytes of held values in RAM
        self.peak = 0
        self.spilled_bytes = 0
        self.busy: Counter = Counter()  # key -> batches in flight that were handed it
        self._unspillable: set = set()
        self._dir: str | None = None
        self._share: str | None = None
        from exec import config

        self._watch_rss = config.chosen("memory_limit")  # a limit the user set: hand freed pages back promptly
        self._next_release = 0.0

    def __contains__(self, key: Key) -> bool:
        return key in self.values

    def __getitem__(self, key: Key) -> Any:
        return self.values[key]

    def __setitem__(self, key: Key, value: Any) -> None:
        size = sizeof(value)
        self.values[key] = value
        self.sizes[key] = size
        if _in_ram(value):
            self.in_ram += size
            if self.in_ram > self.peak:
                self.peak = self.in_ram

    def keep(self, key: Key, value: Any) -> None:
        """Hold a literal of the graph: the graph keeps it alive anyway, so it is neither counted
        nor spilled."""
        self.values[key] = value
        self.sizes[key] = 0

    def __delitem__(self, key: Key) -> None:
        value = self.values.pop(key)
        size = self.sizes.pop(key)
        if _in_ram(value):
            self.in_ram -= size
        if isinstance(value, Handle):
            value.delete()
        self._unspillable.discard(key)

    def size_of(self, keys: Iterable[Key]) -> int:
        return sum(self.sizes[k] for k in keys)

    def over(self) -> bool:
        """Whether the results held plus the operator state running tasks reported exceed the limit.

        Under a limit the user set, this process's resident size is looked at too (every 50 ms at
        most): past ``_RELEASE_SHARE`` of the limit, memory Arrow's allocator freed but keeps (for 10 s,
        see ``exec/__init__``) goes back to the system (TPC-H q9 at SF1 under 200 MB: 676 MB peak
        resident with the delay, 496 MB without it)."""
        if self._watch_rss:
            now = time.monotonic()
            if now >= self._next_release:
                self._next_release = now + 0.05
                if _resident() > _RELEASE_SHARE * self.limit:
                    _release_unused()
        return self.in_ram + _reserved > _HELD_SHARE * self.limit

    def crowded(self) -> bool:
        """Whether results and operator state fill ``_ROOTS_SHARE`` of the limit: the loop then
        starts no task without inputs (a scan) while others run. Roots are always ready, so
        workers waiting on a slow branch scanned ahead: TPC-H q5 at SF10 under 2 GB held 20
        lineitem partitions (0.9 GB) while a year's orders were joined with their customers for
        the broadcast, and spilled 235 MB after every task."""
        return self.in_ram + _reserved > _ROOTS_SHARE * self.limit

    def spill(self, wait: Callable[[Key], tuple[bool, int]], graph: dict | None = None) -> None:
        """Spill results until the bytes in RAM are under the target. ``wait(key)`` is (whether
        one use of it is left, how many inputs its soonest user still waits for): a result several
        tasks still read (a join's broadcast side) goes last, as each of them would load a copy of
        it (and a broadcast index rebuild its hash table); then those needed later, largest first.
        A result whose task in ``graph`` is ``repeatable`` with all it reads (a local Parquet piece,
        a renaming projection of one) and whose users still wait on something else goes first, and
        is not written but let go (``Recompute``)."""
        target = _TARGET * _HELD_SHARE * self.limit - _reserved
        candidates = [k for k, v in self.values.items()
                      if _in_ram(v) and not self.busy[k] and k not in self._unspillable and self.sizes[k] >= _SPILL_MIN_BYTES]
        repeat = {}
        if graph is not None:
            for k in candidates:
                handle = recompute_handle(k, graph, self.sizes[k], getattr(self.values[k], "num_rows", None))
                if handle is not None:
                    repeat[k] = handle

        def rank(k: Key) -> tuple:
            last_use, waiting = wait(k)
            return k in repeat and waiting > 0, last_use, waiting > 0, self.sizes[k]

        candidates.sort(key=rank, reverse=True)
        for key in candidates:
            if self.in_ram <= target:
                break
            value = self.values[key]
            if key in repeat:
                if isinstance(value, Handle):  # a worker's copy, a /dev/shm file
                    value.delete()
                self.values[key] = repeat[key]
                self.in_ram -= self.sizes[key]
                continue
            try:
                spilled = value.moved_to(self.directory()) if isinstance(value, Handle) else store(value, self.directory(), self.sizes[key])
            except Exception:  # not picklable (or the disk is full): it stays in memory
                self._unspillable.add(key)
                continue
            self.values[key] = spilled
            self.in_ram -= self.sizes[key]
            self.spilled_bytes += self.sizes[key]
        _release_unused()

    def directory(self) -> str:
        if self._dir is None:
            os.makedirs(self.temp_root, exist_ok=True)
            self._dir = tempfile.mkdtemp(prefix="sqlengine-spill-", dir=self.temp_root)
        return self._dir

    def share_directory(self) -> str:
        """A directory in RAM (``/dev/shm``, else the temp directory) where process workers leave
        large results for this computation; removed with everything in it by ``close``."""
        if self._share is None:
            root = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else self.temp_root
            self._share = tempfile.mkdtemp(prefix="sqlengine-share-", dir=root)
        return self._share

    def close(self) -> None:
        """Remove every file still held (results already handed out were loaded first)."""
        for value in self.values.values():
            if isinstance(value, Handle):
                value.delete()
        self.values.clear()
        self.sizes.clear()
        self.in_ram = 0
        for d in (self._dir, self._share):
            if d is not None:
                remove_directory(d)
        self._dir = self._share = None


_RELEASE_SHARE = 0.6
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _resident() -> int:
    """This process's resident bytes (``/proc/self/statm``; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return 0


def _in_ram(value: Any) -> bool:
    return not isinstance(value, Handle) or value.in_memory


def _release_unused() -> None:
    """Hand memory Arrow's allocator has freed back to the system now: it keeps it for 10 s
    (``MIMALLOC_PURGE_DELAY``, set in ``exec/__init__``), and under a limit the spilled bytes must go."""
    pool = getattr(sys.modules.get("pyarrow"), "default_memory_pool", None)  # None while pyarrow imports
    if pool is not None:
        pool().release_unused()


# --- Operator state: what tasks hold while they run, and what they spilled ---------------------
#
# A stateful operator's task (a join's pair of partitions, a sort's range, an aggregation's merge)
# holds more than its inputs while it runs: an index, the pieces it splits them into, its output.
# ``operator_state(nbytes)`` reports those bytes for the task's lifetime; ``Held.over()`` counts
# them with the results the scheduler holds (in this process: the threads and sync schedulers; a
# process worker accounts its own). ``operator_budget()`` is how many bytes one task may hold
# before it spills: its share of the limit (the limit over twice the workers). ``note_spill``
# counts the bytes a task wrote to disk under the operator that ran it (the first part of the
# task's key, as EXPLAIN ANALYZE names operators); ``spilled_by_operator()`` reads the counts.

import threading as _threading
from contextlib import contextmanager as _contextmanager

_lock = _threading.Lock()
_reserved = 0  # bytes of operator state reported by running tasks in this process
_spills: Counter = Counter()  # operator name -> bytes spilled (since the process started)
_current = _threading.local()  # the key of the task this thread runs


def task_started(key: Key) -> None:
    """Called by ``exec.core.run_batch`` before a task runs: spills are counted under its operator."""
    _current.key = key


def current_operator() -> str:
    """The operator the running task belongs to: the name part of its key (``("join-ab12", 3)``)."""
    key = getattr(_current, "key", None)
    if isinstance(key, tuple) and key:
        key = key[0]
    return str(key) if key is not None else "?"


def reserved() -> int:
    return _reserved


@_contextmanager
def operator_state(nbytes: int, what: str | None = None):
    """Report ``nbytes`` of operator state for the duration of the block. State that alone is over
    the memory limit cannot be made to fit by spilling others: a ``MemoryLimitError`` names the operator."""
    global _reserved
    from exec import config
    from exec.errors import MemoryLimitError

    limit = config.memory_limit()
    if nbytes > limit:
        raise MemoryLimitError(
            f"operator {what or current_operator()} needs {nbytes / 1e6:.1f} MB of state at once, more than memory_limit "
            f"({limit / 1e6:.1f} MB), even after spilling; raise it (exec.config.set(memory_limit=...), SET memory_limit) "
            f"or split the input into more partitions")
    with _lock:
        _reserved += nbytes
    try:
        yield
    finally:
        with _lock:
            _reserved -= nbytes


def operator_budget() -> int:
    """The bytes one task may hold before it spills (at least 256 KiB)."""
    from exec import config

    workers = config.get("num_workers") or os.cpu_count() or 1
    return max(1 << 18, config.memory_limit() // (2 * workers))


def note_spill(nbytes: int, operator: str | None = None) -> None:
    with _lock:
        _spills[operator or current_operator()] += nbytes


def spilled_by_operator() -> dict[str, int]:
    """Bytes spilled per operator name since the process started (read before and after a query
    for that query's share: EXPLAIN ANALYZE's ``spilled_bytes``)."""
    with _lock:
        return dict(_spills)


@_contextmanager
def operator_spill_directory(root: str):
    """A fresh directory under ``root`` (the ``temp_directory``) for one task's spill files, removed
    with them when the block ends: on success, on error and on Ctrl-C (the task finishes or fails
    either way)."""
    os.makedirs(root, exist_ok=True)
    path = tempfile.mkdtemp(prefix="sqlengine-spill-op-", dir=root)
    try:
        yield path
    finally:
        remove_directory(path)
        _release_unused()
