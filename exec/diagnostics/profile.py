"""Per-task timings of a computation: which task ran where, from when to when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exec.callbacks import Callback


@dataclass(frozen=True)
class TaskRecord:
    key: Any
    name: str
    start: float  # time.perf_counter() seconds, measured in the worker
    end: float
    worker: str  # a thread name ("sqlengine_0", "MainThread") or "process-<pid>"

    @property
    def elapsed(self) -> float:
        return self.end - self.start


class Profiler(Callback):
    """Records every task's name, worker, start and end.

    ``with Profiler() as prof: ...`` (or ``callbacks=[prof]``), then ``prof.results`` (a list of
    ``TaskRecord``, appended to by every computation while active), ``prof.frame()`` (one row per
    task) and ``prof.summary()`` (per task name: count, total and mean seconds).
    """

    def __init__(self) -> None:
        self.results: list[TaskRecord] = []
        self._graph: dict = {}

    def start(self, graph: dict) -> None:
        self._graph = graph

    def task_timing(self, key: Any, worker: str, start: float, end: float) -> None:
        task = self._graph.get(key)
        name = getattr(task, "name", type(task).__name__)
        self.results.append(TaskRecord(key, name, start, end, worker))

    def finish(self, graph: dict, errored: bool) -> None:
        self._graph = {}  # do not keep the graph (and what its tasks hold) alive

    def frame(self):
        """A pandas DataFrame with one row per task: key, name, worker, start, end, elapsed."""
        import pandas as pd

        columns = ["key", "name", "worker", "start", "end", "elapsed"]
        rows = [(repr(r.key), r.name, r.worker, r.start, r.end, r.elapsed) for r in self.results]
        return pd.DataFrame(rows, columns=columns)

    def svg(self) -> str:
        """The task stream as SVG: a lane per worker, a bar per task coloured by task group."""
        from exec.diagnostics.plots import task_stream_svg

        return task_stream_svg(self.results)

    def visualize(self, filename: str = "profile.html") -> str:
        """Write the task stream as a self-contained HTML (or ``.svg``) file; returns the SVG."""
        from exec.diagnostics.plots import write_plot

        return write_plot(filename, "Task stream", self.svg())

    def summary(self):
        """A pandas DataFrame: per task name, how many ran and their total and mean seconds."""
        return self.frame().groupby("name")["elapsed"].agg(["count", "sum", "mean"]).sort_values("sum", ascending=False)
