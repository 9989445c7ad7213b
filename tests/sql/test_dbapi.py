"""PEP 249 compliance: the checks of the classic ``dbapi20.py`` suite (Stuart Bishop's), written as
pytest, plus what sqlengine adds (``fetch_arrow_table``, ``fetchdf``, ``Connection.execute``) and
``pandas.read_sql`` over a plain connection.

The suite's tables come from ``CREATE TABLE`` + ``INSERT`` where the engine has them; the checks of
fetching and description also run over ``VALUES`` so they hold whether or not it does.
"""

from __future__ import annotations

import datetime as dt
import decimal
import warnings

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

import sqlengine
from sqlengine import dbapi
from tests.sql.oracle import assert_same

BEERS = ["Carlton Cold", "Carlton Draft", "Mountain Goat", "Redback", "Victoria Bitter", "XXXX"]
BOOZE = "(SELECT * FROM (VALUES " + ", ".join(f"('{b}')" for b in BEERS) + ") AS v(name))"


@pytest.fixture
def con():
    connection = sqlengine.connect()
    yield connection
    connection.close()


def _writable(con) -> None:
    """Skip unless the engine has CREATE TABLE (columns) and INSERT; creates the suite's booze table."""
    try:
        con.cursor().execute("CREATE TABLE booze (name VARCHAR(20))")
    except dbapi.NotSupportedError as exc:
        pytest.skip(f"the engine has no writable tables yet ({exc})")


# -- module interface ---------------------------------------------------------------------------
def test_module_globals():
    assert dbapi.apilevel == sqlengine.apilevel == "2.0"
    assert dbapi.threadsafety in (0, 1, 2, 3)
    assert dbapi.paramstyle in ("qmark", "numeric", "named", "format", "pyformat")
    assert sqlengine.connect is dbapi.connect


def test_exception_hierarchy():
    assert issubclass(dbapi.Warning, Exception)
    assert issubclass(dbapi.Error, Exception)
    assert dbapi.Error is sqlengine.SqlEngineError
    for name in ("InterfaceError", "DatabaseError"):
        assert issubclass(getattr(dbapi, name), dbapi.Error)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"):
        assert issubclass(getattr(dbapi, name), dbapi.DatabaseError)
        assert getattr(dbapi, name) is getattr(sqlengine, name)  # one hierarchy: no copies


@pytest.mark.parametrize("sql,params,kind", [
    ("SELEC 1", None, "ProgrammingError"),
    ("SELECT * FROM nowhere", None, "ProgrammingError"),
    ("SELECT nocolumn FROM (SELECT 1 AS a)", None, "ProgrammingError"),
    ("SELECT ?", [1, 2], "ProgrammingError"),
    ("SELECT CAST('x' AS INTEGER) AS v", None, "DataError"),
    ("SELECT a + a AS v FROM (SELECT CAST(9223372036854775807 AS BIGINT) AS a)", None, "DataError"),
    ("SELECT * FROM 'no/such/file.parquet'", None, "OperationalError"),
    ("SELECT * FROM t MATCH_RECOGNIZE (ORDER BY a)", None, "DatabaseError"),
])
def test_project_errors_are_pep_classes(con, sql, params, kind):
    with pytest.raises(getattr(dbapi, kind)) as info:
        con.cursor().execute(sql, params)
    assert isinstance(info.value, sqlengine.SqlEngineError)


def test_foreign_exceptions_become_internal_errors(con, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(con.context, "sql", broken)
    with pytest.raises(dbapi.InternalError, match="KeyError") as info:
        con.cursor().execute("SELECT 1")
    assert isinstance(info.value.__cause__, KeyError)


def test_exceptions_as_connection_attributes(con):
    for name in ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
                 "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"):
        assert getattr(con, name) is getattr(dbapi, name)


def test_type_objects_and_constructors():
    assert dbapi.STRING == "VARCHAR" and dbapi.NUMBER == "BIGINT" and dbapi.NUMBER == "DECIMAL(5, 2)"
    assert dbapi.DATETIME == "TIMESTAMP" and dbapi.BINARY == "BLOB" and dbapi.STRING != "BIGINT"
    assert dbapi.ROWID != "VARCHAR"
    assert dbapi.Date(2002, 12, 25) == dt.date(2002, 12, 25)
    assert dbapi.Time(13, 45, 30) == dt.time(13, 45, 30)
    assert dbapi.Timestamp(2002, 12, 25, 13, 45, 30) == dt.datetime(2002, 12, 25, 13, 45, 30)
    assert dbapi.DateFromTicks(0) == dt.date.fromtimestamp(0)
    assert dbapi.TimeFromTicks(0) == dt.datetime.fromtimestamp(0).time()
    assert dbapi.TimestampFromTicks(0) == dt.datetime.fromtimestamp(0)
    assert dbapi.Binary(b"Something") == b"Something"


# -- connections ----------------------------------------------------------------------------------
def test_commit_rollback_and_cursor(con):
    con.commit()
    con.rollback()
    assert isinstance(con.cursor(), dbapi.Cursor)


def test_close(con):
    cur = con.cursor()
    con.close()
    with pytest.raises(dbapi.Error):
        cur.execute("SELECT 1")
    with pytest.raises(dbapi.Error):
        con.commit()
    with pytest.raises(dbapi.Error):
        con.cursor()
    con.close()  # twice is harmless


def test_context_manager_closes():
    with sqlengine.connect() as connection:
        assert connection.execute("SELECT 42 AS x").fetchall() == [(42,)]
    assert connection.closed
    with pytest.raises(dbapi.InterfaceError):
        connection.execute("SELECT 1")


def test_cursor_close(con):
    cur = con.cursor()
    cur.close()
    with pytest.raises(dbapi.InterfaceError):
        cur.execute("SELECT 1")
    with pytest.raises(dbapi.InterfaceError):
        cur.fetchall()


def test_connect_to_a_database_directory_keeps_the_tables(tmp_path):
    path = tmp_path / "shop.sqlengine"
    with sqlengine.connect(str(path)) as connection:
        connection.execute("CREATE TABLE t (a INTEGER, s VARCHAR)")
        connection.executemany("INSERT INTO t VALUES (?, ?)", [(1, "it's"), (2, None)])
    with sqlengine.connect(str(path)) as connection:  # a later session reopens them
        assert connection.execute("SELECT * FROM t ORDER BY a").fetchall() == [(1, "it's"), (2, None)]


def test_connect_options_go_to_the_context():
    with sqlengine.connect(scheduler="sync") as connection:
        assert connection.context.scheduler == "sync"
    with pytest.raises(dbapi.ProgrammingError, match="unknown connect option.*'shceduler'.*scheduler"):
        sqlengine.connect(shceduler="sync")


# -- cursors: description, rowcount, fetching -------------------------------------------------------
def test_description(con):
    cur = con.cursor()
    assert cur.description is None
    cur.execute("SELECT 1 AS i, 2.5::DOUBLE AS f, CAST(1.25 AS DECIMAL(5, 2)) AS d, 'x' AS s, DATE '2024-01-01' AS day, "
                "TIMESTAMP '2024-01-01 10:00' AS ts, '\\xAB'::BLOB AS b, true AS t, NULL AS n")
    d = cur.description
    assert [c[0] for c in d] == ["i", "f", "d", "s", "day", "ts", "b", "t", "n"]
    assert all(len(c) == 7 for c in d)
    codes = [c[1] for c in d]
    assert codes[0] == dbapi.NUMBER and codes[1] == dbapi.NUMBER and codes[2] == dbapi.NUMBER
    assert codes[3] == dbapi.STRING and codes[4] == dbapi.DATETIME and codes[5] == dbapi.DATETIME
    assert codes[6] == dbapi.BINARY and codes[7] == dbapi.NUMBER
    assert d[2][4:6] == (5, 2)  # precision, scale
    expected = duckdb.connect().sql("SELECT 1 AS i, 2.5::DOUBLE AS f, CAST(1.25 AS DECIMAL(5, 2)) AS d, 'x' AS s, DATE '2024-01-01' AS day, "
                          "TIMESTAMP '2024-01-01 10:00' AS ts, true AS t").types
    assert [str(t) for t in expected] == [codes[i] for i in (0, 1, 2, 3, 4, 5, 7)]  # DuckDB's type names


def test_rowcount_and_fetch(con):
    cur = con.cursor()
    assert cur.rowcount == -1
    cur.execute(f"SELECT name FROM {BOOZE} ORDER BY name")
    assert cur.rowcount in (-1, len(BEERS))
    with pytest.raises(dbapi.Error):
        con.cursor().fetchone()  # nothing executed
    assert cur.fetchone() == (BEERS[0],)
    assert cur.fetchmany() == [(BEERS[1],)]  # arraysize 1
    cur.arraysize = 2
    assert cur.fetchmany() == [(BEERS[2],), (BEERS[3],)]
    assert cur.fetchmany(10) == [(BEERS[4],), (BEERS[5],)]
    assert cur.fetchmany() == [] and cur.fetchone() is None and cur.fetchall() == []


def test_fetchall_and_iteration(con):
    cur = con.cursor()
    cur.execute(f"SELECT name FROM {BOOZE} ORDER BY name")
    assert cur.fetchall() == [(b,) for b in BEERS]
    assert cur.fetchall() == []
    cur.execute(f"SELECT name FROM {BOOZE} ORDER BY name")
    assert [row for row in cur] == [(b,) for b in BEERS]
    cur.execute("SELECT * FROM (SELECT 1 AS a) WHERE a > 1")
    assert cur.rowcount in (-1, 0) and cur.fetchone() is None and cur.fetchall() == []


def test_mixed_fetch(con):
    cur = con.cursor()
    cur.execute(f"SELECT name FROM {BOOZE} ORDER BY name")
    assert [cur.fetchone()] + cur.fetchmany(2) + cur.fetchall() == [(b,) for b in BEERS]


def test_fetch_after_a_statement_without_rows_is_an_error(con):
    cur = con.cursor()
    cur.execute("CREATE TABLE t AS SELECT 1 AS a")
    assert cur.description is None
    with pytest.raises(dbapi.Error):
        cur.fetchone()
    assert cur.execute("SELECT a FROM t").fetchall() == [(1,)]


def test_none_and_types_round_trip(con):
    values = [None, 1, 2**40, 1.5, decimal.Decimal("3.25"), "it's", b"\x00\xff", True, dt.date(2024, 2, 29),
              dt.datetime(2024, 1, 1, 12, 30, 0, 5), dt.time(23, 59, 59)]
    placeholders = ", ".join(f"? AS c{i}" for i in range(len(values)))
    row = con.cursor().execute(f"SELECT {placeholders}", values).fetchone()
    assert row == tuple(values) == duckdb.connect().execute(f"SELECT {placeholders}", values).fetchone()


def test_paramstyles(con):
    cur = con.cursor()
    assert cur.execute("SELECT ? AS a, ? AS b", ("x", 2)).fetchall() == [("x", 2)]
    assert cur.execute("SELECT $2 AS a, $1 AS b", [1, "y"]).fetchall() == [("y", 1)]
    assert cur.execute("SELECT $who AS a", {"who": "z"}).fetchall() == [("z",)]


def test_arraysize_and_sizes(con):
    cur = con.cursor()
    assert cur.arraysize == 1
    cur.setinputsizes((25,))
    cur.setoutputsize(1000)
    cur.setoutputsize(2000, 0)


def test_optional_extensions(con):
    cur = con.cursor()
    assert cur.connection is con
    with pytest.raises(dbapi.NotSupportedError):
        cur.callproc("lower", ("FOO",))
    with pytest.raises(dbapi.NotSupportedError):
        cur.nextset()


def test_fetch_arrow_table_and_fetchdf(con):
    cur = con.cursor().execute(f"SELECT name, length(name) AS n FROM {BOOZE} ORDER BY name")
    assert cur.fetchone() == (BEERS[0], len(BEERS[0]))
    table = cur.fetch_arrow_table()
    assert isinstance(table, pa.Table) and table.column("name").to_pylist() == BEERS[1:]
    frame = con.execute(f"SELECT name, length(name) AS n FROM {BOOZE} ORDER BY name").fetchdf()
    expected = duckdb.connect().sql(f"SELECT name, length(name) AS n FROM {BOOZE} ORDER BY name").df()
    assert_same(frame, expected, ordered=True)


def test_executemany_runs_each_parameter_set(con):
    cur = con.cursor()
    cur.executemany("SELECT ? AS a", [(1,), (2,), (3,)])
    assert cur.description is None  # executemany returns no rows
    assert con.context.tables() == []


def test_pandas_read_sql_over_a_connection(con):
    """pandas treats a DB-API connection that is not SQLAlchemy's as sqlite3-like (cursor, execute
    with params, description, fetchmany/fetchall): the same calls over DuckDB's connection agree."""
    people = pd.DataFrame({"id": [1, 2, 3], "name": ["ann", "o'neil", None], "day": pd.to_datetime(["2024-01-01"] * 3)})
    con.register("people", people)
    duck = duckdb.connect()
    duck.register("people_frame", people)
    duck.execute("CREATE TABLE people AS SELECT * FROM people_frame")  # a table: pandas reads through cursor()
    query = "SELECT id, name, day FROM people WHERE id >= ? ORDER BY id"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas: "only sqlite3 DBAPI2 connections are tested"
        got = pd.read_sql(query, con, params=[2])
        expected = pd.read_sql(query, duck, params=[2])
        chunks = list(pd.read_sql("SELECT id FROM people ORDER BY id", con, chunksize=2))
    pd.testing.assert_frame_equal(got, expected)
    assert [c["id"].tolist() for c in chunks] == [[1, 2], [3]]


# -- with writable tables (CREATE TABLE, INSERT) ----------------------------------------------------
def test_ddl_insert_and_select(con):
    _writable(con)
    cur = con.cursor()
    assert cur.description is None  # CREATE returns no rows
    cur.execute("INSERT INTO booze VALUES ('Victoria Bitter')")
    assert cur.rowcount in (-1, 1) and cur.description is None
    cur.execute("INSERT INTO booze VALUES (?)", ("Cooper's",))
    cur.executemany("INSERT INTO booze VALUES (?)", [(b,) for b in BEERS[:3]])
    assert cur.rowcount in (-1, 3)
    cur.execute("INSERT INTO booze VALUES (?)", (None,))
    other = con.cursor()  # cursor isolation: another cursor of the connection sees the inserts
    rows = other.execute("SELECT name FROM booze").fetchall()
    assert sorted(rows, key=str) == sorted([("Victoria Bitter",), ("Cooper's",), (None,)] + [(b,) for b in BEERS[:3]], key=str)
    assert other.description[0][0] == "name" and other.description[0][1] == dbapi.STRING


def test_transactions(con):
    _writable(con)
    cur = con.cursor()
    cur.execute("INSERT INTO booze VALUES ('kept')")
    con.rollback()  # no transaction open: autocommit, nothing to undo
    con.begin()
    cur.execute("INSERT INTO booze VALUES ('undone')")
    assert con.in_transaction and cur.execute("SELECT count(*) FROM booze").fetchone() == (2,)
    con.rollback()
    assert not con.in_transaction
    cur.execute("BEGIN")
    cur.execute("INSERT INTO booze VALUES (?)", ["committed"])
    con.commit()
    con.begin()
    cur.execute("DELETE FROM booze")
    assert cur.rowcount == 2
    context = con.context
    con.close()  # closing with a transaction open rolls it back (PEP 249)
    assert sorted(context.sql("SELECT name FROM booze").to_arrow().column("name").to_pylist()) == ["committed", "kept"]


def test_executemany_insert_is_one_atomic_statement(con):
    _writable(con)
    cur = con.cursor()
    cur.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    cur.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "it's"), (3, "'); DROP TABLE t; --")])
    assert cur.rowcount == 3 and cur.description is None
    with pytest.raises(dbapi.IntegrityError):
        cur.executemany("INSERT INTO t VALUES (?, ?)", [(4, "d"), (5, None)])  # NOT NULL: neither row goes in
    with pytest.raises(dbapi.IntegrityError):
        cur.execute("INSERT INTO t VALUES (?, ?)", (1, "again"))  # PRIMARY KEY
    cur.executemany("UPDATE t SET name = upper(name) WHERE id = ?", [(1,), (2,), (9,)])  # one statement per set
    assert cur.rowcount == 2
    duck = duckdb.connect()
    duck.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    duck.executemany("INSERT INTO t VALUES (?, ?)", [(1, "a"), (2, "it's"), (3, "'); DROP TABLE t; --")])
    duck.executemany("UPDATE t SET name = upper(name) WHERE id = ?", [(1,), (2,), (9,)])
    assert cur.execute("SELECT * FROM t ORDER BY id").fetchall() == duck.execute("SELECT * FROM t ORDER BY id").fetchall()
