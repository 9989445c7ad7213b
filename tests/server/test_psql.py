"""The server driven by the real ``psql`` (Debian's postgresql-client): queries, several
statements in one simple Query, the catalog commands ``\\dt``, ``\\d``, ``\\l``, ``\\dn``, errors
with their SQLSTATE, a password. Skipped where psql is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.server.conftest import PASSWORD

PSQL = shutil.which("psql")
pytestmark = pytest.mark.skipif(PSQL is None, reason="psql (postgresql-client) is not installed")


def psql(server, *args: str, password: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(PGCONNECT_TIMEOUT="10", PGSSLMODE="prefer", PAGER="", PSQL_PAGER="")
    if password is not None:
        env["PGPASSWORD"] = password
    cmd = [PSQL, "-X", "-h", "127.0.0.1", "-p", str(server.port), "-U", "tester", "-d", "sqlengine", "-v", "ON_ERROR_STOP=1", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def unaligned(server, sql: str) -> list[list[str]]:
    out = psql(server, "-A", "-t", "-F", "|", "-c", sql).stdout
    return [line.split("|") for line in out.splitlines() if line]


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


@pytest.mark.parametrize("sql", [
    "SELECT id, name, qty, price, day, ok FROM items ORDER BY id",
    "SELECT qty, count(*) AS n, sum(price) AS total FROM items GROUP BY qty ORDER BY qty",
    "SELECT g.label, count(*) AS n FROM items i JOIN groups g ON i.qty = g.qty GROUP BY g.label ORDER BY g.label",
])
def test_queries_equal_duckdb(server, duck, sql):
    expected = [[_text(v) for v in row] for row in duck.execute(sql).fetchall()]
    assert unaligned(server, sql) == expected


def test_several_statements_in_one_query(server):
    out = psql(server, "-A", "-t", "-c", "SELECT 1 AS a; SELECT 'two' AS b; SELECT count(*) FROM items").stdout
    assert out.split() == ["1", "two", "60"]


def test_error_shows_sqlstate_and_stops(server):
    out = psql(server, "-v", "VERBOSITY=verbose", "-c", "SELECT no_such_column FROM items", check=False)
    assert out.returncode != 0
    assert "ERROR:  42703:" in out.stderr and "no_such_column" in out.stderr
    out = psql(server, "-v", "VERBOSITY=verbose", "-c", "SELECT * FROM missing_table", check=False)
    assert "ERROR:  42P01:" in out.stderr


def test_dt_lists_tables(server):
    out = psql(server, "-c", r"\dt").stdout
    lines = [line.split("|") for line in out.splitlines() if line.count("|") == 3]
    rows = [[c.strip() for c in line] for line in lines]
    assert rows[0] == ["Schema", "Name", "Type", "Owner"]
    assert rows[1:] == [["public", "groups", "table", "sqlengine"], ["public", "items", "table", "sqlengine"],
                        ["public", "slow", "table", "sqlengine"]]


def test_d_lists_relations_with_views(server):
    out = psql(server, "-A", "-t", "-c", r"\d").stdout
    assert ["public|cheap|view|sqlengine"] == [line for line in out.splitlines() if "cheap" in line]


def test_d_table_shows_columns_and_types(server):
    out = psql(server, "-c", r"\d items").stdout
    assert 'Table "public.items"' in out
    rows = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) == 5 and cells[0] not in ("Column", ""):
            rows[cells[0]] = cells[1]
    assert rows == {"id": "bigint", "name": "text", "qty": "integer", "small": "smallint", "price": "numeric(10,2)",
                    "ratio": "double precision", "ratio32": "real", "day": "date", "ts": "timestamp without time zone",
                    "tstz": "timestamp with time zone", "ok": "boolean", "raw": "bytea"}


def test_d_view(server):
    out = psql(server, "-c", r"\d cheap").stdout
    assert 'View "public.cheap"' in out and "bigint" in out


def test_d_missing_relation(server):
    out = psql(server, "-c", r"\d nothing_here", check=False)
    assert "Did not find any relation named" in out.stderr


def test_verbose_catalog_commands(server):
    """The + forms and the other listings read more of pg_catalog; each answers."""
    out = psql(server, "-c", r"\d+ items").stdout
    assert "| plain" in out and "| extended" in out and "Access method: heap" in out
    assert "items" in psql(server, "-c", r"\dt+").stdout
    assert "pg_default" in psql(server, "-c", r"\l+").stdout
    assert "tester" in psql(server, "-c", r"\du").stdout
    for command in (r"\dv", r"\df", r"\dT", r"\di", r"\dn+", r"\db", r"\dx"):
        psql(server, "-c", command)


def test_l_and_dn(server):
    databases = psql(server, "-A", "-t", "-c", r"\l").stdout
    assert databases.splitlines()[0].split("|")[:3] == ["sqlengine", "sqlengine", "UTF8"]
    schemas = psql(server, "-A", "-t", "-c", r"\dn").stdout
    assert schemas.splitlines() == ["public|sqlengine"]


def test_password(secured):
    out = psql(secured, "-A", "-t", "-c", "SELECT count(*) FROM items", password=PASSWORD)
    assert out.stdout.strip() == "60"
    out = psql(secured, "-c", "SELECT 1", password="wrong", check=False)
    assert out.returncode != 0 and "password authentication failed" in out.stderr


def test_d_created_table_shows_not_null_and_defaults(server):
    psql(server, "-c", "CREATE TABLE psql_made (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL DEFAULT 'x', amount DECIMAL(10,2) DEFAULT 0)")
    try:
        psql(server, "-c", "INSERT INTO psql_made (id) VALUES (1), (2)")
        out = psql(server, "-c", r"\d psql_made").stdout
        rows = [[c.strip() for c in line.split("|")] for line in out.splitlines() if line.count("|") == 4]
        assert rows[1:] == [["id", "integer", "", "not null", ""], ["name", "text", "", "not null", "'x'"],
                            ["amount", "numeric(10,2)", "", "", "0"]]
        assert unaligned(server, "SELECT id, name, amount FROM psql_made ORDER BY id") == [["1", "x", "0.00"], ["2", "x", "0.00"]]
    finally:
        psql(server, "-c", "DROP TABLE psql_made")
