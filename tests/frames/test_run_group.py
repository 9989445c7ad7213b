"""Grouping rows already in key order without a hash table (``run_group``): the same answer as
Arrow's ``group_by`` (names, types, NULL sums) for sum / count / count_all / min / max of integers,
floats and decimals, None where it does not apply (keys out of order, NULL keys, sums that might
pass 64 bits); and grouped aggregations of data stored sorted (TPC-H lineitem's orderkey) matching
pandas at 1, 3 and 7 partitions on every scheduler, through the partials and through their merge."""

from __future__ import annotations

import datetime
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import frames
from frames.dataframe.expr.run_group import run_group
from frames.testing import assert_eq
from tests.frames.grouping import assert_matches_arrow

N = 5000
SUM = pc.ScalarAggregateOptions(skip_nulls=True, min_count=1)


def _table(seed: int, nulls: bool) -> pa.Table:
    """Columns ``k`` (runs of 1-6 rows), ``d`` (a date that follows ``k``), ``b`` (varying inside
    ``k``'s runs, in order within them) and values of every supported type."""
    rng = np.random.default_rng(seed)
    k = np.sort(rng.integers(-500, 2000, N)) * 7
    b = np.zeros(N, np.int64)
    starts = np.flatnonzero(np.diff(k, prepend=k[0] - 1))
    for s, e in zip(starts, np.append(starts[1:], N)):
        b[s:e] = np.sort(rng.integers(0, 3, e - s))
    mask = (lambda: rng.random(N) < 0.15) if nulls else (lambda: None)
    cents = rng.integers(-10**7, 10**7, N)
    return pa.table({
        "k": pa.array(k, pa.int64()),
        "d": pa.array([datetime.date(2000, 1, 1) + datetime.timedelta(days=int(v) // 7 + 600) for v in k], pa.date32()),
        "b": pa.array(b, pa.int8()),
        "x": pa.array(rng.integers(-100, 100, N), pa.int32(), mask=mask()),
        "f": pa.array(rng.normal(size=N), mask=mask()),
        "m": pa.array([decimal.Decimal(int(c)).scaleb(-2) for c in cents], pa.decimal128(15, 2), mask=mask()),
        "w": pa.array([decimal.Decimal(int(c)).scaleb(-3) for c in cents], pa.decimal128(38, 3)),
    })


@pytest.mark.parametrize("nulls", [False, True])
@pytest.mark.parametrize("keys", [["k"], ["k", "b"], ["d"], ["k", "d", "b"]])
def test_same_groups_types_and_values_as_arrow(keys, nulls):
    table = _table(len(keys) + nulls, nulls)
    aggs = [("x", "sum", SUM), ("f", "sum", SUM), ("m", "sum", SUM), ("w", "sum", SUM), ([], "count_all"),
            ("x", "count"), ("m", "count"), ("w", "min"), ("w", "max"), ("d", "min"), ("k", "max")]
    if not nulls:
        aggs += [("x", "min"), ("m", "max")]
    got = run_group(table, keys, aggs)
    want = table.group_by(keys, use_threads=False).aggregate(aggs)
    assert got is not None and got.schema == want.schema
    want = want.take(pc.sort_indices(want, sort_keys=[(k, "ascending") for k in keys]))  # run_group: key order
    assert_matches_arrow(got, want)


def test_a_group_of_only_null_values_sums_to_null_and_counts_zero():
    k = np.repeat(np.arange(600), 2)
    v = np.where(k == 5, np.nan, 1.0)
    table = pa.table({"k": k, "v": pa.array(v, from_pandas=True), "m": pa.array([None if x == 5 else decimal.Decimal(1) for x in k], pa.decimal128(9, 0))})
    got = run_group(table, ["k"], [("v", "sum", SUM), ("v", "count"), ("m", "sum", SUM)])
    assert got.column("v_sum")[5].as_py() is None and got.column("m_sum")[5].as_py() is None
    assert got.column("v_count")[5].as_py() == 0 and got.column("m_sum")[4].as_py() == 2


@pytest.mark.parametrize("case", ["descending", "unordered_second_key", "null_key", "string_key", "wide_sum",
                                  "wide_decimal", "float_min", "other_aggregate", "few_rows"])
def test_declines_what_it_cannot_answer_exactly(case):
    table = _table(0, False)
    keys, aggs = ["k"], [("x", "sum", SUM)]
    if case == "descending":
        table = table.take(pa.array(np.arange(N - 1, -1, -1)))
    elif case == "unordered_second_key":
        keys = ["k", "x"]  # x varies inside k's runs in no order
    elif case == "null_key":
        table = table.set_column(0, "k", pa.array(table.column("k").to_pylist()[:-1] + [None], pa.int64()))
    elif case == "string_key":
        table = table.append_column("s", pc.cast(table.column("k"), pa.string()))
        keys = ["s"]
    elif case == "wide_sum":
        table = table.append_column("big", pa.array(np.full(N, 2**62), pa.int64()))
        aggs = [("big", "sum", SUM)]
    elif case == "wide_decimal":
        huge = decimal.Decimal(10) ** 30
        table = table.append_column("h", pa.array([huge] * N, pa.decimal128(38, 0)))
        aggs = [("h", "sum", SUM)]
    elif case == "float_min":
        aggs = [("f", "min")]
    elif case == "other_aggregate":
        aggs = [("x", "mean")]
    elif case == "few_rows":
        table = table.slice(0, 100)
    assert run_group(table, keys, aggs) is None


@pytest.fixture(scope="module")
def stored_sorted() -> pd.DataFrame:
    """Lineitem-shaped: orderkeys ascending, a few lines each, money in cents."""
    rng = np.random.default_rng(18)
    keys = np.repeat(np.arange(1, 1601) * 4, rng.integers(1, 8, 1600))
    n = len(keys)
    return pd.DataFrame({"orderkey": keys, "qty": rng.integers(1, 51, n), "price": rng.normal(100, 30, n).round(2),
                         "tag": rng.integers(0, 3, n)})


def test_grouping_data_stored_sorted_matches_pandas(stored_sorted, npartitions, any_scheduler):
    ddf = frames.from_pandas(stored_sorted, npartitions=npartitions, sort=False)
    got = ddf.groupby("orderkey", sort=False).agg(total=("qty", "sum"), n=("qty", "count"), hi=("price", "max"))
    exp = stored_sorted.groupby("orderkey").agg(total=("qty", "sum"), n=("qty", "count"), hi=("price", "max"))
    assert_eq(got, exp, check_order=False, check_dtype=False, scheduler=any_scheduler)


def test_sql_group_by_a_stored_order_matches_duckdb(stored_sorted, npartitions, scheduler):
    duckdb = pytest.importorskip("duckdb")
    import exec
    import sqlengine

    ctx = sqlengine.Context()
    ctx.register("lines", frames.from_pandas(stored_sorted, npartitions=npartitions, sort=False))
    query = ("SELECT orderkey, sum(CAST(qty AS DECIMAL(15, 2))) AS q, min(CAST(price AS DECIMAL(15, 2))) AS lo, count(*) AS n "
             "FROM lines GROUP BY orderkey HAVING sum(qty) > 100")
    with exec.config.set(scheduler=scheduler):
        got = ctx.sql(query).compute()
    lines = stored_sorted  # noqa: F841 (read by DuckDB's replacement scan)
    want = duckdb.sql(query).df()
    key = ["orderkey"]
    pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True), want.sort_values(key).reset_index(drop=True),
                                  check_dtype=False)
