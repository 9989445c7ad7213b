"""What logging every SQL query in ``exec.diagnostics.QUERY_LOG`` costs, per TPC-H query.

Runs no query: for each query it builds the graph ``to_arrow`` would run, then times the query
log's own work on it (the plan tree, the tracker mapping every task to its operator, and one
``posttask`` per task with a result table). Measured in isolation because the whole suite's run
time on a shared machine varies by more than this costs.

    python -m benchmarks.query_log_overhead --data /tmp/tpch/sf1
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pyarrow as pa

import exec as ex
import sqlengine
from benchmarks.tpch import QUERIES, statements
from exec.diagnostics.queries import QueryLog, QueryTracker
from frames.dataframe.expr.node import build_graph
from frames.dataframe.tracking import plan_tree


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/tpch/sf1")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    ctx = sqlengine.Context()
    for t in ("customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"):
        ctx.register(t, str(Path(args.data) / f"{t}.parquet"))
    table = pa.table({"x": list(range(1000))})
    log = QueryLog()
    total_us, total_tasks = 0.0, 0
    print("| query | tasks | log cost per run (µs) |\n|---|---:|---:|")
    for n in range(1, 23):
        sql = statements(n)
        frame = ctx.sql(";".join(sql))
        node = frame._optimized()
        built, keys = build_graph(node)
        graph = ex.fuse(ex.cull(built, keys), keys)  # what frames.base.run hands the scheduler
        t0 = time.perf_counter()
        for _ in range(args.repeat):
            record = log.start("q", plan_tree(node))
            tracker = QueryTracker(record, finish_record=True, remote_tasks=False)
            tracker.start(graph)
            for key in graph:
                if type(graph[key]) is ex.Task:
                    tracker.posttask(key, table, 0.001)
            tracker.finish(graph, False)
        us = (time.perf_counter() - t0) / args.repeat * 1e6
        tasks = sum(1 for v in graph.values() if type(v) is ex.Task)
        total_us += us
        total_tasks += tasks
        print(f"| q{n} | {tasks} | {us:.0f} |")
    print(f"| **total** | {total_tasks} | {total_us:.0f} |")


if __name__ == "__main__":
    main()
