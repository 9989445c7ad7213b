"""EXPLAIN ANALYZE: per-operator rows agree with what the query really produced, on every scheduler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import frames
import sqlengine
from exec.diagnostics.queries import QUERY_LOG, walk


@pytest.fixture(scope="module")
def tpch_like():
    """Small orders/lineitem tables shaped like TPC-H's (keys, dates, prices, flags)."""
    rng = np.random.default_rng(7)
    n_orders, n_items = 500, 3000
    orders = pd.DataFrame({
        "o_orderkey": np.arange(n_orders, dtype=np.int64),
        "o_orderdate": pd.to_datetime("1994-01-01") + pd.to_timedelta(rng.integers(0, 1500, n_orders), unit="D"),
        "o_orderpriority": rng.choice(["1-URGENT", "2-HIGH", "3-MEDIUM"], n_orders),
    })
    lineitem = pd.DataFrame({
        "l_orderkey": rng.integers(0, n_orders, n_items).astype(np.int64),
        "l_quantity": rng.integers(1, 51, n_items).astype(np.float64),
        "l_extendedprice": rng.uniform(900, 100000, n_items).round(2),
        "l_discount": rng.integers(0, 11, n_items) / 100,
        "l_returnflag": rng.choice(["A", "N", "R"], n_items),
    })
    return orders, lineitem


def _context(tpch_like, npartitions, scheduler):
    orders, lineitem = tpch_like
    ctx = sqlengine.Context(scheduler=scheduler)
    ctx.register("orders", frames.from_pandas(orders, npartitions=npartitions))
    ctx.register("lineitem", frames.from_pandas(lineitem, npartitions=npartitions))
    return ctx


def _analyzed(ctx, query):
    text = ctx.explain(query, analyze=True)
    record = QUERY_LOG.records()[-1]
    assert record.text == query and record.state == "done"
    return text, record


def _nodes(record, name):
    return [record.operators[n["id"]] for n in walk(record.plan_tree) if n["name"] == name]


def _count(ctx, query):
    return int(ctx.sql(f"SELECT COUNT(*) AS n FROM ({query}) q").compute()["n"][0])


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_filter_and_aggregate_rows(tpch_like, npartitions, any_scheduler):
    ctx = _context(tpch_like, npartitions, any_scheduler)
    query = ("SELECT l_returnflag, SUM(l_quantity) AS q, COUNT(*) AS n FROM lineitem "
             "WHERE l_discount > 0.05 AND l_quantity < 30 GROUP BY l_returnflag ORDER BY l_returnflag")
    text, record = _analyzed(ctx, query)
    expected = ctx.sql(query).compute()
    (flt,) = _nodes(record, "filter")
    assert flt.rows == _count(ctx, "SELECT * FROM lineitem WHERE l_discount > 0.05 AND l_quantity < 30")
    assert record.operators[record.plan_tree["id"]].rows == len(expected) == 3
    (agg,) = _nodes(record, "aggregate")
    assert agg.rows == 3
    (scan,) = [o for o in record.operators.values() if o.detail.startswith("InMemory")]
    assert scan.rows == len(tpch_like[1])
    assert all(o.tasks_done == o.tasks_total for o in record.operators.values())
    assert text.startswith("Total: ") and f"{flt.rows:,}" in text
    assert flt.seconds > 0 and agg.seconds > 0 and agg.peak_bytes > 0  # on distributed: measured on the workers
    if isinstance(any_scheduler, str):  # what a local loop held at once (a cluster's workers hold it there)
        assert record.peak_bytes > 0


@pytest.mark.parametrize("npartitions", [1, 3])
def test_join_rows(tpch_like, npartitions, scheduler):
    ctx = _context(tpch_like, npartitions, scheduler)
    query = ("SELECT o_orderpriority, COUNT(*) AS n FROM orders JOIN lineitem ON l_orderkey = o_orderkey "
             "WHERE o_orderdate >= DATE '1995-01-01' AND l_returnflag = 'R' GROUP BY o_orderpriority")
    _, record = _analyzed(ctx, query)
    (join,) = _nodes(record, "join")
    inner = ("SELECT * FROM orders JOIN lineitem ON l_orderkey = o_orderkey "
             "WHERE o_orderdate >= DATE '1995-01-01' AND l_returnflag = 'R'")
    assert join.rows == _count(ctx, inner)
    filters = {o.detail: o.rows for o in _nodes(record, "filter")}
    assert sorted(filters.values()) == sorted([_count(ctx, "SELECT * FROM orders WHERE o_orderdate >= DATE '1995-01-01'"),
                                               _count(ctx, "SELECT * FROM lineitem WHERE l_returnflag = 'R'")])


def test_explain_analyze_statement_and_errors():
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pd.DataFrame({"x": range(100)}), npartitions=4))
    lines = ctx.sql("EXPLAIN ANALYZE SELECT x FROM t WHERE x < 17").compute()["plan"].tolist()
    assert lines[0].startswith("Total: ") and "17 rows out" in lines[0]
    assert any("Filter" in line and " 17 " in line for line in lines)
    from exec.errors import SqlEngineError

    with pytest.raises(SqlEngineError, match="EXPLAIN ANALYZE"):
        ctx.explain("CREATE TABLE u AS SELECT 1 AS a", analyze=True)


def test_every_sql_query_is_logged():
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pd.DataFrame({"x": range(10)}), npartitions=2))
    last_id = max((r.id for r in QUERY_LOG.records()), default=0)  # the history is bounded: count by id
    ctx.sql("SELECT x FROM t WHERE x > 2").compute()
    ctx.sql("SELECT SUM(x) AS s FROM t").to_arrow()
    frames.compute(ctx.sql("SELECT 1 AS one"), ctx.sql("SELECT MAX(x) AS m FROM t"))
    ctx.sql("SELECT x FROM t").visualize()  # drawn, never run: not logged
    new = [r for r in QUERY_LOG.records() if r.id > last_id]
    assert [r.text for r in new] == ["SELECT x FROM t WHERE x > 2", "SELECT SUM(x) AS s FROM t", "SELECT 1 AS one",
                                     "SELECT MAX(x) AS m FROM t"]
    assert all(r.state == "done" for r in new)
    assert new[0].operators[new[0].plan_tree["id"]].rows == 7
    assert not QUERY_LOG.running


def test_repl_prints_the_plan_whole(tmp_path):
    import io

    from repl.run import Settings, execute

    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pd.DataFrame({"x": range(1000), "g": [i % 7 for i in range(1000)]}), npartitions=3))
    out = io.StringIO()
    execute(ctx, "EXPLAIN ANALYZE SELECT g, COUNT(*) AS n FROM t WHERE x % 3 = 0 GROUP BY g", Settings(progress=False), out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Total: ") and "7 rows out" in lines[0]
    assert lines[1].split() == ["operator", "rows", "time", "peak", "tasks"]
    (flt,) = [line for line in lines if "Filter" in line]
    assert flt.split()[-6] == "334"  # rows of x % 3 = 0 among 0..999
    assert "…" not in out.getvalue()


def test_rows_of_results_left_in_shared_memory():
    """Process workers leave results of 1 MB or more in /dev/shm: their rows still count."""
    n = 400_000
    ctx = sqlengine.Context(scheduler="processes")
    ctx.register("big", frames.from_pandas(pd.DataFrame({"x": np.arange(n), "y": np.arange(n) * 0.5}), npartitions=2))
    _, record = _analyzed(ctx, "SELECT x, y * 2 AS z FROM big WHERE x % 2 = 0")
    (flt,) = _nodes(record, "filter")
    assert flt.rows == n // 2 and flt.peak_bytes >= 1 << 20
    assert record.operators[record.plan_tree["id"]].rows == n // 2


def test_a_client_compute_leaves_no_record_for_the_next_run():
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_pandas(pd.DataFrame({"x": range(10)}), npartitions=2))
    with frames.Client(n_workers=1, processes=False, set_as_default=False) as client:
        assert client.compute(ctx.sql("SELECT SUM(x) AS s FROM t"), sync=True)["s"][0] == 45
    last_id = max((r.id for r in QUERY_LOG.records()), default=0)  # the history is bounded: count by id
    frames.from_pandas(pd.DataFrame({"y": range(3)}), npartitions=1).y.sum().compute()
    assert not [r for r in QUERY_LOG.records() if r.id > last_id] and not QUERY_LOG.running


def test_spilled_bytes_are_reported():
    import exec as ex

    n = 200_000
    ctx = sqlengine.Context(scheduler="sync")
    ctx.register("big", frames.from_pandas(pd.DataFrame({"k": np.arange(n) % 1000, "x": np.arange(n)}), npartitions=8))
    with ex.config.set(memory_limit=200_000):
        text, record = _analyzed(ctx, "SELECT k, SUM(x) AS s FROM big GROUP BY k ORDER BY k")
    if record.spilled_bytes == 0:
        pytest.skip("this plan streamed without holding results past the limit")
    assert "spilled" in text.splitlines()[0] and text.splitlines()[1].split()[-1] == "spilled"
    assert record.operators[record.plan_tree["id"]].rows == 1000
