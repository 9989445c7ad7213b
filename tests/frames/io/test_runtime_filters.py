"""Runtime join filters: a broadcast join's small side restricts the Parquet scan under its other
side to its key values (row groups by statistics, then rows), and answers stay pandas'. Joins that
keep unmatched rows, and scans something else also reads, are left alone."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import exec
import frames
from frames.dataframe.expr.node import build_graph
from frames.dataframe.expr.optimize import optimize
from frames.dataframe.expr.pushdown import walk
from frames.dataframe.expr.runtime_filter import keep_mask, row_group_may_match, source_keys
from frames.dataframe.io.parquet import ParquetScan
from frames.testing import assert_eq

N = 20_000


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> tuple[str, pd.DataFrame]:
    """Rows in key order (as TPC-DS stores inventory by date): 1000 rows per row group."""
    rng = np.random.default_rng(5)
    d = np.sort(rng.integers(0, 400, N)).astype(np.int32)
    item = rng.integers(1, 50, N)
    pdf = pd.DataFrame({"d": d, "item": pd.array(np.where(rng.random(N) < 0.05, None, item), dtype="Int64"),
                        "v": rng.random(N)})
    path = tmp_path_factory.mktemp("rtf") / "facts.parquet"
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), path, row_group_size=1000)
    return str(path), pdf


DIMS = pd.DataFrame({"dk": np.arange(400, dtype=np.int64), "flag": np.arange(400) % 97 == 3})
ITEMS = pd.DataFrame({"ik": np.arange(1, 50, dtype=np.int64), "color": np.where(np.arange(1, 50) % 5 == 0, "red", "blue")})


def _scans(node):
    return [n for n in walk(optimize(node)) if isinstance(n, ParquetScan)]


def _rows_read(node) -> int:
    """Rows the optimized tree's Parquet scan tasks return."""
    opt = optimize(node)
    graph, _ = build_graph(opt)
    names = {s.name for s in walk(opt) if isinstance(s, ParquetScan)}
    keys = [k for k in graph if isinstance(k, tuple) and k[0] in names]
    return sum(t.num_rows for t in exec.get(graph, keys, scheduler="sync"))


def test_broadcast_join_filters_the_scan_of_its_big_side(facts, npartitions, scheduler):
    path, pdf = facts
    dims = frames.from_pandas(DIMS, 1)
    got = frames.read_parquet(path, split_row_groups=max(1, 20 // npartitions)).merge(dims[dims.flag], left_on="d", right_on="dk")
    exp = pdf.merge(DIMS[DIMS.flag], left_on="d", right_on="dk")
    (scan,) = _scans(got._node)
    assert [(c, rows) for c, _, _, rows in scan.runtime_filters] == [("d", False)]  # the join is next: row groups only
    assert "runtime_filters=[d in" in scan.describe() and "(row groups)" in scan.describe()
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    # 5 flagged keys, rows stored in key order: only the row groups holding them are read, out of 20
    groups = pq.ParquetFile(path).metadata.num_row_groups
    assert len(exp) < _rows_read(got._node) <= 10 * N // groups


def test_filters_reach_the_scan_through_other_joins_and_renames(facts, scheduler):
    path, pdf = facts
    items = frames.from_pandas(ITEMS, 1)
    dims = frames.from_pandas(DIMS, 1)
    f = frames.read_parquet(path, split_row_groups=4).rename(columns={"item": "it"})
    got = f.merge(items[items.color == "red"], left_on="it", right_on="ik").merge(dims[dims.flag], left_on="d", right_on="dk")
    exp = pdf.rename(columns={"item": "it"}).merge(ITEMS[ITEMS.color == "red"], left_on="it", right_on="ik") \
        .merge(DIMS[DIMS.flag], left_on="d", right_on="dk")
    (scan,) = _scans(got._node)
    # the dates' keys skip the item join below them: rows too; the items' join is next: row groups
    assert sorted((c, rows) for c, _, _, rows in scan.runtime_filters) == [("d", True), ("item", False)]
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    assert _rows_read(got._node) == pdf.d.isin(DIMS.dk[DIMS.flag]).sum()


@pytest.mark.parametrize("how", ["left", "outer"])
def test_joins_keeping_unmatched_rows_filter_nothing(facts, how):
    path, pdf = facts
    dims = frames.from_pandas(DIMS, 1)
    got = frames.read_parquet(path, split_row_groups=4).merge(dims[dims.flag], left_on="d", right_on="dk", how=how)
    assert all(not s.runtime_filters for s in _scans(got._node))
    exp = pdf.merge(DIMS[DIMS.flag], left_on="d", right_on="dk", how=how)
    assert_eq(got[["d", "v", "dk"]], exp[["d", "v", "dk"]], check_order=False, check_index=False, check_dtype=False, scheduler="sync")


def test_a_scan_read_by_something_else_too_is_not_filtered(facts):
    path, pdf = facts
    f = frames.read_parquet(path, split_row_groups=4)
    dims = frames.from_pandas(DIMS, 1)
    joined = f.merge(dims[dims.flag], left_on="d", right_on="dk")
    both = frames.concat([joined[["d", "v"]], f[["d", "v"]]])
    assert all(not s.runtime_filters for s in _scans(both._node))
    exp = pd.concat([pdf.merge(DIMS[DIMS.flag], left_on="d", right_on="dk")[["d", "v"]], pdf[["d", "v"]]])
    assert_eq(both, exp, check_order=False, check_index=False, check_dtype=False, scheduler="sync")


def test_forced_shuffle_joins_wait_for_nothing(facts):
    path, pdf = facts
    with exec.config.set(join_strategy="shuffle"):
        dims = frames.from_pandas(DIMS, 2)
        got = frames.read_parquet(path, split_row_groups=4).merge(dims[dims.flag], left_on="d", right_on="dk")
        assert all(not s.runtime_filters for s in _scans(got._node))
        assert_eq(got, pdf.merge(DIMS[DIMS.flag], left_on="d", right_on="dk"), check_order=False, check_index=False,
                  check_dtype=False, scheduler="sync")


def test_kernels():
    keys = source_keys([pa.table({"k": pa.array([5, None, 3, 5], pa.int64())}), pa.table({"k": pa.array([9], pa.int64())})], "k")
    assert keys.bitmap is not None and np.flatnonzero(keys.bitmap).tolist() == [0, 2, 6]  # 3, 5, 9
    assert source_keys([pa.table({"k": pa.array(["a"])})], "k") is None  # no integer code
    assert row_group_may_match(keys, 4, 5) and not row_group_may_match(keys, 6, 8) and row_group_may_match(keys, None, 1)
    assert not row_group_may_match(keys, 10, 20) and not row_group_may_match(keys, -5, 2)
    day = (datetime.date(2000, 3, 1) - datetime.date(1970, 1, 1)).days
    days = source_keys([pa.table({"d": pa.array([datetime.date(2000, 3, 1)])})], "d")
    assert (days.lo, days.hi) == (day, day)
    assert row_group_may_match(days, datetime.date(2000, 1, 1), datetime.date(2000, 12, 31))
    assert not row_group_may_match(days, datetime.date(2001, 1, 1), datetime.date(2001, 12, 31))
    col = pa.chunked_array([pa.array([3, None, 4, 9, 100, -7] * 10, pa.int32())])
    assert keep_mask(col, keys)[:6].tolist() == [True, False, False, True, False, False]
    empty = source_keys([pa.table({"k": pa.array([None], pa.int64())})], "k")
    assert keep_mask(col, empty).sum() == 0 and not row_group_may_match(empty, 0, 100)
    assert keep_mask(pa.chunked_array([pa.array([3, 5] * 10)]), keys) is None  # keeps every row: not worth a copy
    far = source_keys([pa.table({"k": pa.array([1 << 40, 0, 1 << 40])})], "k")  # too wide a span: sorted values
    assert far.bitmap is None and far.values.tolist() == [0, 1 << 40]
    assert keep_mask(pa.chunked_array([pa.array([0, 5, 1 << 40, 7, 8, 9, 10, 11, 12, 13, 1 << 41, -1])]), far).tolist() == \
        [True, False, True] + [False] * 9  # past either end of the sorted values too
    assert row_group_may_match(far, 1 << 39, 1 << 41) and not row_group_may_match(far, 1, 1 << 39)


def test_an_unfiltered_source_restricts_nothing(facts):
    path, pdf = facts
    got = frames.read_parquet(path, split_row_groups=4).merge(frames.from_pandas(DIMS, 1), left_on="d", right_on="dk")
    assert all(not s.runtime_filters for s in _scans(got._node))


def test_filters_cross_the_preserved_side_of_a_left_join(facts, scheduler):
    path, pdf = facts
    items = frames.from_pandas(ITEMS, 1)
    dims = frames.from_pandas(DIMS, 1)
    got = frames.read_parquet(path, split_row_groups=4).merge(items, left_on="item", right_on="ik", how="left") \
        .merge(dims[dims.flag], left_on="d", right_on="dk")
    exp = pdf.merge(ITEMS, left_on="item", right_on="ik", how="left").merge(DIMS[DIMS.flag], left_on="d", right_on="dk")
    (scan,) = _scans(got._node)
    assert [(c, rows) for c, _, _, rows in scan.runtime_filters] == [("d", True)]
    assert_eq(got[["d", "v", "ik"]], exp[["d", "v", "ik"]], check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)


def test_a_shared_scan_under_a_join_on_the_key_is_read_again_for_the_filtered_path(facts, scheduler, tmp_path):
    """q95's shape: a self-join on the key (the scan is both its inputs, and something else reads
    it whole) under a join with a small filtered side (a Parquet file: its statistics say how
    small): that path reads its own copy, cut to the keys; the other reader still sees every row."""
    path, pdf = facts
    pq.write_table(pa.Table.from_pandas(DIMS, preserve_index=False), tmp_path / "dims.parquet")
    dims = frames.read_parquet(str(tmp_path / "dims.parquet"))
    dims = dims[dims.dk < 8]
    f = frames.read_parquet(path, split_row_groups=4)[["d", "item"]]
    pairs = f.merge(f, on="d", suffixes=("_a", "_b"))
    got = frames.concat([pairs.merge(dims, left_on="d", right_on="dk")[["d", "item_a"]].rename(columns={"item_a": "item"}), f])
    sub = pdf[["d", "item"]]
    exp = pd.concat([sub.merge(sub, on="d", suffixes=("_a", "_b")).merge(DIMS[DIMS.dk < 8], left_on="d", right_on="dk")[["d", "item_a"]]
                     .rename(columns={"item_a": "item"}), sub])
    scans = [s for s in _scans(got._node) if s.source.endswith("facts.parquet")]
    assert sorted(len(s.runtime_filters) for s in scans) == [0, 1]  # the shared scan whole, one copy filtered
    assert [(c, rows) for s in scans for c, _, _, rows in s.runtime_filters] == [("d", True)]
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)
    assert _rows_read(got._node) == N + pdf.d.lt(8).sum() + 8
