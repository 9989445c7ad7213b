"""Joins on integer-coded keys (``frames.dataframe.expr.join_index``) against pandas' merge.

Every join type, built on either side, through the direct-address table, the ranked bitmap and the
hash index, with
NULL keys (which never match, as in SQL), repeated keys on both sides, keys out of the build side's
range, several keys at once, and the key types that have integer codes; then the same through
DataFrame merges over 1, 2 and 7 partitions on every scheduler and join strategy.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frames
from frames.dataframe.expr import join_index
from frames.dataframe.expr.join import Join, JoinSpec, build_side, join_built, join_tables, probe_index
from frames.dataframe.expr.sources import FromTables
from frames.testing import assert_eq

HOWS = ["inner", "left", "right", "outer", "semi", "anti"]


def _tables(rng, n_left: int, n_right: int, key_range: int, null_share: float = 0.1, offset: int = 0):
    def side(n, prefix):
        keys = rng.integers(0, key_range, n) + offset
        valid = rng.random(n) >= null_share
        return pa.table({f"{prefix}k": pa.array(keys, pa.int64(), mask=~valid), f"{prefix}v": pa.array(np.arange(n))})

    return side(n_left, "l"), side(n_right, "r")


def _spec(left: pa.Table, right: pa.Table, how: str, left_on=("lk",), right_on=("rk",)) -> JoinSpec:
    return Join(FromTables((left,), left.schema), FromTables((right,), right.schema), how, tuple(left_on), tuple(right_on)).spec


def _expected(left: pa.Table, right: pa.Table, how: str, left_on=("lk",), right_on=("rk",)) -> pd.DataFrame:
    """pandas' merge on copies of the keys where a NULL became a value no other row has (pandas
    would match NaN with NaN; SQL never matches NULL)."""
    lp, rp = left.to_pandas(), right.to_pandas()
    on = [f"__m{i}" for i in range(len(left_on))]

    def unmatchable(df, cols, base):
        out = {}
        for m, c in zip(on, cols):
            v = df[c].astype("float64").to_numpy()
            out[m] = np.where(np.isnan(v), base - np.arange(len(v)), np.nan_to_num(v)).astype(np.int64)
        return df.assign(**out)

    lx, rx = unmatchable(lp, left_on, -(10**15)), unmatchable(rp, right_on, -2 * 10**15)
    if how in ("semi", "anti"):
        found = lx[on].apply(tuple, axis=1).isin(set(rx[on].apply(tuple, axis=1))).to_numpy()
        return lp[found if how == "semi" else ~found]
    return lx.merge(rx, on=on, how=how).drop(columns=on)


def _check(got: pa.Table, expected: pd.DataFrame) -> None:
    g = got.to_pandas()
    assert list(g.columns) == list(expected.columns)
    key = list(g.columns)
    norm = lambda df: df.astype("Float64").sort_values(key).reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(norm(g), norm(expected.reset_index(drop=True)), check_dtype=False)


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("sizes", [(200, 30), (30, 200), (0, 50), (50, 0), (0, 0)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key_range", [10, 100_000], ids=["dups", "sparse"])
def test_local_join_builds_either_side_and_matches_pandas(how, sizes, key_range):
    rng = np.random.default_rng(sum(sizes) + key_range)
    left, right = _tables(rng, *sizes, key_range)
    _check(join_tables(left, right, _spec(left, right, how)), _expected(left, right, how))


# a broadcast side is never the one whose unmatched rows are kept
@pytest.mark.parametrize("side,how", [("left", h) for h in ("inner", "right")] + [("right", h) for h in ("inner", "left", "semi", "anti")])
def test_broadcast_index_is_built_once_and_probed_by_each_partition(how, side):
    rng = np.random.default_rng(3)
    left, right = _tables(rng, 300, 300, 40)
    spec = _spec(left, right, how)
    small, big = (right, left) if side == "right" else (left, right)
    built = build_side([small.slice(0, 100), small.slice(100)], small.schema, spec, side)
    assert isinstance(built, join_index.JoinIndex)
    parts = [join_built(built, big.slice(i, 100), spec, side) for i in range(0, 300, 100)]
    _check(pa.concat_tables(parts), _expected(left, right, how))


@pytest.mark.parametrize("how", HOWS)
def test_hash_index_path_for_keys_too_spread_for_a_table(how, monkeypatch):
    monkeypatch.setattr(join_index, "DENSE_SPAN_MAX", 8)
    monkeypatch.setattr(join_index, "RANK_SPAN_MAX", 8)
    rng = np.random.default_rng(11)
    left, right = _tables(rng, 150, 120, 50, offset=-25)  # negative keys too
    index = join_index.build_index(right, ("rk",))
    assert index.hash_index is not None
    _check(join_tables(left, right, _spec(left, right, how)), _expected(left, right, how))


@pytest.mark.parametrize("how", HOWS)
def test_hash_index_over_a_sorted_build_side_matches_pandas(how, monkeypatch):
    """A build side sorted on its keys (sorted distinct codes) is hashed in a shuffled order:
    the slots must still point at the right rows, for repeated keys and NULLs too."""
    monkeypatch.setattr(join_index, "DENSE_SPAN_MAX", 8)
    monkeypatch.setattr(join_index, "RANK_SPAN_MAX", 8)
    rng = np.random.default_rng(12)
    left, right = _tables(rng, 150, 120, 60)
    right = right.sort_by("rk")
    index = join_index.build_index(right, ("rk",))
    assert index.hash_index is not None and not index.hash_index.is_monotonic_increasing
    _check(join_tables(left, right, _spec(left, right, how)), _expected(left, right, how))
    sorted_left, other = right.rename_columns(["lk", "lv"]), left.rename_columns(["rk", "rv"])  # built on the left
    _check(join_tables(sorted_left, other, _spec(sorted_left, other, how)), _expected(sorted_left, other, how))


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("key_range", [50, 5_000], ids=["dups", "sparse"])
def test_ranked_index_for_keys_too_spread_for_a_table_matches_pandas(how, key_range, monkeypatch):
    """Keys over a range too wide for a direct-address table are ranked through a bitmap: every
    join type, either side built, repeated keys, NULLs, negative keys and probes outside the range."""
    monkeypatch.setattr(join_index, "DENSE_SPAN_MAX", 8)
    rng = np.random.default_rng(13 + key_range)
    left, right = _tables(rng, 400, 300, key_range, offset=-25)
    index = join_index.build_index(right, ("rk",))
    assert index.ranks is not None and index.hash_index is None
    _check(join_tables(left, right, _spec(left, right, how)), _expected(left, right, how))
    built_left, other = right.rename_columns(["lk", "lv"]), left.rename_columns(["rk", "rv"])
    _check(join_tables(built_left, other, _spec(built_left, other, how)), _expected(built_left, other, how))


def test_ranks_count_the_set_offsets_before_each_across_word_boundaries():
    offsets = np.array([0, 1, 62, 63, 64, 65, 127, 128, 200, 255, 256, 1000], dtype=np.int64)
    ranks = join_index._Ranks(np.concatenate([offsets, offsets[::3]]), 1001)  # repeats count once
    assert ranks.count == len(offsets)
    probes = np.arange(1002, dtype=np.int64)  # 1001 is the span itself: never set
    expected = np.where(np.isin(probes, offsets), np.searchsorted(offsets, probes), len(offsets))
    np.testing.assert_array_equal(ranks.slots(probes), expected)


def test_dense_index_offsets_keys_far_from_zero_and_ignores_probes_outside():
    build = pa.table({"k": pa.array([10**12 + 5, 10**12 + 7, 10**12 + 7], pa.int64())})
    index = join_index.build_index(build, ("k",))
    assert index.hash_index is None and index.lo == 10**12 + 5 and not index.unique
    probe = pa.table({"k": pa.array([10**12 + 7, 0, -5, 10**12 + 8, 10**12 + 5, None], pa.int64())})
    prows, brows = index.matches(index.lookup(probe, ("k",)))
    assert sorted(zip(prows.tolist(), brows.tolist())) == [(0, 1), (0, 2), (4, 0)]


@pytest.mark.parametrize("how", HOWS)
def test_several_keys_become_one_code(how):
    rng = np.random.default_rng(5)
    n = 300
    left = pa.table({"a": rng.integers(0, 6, n), "b": pa.array(rng.integers(-3, 4, n), pa.int32()), "v": np.arange(n)})
    right = pa.table({"c": rng.integers(0, 8, 80), "d": pa.array(rng.integers(-5, 3, 80), pa.int32()), "w": np.arange(80)})
    spec = _spec(left, right, how, ("a", "b"), ("c", "d"))
    assert join_index.build_index(right, ("c", "d")) is not None
    _check(join_tables(left, right, spec), _expected(left, right, how, ("a", "b"), ("c", "d")))


def test_several_keys_too_wide_for_one_code_fall_back_to_arrow():
    left = pa.table({"a": pa.array([0, 2**40, 5]), "b": pa.array([0, 2**40, 7]), "v": [1, 2, 3]})
    right = pa.table({"c": pa.array([2**40, 5, 0]), "d": pa.array([2**40, 7, 1]), "w": [10, 20, 30]})
    assert join_index.build_index(right, ("c", "d")) is None
    got = join_tables(left, right, _spec(left, right, "inner", ("a", "b"), ("c", "d")))
    assert sorted(got.column("v").to_pylist()) == [2, 3]


# a right or outer join cannot broadcast its right side
_STRATEGIES = [(s, h) for s in ("broadcast_right", "shuffle", "adaptive", None) for h in ("inner", "left", "right", "outer")
               if not (s == "broadcast_right" and h in ("right", "outer"))]


@pytest.mark.parametrize("kind", ["int8", "uint32", "int32", "date32", "timestamp", "string"])
@pytest.mark.parametrize("strategy,how", _STRATEGIES)
def test_merge_on_each_key_type_matches_pandas(kind, strategy, how, npartitions, scheduler):
    rng = np.random.default_rng(17)
    values = {
        "int8": lambda k: pd.array(k - 3, "Int8"),
        "uint32": lambda k: pd.array(k, "UInt32"),
        "int32": lambda k: pd.array(k * 1000, "Int32"),
        "date32": lambda k: pd.Series([dt.date(2020, 1, 1) + dt.timedelta(days=int(x)) for x in k], dtype="date32[pyarrow]"),
        "timestamp": lambda k: pd.Series(pd.to_datetime("2021-01-01") + pd.to_timedelta(k, unit="h")),
        "string": lambda k: pd.Series([f"s{x}" for x in k]),
    }[kind]
    lp = pd.DataFrame({"k": values(rng.integers(0, 40, 400)), "x": np.arange(400)})
    rp = pd.DataFrame({"k": values(rng.integers(0, 60, 90)), "y": np.arange(90)})
    got = frames.from_pandas(lp, npartitions).merge(frames.from_pandas(rp, min(npartitions, 3)), on="k", how=how, strategy=strategy)
    assert_eq(got, lp.merge(rp, on="k", how=how), check_order=False, check_index=False, check_dtype=False, scheduler=scheduler)


def _text_tables(rng, n_left: int, n_right: int, key_range: int, null_share: float = 0.1):
    def side(n, prefix):
        keys = np.array([f"id{v}" for v in rng.integers(0, key_range, n)], dtype=object)
        keys[rng.random(n) < null_share] = None
        return pa.table({f"{prefix}k": pa.array(keys, pa.string()), f"{prefix}v": pa.array(np.arange(n))})

    return side(n_left, "l"), side(n_right, "r")


def _text_expected(left: pa.Table, right: pa.Table, how: str) -> pd.DataFrame:
    """pandas' merge with NULL keys replaced by text no other row has (SQL never matches NULL)."""
    code = lambda t, k, tag: pa.table({f"{k[0]}k": pa.array(  # noqa: E731
        [v if v is not None else f"{tag}{i}" for i, v in enumerate(t.column(k).to_pylist())]), f"{k[0]}v": t.column(f"{k[0]}v")})
    lp, rp = code(left, "lk", "nl").to_pandas(), code(right, "rk", "nr").to_pandas()
    if how in ("semi", "anti"):
        found = lp["lk"].isin(set(rp["rk"]))
        out = lp[found if how == "semi" else ~found]
    else:
        out = lp.merge(rp, left_on="lk", right_on="rk", how=how)
    nulls = lambda s: s.where(~s.str.match(r"^n[lr]\d", na=False), None)  # noqa: E731
    return out.assign(**{c: nulls(out[c]) for c in out.columns if c in ("lk", "rk")})


def _check_text(got: pa.Table, expected: pd.DataFrame) -> None:
    g = got.to_pandas()
    assert list(g.columns) == list(expected.columns)
    norm = lambda df: df.astype(str).sort_values(list(df.columns)).reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(norm(g), norm(expected.reset_index(drop=True)), check_dtype=False)


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("sizes", [(200, 30), (30, 200), (0, 50), (50, 0)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key_range", [10, 100_000], ids=["dups", "sparse"])
def test_a_text_key_is_indexed_by_its_distinct_values_and_matches_pandas(how, sizes, key_range):
    rng = np.random.default_rng(sum(sizes) + key_range + 1)
    left, right = _text_tables(rng, *sizes, key_range)
    index = join_index.build_index(right, ("rk",), how not in ("semi", "anti"))
    assert isinstance(index, join_index.JoinIndex)  # Arrow's hash join before
    _check_text(join_tables(left, right, _spec(left, right, how)), _text_expected(left, right, how))


def test_text_probe_values_outside_the_build_side_never_match():
    build = pa.table({"k": pa.array(["a", "b", "b", None])})
    index = join_index.build_index(build, ("k",))
    probe = pa.table({"k": pa.array(["b", "zz", None, "a", ""])})
    prows, brows = index.matches(index.lookup(probe, ("k",)))
    assert sorted(zip(prows.tolist(), brows.tolist())) == [(0, 1), (0, 2), (3, 0)]


@pytest.mark.parametrize("how", ["left", "inner"])
def test_probe_columns_pass_through_untaken_when_every_probe_row_stays_once(how):
    """A unique-keyed build side and an output holding every probe row once in order: the probe
    side's columns are the output's as they were (no copy), the build side's taken with NULLs."""
    rng = np.random.default_rng(8)
    left = pa.table({"lk": pa.array(rng.integers(0, 50 if how == "left" else 30, 500)), "lv": pa.array(np.arange(500.0))})
    right = pa.table({"rk": pa.array(rng.permutation(40)), "rv": pa.array(np.arange(40))})
    spec = _spec(left, right, how)
    got = probe_index(join_index.build_index(right, ("rk",)), left, spec, True)
    assert got.column("lv").chunk(0).buffers()[1].address == left.column("lv").chunk(0).buffers()[1].address
    _check(got, _expected(left, right, how))


@pytest.mark.parametrize("strategy,how", [("broadcast_right", "inner"), ("adaptive", "inner"), ("adaptive", "left")])
def test_keys_spread_past_a_table_are_ranked_in_merges_on_every_scheduler(strategy, how, npartitions, any_scheduler):
    """40k build keys spread over 20M values: too sparse for a direct-address table, so ranked
    through the bitmap, in worker processes too (a distributed LocalCluster), as a broadcast and
    as the adaptive join's broadcast path (each split task probes its own partition)."""
    rng = np.random.default_rng(21)
    build_keys = rng.choice(20_000_000, 40_000, replace=False) + 5
    right = pd.DataFrame({"k": build_keys, "label": np.arange(40_000)})
    probe = np.where(rng.random(30_000) < 0.5, rng.choice(build_keys, 30_000), rng.integers(0, 20_000_010, 30_000))
    left = pd.DataFrame({"k": probe, "x": np.arange(30_000.0)})
    assert join_index.build_index(pa.Table.from_pandas(right, preserve_index=False), ("k",)).ranks is not None
    got = frames.from_pandas(left, npartitions=npartitions).merge(frames.from_pandas(right, npartitions=2), on="k", how=how,
                                                                   strategy=strategy)
    assert_eq(got, left.merge(right, on="k", how=how), check_order=False, check_index=False, check_dtype=False,
              scheduler=any_scheduler)
