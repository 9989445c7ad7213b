"""COPY ... TO against DuckDB's, and the text encoders against pyarrow's CSV writer.

Run: ``python -m benchmarks.bench_writers [--rows N]``; writes ``benchmarks/results/writers.md``.

One table of N rows (int, two doubles, a string that needs quoting a quarter of the time, a date)
in 4 partitions. For each format the same ``COPY t TO 'file'`` runs in sqlengine (threads) and in
DuckDB (its default threads), best of 3, in the same process run; DuckDB then reads both files
and the rows must agree. Both wall and CPU seconds are shown: on a shared machine wall time drifts
with the other processes, CPU time much less. A last block times only the encoders on one thread
(frames' CSV and JSON formats, pyarrow's ``write_csv``, DuckDB with ``threads=1``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

import frames
import sqlengine
from benchmarks.common import publish
from frames.dataframe.io.formats import CsvFormat, JsonFormat

RESULTS = Path(__file__).parent / "results" / "writers.md"


def table(n: int) -> pa.Table:
    rng = np.random.default_rng(0)
    return pa.table({"id": np.arange(n), "x": rng.random(n), "q": rng.integers(0, 50, n).astype("float64"),
                     "s": pa.array(np.array(["alpha", "beta,gamma", 'de"lta', "eps"])[rng.integers(0, 4, n)]),
                     "d": pa.array(rng.integers(0, 10000, n).astype("int32")).cast(pa.date32())})


def best(fn, k: int = 3) -> tuple[float, float]:
    """(wall, cpu) seconds of the fastest of ``k`` runs."""
    runs = []
    for _ in range(k):
        w, c = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - w, time.process_time() - c))
    return min(runs)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    args = ap.parse_args(argv)
    t = table(args.rows)
    ctx = sqlengine.Context(scheduler="threads")
    ctx.register("t", frames.from_arrow(t, npartitions=4))
    duck = duckdb.connect()
    duck.register("t", t)
    readers = {"csv": "read_csv", "json": "read_json", "parquet": "read_parquet"}
    lines = ["# writers: COPY ... TO and the text encoders", "",
             f"{args.rows:,} rows x 5 columns (int64, 2 float64, string, date), 4 partitions; best of 3; "
             f"{os.cpu_count()} cores (shared); Python {sys.version.split()[0]}, duckdb {duckdb.__version__}, "
             f"pyarrow {pa.__version__}. Reproduce: `python -m benchmarks.bench_writers`", "",
             "| statement | sqlengine wall s | sqlengine cpu s | DuckDB wall s | DuckDB cpu s | rows agree |",
             "|---|---:|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("csv", "json", "parquet"):
            ours, theirs = f"{tmp}/ours.{ext}", f"{tmp}/duck.{ext}"
            mine = best(lambda: ctx.sql(f"COPY t TO '{ours}'"))
            duck_time = best(lambda: duck.execute(f"COPY t TO '{theirs}'"))
            diff = duck.execute(f"SELECT count(*) FROM ((SELECT * FROM {readers[ext]}('{ours}') EXCEPT ALL "
                                f"SELECT * FROM {readers[ext]}('{theirs}')) UNION ALL (SELECT * FROM "
                                f"{readers[ext]}('{theirs}') EXCEPT ALL SELECT * FROM {readers[ext]}('{ours}')))").fetchall()
            lines.append(f"| COPY t TO '{ext}' | {mine[0]:.2f} | {mine[1]:.2f} | {duck_time[0]:.2f} | "
                         f"{duck_time[1]:.2f} | {'yes' if diff == [(0,)] else 'NO'} |")
        fs = fsspec.filesystem("file")
        one = duckdb.connect()
        one.execute("SET threads=1")
        one.register("t", t)
        lines += ["", "One thread, the whole table into one file:", "",
                  "| encoder | wall s | cpu s |", "|---|---:|---:|"]
        for label, fn in [("frames CsvFormat", lambda: CsvFormat().write(fs, t, f"{tmp}/a.csv")),
                          ("pyarrow.csv.write_csv", lambda: pacsv.write_csv(t, f"{tmp}/b.csv")),
                          ("DuckDB COPY csv, threads=1", lambda: one.execute(f"COPY t TO '{tmp}/c.csv'")),
                          ("frames JsonFormat", lambda: JsonFormat().write(fs, t, f"{tmp}/a.json")),
                          ("DuckDB COPY json, threads=1", lambda: one.execute(f"COPY t TO '{tmp}/c.json'"))]:
            wall, cpu = best(fn)
            lines.append(f"| {label} | {wall:.2f} | {cpu:.2f} |")
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
