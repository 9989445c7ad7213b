"""Task graphs and the schedulers that run them: the lowest layer of sqlengine."""

import os

# Before anything loads pyarrow, Arrow's default allocator: the C library's malloc, not the
# mimalloc pyarrow picks. Freed large buffers go back to the system at once, where mimalloc kept
# them for reuse: the 22 TPC-H queries at SF1 on threads peaked at 606-647 MB resident against
# 744-780 MB, for the same CPU time (user + system 14.3-16.2 s against 14.3-15.5 s, 3 runs each
# on the loaded shared machine; jemalloc: 601-611 MB but 17.0-19.2 s). No effect when pyarrow was
# imported first; a value already in the environment wins. The two mimalloc options below stay
# for whoever chooses mimalloc (ARROW_DEFAULT_MEMORY_POOL=mimalloc).
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# - Arenas may be backed by transparent huge pages: a fresh process otherwise spends its first
#   query faulting in 4 KB pages (TPC-H q1 as the first query at SF1: 1.3 s with 1.1 s of system
#   time, against 1.0 s).
# - Freed memory goes back to the system after 10 s unused instead of 10 ms: queries materialize
#   and free large tables one after another, and faulting the same memory in again cost the 22
#   TPC-H queries at SF1 125k page faults and 2.2-3.3 s of system time (47-57k and 1.6-2.0 s
#   with the longer delay; peak memory unchanged).
os.environ.setdefault("MIMALLOC_ALLOW_LARGE_OS_PAGES", "1")
#   Worker processes of the "processes" scheduler use 100 ms (``exec.process_pool``): memory one of
#   them frees serves no other process, so kept 10 s it added up across workers (TPC-H SF1 summed
#   peak 857 MB against 629 MB).
PURGE_DELAY_MS = "10000"
os.environ.setdefault("MIMALLOC_PURGE_DELAY", PURGE_DELAY_MS)


def _glibc_keeps_freed_memory() -> None:
    """With the C library's malloc (the default above) on glibc: blocks up to 32 MB come from the
    heap, not a fresh ``mmap`` each, and up to 256 MB freed at a heap's top stay for reuse. glibc's
    own defaults (a threshold that starts at 128 KB, a 128 KB trim) map and unmap a partition's
    columns each time, and every page of them faults in again zeroed: the 22 TPC-H queries at SF1 on
    the sync scheduler took 673k page faults and 3.1 s of system time, 91k and 0.7 s with these
    settings (threads: 3.1 s against 1.3 s), for 1% more peak resident memory (544 against 550 MB).
    Under a ``memory_limit`` the pool's ``release_unused`` (``malloc_trim``) still hands freed memory
    back. glibc's ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` in the environment win."""
    import platform

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") != "system" or platform.libc_ver()[0] != "glibc":
        return  # another allocator (mimalloc, jemalloc) or C library: its own policy
    if "SQLENGINE_WORKER_PATH" in os.environ:
        return  # a process pool's worker (``exec.process_pool``): memory it keeps serves no other process
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # a glibc without the usual soname: leave its defaults
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # malloc.h
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        libc.mallopt(m_mmap_threshold, 32 * 2**20)  # glibc's largest (HEAP_MAX_SIZE / 2 on 64 bits)
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        libc.mallopt(m_trim_threshold, 256 * 2**20)


_glibc_keeps_freed_memory()

from exec import config
from exec.callbacks import Callback
from exec.core import ResultTransferError, TaskError, WorkerDiedError, get_async
from exec.diagnostics import Profiler, ProgressBar, visualize
from exec.errors import ConfigError, MemoryLimitError, SchedulerError, SqlEngineError
from exec.graph import FusedTask, MissingKeyError, Ref, Task, cull, dependencies, dependents, fuse, toposort
from exec.schedulers import get, get_scheduler, register_scheduler, shutdown
from exec.store import repeatable

__all__ = [
    "Callback", "ConfigError", "FusedTask", "MemoryLimitError", "MissingKeyError", "Profiler", "ProgressBar", "Ref",
    "ResultTransferError", "SchedulerError", "SqlEngineError", "Task", "TaskError", "WorkerDiedError", "config", "cull",
    "dependencies", "dependents", "fuse", "get", "get_async", "get_scheduler", "register_scheduler",
    "repeatable", "shutdown", "toposort", "visualize",
]
