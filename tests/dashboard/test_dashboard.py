"""The dashboard's data and server without a browser: what its snapshot says about the tasks,
workers and queries of a local Client, of the plain schedulers and beside a Dask cluster; its
addresses and errors; the REPL's --dashboard and .dashboard."""

from __future__ import annotations

import io
import json
import socket
import urllib.error
import urllib.request
from importlib import resources

import numpy as np
import pytest

import exec as ex
import frames
from exec.errors import ConfigError

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from exec.diagnostics.dashboard import TaskLog, key_group, start_dashboard  # noqa: E402
from exec.diagnostics.dashboard.queries import query_json  # noqa: E402
from exec.diagnostics.dashboard.server import parse_address  # noqa: E402


def snapshot(link: str, after: int = 0) -> dict:
    base = link.rsplit("/", 1)[0]
    with urllib.request.urlopen(f"{base}/api/snapshot?after={after}", timeout=30) as r:
        return json.load(r)


def until(link: str, test, timeout: float = 30.0) -> dict:
    """The first snapshot that passes ``test`` (snapshots are rebuilt at most every tick)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        snap = snapshot(link)
        if test(snap) or time.monotonic() > deadline:
            return snap
        time.sleep(0.1)


def group(snap: dict, name: str) -> dict:
    return next(g for g in snap["progress"] if g["group"] == name)


def inc(x):
    return x + 1


def boom(x):
    raise ValueError("boom")


def big(n):
    return np.ones(n)


@pytest.mark.parametrize("key, expected", [
    ("inc-5b8e0f11d2a4c6e8", "inc"),
    (("read-parquet-3fa2c1d9e8b7a6f5", 4), "read-parquet"),
    ("finalize-dataframe-0123456789abcdef0123456789abcdef", "finalize-dataframe"),
    (("x", 1, 2), "x"),
    (17, "17"),
])
def test_key_group(key, expected):
    assert key_group(key) == expected


def test_addresses():
    assert parse_address(True) == ("127.0.0.1", 8787, False)
    assert parse_address(0) == ("127.0.0.1", 0, True)
    assert parse_address(":8790") == ("127.0.0.1", 8790, True)
    assert parse_address("localhost:0") == ("localhost", 0, True)
    for bad in ("127.0.0.1:http", "nowhere:99999", 2.5):
        with pytest.raises(ConfigError, match="dashboard address"):
            parse_address(bad)


def test_taken_port_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            frames.Client(processes=False, n_workers=1, dashboard_address=port, set_as_default=False)


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_client_dashboard_counts_tasks_workers_and_bytes(processes):
    with frames.Client(processes=processes, n_workers=2, threads_per_worker=1, dashboard_address=0,
                       set_as_default=False) as client:
        link = client.dashboard_link
        assert link.startswith("http://127.0.0.1:") and link.endswith("/status")
        assert client.gather(client.map(inc, range(50))) == list(range(1, 51))
        bad = client.submit(boom, 1)
        after_bad = client.submit(inc, bad)  # fails with it, without running
        with pytest.raises(ValueError):
            after_bad.result()
        held = client.submit(big, 100_000)  # 800 kB kept by the Client for this Future
        held.result()
        snap = snapshot(link)
        assert group(snap, "inc") == {"group": "inc", "waiting": 0, "running": 0, "done": 50, "error": 1}
        assert group(snap, "boom")["error"] == 1
        bars = snap["bars"]
        assert sum(b[2] == "inc" for b in bars) == 50  # the failed dependent never ran: no bar
        failed = [b for b in bars if not b[5]]
        assert [b[2] for b in failed] == ["boom"]
        assert all(b[3] <= b[4] for b in bars)
        names = [w["name"] for w in snap["workers"]]
        lanes = {b[1] for b in bars}
        if processes:
            assert sorted(n for n in names if n.startswith("process-")) == sorted(f"process-{p}" for p in client.cluster.worker_pids())
            assert all(w["memory"] > 0 for w in snap["workers"] if w["kind"] == "process")
        else:
            assert sum(n.startswith("frames-client_") for n in names) == 2
        assert lanes <= set(names)
        held_by = {w["name"]: w["held"] for w in snap["workers"]}
        assert sum(held_by.values()) >= 800_000
        assert snapshot(link, after=bars[-1][0])["bars"] == []  # a browser gets only the bars it has not seen
        del held
    with pytest.raises(urllib.error.URLError):  # closing the Client stops its dashboard
        snapshot(link)


def test_no_dashboard_unless_asked():
    with frames.Client(processes=False, n_workers=1, set_as_default=False) as client:
        assert client.dashboard_link is None and client.cluster.observer is None


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_plain_schedulers(scheduler):
    with start_dashboard(0) as dash:
        graph = {("square", i): ex.Task(np.square, float(i)) for i in range(6)}
        graph["total"] = ex.Task(sum, [ex.Ref(k) for k in list(graph)])
        assert ex.get(graph, ["total"], scheduler=scheduler) == [sum(float(i) ** 2 for i in range(6))]
        with pytest.raises(ValueError):
            ex.get({"bad-1": ex.Task(boom, 1)}, ["bad-1"], scheduler=scheduler)
        snap = snapshot(dash.link)
        assert group(snap, "square") == {"group": "square", "waiting": 0, "running": 0, "done": 6, "error": 0}
        assert group(snap, "total")["done"] == 1 and group(snap, "bad")["error"] == 1
        assert [b[2] for b in snap["bars"] if not b[5]] == ["bad"]
        if scheduler == "processes":
            assert any(w["name"].startswith("process-") for w in snap["workers"])


def test_dask_cluster_shows_its_own_dashboard_and_our_queries(dask_client):
    with frames.Client(dask_client, dashboard_address=0, set_as_default=False) as client:
        assert client.dashboard_link == dask_client.dashboard_link
        ours = client.sql_dashboard_link
        assert ours and ours != client.dashboard_link
        snap = snapshot(ours)
        assert snap["panels"] == ["queries"] and snap["links"] == {"Dask dashboard": dask_client.dashboard_link}
        assert "queries" in snap and "progress" not in snap
        import pandas as pd
        import sqlengine

        ctx = sqlengine.Context()
        ctx.register("t", frames.from_pandas(pd.DataFrame({"x": range(100)}), npartitions=3))
        text = "SELECT x FROM t WHERE x % 4 = 0"
        assert len(ctx.sql(text).compute(scheduler=client)) == 25  # the tasks run on the cluster's workers
        shown = until(ours, lambda s: any(q["text"] == text and q["status"] == "finished" for q in s["queries"]["queries"]))
        plan = next(q for q in shown["queries"]["queries"] if q["text"] == text)["plan"]
        assert plan["rows"] == 25 and plan["tasks_done"] == plan["tasks_total"] > 0 and plan["seconds"] > 0
    with pytest.raises(urllib.error.URLError):
        snapshot(ours)


@pytest.mark.parametrize("where", ["threads", "client-threads", "client-processes"])
def test_queries_panel_live_and_kept(dash_link_for_queries, where):
    """A query's plan and counters while it runs (its tracker fed by the tasks, also on a local
    Client, which tells each task's callbacks as it finishes) and after."""
    from exec.diagnostics.queries import QUERY_LOG

    link = dash_link_for_queries
    client = None if where == "threads" else frames.Client(processes=where.endswith("processes"), n_workers=2,
                                                           set_as_default=False)
    plan = {"id": 1, "name": "Aggregate", "detail": "count(*)", "key": "agg",
            "children": [{"id": 2, "name": "Scan", "detail": "t", "key": "scan", "children": []}]}
    record = QUERY_LOG.start("SELECT count(*) FROM t", plan)
    try:
        import pyarrow as pa

        graph = {("scan", i): ex.Task(pa.table, {"x": list(range(10 * i, 10 * i + 10))}) for i in range(3)}
        graph[("agg", 0)] = ex.Task(len, [ex.Ref(k) for k in list(graph)])
        with record.tracker():
            assert ex.get(graph, [("agg", 0)], scheduler=client or "threads") == [3]
        live = next(q for q in snapshot(link)["queries"]["queries"] if q["text"] == "SELECT count(*) FROM t")
        assert live["status"] == "running"
        top = live["plan"]
        assert (top["name"], top["tasks_done"], top["tasks_total"]) == ("Aggregate", 1, 1)
        scan = top["children"][0]
        assert (scan["name"], scan["rows"], scan["tasks_done"], scan["tasks_total"]) == ("Scan", 30, 3, 3)
        assert scan["peak_bytes"] > 0 and scan["seconds"] >= 0
    finally:
        QUERY_LOG.finish(record)
        if client is not None:
            client.close()
    ours = lambda snap: next(q for q in snap["queries"]["queries"] if q["id"] == str(record.id))  # noqa: E731
    kept = ours(until(link, lambda snap: ours(snap)["status"] != "running"))
    assert kept["status"] == "finished" and kept["plan"]["children"][0]["rows"] == 30


@pytest.fixture
def dash_link_for_queries():
    with start_dashboard(0, panels=("queries",)) as dash:
        yield dash.link


def test_query_json_of_a_failed_query():
    view = query_json({"id": 7, "text": "SELECT boom()", "state": "error", "error": "ValueError: boom", "seconds": 0.5,
                       "plan": {"id": 1, "name": "Project", "detail": "", "stats": {"rows": 0, "tasks_done": 0,
                                                                                       "tasks_total": 2}, "children": []}})
    assert (view["status"], view["error"], view["plan"]["tasks_total"], view["plan"]["spilled_bytes"]) == \
        ("error", "ValueError: boom", 2, None)


def test_page_is_self_contained():
    static = resources.files("exec.diagnostics.dashboard") / "static"
    for name in ("index.html", "dashboard.js", "dashboard.css"):
        text = (static / name).read_text()
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, name
    html = (static / "index.html").read_text()
    for title in ("Task Stream", "Progress", "Workers", "Queries"):
        assert f"<h2>{title}</h2>" in html


def test_task_log_forgets_what_did_not_run():
    log = TaskLog()
    log.added("a", "a-1")
    log.added("b", "a-2")
    log.started([("a", "a-1")])
    log.forget(["a", "b"])
    assert log.progress() == [{"group": "a", "waiting": 0, "running": 0, "done": 0, "error": 0}]


def test_repl_dashboard():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "repl", "--dashboard", "0", "-c", "SELECT 41 + 1 AS answer"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "42" in out.stdout and "dashboard: http://127.0.0.1:" in out.stderr


def test_repl_meta_command():
    from repl.run import Settings
    from repl.shell import Shell
    import sqlengine

    out = io.StringIO()
    shell = Shell(sqlengine.Context(), Settings(format="table", scheduler=None, debug=False, output=None, timing=False),
                  history=False, out=out)
    shell.meta(".dashboard 0")
    shell.meta(".dashboard")  # the running one again
    link = out.getvalue().split()[1]
    assert out.getvalue().count(link) == 2
    shell.run_sql("SELECT count(*) FROM range(10) t(x);")
    assert snapshot(link)["panels"] == ["tasks", "progress", "workers", "queries"]
    shell.meta(".dashboard off")
    assert "dashboard stopped" in out.getvalue()
    with pytest.raises(urllib.error.URLError):
        snapshot(link)
