"""``Context(database=dir)``: tables and views saved as Parquet plus a manifest, reopened later;
saves are crash-safe, leave no debris, and never touch files that are not the database's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sqlengine
from sqlengine import DataSourceError
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")

STATEMENTS = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'x', price DECIMAL(10, 2), day DATE)",
    "INSERT INTO t VALUES (1, 'a', 1.50, DATE '2024-01-02'), (2, 'b', NULL, NULL)",
    "INSERT INTO t (id) VALUES (3)",
    "CREATE TABLE made AS SELECT i, i * 2 AS twice FROM range(10) r(i)",
    "CREATE VIEW v AS SELECT id * 10 AS x, name FROM t",
    "UPDATE made SET twice = 0 WHERE i > 5",
]


def test_tables_and_views_outlive_the_session(tmp_path):
    path = tmp_path / "shop.sqlengine"
    ctx, con = sqlengine.Context(database=str(path)), duckdb.connect()
    for s in STATEMENTS:
        ctx.sql(s)
        con.execute(s)
    ctx.close()
    again = sqlengine.Context(database=str(path))
    for q in ("SELECT * FROM t ORDER BY id", "SELECT * FROM made ORDER BY i", "SELECT * FROM v ORDER BY x"):
        assert_same(again.sql(q).compute(), con.execute(q).df(), ordered=True)
    assert again.sql("SELECT current_database() AS d").compute().d[0] == "shop"
    with pytest.raises(sqlengine.ConstraintError):  # the keys came back with the rows
        again.sql("INSERT INTO t (id) VALUES (1)")
    assert again.sql("DESCRIBE t").compute()["default"].tolist()[1] == "'x'"
    again.sql("DROP TABLE made")
    again.close()
    assert sorted(os.listdir(path / "data")) == [n for n in os.listdir(path / "data") if n.startswith("t-")]  # made's file removed


def test_transactions_save_at_commit(tmp_path):
    path = str(tmp_path / "db")
    ctx = sqlengine.Context(database=path)
    ctx.sql("CREATE TABLE t (a INTEGER)")
    ctx.sql("BEGIN")
    ctx.sql("INSERT INTO t VALUES (1)")
    ctx.sql("ROLLBACK")
    ctx.sql("BEGIN")
    for i in range(20):
        ctx.sql(f"INSERT INTO t VALUES ({i})")
    ctx.sql("COMMIT")
    ctx.sql("BEGIN")
    ctx.sql("DELETE FROM t")
    ctx.close()  # an open transaction is rolled back, not saved
    assert sqlengine.Context(database=path).sql("SELECT count(*) AS n FROM t").compute().n[0] == 20


def test_one_session_at_a_time_and_only_database_directories(tmp_path):
    path = str(tmp_path / "db")
    first = sqlengine.Context(database=path)
    with pytest.raises(DataSourceError, match="open in another session"):
        sqlengine.Context(database=path)
    first.close()
    sqlengine.Context(database=path).close()
    mine = tmp_path / "mine"
    (mine / "data").mkdir(parents=True)
    (mine / "data" / "keep-0123456789ab.parquet").write_bytes(b"not yours")
    with pytest.raises(DataSourceError, match="not a sqlengine database"):
        sqlengine.Context(database=str(mine))
    assert (mine / "data" / "keep-0123456789ab.parquet").read_bytes() == b"not yours"


def test_a_save_that_fails_leaves_the_last_one(tmp_path, monkeypatch):
    import sqlengine.database as database

    path = str(tmp_path / "db")
    ctx = sqlengine.Context(database=path)
    ctx.sql("CREATE TABLE t (a INTEGER)")
    ctx.sql("INSERT INTO t VALUES (1)")

    def crash(*args):
        raise OSError("disk full")
    monkeypatch.setattr(database, "_write_atomically", crash)
    with pytest.raises(OSError, match="disk full"):
        ctx.sql("INSERT INTO t VALUES (2)")  # the new table file is written, the manifest is not
    ctx.close()
    monkeypatch.undo()
    files_before = sorted(os.listdir(Path(path) / "data"))
    assert len(files_before) == 2  # the last save's file and the one no manifest names
    again = sqlengine.Context(database=path)
    assert again.sql("SELECT a FROM t").compute().a.tolist() == [1]
    assert len(os.listdir(Path(path) / "data")) == 1  # the stray removed on opening


def test_killed_writer_leaves_a_consistent_database(tmp_path):
    """A process killed (SIGKILL) while it inserts row after row: the database reopens with rows
    0..k-1 for some k at least the last one the writer reported saved."""
    path = tmp_path / "db"
    script = textwrap.dedent(f"""
        import sqlengine, sys
        ctx = sqlengine.Context(database={str(path)!r})
        ctx.sql("CREATE TABLE t (i INTEGER PRIMARY KEY, s VARCHAR)")
        i = 0
        while True:
            ctx.sql(f"INSERT INTO t VALUES ({{i}}, 'row {{i}}')")
            print(i, flush=True)
            i += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    last = -1
    deadline = time.time() + 60
    while last < 10 and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        last = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert last >= 10, "the writer did not get going"
    rows = sqlengine.Context(database=str(path)).sql("SELECT i FROM t ORDER BY i").compute().i.tolist()
    assert rows == list(range(len(rows))) and len(rows) >= last + 1
    assert not [f for f in os.listdir(path) if f.startswith(".sqlengine-tmp-")]
