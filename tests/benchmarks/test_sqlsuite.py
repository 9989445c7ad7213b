"""The SQL suites' results table: answers are judged against DuckDB's only when DuckDB ran."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.sqlsuite import results_table
from benchmarks.tpch import TPCH


def _report(times: dict) -> dict:
    return {"times": times, "errors": {}, "peak_mb": 100.0, "cpu_s": 1.0}


def _answer(out, engine, q, values):
    pq.write_table(pa.table({"x": values}), out / f"{engine}_q{q}.parquet")


def test_without_duckdb_nothing_is_called_wrong(tmp_path):
    """A run of sqlengine alone (``--engines sqlengine``) has no reference: its cells and total
    say ``not checked``, never ``wrong`` or "0/2 correct"."""
    for q in ("1", "2"):
        _answer(tmp_path, "sqlengine", q, [1, 2])
    lines = results_table(TPCH, {"sqlengine": _report({"1": 0.5, "2": 0.25})}, ["1", "2"], tmp_path)
    text = "\n".join(lines)
    assert "wrong" not in text and "0/2 correct" not in text
    assert "| q1 | 0.500 not checked |" in lines
    total = next(line for line in lines if line.startswith("| **total**"))
    assert total == "| **total** | **0.75**, not checked |"


def test_with_duckdb_answers_are_checked(tmp_path):
    """With DuckDB's answers a differing one is ``wrong``; a query DuckDB did not answer is not checked."""
    for q, values in (("1", [1, 2]), ("2", [3, 4])):
        _answer(tmp_path, "duckdb", q, values)
    _answer(tmp_path, "sqlengine", "1", [1, 2])
    _answer(tmp_path, "sqlengine", "2", [3, 5])
    _answer(tmp_path, "sqlengine", "3", [7])
    report = {"duckdb": _report({"1": 0.1, "2": 0.1}), "sqlengine": _report({"1": 0.2, "2": 0.3, "3": 0.4})}
    lines = results_table(TPCH, report, ["1", "2", "3"], tmp_path)
    assert "| q1 | 0.100 (1.0x) | 0.200 (2.0x) |" in lines
    assert "| q2 | 0.100 (1.0x) | 0.300 (3.0x) wrong |" in lines
    assert "| q3 | - | 0.400 not checked |" in lines
    total = next(line for line in lines if line.startswith("| **total**"))
    assert total.endswith("1/2 correct, 1 not checked |"), total
