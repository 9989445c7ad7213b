"""What the live dashboard costs, and how the web stacks it could be built on compare.

Run: ``python -m benchmarks.dashboard``; writes ``benchmarks/results/dashboard.md``.

- *Overhead*: ``N`` tasks that do nothing (``client.map(inc, range(N))`` then ``gather``) on a
  local Client, threads and worker processes, three ways: no dashboard; a dashboard running with
  no browser on it; a dashboard shown by headless Chromium (Debian's, as the tests use: one page,
  its server-sent events every 0.5 s). The same for the plain "threads" scheduler (a graph of
  ``N`` independent tasks through ``exec.get``, the dashboard watching its callbacks). Best of
  ``ROUNDS`` rounds each, after a warm-up round; the rounds of the three ways alternate, so load
  from other work on the machine falls on all of them alike.
- *Web stacks*: seconds to import the server part of each candidate and the resident memory
  after it, in a fresh interpreter (best of 3).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks.common import publish

N = 10_000
ROUNDS = 5
RESULTS = Path(__file__).parent / "results" / "dashboard.md"
STACKS = {
    "stdlib http.server": "import http.server",
    "starlette + uvicorn": "import starlette.applications, starlette.responses, starlette.routing, uvicorn",
    "aiohttp": "import aiohttp.web",
    "tornado": "import tornado.web",
    "bokeh server (Dask's)": "import bokeh.server.server",
}


def inc(x: int) -> int:
    return x + 1


def client_round(client) -> float:
    t0 = time.perf_counter()
    values = client.gather(client.map(inc, range(N), pure=False))
    elapsed = time.perf_counter() - t0
    assert sum(values) == N * (N + 1) // 2
    return elapsed


def scheduler_round(_) -> float:
    import exec as ex

    graph = {("inc", i): ex.Task(inc, i) for i in range(N)}
    t0 = time.perf_counter()
    values = ex.get(graph, list(graph), scheduler="threads")
    elapsed = time.perf_counter() - t0
    assert sum(values) == N * (N + 1) // 2
    return elapsed


class OpenPage:
    """Headless Chromium showing ``link`` in a thread of its own until closed."""

    def __init__(self, link: str):
        self.link = link
        self._done = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self._thread.start()
        if not self._ready.wait(120):
            raise RuntimeError("chromium did not show the dashboard")

    async def _run(self) -> None:
        from tests.dashboard.browser import Browser

        async with Browser() as b:
            await b.open(self.link)
            await b.wait_for("document.getElementById('status').textContent === 'live'", 60)
            self._ready.set()
            while not self._done.is_set():
                await asyncio.sleep(0.1)

    def close(self) -> None:
        self._done.set()
        self._thread.join(30)


def measure(kind: str) -> dict[str, float]:
    """Best seconds of a round per way: "off", "on" (no browser), "shown" (Chromium open). For
    the plain scheduler, only the way measured has its dashboard's callback active."""
    import frames
    from exec.diagnostics.dashboard import start_dashboard

    if kind == "scheduler":
        things = {"off": None, "on": start_dashboard(0), "shown": start_dashboard(0)}
        link = things["shown"].link
        run = scheduler_round
    else:
        def make(address):
            return frames.Client(processes=kind == "processes", n_workers=2, threads_per_worker=1,
                                 dashboard_address=address, set_as_default=False)

        things = {"off": make(None), "on": make(0), "shown": make(0)}
        link = things["shown"].dashboard_link
        run = client_round

    def only(way: str) -> None:
        if kind != "scheduler":
            return
        from exec.callbacks import active_callbacks

        for w, dash in things.items():
            if dash is None:
                continue
            if w != way:
                dash._callback.__exit__(None, None, None)
            elif dash._callback not in active_callbacks():
                dash._callback.__enter__()

    best = dict.fromkeys(things, float("inf"))
    page = OpenPage(link)
    try:
        for way in things:  # warm-up
            only(way)
            run(things[way])
        for _ in range(ROUNDS):
            for way in things:
                only(way)
                best[way] = min(best[way], run(things[way]))
    finally:
        page.close()
        for thing in things.values():
            if thing is not None:
                thing.close() if hasattr(thing, "close") else thing.stop()
    return best


def stack_cost(statement: str) -> tuple[float, float] | None:
    code = ("import time; t = time.perf_counter(); " + statement + "; s = time.perf_counter() - t; "
            "print(s, [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmRSS')][0])")
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if out.returncode != 0:
            return None
        seconds, rss_kb = out.stdout.split()
        runs.append((float(seconds), float(rss_kb) / 1024))
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main() -> None:
    load = os.getloadavg()[0]
    lines = ["# The live dashboard: its overhead, and the web stacks measured for it", "",
             f"`python -m benchmarks.dashboard` on {os.cpu_count()} cores (load average {load:.1f} at the start), "
             f"{N:,} tasks doing nothing (`inc`), best of {ROUNDS} alternating rounds, µs per task:", "",
             "| where the tasks run | no dashboard | dashboard, no browser | dashboard open in Chromium | overhead (open) |",
             "|---|---:|---:|---:|---:|"]
    for kind, label in (("threads", "Client(processes=False), 2 threads"), ("processes", "Client(), 2 worker processes"),
                        ("scheduler", 'exec.get, "threads" scheduler')):
        best = measure(kind)
        us = {k: 1e6 * v / N for k, v in best.items()}
        lines.append(f"| {label} | {us['off']:.1f} | {us['on']:.1f} | {us['shown']:.1f} | "
                     f"{100 * (best['shown'] / best['off'] - 1):+.0f}% |")
    lines += ["", "Importing each candidate web stack's server in a fresh interpreter (best of 3):", "",
              "| stack | import seconds | resident MB after |", "|---|---:|---:|"]
    for name, statement in STACKS.items():
        cost = stack_cost(statement)
        lines.append(f"| {name} | " + ("not installed | |" if cost is None else f"{cost[0]:.3f} | {cost[1]:.0f} |"))
    lines += ["", f"Load average at the end: {os.getloadavg()[0]:.1f}. The machine is shared: rerun on a quiet one "
              "for representative figures; the overhead column compares rounds taken side by side."]
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
