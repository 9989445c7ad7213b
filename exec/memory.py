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
import shutil
import sys
import tempfile
from collections import Counter
from typing import Any, Callable, Hashable, Iterable

from exec.store import Handle, sizeof, store

Key = Hashable
_TARGET = 0.8  # a spill brings the bytes held down to this share of the limit (no spill per result)


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
        return self.in_ram > self.limit

    def spill(self, wait: Callable[[Key], int]) -> None:
        """Spill results until the bytes in RAM are under the target: by ``wait(key)`` (how many
        inputs its users still wait for: larger is needed later) then size, largest first."""
        target = _TARGET * self.limit
        candidates = [k for k, v in self.values.items()
                      if _in_ram(v) and not self.busy[k] and k not in self._unspillable and self.sizes[k] > 0]
        candidates.sort(key=lambda k: (wait(k) > 0, self.sizes[k]), reverse=True)
        for key in candidates:
            if self.in_ram <= target:
                break
            value = self.values[key]
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
                shutil.rmtree(d, ignore_errors=True)
        self._dir = self._share = None


def _in_ram(value: Any) -> bool:
    return not isinstance(value, Handle) or value.in_memory


def _release_unused() -> None:
    """Hand memory Arrow's allocator has freed back to the system now: it keeps it for 10 s
    (``MIMALLOC_PURGE_DELAY``, set in ``exec/__init__``), and under a limit the spilled bytes must go."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
