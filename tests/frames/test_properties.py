"""Properties over random inputs: results never depend on how rows are partitioned."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import frames
from frames.testing import assert_eq

rows = st.lists(st.tuples(st.integers(0, 5), st.integers(-1000, 1000), st.one_of(st.none(), st.floats(-1e6, 1e6))), min_size=0, max_size=60)


def frame(data) -> pd.DataFrame:
    return pd.DataFrame(data, columns=["k", "v", "f"]).astype({"k": "int64", "v": "int64", "f": "float64"})


@settings(max_examples=40, deadline=None)
@given(rows, st.integers(1, 7))
def test_groupby_and_sort_agree_with_pandas(data, npartitions):
    pdf = frame(data)
    ddf = frames.from_pandas(pdf, npartitions=npartitions)
    assert_eq(ddf.groupby("k").v.sum(), pdf.groupby("k").v.sum(), scheduler="sync")
    assert_eq(ddf.groupby("k").f.count(), pdf.groupby("k").f.count(), scheduler="sync")
    assert_eq(ddf.sort_values(["v", "k"]), pdf.sort_values(["v", "k"], kind="stable"), check_index=False, scheduler="sync")


@settings(max_examples=30, deadline=None)
@given(rows, rows, st.integers(1, 4), st.sampled_from(["inner", "left", "outer"]))
def test_shuffle_and_broadcast_joins_agree(left, right, npartitions, how):
    lp, rp = frame(left), frame(right).rename(columns={"v": "w", "f": "g"})
    lf, rf = frames.from_pandas(lp, npartitions), frames.from_pandas(rp, npartitions)
    expected = lp.merge(rp, on="k", how=how)
    for strategy in ("shuffle", None):
        assert_eq(lf.merge(rf, on="k", how=how, strategy=strategy), expected, check_order=False, check_index=False, check_dtype=False, scheduler="sync")
