"""Grouped aggregation over partitions whose groups mostly hold one row (h2o q10: 1e7 rows, 1e7
groups): each row is its own group's partial (``aggregate.row_partials``) and the merge
aggregates the rows once. Answers compared with pandas at 1, 3 and 7 partitions on every
scheduler; the tests check the path is taken (and not taken for few groups) and that its partials
merge to what ``chunk``'s give, for every kind of partial it handles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frames
from frames.dataframe.expr import aggregate as agg
from frames.dataframe.expr.aggregate import AggSpec, _Plan
from frames.testing import assert_eq

ROWS = 8000  # 7 partitions keep ROW_PARTIALS_MIN_ROWS rows each


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    k = rng.integers(0, 4 * ROWS, ROWS)  # about 88% of the groups one row, the others two or three
    s = pd.Series([f"s{v // 7}" for v in k], dtype=object)
    s[rng.random(ROWS) < 0.03] = None  # NULL keys: a group of their own unless dropna
    v = rng.uniform(0, 100, ROWS).round(3)
    v[rng.random(ROWS) < 0.05] = np.nan
    return pd.DataFrame({"s": s, "i": k % 7, "v": v, "w": rng.integers(1, 6, ROWS)})


AGGS = {"v": ["sum", "mean", "std", "max", "count"], "w": ["min", "sum"]}


def _pandas(pdf: pd.DataFrame, dropna: bool) -> pd.DataFrame:
    return pdf.groupby(["s", "i"], dropna=dropna).agg(AGGS)


@pytest.mark.parametrize("nparts", [1, 3, 7])
def test_rows_as_partials_match_pandas_on_every_scheduler(pdf, nparts, any_scheduler):
    ddf = frames.from_pandas(pdf, npartitions=nparts)
    got = ddf.groupby(["s", "i"], dropna=False).agg(AGGS).compute(scheduler=any_scheduler)
    assert_eq(got, _pandas(pdf, dropna=False), check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("dropna", [True, False])
@pytest.mark.parametrize("split_out", [None, 3])
def test_rows_as_partials_sorted_split_and_dropna(pdf, dropna, split_out):
    ddf = frames.from_pandas(pdf, npartitions=3)
    got = ddf.groupby(["s", "i"], dropna=dropna).agg(AGGS, split_out=split_out).compute(scheduler="sync")
    assert_eq(got, _pandas(pdf, dropna), check_dtype=False, check_order=split_out is None, rtol=1e-9)
    size = ddf.groupby(["s", "i"], dropna=dropna).agg({"w": "size"}, split_out=split_out).compute(scheduler="sync")
    assert_eq(size, pdf.groupby(["s", "i"], dropna=dropna).agg({"w": "size"}), check_dtype=False, check_order=split_out is None)


def test_the_path_is_taken_only_for_few_rows_per_group(pdf):
    table = pa.Table.from_pandas(pdf, preserve_index=False)
    specs = (AggSpec("t", "sum", "v"),)
    many = _Plan(("s", "i"), specs, False)
    assert agg.chunk_before_merge(table, many).num_rows == ROWS  # every row a partial
    few = _Plan(("i",), specs, False)
    assert agg.chunk_before_merge(table, few).num_rows == 7  # aggregated first
    gathered = _Plan(("s", "i"), (AggSpec("m", "median", "v"),), False)
    assert agg.chunk_before_merge(table, gathered).num_rows < ROWS  # lists merge by position: not this path
    assert agg.chunk_before_merge(table.slice(0, agg.ROW_PARTIALS_MIN_ROWS - 1), many).num_rows < agg.ROW_PARTIALS_MIN_ROWS - 1


def test_row_partials_merge_as_chunk_partials_do():
    """Every partial kind it handles, with NULL values, NULL and dictionary keys, both dropna."""
    rng = np.random.default_rng(3)
    n = 3000
    key = pa.array([None if r < 0.02 else f"k{v}" for r, v in zip(rng.random(n), rng.integers(0, 2 * n, n))])
    x = pa.array([None if r < 0.1 else float(v) for r, v in zip(rng.random(n), rng.integers(-5, 6, n))])
    y = pa.array(rng.integers(-3, 4, n).astype(np.int32))
    flag = pc_less(y)
    table = pa.table({"k": key.dictionary_encode(), "j": pa.array(rng.integers(0, 3, n)), "x": x, "y": y, "b": flag})
    specs = (AggSpec("s", "sum", "x"), AggSpec("si", "sum", "y"), AggSpec("c", "count", "x"), AggSpec("n", "count_all"),
             AggSpec("lo", "min", "x"), AggSpec("hi", "max", "y"), AggSpec("m", "mean", "y"), AggSpec("v", "var", "x"),
             AggSpec("sd", "std", "y"), AggSpec("f", "first", "x"), AggSpec("l", "last", "x"), AggSpec("a", "any", "b"),
             AggSpec("al", "all", "b"), AggSpec("ci", "count_if", "b"), AggSpec("p", "product", "y"),
             AggSpec("cv", "covar_samp", "x", (("other", "y"),)), AggSpec("r", "corr", "x", (("other", "y"),)))
    for dropna in (False, True):
        plan = _Plan(("k", "j"), specs, dropna)
        parts = [table.slice(i, 1000) for i in range(0, n, 1000)]
        schema = agg.Aggregate(frames.from_arrow(table)._node, ("k", "j"), specs, dropna=dropna).schema
        expected = agg.finalize(agg.combine([agg.chunk(p, plan) for p in parts], plan), [], plan, schema, True)
        got = agg.finalize(agg.combine([agg.row_partials(p, plan) for p in parts], plan), [], plan, schema, True)
        assert agg.row_partials(parts[0], plan).schema == agg.chunk(parts[0], plan).schema
        assert got.num_rows == expected.num_rows
        for name in expected.column_names:
            a, b = got.column(name).to_pylist(), expected.column(name).to_pylist()
            if name in ("v", "sd", "cv", "r", "m"):
                assert np.allclose(np.array(a, dtype=float), np.array(b, dtype=float), equal_nan=True), name
            else:
                assert a == b, name


def pc_less(y: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(y, 0), pa.scalar(None, pa.bool_()), pc.less(y, 0))


def test_estimated_groups_extrapolates_a_sample():
    assert agg.estimated_groups(1000, 1000, 10**6) == 10**6  # all distinct: as many groups as rows
    assert agg.estimated_groups(10, 1000, 10**6) == pytest.approx(10, rel=1e-3)  # few groups, all seen
    # 1e5 equal groups: a 65536-row sample sees 1e5 * (1 - exp(-0.65536)) of them; 1M rows reach almost all
    seen = int(1e5 * -np.expm1(-65536 / 1e5))
    assert agg.estimated_groups(seen, 65536, 10**6) == pytest.approx(1e5 * -np.expm1(-10), rel=1e-3)
