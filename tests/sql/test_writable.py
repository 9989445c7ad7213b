"""Writable tables beyond the statement-by-statement comparison of ``cases/dml.sql``: statements are
atomic, registered tables and views are read-only, transactions roll back, the storage stays a few
chunks under many small appends, sessions can share a catalog, COPY ... FROM appends."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import sqlengine
from planner.tables import CHUNK_ROWS, ColumnSpec, MemoryTable
from sqlengine import ConstraintError, DataTypeError, ReadOnlyTableError, TransactionError
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")


def _both(statements: list[str]):
    """A fresh Context and DuckDB connection that ran ``statements``."""
    ctx, con = sqlengine.Context(), duckdb.connect()
    for s in statements:
        ctx.sql(s)
        con.execute(s)
    return ctx, con


def _same(ctx, con, query: str) -> None:
    assert_same(ctx.sql(query).compute(), con.execute(query).df(), ordered="ORDER BY" in query.upper())


SETUP = ["CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL, price DECIMAL(8, 2), code VARCHAR UNIQUE)",
         "INSERT INTO t VALUES (1, 'a', 1.50, 'x'), (2, 'b', 2.25, 'y'), (3, 'c', NULL, NULL)"]


@pytest.mark.parametrize("statement", [
    "INSERT INTO t VALUES (4, 'd', 1, 'z'), (1, 'dup', 1, 'w')",            # duplicate primary key in the batch's 2nd row
    "INSERT INTO t VALUES (4, 'd', 1, 'q'), (5, 'e', 1, 'q')",              # duplicate UNIQUE within the batch
    "INSERT INTO t VALUES (4, 'd', 1, 'z'), (5, NULL, 1, 'v')",             # NOT NULL
    "INSERT INTO t VALUES (4, 'd', 1, 'z'), ('five', 'e', 1, 'v')",         # cast failure
    "INSERT INTO t SELECT id + 10, name, 99999999, NULL FROM t",            # DECIMAL(8, 2) overflow
    "UPDATE t SET id = 1 WHERE id = 3",                                     # primary key taken
    "UPDATE t SET code = 'x' WHERE id = 2",                                 # UNIQUE
    "UPDATE t SET name = NULL WHERE id >= 2",
    "INSERT INTO t VALUES (9, 'n', 1, 'x') ON CONFLICT (id) DO UPDATE SET name = excluded.name",  # code 'x' taken
])
def test_a_failing_statement_changes_nothing(statement):
    ctx, con = _both(SETUP)
    before = ctx.catalog.writable("t")
    with pytest.raises(sqlengine.SqlEngineError):
        ctx.sql(statement)
    with pytest.raises(duckdb.Error):
        con.execute(statement)
    assert ctx.catalog.writable("t") is before  # not even a copy was stored
    _same(ctx, con, "SELECT * FROM t ORDER BY id")
    ctx.sql("INSERT INTO t VALUES (7, 'g', 7, 'g')")  # the key index still right after the failure
    con.execute("INSERT INTO t VALUES (7, 'g', 7, 'g')")
    _same(ctx, con, "SELECT * FROM t ORDER BY id")


def test_errors_name_the_column_and_value():
    ctx, _ = _both(SETUP)
    with pytest.raises(DataTypeError, match=r"'five'.*t\.id.*INT"):
        ctx.sql("INSERT INTO t (id, name) VALUES ('five', 'e')")
    with pytest.raises(ConstraintError, match=r"NOT NULL constraint failed: t\.name"):
        ctx.sql("INSERT INTO t (id) VALUES (8)")
    with pytest.raises(ConstraintError, match=r'duplicate key "id: 1" violates primary key'):
        ctx.sql("INSERT INTO t VALUES (1, 'a', 1, NULL)")
    with pytest.raises(sqlengine.SqlError, match="3 columns but 2 values"):
        ctx.sql("INSERT INTO t (id, name, price) VALUES (8, 'h')")


def test_registered_tables_and_views_are_read_only(tmp_path):
    import pandas as pd

    path = tmp_path / "f.parquet"
    pq.write_table(pa.table({"a": [1, 2]}), path)
    ctx = sqlengine.Context()
    ctx.register("files", str(path))
    ctx.register("frame", pd.DataFrame({"a": [1, 2]}))
    ctx.sql("CREATE VIEW v AS SELECT * FROM files")
    for name in ("files", "frame", "v"):
        for statement in (f"INSERT INTO {name} VALUES (3)", f"UPDATE {name} SET a = 0", f"DELETE FROM {name}",
                          f"TRUNCATE {name}", f"ALTER TABLE {name} ADD COLUMN b INTEGER", f"COPY {name} FROM '{path}'"):
            with pytest.raises(ReadOnlyTableError, match=f"'{name}' is read-only"):
                ctx.sql(statement)
    assert pq.read_table(path).num_rows == 2
    ctx.sql("CREATE TABLE copy AS SELECT * FROM files")  # the way to a writable copy
    ctx.sql("INSERT INTO copy VALUES (3)")
    assert ctx.sql("SELECT sum(a) AS s FROM copy").compute().s[0] == 6


def test_count_result_and_rowcount():
    ctx, con = _both(SETUP)
    result = ctx.sql("UPDATE t SET price = 0 WHERE id < 3")
    expected = con.execute("UPDATE t SET price = 0 WHERE id < 3")
    assert result.to_arrow().schema == pa.schema([("Count", pa.int64())])
    assert [d[0] for d in expected.description] == ["Count"]
    assert ctx.rowcount == 2 == result.compute().Count[0]
    ctx.sql("SELECT * FROM t")
    assert ctx.rowcount == -1
    ctx.sql("CREATE TABLE u AS SELECT * FROM t")
    assert ctx.rowcount == 3


def test_transactions_roll_back_every_change():
    statements = SETUP + ["CREATE TABLE other AS SELECT 1 AS x", "BEGIN",
                          "INSERT INTO t VALUES (4, 'd', 4, 'd')", "UPDATE t SET name = 'z'", "DELETE FROM t WHERE id = 1",
                          "DROP TABLE other", "CREATE TABLE fresh (a INTEGER)", "ALTER TABLE t RENAME TO renamed",
                          "ROLLBACK"]
    ctx, con = _both(statements)
    assert not ctx.in_transaction
    assert ctx.tables() == ["other", "t"]
    _same(ctx, con, "SELECT * FROM t ORDER BY id")
    _same(ctx, con, "SELECT * FROM other")
    for s in ["BEGIN", "INSERT INTO t VALUES (5, 'e', 5, 'e')", "COMMIT"]:
        ctx.sql(s)
        con.execute(s)
    _same(ctx, con, "SELECT * FROM t ORDER BY id")
    ctx.sql("INSERT INTO t VALUES (6, 'f', 6, 'f')")  # the key index after a rollback
    with pytest.raises(ConstraintError):
        ctx.sql("INSERT INTO t VALUES (6, 'f', 6, 'f')")
    for bad in ("COMMIT", "ROLLBACK"):
        with pytest.raises(TransactionError, match="no transaction is active"):
            ctx.sql(bad)
    ctx.begin()
    with pytest.raises(TransactionError, match="within a transaction"):
        ctx.sql("BEGIN TRANSACTION")
    ctx.sql("TRUNCATE t")
    ctx.rollback()
    assert ctx.sql("SELECT count(*) AS n FROM t").compute().n[0] == 5


def test_many_small_appends_stay_few_chunks():
    """A binary counter of chunks: n appends leave at most log2(n) + 1 partial chunks, every row
    in order, and the key index answers for every row."""
    rng = random.Random(7)
    table = MemoryTable("t", (ColumnSpec("id", pa.int64(), True), ColumnSpec("s", pa.string())), primary_key=("id",))
    expected: list[int] = []
    for _ in range(3000):
        n = rng.choice([1, 1, 1, 2, 5, 40])
        ids = list(range(len(expected), len(expected) + n))
        table = table.appended(pa.table({"id": pa.array(ids, pa.int64()), "s": [str(i) for i in ids]}))
        expected += ids
    sizes = [c.num_rows for c in table.chunks]
    assert len(sizes) <= len(expected).bit_length() + 1 and max(sizes) <= CHUNK_ROWS
    assert pa.concat_tables(table.chunks).column("id").to_pylist() == expected
    assert table.index(("id",)).positions == {(i,): i for i in expected}
    with pytest.raises(ConstraintError):
        table.appended(pa.table({"id": pa.array([123], pa.int64()), "s": ["dup"]}))


def test_a_large_insert_is_sliced_into_partitions():
    ctx = sqlengine.Context()
    ctx.sql("CREATE TABLE big (i BIGINT)")
    ctx.sql(f"INSERT INTO big SELECT * FROM range({2 * CHUNK_ROWS + 5})")
    assert [c.num_rows for c in ctx.catalog.writable("big").chunks] == [CHUNK_ROWS, CHUNK_ROWS, 5]
    assert ctx.table("big").npartitions == 3
    assert ctx.sql("SELECT count(*) AS n, sum(i) AS s FROM big").compute().n[0] == 2 * CHUNK_ROWS + 5


def test_sessions_share_a_catalog_not_settings():
    first = sqlengine.Context()
    second = sqlengine.Context(catalog=first.catalog)
    first.sql("CREATE TABLE t (a INTEGER)")
    second.sql("INSERT INTO t VALUES (1), (2)")
    first.sql("SET default_order = 'desc'")
    assert first.sql("SELECT a FROM t ORDER BY a").compute().a.tolist() == [2, 1]
    assert second.sql("SELECT a FROM t ORDER BY a").compute().a.tolist() == [1, 2]
    second.sql("BEGIN")
    second.sql("DELETE FROM t")
    second.sql("ROLLBACK")
    assert first.sql("SELECT count(*) AS n FROM t").compute().n[0] == 2


def test_a_rollback_never_drops_another_sessions_writes():
    """While one session's transaction has changed a table, another session's write to it is a
    conflict (as in DuckDB), not a write the first session's ROLLBACK would silently undo."""
    first = sqlengine.Context()
    second = sqlengine.Context(catalog=first.catalog)
    first.sql("CREATE TABLE t (a INTEGER)")
    first.sql("CREATE TABLE u (a INTEGER)")
    first.sql("BEGIN")
    first.sql("INSERT INTO t VALUES (1)")
    with pytest.raises(TransactionError, match="transaction conflict: table 't'"):
        second.sql("INSERT INTO t VALUES (2)")
    second.sql("INSERT INTO u VALUES (3)")  # a table the transaction did not touch stays writable
    first.sql("ROLLBACK")
    second.sql("INSERT INTO t VALUES (2)")  # free again once the transaction ended
    assert second.sql("SELECT a FROM t").compute().a.tolist() == [2]
    assert first.sql("SELECT a FROM u").compute().a.tolist() == [3]
    first.sql("BEGIN")
    first.sql("DELETE FROM t")
    first.sql("COMMIT")
    second.sql("INSERT INTO t VALUES (4)")
    assert first.sql("SELECT a FROM t").compute().a.tolist() == [4]


def test_copy_from_appends_like_duckdb(tmp_path):
    csv = tmp_path / "more.csv"
    pacsv.write_csv(pa.table({"id": [10, 11], "name": ["k", "l"], "price": [1.25, 2.5], "code": ["k", None]}), csv)
    parquet = tmp_path / "more.parquet"
    pq.write_table(pa.table({"id": [20], "name": ["m"], "price": [3.0], "code": ["m"]}), parquet)
    statements = SETUP + [f"COPY t FROM '{csv}' (HEADER)", f"COPY t FROM '{parquet}' (FORMAT parquet)",
                          f"COPY t (id, name) FROM '{tmp_path / 'two.csv'}'"]
    pacsv.write_csv(pa.table({"id": [30], "name": ["n"]}), tmp_path / "two.csv")
    ctx, con = _both(statements)
    _same(ctx, con, "SELECT * FROM t ORDER BY id")
    with pytest.raises(ConstraintError):
        ctx.sql(f"COPY t FROM '{csv}' (HEADER)")
    _same(ctx, con, "SELECT * FROM t ORDER BY id")


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_writes_over_partitions(npartitions):
    """UPDATE and DELETE keep the chunks (the partitions reads see) and answer as DuckDB."""
    statements = ["CREATE TABLE p AS SELECT i, i % 4 AS k, 'v' || i AS s FROM range(50) r(i)"]
    ctx, con = _both(statements)
    ctx.catalog.tables["p"] = ctx.catalog.writable("p").rechunked(npartitions)
    for s in ["UPDATE p SET s = upper(s), k = k * 10 WHERE i % 3 = 0", "DELETE FROM p WHERE k = 1"]:
        ctx.sql(s)
        con.execute(s)
        _same(ctx, con, "SELECT * FROM p ORDER BY i")
        assert ctx.table("p").npartitions == npartitions
    for s in ["INSERT INTO p SELECT i + 100, k, s FROM p WHERE i < 20", "UPDATE p SET i = -i WHERE i IN (SELECT max(i) FROM p)"]:
        ctx.sql(s)
        con.execute(s)
        _same(ctx, con, "SELECT * FROM p ORDER BY i")


def test_concurrent_sessions_lose_no_insert():
    """Sessions on threads sharing a catalog (a server's connections) write one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    shared = sqlengine.Context()
    shared.sql("CREATE TABLE t (session INTEGER, i INTEGER, PRIMARY KEY (session, i))")

    def work(session: int) -> None:
        ctx = sqlengine.Context(catalog=shared.catalog)
        for i in range(25):
            ctx.sql(f"INSERT INTO t VALUES ({session}, {i})")
            if i % 10 == 0:
                ctx.sql(f"UPDATE t SET i = i WHERE session = {session}")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(work, range(4)))
    got = shared.sql("SELECT session, count(*) AS n FROM t GROUP BY session ORDER BY session").compute()
    assert got.n.tolist() == [25] * 4


@pytest.mark.parametrize("statement", [
    "INSERT INTO t VALUES (4, 'd', 4.5, 'd'), (5, 'e', NULL, NULL) RETURNING id, price * 2 AS p",
    "INSERT INTO t (id, name) VALUES (6, 'f') RETURNING *",
    "UPDATE t SET price = 9 WHERE id >= 2 RETURNING id, name, price",
    "DELETE FROM t WHERE price IS NULL RETURNING name",
    "DELETE FROM t RETURNING id",
])
def test_returning_matches_duckdb(statement):
    ctx, con = _both(SETUP)
    assert_same(ctx.sql(statement).compute(), con.execute(statement).df(), ordered=False)
    _same(ctx, con, "SELECT * FROM t ORDER BY id")
