"""Per-task timings of a computation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from exec.callbacks import Callback


@dataclass
class TaskRecord:
    key: Any
    name: str
    submitted: float
    finished: float
    elapsed: float


class Profiler(Callback):
    """Records every task's name and run time: ``with Profiler() as prof: ...; prof.summary()``."""

    def __init__(self) -> None:
        self.results: list[TaskRecord] = []
        self._submitted: dict[Any, float] = {}
        self._graph: dict = {}

    def start(self, graph: dict) -> None:
        self._graph = graph

    def pretask(self, key: Any) -> None:
        self._submitted[key] = time.perf_counter()

    def posttask(self, key: Any, result: Any, elapsed: float) -> None:
        task = self._graph.get(key)
        name = getattr(task, "name", type(task).__name__)
        self.results.append(TaskRecord(key, name, self._submitted.pop(key, time.perf_counter()), time.perf_counter(), elapsed))

    def summary(self):
        """A pandas DataFrame: per task name, how many ran and their total and mean seconds."""
        import pandas as pd

        frame = pd.DataFrame([{"name": r.name, "elapsed": r.elapsed} for r in self.results], columns=["name", "elapsed"])
        return frame.groupby("name")["elapsed"].agg(["count", "sum", "mean"]).sort_values("sum", ascending=False)
