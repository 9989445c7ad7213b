"""The pandas / Dask methods the DataFrame adds, each against pandas across 1, 2 and 7
partitions (windows and cumulative ones cross partition boundaries), and against dask.dataframe
where Dask defines a partitioned behaviour (``head(npartitions=)``, ``partitions[i]``)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import frames
from frames.errors import InvalidArgumentError
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 30
    return pd.DataFrame({
        "k": rng.integers(0, 3, n),
        "s": pd.Series(rng.choice(["a", "b", "c", None], n), dtype="str"),
        "x": np.where(rng.random(n) < 0.2, np.nan, rng.normal(0, 1, n).round(3)),
        "y": rng.integers(-5, 5, n),
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


def test_shape_dropna_tail_partitions(ddf, pdf, npartitions):
    rows, cols = ddf.shape
    assert (rows.compute(), cols) == pdf.shape
    assert_eq(ddf.dropna(), pdf.dropna(), check_index=False)
    assert_eq(ddf.dropna(subset=["x"]), pdf.dropna(subset=["x"]), check_index=False)
    assert_eq(ddf.dropna(how="all", subset=["x", "s"]), pdf.dropna(how="all", subset=["x", "s"]), check_index=False)
    assert_eq(ddf.dropna(thresh=4), pdf.dropna(thresh=4), check_index=False)
    assert_eq(ddf.x.dropna(), pdf.x.dropna(), check_index=False)
    pd.testing.assert_frame_equal(ddf.tail(4), pdf.tail(4).reset_index(drop=True))
    pd.testing.assert_series_equal(ddf.y.tail(3), pdf.y.tail(3).reset_index(drop=True))
    parts = [ddf.partitions[i].compute() for i in range(npartitions)]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), pdf)
    assert_eq(ddf.get_partition(npartitions - 1), parts[-1])
    assert_eq(ddf.partitions[::-1], pd.concat(parts[::-1], ignore_index=True))
    with pytest.raises(InvalidArgumentError, match="does not exist"):
        ddf.partitions[npartitions]


def test_head_npartitions_and_partitions_like_dask(pdf):
    dd = pytest.importorskip("dask.dataframe")
    ours, theirs = frames.from_pandas(pdf, 3), dd.from_pandas(pdf, npartitions=3, sort=False)  # 10 rows each in both
    assert ours.npartitions == theirs.npartitions
    for n, parts in [(12, 1), (25, 2), (3, -1)]:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = theirs.head(n, npartitions=parts)
        assert_eq(ours.head(n, npartitions=parts), expected, check_index=False, check_dtype=False)
    assert_eq(ours.partitions[2], theirs.partitions[2].compute(), check_index=False, check_dtype=False)


def test_describe_quantile_median(ddf, pdf):
    assert_eq(ddf.describe(), pdf.describe(), check_exact=False)
    assert_eq(ddf.x.quantile(0.3), pdf.x.quantile(0.3))
    assert_eq(ddf.x.quantile([0.1, 0.9]), pdf.x.quantile([0.1, 0.9]), check_exact=False)
    assert_eq(ddf.y.median(), pdf.y.median())


def test_query_and_eval(ddf, pdf):
    limit = 1
    for expr in ["x > 0.2 and s == 'a'", "y >= @limit or s in ['b', 'c']", "not (y < 0) & (k != 2)", "-1 < x < 1",
                 "s not in ['a']", "`y` * 2 > k"]:
        assert_eq(ddf.query(expr), pdf.query(expr), check_index=False)
    assert_eq(ddf.eval("x + y * 2"), pdf.eval("x + y * 2"), check_names=False)
    assert_eq(ddf.eval("z = x + y\nw = z * k"), pdf.eval("z = x + y\nw = z * k"))
    with pytest.raises(frames.ColumnNotFoundError, match="nope"):
        ddf.query("nope > 1")
    with pytest.raises(InvalidArgumentError, match="not supported"):
        ddf.query("abs(x) > 1")


@pytest.mark.parametrize("how", ["cumsum", "cumprod", "cummax", "cummin"])
def test_cumulative_across_partitions(ddf, pdf, how):
    assert_eq(getattr(ddf.x, how)(), getattr(pdf.x, how)())
    assert_eq(getattr(ddf.y, how)(), getattr(pdf.y, how)())
    assert_eq(getattr(ddf[["x", "y"]], how)(), getattr(pdf[["x", "y"]], how)())


def test_shift_diff_rolling_across_partitions(ddf, pdf):
    for periods in (0, 1, 3, 12):
        assert_eq(ddf.x.shift(periods), pdf.x.shift(periods))
        assert_eq(ddf.y.diff(periods), pdf.y.diff(periods))
    assert_eq(ddf[["x", "y"]].shift(2), pdf[["x", "y"]].shift(2))
    for window, min_periods in [(1, None), (3, None), (5, 1)]:
        for how in ["sum", "mean", "max", "std", "count"]:
            assert_eq(getattr(ddf.y.rolling(window, min_periods=min_periods), how)(),
                      getattr(pdf.y.rolling(window, min_periods=min_periods), how)(), check_exact=False)
    assert_eq(ddf[["x", "y"]].rolling(4).mean(), pdf[["x", "y"]].rolling(4).mean(), check_exact=False)
    with pytest.raises(InvalidArgumentError, match="periods"):
        ddf.x.shift(1.5)


def test_map_apply_and_conversions(ddf, pdf):
    mapping = {"a": "A", "b": "B"}
    assert_eq(ddf.s.map(mapping), pdf.s.map(mapping))
    assert_eq(ddf.y.map({1: 10.5, -1: 0.5}), pdf.y.map({1: 10.5, -1: 0.5}))
    assert_eq(ddf.y.map(lambda v: v * 10), pdf.y.map(lambda v: v * 10))
    assert_eq(ddf.x.apply(lambda v: v + 1), pdf.x.apply(lambda v: v + 1))
    text = pd.DataFrame({"d": ["2024-01-02", "2024-03-04", None], "n": ["1.5", "2", None]})
    tdf = frames.from_pandas(text, ddf.npartitions if ddf.npartitions < 3 else 3)
    assert_eq(frames.to_datetime(tdf.d), pd.to_datetime(text.d))
    assert_eq(frames.to_datetime(tdf.d, format="%Y-%m-%d"), pd.to_datetime(text.d, format="%Y-%m-%d"))
    assert_eq(frames.to_numeric(tdf.n), pd.to_numeric(text.n))
    assert_eq(frames.from_dict({"a": [1, 2, 3], "b": ["x", "y", "z"]}, npartitions=2), pd.DataFrame.from_dict({"a": [1, 2, 3], "b": ["x", "y", "z"]}))


def test_sample_memory_usage_info(ddf, pdf):
    got = ddf.sample(0.5, random_state=4).compute()
    assert abs(len(got) - len(pdf) / 2) <= ddf.npartitions
    assert len(got.merge(pdf, how="left", indicator=True).query("_merge == 'left_only'")) == 0  # only real rows
    again = ddf.sample(0.5, random_state=4).compute()
    pd.testing.assert_frame_equal(got, again)  # one seed, the same rows
    usage = ddf.memory_usage().compute()
    assert list(usage.index) == list(pdf.columns) and (usage > 0).all()
    buf = io.StringIO()
    ddf.info(buf=buf)
    assert "24 non-null" in buf.getvalue() or "non-null" in buf.getvalue()


def test_delayed_round_trip(ddf, pdf, npartitions):
    parts = ddf.to_delayed()
    assert len(parts) == npartitions
    assert_eq(frames.from_delayed(parts), pdf)
    assert_eq(frames.from_delayed(parts, meta=pdf.head(0)), pdf)


def test_reshaping(ddf, pdf):
    assert_eq(ddf.melt(id_vars="k", value_vars=["x", "y"]), pdf.melt(id_vars="k", value_vars=["x", "y"]),
              check_order=False, check_index=False)
    assert_eq(frames.melt(ddf, id_vars=["k"], value_vars="y", var_name="v"), pd.melt(pdf, id_vars=["k"], value_vars="y", var_name="v"),
              check_order=False, check_index=False)
    exp = pdf.pivot_table(index="k", columns="s", values="y", aggfunc="sum")
    exp.columns.name = None
    assert_eq(ddf.pivot_table(index="k", columns="s", values="y", aggfunc="sum"), exp, check_dtype=False)
    exp = pdf.pivot_table(index="k", columns="s", values="x", aggfunc="mean")
    exp.columns.name = None
    assert_eq(ddf.pivot_table(index="k", columns="s", values="x", aggfunc="mean"), exp)
    assert_eq(frames.get_dummies(ddf), pd.get_dummies(pdf))
    assert_eq(frames.get_dummies(ddf, columns=["k"]), pd.get_dummies(pdf, columns=["k"]))


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_merge_indicator(ddf, pdf, how):
    right = pd.DataFrame({"k": [0, 2, 9], "z": [1.0, 2.0, 3.0]})
    exp = pdf.merge(right, on="k", how=how, indicator=True)
    exp["_merge"] = exp["_merge"].astype(str)
    got = frames.merge(ddf, frames.from_pandas(right, 2), on="k", how=how, indicator=True)
    assert_eq(got, exp, check_order=False, check_index=False, check_dtype=False)


def test_groupby_transform_and_repartition_by_size(ddf, pdf):
    assert_eq(ddf.groupby("k").y.transform("sum"), pdf.groupby("k").y.transform("sum"))
    assert_eq(ddf.groupby("k")[["x", "y"]].transform(lambda g: g - g.mean()), pdf.groupby("k")[["x", "y"]].transform(lambda g: g - g.mean()),
              check_exact=False)
    assert_eq(ddf.groupby("k").x.transform(lambda s: s.cumsum()), pdf.groupby("k").x.transform(lambda s: s.cumsum()))
    small = ddf.repartition(partition_size=100)
    assert small.npartitions > 1
    assert_eq(small, pdf)


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_windows_and_shuffles_on_every_scheduler(pdf, any_scheduler):
    ddf = frames.from_pandas(pdf, 3)
    run = dict(scheduler=any_scheduler)
    assert_eq(ddf.x.cumsum(), pdf.x.cumsum(), **run)
    assert_eq(ddf.y.rolling(3).sum(), pdf.y.rolling(3).sum(), **run)
    assert_eq(ddf.groupby("k").y.transform("mean"), pdf.groupby("k").y.transform("mean"), **run)
    assert_eq(ddf.sample(0.5, random_state=1), ddf.sample(0.5, random_state=1).compute(scheduler="sync"), **run)
    assert_eq(ddf.describe(), pdf.describe(), check_exact=False, **run)


def test_str_split_get_extract(npartitions):
    text = pd.DataFrame({"s": pd.Series(["a b c", "d-e", None, "x1y22", "q-r-s"], dtype="str")})
    ddf = frames.from_pandas(text, npartitions)
    as_lists = lambda s: [list(v) if v is not None and not (isinstance(v, float) and v != v) else None for v in s]
    assert as_lists(ddf.s.str.split().compute()) == as_lists(text.s.str.split())
    assert as_lists(ddf.s.str.split("-", n=1).compute()) == as_lists(text.s.str.split("-", n=1))
    assert_eq(ddf.s.str.split("-").str.get(1), text.s.str.split("-").str.get(1), check_dtype=False)  # pandas: objects
    assert_eq(ddf.s.str.split("-").str.get(-1), text.s.str.split("-").str.get(-1), check_dtype=False)
    assert_eq(ddf.s.str.extract(r"(\d)y(\d+)"), text.s.str.extract(r"(\d)y(\d+)").rename(columns=str))  # names are text
    assert_eq(ddf.s.str.extract(r"(?P<first>\w)-(?P<second>\w)"), text.s.str.extract(r"(?P<first>\w)-(?P<second>\w)"))
    assert_eq(ddf.s.str.extract(r"(?P<num>\d+)", expand=False), text.s.str.extract(r"(?P<num>\d+)", expand=False))
    assert_eq(ddf.s.str.replace("-", "+"), text.s.str.replace("-", "+"))


def test_custom_aggregations_and_row_apply(ddf, pdf):
    total = frames.Aggregation("total", chunk=lambda s: s.sum(), agg=lambda s: s.sum())
    assert_eq(ddf.groupby("k")[["x", "y"]].agg(total), pdf.groupby("k")[["x", "y"]].sum())
    mean = frames.Aggregation("mean", chunk=lambda s: (s.count(), s.sum()), agg=lambda s: s.sum(), finalize=lambda n, t: t / n)
    assert_eq(ddf.groupby("k").x.agg(mean), pdf.groupby("k").x.mean())
    spread = lambda s: s.max() - s.min()
    assert_eq(ddf.groupby("k").y.agg(spread), pdf.groupby("k").y.agg(spread), check_order=False)
    assert_eq(ddf.groupby("k")[["x", "y"]].agg(spread), pdf.groupby("k")[["x", "y"]].agg(spread), check_order=False)
    assert_eq(ddf.apply(lambda r: r.x * r.y, axis=1), pdf.apply(lambda r: r.x * r.y, axis=1))
    with pytest.raises(InvalidArgumentError, match="axis=1"):
        ddf.apply(len, axis=0)


def test_custom_aggregation_like_dask(pdf):
    dd = pytest.importorskip("dask.dataframe")
    ours = frames.Aggregation("total", chunk=lambda s: s.sum(), agg=lambda s: s.sum())
    theirs = dd.Aggregation("total", chunk=lambda s: s.sum(), agg=lambda s: s.sum())
    expected = dd.from_pandas(pdf, npartitions=3).groupby("k").y.agg(theirs).compute()
    assert_eq(frames.from_pandas(pdf, 3).groupby("k").y.agg(ours), expected, check_order=False, check_names=False)


def test_idxmax_idxmin(ddf, pdf, npartitions):
    for how in ("idxmax", "idxmin"):
        assert_eq(getattr(ddf.x, how)(), getattr(pdf.x, how)())
        assert_eq(getattr(ddf[["x", "y"]], how)(), getattr(pdf[["x", "y"]], how)())
    labelled = pdf.set_index(pd.Index([f"r{i}" for i in range(len(pdf))], name="lab"))
    assert_eq(frames.from_pandas(labelled, npartitions).y.idxmax(), labelled.y.idxmax())
