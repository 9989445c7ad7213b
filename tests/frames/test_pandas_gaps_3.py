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


# -- more of the tutorial: row-wise reductions, NumPy ufuncs, agg, text lists -------------------------
@pytest.fixture(scope="module")
def mixed() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 40
    x = rng.normal(0, 3, n).round(1)
    x[[1, 9]] = np.nan
    x[[2, 3]] = [0.0, -0.0]  # one distinct value for pandas
    return pd.DataFrame({
        "x": x,
        "y": rng.integers(-4, 9, n),
        "b": rng.random(n) < 0.5,
        "t": pd.Series(rng.choice(["N1 A", "N2 B", "N3", None], n), dtype="str"),
        "s": pd.Series(rng.choice(["p", "q"], n), dtype="str"),
    })


@pytest.fixture
def dmixed(mixed, npartitions):
    return frames.from_pandas(mixed, npartitions=npartitions)


def test_nunique_counts_neither_nan_nor_signed_zero(dmixed, mixed, any_scheduler):
    run = {"scheduler": any_scheduler}
    assert dmixed.x.nunique().compute(**run) == mixed.x.nunique()
    assert_eq(dmixed[["x", "y"]].nunique(), mixed[["x", "y"]].nunique(), **run)
    assert_eq(dmixed.groupby("s").x.nunique(), mixed.groupby("s").x.nunique(), **run)


@pytest.mark.parametrize("func", ["sum", "mean", "min", "max", "count"])
def test_reductions_across_rows(dmixed, mixed, func, any_scheduler):
    cols = ["x", "y", "b"]
    assert_eq(getattr(dmixed[cols], func)(axis=1), getattr(mixed[cols], func)(axis=1), scheduler=any_scheduler)
    assert_eq(dmixed.assign(r=getattr(dmixed[["x", "y"]], func)(axis="columns")),
              mixed.assign(r=getattr(mixed[["x", "y"]], func)(axis="columns")), scheduler=any_scheduler)


def test_reductions_across_rows_refuse_text(dmixed):
    with pytest.raises(frames.errors.DataTypeError, match="'t'"):
        dmixed.sum(axis=1)
    with pytest.raises(frames.errors.InvalidArgumentError, match="axis"):
        dmixed.sum(axis=2)


def test_numpy_ufuncs_are_columns(dmixed, mixed, any_scheduler):
    run = {"scheduler": any_scheduler}
    with np.errstate(all="ignore"):
        assert_eq(np.log(dmixed.x), np.log(mixed.x), **run)
        assert_eq(np.sqrt(dmixed.y.abs()) + dmixed.x, np.sqrt(mixed.y.abs()) + mixed.x, **run)
        assert_eq(np.maximum(dmixed.x, 0), np.maximum(mixed.x, 0), **run)
        assert_eq(np.hypot(dmixed.x, dmixed.y), np.hypot(mixed.x, mixed.y), **run)
        assert_eq(dmixed.assign(e=np.exp(dmixed.y)), mixed.assign(e=np.exp(mixed.y)), **run)
        assert_eq(np.abs(dmixed.y), np.abs(mixed.y), **run)
    with pytest.raises(frames.errors.DataTypeError, match="numeric"):
        np.log(dmixed.s)


def test_agg_of_frames_and_series(dmixed, mixed, any_scheduler):
    run = {"scheduler": any_scheduler}
    num = ["x", "y"]
    assert_eq(dmixed[num].agg(["min", "max", "mean"]), mixed[num].agg(["min", "max", "mean"]), **run)
    assert_eq(dmixed.agg({"x": "mean", "y": "max"}), mixed.agg({"x": "mean", "y": "max"}), **run)
    assert_eq(dmixed.agg({"x": ["mean", "sum"], "y": "max"}), mixed.agg({"x": ["mean", "sum"], "y": "max"}), **run)
    assert_eq(dmixed.y.agg(["min", "max", "mean"]), mixed.y.agg(["min", "max", "mean"]), **run)
    assert dmixed.y.agg("sum").compute(**run) == mixed.y.agg("sum")
    assert dmixed.x.agg("median").compute(**run) == mixed.x.agg("median")


def test_text_lists_cat_and_series_partitions(dmixed, mixed, any_scheduler):
    run = {"scheduler": any_scheduler}
    # pandas' elements of object lists are object; frames' are text (str)
    assert_eq(dmixed.t.str.split().str[0], mixed.t.str.split().str[0], check_dtype=False, **run)
    assert_eq(dmixed.t.str.split().str[1], mixed.t.str.split().str[1], check_dtype=False, **run)
    assert_eq(dmixed.s.str[0], mixed.s.str[0], **run)
    assert_eq(dmixed.s.str.cat(dmixed.t, sep="-"), mixed.s.str.cat(mixed.t, sep="-"), **run)
    assert_eq(dmixed.s.str.cat([dmixed.t, dmixed.s], sep="/", na_rep="?"), mixed.s.str.cat([mixed.t, mixed.s], sep="/", na_rep="?"), **run)
    # a Series' partitions reach map_partitions as pandas Series, as Dask's
    assert_eq(dmixed.y.map_partitions(lambda s: s.clip(upper=3)), mixed.y.clip(upper=3), **run)
    assert dmixed.y.map_partitions(lambda s: type(s).__name__, meta=("n", object)).compute(**run).unique().tolist() == ["Series"]


def test_columns_can_be_renamed_by_assignment(dmixed, mixed):
    d, p = dmixed.copy() if hasattr(dmixed, "copy") else dmixed[list(dmixed.columns)], mixed.copy()
    d.columns = ["A", "B", "C", "D", "E"]
    p.columns = ["A", "B", "C", "D", "E"]
    assert_eq(d, p)
    with pytest.raises(frames.errors.InvalidArgumentError, match="5 columns"):
        d.columns = ["A"]


def test_resample_agg_per_column(npartitions, any_scheduler):
    """``resample(rule).agg({column: name})``: each column its own reduction, empty bins as pandas."""
    rng = np.random.default_rng(2)
    stamps = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 6 * 86400, 60)), unit="s")
    p = pd.DataFrame({"x": rng.normal(0, 1, 60).round(2), "n": rng.integers(0, 5, 60)}, index=pd.Index(stamps, name="t"))
    p = p[(p.index < "2024-01-03") | (p.index >= "2024-01-04")]  # an empty day
    d = frames.from_pandas(p, npartitions=npartitions)
    run = {"scheduler": any_scheduler, "check_freq": False}
    for rule, spec in (("1D", {"x": "mean", "n": "sum"}), ("12h", {"n": "max"}), ("1D", {"x": "count", "n": "first"})):
        assert_eq(d.resample(rule).agg(spec), p.resample(rule).agg(spec), **run)
    with pytest.raises(frames.errors.InvalidArgumentError, match="dict"):
        d.resample("1D").agg(["sum", "mean"])


def test_signed_zero_keys_are_one_value(npartitions, any_scheduler):
    """-0.0 and 0.0 are one key for grouping, distinct values and duplicates (pandas), and one
    group in SQL (DuckDB); rounding small negatives makes -0.0 in real data."""
    import pyarrow as pa

    p = pd.DataFrame({"k": [0.0, -0.0, 1.0, np.nan, -0.0, 1.0], "x": [1, 2, 3, 4, 5, 6]})
    d = frames.from_pandas(p, npartitions=npartitions)
    run = {"scheduler": any_scheduler}
    assert_eq(d.groupby("k").x.sum(), p.groupby("k").x.sum(), **run)
    assert_eq(d.groupby("k", dropna=False).x.count(), p.groupby("k", dropna=False).x.count(), **run)
    assert_eq(d.k.value_counts(), p.k.value_counts(), check_order=False, **run)
    assert_eq(d.drop_duplicates(subset=["k"]), p.drop_duplicates(subset=["k"]).reset_index(drop=True), **run)
    assert sorted(d.k.dropna().unique().compute(**run).tolist()) == [0.0, 1.0]

    duckdb = pytest.importorskip("duckdb")
    import sqlengine

    signed = pa.table({"k": pa.array([0.0, -0.0, 1.0, None, -0.0], pa.float64()), "x": [1, 2, 3, 4, 5]})
    ctx = sqlengine.Context()
    ctx.register("signed", signed)
    query = "SELECT k, count(*) AS c, sum(x) AS s FROM signed GROUP BY k ORDER BY k NULLS LAST"
    con = duckdb.connect()
    con.register("signed", signed)
    assert ctx.sql(query).to_arrow().to_pylist() == [dict(zip(("k", "c", "s"), r)) for r in con.execute(query).fetchall()]


def test_map_partitions_column_beside_its_frame(pdf, ddf, any_scheduler):
    """``df["b"] = df.y.map_partitions(f)`` and ``df.y + df.y.map_partitions(f)``: a column made
    partition by partition from the frame sits beside it, row for row, as Dask assigns co-aligned
    collections (it was refused: "cannot combine column from a different DataFrame")."""
    run = {"scheduler": any_scheduler}
    twice = lambda s: s * 2  # noqa: E731
    got = ddf.assign(b=ddf.y.map_partitions(twice))
    assert_eq(got, pdf.assign(b=pdf.y * 2), **run)
    assert_eq(got[got.b > 0][["k", "b"]], pdf.assign(b=pdf.y * 2)[pdf.y > 0][["k", "b"]], check_index=False, **run)
    assert_eq(got.b.sum(), (pdf.y * 2).sum(), **run)
    assert_eq(ddf.y + ddf.y.map_partitions(twice), pdf.y * 3, **run)
    assert_eq(ddf.y.map_partitions(twice) - ddf.x, pdf.y * 2 - pdf.x, **run)
    rows = ddf.map_partitions(lambda d: d.x * 10 + d.l)  # a Series from the whole frame
    assert_eq(ddf.assign(r=rows, s=lambda f: f.r + 1), pdf.assign(r=pdf.x * 10 + pdf.l, s=pdf.x * 10 + pdf.l + 1), **run)
    copy = frames.from_pandas(pdf, ddf.npartitions)
    copy["b"] = copy.y.map_partitions(twice)
    assert_eq(copy, pdf.assign(b=pdf.y * 2), **run)
    with pytest.raises(frames.errors.DataTypeError, match="must keep each partition's rows"):
        ddf.assign(b=ddf.y.map_partitions(lambda s: s[s > 0])).compute(**run)
    with pytest.raises(frames.errors.InvalidArgumentError, match="different DataFrame"):
        ddf.assign(b=copy.y.map_partitions(twice))  # another frame's partitions: rows do not pair


def test_cut_through_map_partitions(pdf, ddf, any_scheduler):
    """``pd.cut`` per partition, then grouped (the tutorials' histogram): interval categories travel
    as their labels, in pandas' order (Arrow can neither group pandas' interval type nor read it
    back through IPC: "unhashable type: 'dict'", "Expected int index"); named bins are pandas'."""
    run = {"scheduler": any_scheduler}
    bins = [-3, -1, 0, 1, 3]
    expected = pd.cut(pdf.y, bins)
    binned = ddf.y.map_partitions(pd.cut, bins)
    labelled = expected.cat.rename_categories([str(c) for c in expected.cat.categories])
    assert_eq(binned, labelled, **run)
    as_dict = lambda s: {str(k): v for k, v in s.items()}  # noqa: E731 - grouped categories come in the order found
    assert as_dict(binned.value_counts().compute(**run)) == as_dict(labelled.value_counts()[lambda c: c > 0])
    assert as_dict(ddf.assign(b=binned).groupby("b").x.sum().compute(**run)) == as_dict(
        pdf.assign(b=labelled).groupby("b", observed=True).x.sum())
    assert_eq(ddf.assign(b=ddf.y.map_partitions(pd.cut, bins, labels=False)), pdf.assign(b=pd.cut(pdf.y, bins, labels=False)), **run)
    named = ddf.y.map_partitions(pd.cut, bins, labels=list("abcd"))
    assert_eq(named, pd.cut(pdf.y, bins, labels=list("abcd")), **run)


def test_neighbour_columns_beside_their_frame(pdf, ddf, any_scheduler):
    """``df.assign(z=df.y.shift(1))``, ``df.y - df.y.rolling(3).mean()``: columns reading the
    partitions before (prefix scans) keep each partition's rows, so they pair with the frame's."""
    run = {"scheduler": any_scheduler}
    assert_eq(ddf.assign(z=ddf.y.shift(1), c=ddf.x.cumsum()), pdf.assign(z=pdf.y.shift(1), c=pdf.x.cumsum()), **run)
    assert_eq(ddf.y - ddf.y.rolling(3).mean(), pdf.y - pdf.y.rolling(3).mean(), **run)
    copy = frames.from_pandas(pdf, ddf.npartitions)
    copy["d"] = copy.x.diff()
    assert_eq(copy[copy.d > 0], pdf.assign(d=pdf.x.diff())[pdf.x.diff() > 0], check_index=False, **run)


def test_tutorial_odds_and_ends(pdf, ddf, any_scheduler):
    """A column's grouped apply keeps the column's name; ``str.split(n=, expand=True)`` (Dask's
    form: n + 1 columns); ``Series.memory_usage``."""
    run = {"scheduler": any_scheduler}
    spread = lambda s: s.max() - s.min()  # noqa: E731
    got = ddf.groupby("k").y.apply(spread)
    assert got.name == "y"
    assert_eq(got, pdf.groupby("k").y.apply(spread), **run)
    text = pd.Series(["a b c", "d e", None, "f", "g h i j"] * 4, dtype="str")
    parts = frames.from_pandas(text.to_frame("s"), ddf.npartitions).s
    for how, n in (("split", 1), ("split", 2), ("rsplit", 1)):
        expected = getattr(text.str, how)(" ", n=n, expand=True)
        expected.columns = [str(c) for c in expected.columns]  # frames names columns by text
        assert_eq(getattr(parts.str, how)(" ", n=n, expand=True), expected, **run)
    with pytest.raises(frames.errors.InvalidArgumentError, match="needs n="):
        parts.str.split(" ", expand=True)
    assert ddf.x.memory_usage().compute(**run) == ddf.memory_usage().compute(**run)["x"] > 0


def test_dt_round_halves_to_even(npartitions, any_scheduler):
    """``dt.round`` takes a value halfway to the even multiple, as pandas (Arrow's
    ``round_temporal`` takes halves up: 00:30 to the hour was 01:00 where pandas gives 00:00)."""
    stamps = pd.Series(pd.date_range("2023-12-31 22:00", periods=200, freq="15min").as_unit("us"))
    extra = pd.Series(pd.to_datetime([None, "1969-12-31 23:30", "1969-12-31 22:30", "2024-01-01 00:00:00.5"], format="ISO8601")).astype("datetime64[us]")
    pdf = pd.DataFrame({"t": pd.concat([stamps, extra], ignore_index=True)})
    for frame in (pdf, pdf.assign(t=pdf.t.dt.tz_localize("Europe/Paris"))):
        got = frames.from_pandas(frame, npartitions)
        for freq in ("h", "30min", "D", "2h", "s"):
            assert_eq(got.t.dt.round(freq), frame.t.dt.round(freq), scheduler=any_scheduler)


def test_dask_partitioned_odds_and_ends(pdf, ddf, any_scheduler):
    """Dask's ``random_split`` (every row in one split, the same seed the same split),
    ``shuffle(on)`` (equal keys in one partition), ``nunique_approx``, ``drop_duplicates(split_out=)``."""
    run = {"scheduler": any_scheduler}
    first, second = ddf.random_split([0.6, 0.4], random_state=3)
    a, b = first.compute(**run), second.compute(**run)
    assert len(a) + len(b) == len(pdf) and sorted(a.l.tolist() + b.l.tolist()) == sorted(pdf.l.tolist())
    assert first.compute(**run).equals(a) and ddf.random_split([0.6, 0.4], random_state=3)[0].compute(**run).equals(a)
    shuffled = ddf.shuffle("k", npartitions=2)
    assert shuffled.npartitions == 2
    assert_eq(shuffled, pdf, check_order=False, check_index=False, **run)
    keys_per_part = [set(part.k.dropna()) for part in (shuffled.partitions[i].compute(**run) for i in range(2))]
    assert not (keys_per_part[0] & keys_per_part[1])
    assert ddf.k.nunique_approx().compute(**run) == pdf.k.nunique()
    assert_eq(ddf.drop_duplicates(subset=["k"], split_out=2), pdf.drop_duplicates(subset=["k"]), check_index=False, **run)
    with pytest.raises(frames.errors.InvalidArgumentError, match="summing to 1"):
        ddf.random_split([0.5, 0.2])


def test_numpy_functions_on_series(pdf, ddf, any_scheduler):
    """``np.where(df.y > 0, "pos", "neg")`` is a lazy column of the frame (it raised "the truth
    value of a lazy Series is ambiguous"); ``np.sum/mean/max/std(s)`` call the Series' reductions
    with NumPy's arguments (``axis=None, out=None``, which they refused); ``skipna=True`` is taken."""
    run = {"scheduler": any_scheduler}
    assert_eq(ddf.assign(s=np.where(ddf.y > 0, "pos", "neg")), pdf.assign(s=np.where(pdf.y > 0, "pos", "neg")), **run)
    assert_eq(ddf.assign(s=np.where(ddf.y > 0, ddf.x, 0)), pdf.assign(s=np.where(pdf.y > 0, pdf.x, 0)), **run)
    assert_eq(ddf.assign(s=np.where(ddf.y > 0, -1, ddf.x)), pdf.assign(s=np.where(pdf.y > 0, -1, pdf.x)), **run)
    assert np.sum(ddf.x).compute(**run) == np.sum(pdf.x)
    assert np.isclose(np.mean(ddf.y).compute(**run), np.mean(pdf.y))
    assert np.isclose(np.std(ddf.y).compute(**run), np.std(pdf.y))  # NumPy's ddof=0
    assert np.max(ddf.x).compute(**run) == pdf.x.max()
    assert ddf.y.sum(skipna=True).compute(**run) == pytest.approx(pdf.y.sum())
    with pytest.raises(frames.errors.InvalidArgumentError, match="skipna=False"):
        ddf.y.sum(skipna=False)
