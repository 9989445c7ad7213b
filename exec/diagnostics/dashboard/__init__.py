"""The live dashboard: a web page showing the work as it runs.

Panels: **Task Stream** (a lane per worker thread or process, a bar per task coloured by its task
group, failures marked), **Progress** (per task group: done, running, waiting), **Workers** (CPU
and memory per worker, bytes of results held) and **Queries** (every SQL query with its plan and
per operator rows, time and bytes, live while it runs). ``serve_cluster`` serves it for a local
Client's cluster (``Client(dashboard_address=0).dashboard_link``); ``start_dashboard`` for the
plain schedulers (threads, processes, sync; the REPL's ``--dashboard`` and ``.dashboard``);
``start_dashboard(panels=("queries",), links=...)`` only the Queries panel, beside an attached
Dask cluster's own dashboard. Needs the ``dashboard`` extra (starlette, uvicorn, psutil).
"""

from __future__ import annotations

import os
import time
from typing import Any

from exec.diagnostics.dashboard.queries import QueryFeed
from exec.diagnostics.dashboard.tasks import TaskCallback, TaskLog, key_group
from exec.diagnostics.dashboard.workers import WorkerSampler, pool_threads
from exec.errors import ConfigError

PANELS = ("tasks", "progress", "workers", "queries")

__all__ = ["Dashboard", "TaskCallback", "TaskLog", "key_group", "serve_cluster", "start_dashboard"]


def _require() -> None:
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ConfigError("the dashboard needs starlette and uvicorn: pip install 'sqlengine[dashboard]'") from None


class Dashboard:
    """A running dashboard: ``link`` is its address, ``stop()`` ends it."""

    def __init__(self, address: Any, log: TaskLog, sampler: WorkerSampler | None, panels=PANELS,
                 links: dict | None = None, title: str = "sqlengine", interval: float = 0.5):
        _require()
        from exec.diagnostics.dashboard.server import DashboardServer

        unknown = set(panels) - set(PANELS)
        if unknown:
            raise ConfigError(f"unknown dashboard panels {sorted(unknown)}; the panels are {', '.join(PANELS)}")
        self.log = log
        self.sampler = sampler
        self.panels = tuple(panels)
        self.links = dict(links or {})
        self.title = title
        self.queries = QueryFeed() if "queries" in self.panels else None
        self._callback: TaskCallback | None = None
        self.server = DashboardServer(self.snapshot, log.bars_after, address, interval)
        self.link = self.server.link

    def snapshot(self) -> dict:
        """Everything the page shows now (without the task bars, which go out incrementally)."""
        data: dict = {"title": self.title, "panels": list(self.panels), "links": self.links,
                      "now": time.perf_counter(), "pid": os.getpid()}
        if "progress" in self.panels:
            data["progress"] = self.log.progress()
        if "workers" in self.panels and self.sampler is not None:
            data["workers"] = self.sampler.sample(self.log.held_bytes())
        if "queries" in self.panels:
            data["queries"] = self.queries.view()
        return data

    def watch_schedulers(self) -> "Dashboard":
        """Also show the work of the plain schedulers (an ``exec.callbacks`` callback, active until
        ``stop``)."""
        if self._callback is None:
            self._callback = TaskCallback(self.log).__enter__()
        return self

    def stop(self) -> None:
        if self._callback is not None:
            self._callback.__exit__(None, None, None)
            self._callback = None
        if self.queries is not None:
            self.queries.close()
        self.server.stop()

    def __enter__(self) -> "Dashboard":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<Dashboard {self.link}>"


def serve_cluster(cluster: Any, address: Any) -> str:
    """Serve a dashboard for a local Client's cluster (it feeds ``cluster.observer``); the
    cluster stops it when it closes. Returns the link."""
    log = TaskLog()
    sampler = WorkerSampler(cluster.worker_pids, lambda: [] if cluster.processes else pool_threads(cluster._pool))
    dashboard = Dashboard(address, log, sampler, title=f"sqlengine: {cluster!r}")
    cluster.observer = log
    cluster.dashboard = dashboard
    return dashboard.link


def _scheduler_threads() -> list:
    """The worker threads of the "threads" scheduler's pools."""
    from exec import schedulers

    scheduler = schedulers._SCHEDULERS.get("threads")
    pools = list(getattr(scheduler, "_pools", {}).values())
    return [t for pool in pools for t in pool_threads(pool)]


def _scheduler_pids() -> list[int]:
    """The worker processes of the "processes" scheduler, once it has started them."""
    from exec import schedulers

    scheduler = schedulers._SCHEDULERS.get("processes")
    pool = getattr(scheduler, "_pool", None)
    return pool.pids() if pool is not None else []


def start_dashboard(address: Any = True, panels=PANELS, links: dict | None = None, title: str = "sqlengine") -> Dashboard:
    """A dashboard of the plain schedulers' work (sync, threads, processes) and of every SQL query
    of this process; ``address`` as a Client's ``dashboard_address`` (True: 127.0.0.1:8787)."""
    sampler = WorkerSampler(_scheduler_pids, _scheduler_threads) if "workers" in panels else None
    dashboard = Dashboard(address, TaskLog(), sampler, panels, links, title)
    return dashboard.watch_schedulers() if {"tasks", "progress"} & set(panels) else dashboard
