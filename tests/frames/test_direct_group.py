"""Grouping on integer keys of a small range without a hash table (``direct_group``): the same
answer as Arrow's ``group_by`` (names, types, NULL keys and NULL sums) for sum / count /
count_all, None where it does not apply, and grouped aggregations through it matching pandas at
1, 3 and 7 partitions on every scheduler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import frames
from frames.dataframe.expr.direct_group import direct_group
from frames.testing import assert_eq
from tests.frames.grouping import assert_matches_arrow

N = 3000
SUM = pc.ScalarAggregateOptions(skip_nulls=True, min_count=1)


def _table(seed: int, nulls: bool) -> pa.Table:
    rng = np.random.default_rng(seed)

    def ints(lo, hi, kind):
        return pa.array(rng.integers(lo, hi, N), kind, mask=(rng.random(N) < 0.1) if nulls else None)

    f = rng.normal(size=N)
    return pa.table({"a": ints(-3, 50, pa.int32()), "b": ints(0, 5, pa.int8()), "c": ints(10**9, 10**9 + 40, pa.int64()),
                     "x": ints(-100, 100, pa.int32()), "f": pa.array(f, mask=(rng.random(N) < 0.2) if nulls else None)})


def _sorted(table: pa.Table, keys: list[str]) -> pa.Table:
    return table.take(pc.sort_indices(table, sort_keys=[(k, "ascending", "at_end") for k in keys]))


@pytest.mark.parametrize("nulls", [False, True])
@pytest.mark.parametrize("keys", [["a"], ["a", "b"], ["b", "c"], ["c"]])
def test_same_groups_types_and_values_as_arrow(keys, nulls):
    table = _table(len(keys) + nulls, nulls)
    aggs = [("x", "sum", SUM), ("f", "sum"), ([], "count_all"), ("x", "count"), ("f", "count")]
    got = direct_group(table, keys, aggs)
    want = table.group_by(keys, use_threads=False).aggregate(aggs)
    assert got is not None and got.schema == want.schema
    assert_matches_arrow(_sorted(got, keys), _sorted(want, keys))


def test_a_group_of_only_null_values_sums_to_null_and_counts_zero():
    table = pa.table({"k": pa.array([1, 1, 2], pa.int32()), "v": pa.array([None, None, 3.0])})
    got = _sorted(direct_group(table, ["k"], [("v", "sum"), ("v", "count")]), ["k"])
    assert got.column("v_sum").to_pylist() == [None, 3.0]
    assert got.column("v_count").to_pylist() == [0, 1]


def test_empty_and_all_null_keys():
    empty = _table(0, True).slice(0, 0)
    assert direct_group(empty, ["a"], [("x", "sum")]).num_rows == 0
    nulls = pa.table({"k": pa.nulls(4, pa.int32()), "v": pa.array([1, 2, 3, 4], pa.int64())})
    got = direct_group(nulls, ["k"], [("v", "sum")])
    assert got.to_pylist() == [{"k": None, "v_sum": 10}]


def test_falls_back_where_it_does_not_apply():
    table = _table(5, False)
    assert direct_group(table, ["a"], [("x", "min")]) is None  # not a sum or count
    assert direct_group(table.append_column("s", pc.cast(table["a"], pa.string())), ["s"], [("x", "sum")]) is None
    wide = pa.table({"k": pa.array([0, 10**12], pa.int64()), "v": pa.array([1, 2], pa.int64())})
    assert direct_group(wide, ["k"], [("v", "sum")]) is None  # a range far wider than the rows
    huge = pa.table({"k": pa.array([0, 0], pa.int64()), "v": pa.array([2**62, 1], pa.int64())})
    assert direct_group(huge, ["k"], [("v", "sum")]) is None  # float64 counting would not be exact
    assert direct_group(table, ["a"], [("x", "sum", pc.ScalarAggregateOptions(min_count=0))]) is None


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    k = pd.array(rng.integers(0, 200, N), dtype="Int64")
    k[rng.random(N) < 0.05] = pd.NA
    v = rng.uniform(0, 100, N).round(3)
    v[rng.random(N) < 0.05] = np.nan
    return pd.DataFrame({"k": k, "j": rng.integers(0, 4, N).astype("int32"), "v": v, "w": rng.integers(1, 6, N)})


@pytest.mark.parametrize("nparts", [1, 3, 7])
@pytest.mark.parametrize("dropna", [True, False])
def test_grouped_aggregates_on_integer_keys_match_pandas(pdf, nparts, dropna, any_scheduler):
    ddf = frames.from_pandas(pdf, npartitions=nparts)
    aggs = {"v": ["sum", "mean", "count", "std"], "w": ["sum", "size"]}
    got = ddf.groupby(["k", "j"], dropna=dropna).agg(aggs).compute(scheduler=any_scheduler)
    want = pdf.groupby(["k", "j"], dropna=dropna).agg(aggs)
    flat = [t.reset_index().astype({("k", ""): "float64"}) for t in (got, want)]  # pandas keeps Int64 keys, <NA> for NULL
    assert_eq(flat[0], flat[1], check_dtype=False, rtol=1e-9)
