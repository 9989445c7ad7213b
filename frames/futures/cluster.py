"""``LocalCluster``: the workers of a local Client, threads or processes on this machine.

The workers are exec's own: worker processes are an ``exec.process_pool.ProcessPool`` of the
Client's own (plain subprocesses speaking cloudpickle over pipes, several threads each when asked),
threads a ``ThreadPoolExecutor``. Both take jobs as ``submit(exec.core.run_batch, batch)``, the
one job every local worker does; the Client's scheduler (``frames.futures.local``) decides what
goes in a batch. Nothing here listens on a network: a cluster of many machines is Dask's
``distributed`` (``Client("tcp://...")``).
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from exec.core import run_batch
from frames.errors import InvalidArgumentError
from frames.futures.errors import ClientClosedError



def _serve_dashboard(cluster: "LocalCluster", address: Any) -> str:
    from exec.diagnostics.dashboard import serve_cluster

    return serve_cluster(cluster, address)


# The dashboard plugs in here: ``factory(cluster, address) -> url`` is called when a cluster starts
# with ``dashboard_address`` given (a port, ":port" or "host:port"; 0: any free port) and its URL
# becomes ``dashboard_link``; it may set ``cluster.observer`` to a TaskLog the backend feeds.
dashboard_factory: Callable[["LocalCluster", Any], str] | None = _serve_dashboard


def _positive(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgumentError(f"{name} must be a positive integer, not {value!r}")
    return value


class LocalCluster:
    """Workers on this machine: ``n_workers`` processes (``processes=False``: threads) of
    ``threads_per_worker`` threads each. Defaults as Dask's: processes, one per core with one
    thread each; with threads, one worker of a thread per core."""

    def __init__(self, n_workers: int | None = None, threads_per_worker: int | None = None,
                 processes: bool = True, dashboard_address: Any = None):
        cores = os.cpu_count() or 1
        if processes:
            n_workers = cores if n_workers is None else n_workers
            threads_per_worker = 1 if threads_per_worker is None else threads_per_worker
        else:
            n_workers = 1 if n_workers is None else _positive("n_workers", n_workers)
            threads_per_worker = max(1, cores // n_workers) if threads_per_worker is None else threads_per_worker
        self.n_workers = _positive("n_workers", n_workers)
        self.threads_per_worker = _positive("threads_per_worker", threads_per_worker)
        self.processes = bool(processes)
        self._lock = threading.Lock()
        self._closed = False
        self._pool: Any = None
        self._start_pool()
        self.observer: Any = None  # a dashboard's exec.diagnostics.dashboard.TaskLog
        self.dashboard: Any = None  # the dashboard's server, stopped with the cluster
        self.dashboard_link = dashboard_factory(self, dashboard_address) if dashboard_factory and dashboard_address is not None else None

    def _start_pool(self) -> None:
        if self.processes:
            from exec.process_pool import ProcessPool

            if self._pool is None:
                self._pool = ProcessPool(self.n_workers, self.threads_per_worker)
                self._pool.start()  # as Dask's: the workers boot now, not at the first submit
            else:
                self._pool.resize(self.n_workers)
        else:
            if self._pool is not None:  # a thread pool cannot grow: the old one finishes its jobs
                self._pool.shutdown(wait=False)
            self._pool = ThreadPoolExecutor(self.n_workers * self.threads_per_worker, thread_name_prefix="frames-client")

    @property
    def nthreads(self) -> int:
        """How many tasks run at once."""
        return self.n_workers * self.threads_per_worker

    @property
    def remote(self) -> bool:
        """True when tasks run in other processes (their arguments and results are pickled)."""
        return self.processes

    def submit(self, batch: list, share_dir: str | None = None, keep: int | None = None) -> Future:
        """Run ``exec.core.run_batch(batch)`` on a worker (processes: results of ``keep`` bytes or
        more stay there as ``exec.process_pool.WorkerRef``, written under ``share_dir`` when another
        process needs them; ``ProcessPool.submit``)."""
        if self._closed:
            raise ClientClosedError("the cluster is closed")
        if self.processes:
            return self._pool.submit(run_batch, batch, share_dir, keep=keep)
        return self._pool.submit(run_batch, batch)

    def on_worker_lost(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(pid)`` when a worker process dies (its held results are gone)."""
        self._pool.lost_callbacks.append(callback)

    def running_on(self, jobs: set) -> dict[int, bool]:
        """pid -> whether the worker runs nothing but ``jobs``, for the workers running any of them."""
        return self._pool.running_on(jobs)

    def kill_worker(self, pid: int) -> None:
        self._pool.kill_worker(pid)

    def bytes_received(self) -> int:
        """Bytes the worker processes have sent to this process (results, fetched values)."""
        return self._pool.bytes_received if self.processes else 0

    def interrupt(self, jobs: set) -> None:
        """Stop running jobs: worker processes running them are killed (and replaced); threads
        cannot be stopped, their results are dropped."""
        if self.processes:
            self._pool.interrupt(jobs)

    def worker_pids(self) -> list[int]:
        """The process ids of the running worker processes (none for threads)."""
        return self._pool.pids() if self.processes else []

    def scale(self, n: int) -> None:
        """Run ``n`` workers from now on (extra ones stop when their tasks are done)."""
        with self._lock:
            self.n_workers = _positive("n", n)
            self._start_pool()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self.dashboard is not None:
                self.dashboard.stop()
            if self.processes:
                self._pool.shutdown()
            else:
                self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> "LocalCluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        kind = "processes" if self.processes else "threads"
        return f"LocalCluster({self.n_workers} workers x {self.threads_per_worker} threads, {kind})"
