"""Issue 12's remaining gaps, each against pandas across 1, 2 and 7 partitions: NaN made by
arithmetic is missing (as pandas), integer products stay int64, groupby ``describe`` /
``idxmax`` / ``idxmin``, and the ``.str`` / ``resample`` / ``rolling`` members added last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
from frames.errors import InvalidArgumentError
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(12)
    n = 36
    return pd.DataFrame({
        "k": rng.integers(0, 4, n),
        "s": pd.Series(rng.choice(["a b c", "d e", "f", "gh ij", None], n), dtype="str"),
        "x": np.where(rng.random(n) < 0.25, np.nan, rng.normal(0, 1, n).round(3)),
        "y": rng.integers(-3, 4, n),
        "z": np.where(rng.random(n) < 0.3, 0.0, rng.normal(0, 1, n).round(2)),
        "b": rng.random(n) < 0.5,
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


def test_nan_made_by_arithmetic_is_missing(ddf, pdf, scheduler):
    """``0 / 0`` is NaN in both, but pandas counts NaN as missing: sums skip it, an all-NaN group
    sums to 0, ``count`` leaves it out and ``fillna`` fills it (Arrow's kernels took it as a number)."""
    ratio, expected = ddf.z / ddf.z, pdf.z / pdf.z
    assert_eq(ratio, expected, scheduler=scheduler)
    assert_eq(ratio.sum(), expected.sum(), scheduler=scheduler)
    assert_eq(ratio.count(), expected.count(), scheduler=scheduler)
    assert_eq(ratio.mean(), expected.mean(), scheduler=scheduler)
    assert_eq(ratio.fillna(-1.0), expected.fillna(-1.0), scheduler=scheduler)
    nan = ddf.assign(q=ddf.x * 0 / 0, r=ddf.z.sub(ddf.z, fill_value=0) / 0)
    pnan = pdf.assign(q=pdf.x * 0 / 0, r=pdf.z.sub(pdf.z, fill_value=0) / 0)
    assert_eq(nan.groupby("k")[["q", "r"]].sum(), pnan.groupby("k")[["q", "r"]].sum(), scheduler=scheduler)
    assert_eq(nan.groupby("k").q.count(), pnan.groupby("k").q.count(), scheduler=scheduler)
    assert_eq(nan[["q", "r"]].sum(), pnan[["q", "r"]].sum(), scheduler=scheduler)
    assert_eq(nan.dropna(subset=["r"]), pnan.dropna(subset=["r"]), check_index=False, scheduler=scheduler)
    assert np.isnan((ddf.x.sum() * 0 / 0 + 1).compute())  # a Scalar's 0/0 is missing too (NaN at compute)
    assert_eq((ddf[["x", "z"]] / 0).sum(), (pdf[["x", "z"]] / 0).sum())  # inf stays inf; only 0/0 is missing


def test_integer_products_are_int64(ddf, pdf):
    assert_eq(ddf.y.prod(), pdf.y.prod())
    assert isinstance(ddf.y.prod().compute(), (int, np.integer))
    assert_eq(ddf[ddf.k > 100].y.prod(), pdf[pdf.k > 100].y.prod())  # 1 over no rows, int
    assert isinstance(ddf[ddf.k > 100].y.prod().compute(), (int, np.integer))
    assert_eq(ddf[["y", "b", "z"]].prod(), pdf[["y", "b", "z"]].prod())
    assert_eq(ddf.groupby("k")[["y", "b", "x"]].prod(), pdf.groupby("k")[["y", "b", "x"]].prod())
    assert_eq(ddf.groupby("k").agg({"y": "prod", "x": "sum"}), pdf.groupby("k").agg({"y": "prod", "x": "sum"}))


def test_groupby_describe(ddf, pdf):
    assert_eq(ddf.groupby("k").x.describe(), pdf.groupby("k").x.describe(), check_exact=False)
    assert_eq(ddf.groupby("k")[["x", "y"]].describe(), pdf.groupby("k")[["x", "y"]].describe(), check_exact=False)
    assert_eq(ddf.groupby("k").describe(), pdf.groupby("k").describe(), check_exact=False)  # numeric columns only
    assert_eq(ddf.groupby("k").y.describe(percentiles=[0.1, 0.9]), pdf.groupby("k").y.describe(percentiles=[0.1, 0.9]),
              check_exact=False)
    with pytest.raises(InvalidArgumentError, match="percentiles"):
        ddf.groupby("k").y.describe(percentiles=[2])


def test_groupby_idxmax_idxmin(ddf, pdf, npartitions):
    assert_eq(ddf.groupby("k").y.idxmax(), pdf.groupby("k").y.idxmax())
    assert_eq(ddf.groupby("k").z.idxmin(), pdf.groupby("k").z.idxmin())
    assert_eq(ddf.groupby("k")[["y", "z", "s"]].idxmax(), pdf.groupby("k")[["y", "z", "s"]].idxmax())
    assert_eq(ddf.groupby("k", as_index=False).y.idxmin(), pdf.groupby("k", as_index=False).y.idxmin())
    labelled = pdf.set_index(pd.Index(np.arange(len(pdf)) * 10 + 5, name="i"))
    theirs = frames.from_pandas(labelled, npartitions=npartitions)
    assert_eq(theirs.groupby("k").y.idxmax(), labelled.groupby("k").y.idxmax())
    with pytest.raises(InvalidArgumentError, match="skipna"):
        ddf.groupby("k").y.idxmax(skipna=False)


def test_series_describe(ddf, pdf):
    assert_eq(ddf.x.describe(), pdf.x.describe())
    assert_eq(ddf.y.describe(percentiles=[0.1, 0.9]), pdf.y.describe(percentiles=[0.1, 0.9]))
    assert ddf.y.describe(percentiles_method="dask").compute().index.tolist() == pdf.y.describe().index.tolist()


def _lists(values) -> list:
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else [tuple(m.values()) if isinstance(m, dict) else m
                                                                               for m in v] for v in values]


def test_str_rsplit_findall_and_whitespace_split(npartitions):
    text = pd.DataFrame({"s": pd.Series(["a b c", "d-e-f", None, " gh  ij k ", "", "x-y"] * 3, dtype="str")})
    ddf = frames.from_pandas(text, npartitions=npartitions)
    for f in [lambda s: s.str.split(), lambda s: s.str.split(n=1), lambda s: s.str.rsplit(), lambda s: s.str.rsplit(n=1),
              lambda s: s.str.rsplit("-", n=1), lambda s: s.str.rsplit("-"), lambda s: s.str.findall("[a-f]"),
              lambda s: s.str.findall(r"(\w)-(\w)")]:
        assert _lists(f(ddf.s).compute()) == _lists(f(text.s))  # Python's whitespace rule: no empty parts at the ends
    assert_eq(ddf.s.str.rsplit("-", n=1).str.get(0), text.s.str.rsplit("-", n=1).str.get(0), check_dtype=False)
    assert_eq(ddf.s.str.findall("[a-f]").str.len(), text.s.str.findall("[a-f]").str.len())
    assert_eq(ddf.s.str.findall("[a-c]").explode().dropna(), text.s.str.findall("[a-c]").explode().dropna(),
              check_index=False, check_dtype=False)  # pandas: objects


@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_resample_calendar_frequencies(npartitions, tz):
    """One month / quarter / year / week per bin, labelled as pandas labels it: the first day for
    "MS"/"QS"/"YS", the last for "ME"/"QE"/"YE"/"W" (closed right, the whole last day in)."""
    rng = np.random.default_rng(5)
    t = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 400 * 86400, 120)), unit="s")
    edges = pd.DatetimeIndex(["2024-03-31 23:59:59", "2024-03-31", "2024-04-01", "2024-01-07 23:00", "2024-01-08"])
    t = t.append(edges).sort_values().astype("datetime64[us]")
    t = t.tz_localize("UTC").tz_convert(tz) if tz else t
    pdf = pd.DataFrame({"t": t, "y": rng.integers(0, 9, len(t)), "x": rng.normal(size=len(t)).round(3)})
    ddf, p = frames.from_pandas(pdf, npartitions).set_index("t", sorted=True), pdf.set_index("t")
    for rule in ["MS", "ME", "W", "W-MON", "QS", "QE", "YS", "YE", "QS-FEB"]:
        assert_eq(ddf.resample(rule).y.sum(), p.resample(rule).y.sum(), check_freq=False)
        assert_eq(ddf.resample(rule).mean(), p.resample(rule).mean(), check_freq=False)
        assert_eq(ddf.x.resample(rule).count(), p.x.resample(rule).count(), check_freq=False)
    assert_eq(ddf.resample("ME", closed="right", label="right").y.max(), p.resample("ME").y.max(), check_freq=False)
    assert_eq(ddf.resample("ME", closed="left").y.max(), p.resample("ME", closed="left").y.max(), check_freq=False)
    assert_eq(ddf.resample("2MS").y.sum(), p.resample("2MS").y.sum(), check_freq=False)  # anchored at the first bin
    with pytest.raises(InvalidArgumentError, match="closed= must be 'left' or 'right'"):
        ddf.resample("ME", closed="middle")
    with pytest.raises(InvalidArgumentError, match="'SME-15'"):
        ddf.resample("SME")


def test_rolling_time_windows(npartitions, scheduler):
    """``rolling("1D")`` on a sorted datetime index: each row's window is the span up to it, the
    rows of earlier partitions carried in however many partitions back they lie."""
    rng = np.random.default_rng(2)
    t = pd.to_datetime("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 20 * 86400, 60)), unit="s")
    pdf = pd.DataFrame({"t": t.astype("datetime64[us]"), "y": rng.integers(0, 9, 60),
                        "x": np.where(rng.random(60) < 0.2, np.nan, rng.normal(size=60).round(3))})
    p, ddf = pdf.set_index("t"), frames.from_pandas(pdf, npartitions).set_index("t", sorted=True)
    for window in ["1D", "6h", "5D", pd.Timedelta("2h")]:
        assert_eq(ddf.y.rolling(window).sum(), p.y.rolling(window).sum(), scheduler=scheduler)
        assert_eq(ddf.rolling(window).mean(), p.rolling(window).mean(), scheduler=scheduler)
        assert_eq(ddf.x.rolling(window, min_periods=2).std(), p.x.rolling(window, min_periods=2).std(), scheduler=scheduler)
    assert_eq(ddf.x.rolling("1D").count(), p.x.rolling("1D").count())
    spread = lambda v: v.max() - v.min()  # noqa: E731
    assert_eq(ddf.x.rolling("2D").apply(spread, raw=True), p.x.rolling("2D").apply(spread, raw=True))
    with pytest.raises(InvalidArgumentError, match="datetime index"):
        frames.from_pandas(pdf, npartitions).y.rolling("1D")
    with pytest.raises(InvalidArgumentError, match="fixed span"):
        ddf.rolling("MS")
    with pytest.raises(InvalidArgumentError, match="center"):
        ddf.rolling("1D", center=True)


def test_dataframe_reduction_like_dask(pdf, npartitions):
    dd = pytest.importorskip("dask.dataframe")
    ours, theirs = frames.from_pandas(pdf, npartitions), dd.from_pandas(pdf, npartitions=npartitions, sort=False)
    numeric = ["x", "y", "z"]
    assert_eq(ours[numeric].reduction(lambda x: x.count(), lambda x: x.sum()),
              theirs[numeric].reduction(lambda x: x.count(), lambda x: x.sum()).compute())
    assert ours.reduction(len, sum).compute() == theirs.reduction(len, lambda s: s.sum()).compute() == len(pdf)
    assert_eq(ours[numeric].reduction(lambda x, k: x.max() * k, lambda x: x.max(), chunk_kwargs={"k": 2}),
              theirs[numeric].reduction(lambda x, k: x.max() * k, lambda x: x.max(), chunk_kwargs={"k": 2}).compute())
    assert_eq(ours[numeric].reduction(lambda x: x.sum(), lambda x, scale: x.sum() * scale, aggregate_kwargs={"scale": 3}),
              pdf[numeric].sum() * 3)


def test_iloc_selects_columns(ddf, pdf):
    for cols in [0, -1, slice(1, 3), [0, 2], [True, False, True, False, True, False], np.array([3, 0])]:
        assert_eq(ddf.iloc[:, cols], pdf.iloc[:, cols])
    with pytest.raises(InvalidArgumentError, match="columns only"):
        ddf.iloc[0]
    with pytest.raises(InvalidArgumentError, match="columns only"):
        ddf.iloc[1:3, 0]
    with pytest.raises(InvalidArgumentError, match="out of range"):
        ddf.iloc[:, 9]
    with pytest.raises(InvalidArgumentError, match="Series.iloc"):
        ddf.x.iloc


def test_map_overlap(pdf, npartitions, scheduler):
    """Against pandas on the whole frame and against Dask's map_overlap (whose neighbours must hold
    the rows: frames carries them from as many partitions back as needed)."""
    dd = pytest.importorskip("dask.dataframe")
    ddf = frames.from_pandas(pdf[["x", "y", "z"]], npartitions)
    numeric = pdf[["x", "y", "z"]]
    pairs = lambda df: df.rolling(2).sum()  # noqa: E731
    assert_eq(ddf.map_overlap(pairs, 1, 0), pairs(numeric), scheduler=scheduler)
    theirs = dd.from_pandas(numeric, npartitions=npartitions, sort=False)
    assert_eq(ddf.map_overlap(pairs, 1, 0), theirs.map_overlap(pairs, 1, 0).compute(), scheduler=scheduler)
    centred = lambda df: df.rolling(9, center=True, min_periods=1).mean()  # noqa: E731 - 4 rows each side: more than a partition at 7
    assert_eq(ddf.map_overlap(centred, 4, 4), centred(numeric), scheduler=scheduler)
    assert_eq(ddf.y.map_overlap(lambda s: s.diff(3), 3, 0), numeric.y.diff(3), scheduler=scheduler)
    assert_eq(ddf.y.map_overlap(lambda s: s.shift(-2), 0, 2, meta=("y", "f8")), numeric.y.shift(-2), scheduler=scheduler)
    assert_eq(ddf.map_overlap(lambda df, k: df.x.diff() * k, 1, 0, k=2), numeric.x.diff() * 2)
    labelled = numeric.set_index(pd.Index(np.arange(len(numeric)) * 2, name="i"))
    ours = frames.from_pandas(labelled, npartitions)
    assert_eq(ours.map_overlap(pairs, 1, 0), pairs(labelled))
    assert_eq(ours.x.map_overlap(lambda s: s.diff(), 1, 0, meta=("x", "f8")), labelled.x.diff())
    with pytest.raises(InvalidArgumentError, match="whole number"):
        ddf.map_overlap(pairs, "1D", 0)


def test_str_extractall(npartitions, scheduler):
    """A row per match, indexed by the value's label and ``match``; unnamed groups' columns are
    named "0", "1", ... (frames names columns by text, as its ``str.extract``)."""
    text = pd.DataFrame({"s": pd.Series(["a1b2", "c3", None, "xx", "d4e5f6", ""] * 2, dtype="str"), "k": np.arange(12) * 3})
    ddf = frames.from_pandas(text, npartitions)
    as_text = lambda f: f.rename(columns=str)  # noqa: E731
    assert_eq(ddf.s.str.extractall(r"([a-z])(\d)"), as_text(text.s.str.extractall(r"([a-z])(\d)")), scheduler=scheduler)
    named = r"(?P<letter>[a-z])(?P<digit>\d)"
    assert_eq(ddf.s.str.extractall(named), text.s.str.extractall(named), scheduler=scheduler)
    labelled = text.set_index("k")
    ours = frames.from_pandas(labelled, npartitions)
    assert_eq(ours.s.str.extractall(r"(\d)"), as_text(labelled.s.str.extractall(r"(\d)")), scheduler=scheduler)
    assert_eq(ours.s.str.extractall(r"(\d)")["0"].astype("int64").sum(), labelled.s.str.extractall(r"(\d)")[0].astype("int64").sum())
    with pytest.raises(InvalidArgumentError, match="no capture group"):
        ddf.s.str.extractall(r"\d")


def test_comparisons_of_arithmetic_stay_plain(tmp_path):
    """A NaN compares as a missing value does, so comparisons leave out ``nan_to_null`` and a
    filter on arithmetic reaches the Parquet scan as a plain comparison; answers as pandas."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from frames.dataframe.expr import optimize

    pdf = pd.DataFrame({"x": np.arange(10.0), "y": np.arange(10.0) % 3})
    pq.write_table(pa.Table.from_pandas(pdf, preserve_index=False), tmp_path / "t.parquet")
    ddf = frames.read_parquet(str(tmp_path / "t.parquet"))
    assert "nan_to_null" not in optimize.optimize(ddf[ddf.x * 2 > 5]._result_node()).describe()
    for op in ["__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"]:
        assert_eq(getattr(ddf.x / ddf.y, op)(1), getattr(pdf.x / pdf.y, op)(1))
        assert_eq(ddf[getattr(ddf.x / ddf.y, op)(1)], pdf[getattr(pdf.x / pdf.y, op)(1)], check_index=False)


def test_nan_read_from_parquet_is_missing(tmp_path, npartitions, scheduler):
    """A Parquet file written by Arrow, DuckDB or Spark holds float NaN as a value (pandas'
    ``to_parquet`` writes nulls); pandas reads either as missing, so ``count``, ``mean``, group
    sums and ``fillna`` skip it. SQL over the same file keeps NaN a number, as DuckDB does."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(5)
    n = 40
    x = np.where(rng.random(n) < 0.3, np.nan, rng.normal(0, 1, n).round(3))
    table = pa.table({"k": rng.integers(0, 3, n), "x": pa.array(x, from_pandas=False), "y": rng.integers(0, 5, n)})
    assert pa.compute.is_nan(table["x"]).to_numpy().any() and table["x"].null_count == 0
    path = tmp_path / "nan"
    path.mkdir()
    bounds = np.linspace(0, n, npartitions + 1).astype(int)
    for i in range(npartitions):  # one file a partition
        pq.write_table(table.slice(bounds[i], bounds[i + 1] - bounds[i]), path / f"part{i}.parquet")
    pdf, ddf = pd.read_parquet(path), frames.read_parquet(str(path))
    assert ddf.npartitions == npartitions
    for got, want in [(ddf.x.count(), pdf.x.count()), (ddf.x.mean(), pdf.x.mean()), (ddf.x.std(), pdf.x.std()),
                      (ddf.x.nunique(), pdf.x.nunique()), (ddf.x.isna().sum(), pdf.x.isna().sum()),
                      (ddf.count(), pdf.count()), (ddf.x.describe(), pdf.x.describe())]:
        assert_eq(got, want, scheduler=scheduler, check_exact=False)
    assert_eq(ddf.groupby("k").x.agg(["count", "sum", "mean", "min", "max"]),
              pdf.groupby("k").x.agg(["count", "sum", "mean", "min", "max"]), scheduler=scheduler, check_exact=False)
    assert_eq(ddf.x.fillna(-1.0), pdf.x.fillna(-1.0), scheduler=scheduler)
    assert_eq(ddf[ddf.x.isna()], pdf[pdf.x.isna()], check_index=False, scheduler=scheduler)
    assert_eq(ddf.dropna(), pdf.dropna(), check_index=False, scheduler=scheduler)
    from frames.dataframe.io import read_parquet_node

    raw = frames.DataFrame(read_parquet_node(str(path)))  # the node SQL reads: NaN stays a number
    assert raw.x.count().compute(scheduler=scheduler) == n


def test_groupby_agg_named_idxmax_any_all(ddf, pdf, scheduler):
    """The names pandas' ``agg`` takes beyond the plain reductions: ``idxmax`` / ``idxmin`` mixed
    with others (one pass over labelled rows), ``any`` / ``all`` of numbers (true when not zero)."""
    spec = {"x": ["idxmax", "mean"], "y": ["idxmin", "any", "all", "nunique"], "z": "idxmin"}
    assert_eq(ddf.groupby("k").agg(spec), pdf.groupby("k").agg(spec), scheduler=scheduler)
    assert_eq(ddf.groupby("k").z.agg("idxmax"), pdf.groupby("k").z.agg("idxmax"), scheduler=scheduler)
    assert_eq(ddf.groupby("k").agg(top=("y", "idxmax"), n=("y", "size")), pdf.groupby("k").agg(top=("y", "idxmax"), n=("y", "size")),
              scheduler=scheduler)
    assert_eq(ddf.groupby("k")[["y", "z"]].agg(["any", "all"]), pdf.groupby("k")[["y", "z"]].agg(["any", "all"]), scheduler=scheduler)
    assert_eq(ddf.groupby("k").y.idxmax(), pdf.groupby("k").y.idxmax(), scheduler=scheduler)
    with pytest.raises(InvalidArgumentError, match="'skew'"):
        ddf.groupby("k").y.agg("skew")
