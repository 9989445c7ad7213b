"""The sqlite dialect's integer division (``7 / 2`` is 3, ``x / 0`` is NULL) against sqlite3 itself."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

import sqlengine

QUERIES = [
    "SELECT 7 / 2 AS a, -7 / 2 AS b, 7.0 / 2 AS c, 7 / 2.0 AS d, 1 / 0 AS e",
    "SELECT a / b AS q, a / 2 AS h, b / a AS r FROM t ORDER BY a",
]


@pytest.mark.parametrize("query", QUERIES)
def test_sqlite_integer_division(query):
    rows = [(7, 2), (-7, 2), (9, 0), (5, -3), (None, 3)]
    ctx = sqlengine.Context(dialect="sqlite")
    ctx.register("t", pd.DataFrame(rows, columns=["a", "b"]).astype("Int64"))
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (a INTEGER, b INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    cur = con.execute(query)
    expected = [tuple(r) for r in cur.fetchall()]
    got = ctx.sql(query).compute()
    ours = [tuple(None if pd.isna(v) else v for v in row) for row in got.itertuples(index=False)]
    assert ours == expected
