"""Subqueries against DuckDB beyond the case files: ``cases/subqueries_correlated.sql`` over tables
split into several partitions (the dependent joins, row ids and per-row-id groupings must not
depend on how rows are split), and the error a scalar subquery with several rows raises."""

from __future__ import annotations

from pathlib import Path

import pytest

import frames
import sqlengine
from planner.errors import ScalarSubqueryError
from tests.sql.oracle import assert_same
from tests.sql.test_cases import _code, _is_query, _ordered, statements

duckdb = pytest.importorskip("duckdb")
CASES = Path(__file__).parent / "cases" / "subqueries_correlated.sql"


def _contexts(npartitions: int, scheduler: str):
    """A Context whose tables are the case file's, each split into ``npartitions``, and DuckDB."""
    con = duckdb.connect()
    queries = []
    for text in statements(CASES):
        (queries.append(text) if _is_query(text) else con.execute(_code(text)))
    ctx = sqlengine.Context(scheduler=scheduler)
    for (name,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
        ctx.register(name, frames.from_pandas(con.execute(f"SELECT * FROM {name}").df(), npartitions=npartitions))
    return ctx, con, queries


@pytest.mark.parametrize("npartitions,scheduler", [(3, "sync"), (7, "threads"), (2, "processes")])
def test_subquery_cases_across_partitions(npartitions, scheduler):
    ctx, con, queries = _contexts(npartitions, scheduler)
    failures = []
    for text in queries:
        code = _code(text)
        try:
            assert_same(ctx.sql(code).compute(), con.execute(code).df(), ordered=_ordered(text))
        except Exception as exc:  # collected: one report naming every query that differs
            failures.append(f"{code}\n    {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("sql", [
    "SELECT (SELECT a FROM t2) AS v FROM t1",
    "SELECT a FROM t1 WHERE a = (SELECT a FROM t2 WHERE a > 0)",
    "SELECT a, (SELECT c FROM t2 WHERE t2.a = t1.a) AS m FROM t1",
    "SELECT a, (SELECT c FROM t2 WHERE t2.a < t1.a) AS m FROM t1",
])
def test_scalar_subquery_with_several_rows_raises(sql):
    ctx, con, _ = _contexts(2, "sync")
    with pytest.raises(duckdb.InvalidInputException, match="More than one row"):
        con.execute(sql).df()
    with pytest.raises(ScalarSubqueryError, match="More than one row returned by a subquery"):
        ctx.sql(sql).compute()
