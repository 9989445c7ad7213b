"""CPU and memory of this process and its worker processes over time, sampled in a thread."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from exec.callbacks import Callback
from exec.errors import SqlEngineError


@dataclass(frozen=True)
class ResourceSample:
    time: float  # time.perf_counter() seconds (the Profiler's clock)
    cpu_percent: float  # of one core, summed over this process and its children (200 = two busy cores)
    memory_bytes: int  # resident set size, summed likewise


class ResourceProfiler(Callback):
    """``with ResourceProfiler(dt=0.1) as rprof: ...``: samples CPU and resident memory every
    ``dt`` seconds while computations run (and while the block is open), into ``rprof.results``.
    Process-pool workers are children of this process and are counted with it."""

    def __init__(self, dt: float = 0.1):
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil is a dependency
            raise SqlEngineError("ResourceProfiler needs psutil: pip install psutil") from None
        self.dt = dt
        self.results: list[ResourceSample] = []
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._running = 0
        self._lock = threading.Lock()

    def _sample(self) -> None:
        """Samples every ``dt`` until stopped, and once more on the way out, so a profile always
        has its first and last moments even when the work was shorter than ``dt``."""
        procs = {self._process.pid: self._process}
        while not self._stop.is_set():
            self._take(procs)
            self._stop.wait(self.dt)
        self._take(procs)

    def _take(self, procs: dict) -> None:
        import psutil

        try:
            for child in self._process.children(recursive=True):
                procs.setdefault(child.pid, child)
        except psutil.Error:
            pass
        cpu, mem = 0.0, 0
        for pid, p in list(procs.items()):
            try:
                with p.oneshot():
                    cpu += p.cpu_percent(None)  # since this process's last sample
                    mem += p.memory_info().rss
            except psutil.Error:  # exited
                del procs[pid]
        self.results.append(ResourceSample(time.perf_counter(), cpu, mem))

    def _begin(self) -> None:
        with self._lock:
            self._running += 1
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._sample, name="resource-profiler", daemon=True)
                self._thread.start()

    def _end(self) -> None:
        with self._lock:
            self._running -= 1
            if self._running > 0 or self._thread is None:
                return
            thread, self._thread = self._thread, None
        self._stop.set()
        thread.join()

    def __enter__(self):
        self._begin()
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self._end()

    def start(self, graph: dict) -> None:
        self._begin()

    def finish(self, graph: dict, errored: bool) -> None:
        self._end()

    def frame(self):
        """A pandas DataFrame: time, cpu_percent, memory_bytes."""
        import pandas as pd

        return pd.DataFrame([(s.time, s.cpu_percent, s.memory_bytes) for s in self.results],
                            columns=["time", "cpu_percent", "memory_bytes"])

    def svg(self) -> str:
        from exec.diagnostics.plots import resource_svg

        return resource_svg(self.results)

    def visualize(self, filename: str = "resources.html") -> str:
        """Write CPU and memory over time as a self-contained HTML (or ``.svg``) file; returns the SVG."""
        from exec.diagnostics.plots import write_plot

        return write_plot(filename, "Resources", self.svg())
