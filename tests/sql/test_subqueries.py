"""Subqueries against DuckDB beyond the case files (which run at several partitions on every
scheduler, ``tests/sql/matrix.py``): the error a scalar subquery with several rows raises, and
seeded random subqueries."""

from __future__ import annotations

from pathlib import Path

import pytest

import frames
import sqlengine
from planner.errors import ScalarSubqueryError
from tests.sql.oracle import assert_same
from tests.sql.test_cases import _code, _is_query, statements

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


class _RandomSubqueries:
    """A seeded generator of subquery shapes over the case file's tables: scalar (aggregates, and
    ORDER BY ... LIMIT 1), [NOT] EXISTS, [NOT] IN, ANY / ALL / SOME with every comparison, each
    correlated by random comparisons with the outer row, in SELECT, WHERE (AND / OR) and HAVING."""

    OPS = ["=", "<", ">", "<=", ">=", "<>"]
    SOURCES = {"t2": ["t2.a", "t2.c / 100", "t2.c"], "e": ["e.a", "e.c"], "t1 y": ["y.a", "y.b / 10"]}

    def __init__(self, seed: int):
        import random

        self.rng = random.Random(seed)

    def outer(self) -> str:
        return self.rng.choice(["t1.a", "t1.b", "t1.a + 1", "t1.b / 10"])

    def subquery(self, kind: str) -> str:
        rng = self.rng
        source = rng.choice(list(self.SOURCES))
        col = lambda: rng.choice(self.SOURCES[source])  # noqa: E731
        conds = [f"{col()} {rng.choice(self.OPS)} {self.outer() if rng.random() < 0.7 else rng.randint(0, 4)}"
                 for _ in range(rng.randint(0, 2))]
        where = f" WHERE {' AND '.join(conds)}" if conds else ""
        if kind == "scalar":
            if rng.random() < 0.2:
                return f"(SELECT {col()} FROM {source}{where} ORDER BY 1 LIMIT 1)"
            agg = rng.choice(["count(*)", f"max({col()})", f"sum({col()})", f"count({col()}) + 1", f"min({col()})"])
            return f"(SELECT {agg} FROM {source}{where})"
        if kind == "exists":
            return f"{rng.choice(['', 'NOT '])}EXISTS (SELECT 1 FROM {source}{where})"
        if kind == "in":
            return f"{self.outer()} {rng.choice(['', 'NOT '])}IN (SELECT {col()} FROM {source}{where})"
        return f"{self.outer()} {rng.choice(self.OPS)} {rng.choice(['ANY', 'ALL', 'SOME'])} (SELECT {col()} FROM {source}{where})"

    def condition(self) -> str:
        kind = self.rng.choice(["scalar", "exists", "in", "quantified"])
        e = self.subquery(kind)
        if kind == "scalar":
            return self.rng.choice([f"{e} = 1", f"coalesce({e}, -1) > 0", f"{e} > 1", f"{e} IS NULL"])
        return f"CASE WHEN {e} THEN 1 ELSE 0 END = 1" if self.rng.random() < 0.2 else e

    def query(self) -> str:
        shape = self.rng.random()
        if shape < 0.5:
            return f"SELECT t1.a, t1.b, {self.condition()} AS v FROM t1"
        if shape < 0.8:
            more = f" {self.rng.choice(['AND', 'OR'])} {self.condition()}" if self.rng.random() < 0.4 else ""
            return f"SELECT t1.a, t1.b FROM t1 WHERE {self.condition()}{more}"
        having = self.condition().replace("t1.a", "min(t1.a)").replace("t1.b", "max(t1.b)")
        return f"SELECT t1.s, count(*) AS n FROM t1 GROUP BY t1.s HAVING count(*) > 0 AND {having}"


def test_random_subqueries_match_duckdb():
    ctx, con, _ = _contexts(2, "sync")
    generator = _RandomSubqueries(seed=7)
    failures = []
    for _ in range(40):
        sql = generator.query()
        expected = con.execute(sql).df()
        try:
            got = ctx.sql(sql).compute()
            got.columns = expected.columns  # names are test_naming's business
            assert_same(got, expected, ordered=False)
        except Exception as exc:
            failures.append(f"{sql}\n    {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    assert not failures, "\n".join(failures)
