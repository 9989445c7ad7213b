"""The third round of gaps against pandas, across 1, 2 and 7 partitions and every scheduler:
per-row grouped results (``transform``, ``cumsum``, ``shift``, ``cumcount``, ...) keep the rows
of a missing key, with missing values, and the frame's row labels, as pandas does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(33)
    n = 30
    k = rng.choice(["a", "b", "c"], n).astype(object)
    k[[0, 7, 19]] = None  # missing keys: pandas keeps their rows in per-row results, values missing
    return pd.DataFrame({
        "k": pd.Series(k, dtype="str"),
        "x": rng.integers(-5, 5, n),
        "y": rng.normal(0, 1, n).round(3),
        "l": np.arange(100, 100 + n) * 3,  # a label column for the indexed frame
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


def _demean(s):
    return s - s.mean()


def test_transform_keeps_rows_of_missing_keys(ddf, pdf, any_scheduler):
    """A missing key's rows stay, their values missing (ints become floats, as pandas);
    ``dropna=False`` makes them a group of their own."""
    run = {"scheduler": any_scheduler}
    for grouped, pgrouped in ((ddf.groupby("k"), pdf.groupby("k")), (ddf.groupby("k", dropna=False), pdf.groupby("k", dropna=False))):
        assert_eq(grouped.x.transform("sum"), pgrouped.x.transform("sum"), **run)
        assert_eq(grouped.x.transform(_demean), pgrouped.x.transform(_demean), **run)
        assert_eq(grouped[["x", "y"]].transform(_demean), pgrouped[["x", "y"]].transform(_demean), **run)
        assert_eq(grouped[["x", "y"]].transform(lambda d: d.sum()), pgrouped[["x", "y"]].transform(lambda d: d.sum()), **run)
        assert_eq(grouped.x.transform(_demean, meta=("x", "f8")), pgrouped.x.transform(_demean), **run)


@pytest.mark.parametrize("method", ["cumsum", "cummax", "shift", "diff", "ffill", "cumcount", "rank"])
def test_per_row_methods_keep_rows_of_missing_keys(ddf, pdf, method):
    got, want = getattr(ddf.groupby("k"), method)(), getattr(pdf.groupby("k"), method)()
    if method == "cumcount":  # pandas gives floats once a row has no number; frames a nullable int
        got, want = got.astype("float64"), want.astype("float64")
    assert_eq(got, want)
    assert_eq(getattr(ddf.groupby("k").y, method)(), getattr(pdf.groupby("k").y, method)())


def test_transform_keeps_row_labels(pdf, npartitions, any_scheduler):
    """On a frame indexed by a column, ``transform``'s rows keep their labels, as the built-in
    per-row methods do."""
    pidx = pdf.set_index("l")
    didx = frames.from_pandas(pidx, npartitions=npartitions)
    run = {"scheduler": any_scheduler}
    assert_eq(didx.groupby("k").x.transform(_demean), pidx.groupby("k").x.transform(_demean), **run)
    assert_eq(didx.groupby("k").transform(_demean), pidx.groupby("k").transform(_demean), **run)
    assert_eq(didx.groupby("k").transform(_demean, meta={"x": "f8", "y": "f8"}), pidx.groupby("k").transform(_demean), **run)
    assert_eq(didx.groupby("k").y.transform("mean"), pidx.groupby("k").y.transform("mean"), **run)


# -- DataFrame.apply(axis=1) as a column of the frame ----------------------------------------------
def _weighted(row):
    return row.x * 2 + row.y


def test_row_apply_is_a_column(ddf, pdf, any_scheduler):
    """One value per row is a column expression: assign, filter and arithmetic take it, as in
    pandas (Dask refuses nothing here either); meta names and types it."""
    run = {"scheduler": any_scheduler}
    assert_eq(ddf.apply(_weighted, axis=1), pdf.apply(_weighted, axis=1), **run)
    assert_eq(ddf.assign(z=ddf.apply(_weighted, axis=1)), pdf.assign(z=pdf.apply(_weighted, axis=1)), **run)
    assert_eq(ddf.assign(z=ddf.apply(_weighted, axis=1, meta=("z", "f8")) + ddf.x),
              pdf.assign(z=pdf.apply(_weighted, axis=1) + pdf.x), **run)
    kept = ddf[ddf.apply(lambda r: r.x > 0, axis=1)]
    assert_eq(kept, pdf[pdf.apply(lambda r: r.x > 0, axis=1)].reset_index(drop=True), **run)
    labels = ddf.apply(lambda r: f"{r.k}:{r.x}", axis=1, meta=("lab", object))
    want = pdf.apply(lambda r: f"{r.k}:{r.x}", axis=1).rename("lab")
    assert_eq(labels, want, **run)


def test_row_apply_sees_row_labels_and_extra_arguments(pdf, npartitions, any_scheduler):
    pidx = pdf.set_index("l")
    didx = frames.from_pandas(pidx, npartitions=npartitions)
    named = lambda r, k: r.name * k + r.x  # noqa: E731  (a row's .name is its label)
    assert_eq(didx.apply(named, axis=1, args=(2,)), pidx.apply(named, axis=1, args=(2,)), scheduler=any_scheduler)
    assert_eq(didx.assign(z=didx.apply(named, axis=1, k=3)), pidx.assign(z=pidx.apply(named, axis=1, k=3)), scheduler=any_scheduler)


def test_row_apply_giving_rows_is_a_frame(ddf, pdf):
    split = lambda r: pd.Series({"u": r.x * 1.0, "v": r.y})  # noqa: E731
    assert_eq(ddf[["x", "y"]].apply(split, axis=1), pdf[["x", "y"]].apply(split, axis=1))
    assert_eq(ddf[["x", "y"]].apply(split, axis=1, meta={"u": "f8", "v": "f8"}), pdf[["x", "y"]].apply(split, axis=1))


def test_row_apply_errors(ddf):
    with pytest.raises(frames.errors.InvalidArgumentError, match="axis=1"):
        ddf.apply(_weighted, axis=0)
    with pytest.raises(frames.errors.InvalidArgumentError, match="function"):
        ddf.apply("sum", axis=1)


# -- Series of text: joins by +, reductions refused naming the Series ---------------------------------
def test_text_series_add_joins(ddf, pdf, any_scheduler):
    run = {"scheduler": any_scheduler}
    assert_eq(ddf.k + ddf.k, pdf.k + pdf.k, **run)
    assert_eq("<" + ddf.k + ">", "<" + pdf.k + ">", **run)
    assert_eq(ddf.assign(j=ddf.k + "!"), pdf.assign(j=pdf.k + "!"), **run)


@pytest.mark.parametrize("method", ["mean", "std", "var", "median", "quantile"])
def test_text_series_reduction_names_the_series(ddf, method):
    with pytest.raises(frames.errors.DataTypeError, match=rf"cannot take the {method} of Series 'k'") as caught:
        getattr(ddf.k, method)()
    assert "__value__" not in str(caught.value)
    with pytest.raises(frames.errors.DataTypeError, match="cannot take the mean of a Series"):
        (ddf.k + "x").rename(None).mean()


# -- what the Dask DataFrame tutorial does with flights ----------------------------------------------
@pytest.fixture(scope="module")
def flights() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    return pd.DataFrame({
        "Date": pd.date_range("2024-01-01", periods=n, freq="97min"),
        "Origin": pd.Series(rng.choice(["EWR", "JFK", "LGA"], n), dtype="str"),
        "DepDelay": np.where(rng.random(n) < 0.1, np.nan, rng.normal(5, 20, n).round(2)),
        "Distance": rng.integers(100, 3000, n),
        "Cancelled": rng.random(n) < 0.1,
    })


@pytest.fixture
def dflights(flights, npartitions):
    return frames.from_pandas(flights, npartitions=npartitions)


def test_groupby_a_computed_series(dflights, flights, any_scheduler):
    """A key computed from the frame's columns groups as pandas does, its name labelling the
    index; a key named like a column leaves that column's values alone."""
    d, p, run = dflights, flights, {"scheduler": any_scheduler}
    assert_eq(d.groupby(d.Date.dt.hour).DepDelay.mean(), p.groupby(p.Date.dt.hour).DepDelay.mean(), **run)
    assert_eq(d.groupby(d.Distance // 1000).Distance.mean(), p.groupby(p.Distance // 1000).Distance.mean(), **run)
    assert_eq(d.groupby(["Origin", d.Distance // 1000]).size(), p.groupby(["Origin", p.Distance // 1000]).size(), **run)
    bucket = (d.Distance // 1000).rename(None)
    assert_eq(d.groupby(bucket).DepDelay.max(), p.groupby((p.Distance // 1000).rename(None)).DepDelay.max(), **run)
    assert_eq(d.groupby(d.Distance // 1000).sum(numeric_only=True), p.groupby(p.Distance // 1000).sum(numeric_only=True), **run)
    assert_eq(d.groupby(d.Origin.str.lower()).Distance.agg(["min", "max"]), p.groupby(p.Origin.str.lower()).Distance.agg(["min", "max"]), **run)
    other = frames.from_pandas(p, npartitions=2)
    with pytest.raises(frames.errors.InvalidArgumentError, match="different DataFrame"):
        d.groupby(other.Distance // 1000)


def test_grouped_series_reset_index(dflights, flights):
    assert_eq(dflights.groupby("Origin").Distance.mean().reset_index(), flights.groupby("Origin").Distance.mean().reset_index())
    assert_eq(dflights.groupby("Origin").Distance.mean().reset_index(name="m"), flights.groupby("Origin").Distance.mean().reset_index(name="m"))
    got = dflights.groupby("Origin").Distance.mean().reset_index(drop=True)
    assert_eq(got, flights.groupby("Origin").Distance.mean().reset_index(drop=True))


def test_timestamps_compare_with_text(dflights, flights, any_scheduler):
    d, p, run = dflights, flights, {"scheduler": any_scheduler}
    assert_eq(d[d.Date > "2024-01-10"], p[p.Date > "2024-01-10"].reset_index(drop=True), **run)
    assert_eq(d[d.Date.between("2024-01-05", "2024-01-09 12:00")], p[p.Date.between("2024-01-05", "2024-01-09 12:00")].reset_index(drop=True), **run)
    assert_eq(d.Date != "2024-01-01 01:37", p.Date != "2024-01-01 01:37", **run)
    zoned = p.assign(Date=p.Date.dt.tz_localize("America/New_York"))
    dz = frames.from_pandas(zoned, npartitions=3)
    assert_eq(dz[dz.Date < "2024-01-03"], zoned[zoned.Date < "2024-01-03"].reset_index(drop=True), **run)
    assert_eq(dz[dz.Date < "2024-01-03T00:00Z"], zoned[zoned.Date < "2024-01-03T00:00Z"].reset_index(drop=True), **run)
    with pytest.raises(frames.errors.DataTypeError, match="'soon'"):
        d[d.Date > "soon"]


def test_describe_takes_instants_and_leaves_booleans_out(dflights, flights):
    assert_eq(dflights.describe(), flights.describe())
    assert_eq(dflights[["Date", "Distance"]].describe(percentiles=[0.1, 0.9]), flights[["Date", "Distance"]].describe(percentiles=[0.1, 0.9]))
    zoned = flights.assign(Date=flights.Date.dt.tz_localize("UTC"))
    assert_eq(frames.from_pandas(zoned, npartitions=2).describe(), zoned.describe())  # pandas leaves zoned instants out
    with pytest.raises(frames.errors.DataTypeError, match="boolean"):
        dflights[["Cancelled"]].describe()
