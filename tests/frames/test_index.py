"""The index and divisions model: set_index, .loc, joins on the index, repartition(divisions=),
reset_index, against pandas (results) and dask.dataframe (divisions, where Dask defines them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
from frames.errors import InvalidArgumentError
from frames.testing import assert_eq

dd = pytest.importorskip("dask.dataframe")
pytestmark = [pytest.mark.filterwarnings("ignore:The 'lsuffix' and 'rsuffix' keywords"),  # pandas' own join, the oracle
              pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.set_index")]  # inside dask


@pytest.fixture
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 120
    return pd.DataFrame({"k": rng.integers(0, 40, n), "a": rng.random(n), "s": [f"s{i:03d}" for i in range(n)],
                         "t": pd.date_range("2021-01-01", periods=n, freq="h").as_unit("us")})


def _indexed(pdf: pd.DataFrame) -> pd.DataFrame:
    return pdf.set_index("k").sort_index(kind="stable")


def _scan_partitions(frame) -> set:
    """The input partitions a frame's graph reads (the from-arrow keys it keeps after culling)."""
    from exec import cull

    graph, keys = frame._build_graph()
    return {k for k in cull(graph, keys) if isinstance(k, tuple) and str(k[0]).startswith("from-arrow")}


def test_set_index_sorts_into_known_divisions(pdf, npartitions, any_scheduler):
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    assert got.known_divisions and len(got.divisions) == got.npartitions + 1
    assert list(got.divisions) == sorted(set(got.divisions))  # strictly increasing
    assert got.divisions[0] == pdf.k.min() and got.divisions[-1] == pdf.k.max()
    assert_eq(got, _indexed(pdf), scheduler=any_scheduler)
    parts = [p for p in got.to_delayed()]
    for i, part in enumerate(frames.compute(*parts)):  # every row inside its partition's range
        lo, hi = got.divisions[i], got.divisions[i + 1]
        assert ((part.index >= lo) & ((part.index < hi) | ((part.index == hi) & (i == got.npartitions - 1)))).all()


def test_set_index_options(pdf, npartitions):
    base = frames.from_pandas(pdf, npartitions)
    kept = base.set_index("k", drop=False)
    assert_eq(kept, pdf.set_index("k", drop=False).sort_index(kind="stable"))
    given = base.set_index("k", divisions=[0, 10, 20, 39])
    assert given.divisions == (0, 10, 20, 39) and given.npartitions == 3
    assert_eq(given, _indexed(pdf))
    three = base.set_index("k", npartitions=3)
    assert three.npartitions <= 3 and three.known_divisions
    assert_eq(three, _indexed(pdf))
    assert_eq(base.set_index("s"), pdf.set_index("s").sort_index())
    assert_eq(base.set_index("t"), pdf.set_index("t"))


def test_set_index_sorted_uses_partition_extents_like_dask(pdf, npartitions, scheduler):
    ordered = pdf.sort_values("s").reset_index(drop=True)
    base = frames.from_pandas(ordered, npartitions)
    got = base.set_index("s", sorted=True)
    parts = frames.compute(*base.to_delayed())  # Dask's frame over the same partitions
    expected = dd.concat([dd.from_pandas(p, npartitions=1, sort=False) for p in parts]).set_index("s", sorted=True)
    assert got.divisions == expected.divisions
    assert_eq(got, ordered.set_index("s"), scheduler=scheduler)
    overlapping = frames.from_pandas(pdf, 3)
    with pytest.raises(InvalidArgumentError, match="not sorted"):
        overlapping.set_index("k", sorted=True)


def test_from_pandas_divisions_match_dask(pdf, npartitions):
    for index in ("s", "k", "t"):
        p = pdf.set_index(index)
        got, expected = frames.from_pandas(p, npartitions), dd.from_pandas(p, npartitions=npartitions)
        assert got.npartitions == expected.npartitions
        assert got.divisions == tuple(expected.divisions)
        assert_eq(got, p.sort_index(kind="stable"), check_freq=False)
    unsorted = frames.from_pandas(pdf.set_index("k"), npartitions, sort=False)
    assert not unsorted.known_divisions and unsorted.divisions == (None,) * (unsorted.npartitions + 1)
    assert_eq(unsorted, pdf.set_index("k"))


def test_unnamed_index_stays_unnamed_and_resets_as_pandas(pdf, npartitions):
    p = pdf.set_index(pd.Index([f"r{i}" for i in range(len(pdf))]))
    got = frames.from_pandas(p, npartitions, sort=False)
    assert_eq(got, p)
    assert got.compute().index.name is None
    assert_eq(got.reset_index(), p.reset_index())
    assert_eq(got.reset_index(drop=True), p.reset_index(drop=True))
    assert_eq(got.index, p.index)


def test_loc_by_label_slice_and_list_reads_only_the_partitions_needed(pdf, npartitions, any_scheduler):
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    labels = sorted(set(pdf.k))
    one = labels[len(labels) // 2]
    assert_eq(got.loc[one], expected.loc[[one]], scheduler=any_scheduler)
    assert_eq(got.loc[5:17], expected.loc[5:17], scheduler=any_scheduler)
    assert_eq(got.loc[:9], expected.loc[:9])
    assert_eq(got.loc[30:], expected.loc[30:])
    assert_eq(got.loc[[labels[0], one, labels[-1]]], expected.loc[[labels[0], one, labels[-1]]], scheduler=any_scheduler)
    assert_eq(got.loc[got.a > 0.5], expected.loc[expected.a > 0.5])
    assert_eq(got.loc[5:17, ["a"]], expected.loc[5:17, ["a"]])
    assert_eq(got.a.loc[5:17], expected.a.loc[5:17])
    assert_eq(got.loc[1000:2000], expected.loc[1000:2000])
    sliced = got.loc[5:17]
    assert sliced.known_divisions and sliced.divisions[0] >= 5 and sliced.divisions[-1] <= 17
    if got.npartitions > 1:  # only the partitions whose ranges meet the labels are in the graph
        persisted = frames.from_pandas(pdf, npartitions).set_index("k").persist(scheduler="sync")
        assert len(_scan_partitions(persisted.loc[one])) == 1
        assert len(_scan_partitions(persisted.loc[5:17])) < persisted.npartitions


def test_loc_without_divisions_filters_every_partition(pdf, npartitions):
    p = pdf.set_index("k")
    got = frames.from_pandas(p, npartitions, sort=False)
    assert_eq(got.loc[5:17], p[(p.index >= 5) & (p.index <= 17)])
    with pytest.raises(InvalidArgumentError, match="set_index"):
        frames.from_pandas(pdf, npartitions).loc[3]


def test_index_survives_filters_assign_projection_and_persist(pdf, npartitions, scheduler):
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    divisions = got.divisions
    chained = got[got.a > 0.3].assign(b=lambda f: f.a * 2)[["b", "s"]]
    assert chained.divisions == divisions
    e = expected[expected.a > 0.3].assign(b=lambda f: f.a * 2)[["b", "s"]]
    assert_eq(chained, e, scheduler=scheduler)
    assert_eq(chained.b.sum(), e.b.sum())
    assert_eq(got.a.max(), expected.a.max())
    assert_eq(got.index.max(), expected.index.max())
    assert got.persist(scheduler=scheduler).divisions == divisions
    assert got.index.divisions == divisions
    assert not got.sort_values("a").known_divisions
    assert_eq(got.groupby("k").a.sum(), expected.groupby("k").a.sum())


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_join_on_indexes_pairs_partitions_without_a_shuffle(how, npartitions, any_scheduler):
    rng = np.random.default_rng(3)
    left = pd.DataFrame({"k": rng.integers(0, 60, 90), "a": rng.random(90)}).set_index("k")
    right = pd.DataFrame({"b": rng.random(40), "a": rng.random(40)}, index=pd.Index(rng.permutation(100)[:40], name="j"))
    lf, rf = frames.from_pandas(left, npartitions), frames.from_pandas(right, 3)
    got = lf.join(rf, how=how, rsuffix="_r")
    assert_eq(got, left.join(right, how=how, rsuffix="_r"), check_order=False, scheduler=any_scheduler)
    assert got.known_divisions
    assert "strategy=aligned" in got.explain() and "Shuffle" not in got.explain()
    merged = lf.merge(rf, how=how, left_index=True, right_index=True)
    assert_eq(merged, left.merge(right, how=how, left_index=True, right_index=True), check_order=False, scheduler=any_scheduler)
    same = frames.from_pandas(right.rename_axis("k"), 3)
    aligned = same.join(same[["b"]].rename(columns={"b": "c"}), how=how)
    assert "RepartitionDivisions" not in aligned.explain()  # equal divisions: no repartition either
    assert aligned.divisions == same.divisions


def test_merge_column_with_index(npartitions, scheduler):
    rng = np.random.default_rng(4)
    left = pd.DataFrame({"kk": rng.integers(0, 30, 70), "a": rng.random(70)})
    right = pd.DataFrame({"b": rng.random(20)}, index=pd.Index(np.arange(0, 40, 2), name="j"))
    lf, rf = frames.from_pandas(left, npartitions), frames.from_pandas(right, 2)
    for how in ("inner", "left"):
        assert_eq(lf.merge(rf, how=how, left_on="kk", right_index=True), left.merge(right, how=how, left_on="kk", right_index=True),
                  check_order=False, check_index=False, scheduler=scheduler)
        assert_eq(lf.join(rf, on="kk", how=how), left.join(right, on="kk", how=how), check_order=False, check_index=False)
    one = frames.from_pandas(right, 1, sort=False)  # divisions unknown: broadcast, not aligned
    indexed = frames.from_pandas(left.set_index("kk"), npartitions)
    kept = indexed.join(one, how="left")
    assert kept.divisions == indexed.divisions  # a one-partition side is broadcast: the left ranges stay
    assert_eq(kept, left.set_index("kk").join(right, how="left"), check_order=False)
    with pytest.raises(InvalidArgumentError, match="suffix"):
        lf.join(frames.from_pandas(left.set_index("kk")), how="left")


def test_repartition_by_divisions(pdf, npartitions, scheduler):
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    cut = got.repartition(divisions=[0, 5, 12, 30, 39])
    assert cut.divisions == (0, 5, 12, 30, 39)
    assert_eq(cut, _indexed(pdf), scheduler=scheduler)
    ddf = dd.from_pandas(_indexed(pdf), npartitions=npartitions)
    assert tuple(ddf.repartition(divisions=[0, 5, 12, 30, 39]).divisions) == cut.divisions
    seven = frames.from_pandas(_indexed(pdf), 7)
    fewer = seven.repartition(npartitions=3)  # neighbours merged: their outer boundaries stay
    assert fewer.npartitions == 3 and set(fewer.divisions) <= set(seven.divisions)
    assert fewer.divisions[0] == seven.divisions[0] and fewer.divisions[-1] == seven.divisions[-1]
    assert_eq(fewer, _indexed(pdf))
    with pytest.raises(InvalidArgumentError, match="span"):
        got.repartition(divisions=[5, 10, 39])
    with pytest.raises(InvalidArgumentError, match="known divisions"):
        frames.from_pandas(pdf.set_index("k"), npartitions, sort=False).repartition(divisions=[0, 10])


def test_sql_sees_the_index_as_a_column(pdf):
    from sqlengine import Context

    ctx = Context()
    ctx.register("t", frames.from_pandas(pdf, 3).set_index("k"))
    got = ctx.sql("SELECT k, count(*) AS n FROM t GROUP BY k ORDER BY k").compute()
    expected = pdf.groupby("k").size().rename("n").reset_index()
    assert got.index.equals(pd.RangeIndex(len(got)))  # SQL results have no index
    assert got.k.tolist() == expected.k.tolist() and got.n.tolist() == expected.n.tolist()
    ctx.register("kept", frames.from_pandas(pdf, 3).set_index("k", drop=False))
    assert ctx.sql("SELECT count(*) AS n, sum(k) AS s FROM kept").compute().values.tolist() == [[len(pdf), pdf.k.sum()]]
    unnamed = pdf.set_index(pd.Index(np.random.default_rng(0).permutation(len(pdf))))
    ctx.register("u", frames.from_pandas(unnamed, 2))
    got = ctx.sql('SELECT "index", a FROM u ORDER BY "index" LIMIT 3').compute()
    assert got["index"].tolist() == [0, 1, 2] and got.a.tolist() == unnamed.sort_index().a.head(3).tolist()


def test_writers_write_the_index_as_a_column(pdf, tmp_path):
    got = frames.from_pandas(pdf, 3).set_index("k", drop=False)
    got.to_parquet(str(tmp_path / "kept"))
    back = pd.read_parquet(tmp_path / "kept")
    assert sorted(back.columns) == sorted(pdf.columns) and len(back) == len(pdf)
    frames.from_pandas(pdf, 3).set_index("k").to_parquet(str(tmp_path / "named"))
    import pyarrow.parquet as pq

    assert pq.read_schema(tmp_path / "named" / "part.0.parquet").names[0] == "k"  # the index, a column first
    assert_eq(pd.read_parquet(tmp_path / "named"), _indexed(pdf), check_order=False)  # pandas' metadata: read back as the index


def test_read_parquet_takes_the_index_pandas_metadata_names(pdf, tmp_path, any_scheduler):
    """A file pandas or Dask wrote with an index (pandas' schema metadata names it) reads back
    with that index, as ``dd.read_parquet`` (``index=None``) and ``pd.read_parquet`` give it;
    ``index=False`` keeps it a column; frames' own indexed writes round-trip the same way."""
    expected = _indexed(pdf)
    expected.to_parquet(tmp_path / "pandas.parquet")
    pdf.set_index(["k", "s"]).to_parquet(tmp_path / "multi.parquet")
    dd.from_pandas(expected, npartitions=3).to_parquet(str(tmp_path / "dask"))
    frames.from_pandas(pdf, 3).set_index("k").to_parquet(str(tmp_path / "frames"))
    for written in ("pandas.parquet", "dask", "frames"):
        got = frames.read_parquet(str(tmp_path / written))
        assert got._index == ("k",)
        assert_eq(got, pd.read_parquet(tmp_path / written), check_order=False, check_dtype=written != "dask", scheduler=any_scheduler)
        assert_eq(got, dd.read_parquet(str(tmp_path / written)).compute(), check_order=False, check_dtype=False, scheduler=any_scheduler)
    assert_eq(frames.read_parquet(str(tmp_path / "multi.parquet")), pd.read_parquet(tmp_path / "multi.parquet"), scheduler=any_scheduler)
    assert_eq(frames.read_parquet(str(tmp_path / "pandas.parquet"), columns=["a"]), expected[["a"]], scheduler=any_scheduler)
    assert "k" in frames.read_parquet(str(tmp_path / "pandas.parquet"), index=False).columns
    pdf.to_parquet(tmp_path / "plain.parquet")  # a range index: nothing to make an index of
    assert frames.read_parquet(str(tmp_path / "plain.parquet"))._index == ()


def test_map_partitions_sees_and_keeps_the_index(pdf, npartitions, any_scheduler):
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    shifted = got.map_partitions(lambda d: d.assign(b=d.a + d.index))
    assert shifted.divisions == got.divisions  # the index is the same, as Dask assumes
    assert_eq(shifted, expected.assign(b=expected.a + expected.index), scheduler=any_scheduler)
    assert_eq(got.map_partitions(lambda d: d[["a"]] * 2, meta={"a": float}), expected[["a"]] * 2)
    assert_eq(got.map_partitions(lambda d: d.reset_index()[["k", "a"]]), expected.reset_index()[["k", "a"]], check_index=False)
    assert_eq(got.a.map(lambda v: v * 10), expected.a.map(lambda v: v * 10), scheduler=any_scheduler)
    assert_eq(got.map_partitions(len).sum(), len(pdf))


def test_map_partitions_result_named_like_the_index(pdf, npartitions, any_scheduler):
    """A result column (or a Series) named as the index keeps both, as pandas: the index is held
    under its copy's name (``indexing.COPY``), not lost to a name clash."""
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    doubled = got.map_partitions(lambda d: pd.Series(d.index * 2, index=d.index, name="k"))
    assert doubled.name == "k" and doubled.known_divisions
    assert_eq(doubled, pd.Series(expected.index * 2, index=expected.index, name="k"), scheduler=any_scheduler)
    with_k = got.map_partitions(lambda d: d.assign(k=d.index + 1))
    assert_eq(with_k, expected.assign(k=expected.index + 1), scheduler=any_scheduler)
    assert with_k.k.sum().compute(scheduler=any_scheduler) == (expected.index.to_numpy() + 1).sum()
    assert_eq(with_k.loc[5:20], expected.assign(k=expected.index + 1).loc[5:20], scheduler=any_scheduler)


def test_sorted_parquet_keeps_partition_positions_under_filters(tmp_path, scheduler):
    """A filter reaching a Parquet scan drops the pieces that cannot match; divisions, loc's
    partition choice and partitions[i] count positions, so they must not see pieces vanish."""
    ordered = pd.DataFrame({"k": np.arange(200) // 2, "a": np.arange(200) % 7})
    frames.from_pandas(ordered, 4).to_parquet(str(tmp_path / "pq"))
    raw = frames.read_parquet(str(tmp_path / "pq"))
    assert raw.npartitions == 4
    got = raw.set_index("k", sorted=True)
    assert got.divisions == (0, 25, 50, 75, 99)
    expected = ordered.set_index("k")
    assert_eq(got[got.a > 3].loc[60:80], expected[expected.a > 3].loc[60:80], scheduler=scheduler)
    window, expected_window = got.loc[60:80], expected.loc[60:80]
    assert_eq(window[window.a > 3], expected_window[expected_window.a > 3], scheduler=scheduler)
    filtered_first = raw[raw.k >= 50].set_index("k", sorted=True)  # the scan keeps only two pieces
    assert filtered_first.npartitions == 2 and filtered_first.divisions == (50, 75, 99)
    assert_eq(filtered_first.loc[70:], expected.loc[70:], scheduler=scheduler)
    third = raw.partitions[2]
    assert_eq(third[third.k < 30], ordered.iloc[100:150][ordered.iloc[100:150].k < 30], check_index=False)
    assert_eq(third[third.k >= 60], ordered.iloc[100:150][ordered.iloc[100:150].k >= 60], check_index=False)


def test_read_parquet_index_and_divisions_from_statistics(tmp_path, scheduler):
    ordered = pd.DataFrame({"k": np.arange(300), "a": np.arange(300) % 5})
    frames.from_pandas(ordered, 3).to_parquet(str(tmp_path / "pq"))
    got = frames.read_parquet(str(tmp_path / "pq"), index="k", calculate_divisions=True)
    expected = dd.read_parquet(str(tmp_path / "pq"), index="k", calculate_divisions=True)
    assert got.divisions == tuple(expected.divisions) == (0, 100, 200, 299)
    assert_eq(got.loc[140:270], ordered.set_index("k").loc[140:270], scheduler=scheduler)
    assert_eq(got[got.a > 2].loc[140:270], ordered.set_index("k")[ordered.a.values > 2].loc[140:270], scheduler=scheduler)
    # a label in two files (k = 33 ends one and starts the next): Dask calls the divisions known
    # all the same, and its loc[33] misses the first file's rows; here they are unknown
    spanning = pd.DataFrame({"k": np.arange(300) // 3, "a": 1})
    frames.from_pandas(spanning, 3).to_parquet(str(tmp_path / "span"))
    assert not frames.read_parquet(str(tmp_path / "span"), index="k", calculate_divisions=True).known_divisions
    plain = frames.read_parquet(str(tmp_path / "pq"), index="k", columns=["a"])
    assert not plain.known_divisions
    assert_eq(plain, ordered.set_index("k"), scheduler=scheduler)
    shuffled = pd.DataFrame({"k": np.arange(100)[::-1], "a": 1})
    frames.from_pandas(shuffled, 3).to_parquet(str(tmp_path / "rev"))
    assert not frames.read_parquet(str(tmp_path / "rev"), index="k", calculate_divisions=True).known_divisions


def test_sort_index_assign_beside_the_index_and_head(pdf, npartitions, scheduler):
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    right = frames.from_pandas(pdf.set_index("s")[["a"]].rename(columns={"a": "b"}), 2)
    joined = got.reset_index().set_index("s").join(right, how="outer")
    ordered = joined.sort_index()
    assert ordered.divisions == joined.divisions  # each range sorted on its own
    pj = pdf.set_index("s").join(pdf.set_index("s")[["a"]].rename(columns={"a": "b"}), how="outer")
    assert_eq(ordered, pj.sort_index(kind="stable"), scheduler=scheduler)
    assert_eq(got.sort_index(ascending=False), expected.sort_index(ascending=False), check_order=False)
    beside = got.assign(k=lambda f: f.a * 2)
    assert beside.divisions == got.divisions and list(beside.columns) == ["a", "s", "t", "k"]
    assert_eq(beside, expected.assign(k=lambda f: f.a * 2), scheduler=scheduler)
    assert_eq(beside.loc[5:9], expected.assign(k=lambda f: f.a * 2).loc[5:9])
    pd.testing.assert_frame_equal(got.head(4), expected.head(4))
    pd.testing.assert_series_equal(got.a.head(4), expected.a.head(4))


def test_concat_of_ordered_ranges_keeps_divisions(pdf, npartitions, scheduler):
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k")
    low, high = got.loc[:19], got.loc[20:]
    both = frames.concat([low, high])
    assert both.known_divisions and both.npartitions == low.npartitions + high.npartitions
    ours, ddf = frames.from_pandas(expected, npartitions), dd.from_pandas(expected, npartitions=npartitions)
    assert frames.concat([ours.loc[:19], ours.loc[20:]]).divisions == tuple(dd.concat([ddf.loc[:19], ddf.loc[20:]]).divisions)
    assert_eq(both, expected, scheduler=scheduler)
    assert_eq(both.loc[15:25], expected.loc[15:25])
    assert not frames.concat([high, low]).known_divisions
    assert_eq(frames.concat([high, low]), pd.concat([expected.loc[20:], expected.loc[:19]]))


def test_bad_index_arguments_are_clear_errors(pdf):
    from frames.errors import ColumnNotFoundError

    plain = frames.from_pandas(pdf, 3)
    indexed = plain.set_index("k")
    cases = [
        (lambda: plain.set_index("nope"), ColumnNotFoundError, "nope"),
        (lambda: plain.set_index(["k", "s"]), InvalidArgumentError, "MultiIndex"),
        (lambda: plain.set_index("k", sorted=True, divisions=[0, 39]), InvalidArgumentError, "divisions for 3 partitions"),
        (lambda: plain.set_index("k", npartitions=0), InvalidArgumentError, "npartitions"),
        (lambda: indexed.loc[1:10:2], InvalidArgumentError, "step"),
        (lambda: indexed.loc[1, "a", "b"], InvalidArgumentError, "two keys"),
        (lambda: plain.merge(indexed, left_index=True, right_index=True), InvalidArgumentError, "set_index"),
        (lambda: indexed.merge(indexed, left_index=True, right_index=True, how="cross"), InvalidArgumentError, "how="),
        (lambda: indexed.merge(indexed, left_index=True), InvalidArgumentError, "right_on"),
        (lambda: indexed.join(pdf), InvalidArgumentError, "frames.DataFrame"),
        (lambda: indexed.repartition(divisions=[0, 30, 20, 39]), InvalidArgumentError, "ascending"),
        (lambda: frames.read_parquet("/nonexistent-dir-xyz", calculate_divisions=True), InvalidArgumentError, "index="),
    ]
    for make, error, words in cases:
        with pytest.raises(error, match=words):
            make()


def test_loc_divisions_match_dask():
    p = pd.DataFrame({"a": range(100)}, index=pd.Index(np.arange(100) // 2, name="k"))
    got, expected = frames.from_pandas(p, 4), dd.from_pandas(p, npartitions=4)
    for key in [10, slice(10, 30), slice(None, 30), slice(30, None), slice(12, 25)]:
        assert got.loc[key].divisions == tuple(expected.loc[key].divisions), key
        assert_eq(got.loc[key], p.loc[[key]] if isinstance(key, int) else p.loc[key])
    listed = got.loc[[3, 40]]  # Dask cuts one partition per label: (3, 40, 40); the ranges here are trimmed
    assert listed.divisions == (3, 37, 40)
    assert_eq(listed, p.loc[[3, 40]])


def test_given_divisions_that_miss_the_data_lose_no_rows(pdf, npartitions, scheduler):
    """Rows below the first division sit in the first partition, above the last in the last."""
    expected = _indexed(pdf)
    got = frames.from_pandas(pdf, npartitions).set_index("k", divisions=[10, 20, 30])
    assert_eq(got, expected, scheduler=scheduler)
    for key in (slice(0, 5), slice(35, 50), slice(None, 3), 2, 39):
        assert_eq(got.loc[key], expected.loc[[key]] if isinstance(key, int) else expected.loc[key], scheduler=scheduler)
    assert_eq(got.loc[[1, 15, 38]], expected.loc[[1, 15, 38]])
    cut = got.repartition(divisions=[10, 15, 25, 30])
    assert_eq(cut, expected, scheduler=scheduler)
    other = frames.from_pandas(pdf.groupby("k").a.sum().rename("total").to_frame(), 3)
    assert_eq(got.join(other), expected.join(pdf.groupby("k").a.sum().rename("total")), check_order=False)


def test_partitions_in_order_keep_their_divisions(pdf, npartitions):
    got = frames.from_pandas(_indexed(pdf), npartitions)
    expected = dd.from_pandas(_indexed(pdf), npartitions=npartitions)
    picks = [0] if npartitions == 1 else [0, npartitions - 1]
    assert got.partitions[picks].divisions == tuple(expected.partitions[picks].divisions)
    assert_eq(got.partitions[picks], expected.partitions[picks].compute(), check_dtype=False)  # dask: its own string dtype
    assert not got.partitions[picks[::-1]].known_divisions or len(picks) == 1


def test_merge_and_groupby_on_columns_may_name_the_index(pdf, npartitions):
    kept = frames.from_pandas(pdf, npartitions).set_index("k", drop=False)
    other = frames.from_pandas(pdf[["k", "s"]].drop_duplicates("k"), 2)
    expected = pdf.merge(pdf[["k", "s"]].drop_duplicates("k"), on="k")
    assert_eq(kept.merge(other, on="k"), expected, check_order=False, check_index=False)
    indexed = frames.from_pandas(pdf, npartitions).set_index("k")
    assert_eq(indexed.merge(other, on="k")[["k", "a"]], expected[["k", "a"]], check_order=False, check_index=False)
    assert_eq(kept.groupby("k").a.sum(), pdf.groupby("k").a.sum())


@pytest.mark.parametrize("chunks", [1, 7])
def test_multi_index_from_arrow_is_pandas_set_index(chunks):
    """``convert.arrow_multi_index`` (a many-row answer's MultiIndex from Arrow's dictionary
    encoding) gives what ``set_index`` gives: values, level order and types, codes types, missing
    text as -1; other key kinds go to pandas."""
    import pyarrow as pa

    from frames.dataframe.convert import arrow_multi_index, arrow_to_pandas

    rng = np.random.default_rng(3)
    n = 140_000
    text = rng.choice(np.array(["b", "a", "ccc", None], dtype=object), n)
    table = pa.table({
        "i8": pa.array(rng.integers(-3, 3, n), pa.int8()), "i32": pa.array(rng.integers(0, 40_000, n), pa.int32()),
        "i64": pa.array(rng.integers(-10**12, 10**12, n)), "s": pa.array(text, pa.string()),
        "w": pa.array([f"k{v:05d}" for v in rng.integers(0, 300, n)], pa.large_string()),  # one width: hashed as fixed binary
        "f": rng.random(n), "v": rng.random(n),
    })
    table = pa.Table.from_batches(table.to_batches(max_chunksize=-(-n // chunks)))
    for keys in (["i8", "s"], ["w", "i32", "i64"], ["s", "w"]):
        got = arrow_multi_index(table, keys, keys)
        expected = arrow_to_pandas(table).set_index(keys).index
        assert got is not None and got.equals(expected) and list(got.names) == keys
        assert [lv.dtype for lv in got.levels] == [lv.dtype for lv in expected.levels]
        assert all(a.tolist() == b.tolist() for a, b in zip(got.levels, expected.levels))
        assert [c.dtype for c in got.codes] == [c.dtype for c in expected.codes]
        assert all((a == b).all() for a, b in zip(got.codes, expected.codes))
    assert arrow_multi_index(table, ["f", "s"], ["f", "s"]) is None  # floats: pandas' own
    assert arrow_multi_index(table.slice(0, 1000), ["i8", "s"], ["i8", "s"]) is None  # few rows: pandas' own


def test_loc_by_date_strings_is_partial_string_indexing(npartitions, any_scheduler):
    """``loc["2024-01-02"]`` is that whole day (it matched only midnight: no rows), ``loc["2024-01"]``
    the month, and a slice's string end includes its whole period, as pandas and Dask read them;
    on a zoned index the strings are wall times in its zone."""
    n = 400
    pdf = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=n, freq="137min").as_unit("us"), "x": np.arange(n)})
    for frame in (pdf, pdf.assign(t=pdf.t.dt.tz_localize("Europe/Paris"))):
        got, expected = frames.from_pandas(frame, npartitions).set_index("t"), frame.set_index("t")
        for key in ("2024-01-02", "2024-01", "2024-01-03 10"):
            assert_eq(got.loc[key], expected.loc[key], scheduler=any_scheduler)
        for key in (slice("2024-01-02", "2024-01-05"), slice("2024-01-02 10:00", "2024-01-04"), slice(None, "2024-01-03")):
            assert_eq(got.loc[key], expected.loc[key], scheduler=any_scheduler)
        assert_eq(got.x.loc["2024-01-04"], expected.x.loc["2024-01-04"], scheduler=any_scheduler)
        with pytest.raises(InvalidArgumentError, match="'notadate' is not a date"):
            got.loc["notadate"]
        with pytest.raises(InvalidArgumentError, match="'bogus' is not a date"):
            got.loc["2024-01-02":"bogus"]
