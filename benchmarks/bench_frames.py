"""Side-by-side benchmark of the collections layer against its peers; writes
``benchmarks/results/frames.md``.

Run: ``python -m benchmarks.bench_frames [--sf 1] [--data DIR]`` (needs ``pip install -e ".[bench]"``).

1. ``map_partitions`` of a GIL-bound pure-Python function over 8 partitions: "processes" vs "sync"
   (the process pool is started fresh, so its start-up is included).
2. A TPC-H-shaped DataFrame pipeline on SF parquet (filter lineitem, assign revenue, merge with
   orders, group-by aggregate): frames vs dask.dataframe vs pandas, answers checked to agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import exec as sx
import frames
from benchmarks.common import ensure_data, publish

RESULTS = Path(__file__).parent / "results" / "frames.md"


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def gil_bound(part: pd.DataFrame) -> pd.DataFrame:
    total = 0
    for i in range(20_000_000):  # pure Python: holds the GIL throughout
        total += i % 7
    return part.assign(work=total)


def bench_map_partitions() -> list[tuple[str, str, float]]:
    pdf = pd.DataFrame({"x": np.arange(8_000)})
    ddf = frames.from_pandas(pdf, npartitions=8).map_partitions(gil_bound)
    rows = []
    t0 = time.perf_counter()
    ddf.compute(scheduler="sync")
    rows.append(("map_partitions GIL-bound x8", "sync", time.perf_counter() - t0))
    sx.shutdown()  # include the worker start-up in the processes time
    t0 = time.perf_counter()
    ddf.compute(scheduler="processes")
    rows.append(("map_partitions GIL-bound x8", "processes (first compute)", time.perf_counter() - t0))
    t0 = time.perf_counter()
    ddf.compute(scheduler="processes")
    rows.append(("map_partitions GIL-bound x8", "processes (warm pool)", time.perf_counter() - t0))
    return rows


CUTOFF = dt.date(1995, 3, 15)


def pipeline_frames(data: Path) -> pd.DataFrame:
    li = frames.read_parquet(str(data / "lineitem.parquet"))
    od = frames.read_parquet(str(data / "orders.parquet"))
    li = li[li.l_shipdate > CUTOFF]
    li = li.assign(revenue=li.l_extendedprice * (1 - li.l_discount))
    od = od[od.o_orderdate < CUTOFF]
    joined = li.merge(od, left_on="l_orderkey", right_on="o_orderkey")
    out = joined.groupby("o_orderpriority").agg(revenue=("revenue", "sum"), n=("l_quantity", "count"))
    return out.compute(scheduler="threads")


def pipeline_dask(data: Path) -> pd.DataFrame:
    import dask
    import dask.dataframe as dd

    with dask.config.set(scheduler="threads", num_workers=os.cpu_count()):
        li = dd.read_parquet(str(data / "lineitem.parquet"))
        od = dd.read_parquet(str(data / "orders.parquet"))
        li = li[li.l_shipdate > CUTOFF]
        li = li.assign(revenue=li.l_extendedprice.astype("float64") * (1 - li.l_discount.astype("float64")))
        od = od[od.o_orderdate < CUTOFF]
        joined = li.merge(od, left_on="l_orderkey", right_on="o_orderkey")
        out = joined.groupby("o_orderpriority").agg(revenue=("revenue", "sum"), n=("l_quantity", "count"))
        return out.compute()


def pipeline_pandas(data: Path) -> pd.DataFrame:
    li = pd.read_parquet(data / "lineitem.parquet", columns=["l_orderkey", "l_shipdate", "l_extendedprice", "l_discount", "l_quantity"])
    od = pd.read_parquet(data / "orders.parquet", columns=["o_orderkey", "o_orderdate", "o_orderpriority"])
    li = li[li.l_shipdate > CUTOFF]
    li = li.assign(revenue=li.l_extendedprice.astype("float64") * (1 - li.l_discount.astype("float64")))
    od = od[od.o_orderdate < CUTOFF]
    joined = li.merge(od, left_on="l_orderkey", right_on="o_orderkey")
    return joined.groupby("o_orderpriority").agg(revenue=("revenue", "sum"), n=("l_quantity", "count"))


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a = a.sort_index().astype("float64")
    b = b.sort_index().astype("float64")
    return bool(np.allclose(a.values, b.values, rtol=1e-9)) and list(a.index) == list(b.index)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sf", type=float, default=1.0)
    ap.add_argument("--data", type=Path, default=None, help="directory with TPC-H parquet (generated if absent)")
    args = ap.parse_args(argv)
    data = ensure_data(args.sf, args.data)

    rows = bench_map_partitions()
    t_frames, r_frames = best_of(lambda: pipeline_frames(data))
    rows.append((f"TPC-H-shaped pipeline SF{args.sf:g}", "frames (threads)", t_frames))
    try:
        t_dask, r_dask = best_of(lambda: pipeline_dask(data))
        rows.append((f"TPC-H-shaped pipeline SF{args.sf:g}", "dask.dataframe (threads)", t_dask))
        agree_dask = _same(r_frames, r_dask)
    except ImportError:
        t_dask, agree_dask = None, None
    t_pandas, r_pandas = best_of(lambda: pipeline_pandas(data), repeat=1)
    rows.append((f"TPC-H-shaped pipeline SF{args.sf:g}", "pandas", t_pandas))
    agree_pandas = _same(r_frames, r_pandas)

    sync = rows[0][2]
    lines = [
        "# frames benchmark",
        "",
        f"Machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; `python -m benchmarks.bench_frames --sf {args.sf:g}`",
        "",
        "| workload | engine | seconds | ratio |",
        "|---|---|---:|---:|",
    ]
    for name, engine, secs in rows:
        base = sync if name.startswith("map_partitions") else t_frames
        lines.append(f"| {name} | {engine} | {secs:.3f} | {secs / base:.2f}x |")
    lines += [
        "",
        f"- processes speed-up over sync (first compute included): {sync / rows[1][2]:.2f}x",
    ]
    if t_dask is not None:
        lines.append(f"- frames speed-up over dask.dataframe: {t_dask / t_frames:.2f}x (answers agree: {agree_dask})")
    lines.append(f"- frames speed-up over pandas: {t_pandas / t_frames:.2f}x (answers agree: {agree_pandas})")
    publish(RESULTS, lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
