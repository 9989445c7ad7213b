"""The DataFrame answers as pandas does where SQL would not: missing values in comparisons and
tests, sums of nothing, whole rows in drop_duplicates, assign in order, groupby.apply of every
return shape, meta inference over every Arrow type, and lazy Scalars inside expressions."""

from __future__ import annotations

import datetime
import re

import numpy as np
import pandas as pd
import pytest

import frames
from frames.errors import DataTypeError, InvalidArgumentError
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 40
    return pd.DataFrame({
        "k": rng.integers(0, 4, n),
        "s": pd.Series(rng.choice(["apple", "banana", "cherry", None], n), dtype="str"),
        "x": np.where(rng.random(n) < 0.25, np.nan, rng.normal(0, 1, n).round(3)),
        "y": rng.integers(-5, 5, n),
        "b": rng.random(n) < 0.5,
        "d": [datetime.date(2024, 1, 1) + datetime.timedelta(days=int(i)) for i in rng.integers(0, 30, n)],
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


def test_missing_values_compare_and_test_as_in_pandas(ddf, pdf):
    for op in ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"]:
        assert_eq(getattr(ddf.x, op)(0.1), getattr(pdf.x, op)(0.1))
    assert_eq(ddf.s == "apple", pdf.s == "apple")
    assert_eq(ddf.s != "apple", pdf.s != "apple")
    assert_eq(ddf.x.between(-0.5, 0.5), pdf.x.between(-0.5, 0.5))
    assert_eq(ddf.s.isin(["apple", None]), pdf.s.isin(["apple", None]))
    assert_eq(ddf.x.isin([np.nan]), pdf.x.isin([np.nan]))
    assert_eq(ddf.s.isin(["apple"]), pdf.s.isin(["apple"]))
    for method in ["contains", "startswith", "endswith"]:
        assert_eq(getattr(ddf.s.str, method)("a"), getattr(pdf.s.str, method)("a"))
    assert_eq(ddf.s.str.len(), pdf.s.str.len())
    # a filter on such a comparison keeps what pandas keeps, and still reaches a scan as a plain comparison
    assert_eq(ddf[~(ddf.x > 0)], pdf[~(pdf.x > 0)], check_index=False)
    assert_eq(ddf[(ddf.x > 0) | (ddf.s == "cherry")], pdf[(pdf.x > 0) | (pdf.s == "cherry")], check_index=False)


def test_sums_as_pandas(ddf, pdf):
    assert_eq(ddf.b.sum(), pdf.b.sum())
    assert isinstance(ddf.b.sum().compute(), (int, np.integer))
    assert_eq(ddf[["k", "y", "b", "s"]].sum(), pdf[["k", "y", "b", "s"]].sum())
    assert_eq(ddf[ddf.k > 100].x.sum(), 0.0)  # the sum of nothing is 0 (SQL: NULL)
    allnan = pdf.assign(x=np.where(pdf.k == 1, np.nan, pdf.x))
    got = frames.from_pandas(allnan, ddf.npartitions).groupby("k").x.sum()
    assert_eq(got, allnan.groupby("k").x.sum())
    assert_eq(ddf.groupby("k")[["y", "b"]].sum(), pdf.groupby("k")[["y", "b"]].sum())
    assert_eq(ddf.groupby("k")[["s", "y"]].sum(), pdf.groupby("k")[["s", "y"]].sum())
    with pytest.raises(DataTypeError, match="'s'"):
        ddf[["s", "x"]].mean()
    assert_eq(ddf.mean(numeric_only=True), pdf.mean(numeric_only=True))


def test_fillna_leaves_columns_that_cannot_hold_the_value(ddf, pdf):
    exp = pdf.copy()
    exp["x"] = exp.x.fillna(0)
    assert_eq(ddf.fillna(0), exp)
    exp = pdf.copy()
    exp["s"] = exp.s.fillna("none")
    assert_eq(ddf.fillna("none"), exp)


@pytest.mark.parametrize("keep", ["first", "last", False])
def test_drop_duplicates_keeps_whole_rows_in_order(ddf, pdf, keep):
    for subset in (["k"], ["k", "s"], "s"):
        assert_eq(ddf.drop_duplicates(subset=subset, keep=keep), pdf.drop_duplicates(subset=subset, keep=keep),
                  check_index=False)
    assert_eq(ddf.s.drop_duplicates(keep=keep), pdf.s.drop_duplicates(keep=keep), check_index=False)


def test_drop_duplicates_like_dask(pdf):
    dd = pytest.importorskip("dask.dataframe")
    pdf = pdf[["k", "s", "y"]]
    expected = dd.from_pandas(pdf, npartitions=3).drop_duplicates(subset=["k"], keep="last").compute()
    assert_eq(frames.from_pandas(pdf, 3).drop_duplicates(subset=["k"], keep="last"), expected,
              check_index=False, check_order=False, check_dtype=False)


def test_assign_evaluates_in_order(ddf, pdf):
    got = ddf.assign(z=lambda f: f.y + 1, w=lambda f: f.z * 2, y=ddf.y - 1, v=lambda f: f.y + f.w)
    exp = pdf.assign(z=lambda f: f.y + 1, w=lambda f: f.z * 2, y=pdf.y - 1, v=lambda f: f.y + f.w)
    assert_eq(got, exp)


def test_groupby_apply_every_return_shape(ddf, pdf):
    def check(got, exp, drop_inner=False):
        if drop_inner:  # pandas keeps each row's original label: frames has none
            exp = exp.reset_index(level=-1, drop=True)
        assert_eq(got, exp, check_order=False)

    g, pg = ddf.groupby("k"), pdf.groupby("k")
    check(g.apply(lambda f: f.y.sum() * 2), pg.apply(lambda f: f.y.sum() * 2))
    check(g.apply(lambda f: f.x.mean()), pg.apply(lambda f: f.x.mean()))
    check(g.apply(lambda f: f.head(2)), pg.apply(lambda f: f.head(2)), drop_inner=True)
    check(g.apply(lambda f: f.y * 2), pg.apply(lambda f: f.y * 2), drop_inner=True)
    check(g.apply(lambda f: f[["x", "y"]].sum()), pg.apply(lambda f: f[["x", "y"]].sum()))
    check(g.apply(lambda f: f.s.value_counts()), pg.apply(lambda f: f.s.value_counts()))
    described = pg.apply(lambda f: f[["x", "y"]].describe())
    described.index.names = ["k", "level_1"]  # frames' index levels have names
    check(g.apply(lambda f: f[["x", "y"]].describe()), described)
    check(g[["y"]].apply(lambda f: f.sum()), pg[["y"]].apply(lambda f: f.sum()))
    check(g[["x", "y"]].apply(lambda f: f.y.max() - f.x.min()), pg[["x", "y"]].apply(lambda f: f.y.max() - f.x.min()))
    check(ddf.groupby(["k", "b"]).apply(lambda f: len(f)), pdf.groupby(["k", "b"]).apply(lambda f: len(f)))


def test_groupby_apply_with_meta_and_errors(ddf, pdf):
    got = ddf.groupby("k").apply(lambda f: f.y.sum(), meta=("y", "int64"))
    assert_eq(got, pdf.groupby("k").apply(lambda f: f.y.sum()).rename("y"), check_order=False)
    with pytest.raises(InvalidArgumentError, match="pass meta="):
        ddf.groupby("k").apply(lambda f: f.nope)


def test_groupby_selecting_a_key_column(ddf, pdf):
    assert_eq(ddf.groupby("k").k.count(), pdf.groupby("k").k.count())
    assert_eq(ddf.groupby("k")[["k", "y"]].max(), pdf.groupby("k")[["k", "y"]].max())


def test_map_partitions_infers_every_type(ddf, pdf):
    assert_eq(ddf.map_partitions(lambda p: p), pdf, check_index=False)
    assert_eq(ddf.map_partitions(lambda p: p[p.y > 100]), pdf.iloc[:0], check_index=False)
    new = ddf.map_partitions(lambda p: p.assign(when=p.d, text=p.y.astype(str)))  # new columns typed from the sample's values
    assert str(new.schema.field("when").type) == "date32[day]"
    assert_eq(new, pdf.assign(when=pdf.d, text=pdf.y.astype(str)), check_index=False)
    lengths = ddf.map_partitions(len).compute()
    assert len(lengths) == ddf.npartitions and lengths.sum() == len(pdf) and lengths.dtype == np.int64


def test_read_csv_keeps_date_strings(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,d\n1,2024-01-02\n2,2024-02-03\n")
    assert_eq(frames.read_csv(str(path)), pd.read_csv(path))
    assert_eq(frames.read_csv(str(path), parse_dates=["d"]), pd.read_csv(path, parse_dates=["d"]))


def test_scalars_in_expressions(ddf, pdf):
    assert_eq(ddf.y - ddf.y.mean(), pdf.y - pdf.y.mean())
    assert_eq(ddf[ddf.y > ddf.y.mean()], pdf[pdf.y > pdf.y.mean()], check_index=False)
    assert_eq(ddf.assign(z=(ddf.x - ddf.x.mean()) / ddf.x.std()), pdf.assign(z=(pdf.x - pdf.x.mean()) / pdf.x.std()))
    assert (ddf.y.sum() > 0).compute() == (pdf.y.sum() > 0)
    assert_eq(ddf.y.max() - ddf.y.min() + 1, pdf.y.max() - pdf.y.min() + 1)
    assert_eq(2 * ddf.x.sum(), 2 * pdf.x.sum())
    assert_eq(ddf.x.fillna(ddf.x.mean()), pdf.x.fillna(pdf.x.mean()))
    with pytest.raises(InvalidArgumentError, match="compute"):
        bool(ddf.y.sum() > 0)


def test_a_scalar_is_computed_once(ddf):
    from frames.dataframe.expr.node import build_graph

    out = ddf.assign(z=ddf.y - ddf.y.mean())
    out = out[out.y > ddf.y.mean()]
    graph, _ = build_graph(out._optimized())
    finals = [k for k in graph if isinstance(k, tuple) and re.fullmatch(r"aggregate-\d+", str(k[0]))]
    assert len(finals) == 2  # two Scalars (two mean() calls), each one task, whatever the partition count


def test_scalar_filters_over_parquet_stay_above_the_scan(tmp_path, pdf):
    path = str(tmp_path / "p.parquet")
    pdf.to_parquet(path)
    df = frames.read_parquet(path)
    got = df[(df.y > df.y.mean()) & (df.k == 1)]
    assert_eq(got, pdf[(pdf.y > pdf.y.mean()) & (pdf.k == 1)], check_index=False)


def test_list_of_a_frame_is_its_columns(ddf, pdf):
    assert list(ddf) == list(pdf)


@pytest.mark.parametrize("any_scheduler", ["threads", "processes", "distributed"], indirect=True)
def test_across_schedulers(pdf, any_scheduler):
    """The new mechanisms (scalar inputs bound in tasks, group functions shipped to workers,
    the drop_duplicates tree, meta from a sample) on every scheduler."""
    ddf = frames.from_pandas(pdf, 3)
    run = dict(scheduler=any_scheduler)
    assert_eq(ddf[ddf.y > ddf.y.mean()].x - ddf.x.min(), (pdf[pdf.y > pdf.y.mean()].x - pdf.x.min()), check_index=False, **run)
    assert_eq(ddf.groupby("k").apply(lambda f: f.y.sum()), pdf.groupby("k").apply(lambda f: f.y.sum()), check_order=False, **run)
    assert_eq(ddf.drop_duplicates(subset="k", keep="last"), pdf.drop_duplicates(subset="k", keep="last"), check_index=False, **run)
    assert_eq(ddf.map_partitions(lambda p: p[["d", "s"]]), pdf[["d", "s"]], check_index=False, **run)
    assert_eq(ddf.s.str.contains("an") & (ddf.x <= 0), pdf.s.str.contains("an") & (pdf.x <= 0), **run)
