"""The second round of gaps against pandas, across 1, 2 and 7 partitions and every scheduler:
grouped ``sem`` (a decomposable aggregate), ``groupby().rolling()``, ``resample`` by multi-day,
multiple and calendar frequencies with ``closed`` / ``label``, and ``object`` in ``meta=``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frames
from frames.errors import DataTypeError, InvalidArgumentError
from frames.testing import assert_eq


@pytest.fixture(scope="module")
def pdf() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    n = 40
    x = np.where(rng.random(n) < 0.2, np.nan, rng.normal(0, 1, n).round(3))
    k = rng.choice(["a", "b", "c", "d"], n).astype(object)
    k[[3, 17]] = None  # missing keys: dropped by default, a group of their own with dropna=False
    k[[5]] = "e"  # a group of one row: its sem and its two-row windows are missing
    x[k == "d"] = np.nan  # a group without values
    return pd.DataFrame({
        "k": pd.Series(k, dtype="str"),
        "x": x,
        "y": rng.integers(-5, 5, n),
        "b": rng.random(n) < 0.5,
        "t": pd.to_datetime("2024-01-01 03:00") + pd.to_timedelta(np.sort(rng.integers(0, 9 * 86400, n)), unit="s"),
    })


@pytest.fixture
def ddf(pdf, npartitions):
    return frames.from_pandas(pdf, npartitions=npartitions)


# -- sem ----------------------------------------------------------------------------------------
def test_groupby_sem(ddf, pdf, any_scheduler):
    """``sem`` per group, as ``agg`` names and methods, beside other aggregates (sharing ``std``'s
    partials), with ``ddof``; a group of one value or none is missing, as pandas."""
    run = {"scheduler": any_scheduler}
    assert_eq(ddf.groupby("k").x.sem(), pdf.groupby("k").x.sem(), **run)
    assert_eq(ddf.groupby("k")[["x", "y", "b"]].sem(), pdf.groupby("k")[["x", "y", "b"]].sem(), **run)
    assert_eq(ddf.groupby("k").agg({"x": "sem"}), pdf.groupby("k").agg({"x": "sem"}), **run)
    assert_eq(ddf.groupby("k").x.agg(["mean", "sem"]), pdf.groupby("k").x.agg(["mean", "sem"]), **run)
    spec = {"x": ["std", "sem", "count"], "y": "sem"}
    assert_eq(ddf.groupby("k").agg(spec), pdf.groupby("k").agg(spec), **run)
    assert_eq(ddf.groupby("k").agg(s=("y", "sem"), m=("x", "mean")), pdf.groupby("k").agg(s=("y", "sem"), m=("x", "mean")), **run)
    assert_eq(ddf.groupby("k").x.sem(ddof=0), pdf.groupby("k").x.sem(ddof=0), **run)
    assert_eq(ddf.groupby("k", dropna=False).y.sem(), pdf.groupby("k", dropna=False).y.sem(), **run)
    assert_eq(ddf.groupby("k", as_index=False).x.sem(), pdf.groupby("k", as_index=False).x.sem(), **run)
    assert_eq(ddf.groupby("k").sem(numeric_only=True), pdf.groupby("k").sem(numeric_only=True), **run)
    few, pfew = ddf[ddf.y < -3], pdf[pdf.y < -3]  # most partitions empty
    assert_eq(few.groupby("k").x.sem(), pfew.groupby("k").x.sem(), **run)


def test_sem_of_frames_and_series(ddf, pdf):
    assert_eq(ddf.x.sem(), pdf.x.sem())
    assert_eq(ddf.y.sem(ddof=0), pdf.y.sem(ddof=0))
    assert_eq(ddf[["x", "y", "b"]].sem(), pdf[["x", "y", "b"]].sem())
    assert_eq(ddf.sem(numeric_only=True), pdf.sem(numeric_only=True))
    assert_eq(ddf[ddf.y > 100].x.sem(), pdf[pdf.y > 100].x.sem())  # no rows: missing


def test_sem_of_text_is_an_error(ddf):
    with pytest.raises(DataTypeError, match="sem of column 'k'"):
        ddf.sem()
    with pytest.raises(DataTypeError, match="sem of column 't'"):
        ddf.groupby("k").t.sem()


# -- object in meta -----------------------------------------------------------------------------
def _pairs(v):
    return None if v != v else [v] * (int(abs(v) * 10) % 3)  # missing, empty and longer lists


_WORDS = {"a": ["x", "y"], "b": [], "c": ["z"], "d": ["x"], "e": ["y", "y", "z"]}


@pytest.mark.parametrize("meta", [("l", object), ("l", "object"), ("l", "O"), ("l", np.dtype("O")), pd.Series([], dtype=object, name="l")])
def test_meta_object_in_map_then_explode(ddf, pdf, any_scheduler, meta):
    """Dask's ``meta=("l", object)``: the column's Arrow type is what the function gives (here on
    the made-up sample), and the result is a column of the frame, so ``assign`` takes it."""
    got = ddf.assign(l=ddf.x.map(_pairs, meta=meta))
    expected = pdf.assign(l=pdf.x.map(_pairs))
    assert got.l.arrow_type == pa.list_(pa.float64())
    assert_eq(got.explode("l"), expected.explode("l").astype({"l": "float64"}), check_index=False, scheduler=any_scheduler)
    assert_eq(got[got.y > 0].explode("l"), expected[expected.y > 0].explode("l").astype({"l": "float64"}), check_index=False,
              scheduler=any_scheduler)
    assert_eq(ddf.x.apply(_pairs, meta=meta).explode(), pdf.x.apply(_pairs).explode().astype("float64"), check_index=False,
              scheduler=any_scheduler)


def test_meta_object_typed_by_the_first_rows(ddf, pdf, scheduler):
    """A function that fails on made-up values (a lookup) is typed by the first rows' values,
    computed when the graph is built: the first partition, or more when those are empty."""
    lookup = lambda s: _WORDS[s]  # noqa: E731 - KeyError on the sample's "foo"
    got = ddf.k.map(lookup, na_action="ignore", meta=("k", object))
    assert pa.types.is_list(got.arrow_type) and pa.types.is_string(got.arrow_type.value_type)
    expected = pdf.k.map(lookup, na_action="ignore")
    assert_eq(got.explode(), expected.explode().astype("str"), check_index=False, scheduler=scheduler)
    few, pfew = ddf[ddf.y > 2], pdf[pdf.y > 2]  # the first partitions empty at 7 partitions
    assert_eq(few.assign(w=few.k.map(lookup, na_action="ignore", meta=("w", object))).explode("w"),
              pfew.assign(w=pfew.k.map(lookup, na_action="ignore")).explode("w").astype({"w": "str"}), check_index=False,
              scheduler=scheduler)
    words = lambda p: p.assign(w=p.k.map(lookup, na_action="ignore"))  # noqa: E731
    parts = ddf[["k", "x"]].map_partitions(words, meta={"k": str, "x": float, "w": object})
    assert_eq(parts.explode("w"), words(pdf[["k", "x"]]).explode("w").astype({"w": "str"}), check_index=False, scheduler=scheduler)
    indexed, pindexed = ddf.set_index("t"), pdf.set_index("t")
    assert_eq(indexed.map_partitions(words, meta=pd.DataFrame({"k": pd.Series([], dtype="str"), "x": pd.Series([], dtype=float),
                                                                "y": pd.Series([], dtype=int), "b": pd.Series([], dtype=bool),
                                                                "w": pd.Series([], dtype=object)})).explode("w"),
              words(pindexed).explode("w").astype({"w": "str"}), scheduler=scheduler)


def test_meta_object_in_groupby_apply_and_from_delayed(ddf, pdf, scheduler):
    got = ddf.groupby("k").apply(lambda g: sorted(g.y.tolist()), meta=("l", object)).compute(scheduler=scheduler)
    expected = pdf.groupby("k").apply(lambda g: sorted(g.y.tolist()))
    assert got.map(list).to_dict() == expected.to_dict()
    pairs = lambda s: s.map(lambda v: [v, v])  # noqa: E731 - meta's "x" must not be typed as the input's x (float)
    keyed, pkeyed = ddf.dropna(subset=["k"]), pdf.dropna(subset=["k"])  # (frames' transform drops rows of missing keys)
    assert_eq(keyed.groupby("k").y.transform(pairs, meta=("y", object)).explode(),
              pkeyed.groupby("k").y.transform(pairs).explode().astype("int64"), check_index=False, scheduler=scheduler)
    parts = [frames.delayed(lambda i: pd.DataFrame({"a": [list(range(i % 3))], "b": [i]}))(i) for i in (1, 0, 2)]
    loaded = frames.from_delayed(parts, meta={"a": object, "b": int})  # typed by the first value, computed now
    assert_eq(loaded.explode("a"), pd.DataFrame({"a": [0, np.nan, 0, 1], "b": [1, 0, 2, 2]}), check_index=False, scheduler=scheduler)
    with pytest.raises(DataTypeError, match="column 'a', which meta declares as object"):  # the first value's lists all empty
        frames.from_delayed(parts[1:], meta={"a": object, "b": int}).compute(scheduler=scheduler)


def test_meta_object_errors(ddf):
    with pytest.raises(DataTypeError, match="unknown dtype 'no-such-type'"):
        ddf.x.map(_pairs, meta=("l", "no-such-type"))
    with pytest.raises(InvalidArgumentError, match="one column"):
        ddf.x.map(_pairs, meta={"a": object, "b": object})
    late = frames.from_pandas(pd.DataFrame({"v": np.arange(1200.0)}), npartitions=3)  # no value in the first 1000 rows
    mapped = late.v.map(lambda v: None if v < 1100 else [v], meta=("l", object))
    with pytest.raises(DataTypeError, match="column 'l', which meta declares as object"):
        mapped.compute(scheduler="sync")


# -- resample: multi-day, multiples, closed / label ---------------------------------------------
def _timed(tz: str | None) -> pd.DataFrame:
    """Rows over three months with a ten-day gap (empty bins), some exactly at midnight or on a bin
    edge, NaN values and two missing timestamps; in Europe/Paris the range crosses March's DST."""
    rng = np.random.default_rng(8)
    seconds = np.concatenate([rng.integers(0, 30 * 86400, 40), rng.integers(40 * 86400, 90 * 86400, 40)])
    t = pd.to_datetime("2024-02-27 05:17") + pd.to_timedelta(np.sort(seconds), unit="s")
    t = t.append(pd.DatetimeIndex(["2024-03-01", "2024-03-31", "2024-04-01", "2024-03-10 23:59:59"])).astype("datetime64[us]")
    t = t.tz_localize(tz, ambiguous=True, nonexistent="shift_forward") if tz else t
    frame = pd.DataFrame({"t": t, "y": rng.integers(1, 4, len(t)), "x": np.where(rng.random(len(t)) < 0.2, np.nan, rng.normal(size=len(t)).round(3))})
    frame.loc[[3, 50], "t"] = pd.NaT  # no bin, as pandas
    return frame


_RULES = ["2D", "3D", "7D", "D", "7h", "MS", "2MS", "ME", "2ME", "W", "2W-MON", "QS", "YE"]


@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_resample_bins_as_pandas(npartitions, tz):
    """Every rule with every ``closed`` / ``label``: bin labels, empty bins (also the leading and
    trailing ones pandas lists for some choices) and the values."""
    pdf = _timed(tz)
    ddf, p = frames.from_pandas(pdf, npartitions).set_index("t"), pdf.set_index("t")
    for rule in _RULES:
        for closed, label in [(None, None), ("left", "left"), ("left", "right"), ("right", "left"), ("right", "right")]:
            got, want = ddf.resample(rule, closed=closed, label=label), p.resample(rule, closed=closed, label=label)
            assert_eq(got.y.sum(), want.y.sum(), check_freq=False)
            assert_eq(got.mean(), want.mean(), check_freq=False)


def test_resample_reductions_across_schedulers(npartitions, any_scheduler):
    pdf = _timed("Europe/Paris")
    ddf, p = frames.from_pandas(pdf, npartitions).set_index("t"), pdf.set_index("t")
    run = {"check_freq": False, "scheduler": any_scheduler}
    assert_eq(ddf.x.resample("2D").sum(), p.x.resample("2D").sum(), **run)  # the gap's bins: 0
    assert_eq(ddf.resample("3D", closed="right").count(), p.resample("3D", closed="right").count(), **run)
    assert_eq(ddf.resample("7D", label="right").size(), p.resample("7D", label="right").size(), **run)
    assert_eq(ddf.y.resample("2W").prod(), p.y.resample("2W").prod(), **run)  # empty bins: 1
    assert_eq(ddf.x.resample("2MS").sem(), p.x.resample("2MS").sem(), **run)
    assert_eq(ddf.resample("5D").agg("max"), p.resample("5D").agg("max"), **run)
    assert_eq(ddf["x"].resample("2D").median(), p["x"].resample("2D").median(), **run)
    naive = _timed(None)
    nddf, np_ = frames.from_pandas(naive, npartitions).set_index("t"), naive.set_index("t")
    few, pfew = nddf[nddf.y > 2], np_[np_.y > 2]  # partitions without rows
    assert_eq(few.x.resample("2D").mean(), pfew.x.resample("2D").mean(), **run)
    assert_eq(nddf[nddf.y > 9].x.resample("2D").sum(), np_[np_.y > 9].x.resample("2D").sum(), **run)  # no rows at all


def test_resample_refusals_name_the_frequency(ddf):
    indexed = ddf.set_index("t")
    with pytest.raises(InvalidArgumentError, match=r"'B' \(BusinessDay\) is not one of them"):
        indexed.resample("B")
    with pytest.raises(InvalidArgumentError, match=r"'SME-15' \(SemiMonthEnd\)"):
        indexed.resample("SME")
    with pytest.raises(InvalidArgumentError, match="not a frequency pandas knows"):
        indexed.resample("2 fortnights")
    with pytest.raises(InvalidArgumentError, match="label= must be 'left' or 'right'"):
        indexed.resample("2D", label="centre")
    with pytest.raises(InvalidArgumentError, match="datetime index"):
        ddf.resample("2D")


# -- groupby().rolling() ------------------------------------------------------------------------
def test_groupby_rolling_row_windows(ddf, pdf, any_scheduler):
    """pandas' result: indexed by (key, the row's label), groups in key order, each group's rows in
    input order; groups span partitions (a shuffle gathers them) and some hold one row or only NaN."""
    run = {"scheduler": any_scheduler}
    assert_eq(ddf.groupby("k").x.rolling(2).sum(), pdf.groupby("k").x.rolling(2).sum(), **run)
    for how in ("sum", "mean", "min", "max", "count", "std", "var", "median"):
        assert_eq(getattr(ddf.groupby("k").x.rolling(3, min_periods=1), how)(), getattr(pdf.groupby("k").x.rolling(3, min_periods=1), how)(),
                  check_exact=False, **run)
    assert_eq(ddf.groupby("k")[["x", "y"]].rolling(3).mean(), pdf.groupby("k")[["x", "y"]].rolling(3).mean(), **run)
    assert_eq(ddf.groupby("k").y.rolling(4, center=True, min_periods=2).max(), pdf.groupby("k").y.rolling(4, center=True, min_periods=2).max(),
              **run)
    assert_eq(ddf.groupby("k", sort=False, dropna=False).x.rolling(2, min_periods=1).sum(),
              pdf.groupby("k", sort=False, dropna=False).x.rolling(2, min_periods=1).sum(), **run)
    assert_eq(ddf.groupby(["b", "k"]).y.rolling(2).agg("sum"), pdf.groupby(["b", "k"]).y.rolling(2).agg("sum"), **run)
    assert_eq(ddf.groupby("y").x.rolling(2, min_periods=1).sum(), pdf.groupby("y").x.rolling(2, min_periods=1).sum(), **run)  # integer keys
    assert_eq(ddf.groupby("k", as_index=False).x.rolling(2).sum(), pdf.groupby("k", as_index=False).x.rolling(2).sum(), **run)
    spread = lambda a: a.max() - a.min()  # noqa: E731
    assert_eq(ddf.groupby("k").x.rolling(3).apply(spread, raw=True), pdf.groupby("k").x.rolling(3).apply(spread, raw=True), **run)
    assert_eq(ddf.groupby("k").y.rolling(3).std(ddof=0), pdf.groupby("k").y.rolling(3).std(ddof=0), **run)
    few, pfew = ddf[ddf.y > 2], pdf[pdf.y > 2].reset_index(drop=True)  # frames numbers a filtered frame's rows afresh
    assert_eq(few.groupby("k").x.rolling(2, min_periods=1).mean(), pfew.groupby("k").x.rolling(2, min_periods=1).mean(), **run)


def test_groupby_rolling_time_windows(ddf, pdf, scheduler):
    """A time span over the datetime index: each group's rows within the span up to each row."""
    run = {"scheduler": scheduler}
    indexed, p = ddf.set_index("t"), pdf.set_index("t")
    assert_eq(indexed.groupby("k").x.rolling("2h").sum(), p.groupby("k").x.rolling("2h").sum(), **run)
    assert_eq(indexed.groupby("k").x.rolling("1D", min_periods=2).mean(), p.groupby("k").x.rolling("1D", min_periods=2).mean(), **run)
    assert_eq(indexed.groupby("k")[["x", "y"]].rolling("36h").max(), p.groupby("k")[["x", "y"]].rolling("36h").max(), **run)
    assert_eq(indexed.groupby("k").y.rolling(pd.Timedelta("3D")).count(), p.groupby("k").y.rolling(pd.Timedelta("3D")).count(), **run)
    assert_eq(indexed.groupby("k", dropna=False).x.rolling("12h").std(), p.groupby("k", dropna=False).x.rolling("12h").std(),
              check_exact=False, **run)


def test_groupby_rolling_errors(ddf):
    with pytest.raises(InvalidArgumentError, match="window must be a positive"):
        ddf.groupby("k").x.rolling(0)
    with pytest.raises(InvalidArgumentError, match="min_periods=3 must be between 0 and the window"):
        ddf.groupby("k").x.rolling(2, min_periods=3)
    with pytest.raises(InvalidArgumentError, match="datetime index"):
        ddf.groupby("k").x.rolling("2h")  # no datetime index
    with pytest.raises(InvalidArgumentError, match="fixed span"):
        ddf.set_index("t").groupby("k").x.rolling("MS")
    with pytest.raises(DataTypeError, match="numeric columns; 't'"):
        ddf.groupby("k").rolling(2)  # t is a datetime column (pandas raises DataError)
    with pytest.raises(InvalidArgumentError, match="agg takes one of"):
        ddf.groupby("k").x.rolling(2).agg("skew")
    with pytest.raises(InvalidArgumentError, match="reset_index"):
        ddf.set_index("t").groupby("t").x.rolling(2)
