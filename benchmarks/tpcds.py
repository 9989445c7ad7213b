"""TPC-DS side by side: sqlengine and every installed peer on the 99 queries, answers checked
against DuckDB.

Run: ``python -m benchmarks.tpcds --sf 1`` (peers from ``pip install -e ".[bench]"``). Data is
generated with tpcgen-cli when absent (SF1: about 20 s and 400 MB); the table goes to
``benchmarks/results/tpcds_sf{SF}.md``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from benchmarks.sqlsuite import Suite, main

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "sql" / "tpcds_queries"


def locate(sf: float, data: Path | None) -> Path:
    """The directory with TPC-DS parquet at scale ``sf`` (``benchmarks/data/tpcds_sf{SF}`` by
    default), generated with tpcgen-cli when its store_sales is missing."""
    data = data or Path(__file__).parent / "data" / f"tpcds_sf{sf:g}"
    if not (data / "store_sales.parquet").exists():
        data.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tpcgen-cli", "tpcds", "parquet", "-s", f"{sf:g}", f"--output-dir={data}"], check=True)
    return data


TPCDS = Suite("tpcds", "benchmarks.tpcds", QUERIES, tuple(f"{n:02d}" for n in range(1, 100)), lambda q: f"q{q}.sql", locate)

if __name__ == "__main__":
    raise SystemExit(main(TPCDS))
