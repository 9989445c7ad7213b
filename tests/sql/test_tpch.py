"""The 22 TPC-H queries at SF0.01 against DuckDB, in every configuration of
``matrix.TPCH_VARIANTS`` (each scheduler; broadcast and shuffle joins forced at 3 and 7 partitions)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sqlengine
from tests.sql.matrix import TPCH_VARIANTS, Variant
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")
QUERIES = Path(__file__).parent / "tpch_queries"
KNOWN_FAILURES: dict[int, str] = {}


@pytest.fixture(scope="module")
def duck(tpch_data):
    con = duckdb.connect()
    for t, path in tpch_data.sources(None).items():
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM '{path}'")
    return con


_CONTEXTS: dict[Variant, sqlengine.Context] = {}


def _context(variant: Variant, tpch_data) -> sqlengine.Context:
    if variant not in _CONTEXTS:
        ctx = _CONTEXTS[variant] = sqlengine.Context()
        for t, source in tpch_data.sources(variant.npartitions).items():
            ctx.register(t, source)
    return _CONTEXTS[variant]


@pytest.mark.parametrize("number", range(1, 23), ids=lambda n: f"q{n}")
@pytest.mark.parametrize("variant", TPCH_VARIANTS, ids=str)
def test_tpch_query_matches_duckdb(tpch_data, duck, variant, number, request):
    if number in KNOWN_FAILURES:
        pytest.xfail(KNOWN_FAILURES[number])
    sql = (QUERIES / f"q{number}.sql").read_text()
    with variant.configured():
        got = _context(variant, tpch_data).sql(sql).compute(scheduler=variant.scheduler_for(request))
    statements = [s for s in sql.split(";") if s.strip()]
    for s in statements[:-1]:
        duck.execute(s)
    if number == 15:
        expected = duck.execute(statements[1]).df()
        duck.execute(statements[2])
    else:
        expected = duck.execute(statements[-1]).df()
    assert_same(got, expected, ordered="order by" in sql.lower())


def test_explain_q6_pushes_filter_and_prunes_columns(tpch_data):
    plan = _context(Variant("sync"), tpch_data).explain((QUERIES / "q6.sql").read_text())
    scan = next(line for line in plan.splitlines() if "ParquetScan" in line)
    assert "filter=" in scan and "l_shipdate" in scan and "l_discount" in scan
    cols = scan.split("columns=[")[1].split("]")[0].split(", ")
    assert sorted(cols) == sorted(["l_extendedprice", "l_discount", "l_quantity", "l_shipdate"])
