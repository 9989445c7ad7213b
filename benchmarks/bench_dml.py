"""Writes to in-memory tables, sqlengine beside DuckDB: a loop of one-row INSERTs (what a script or
``executemany`` sends) at growing sizes, to show the cost per row stays flat (no re-concatenation),
then one bulk INSERT ... SELECT, an UPDATE and a DELETE over the result; both engines' final
tables must agree.

``python -m benchmarks.bench_dml [--rows 1000,2000,4000,8000]`` writes ``benchmarks/results/dml.md``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import duckdb

import sqlengine
from benchmarks.common import publish

CREATE = "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price DECIMAL(10, 2))"


def _timed(run, statements) -> float:
    start = time.perf_counter()
    for s in statements:
        run(s)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="1000,2000,4000,8000")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    lines = ["# Writes to in-memory tables", "",
             f"`python -m benchmarks.bench_dml`; seconds, one run each, load average {load:.1f} on "
             f"{os.cpu_count()} cores when it started (a busy machine makes every number noisy).", "",
             "| statement | rows | sqlengine s | DuckDB s | sqlengine µs/row | ratio |", "|---|---|---|---|---|---|"]
    for n in [int(x) for x in args.rows.split(",")]:
        ctx, con = sqlengine.Context(), duckdb.connect()
        ctx.sql(CREATE)
        con.execute(CREATE)
        inserts = [f"INSERT INTO t VALUES ({i}, 'name {i}', {i % 1000}.25)" for i in range(n)]
        ours, theirs = _timed(ctx.sql, inserts), _timed(con.execute, inserts)
        lines.append(f"| one-row INSERT loop | {n} | {ours:.2f} | {theirs:.2f} | {ours / n * 1e6:.0f} | {ours / theirs:.1f}x |")
        chunks = len(ctx.catalog.writable("t").chunks)
        bulk = [f"INSERT INTO t SELECT id + {n}, name, price FROM t", "UPDATE t SET price = price * 2 WHERE id % 3 = 0",
                "DELETE FROM t WHERE id % 5 = 0"]
        for s in bulk:
            ours, theirs = _timed(ctx.sql, [s]), _timed(con.execute, [s])
            lines.append(f"| {s.split(' ')[0]} ... ({s[:40]}...) | {2 * n} | {ours:.3f} | {theirs:.3f} | "
                         f"{ours / (2 * n) * 1e6:.1f} | {ours / theirs:.1f}x |")
        q = "SELECT * FROM t ORDER BY id"
        assert ctx.sql(q).compute().astype(str).values.tolist() == con.execute(q).df().astype(str).values.tolist()
        lines.append(f"| (chunks after the loop: {chunks}) | | | | | |")
    publish(Path(__file__).parent / "results" / "dml.md", lines)


if __name__ == "__main__":
    main()
