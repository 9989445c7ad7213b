"""Task graphs and the schedulers that run them: the lowest layer of sqlengine."""

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
