"""Task graphs and the schedulers that run them: the lowest layer of sqlengine."""

import os

# Before anything loads pyarrow, two options of Arrow's default allocator (mimalloc); they have no
# effect when pyarrow was imported first, and a value already in the environment wins.
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

from exec import config
from exec.callbacks import Callback
from exec.core import ResultTransferError, TaskError, WorkerDiedError, get_async
from exec.diagnostics import Profiler, ProgressBar, visualize
from exec.errors import ConfigError, MemoryLimitError, SchedulerError, SqlEngineError
from exec.graph import FusedTask, MissingKeyError, Ref, Task, cull, dependencies, dependents, fuse, toposort
from exec.schedulers import get, get_scheduler, register_scheduler, shutdown

__all__ = [
    "Callback", "ConfigError", "FusedTask", "MemoryLimitError", "MissingKeyError", "Profiler", "ProgressBar", "Ref",
    "ResultTransferError", "SchedulerError", "SqlEngineError", "Task", "TaskError", "WorkerDiedError", "config", "cull",
    "dependencies", "dependents", "fuse", "get", "get_async", "get_scheduler", "register_scheduler",
    "shutdown", "toposort", "visualize",
]
