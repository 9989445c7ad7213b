"""The dashboard in a real browser: headless Chromium loads it while a local Client works, and
the four panels are there, their numbers move while the work runs, failures are marked, nothing
is fetched from anywhere but the dashboard's own 127.0.0.1 server, and a screenshot is written."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import frames
from tests.dashboard.browser import Browser, chromium_path

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
pytestmark = pytest.mark.skipif(chromium_path() is None, reason="needs Debian's chromium (installed by .ci/run)")

PANELS = ["Task Stream", "Progress", "Workers", "Queries"]


def nap(x):
    time.sleep(0.01)
    return x


def fail(x):
    raise ValueError(f"task {x} fails on purpose")


class Workload:
    """Tasks submitted in rounds until stopped (at most ``limit`` of them, for one minute)."""

    def __init__(self, client, limit: int = 6000):
        self.client, self.limit = client, limit
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 60
        while not self._stop.is_set() and self.done < self.limit and time.monotonic() < deadline:
            self.client.gather(self.client.map(nap, range(self.done, self.done + 40)))
            self.done += 40

    def __enter__(self) -> "Workload":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(30)


def number(b, element_id):
    return b.eval(f"Number(document.getElementById('{element_id}').textContent)")


async def watch(link: str, client, screenshot: str) -> dict:
    base = link.rsplit("/", 1)[0] + "/"
    seen = {}
    async with Browser() as b:
        await b.open(link)
        await b.wait_for("document.getElementById('status').textContent === 'live'")
        seen["titles"] = await b.eval("[...document.querySelectorAll('.panel:not(.hidden) h2')].map(h => h.textContent)")
        with Workload(client) as work:
            await b.wait_for("Number(document.getElementById('tasks-count').textContent) > 0")
            first = {i: await number(b, i) for i in ("tasks-count", "progress-done")}
            await b.wait_for(f"Number(document.getElementById('progress-done').textContent) > {first['progress-done']}"
                             f" && Number(document.getElementById('tasks-count').textContent) > {first['tasks-count']}")
            seen["moved"] = (first, {i: await number(b, i) for i in ("tasks-count", "progress-done")})
            seen["lanes"] = await b.eval("document.querySelectorAll('#workers tbody tr').length")
            seen["bars_drawn"] = await b.eval("document.querySelectorAll('#legend span').length")
        assert work.done > 0
        bad = client.submit(fail, 1)
        with pytest.raises(ValueError):
            bad.result()
        await b.wait_for("Number(document.getElementById('tasks-errors').textContent) > 0")
        await b.wait_for("Number(document.getElementById('progress-error').textContent) > 0")
        seen["groups"] = await b.eval("[...document.querySelectorAll('#progress [data-group]')].map(e => e.dataset.group)")
        seen["workers"] = await b.eval("[...document.querySelectorAll('#workers tbody tr td:first-child')].map(e => e.textContent)")
        await b.screenshot(screenshot)
        seen["requests"] = list(b.requests)
    seen["base"] = base
    return seen


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_dashboard_in_chromium(tmp_path, processes):
    with frames.Client(processes=processes, n_workers=2, threads_per_worker=1, dashboard_address="127.0.0.1:0",
                       set_as_default=False) as client:
        shot = str(tmp_path / "dashboard.png")
        seen = asyncio.run(watch(client.dashboard_link, client, shot))
        server = client.cluster.dashboard.server
        access = list(server.requests)
    assert seen["titles"] == PANELS
    (before, after) = seen["moved"]
    assert after["tasks-count"] > before["tasks-count"] > 0 and after["progress-done"] > before["progress-done"]
    assert {"nap", "fail"} <= set(seen["groups"])
    workers = seen["workers"]
    if processes:
        assert sum(w.startswith("process-") for w in workers) == 2
    else:
        assert sum(w.startswith("frames-client_") for w in workers) == 2
    assert seen["bars_drawn"] >= 1
    # nothing but the dashboard's own server: the browser's network log and the server's access log
    assert seen["requests"] and all(u.startswith(seen["base"]) for u in seen["requests"]), seen["requests"]
    paths = {p for _, p in access}
    assert {"/status", "/static/dashboard.js", "/static/dashboard.css", "/events"} <= paths
    assert {host for host, _ in access} == {"127.0.0.1"}
    with open(shot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def read_part(i):
    import pyarrow as pa

    time.sleep(0.05)
    return pa.table({"x": list(range(100 * i, 100 * i + 100))})


def count_rows(*tables):
    return sum(t.num_rows for t in tables)


def test_queries_panel_in_chromium(tmp_path):
    """A query's plan and row counts on the page while its tasks run on the threads scheduler, and
    the query kept, finished, afterwards (the REPL's dashboard: the plain schedulers)."""
    import exec as ex
    from exec.diagnostics.dashboard import start_dashboard
    from exec.diagnostics.queries import QUERY_LOG

    parts = 80
    plan = {"id": 1, "name": "Aggregate", "detail": "count(*)", "key": "count",
            "children": [{"id": 2, "name": "Scan", "detail": "parts", "key": "read", "children": [
                {"id": 3, "name": "Source", "detail": "part numbers", "key": "part", "children": []}]}]}
    graph = {("part", i): ex.Task(int, i) for i in range(parts)}
    graph.update({("read", i): ex.Task(read_part, ex.Ref(("part", i))) for i in range(parts)})
    graph[("count", 0)] = ex.Task(count_rows, *[ex.Ref(("read", i)) for i in range(parts)])
    graph = ex.fuse(graph, [("count", 0)])  # each part -> read chain is one task: Source is fused into Scan (#2)

    def run_query(record):
        try:
            with record.tracker():
                ex.get(graph, [("count", 0)], scheduler="threads", num_workers=2)
        finally:
            QUERY_LOG.finish(record)

    scan_rows = "Number(document.querySelector('#queries .plan ul .op').dataset.rows || 0)"

    async def watch(link):
        async with Browser() as b:
            await b.open(link)
            await b.wait_for("document.getElementById('status').textContent === 'live'")
            record = QUERY_LOG.start("SELECT count(*) FROM parts", plan)
            worker = threading.Thread(target=run_query, args=(record,))
            worker.start()
            try:
                await b.wait_for("document.querySelector('#queries [data-status=running] .plan ul .op') !== null")
                first = await b.wait_for(f"{scan_rows} > 0 && {scan_rows}")
                second = await b.wait_for(f"{scan_rows} > {first} && {scan_rows}")
                running = await b.eval("Number(document.getElementById('queries-running').textContent)")
                tasks_seen = await b.eval("Number(document.getElementById('tasks-count').textContent)")
            finally:
                worker.join(60)
            await b.wait_for("document.querySelector('#queries [data-status=finished]') !== null")
            # under load the page may draw the finished state a snapshot before the last counts
            final = await b.wait_for(f"{scan_rows} >= {100 * parts} && {scan_rows}")
            text = await b.eval("document.querySelector('#queries pre').textContent")
            fused = await b.eval("[document.querySelector('#queries .plan ul ul .op').dataset.fusedInto, "
                                 "document.querySelector('#queries .plan ul ul .op .stats').textContent]")
            await b.screenshot(str(tmp_path / "queries.png"))
            return first, second, running, tasks_seen, final, text, fused, list(b.requests)

    with start_dashboard(0) as dash:
        first, second, running, tasks_seen, final, text, fused, requests = asyncio.run(watch(dash.link))
    assert fused[0] == "2" and fused[1].startswith("fused into #2") and "rows" not in fused[1]
    assert 0 < first < second <= final == 100 * parts
    assert running == 1 and tasks_seen > 0
    assert text == "SELECT count(*) FROM parts"
    base = dash.link.rsplit("/", 1)[0] + "/"
    assert all(u.startswith(base) for u in requests), requests
