"""DataFrame and Series operations equal pandas, across partition counts and schedulers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    n = 300
    return pd.DataFrame(
        {
            "k": rng.integers(0, 6, n),
            "g": rng.choice(["apple", "Banana", "cherry", "date"], n),
            "x": rng.normal(10, 3, n).round(3),
            "y": rng.integers(-50, 50, n),
            "d": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "m": np.where(rng.random(n) < 0.2, np.nan, rng.random(n)),
        }
    )


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


def test_roundtrip_and_metadata(ddf, pdf, scheduler, npartitions):
    assert ddf.npartitions == npartitions
    assert list(ddf.columns) == list(pdf.columns)
    assert_eq(ddf, pdf, scheduler=scheduler)
    assert len(ddf) == len(pdf)


def test_selection_filter_assign(ddf, pdf, scheduler):
    assert_eq(ddf[["x", "k"]], pdf[["x", "k"]], scheduler=scheduler)
    assert_eq(ddf.x, pdf.x, scheduler=scheduler)
    assert_eq(ddf[ddf.x > 10], pdf[pdf.x > 10].reset_index(drop=True), scheduler=scheduler, check_index=False)
    assert_eq(ddf[(ddf.k == 2) | ~(ddf.y < 0)], pdf[(pdf.k == 2) | ~(pdf.y < 0)], check_index=False, scheduler=scheduler)
    got = ddf.assign(z=ddf.x * 2 + ddf.y, w=lambda f: f.k - 1)
    exp = pdf.assign(z=pdf.x * 2 + pdf.y, w=lambda f: f.k - 1)
    assert_eq(got, exp, scheduler=scheduler)
    ddf2 = ddf.copy() if hasattr(ddf, "copy") else frames.DataFrame(ddf._node)
    ddf2["z"] = ddf2.y % 7
    ddf2["q"] = ddf2.z // 3
    exp2 = pdf.copy()
    exp2["z"] = exp2.y % 7
    exp2["q"] = exp2.z // 3
    assert_eq(ddf2, exp2, scheduler=scheduler)


def test_arithmetic_and_comparisons(ddf, pdf, scheduler):
    for op in ["__add__", "__sub__", "__mul__", "__truediv__", "__lt__", "__ge__", "__eq__", "__ne__"]:
        assert_eq(getattr(ddf.x, op)(ddf.y), getattr(pdf.x, op)(pdf.y), scheduler=scheduler, check_names=False)
    assert_eq(10 - ddf.y, 10 - pdf.y, scheduler=scheduler)
    assert_eq(-ddf.x, -pdf.x, scheduler=scheduler)
    assert_eq(ddf.y.abs(), pdf.y.abs(), scheduler=scheduler)


def test_astype_isin_between_fillna_isna(ddf, pdf, scheduler):
    assert_eq(ddf.y.astype("float64"), pdf.y.astype("float64"), scheduler=scheduler)
    assert_eq(ddf[["k", "y"]].astype("float32"), pdf[["k", "y"]].astype("float32"), scheduler=scheduler)
    assert_eq(ddf.k.isin([1, 3]), pdf.k.isin([1, 3]), scheduler=scheduler)
    assert_eq(ddf.x.between(8, 12), pdf.x.between(8, 12), scheduler=scheduler)
    assert_eq(ddf.x.between(8, 12, inclusive="neither"), pdf.x.between(8, 12, inclusive="neither"), scheduler=scheduler)
    assert_eq(ddf.m.fillna(-1.0), pdf.m.fillna(-1.0), scheduler=scheduler)
    assert_eq(ddf.m.isna(), pdf.m.isna(), scheduler=scheduler)
    assert_eq(ddf[["m"]].fillna({"m": 0.5}), pdf[["m"]].fillna({"m": 0.5}), scheduler=scheduler)
    assert_eq(ddf[["m", "x"]].isna(), pdf[["m", "x"]].isna(), scheduler=scheduler)


def test_str_and_dt_accessors(ddf, pdf, scheduler):
    assert_eq(ddf.g.str.contains("an"), pdf.g.str.contains("an"), scheduler=scheduler, check_dtype=False)
    assert_eq(ddf.g.str.startswith("c"), pdf.g.str.startswith("c"), scheduler=scheduler, check_dtype=False)
    assert_eq(ddf.g.str.lower(), pdf.g.str.lower(), scheduler=scheduler)
    assert_eq(ddf.g.str.upper(), pdf.g.str.upper(), scheduler=scheduler)
    assert_eq(ddf.g.str.len(), pdf.g.str.len(), scheduler=scheduler, check_dtype=False)
    assert_eq(ddf.g.str.slice(1, 3), pdf.g.str.slice(1, 3), scheduler=scheduler)
    assert_eq(ddf.d.dt.year, pdf.d.dt.year, scheduler=scheduler, check_dtype=False)
    assert_eq(ddf.d.dt.month, pdf.d.dt.month, scheduler=scheduler, check_dtype=False)
    assert_eq(ddf.d.dt.day, pdf.d.dt.day, scheduler=scheduler, check_dtype=False)


def test_groupby_reductions(ddf, pdf, scheduler):
    for how in ["sum", "mean", "count", "min", "max", "nunique", "size"]:
        got = getattr(ddf.groupby("k")[["x", "y"]] if how != "size" else ddf.groupby("k"), how)()
        exp = getattr(pdf.groupby("k")[["x", "y"]] if how != "size" else pdf.groupby("k"), how)()
        assert_eq(got, exp, scheduler=scheduler, check_dtype=False, check_exact=False)
    assert_eq(ddf.groupby("g").x.sum(), pdf.groupby("g").x.sum(), scheduler=scheduler, check_exact=False)
    assert_eq(ddf.groupby(["k", "g"]).y.max(), pdf.groupby(["k", "g"]).y.max(), scheduler=scheduler)
    assert_eq(ddf.groupby("k").x.std(), pdf.groupby("k").x.std(), scheduler=scheduler, check_exact=False)
    assert_eq(
        ddf.groupby("k").agg({"x": "sum", "y": ["min", "max"]}),
        pdf.groupby("k").agg({"x": "sum", "y": ["min", "max"]}),
        scheduler=scheduler, check_exact=False,
    )
    assert_eq(
        ddf.groupby("g").agg(total=("x", "sum"), n=("y", "count")),
        pdf.groupby("g").agg(total=("x", "sum"), n=("y", "count")),
        scheduler=scheduler, check_exact=False, check_dtype=False,
    )


def test_groupby_aggregations_sharing_partials(ddf, pdf, scheduler):
    """sum and mean of one column share a partial sum, var and std theirs (as float64), and a
    count of a column counts rows only where that partition has no NULLs (m has some, y none)."""
    spec = dict(s=("m", "sum"), a=("m", "mean"), c=("m", "count"), v=("m", "var"), sd=("m", "std"), cy=("y", "count"),
                sy=("y", "sum"), my=("y", "mean"), vy=("y", "var"), n=("x", "size"))
    assert_eq(ddf.groupby("k").agg(**spec), pdf.groupby("k").agg(**spec), scheduler=scheduler, check_exact=False, check_dtype=False)


def test_drop_duplicates_value_counts(ddf, pdf, scheduler):
    assert_eq(ddf[["k", "g"]].drop_duplicates(), pdf[["k", "g"]].drop_duplicates(), check_order=False, check_index=False, scheduler=scheduler)
    assert_eq(ddf.g.value_counts(), pdf.g.value_counts(), check_order=False, scheduler=scheduler)
    assert_eq(ddf.k.nunique(), pdf.k.nunique(), scheduler=scheduler)


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_merge(ddf, pdf, how, scheduler, npartitions):
    right_pdf = pd.DataFrame({"k": [0, 1, 2, 3, 9], "label": ["zero", "one", "two", "three", "nine"]})
    right = frames.from_pandas(right_pdf, npartitions=min(npartitions, 2))
    exp = pdf.merge(right_pdf, on="k", how=how)
    assert_eq(ddf.merge(right, on="k", how=how), exp, check_order=False, check_index=False, scheduler=scheduler)
    # both sides large: force the hash-shuffle strategy
    got = ddf.merge(right, on="k", how=how, strategy="shuffle")
    assert_eq(got, exp, check_order=False, check_index=False, scheduler=scheduler)


def test_merge_different_key_names_and_suffixes(ddf, pdf, scheduler):
    other = pdf[["k", "x"]].rename(columns={"k": "kk"}).head(40)
    got = ddf[["k", "x"]].merge(frames.from_pandas(other, 3), left_on="k", right_on="kk")
    exp = pdf[["k", "x"]].merge(other, left_on="k", right_on="kk")
    assert_eq(got, exp, check_order=False, check_index=False, scheduler=scheduler)


def test_sort_values_and_topk(ddf, pdf, scheduler):
    assert_eq(ddf.sort_values("x"), pdf.sort_values("x", kind="stable"), check_index=False, scheduler=scheduler)
    assert_eq(ddf.sort_values(["k", "x"], ascending=[True, False]), pdf.sort_values(["k", "x"], ascending=[True, False]), check_index=False, scheduler=scheduler)
    assert_eq(ddf.sort_values("m", na_position="first"), pdf.sort_values("m", na_position="first", kind="stable"), check_index=False, scheduler=scheduler)
    top = ddf.sort_values("x", ascending=False).head(7, scheduler=scheduler)
    pd.testing.assert_frame_equal(top.reset_index(drop=True), pdf.sort_values("x", ascending=False, kind="stable").head(7).reset_index(drop=True))
    assert_eq(ddf.nlargest(5, "y").y, pdf.nlargest(5, "y").y.reset_index(drop=True), check_index=False, scheduler=scheduler, check_order=False)


def test_head_map_partitions_repartition_concat(ddf, pdf, scheduler, npartitions):
    pd.testing.assert_frame_equal(ddf.head(12, scheduler=scheduler), pdf.head(12))

    def double(part, factor):
        part = part.copy()
        part["x2"] = part.x * factor
        return part

    assert_eq(ddf.map_partitions(double, 2.0), double(pdf, 2.0), scheduler=scheduler)
    assert_eq(ddf.map_partitions(lambda p: p.y + 1), pdf.y + 1, check_index=False, check_names=False, scheduler=scheduler)
    for n in (1, 3, 10):
        r = ddf.repartition(n)
        assert r.npartitions == n
        assert_eq(r, pdf, scheduler=scheduler)
    assert_eq(frames.concat([ddf, ddf[ddf.k == 1]]), pd.concat([pdf, pdf[pdf.k == 1]]), check_index=False, scheduler=scheduler)


def test_persist_and_to_arrow(ddf, pdf, scheduler):
    persisted = ddf[ddf.y > 0].persist(scheduler=scheduler)
    assert_eq(persisted, pdf[pdf.y > 0], check_index=False, scheduler="sync")
    table = ddf.to_arrow(scheduler=scheduler)
    pd.testing.assert_frame_equal(table.to_pandas(), pdf)


def test_series_reductions(ddf, pdf, scheduler):
    for how in ["sum", "mean", "min", "max", "count", "std", "var"]:
        assert_eq(getattr(ddf.x, how)(), getattr(pdf.x, how)(), scheduler=scheduler)
    assert_eq(ddf.sum(numeric_only=True), pdf.sum(numeric_only=True), scheduler=scheduler, check_exact=False)
    assert_eq(ddf[["k", "g", "y"]].sum(), pdf[["k", "g", "y"]].sum(), scheduler=scheduler)  # text joins, ints stay int64


def test_compute_several_shares_graph(ddf, pdf, scheduler):
    total, filtered = frames.compute(ddf.x.sum(), ddf[ddf.k == 0], scheduler=scheduler)
    assert np.isclose(total, pdf.x.sum())
    pd.testing.assert_frame_equal(filtered.reset_index(drop=True), pdf[pdf.k == 0].reset_index(drop=True))
