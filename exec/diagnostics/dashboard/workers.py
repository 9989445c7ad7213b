"""The Workers panel's numbers: CPU and memory of each worker process, CPU of each worker
thread, and the bytes of results each worker made that are held.

Read with psutil (the ``dashboard`` extra) once per tick while a browser is connected; without
psutil the CPU and memory columns are empty rather than wrong.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Iterable

try:
    import psutil
except ImportError:  # the panel still lists the workers and their bytes held
    psutil = None


def pool_threads(pool) -> list[threading.Thread]:
    """The threads a ``ThreadPoolExecutor`` has started (none for other pools)."""
    return list(getattr(pool, "_threads", ()) or ())


class WorkerSampler:
    """``sample(held)``: one row per worker: name, kind, cpu (percent of one core), memory (RSS
    bytes; threads share their process's), held (bytes)."""

    def __init__(self, worker_pids: Callable[[], list[int]], worker_threads: Callable[[], Iterable[threading.Thread]]):
        self.worker_pids = worker_pids
        self.worker_threads = worker_threads
        self._procs: dict[int, object] = {}
        self._thread_times: dict[int, tuple[float, float]] = {}  # native id -> (cpu seconds, when)

    def _process(self, pid: int):
        proc = self._procs.get(pid)
        if proc is None and psutil is not None:
            try:
                proc = self._procs[pid] = psutil.Process(pid)
                proc.cpu_percent(None)  # the first call starts the measurement
            except psutil.Error:
                return None
        return proc

    def _usage(self, pid: int) -> tuple[float | None, int | None]:
        proc = self._process(pid)
        if proc is None:
            return None, None
        try:
            return proc.cpu_percent(None), proc.memory_info().rss
        except psutil.Error:
            self._procs.pop(pid, None)
            return None, None

    def _thread_cpu(self) -> dict[int, float]:
        """CPU percent of each thread of this process since the last sample."""
        if psutil is None:
            return {}
        now = time.monotonic()
        out = {}
        try:
            threads = self._process(os.getpid()).threads()
        except (psutil.Error, AttributeError):
            return {}
        times = {}
        for t in threads:
            used = t.user_time + t.system_time
            times[t.id] = (used, now)
            before = self._thread_times.get(t.id)
            if before is not None and now > before[1]:
                out[t.id] = 100.0 * (used - before[0]) / (now - before[1])
        self._thread_times = times
        return out

    def sample(self, held: dict[str, int]) -> list[dict]:
        pid = os.getpid()
        cpu, rss = self._usage(pid)
        rows = [{"name": f"client (process {pid})", "kind": "process", "cpu": cpu, "memory": rss,
                 "held": held.get("client", 0)}]
        thread_cpu = self._thread_cpu()
        for t in sorted(self.worker_threads(), key=lambda t: t.name):
            rows.append({"name": t.name, "kind": "thread", "cpu": thread_cpu.get(t.native_id), "memory": None,
                             "held": held.get(t.name, 0)})
        pids = self.worker_pids()
        for p in pids:
            cpu, rss = self._usage(p)
            name = f"process-{p}"
            rows.append({"name": name, "kind": "process", "cpu": cpu, "memory": rss, "held": held.get(name, 0)})
        for gone in set(self._procs) - set(pids) - {pid}:
            del self._procs[gone]
        return rows
