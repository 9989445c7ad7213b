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
    "a 190-term sum": "SELECT " + " + ".join(["x"] * 190) + " AS v FROM t",
    "190 nested calls": "SELECT " + "abs(" * 190 + "x" + ")" * 190 + " AS v FROM t",
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
    "SELECT " + " + ".join(["x"] * 3000) + " FROM t",
    "SELECT " + "abs(" * 1500 + "x" + ")" * 1500 + " FROM t",
], ids=["a 3000-term sum", "1500 nested calls"])
def test_too_deep_is_refused_clearly(engines, query):
    ctx, con = engines
    with pytest.raises(duckdb.Error, match="expression depth"):
        con.execute(query)  # DuckDB refuses these too
    with pytest.raises(ExpressionTooDeepError, match="the limit is 200 levels"):
        ctx.sql(query)


def test_deeper_than_the_engine_takes_is_refused_though_duckdb_answers():
    query = "SELECT " + " + ".join(["x"] * 300) + " FROM t"  # DuckDB's limit is 1,000 levels, ours 200
    with pytest.raises(ExpressionTooDeepError, match="300 levels|30[0-9] levels"):
        sqlengine.sql(query, t=T)


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_the_deepest_accepted_expression_runs_on_every_scheduler(engines, scheduler):
    ctx, con = engines
    query = "SELECT " + " + ".join(["x"] * 195) + " AS v FROM t"
    assert_same(ctx.sql(query).compute(scheduler=scheduler), con.execute(query).df(), ordered=False)


def test_parentheses_nest_without_limit(engines):
    query = "SELECT " + "(" * 5000 + "1" + ")" * 5000 + " AS v"  # DuckDB refuses: deeper than 1,000
    assert engines[0].sql(query).compute()["v"].tolist() == [1]


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
