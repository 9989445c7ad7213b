"""Clauses and windows beyond the case files (which run at several partitions on every scheduler,
``tests/sql/matrix.py``): a seeded larger table at 1, 3 and 7 partitions (windows shuffle by their
partition keys, DISTINCT ON and QUALIFY then run per partition, so partition counts matter), and
the errors of table functions, SET, recursive CTEs and windows."""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest

import frames
import sqlengine
from sqlengine.errors import SqlEngineError
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")

def _random_table(seed: int, n: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 6, n)
    v = rng.integers(-5, 15, n).astype(float)
    v[rng.random(n) < 0.15] = np.nan
    x = np.round(rng.normal(0, 3, n), 1)
    return pa.table({"id": np.arange(n), "k": pa.array(k, mask=rng.random(n) < 0.1),
                     "v": pa.array(v, pa.float64(), from_pandas=True), "x": x,
                     "s": pa.array([f"s{i % 13}" for i in rng.integers(0, 100, n)])})


RANDOM_QUERIES = [
    "SELECT id, sum(v) OVER (PARTITION BY k ORDER BY x RANGE BETWEEN 1.5 PRECEDING AND 0.5 FOLLOWING) AS a FROM r",
    "SELECT id, min(s) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN 3 PRECEDING AND 2 FOLLOWING) AS a, max(v) OVER (ORDER BY id ROWS BETWEEN 5 PRECEDING AND 1 PRECEDING EXCLUDE CURRENT ROW) AS b FROM r",
    "SELECT id, count(*) OVER (PARTITION BY k ORDER BY v GROUPS BETWEEN 2 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) AS a FROM r",
    "SELECT id, k FROM r QUALIFY row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id) <= 2",
    "SELECT DISTINCT ON (k) k, id, v FROM r ORDER BY k, v NULLS FIRST, id",
    "SELECT k, sum(DISTINCT v) AS a, avg(DISTINCT v) AS b, count(*) FILTER (WHERE x > 0) AS c, rank() OVER (ORDER BY sum(v) DESC NULLS LAST, k) AS r FROM r GROUP BY k",
    "SELECT k, s, grouping(k, s) AS g, count(*) AS n FROM r GROUP BY ROLLUP (k, s)",
]


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_random_table(npartitions: int):
    table = _random_table(7, 400)
    con = duckdb.connect()
    con.register("r_src", table)
    con.execute("CREATE TABLE r AS SELECT * FROM r_src")
    ctx = sqlengine.Context()
    ctx.register("r", frames.from_arrow(table, npartitions=npartitions))
    for q in RANDOM_QUERIES:
        assert_same(ctx.sql(q).compute(), con.execute(q).df(), ordered=bool(re.search(r"\) ORDER BY|^[^(]* ORDER BY", q)))


@pytest.mark.parametrize("sql,message", [
    ("SELECT * FROM generate_series(1, 5, 0)", "step must not be 0"),
    ("SELECT * FROM range(DATE '2020-01-01', DATE '2020-02-01', INTERVAL 0 DAY)", "step must not be 0"),
    ("SELECT * FROM t, range(t.n)", "lateral table functions"),
    ("SELECT * FROM range(1, 3) AS r(a, b)", "names 2 columns"),
    ("SELECT * FROM range(1.5, 3)", "range over 1.5"),
])
def test_table_function_errors(sql: str, message: str):
    ctx = sqlengine.Context()
    ctx.register("t", pa.table({"n": [1, 2]}))
    with pytest.raises(SqlEngineError, match=message):
        ctx.sql(sql).compute()


def test_set_reset_options():
    from exec import config

    ctx = sqlengine.Context()
    before = config.get("num_workers")
    ctx.sql("SET threads = 3")
    assert ctx.options["threads"] == 3 and config.get("num_workers") == 3
    ctx.sql("SET worker_threads TO 2")
    assert config.get("num_workers") == 2
    ctx.sql("RESET threads")
    assert config.get("num_workers") == before and ctx.options["threads"] is None
    ctx.sql("SET scheduler = 'sync'; SET default_order = 'DESCENDING'")
    assert ctx.scheduler == "sync" and ctx.options["default_order"] == "desc"
    ctx.sql("RESET ALL")
    assert ctx.scheduler is None and ctx.options["default_order"] == "asc"
    # a SET earlier in the same text applies to the statements after it
    ctx.register("t", pa.table({"v": [2, None, 1]}))
    got = ctx.sql("SET default_null_order = 'nulls_first'; SELECT v FROM t ORDER BY v").compute()
    assert got["v"].tolist()[0] != got["v"].tolist()[0]  # NaN first
    assert got["v"].tolist()[1:] == [1.0, 2.0]


@pytest.mark.parametrize("sql,message", [
    ("SET memory_limt = '1GB'", "unknown setting 'memory_limt'"),
    ("SET thread = 2", "did you mean 'threads'"),
    ("SET threads = 0", "threads must be a positive integer"),
    ("SET default_null_order = 'sideways'", "invalid value 'sideways' for default_null_order"),
    ("SET scheduler = 'warp'", "warp"),
    ("RESET nonsense", "unknown setting 'nonsense'"),
])
def test_set_errors(sql: str, message: str):
    ctx = sqlengine.Context()
    with pytest.raises(SqlEngineError, match=message):
        ctx.sql(sql)


def test_recursive_cte_stops_at_the_cap(monkeypatch):
    import frames.dataframe.expr.recursive as recursive

    monkeypatch.setattr(recursive, "MAX_ITERATIONS", 50)
    ctx = sqlengine.Context(scheduler="sync")
    with pytest.raises(SqlEngineError, match=r"r did not finish within 50 rounds"):
        ctx.sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r").compute(scheduler="sync")
    # UNION stops by itself once no new row comes
    got = ctx.sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n % 3 + 1 FROM r) SELECT count(*) AS c FROM r").compute(scheduler="sync")
    assert got["c"].tolist() == [3]


@pytest.mark.parametrize("sql,message", [
    ("WITH RECURSIVE r(n, m) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r", "names 2 columns"),
    ("WITH RECURSIVE r(n) AS (SELECT n FROM r UNION ALL SELECT 1) SELECT * FROM r", "column 'n' not found"),
    ("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n, n FROM r) SELECT * FROM r", "column mismatch"),
    ("SELECT * FROM (WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r) x",
     "WITH RECURSIVE inside a subquery"),
])
def test_recursive_cte_errors(sql: str, message: str):
    with pytest.raises(SqlEngineError, match=message):
        sqlengine.Context().sql(sql).compute()


def test_range_frames_over_timestamps():
    """RANGE with INTERVAL offsets over a timestamp key (tables made in Arrow: both engines read them)."""
    import datetime as dt

    base = dt.datetime(2024, 3, 1)
    stamps = [base + dt.timedelta(hours=h) for h in (0, 5, 5, 20, 30, 31, 80)] + [None]
    table = pa.table({"id": list(range(8)), "t": pa.array(stamps, pa.timestamp("us")), "v": [1, 2, 3, None, 5, 6, 7, 8]})
    con = duckdb.connect()
    con.register("ts", table)
    ctx = sqlengine.Context()
    ctx.register("ts", frames.from_arrow(table, npartitions=3))
    for q in ["SELECT id, sum(v) OVER (ORDER BY t RANGE BETWEEN INTERVAL 6 HOUR PRECEDING AND CURRENT ROW) AS s FROM ts",
              "SELECT id, count(*) OVER (ORDER BY t DESC RANGE BETWEEN INTERVAL 1 DAY PRECEDING AND INTERVAL 90 MINUTE FOLLOWING) AS c FROM ts",
              "SELECT id, max(id) OVER (ORDER BY t RANGE BETWEEN INTERVAL 2 DAY FOLLOWING AND UNBOUNDED FOLLOWING) AS m FROM ts"]:
        assert_same(ctx.sql(q).compute(), con.execute(q).df(), ordered=False)


UNNEST_QUERIES = [
    "SELECT id, unnest(l) AS x FROM t",
    "SELECT id, unnest(l) AS x, unnest(m) AS y FROM t",
    "SELECT id, unnest(l) + 1 AS x FROM t WHERE id > 1",
    "SELECT unnest(l) AS x, count(*) AS n FROM t GROUP BY x",
    "SELECT unnest(m) AS y FROM t ORDER BY 1 NULLS FIRST",
    "SELECT id, unnest(l) AS x FROM t WHERE id > 100",
]


@pytest.mark.parametrize("npartitions", [1, 3])
def test_unnest_list_columns(npartitions: int):
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES (1, [1, 2, 3], ['a']), (2, NULL, ['b', 'c']), (3, [], NULL),"
                " (4, [NULL, 5], []), (5, [7], ['d', NULL])) AS t(id, l, m)")
    ctx = sqlengine.Context()
    ctx.register("t", frames.from_arrow(con.sql("SELECT * FROM t").to_arrow_table(), npartitions=npartitions))
    for q in UNNEST_QUERIES:
        assert_same(ctx.sql(q).compute(), con.execute(q).df(), ordered="ORDER BY" in q)
    with pytest.raises(SqlEngineError, match="unnest needs a list"):
        ctx.sql("SELECT unnest(id) FROM t")


@pytest.mark.parametrize("sql,message", [
    ("SELECT count(DISTINCT v) OVER (ORDER BY id) FROM t", "DISTINCT window aggregate over a frame"),
    ("SELECT sum(v IGNORE NULLS) OVER () FROM t", "IGNORE NULLS with sum"),
    ("SELECT nth_value(v, 0) OVER (ORDER BY id) FROM t", "positive n"),
    ("SELECT ntile(v) OVER (ORDER BY id) FROM t", "NTILE with a non-constant"),
    ("SELECT sum(v) OVER (ORDER BY id RANGE BETWEEN INTERVAL 1 MONTH PRECEDING AND CURRENT ROW) FROM t", "INTERVAL 1 MONTH"),
    ("SELECT sum(v) OVER (ORDER BY s RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "numeric, date or timestamp ORDER BY key"),
    ("SELECT sum(v) OVER (ORDER BY id, v RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", "exactly one ORDER BY key"),
])
def test_window_errors(sql: str, message: str):
    ctx = sqlengine.Context()
    ctx.register("t", pa.table({"id": [1, 2], "v": [1.0, None], "s": ["a", "b"]}))
    with pytest.raises(SqlEngineError, match=message):
        ctx.sql(sql).compute()


def test_a_sessions_scheduler_runs_its_results(monkeypatch):
    """``Context(scheduler=...)`` and ``SET scheduler`` pick the scheduler of ``ctx.sql(q).compute()``;
    ``compute(scheduler=)`` and ``exec.config.set(scheduler=)`` still win (as Dask's precedence)."""
    import exec
    import frames.base

    used = []
    real_run = frames.base.run

    def recording_run(graph, keys, scheduler=None, **kwargs):
        used.append(scheduler)
        return real_run(graph, keys, scheduler=scheduler, **kwargs)

    monkeypatch.setattr(frames.base, "run", recording_run)
    ctx = sqlengine.Context(scheduler="sync")
    ctx.register("t", pa.table({"v": [1, 2, 3]}))
    assert ctx.sql("SELECT sum(v) AS s FROM t").compute()["s"].tolist() == [6]
    ctx.sql("SELECT v FROM t").compute(scheduler="threads")
    with exec.config.set(scheduler="threads"):
        ctx.sql("SELECT v FROM t").compute()
    ctx.sql("SET scheduler = 'processes'")
    lazy = ctx.sql("SELECT v FROM t")
    ctx.sql("RESET scheduler")
    lazy.compute()  # the scheduler of the session when the query was asked
    sqlengine.Context().sql("SELECT 1 AS one").compute()
    assert used == ["sync", "threads", None, "processes", None]
