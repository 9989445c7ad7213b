"""Reading CSV side by side with its peers; writes ``benchmarks/results/csv.md``.

Run: ``python -m benchmarks.bench_csv [--sf 0.1] [--data DIR]`` (TPC-H lineitem as CSV from
tpchgen-cli, about 75 MB at SF 0.1). Best of 3 wall-clock runs each, threads scheduler:

- a full read to Arrow: ``frames.read_csv(blocksize="16MB")`` against pandas' ``read_csv``
  (``engine="pyarrow"``), dask's ``read_csv`` (same blocksize) and DuckDB's ``read_csv``;
- ``head()``: frames and dask read only the first block;
- a SQL aggregate over ``FROM 'lineitem.csv'`` (sniffed) against DuckDB's.

Answers are checked: every reader returns the same row count, and the SQL aggregate equals DuckDB's.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from benchmarks.common import publish

RESULTS = Path(__file__).parent / "results" / "csv.md"
SQL = ("SELECT l_returnflag, l_linestatus, count(*) AS n, sum(l_quantity) AS q "
       "FROM '{path}' GROUP BY 1, 2 ORDER BY 1, 2")


def ensure_csv(sf: float, data: Path | None) -> Path:
    data = data or Path(__file__).parent / "data" / f"csv-sf{sf:g}"
    path = data / "lineitem.csv"
    if not path.exists():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tpchgen-cli", "csv", "-s", f"{sf:g}", "--tables", "lineitem", f"--output-dir={data}"], check=True)
    return path


def best(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sf", type=float, default=0.1)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    path = ensure_csv(args.sf, args.data)

    import dask
    import dask.dataframe as dd
    import duckdb
    import pandas as pd

    import frames
    import sqlengine

    rows: list[tuple[str, str, float, str]] = []
    t, table = best(lambda: frames.read_csv(str(path), blocksize="16MB").to_arrow(scheduler="threads"))
    n = table.num_rows
    rows.append(("full read", "frames.read_csv", t, f"{n} rows"))
    t, pdf = best(lambda: pd.read_csv(path, engine="pyarrow"))
    rows.append(("full read", "pandas.read_csv (pyarrow engine)", t, "same rows" if len(pdf) == n else f"{len(pdf)} rows"))
    with dask.config.set(scheduler="threads"):
        t, ddf = best(lambda: dd.read_csv(str(path), blocksize="16MB").compute())
    rows.append(("full read", "dask.dataframe.read_csv", t, "same rows" if len(ddf) == n else f"{len(ddf)} rows"))
    t, arrow = best(lambda: duckdb.sql(f"SELECT * FROM read_csv('{path}')").to_arrow_table())
    rows.append(("full read", "duckdb read_csv", t, "same rows" if arrow.num_rows == n else f"{arrow.num_rows} rows"))

    t, _ = best(lambda: frames.read_csv(str(path), blocksize="16MB").head(5, scheduler="threads"))
    rows.append(("head(5)", "frames", t, ""))
    with dask.config.set(scheduler="threads"):
        t, _ = best(lambda: dd.read_csv(str(path), blocksize="16MB").head(5))
    rows.append(("head(5)", "dask", t, ""))

    query = SQL.format(path=path)
    ctx = sqlengine.Context()
    t, ours = best(lambda: ctx.sql(query).compute(scheduler="threads"))
    t_duck, theirs = best(lambda: duckdb.sql(query).df())
    same = ours.n.tolist() == theirs.n.tolist() and all(abs(a - b) < 1e-6 * max(1, abs(b)) for a, b in zip(ours.q, theirs.q))
    rows.append(("SQL aggregate over FROM 'lineitem.csv'", "sqlengine", t, "same answer as DuckDB" if same else "ANSWERS DIFFER"))
    rows.append(("SQL aggregate over FROM 'lineitem.csv'", "duckdb", t_duck, ""))

    import os

    load = os.getloadavg()[0]
    size = path.stat().st_size / 1e6
    lines = [f"# CSV reads: TPC-H lineitem SF {args.sf:g} as CSV ({size:.0f} MB, {n} rows)", "",
             f"Best of 3 wall-clock seconds on this machine ({os.cpu_count()} cores, load average {load:.1f} at the end: "
             "other programs shared the cores); threads scheduler; produced by `python -m benchmarks.bench_csv`.", "",
             "| task | reader | seconds | check |", "|---|---|---:|---|"]
    lines += [f"| {task} | {who} | {secs:.2f} | {check} |" for task, who, secs, check in rows]
    publish(args.output, lines)


if __name__ == "__main__":
    main()
