"""Deep or wide SQL is answered or refused with a clear project error, never a RecursionError; bad
input gets an error that names the culprit in the user's words."""

from __future__ import annotations

import pandas as pd
import pytest

import sqlengine
from planner.errors import ExpressionTooDeepError, SqlError
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")
T = pd.DataFrame({"x": [1, 2, 3], "s": ["a", "b", None]})


@pytest.fixture(scope="module")
def engines():
    ctx = sqlengine.Context()
    ctx.register("t", T)
    con = duckdb.connect()
    con.register("t", T)
    return ctx, con


WIDE = {
    "500 nested parentheses": "SELECT " + "(" * 500 + "1" + ")" * 500 + " AS v",
    "a 400-term sum": "SELECT " + " + ".join(["x"] * 400) + " AS v FROM t",
    # chains of one connective deeper than the depth limit: taken as flat lists (sqlglot's simplify
    # is quadratic in a chain's length: 2,000 ORs take minutes there, so the tests stay shorter)
    "1200 ANDs": "SELECT x FROM t WHERE " + " AND ".join(["x > 0"] * 1200),
    "300 ORs": "SELECT x FROM t WHERE " + " OR ".join(f"x = {i}" for i in range(300)),
    "300 ORs as a value": "SELECT " + " OR ".join(f"x = {i}" for i in range(300)) + " AS v FROM t",
    "a 300-way UNION ALL": " UNION ALL ".join(["SELECT x FROM t"] * 300),
    "a 1000-item IN list": "SELECT x FROM t WHERE x IN (" + ", ".join(map(str, range(1000))) + ")",
}


@pytest.mark.parametrize("name", WIDE)
def test_deep_and_wide_queries_are_answered(engines, name):
    ctx, con = engines
    assert_same(ctx.sql(WIDE[name]).compute(), con.execute(WIDE[name]).df(), ordered=False)


@pytest.mark.parametrize("query", [
    "SELECT " + "(" * 5000 + "1" + ")" * 5000,
    "SELECT " + " + ".join(["x"] * 3000) + " FROM t",
    "SELECT " + "abs(" * 1500 + "x" + ")" * 1500 + " FROM t",
])
def test_too_deep_is_refused_clearly(engines, query):
    ctx, con = engines
    with pytest.raises(duckdb.Error, match="expression depth"):
        con.execute(query)  # DuckDB refuses these too
    with pytest.raises(ExpressionTooDeepError, match="the limit is 1000 levels"):
        ctx.sql(query)


def test_deep_plans_leave_the_recursion_limit_as_it_was(engines):
    import sys

    before = sys.getrecursionlimit()
    engines[0].sql(WIDE["500 nested parentheses"]).compute()
    assert sys.getrecursionlimit() == before


@pytest.mark.parametrize("query,message", [
    ("SELECT x FROM t LIMIT -1", "LIMIT cannot be negative"),
    ("SELECT x FROM t LIMIT 1 OFFSET -2", "OFFSET cannot be negative"),
    ("SELECT x, s FROM t GROUP BY x", "column 's' must appear in the GROUP BY clause"),
    ("SELECT x FROM t GROUP BY x HAVING s = 'a'", "column 's' must appear in the GROUP BY clause"),
])
def test_bad_queries_name_the_culprit(engines, query, message):
    with pytest.raises(SqlError, match=message):
        engines[0].sql(query).compute()


def test_no_internal_names_and_no_suggestion_of_the_same_name(engines):
    from frames.errors import ColumnNotFoundError

    err = ColumnNotFoundError("x", ["x", "__agg0", "y"])
    assert "__agg0" not in str(err) and "did you mean 'x'" not in str(err)
    with pytest.raises(ColumnNotFoundError) as info:
        engines[0].sql("SELECT nope FROM t").compute()
    assert "__" not in str(info.value)
