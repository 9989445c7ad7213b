"""Grouping on string keys of one byte width as fixed-size binary (``hash_group``): exactly Arrow's
``group_by`` answer (names, types, group order, NULL keys) for chunked, sliced, NULL-holding and
large string / binary keys, the plain path where widths differ, and grouped aggregations and
``drop_duplicates`` on such keys matching pandas at 1, 3 and 7 partitions on every scheduler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import frames
from frames.dataframe.expr.fixed_width import as_fixed, hash_group
from frames.testing import assert_eq
from tests.frames.grouping import assert_matches_arrow

N = 4000


def _ids(rng, n: int, width: int, groups: int, nulls: float = 0.0) -> pa.Array:
    values = np.array([f"id{i:0{width - 2}d}" for i in range(groups)], dtype=object)[rng.integers(0, groups, n)]
    return pa.array(values, pa.string(), mask=(rng.random(n) < nulls) if nulls else None)


def _table(seed: int, nulls: float) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table({"a": _ids(rng, N, 12, 300, nulls), "b": _ids(rng, N, 5, 7, nulls),
                     "i": pa.array(rng.integers(0, 3, N), pa.int32()),
                     "x": pa.array(rng.integers(-50, 50, N)), "f": pa.array(rng.normal(size=N))})


def _by_keys(table: pa.Table, keys: list[str]) -> pa.Table:
    """Groups in key order: Arrow's group order depends on its grouper, which depends on the key
    types (first-seen for some, mini-batch order for others)."""
    return table.take(pc.sort_indices(table, sort_keys=[(k, "ascending", "at_end") for k in keys]))


def assert_same_groups(got: pa.Table, want: pa.Table, keys: list[str]) -> None:
    assert got.schema == want.schema
    assert_matches_arrow(_by_keys(got, keys), _by_keys(want, keys), float_sums=("f_sum",))


AGGS = [("x", "sum"), ("f", "sum"), ([], "count_all"), ("x", "min"), ("f", "max")]


@pytest.mark.parametrize("nulls", [0.0, 0.1])
@pytest.mark.parametrize("keys", [["a"], ["b"], ["a", "b"], ["b", "i", "a"]])
def test_same_answer_as_arrow(keys, nulls):
    table = _table(len(keys), nulls)
    assert all(as_fixed(table.column(k)) is not None for k in keys if k != "i")  # the fixed path is taken
    assert_same_groups(hash_group(table, keys, AGGS), table.group_by(keys, use_threads=False).aggregate(AGGS), keys)


def test_chunked_sliced_and_other_string_types():
    table = _table(9, 0.05)
    chunked = pa.concat_tables([table.slice(0, 1000), table.slice(1000, 1), table.slice(1001, 0), table.slice(1001)])
    for t in (chunked, table.slice(17, 2000), chunked.slice(999, 5)):
        assert_same_groups(hash_group(t, ["a"], AGGS), t.group_by(["a"], use_threads=False).aggregate(AGGS), ["a"])
    for kind in (pa.large_string(), pa.binary(), pa.large_binary()):
        t = table.set_column(0, "a", table.column("a").cast(kind))
        got = hash_group(t, ["a", "b"], AGGS)
        assert got.schema.field("a").type == kind
        assert_same_groups(got, t.group_by(["a", "b"], use_threads=False).aggregate(AGGS), ["a", "b"])


def test_keys_of_several_widths_take_the_plain_path():
    mixed = pa.table({"k": ["ab", "abc", "ab", None, ""], "v": [1, 2, 3, 4, 5]})
    assert as_fixed(mixed.column("k")) is None
    other = pa.concat_tables([pa.table({"k": ["ab", "cd"], "v": [1, 2]}), pa.table({"k": ["abc"], "v": [3]})])
    assert as_fixed(other.column("k")) is None  # each chunk of one width, but not the same one
    empties = pa.table({"k": ["", ""], "v": [1, 2]})
    only_nulls = pa.table({"k": pa.array([None, None], pa.string()), "v": [1, 2]})
    for t in (mixed, other, empties, only_nulls, mixed.slice(0, 0)):
        assert hash_group(t, ["k"], [("v", "sum")]).equals(t.group_by(["k"], use_threads=False).aggregate([("v", "sum")]))


def test_a_key_also_aggregated_keeps_its_type():
    t = pa.table({"k": ["ab", "cd", "ab"], "v": [1, 2, 3]})
    got = hash_group(t, ["k"], [("k", "count"), ("v", "sum")])
    assert got.equals(t.group_by(["k"], use_threads=False).aggregate([("k", "count"), ("v", "sum")]))


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    ids = np.array([f"id{i:010d}" for i in range(400)], dtype=object)
    k = pd.Series(ids[rng.integers(0, 400, N)], dtype="str")
    k[rng.random(N) < 0.05] = None
    v = rng.uniform(0, 100, N).round(3)
    v[rng.random(N) < 0.05] = np.nan
    return pd.DataFrame({"k": k, "c": pd.Series(np.array(["AA", "BB", "CC"])[rng.integers(0, 3, N)], dtype="str"),
                         "v": v, "w": rng.integers(1, 6, N)})


@pytest.mark.parametrize("nparts", [1, 3, 7])
@pytest.mark.parametrize("dropna", [True, False])
def test_grouped_aggregates_on_one_width_strings_match_pandas(pdf, nparts, dropna, any_scheduler):
    ddf = frames.from_pandas(pdf, npartitions=nparts)
    aggs = {"v": ["sum", "mean", "count", "max"], "w": ["sum", "size", "nunique"]}
    got = ddf.groupby(["k", "c"], dropna=dropna).agg(aggs).compute(scheduler=any_scheduler)
    want = pdf.groupby(["k", "c"], dropna=dropna).agg(aggs)
    assert_eq(got, want, check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("nparts", [1, 3, 7])
@pytest.mark.parametrize("keep", ["first", "last"])
def test_drop_duplicates_on_one_width_strings_matches_pandas(pdf, nparts, keep, scheduler):
    ddf = frames.from_pandas(pdf, npartitions=nparts)
    got = ddf.drop_duplicates(subset=["k", "c"], keep=keep).compute(scheduler=scheduler)
    assert_eq(got, pdf.drop_duplicates(subset=["k", "c"], keep=keep), check_index=False)
