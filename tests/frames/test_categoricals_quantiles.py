"""Categoricals (known and unknown categories, ``.cat``, ``groupby(observed=)``), the group-by
additions (``nlargest``/``nsmallest``, ``corr``/``cov``, ``split_out=``) and approximate quantiles,
each against pandas on 1, 2 and 7 partitions; some on every scheduler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
from frames.errors import InvalidArgumentError
from frames.testing import assert_eq

CATS = pd.CategoricalDtype(["a", "b", "c", "d"])  # "d" never occurs


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 60
    return pd.DataFrame({
        "s": pd.Series(rng.choice(["a", "b", "c", None], n), dtype="str"),
        "t": pd.Series(rng.choice(["x", "y"], n), dtype="str"),
        "k": rng.integers(0, 4, n),
        "x": np.where(rng.random(n) < 0.15, np.nan, rng.normal(0, 1, n).round(3)),
        "y": rng.integers(-5, 5, n).astype("float64"),
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


# -- categoricals ------------------------------------------------------------------------------------

def test_astype_category_unknown_then_known(ddf, pdf):
    c = ddf.astype({"s": "category"})
    assert str(c.dtypes["s"]) == "category" and not c.s.cat.known
    with pytest.raises(InvalidArgumentError, match="unknown categories"):
        c.s.cat.categories
    assert_eq(c, pdf.astype({"s": "category"}))
    known = c.s.cat.as_known()
    assert known.cat.known and list(known.cat.categories) == ["a", "b", "c"]
    assert_eq(known.cat.codes, pdf.s.astype("category").cat.codes)
    assert not known.cat.as_unknown().cat.known


def test_categorize_and_categorical_dtype(ddf, pdf):
    k = ddf.categorize()  # every text column
    assert k.s.cat.known and k.t.cat.known
    expected = pdf.astype({"s": "category", "t": "category"})
    assert_eq(k, expected)
    assert list(k.s.cat.categories) == list(expected.s.cat.categories)
    assert_eq(k.s.cat.codes, expected.s.cat.codes)
    assert_eq(ddf.categorize(columns=["t"]).t.cat.codes, expected.t.cat.codes)
    given = ddf.astype({"s": CATS})
    assert list(given.s.cat.categories) == list("abcd")
    assert_eq(given, pdf.astype({"s": CATS}))
    narrow = pd.CategoricalDtype(["a", "c"])  # a value outside the categories becomes missing, as pandas
    assert_eq(ddf.astype({"s": narrow}), pdf.astype({"s": narrow}))
    assert_eq(ddf.s.astype(narrow).cat.codes, pdf.s.astype(narrow).cat.codes)


def test_categoricals_survive_selection_filters_and_persist(ddf, pdf):
    k = ddf.astype({"s": CATS})
    expected = pdf.astype({"s": CATS})
    assert_eq(k[k.y > 0][["s", "y"]], expected[expected.y > 0][["s", "y"]], check_index=False)
    assert k.persist(scheduler="sync").s.cat.known
    assert_eq(k.persist(scheduler="sync").s, expected.s)
    assert_eq(k.s == "a", expected.s == "a")
    with pytest.raises(InvalidArgumentError, match="categorical"):
        ddf.s.cat


@pytest.mark.parametrize("observed", [True, False])
@pytest.mark.parametrize("keys", ["s", ["s", "t"]])
def test_groupby_observed_on_categoricals(ddf, pdf, observed, keys):
    dtypes = {"s": CATS, "t": pd.CategoricalDtype(["x", "y", "z"])}
    ours, theirs = ddf.astype(dtypes), pdf.astype(dtypes)
    assert_eq(ours.groupby(keys, observed=observed).agg({"x": ["sum", "count", "mean"], "y": "max"}),
              theirs.groupby(keys, observed=observed).agg({"x": ["sum", "count", "mean"], "y": "max"}))
    assert_eq(ours.groupby(keys, observed=observed).y.sum(), theirs.groupby(keys, observed=observed).y.sum())
    assert_eq(ours.groupby(keys, observed=observed).size(), theirs.groupby(keys, observed=observed).size())


def test_groupby_observed_needs_known_categories(ddf, pdf):
    with pytest.raises(InvalidArgumentError, match="known categories"):
        ddf.astype({"s": "category"}).groupby("s", observed=False).y.sum()
    # observed only matters for categorical keys, as in pandas
    assert_eq(ddf.groupby("k", observed=False).y.sum(), pdf.groupby("k", observed=False).y.sum())


# -- group-by additions ------------------------------------------------------------------------------

@pytest.mark.parametrize("dropna", [True, False])
def test_groupby_nlargest_nsmallest(ddf, pdf, dropna):
    def theirs(g):  # pandas indexes the values by (keys, row label); frames has only the keys
        return g.reset_index(level=-1, drop=True)

    assert_eq(ddf.groupby("s", dropna=dropna).x.nlargest(2), theirs(pdf.groupby("s", dropna=dropna).x.nlargest(2)))
    assert_eq(ddf.groupby(["k", "t"]).y.nsmallest(3), theirs(pdf.groupby(["k", "t"]).y.nsmallest(3)), check_order=False)
    assert_eq(ddf.groupby("k").x.nlargest(1), theirs(pdf.groupby("k").x.nlargest(1)))
    with pytest.raises(InvalidArgumentError, match="one selected column"):
        ddf.groupby("k").nlargest(2)


def test_groupby_corr_cov(ddf, pdf):
    assert_eq(ddf.groupby("k").x.corr(ddf.y), pdf.groupby("k").x.corr(pdf.y), rtol=1e-9)
    assert_eq(ddf.groupby("t").y.cov(ddf.x), pdf.groupby("t").y.cov(pdf.x), rtol=1e-9)
    assert_eq(ddf.groupby(["k", "t"]).x.corr(ddf.y) ** 2, pdf.groupby(["k", "t"]).x.corr(pdf.y) ** 2, rtol=1e-9)
    other = frames.from_pandas(pdf, npartitions=1)
    with pytest.raises(InvalidArgumentError, match="column of the grouped frame"):
        ddf.groupby("k").x.corr(other.y)


def test_groupby_split_out(ddf, pdf):
    out = ddf.groupby(["k", "t"]).agg({"x": "sum", "y": "size"}, split_out=3)
    assert out.npartitions == 3
    assert_eq(out, pdf.groupby(["k", "t"]).agg({"x": "sum", "y": "size"}), check_order=False)
    assert_eq(ddf.groupby("k").sum(numeric_only=True, split_out=2), pdf.groupby("k").sum(numeric_only=True), check_order=False)
    with pytest.raises(InvalidArgumentError, match="split_out"):
        ddf.groupby("k").agg({"x": "sum"}, split_out=0)


@pytest.mark.parametrize("any_scheduler", ["sync", "threads", "processes", "distributed"], indirect=True)
def test_group_additions_on_every_scheduler(pdf, any_scheduler):
    ddf = frames.from_pandas(pdf, npartitions=7).astype({"s": CATS})
    theirs = pdf.astype({"s": CATS})
    assert_eq(ddf.groupby("s", observed=False).x.sum(), theirs.groupby("s", observed=False).x.sum(), scheduler=any_scheduler)
    assert_eq(ddf.groupby("k").x.nlargest(2), pdf.groupby("k").x.nlargest(2).reset_index(level=-1, drop=True), scheduler=any_scheduler)
    assert_eq(ddf.groupby("k").x.corr(ddf.y), pdf.groupby("k").x.corr(pdf.y), scheduler=any_scheduler, rtol=1e-9)
    assert_eq(ddf.s.cat.codes, theirs.s.cat.codes, scheduler=any_scheduler)
    assert_eq(ddf.x.quantile([0.1, 0.5], method="dask"), ddf.x.quantile([0.1, 0.5], method="dask").compute(scheduler="sync"),
              scheduler=any_scheduler)


# -- approximate quantiles ---------------------------------------------------------------------------

def test_approximate_quantiles_exact_on_one_partition(pdf):
    one = frames.from_pandas(pdf, npartitions=1)
    assert_eq(one.x.quantile([0.1, 0.5, 0.9], method="dask"), pdf.x.quantile([0.1, 0.5, 0.9]))
    assert_eq(one.x.median_approximate(), pdf.x.median())
    assert_eq(one.quantile([0.25, 0.75], method="dask"), pdf[["k", "x", "y"]].quantile([0.25, 0.75]))
    assert_eq(one.describe(percentiles_method="dask"), pdf.describe())


@pytest.mark.parametrize("npartitions", [2, 7, 20])
def test_approximate_quantiles_close_in_rank(npartitions):
    rng = np.random.default_rng(11)
    values = rng.exponential(size=50_000)
    df = frames.from_pandas(pd.DataFrame({"v": values}), npartitions=npartitions)
    qs = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
    got = df.v.quantile(qs, method="dask").compute().to_numpy()
    ranks = np.searchsorted(np.sort(values), got) / len(values)
    assert np.abs(ranks - np.array(qs)).max() < 0.005  # within half a percent of the rows
    assert got[0] == values.min() and got[-1] == values.max()
    described = df.describe(percentiles_method="dask").compute()
    exact = pd.DataFrame({"v": values}).describe()
    pd.testing.assert_frame_equal(described.loc[["count", "mean", "std", "min", "max"]], exact.loc[["count", "mean", "std", "min", "max"]])


def test_exact_quantiles_and_medians_of_frames(ddf, pdf):
    num = pdf[["k", "x", "y"]]
    assert_eq(ddf.quantile(0.3), num.quantile(0.3))
    assert_eq(ddf.quantile([0.2, 0.8]), num.quantile([0.2, 0.8]))
    assert_eq(ddf.median(), num.median())
    with pytest.raises(InvalidArgumentError, match="method"):
        ddf.x.quantile(0.5, method="tdigest")
    with pytest.raises(InvalidArgumentError, match=r"\[0, 1\]"):
        ddf.x.quantile(1.5, method="dask")


# -- smaller pandas methods --------------------------------------------------------------------------

def test_clip_mask_corr_prod_nunique_round_select_dtypes(ddf, pdf):
    assert_eq(ddf.x.clip(-1, 0.5), pdf.x.clip(-1, 0.5))
    assert_eq(ddf.x.clip(lower=0), pdf.x.clip(lower=0))
    assert_eq(ddf.x.mask(ddf.y > 0), pdf.x.mask(pdf.y > 0))
    assert_eq(ddf.x.mask(ddf.y > 0, 0.0), pdf.x.mask(pdf.y > 0, 0.0))
    assert_eq(ddf.x.corr(ddf.y), pdf.x.corr(pdf.y))
    assert_eq(ddf.y.cov(ddf.x), pdf.y.cov(pdf.x))
    assert_eq(ddf.y.prod(), pdf.y.prod())
    assert_eq(ddf[ddf.y > 100].y.prod(), 1.0)  # the product of nothing, as pandas
    assert_eq(ddf.nunique(), pdf.nunique())
    assert_eq(ddf[["x", "y"]].abs(), pdf[["x", "y"]].abs())
    assert_eq(ddf.round(1), pdf.round(1))
    assert_eq(ddf.select_dtypes("number"), pdf.select_dtypes("number"))
    assert_eq(ddf.select_dtypes(exclude="number"), pdf.select_dtypes(exclude="number"))
