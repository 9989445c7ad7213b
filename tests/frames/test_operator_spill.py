"""Operators past their share of a tiny memory limit (``frames.dataframe.expr.spill``): grace hash
joins, external sorts, partitioned aggregation merges and shuffles that go through files give the
unlimited answer and DuckDB's on every scheduler, count what they spilled per operator, leave no
file behind after success, error or Ctrl-C, and a bucket that cannot fit fails naming the operator."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import frames
import sqlengine
from exec import config, memory
from exec.errors import MemoryLimitError
from frames.dataframe.expr import spill
from frames.dataframe.expr.join import JoinSpec, join_tables
from frames.dataframe.expr.sort import SortKey, _merge_range
from tests.sql.oracle import assert_same
from tests.tables import fact_table

LIMIT = "1MB"  # two workers: a task's budget is 256 KiB; the partitions below are ~0.2-0.5 MB


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(5)
    n = 120_000
    fact = fact_table(rng, n, keys=40_000, names=30_000)
    other = pd.DataFrame({"k2": rng.integers(0, 40_000, n // 2), "w": rng.random(n // 2).round(6),
                          "t": pd.Series(rng.integers(0, 500, n // 2)).map(lambda i: f"t{i}")})
    return fact, other


QUERIES = {  # query -> the operator whose spilling it exercises
    "join": ("SELECT k, v, w FROM fact JOIN other ON k = k2", "join"),
    "left_join_strings": ("SELECT s, t, count(*) AS n FROM fact LEFT JOIN other ON s = t || '' GROUP BY s, t", "join"),
    "anti_join": ("SELECT k, v FROM fact WHERE k NOT IN (SELECT k2 FROM other)", "join"),
    "sort": ("SELECT k, v, s FROM fact ORDER BY s DESC, v, k", "sort"),
    "groupby": ("SELECT s, count(*) AS n, sum(v) AS sv, min(k) AS mk FROM fact GROUP BY s", "aggregate"),
    "groupby_single": ("SELECT s, max(v) AS mv FROM fact GROUP BY s ORDER BY s", "aggregate"),
}


def _context(tables, parts=(7, 5)) -> sqlengine.Context:
    fact, other = tables
    ctx = sqlengine.Context()
    ctx.register("fact", frames.from_pandas(fact, npartitions=parts[0]))
    ctx.register("other", frames.from_pandas(other, npartitions=parts[1]))
    return ctx


def _leftovers(root) -> list[str]:
    return [p for p in os.listdir(root) if p.startswith("sqlengine-")]


def _spilled(before: dict) -> int:
    after = memory.spilled_by_operator()
    return sum(after[k] - before.get(k, 0) for k in after)


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_tiny_limit_same_answer_as_unlimited_and_duckdb(tables, tmp_path, any_scheduler, query):
    import duckdb

    sql, _ = QUERIES[query]
    ctx = _context(tables)
    with config.set(join_strategy="shuffle"):
        unlimited = ctx.sql(sql).compute(scheduler=any_scheduler)
        before = memory.spilled_by_operator()
        with config.set(memory_limit=LIMIT, temp_directory=str(tmp_path)):
            limited = ctx.sql(sql).compute(scheduler=any_scheduler)
    if any_scheduler in ("sync", "threads"):  # workers of the others count in their own processes
        assert _spilled(before) > 0, "no operator spilled under a 1 MB limit"
    ordered = "ORDER BY" in sql
    assert_same(limited, unlimited, ordered)
    con = duckdb.connect()
    con.register("fact", tables[0])
    con.register("other", tables[1])
    assert_same(limited, con.execute(sql).df(), ordered)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("npartitions", [8, 13])
def test_frames_merge_and_sort_under_tiny_limit_match_pandas(tables, tmp_path, npartitions):
    fact, other = tables
    left = frames.from_pandas(fact, npartitions=npartitions)
    right = frames.from_pandas(other.rename(columns={"k2": "k"}), npartitions=npartitions)
    with config.set(memory_limit=LIMIT, temp_directory=str(tmp_path), join_strategy="shuffle", scheduler="threads"):
        merged = left.merge(right, on="k", how="outer").compute()
        ordered = left.sort_values(["v", "k"]).compute()
    expected = fact.merge(other.rename(columns={"k2": "k"}), on="k", how="outer")
    key = ["k", "v", "w", "s", "t"]
    pd.testing.assert_frame_equal(merged.sort_values(key).reset_index(drop=True)[sorted(merged.columns)],
                                  expected.sort_values(key).reset_index(drop=True)[sorted(expected.columns)], check_dtype=False)
    pd.testing.assert_frame_equal(ordered.reset_index(drop=True), fact.sort_values(["v", "k"], kind="stable").reset_index(drop=True))
    assert _leftovers(tmp_path) == []


def _budget(tmp_path, nbytes=1 << 16) -> spill.Budget:
    return spill.Budget(nbytes, str(tmp_path))


def _spec(how: str) -> JoinSpec:
    return JoinSpec(how, ("a",), ("b",), (pa.int64(),), ("a", "x"), ("b", "y"),
                    ("a", "x") if how in ("semi", "anti") else ("a", "x", "b", "y"), (False,), ())


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer", "semi", "anti"])
def test_grace_join_kernel_matches_in_memory_join(tmp_path, how):
    rng = np.random.default_rng(1)
    left = pa.table({"a": pa.array(np.where(rng.random(20_000) < 0.05, None, rng.integers(0, 5000, 20_000)), pa.int64()),
                     "x": rng.random(20_000)})
    right = pa.table({"b": pa.array(rng.integers(0, 8000, 9_000), pa.int64()), "y": rng.random(9_000)})
    before = memory.spilled_by_operator()
    got = join_tables(left, right, _spec(how), _budget(tmp_path))
    assert _spilled(before) > 0
    want = join_tables(left, right, _spec(how))
    sort = [(c, "ascending") for c in want.column_names]
    assert got.sort_by(sort).equals(want.sort_by(sort))
    assert _leftovers(tmp_path) == []


def test_external_sort_kernel_is_stable_and_in_order(tmp_path):
    rng = np.random.default_rng(2)
    pieces = [pa.table({"k": rng.integers(0, 50, 7000), "i": np.arange(j * 7000, (j + 1) * 7000)}) for j in range(4)]
    keys = (SortKey("k", ascending=False),)
    got = _merge_range(pieces, keys, pieces[0].schema, _budget(tmp_path))
    want = _merge_range(pieces, keys, pieces[0].schema)
    assert got.equals(want)
    assert _leftovers(tmp_path) == []


def test_bucket_that_cannot_fit_fails_naming_the_operator(tmp_path):
    """Every row has the same key: no number of buckets splits it, so the join cannot fit."""
    left = pa.table({"a": pa.array(np.zeros(200_000, dtype=np.int64)), "x": np.arange(200_000.0)})
    right = pa.table({"b": pa.array(np.zeros(1000, dtype=np.int64)), "y": np.arange(1000.0)})
    memory.task_started(("join-42", 0))
    with config.set(memory_limit="1MB"):
        with pytest.raises(MemoryLimitError, match=r"operator join-42 needs .* MB of state"):
            join_tables(left, right, _spec("inner"), _budget(tmp_path))
    assert _leftovers(tmp_path) == []


def test_spill_directory_removed_after_error_and_interrupt(tmp_path, monkeypatch):
    left = pa.table({"a": pa.array(np.arange(50_000), pa.int64()), "x": np.arange(50_000.0)})
    right = pa.table({"b": pa.array(np.arange(50_000), pa.int64()), "y": np.arange(50_000.0)})
    real = spill.write_ipc
    calls = [0]
    for exc in (RuntimeError("disk trouble"), KeyboardInterrupt()):
        calls[0] = 0

        def failing(table, directory, exc=exc):
            calls[0] += 1
            if calls[0] == 5:  # after some files exist
                raise exc
            return real(table, directory)

        monkeypatch.setattr(spill, "write_ipc", failing)
        with pytest.raises(type(exc)):
            join_tables(left, right, _spec("inner"), _budget(tmp_path))
        assert calls[0] == 5 and _leftovers(tmp_path) == []


def test_queries_ctrl_c_leaves_no_operator_files(tables, tmp_path, monkeypatch):
    """Ctrl-C in the middle of a spilling query (raised from inside an operator's spill)."""
    real = spill.write_ipc
    calls = [0]

    def interrupting(table, directory):
        calls[0] += 1
        if calls[0] == 3:
            raise KeyboardInterrupt
        return real(table, directory)

    monkeypatch.setattr(spill, "write_ipc", interrupting)
    ctx = _context(tables)
    with config.set(memory_limit=LIMIT, temp_directory=str(tmp_path), join_strategy="shuffle", scheduler="threads"):
        with pytest.raises(KeyboardInterrupt):
            ctx.sql(QUERIES["join"][0]).compute()
    assert calls[0] >= 3
    # a task another thread was running when Ctrl-C came finishes on its own and then removes its
    # directory: wait for it (a few seconds at most), never for ever
    deadline = time.monotonic() + 30
    while _leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leftovers(tmp_path) == []
