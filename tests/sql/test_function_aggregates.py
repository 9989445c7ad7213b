"""The new aggregates split across partitions (1, 3, 7) against DuckDB: each partial merges
(moment sums add, gathered lists concatenate in order), so the answer never depends on the split.
mode's data has no ties (DuckDB breaks them by its hash table's order, no rule to match)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
import sqlengine
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")

QUERIES = [
    "SELECT g, corr(x, y) AS c, covar_pop(x, y) AS cp, covar_samp(x, y) AS cs, count_if(x > 0) AS ci FROM t GROUP BY g ORDER BY g",
    "SELECT g, median(x) AS m, quantile_cont(x, 0.3) AS q, quantile_disc(n, 0.7) AS qd, mode(n) AS mo FROM t GROUP BY g ORDER BY g",
    "SELECT g, arg_min(s, n) AS a, arg_max(s, x) AS b, string_agg(s, ',' ORDER BY u) AS sa FROM t GROUP BY g ORDER BY g",
    "SELECT median(x) AS m, mode(n) AS mo, corr(x, n) AS c, string_agg(s, '' ORDER BY u DESC) AS sa, arg_max(n, x) AS am FROM t",
    "SELECT g, string_agg(s, '|') AS sa FROM t GROUP BY g ORDER BY g",  # input order: the partitions' order
]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 200
    x = rng.normal(size=n).round(3)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({
        "g": rng.integers(0, 6, n), "x": x, "y": (x * 0.5 + rng.normal(size=n)).round(3),
        "n": pd.Series(rng.choice(5, n, p=[0.5, 0.2, 0.15, 0.1, 0.05]), dtype="Int64").where(rng.random(n) > 0.1, None),
        "u": rng.permutation(n),  # a unique order: DuckDB orders ties in string_agg arbitrarily
        "s": pd.Series([f"s{i}" for i in range(n)], dtype=object).where(rng.random(n) > 0.1, None),
    })


@pytest.mark.parametrize("npartitions", [1, 3, 7])
@pytest.mark.parametrize("query", QUERIES)
def test_aggregates_across_partitions(data, npartitions, query):
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(data, npartitions=npartitions))
    con = duckdb.connect()
    con.register("t", data)
    assert_same(ctx.sql(query).compute(), con.execute(query).df(), ordered=True)


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_list_of_quantiles(data, npartitions):
    query = "SELECT g, quantile_cont(x, [0.1, 0.5, 0.9]) AS q, quantile_disc(n, [0.25, 0.75]) AS d FROM t GROUP BY g ORDER BY g"
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(data, npartitions=npartitions))
    con = duckdb.connect()
    con.register("t", data)
    got = ctx.sql(query).to_arrow().to_pylist()
    expected = [dict(zip(["g", "q", "d"], row)) for row in con.execute(query).fetchall()]
    assert [r["g"] for r in got] == [r["g"] for r in expected]
    for g, e in zip(got, expected):
        assert np.allclose(g["q"], e["q"]) and g["d"] == e["d"]
