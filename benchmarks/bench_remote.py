"""Remote reads: bytes fetched from S3 (a local moto server that counts them) and JSON read times.

Run: ``python -m benchmarks.bench_remote`` (needs the test extra: moto, s3fs); writes
``benchmarks/results/remote.md``.

Rows: a projected, filtered Parquet read (2 of 13 columns, ``c0 > 0.9``) by frames and by pandas
(``pd.read_parquet`` with ``columns=`` and ``filters=`` over s3fs); a JSON-lines and a CSV file
read in 4 blocks (opening them reads a 1 MB sample); then reading the JSON-lines file from local
disk with frames, pandas and DuckDB, best of 3, answers checked to agree.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import frames
from benchmarks.common import publish

RESULTS = Path(__file__).parent / "results" / "remote.md"


def _best(fn, runs: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    import duckdb
    import s3fs

    from tests.remote.servers import S3Server

    server = S3Server()
    opts = {"key": "k", "secret": "s", "client_kwargs": {"endpoint_url": server.endpoint, "region_name": "eu-west-1"}}
    fs = s3fs.S3FileSystem(skip_instance_cache=True, **opts)
    fs.mkdir("lake")
    tmp = Path(tempfile.mkdtemp())
    n = 400_000
    rng = np.random.default_rng(0)
    wide = pa.table({**{f"c{i}": rng.random(n) for i in range(12)}, "s": [f"s{i % 1000}" for i in range(n)]})
    pq.write_table(wide, tmp / "wide.parquet", row_group_size=100_000)
    frame = pd.DataFrame({"a": np.arange(300_000), "b": rng.random(300_000), "c": "xyz"})
    frame.to_json(tmp / "big.jsonl", orient="records", lines=True)
    frame.to_csv(tmp / "big.csv", index=False)
    for name in ("wide.parquet", "big.jsonl", "big.csv"):
        fs.put(str(tmp / name), f"lake/{name}")

    lines = ["# Remote reads", "", "Bytes fetched from a local moto S3 server (counted by the server), and JSON read times.", "",
             "| read | file MB | fetched MB | share | GETs |", "|---|---:|---:|---:|---:|"]

    def fetched(label: str, size: int, fn) -> object:
        server.fetched.reset()
        out = fn()
        lines.append(f"| {label} | {size / 1e6:.1f} | {server.fetched.bytes / 1e6:.1f} | {server.fetched.bytes / size:.0%} | "
                     f"{server.fetched.requests} |")
        return out

    size = (tmp / "wide.parquet").stat().st_size
    url = "s3://lake/wide.parquet"
    def projected() -> pd.DataFrame:  # footer included, as in pandas' row
        df = frames.read_parquet(url, storage_options=opts)
        return df[df.c0 > 0.9][["c0", "c1"]].compute()

    ours = fetched("frames: Parquet, 2 of 13 columns, filtered", size, projected)
    theirs = fetched("pandas: the same (columns=, filters=)", size,
                     lambda: pd.read_parquet(url, columns=["c0", "c1"], filters=[("c0", ">", 0.9)], storage_options=opts))
    assert np.allclose(np.sort(ours["c1"].to_numpy()), np.sort(theirs["c1"].to_numpy()))
    for name, reader in (("big.jsonl", frames.read_json), ("big.csv", frames.read_csv)):
        size = (tmp / name).stat().st_size
        scan = fetched(f"frames: open {name} (1 MB sample)", size,
                       lambda: reader(f"s3://lake/{name}", storage_options=opts, blocksize=size // 4 + 1))
        got = fetched(f"frames: read {name} in 4 blocks", size, lambda: scan.compute())
        assert len(got) == len(frame)

    path = str(tmp / "big.jsonl")
    lines += ["", f"Reading {path.rsplit('/', 1)[-1]} ({(tmp / 'big.jsonl').stat().st_size / 1e6:.1f} MB, 300,000 lines) "
              f"from local disk, best of 3, {os.cpu_count()} cores:", "", "| reader | seconds |", "|---|---:|"]
    runs = {"frames.read_json (threads)": lambda: frames.read_json(path, blocksize="4MB").compute(),
            "pandas.read_json(lines=True)": lambda: pd.read_json(path, lines=True),
            "duckdb read_json": lambda: duckdb.sql(f"SELECT * FROM read_json('{path}')").df()}
    answers = []
    for label, fn in runs.items():
        seconds, out = _best(fn)
        answers.append(out["a"].sum())
        lines.append(f"| {label} | {seconds:.2f} |")
    assert len(set(int(a) for a in answers)) == 1, answers
    server.stop()
    publish(RESULTS, lines)


if __name__ == "__main__":
    main()
