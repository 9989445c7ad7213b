"""The rest of the pandas / Dask API a user reaches for, each against pandas across 1, 2 and 7
partitions (fills, interpolation and windows over partition boundaries, grouped per-row methods
over a shuffle), on every scheduler, and against dask.dataframe where Dask defines the result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
from frames.errors import DataTypeError, InvalidArgumentError
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 28
    x = rng.normal(0, 1, n).round(3)
    x[[0, 1, 9, 10, 11, 12, 13, 20, 27]] = np.nan  # gaps at the start, across partitions and at the end
    return pd.DataFrame({
        "k": rng.integers(0, 3, n),
        "s": pd.Series(rng.choice(["ab", "Bc", "1", None], n), dtype="str"),
        "x": x,
        "y": rng.integers(-5, 5, n),
        "t": pd.date_range("2024-01-01", periods=n, freq="5h"),
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


@pytest.mark.parametrize("how", ["cumsum", "cummax", "cummin", "cumprod", "cumcount", "rank", "shift", "diff", "ffill", "bfill"])
def test_groupby_per_row_methods(ddf, pdf, how):
    args = {"shift": (-1,), "diff": (2,)}.get(how, ())
    if how == "cumcount":
        assert_eq(ddf.groupby("k").cumcount(ascending=False), pdf.groupby("k").cumcount(ascending=False))
        return
    assert_eq(getattr(ddf.groupby("k").x, how)(*args), getattr(pdf.groupby("k").x, how)(*args))
    assert_eq(getattr(ddf.groupby("k")[["x", "y"]], how)(*args), getattr(pdf.groupby("k")[["x", "y"]], how)(*args))


def test_groupby_row_filters_and_more(ddf, pdf):
    for got, exp in [(ddf.groupby("k").head(2), pdf.groupby("k").head(2)), (ddf.groupby("k").tail(1), pdf.groupby("k").tail(1)),
                     (ddf.groupby("k").nth(1), pdf.groupby("k").nth(1)),
                     (ddf.groupby("k").filter(lambda g: len(g) > 9), pdf.groupby("k").filter(lambda g: len(g) > 9)),
                     (ddf.groupby("k").get_group(1), pdf.groupby("k").get_group(1))]:
        assert_eq(got, exp, check_index=False)  # the rows and their order; pandas also keeps their labels
    assert_eq(ddf.groupby("k").y.rank(method="dense"), pdf.groupby("k").y.rank(method="dense"))
    assert_eq(ddf.groupby(ddf.k).y.quantile(0.3), pdf.groupby(pdf.k).y.quantile(0.3))
    assert_eq(ddf.groupby("k").agg(tot=pd.NamedAgg("y", "sum")), pdf.groupby("k").agg(tot=pd.NamedAgg("y", "sum")))
    assert_eq(ddf.groupby("k").s.value_counts(), pdf.groupby("k").s.value_counts(), check_order=False)
    assert_eq(ddf.groupby("k").s.value_counts(normalize=True), pdf.groupby("k").s.value_counts(normalize=True), check_order=False)
    assert_eq(ddf.assign(b=ddf.y > 0).groupby("k").b.any(), pdf.assign(b=pdf.y > 0).groupby("k").b.any())
    assert_eq(ddf.groupby("k").apply(lambda g: g.y.sum()), pdf.groupby("k")[["s", "x", "y", "t"]].apply(lambda g: g.y.sum()))
    assert_eq(ddf.groupby(ddf.y // 2).x.sum(), pdf.groupby(pdf.y // 2).x.sum())  # a computed key, as pandas
    with pytest.raises(InvalidArgumentError, match="different DataFrame"):
        ddf.groupby(frames.from_pandas(pdf, npartitions=2).y + 1)


def test_groupby_per_row_methods_keep_the_index(pdf, npartitions):
    labelled = pdf.set_index("t")
    ddf = frames.from_pandas(labelled, npartitions)
    assert_eq(ddf.groupby("k").x.cumsum(), labelled.groupby("k").x.cumsum())
    assert_eq(ddf.groupby("k").head(2), labelled.groupby("k").head(2))
    assert_eq(ddf.groupby("k").y.transform("max"), labelled.groupby("k").y.transform("max"))


def test_fills_and_interpolation_cross_partitions(ddf, pdf):
    assert_eq(ddf.x.ffill(), pdf.x.ffill())
    assert_eq(ddf.x.bfill(), pdf.x.bfill())
    assert_eq(ddf.x.ffill(limit=2), pdf.x.ffill(limit=2))
    assert_eq(ddf.x.bfill(limit=3), pdf.x.bfill(limit=3))
    assert_eq(ddf[["x", "s"]].ffill(), pdf[["x", "s"]].ffill())
    assert_eq(ddf.x.interpolate(), pdf.x.interpolate())
    assert_eq(ddf[["x", "y"]].interpolate(), pdf[["x", "y"]].interpolate())


def test_windows_both_ways(ddf, pdf):
    assert_eq(ddf.y.shift(-2), pdf.y.shift(-2))
    assert_eq(ddf[["x", "y"]].diff(-1), pdf[["x", "y"]].diff(-1))
    assert_eq(ddf.y.pct_change(), pdf.y.pct_change())
    assert_eq(ddf.y.rolling(4, center=True).sum(), pdf.y.rolling(4, center=True).sum())
    assert_eq(ddf.y.rolling(3).apply(lambda a: a.max() - a.min(), raw=True), pdf.y.rolling(3).apply(lambda a: a.max() - a.min(), raw=True))
    for how in ("sum", "mean", "min", "max", "count", "std"):
        assert_eq(getattr(ddf.x.expanding(), how)(), getattr(pdf.x.expanding(), how)())


def test_pairwise_mode_explode_value_counts(ddf, pdf, npartitions):
    assert_eq(ddf[["x", "y", "k"]].corr(), pdf[["x", "y", "k"]].corr())
    assert_eq(ddf.drop(columns="t").cov(numeric_only=True), pdf.drop(columns="t").cov(numeric_only=True))
    with pytest.raises(DataTypeError, match="numeric"):
        ddf.corr()
    assert_eq(ddf.y.mode(), pdf.y.mode())
    assert_eq(ddf[["k", "y", "s"]].mode(), pdf[["k", "y", "s"]].mode())
    assert_eq(ddf.s.value_counts(normalize=True), pdf.s.value_counts(normalize=True), check_order=False)
    assert_eq(ddf.s.value_counts(dropna=False), pdf.s.value_counts(dropna=False), check_order=False)
    lists = pd.DataFrame({"a": [1, 2, 3, 4], "l": [[1, 2], [], None, [3]]})
    got = frames.from_pandas(lists, min(npartitions, 4)).explode("l")
    assert_eq(got, lists.explode("l").reset_index(drop=True).astype({"l": "float64"}))
    assert_eq(frames.from_pandas(lists, 2).l.explode(), lists.l.explode().reset_index(drop=True).astype("float64"))


def test_elementwise_frame_methods(ddf, pdf):
    num, pnum = ddf[["x", "y"]], pdf[["x", "y"]]
    for got, exp in [(num * 2 + 1, pnum * 2 + 1), (num > 0, pnum > 0), (num.clip(-1, 1), pnum.clip(-1, 1)),
                     (num.where(ddf.y > 0, 0), pnum.where(pdf.y > 0, 0)), (num.mask(ddf.y > 0), pnum.mask(pdf.y > 0)),
                     (num.add(1, fill_value=0), pnum.add(1, fill_value=0)), (num.rsub(1), pnum.rsub(1)),
                     (ddf.replace(1, 100), pdf.replace(1, 100)), (ddf.replace({"s": {"ab": "z"}}), pdf.replace({"s": {"ab": "z"}})),
                     (ddf[["x"]].combine_first(ddf[["y"]]), pdf[["x"]].combine_first(pdf[["y"]])),
                     (ddf.add_prefix("p_"), pdf.add_prefix("p_")), (ddf.notnull(), pdf.notnull()),
                     (ddf.x.combine_first(ddf.y), pdf.x.combine_first(pdf.y)), (ddf.y.replace([1, 2], [10, 20]), pdf.y.replace([1, 2], [10, 20])),
                     (ddf.x.mul(2, fill_value=0), pdf.x.mul(2, fill_value=0)), (ddf.y.eq(1) | ddf.y.lt(0), pdf.y.eq(1) | pdf.y.lt(0))]:
        assert_eq(got, exp, check_dtype=False)  # combine_first: pandas upcasts the int column it fills from
    assert_eq(num.prod(), pnum.prod(), check_dtype=False)
    assert_eq((ddf[["y"]] > 0).all(), (pdf[["y"]] > 0).all())
    assert_eq(ddf.x.sem(), pdf.x.sem())
    assert abs(ddf.x.skew().compute() - pdf.x.skew()) < 1e-9 and abs(ddf.y.kurtosis().compute() - pdf.y.kurtosis()) < 1e-9
    assert_eq(num.sem(), pnum.sem())
    assert ddf.size.compute() == pdf.size and ddf.ndim == 2 and ddf.y.ndim == 1
    assert [c for c, _ in ddf.items()] == list(pdf.columns)
    assert len(list(ddf.itertuples())) == len(pdf)


def test_string_and_datetime_members(ddf, pdf):
    s, ps = ddf.s.str, pdf.s.str
    for name, args in [("title", ()), ("capitalize", ()), ("swapcase", ()), ("isalpha", ()), ("isdigit", ()), ("islower", ()),
                       ("isupper", ()), ("fullmatch", ("a.",)), ("find", ("b",)), ("count", ("b",)), ("pad", (4,)), ("ljust", (3, "*")),
                       ("zfill", (3,)), ("center", (5,)), ("repeat", (2,)), ("removeprefix", ("a",)), ("get", (0,))]:
        assert_eq(getattr(s, name)(*args), getattr(ps, name)(*args), check_dtype=False)
    assert_eq(s[1:], ps[1:])
    assert ddf.s.str.cat(sep="-").compute() == pdf.s.str.cat(sep="-")
    dt, pdt = ddf.t.dt, pdf.t.dt
    for name in ["minute", "second", "day_of_week", "is_month_start", "is_month_end", "days_in_month", "date"]:
        assert_eq(getattr(dt, name), getattr(pdt, name), check_dtype=False)
    for name in ["day_name", "month_name"]:
        assert_eq(getattr(dt, name)(), getattr(pdt, name)(), check_dtype=False)
    for name, freq in [("floor", "D"), ("ceil", "6h"), ("round", "h")]:
        assert_eq(getattr(dt, name)(freq), getattr(pdt, name)(freq))
    assert_eq(dt.normalize(), pdt.normalize())
    assert_eq((ddf.t - ddf.t.min()).dt.total_seconds(), (pdf.t - pdf.t.min()).dt.total_seconds())
    assert_eq(dt.tz_localize("UTC"), pdt.tz_localize("UTC"), check_dtype=False)  # pandas keeps ns, Arrow the unit it has


def test_resample_on_datetime_index(ddf, pdf):
    ind, pind = ddf.set_index("t", sorted=True), pdf.set_index("t")
    assert_eq(ind.resample("1D").y.sum(), pind.resample("1D").y.sum(), check_freq=False)
    assert_eq(ind[["x", "y"]].resample("6h").mean(), pind[["x", "y"]].resample("6h").mean(), check_freq=False)
    assert_eq(ind.x.resample("12h").count(), pind.x.resample("12h").count(), check_freq=False)
    with pytest.raises(InvalidArgumentError, match="'B' \\(BusinessDay\\) is not one of them"):
        ind.resample("B")
    with pytest.raises(InvalidArgumentError, match="datetime index"):
        ddf.resample("1D")


def test_reduction_monotonic_and_meta_dtypes(ddf, pdf):
    assert ddf.y.reduction(lambda s: s.max() - s.min(), aggregate=lambda r: r.max()).compute() >= 0
    assert ddf.y.reduction(len, aggregate=lambda r: r.sum()).compute() == len(pdf)
    assert ddf.t.is_monotonic_increasing.compute() and not ddf.y.is_monotonic_increasing.compute()
    assert frames.from_pandas(pdf.iloc[::-1].reset_index(drop=True), 3).t.is_monotonic_decreasing.compute()
    meta = {**pdf.dtypes.to_dict(), "z": np.dtype("int64")}  # df.dtypes' own objects, as Dask users pass them
    assert_eq(ddf.map_partitions(lambda f: f.assign(z=f.y * 2), meta=meta), pdf.assign(z=pdf.y * 2))


def test_stored_range_index(pdf, npartitions):
    shifted = pdf.set_axis(pd.RangeIndex(100, 100 + 2 * len(pdf), 2))
    got = frames.from_pandas(shifted, npartitions)
    assert_eq(got, shifted)
    assert got.known_divisions
    with pytest.raises(InvalidArgumentError):
        frames.from_pandas(pdf, npartitions).set_index(["k", "y"])


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_new_methods_on_every_scheduler(pdf, any_scheduler):
    ddf = frames.from_pandas(pdf, 3)
    run = dict(scheduler=any_scheduler)
    assert_eq(ddf.groupby("k").x.cumsum(), pdf.groupby("k").x.cumsum(), **run)
    assert_eq(ddf.x.interpolate(), pdf.x.interpolate(), **run)
    assert_eq(ddf.x.bfill(), pdf.x.bfill(), **run)
    assert_eq(ddf.s.str.title(), pdf.s.str.title(), **run)
    assert_eq(ddf.set_index("t", sorted=True).resample("1D").y.sum(), pdf.set_index("t").resample("1D").y.sum(), check_freq=False, **run)


def test_like_dask(pdf):
    dd = pytest.importorskip("dask.dataframe")
    ours, theirs = frames.from_pandas(pdf, 3), dd.from_pandas(pdf, npartitions=3, sort=False)
    assert_eq(ours.x.ffill(), theirs.x.ffill().compute())
    assert_eq(ours.y.shift(-1), theirs.y.shift(-1).compute())
    assert_eq(ours.groupby("k").y.cumsum(), theirs.groupby("k").y.cumsum().compute().sort_index())
    assert_eq(ours[["x", "y"]].corr(), theirs[["x", "y"]].corr().compute())
    assert_eq(ours.k.value_counts(normalize=True), theirs.k.value_counts(normalize=True).compute(), check_order=False)


def test_merge_with_a_pandas_frame(ddf, pdf):
    """Dask merges with a pandas DataFrame as with a one-partition frame (it was refused)."""
    names = pd.DataFrame({"k": [0, 1, 5], "name": ["zero", "one", "five"]})
    assert_eq(ddf.merge(names, on="k"), pdf.merge(names, on="k"), check_index=False, check_order=False)
    assert_eq(ddf.merge(names, on="k", how="left"), pdf.merge(names, on="k", how="left"), check_index=False, check_order=False)
