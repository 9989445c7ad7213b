"""The second round of gaps against pandas, across 1, 2 and 7 partitions and every scheduler:
grouped ``sem`` (a decomposable aggregate), ``groupby().rolling()``, ``resample`` by multi-day,
multiple and calendar frequencies with ``closed`` / ``label``, and ``object`` in ``meta=``."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
def test_groupby_sem(ddf, pdf, scheduler):
    """``sem`` per group, as ``agg`` names and methods, beside other aggregates (sharing ``std``'s
    partials), with ``ddof``; a group of one value or none is missing, as pandas."""
    run = {"scheduler": scheduler}
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
