"""Session and catalog SQL against DuckDB: information_schema, DESCRIBE, SHOW TABLES, current_schema()
and friends for the same tables; SET / SHOW / RESET per session.

Not compared: DESCRIBE of a view or query whose outputs are a table's key columns (DuckDB follows
them back to the table's constraints and says NO / PRI; sqlengine says YES and no key)."""

from __future__ import annotations

import pandas as pd
import pytest

import sqlengine
from sqlengine import InvalidArgumentError
from tests.sql.oracle import assert_same

duckdb = pytest.importorskip("duckdb")

TABLES = [
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'x', price DECIMAL(10, 2), "
    "qty BIGINT UNIQUE, small SMALLINT, tiny TINYINT, ratio DOUBLE, f FLOAT, day DATE, stamp TIMESTAMP, ok BOOLEAN)",
    "CREATE TABLE made AS SELECT 1 AS one, 'a' AS letter, 2.5 AS dec",
    "CREATE VIEW cheap AS SELECT price, ratio, day FROM items WHERE price < 10",
]


@pytest.fixture(scope="module")
def both():
    ctx, con = sqlengine.Context(), duckdb.connect()
    for s in TABLES:
        ctx.sql(s)
        con.execute(s)
    return ctx, con


def _same(both, query: str) -> None:
    ctx, con = both
    ours, theirs = ctx.sql(query).compute(), con.execute(query).df()
    assert list(ours.columns) == list(theirs.columns)
    assert_same(ours, theirs, ordered="ORDER BY" in query.upper())


@pytest.mark.parametrize("query", [
    "SELECT * FROM information_schema.tables ORDER BY table_name",
    "SELECT * FROM information_schema.columns ORDER BY table_name, ordinal_position",
    "SELECT * EXCLUDE (schema_owner) FROM information_schema.schemata ORDER BY catalog_name, schema_name",
    "SELECT table_name, count(*) AS n FROM information_schema.columns WHERE data_type LIKE 'DECIMAL%' GROUP BY table_name ORDER BY 1",
    "SELECT c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_name) "
    "WHERE t.table_type = 'VIEW' ORDER BY 1",
    "SELECT current_schema(), current_database()",
    "SELECT count(*) AS n FROM main.items",
    "SELECT count(*) AS n FROM memory.main.made",
])
def test_catalog_queries_match_duckdb(both, query):
    _same(both, query)


@pytest.mark.parametrize("statement", ["DESCRIBE items", "DESCRIBE made", "DESCRIBE cheap", "SHOW items", "SHOW TABLES",
                                       "DESCRIBE SELECT ratio * 2 AS r, price, stamp FROM items", "SHOW ALL TABLES"])
def test_describe_and_show_match_duckdb(both, statement):
    ctx, con = both
    ours, theirs = ctx.sql(statement).compute(), con.execute(statement).df()
    assert list(ours.columns) == list(theirs.columns)
    if statement == "SHOW ALL TABLES":  # list columns: compared as text
        ours, theirs = (f.astype({"column_names": str, "column_types": str}) for f in (ours, theirs))
        theirs["column_types"] = theirs["column_types"].str.replace("'", "")
        ours["column_types"] = ours["column_types"].str.replace("'", "")
    assert_same(ours, theirs, ordered=True)


def test_information_schema_sees_changes_and_reads_partitioned(tmp_path):
    ctx = sqlengine.Context()
    ctx.register("frame", pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    ctx.sql("CREATE TABLE t (k INTEGER)")
    query = "SELECT table_name, table_type, is_insertable_into FROM information_schema.tables ORDER BY 1"
    assert ctx.sql(query).compute().values.tolist() == [["frame", "BASE TABLE", "NO"], ["t", "BASE TABLE", "YES"]]
    ctx.sql("ALTER TABLE t ADD COLUMN v VARCHAR")
    ctx.sql("ALTER TABLE t RENAME TO renamed")
    got = ctx.sql("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name = 'renamed'")
    assert got.compute().values.tolist() == [["renamed", "k", "INTEGER"], ["renamed", "v", "VARCHAR"]]
    assert ctx.sql("SELECT version() AS v").compute().v[0].startswith("v")


def test_set_show_reset_per_session():
    first, second = sqlengine.Context(), sqlengine.Context()
    first.sql("SET application_name = 'report'")
    first.sql("SET SESSION extra_float_digits TO 3")
    first.sql("SET TIME ZONE 'UTC'")
    first.sql("SET DateStyle = ISO, MDY")
    assert first.sql("SHOW application_name").compute().values.tolist() == [["report"]]
    assert first.sql("SELECT current_setting('extra_float_digits') AS v").compute().v[0] == "3"
    assert second.sql("SHOW application_name").compute().application_name[0] == ""
    first.sql("RESET application_name")
    assert first.sql("SHOW application_name").compute().application_name[0] == ""
    first.sql("SET default_order = 'desc'")
    first.sql("RESET ALL")
    assert first.sql("SHOW default_order").compute().default_order[0] == "asc"
    assert first.sql("SHOW extra_float_digits").compute().extra_float_digits[0] == "1"


@pytest.mark.parametrize("statement,match", [
    ("SET no_such_setting = 1", "unknown setting 'no_such_setting'"),
    ("SHOW no_such_setting", "unknown setting 'no_such_setting'"),
    ("RESET no_such_setting", "unknown setting 'no_such_setting'"),
    ("SET default_ordr = 'desc'", "did you mean 'default_order'"),
    ("SET TimeZone = 'Europe/Paris'", "only works with the default"),
    ("SET search_path = 'elsewhere'", "only works with the default"),
])
def test_bad_settings_are_refused_by_name(statement, match):
    with pytest.raises(InvalidArgumentError, match=match):
        sqlengine.Context().sql(statement)
