"""Column names from pandas frames, with any spelling, resolve as DuckDB resolves them."""

from __future__ import annotations

import pandas as pd
import pytest

import sqlengine
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")

FRAME = pd.DataFrame({"A": [1, 2, 3], "a": [10, 20, 30], "Amount": [5.5, 6.0, None], "a;b": ["x", "y", "z"],
                      "Sales Region": ["n", "s", "n"]})
QUERIES = [
    "SELECT * FROM df",
    "SELECT A, a_1 FROM df",
    'SELECT "A", "a_1" FROM df',
    "SELECT amount, AMOUNT AS Tot FROM df",
    "SELECT Amount + 1 FROM df",
    'SELECT "a;b", "sales region" FROM df',
    'SELECT "Sales Region", sum(amount) AS Total FROM df GROUP BY 1 ORDER BY 1',
    "SELECT x.amount FROM df AS X WHERE X.a > 1",
]


@pytest.mark.parametrize("query", QUERIES)
def test_pandas_column_names_resolve_as_in_duckdb(query):
    con = duckdb.connect()
    con.register("df", FRAME)
    expected = con.execute(query).df()
    got = sqlengine.sql(query, df=FRAME).compute()
    assert_same(got, expected, ordered="ORDER BY" in query)


def test_names_equal_but_for_case_stay_distinct():
    got = sqlengine.sql("SELECT A, a_1 FROM df", df=FRAME).compute()
    assert list(got.columns) == ["A", "a_1"] and got["A"].tolist() == [1, 2, 3] and got["a_1"].tolist() == [10, 20, 30]
