"""exec.diagnostics.queries: the query log and its per-operator counters, on every local scheduler."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

import exec as ex
from exec.diagnostics.queries import QueryLog, format_analyzed, walk


def _make(n: int, i: int) -> pa.Table:
    return pa.table({"x": list(range(i * n, (i + 1) * n))})


def _keep_even(t: pa.Table) -> pa.Table:
    import pyarrow.compute as pc

    return t.filter(pc.equal(pc.bit_wise_and(t["x"], 1), 0))


def _concat(*ts: pa.Table) -> pa.Table:
    return pa.concat_tables(ts)


def _graph(parts: int = 3, n: int = 10) -> dict:
    g: dict = {}
    for i in range(parts):
        g[("scan-1", i)] = ex.Task(_make, n, i)
        g[("scan-1-decode", i)] = ex.Task(lambda t: t, ex.Ref(("scan-1", i)))  # an internal step of scan-1
        g[("filter-2", i)] = ex.Task(_keep_even, ex.Ref(("scan-1-decode", i)))
        g[("shuffle-9", i)] = ex.Task(lambda t: t, ex.Ref(("filter-2", i)))  # no operator is named for it
    g[("concat-3", 0)] = ex.Task(_concat, *[ex.Ref(("shuffle-9", i)) for i in range(parts)])
    return g


TREE = {"id": 3, "name": "concat", "key": "concat-3", "children": [
    {"id": 2, "name": "filter", "detail": "x % 2 = 0", "key": "filter-2", "children": [
        {"id": 1, "name": "scan", "key": "scan-1", "children": []}]}]}


@pytest.mark.parametrize("fused", [False, True])
def test_counters_match_the_results(scheduler, fused):
    log = QueryLog()
    events = []
    log.subscribe(lambda event, record: events.append(event))
    record = log.start("SELECT x FROM t WHERE x % 2 = 0", TREE)
    graph = _graph()
    if fused:
        graph = ex.fuse(graph, [("concat-3", 0)])
    (out,) = ex.get(graph, [("concat-3", 0)], scheduler=scheduler, callbacks=[record.tracker()])
    log.finish(record)
    ops = record.operators
    assert out.num_rows == 15
    assert ops[3].rows == 15 and ops[3].peak_bytes == out.nbytes
    # the unnamed shuffle step belongs to the operator of its user (concat)
    assert ops[3].tasks_total == 4
    if not fused:  # a fused chain returns only its last member's output
        assert ops[1].rows == 30 and ops[2].rows == 15
        assert ops[1].tasks_total == 6  # scan-1 and its decode step
        assert ops[2].tasks_total == 3
    else:  # each chain scan -> decode -> filter -> shuffle is one task, counted once by each operator in it
        assert ops[1].tasks_total == ops[2].tasks_total == 3
    # the root is #1; scan's and filter's outputs were made inside concat's (fused) tasks
    assert [ops[i].number for i in (3, 2, 1)] == [1, 2, 3]
    assert [ops[i].fused_into for i in (3, 2, 1)] == ([None, 1, 1] if fused else [None, None, None])
    assert all(o.tasks_done == o.tasks_total for o in ops.values())
    assert record.state == "done" and record.ended is not None
    assert events[0] == "start" and events[-1] == "finish"
    assert log.records() == [record]
    snap = record.snapshot()
    assert snap["plan"]["children"][0]["stats"]["tasks_total"] == ops[2].tasks_total
    assert snap["plan"]["children"][0]["stats"]["fused_into"] == ops[2].fused_into
    text = format_analyzed(record)
    assert ("#2 x % 2 = 0" in text) and (("fused into #1" in text) == fused)


def test_history_is_bounded_and_errors_are_kept():
    log = QueryLog(history=2)
    records = [log.start(f"q{i}", {"id": 0, "name": "x", "children": []}) for i in range(3)]
    for r in records[:2]:
        log.finish(r)
    log.finish(records[2], ValueError("boom"))
    assert [r.text for r in log.records()] == ["q1", "q2"]
    assert records[2].state == "error" and "boom" in records[2].error
    assert log.get(records[0].id) is None and log.get(records[2].id) is records[2]


def test_subscribers_from_many_threads():
    log = QueryLog()
    seen = []
    lock = threading.Lock()

    def cb(event, record):
        with lock:
            seen.append((event, record.id))

    unsubscribe = log.subscribe(cb)

    def work():
        r = log.start("q", TREE)
        ex.get(_graph(), [("concat-3", 0)], scheduler="sync", callbacks=[r.tracker()])
        log.finish(r)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    unsubscribe()
    assert sum(1 for e, _ in seen if e == "finish") == 4
    log.start("after", TREE)
    assert sum(1 for e, _ in seen if e == "start") == 4


def test_walk_is_parents_first():
    assert [n["id"] for n in walk(TREE)] == [3, 2, 1]
