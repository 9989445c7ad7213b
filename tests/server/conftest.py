"""One server per test session on 127.0.0.1 (a free port), over tables whose answers DuckDB checks.

``server`` trusts loopback clients; ``secured`` asks for a password with SCRAM-SHA-256 and
``secured_md5`` with md5. Clients connect through ``dsn(server)``.
"""

from __future__ import annotations

import datetime
import decimal
import threading
import time

import pandas as pd
import pyarrow as pa
import pytest

import frames
import sqlengine

PASSWORD = "s3cret 'quoted'"
SLOW_PARTITIONS = 120
SLOW_SECONDS = 0.05
slow_calls = {"n": 0}
_slow_lock = threading.Lock()


def items_table() -> pa.Table:
    """Every common type, NULLs, quotes and non-ASCII text; 60 rows."""
    n = 60
    return pa.table({
        "id": pa.array(range(1, n + 1), pa.int64()),
        "name": pa.array([None if i % 11 == 0 else ("it's" if i % 7 == 0 else f"näme {i}") for i in range(n)], pa.string()),
        "qty": pa.array([i % 5 for i in range(n)], pa.int32()),
        "small": pa.array([i % 3 - 1 for i in range(n)], pa.int16()),
        "price": pa.array([decimal.Decimal(f"{i * 1.25:.2f}") for i in range(n)], pa.decimal128(10, 2)),
        "ratio": pa.array([None if i % 13 == 0 else i / 7 for i in range(n)], pa.float64()),
        "ratio32": pa.array([i / 4 for i in range(n)], pa.float32()),
        "day": pa.array([datetime.date(2024, 1, 1) + datetime.timedelta(days=i) for i in range(n)], pa.date32()),
        "ts": pa.array([datetime.datetime(2024, 1, 1, 12, 0) + datetime.timedelta(minutes=17 * i, microseconds=i * 1000)
                        for i in range(n)], pa.timestamp("us")),
        "tstz": pa.array([datetime.datetime(2024, 3, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=i)
                          for i in range(n)], pa.timestamp("us", "UTC")),
        "ok": pa.array([None if i % 17 == 0 else i % 2 == 0 for i in range(n)], pa.bool_()),
        "raw": pa.array([bytes([i, 255 - i]) for i in range(n)], pa.binary()),
    })


def _slow(part: pd.DataFrame) -> pd.DataFrame:
    """A partition that takes a while: what a cancelled query must stop part-way through."""
    with _slow_lock:
        slow_calls["n"] += 1
    time.sleep(SLOW_SECONDS)
    return part


def build_context() -> sqlengine.Context:
    ctx = sqlengine.Context(dialect="postgres")
    ctx.register("items", frames.from_arrow(items_table(), npartitions=3))
    ctx.register("groups", pa.table({"qty": pa.array([0, 1, 2, 3], pa.int32()), "label": ["none", "one", "two", "three"]}))
    slow = frames.from_pandas(pd.DataFrame({"x": range(SLOW_PARTITIONS * 10)}), npartitions=SLOW_PARTITIONS)
    ctx.register("slow", slow.map_partitions(_slow))
    ctx.sql("CREATE VIEW cheap AS SELECT id, name FROM items WHERE price < 10")
    return ctx


def _start(**kwargs):
    from repl.server import Server

    server = Server(build_context(), host="127.0.0.1", port=0, **kwargs)
    server.start()
    return server


@pytest.fixture(scope="session")
def server():
    srv = _start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def secured():
    srv = _start(password=PASSWORD)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def secured_md5():
    srv = _start(password=PASSWORD, auth="md5")
    yield srv
    srv.stop()


def dsn(server, user: str = "tester", password: str | None = None, **extra) -> str:
    """A libpq connection string for ``server`` (values quoted by psycopg's own rules)."""
    conninfo = pytest.importorskip("psycopg.conninfo")
    parts = {"host": "127.0.0.1", "port": server.port, "user": user, "dbname": "sqlengine", "connect_timeout": 10, **extra}
    if password is not None:
        parts["password"] = password
    return conninfo.make_conninfo(**parts)


@pytest.fixture(scope="session")
def duck():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("items", items_table())
    con.register("groups", pa.table({"qty": pa.array([0, 1, 2, 3], pa.int32()), "label": ["none", "one", "two", "three"]}))
    return con
