"""Window frames on 1M rows: sqlengine against DuckDB on the same Arrow table, answers compared.

Run: ``python -m benchmarks.bench_windows``; writes ``benchmarks/results/windows.md``.

One table of 1,000,000 rows (1,000 window partitions, integer and float columns), read by
sqlengine as 4 partitions on the default scheduler and registered in DuckDB; each query runs once
per engine in the same process run (the first DuckDB run includes nothing to warm up: the table is
in memory). The frames are the ones ``frames/dataframe/expr/window.py`` computes vectorized: a sliding
min/max (sparse table over dense ranks), RANGE offsets (one lexsort search), GROUPS with EXCLUDE
(three ranges of prefix sums), COUNT(DISTINCT) over the partition.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

import frames
import sqlengine
from benchmarks.common import publish

N = 1_000_000
RESULTS = Path(__file__).parent / "results" / "windows.md"
QUERIES = {
    "ROWS sliding min": "SELECT id, min(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 10 PRECEDING AND CURRENT ROW) AS m FROM t",
    "RANGE offsets sum": "SELECT id, sum(v) OVER (PARTITION BY k ORDER BY x RANGE BETWEEN 50 PRECEDING AND 50 FOLLOWING) AS s FROM t",
    "GROUPS + EXCLUDE TIES": "SELECT id, count(*) OVER (PARTITION BY k ORDER BY x GROUPS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE TIES) AS c FROM t",
    "COUNT(DISTINCT) over the partition": "SELECT id, count(DISTINCT x) OVER (PARTITION BY k) AS c FROM t",
}


def main() -> int:
    import duckdb

    from tests.sql.oracle import assert_same

    rng = np.random.default_rng(0)
    table = pa.table({"id": np.arange(N), "k": rng.integers(0, 1000, N), "v": rng.normal(size=N), "x": rng.integers(0, 10_000, N)})
    con = duckdb.connect()
    con.register("t", table)
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_arrow(table, npartitions=4))
    rows = []
    for name, sql in QUERIES.items():
        t0 = time.perf_counter()
        expected = con.execute(sql).df()
        theirs = time.perf_counter() - t0
        t0 = time.perf_counter()
        got = ctx.sql(sql).compute()
        ours = time.perf_counter() - t0
        assert_same(got, expected, ordered=False)
        rows.append((name, sql, ours, theirs))
        print(f"{name}: sqlengine {ours:.2f} s, duckdb {theirs:.2f} s", flush=True)
    lines = [
        "# window frames",
        "",
        f"{N:,} rows, 1,000 window partitions, one run per engine in the same process run; {os.cpu_count()} cores;",
        f"Python {sys.version.split()[0]}, duckdb {duckdb.__version__}. Answers equal DuckDB's for every query.",
        "Reproduce: `python -m benchmarks.bench_windows`",
        "",
        "| frame | sqlengine s | DuckDB s | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, _, ours, theirs in rows:
        lines.append(f"| {name} | {ours:.2f} | {theirs:.2f} | {ours / theirs:.1f}x |")
    lines += ["", "Queries:", ""] + [f"- {name}: `{sql}`" for name, sql, _, _ in rows]
    publish(RESULTS, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
