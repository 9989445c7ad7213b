"""Task graphs and the schedulers that run them: the lowest layer of sqlengine."""

import os

# Before anything loads pyarrow: Arrow's default allocator (mimalloc) may back its arenas with
# transparent huge pages. A fresh process otherwise spends its first query faulting in 4 KB pages
# (TPC-H q1 as the first query at SF1: 1.3 s with 1.1 s of system time, against 1.0 s). Has no
# effect when pyarrow was imported first; set the variable to 0 to opt out.
os.environ.setdefault("MIMALLOC_ALLOW_LARGE_OS_PAGES", "1")

from exec import config
from exec.callbacks import Callback
from exec.core import TaskError, WorkerDiedError, get_async
from exec.diagnostics import Profiler, ProgressBar, visualize
from exec.errors import ConfigError, SchedulerError, SqlEngineError
from exec.graph import FusedTask, MissingKeyError, Ref, Task, cull, dependencies, dependents, fuse, toposort
from exec.schedulers import get, get_scheduler, register_scheduler, shutdown

__all__ = [
    "Callback", "ConfigError", "FusedTask", "MissingKeyError", "Profiler", "ProgressBar", "Ref",
    "SchedulerError", "SqlEngineError", "Task", "TaskError", "WorkerDiedError", "config", "cull",
    "dependencies", "dependents", "fuse", "get", "get_async", "get_scheduler", "register_scheduler",
    "shutdown", "toposort", "visualize",
]
