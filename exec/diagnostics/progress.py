"""A tqdm progress bar over the tasks of a computation."""

from __future__ import annotations

import sys
import threading
from typing import Any

from exec.callbacks import Callback


class ProgressBar(Callback):
    """``with ProgressBar(): df.compute()`` or ``compute(callbacks=[ProgressBar()])``.

    ``min_time``: show nothing for computations faster than this many seconds. ``leave``: keep the
    finished bar on screen (a bar that was never shown stays hidden).
    """

    remote_tasks = True  # on a distributed cluster too (``exec.distributed`` reports each task)

    def __init__(self, min_time: float = 0.5, file: Any = None, desc: str = "tasks", leave: bool = True):
        self.min_time = min_time
        self.file = file
        self.desc = desc
        self.leave = leave
        self._bar = None
        self._lock = threading.Lock()

    def start(self, graph: dict) -> None:
        from tqdm.auto import tqdm

        from exec.graph import Task

        total = sum(1 for v in graph.values() if type(v) is Task)
        self._bar = tqdm(total=total, desc=self.desc, file=self.file or sys.stderr, delay=self.min_time, leave=self.leave, unit="task")

    def posttask(self, key: Any, result: Any, elapsed: float) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.update(1)

    def finish(self, graph: dict, errored: bool) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
