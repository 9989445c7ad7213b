"""random() and gen_random_uuid(): a fresh value per row on every scheduler and partitioning (a
value per query, folded as a constant, would pass a test of one row: these read many)."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

import frames
import sqlengine


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_random_and_uuid_differ_per_row(scheduler, npartitions):
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pd.DataFrame({"a": range(2000)}), npartitions=npartitions))
    out = ctx.sql("SELECT a, random() AS r, random() AS r2, gen_random_uuid() AS u FROM t").compute(scheduler=scheduler)
    assert len(out) == 2000
    assert out.r.between(0, 1, inclusive="left").all()
    assert out.r.nunique() == 2000 and out.u.nunique() == 2000
    assert (out.r != out.r2).all()  # two calls, two draws
    assert all(uuid.UUID(u).version == 4 for u in out.u)
    kept = ctx.sql("SELECT count(*) AS n FROM t WHERE random() < 0.5").compute(scheduler=scheduler).n[0]
    assert 800 < kept < 1200  # about half: 0.5 +- 9 standard deviations
