"""While a Client is open it is the default scheduler of every ``.compute()``: DataFrames, arrays,
bags, delayed values and SQL results; closing it puts back what was configured before. TPC-H
through ``Context.sql(...).compute()`` on an attached Dask cluster equals DuckDB's answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import exec
import frames
import frames.array as fa
import frames.bag as fb
import sqlengine
from frames import futures
from frames.testing import assert_eq
from tests.sql.oracle import assert_same

QUERIES = Path(__file__).parents[1] / "sql" / "tpch_queries"


def inc(x):
    return x + 1


def _count_gets(monkeypatch, client) -> list:
    calls: list = []
    real = client.get

    def spy(graph, keys, **kwargs):
        calls.append(len(keys))
        return real(graph, keys, **kwargs)

    monkeypatch.setattr(client, "get", spy)
    return calls


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_every_compute_runs_on_the_open_client(monkeypatch, processes):
    pdf = pd.DataFrame({"k": list("abcab") * 4, "v": np.arange(20)})
    with frames.Client(processes=processes, n_workers=2) as c:
        assert exec.config.get("scheduler") is c and futures.default_client() is c
        calls = _count_gets(monkeypatch, c)
        df = frames.from_pandas(pdf, npartitions=3)
        assert_eq(df.groupby("k").v.sum(), pdf.groupby("k").v.sum())
        assert fa.arange(10, chunks=3).sum().compute() == 45
        assert fb.from_sequence(range(5), npartitions=2).map(inc).compute() == [1, 2, 3, 4, 5]  # bags too
        assert frames.delayed(inc)(1).compute() == 2
        ctx = sqlengine.Context()
        ctx.register("t", df)
        got = ctx.sql("SELECT k, sum(v) AS s FROM t GROUP BY k ORDER BY k").compute()
        assert got["s"].tolist() == pdf.groupby("k").v.sum().sort_index().tolist()
        assert len(calls) == 5
    assert exec.config.get("scheduler") == "threads"
    assert frames.delayed(inc)(1).compute() == 2  # the default scheduler is back
    with pytest.raises(ValueError, match="no Client"):
        futures.default_client()


def test_clients_closed_in_any_order_restore_the_configured_scheduler():
    with exec.config.set(scheduler="sync"):
        a = frames.Client(processes=False)
        b = frames.Client(processes=False)
        assert exec.config.get("scheduler") is b
        a.close()  # out of order: b stays the default
        assert exec.config.get("scheduler") is b
        b.close()
        assert exec.config.get("scheduler") == "sync"
        c = frames.Client(processes=False, set_as_default=False)
        assert exec.config.get("scheduler") == "sync"
        c.set_as_default()
        assert exec.config.get("scheduler") is c
        c.close()
        assert exec.config.get("scheduler") == "sync"


def test_compute_inside_a_task_does_not_wait_on_its_own_workers():
    def nested(n):
        return frames.delayed(sum)(list(range(n))).compute()  # the Client is the default here

    with frames.Client(processes=False, n_workers=1, threads_per_worker=1) as c:
        assert c.gather(c.map(nested, [3, 4])) == [3, 6]


def test_dask_cluster_as_the_default(dask_client):
    pdf = pd.DataFrame({"a": np.arange(12), "b": np.arange(12) % 3})
    with frames.Client(dask_client) as c:
        assert exec.config.get("scheduler") is c
        df = frames.from_pandas(pdf, npartitions=3)
        assert_eq(df.groupby("b").a.sum(), pdf.groupby("b").a.sum())
        f = c.submit(inc, 1)
        assert frames.delayed(inc)(f).compute() == 3  # a future in a graph, resolved on the cluster
    assert dask_client.status == "running"  # attached, not owned: left running


@pytest.fixture(scope="module")
def duck(tpch_data):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    for t, path in tpch_data.sources(None).items():
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM '{path}'")
    return con


@pytest.mark.parametrize("number", [1, 3, 5, 9, 13, 18, 21, 22], ids=lambda n: f"q{n}")
def test_tpch_on_an_attached_dask_cluster(tpch_data, duck, dask_client, number):
    """``Context.sql(...).compute()`` with no scheduler named runs on the Dask cluster the Client
    is attached to (the session's ``distributed.LocalCluster``, 2 worker processes)."""
    sql = (QUERIES / f"q{number}.sql").read_text()
    ctx = sqlengine.Context()
    for t, source in tpch_data.sources(3).items():
        ctx.register(t, source)
    with frames.Client(dask_client) as client:
        calls = _count_gets(pytest.MonkeyPatch(), client)
        got = ctx.sql(sql).compute()
        assert calls
    expected = duck.execute(sql).df()
    assert_same(got, expected, ordered="order by" in sql.lower())
