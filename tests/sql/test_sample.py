"""``USING SAMPLE`` / ``TABLESAMPLE`` (DuckDB's sampling clauses): how many rows, which rows may come
out, where the sample sits among FROM / WHERE / joins, and a seed repeating the same rows on every
scheduler. Counts are compared with DuckDB wherever its answer does not depend on chance."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import frames
import sqlengine
from sqlengine.errors import SqlEngineError

N = 3000


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.DataFrame({"a": np.arange(N), "k": np.arange(N) % 7})


@pytest.fixture
def ctx(table, npartitions):
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(table, npartitions=npartitions))
    ctx.register("u", pd.DataFrame({"k": range(7), "name": list("abcdefg")}))
    return ctx


def _one(ctx, sql, scheduler="sync"):
    return ctx.sql(sql).compute(scheduler=scheduler).iloc[0, 0]


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM t USING SAMPLE 0 ROWS",
    "SELECT count(*) FROM t USING SAMPLE 10",
    "SELECT count(*) FROM t USING SAMPLE 25 ROWS",
    "SELECT count(*) FROM t USING SAMPLE 5000 ROWS",
    "SELECT count(*) FROM t USING SAMPLE 0%",
    "SELECT count(*) FROM t USING SAMPLE 100 PERCENT (bernoulli)",
    "SELECT count(*) FROM t TABLESAMPLE RESERVOIR(12 ROWS) REPEATABLE (4)",
    "SELECT count(*) FROM t TABLESAMPLE 10 ROWS JOIN u USING (k)",
    "SELECT count(*) FROM t JOIN u USING (k) USING SAMPLE 10 ROWS",
    "SELECT count(*) FROM (SELECT * FROM t WHERE a > 2990) s USING SAMPLE 3",
    "SELECT count(*) FROM (SELECT * FROM t WHERE a > 2990) s TABLESAMPLE 4 ROWS",
    "WITH c AS (SELECT * FROM t TABLESAMPLE 5 ROWS) SELECT count(*) FROM c WHERE a >= 0",
    "SELECT count(*) FROM t WHERE a >= 0 USING SAMPLE 6",
    "SELECT count(*) FROM t WHERE a < 0 USING SAMPLE 6",
])
def test_sample_sizes_as_duckdb(ctx, table, sql, scheduler):
    t, u = table, pd.DataFrame({"k": range(7), "name": list("abcdefg")})  # noqa: F841 (DuckDB reads them)
    assert _one(ctx, sql, scheduler) == duckdb.sql(sql).fetchall()[0][0]


def test_rows_sample_is_a_subset_without_repeats(ctx, scheduler):
    got = ctx.sql("SELECT a, k FROM t USING SAMPLE 40 ROWS").compute(scheduler=scheduler)
    assert len(got) == 40 and got.a.is_unique and set(got.a) <= set(range(N))
    assert (got.k == got.a % 7).all()  # whole rows, not values mixed across rows


def test_a_seed_repeats_the_rows_on_every_scheduler(ctx):
    for sql in ["SELECT a FROM t USING SAMPLE 15 ROWS (reservoir, 42) ORDER BY a",
                "SELECT a FROM t USING SAMPLE 5 PERCENT (bernoulli, 42) ORDER BY a"]:
        runs = [ctx.sql(sql).compute(scheduler=s).a.tolist() for s in ("sync", "threads", "processes", "sync")]
        assert all(r == runs[0] for r in runs) and runs[0]
        other = ctx.sql(sql.replace("42", "43")).compute(scheduler="sync").a.tolist()
        assert other != runs[0]


def test_unseeded_samples_differ_between_runs(ctx):
    draws = {tuple(ctx.sql("SELECT a FROM t USING SAMPLE 20 ROWS ORDER BY a").compute(scheduler="sync").a) for _ in range(4)}
    assert len(draws) > 1


def test_percentage_keeps_each_row_with_that_probability(ctx, scheduler):
    counts = [_one(ctx, f"SELECT count(*) FROM t USING SAMPLE 10% (bernoulli, {seed})", scheduler) for seed in range(5)]
    # binomial(3000, 0.1): mean 300, sd 16.4; 6 sd either side
    assert all(200 < c < 400 for c in counts) and len(set(counts)) > 1


def test_every_row_is_as_likely(table):
    """Over many seeded one-row samples of a 7-partition table, each partition's rows come out about
    as often as their share: the merge of the partitions' candidates does not favour any of them."""
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(table, npartitions=7))
    picks = [_one(ctx, f"SELECT a FROM t USING SAMPLE 1 ROWS (reservoir, {seed})") for seed in range(700)]
    halves = np.bincount(np.asarray(picks) * 2 // N, minlength=2)
    assert halves.min() > 280  # binomial(700, 0.5): mean 350, sd 13


def test_no_filter_moves_below_a_sample(ctx):
    plan = "\n".join(ctx.sql("EXPLAIN SELECT a FROM t WHERE a > 5 USING SAMPLE 10 ROWS").compute().iloc[:, -1])
    optimized = plan.split("Optimized plan:")[1]
    assert optimized.index("Filter") < optimized.index("Sample")  # the filter stays above the sample


@pytest.mark.parametrize("sql,message", [
    ("SELECT * FROM t USING SAMPLE 150%", "between 0 and 100"),
    ("SELECT * FROM t USING SAMPLE 2.5 ROWS", "whole number of rows"),
])
def test_bad_samples_are_refused(ctx, sql, message):
    with pytest.raises(SqlEngineError, match=message):
        ctx.sql(sql).compute()
