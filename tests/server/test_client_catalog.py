"""The catalog queries DBeaver, Metabase and Grafana send (``client_queries``) all answer, and
the ones that list tables and columns answer what the catalog holds."""

from __future__ import annotations

import pytest

from tests.server.client_queries import DBEAVER, GRAFANA, METABASE
from tests.server.conftest import dsn

psycopg = pytest.importorskip("psycopg")


@pytest.fixture(scope="module")
def conn(server):
    with psycopg.connect(dsn(server), autocommit=True) as c:
        yield c


@pytest.mark.parametrize("sql", DBEAVER + METABASE + GRAFANA, ids=lambda q: " ".join(q.split())[:60])
def test_client_query_answers(conn, sql):
    cur = conn.execute(sql)
    if cur.description is not None:
        cur.fetchall()


def test_metabase_lists_tables_and_views(conn):
    rows = conn.execute(METABASE[6]).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [("public", "groups", "TABLE"), ("public", "items", "TABLE"),
                                                 ("public", "slow", "TABLE"), ("public", "cheap", "VIEW")]
    privileges = conn.execute(METABASE[5]).fetchall()
    assert sorted(r[2] for r in privileges) == ["cheap", "groups", "items", "slow"]


def test_dbeaver_navigator_columns(conn):
    cur = conn.execute(DBEAVER[-1])
    names = [d.name for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    items = [(r["attname"], r["atttypid"]) for r in rows if r["relname"] == "groups"]
    assert items == [("qty", 23), ("label", 25)]


def test_schemas_and_version(conn):
    assert conn.execute("SELECT current_schema(), session_user").fetchone() == ("public", "tester")
    assert conn.execute("SELECT version()").fetchone()[0].startswith("PostgreSQL 15.0 (sqlengine")
    assert conn.execute("SELECT current_setting('server_version_num')::int").fetchone() == (150000,)
    names = [r[0] for r in conn.execute("SELECT nspname FROM pg_catalog.pg_namespace ORDER BY nspname")]
    assert names == ["information_schema", "pg_catalog", "public"]


def test_grafana_lists_tables_and_columns(conn):
    assert conn.execute(GRAFANA[0]).fetchall() == [("groups",), ("items",), ("slow",)]  # base tables only
    assert [r[0] for r in conn.execute(GRAFANA[1]).fetchall()] == ["qty", "label"]
