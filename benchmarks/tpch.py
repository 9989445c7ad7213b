"""TPC-H side by side: sqlengine and every installed peer, answers checked against DuckDB.

Run: ``python -m benchmarks.tpch --sf 1`` (peers from ``pip install -e ".[bench]"``). Data is
generated with tpchgen-cli when absent; the table goes to ``benchmarks/results/tpch_sf{SF}.md``.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import ensure_data
from benchmarks.sqlsuite import Suite, main

QUERIES = Path(__file__).resolve().parents[1] / "tests" / "sql" / "tpch_queries"
TABLES = ["lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region"]


def statements(n: int) -> list[str]:
    return TPCH.statements(str(n))


TPCH = Suite("tpch", "benchmarks.tpch", QUERIES, tuple(str(n) for n in range(1, 23)), lambda q: f"q{q}.sql", ensure_data)

if __name__ == "__main__":
    raise SystemExit(main(TPCH))
