"""The server driven by psycopg 3 (the extended protocol: Parse/Bind/Describe/Execute/Sync), every
answer checked against DuckDB's over the same table, in text and binary result formats."""

from __future__ import annotations

import datetime
import decimal
import socket
import struct
import threading
import time

import pytest

from tests.server.conftest import PASSWORD, SLOW_PARTITIONS, dsn, slow_calls

psycopg = pytest.importorskip("psycopg")

QUERIES = [
    "SELECT id, name, qty, small, price, ratio, day, ts, ok FROM items ORDER BY id",
    "SELECT qty, count(*) AS n, sum(price) AS total, min(day) AS first_day FROM items GROUP BY qty ORDER BY qty",
    "SELECT i.id, g.label FROM items i JOIN groups g ON i.qty = g.qty WHERE i.id < 20 ORDER BY i.id",
    "SELECT name FROM items WHERE name LIKE '%''%' ORDER BY id",
    "SELECT ratio32, tstz, raw FROM items ORDER BY id",
    "SELECT id, ratio FROM items WHERE ratio IS NULL OR ok ORDER BY id DESC LIMIT 7",
]


@pytest.fixture(scope="module")
def conn(server):
    with psycopg.connect(dsn(server), autocommit=True) as c:
        yield c


def _duck_rows(duck, sql, params=()):
    return [tuple(_utc(v) for v in row) for row in duck.execute(sql.replace("%s", "?"), list(params)).fetchall()]


def _utc(v):
    if isinstance(v, datetime.datetime) and v.tzinfo is not None:
        return v.astimezone(datetime.timezone.utc)
    return v


def _rows(cur):
    return [tuple(_utc(v) for v in row) for row in cur.fetchall()]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("sql", QUERIES)
def test_answers_equal_duckdb(conn, duck, sql, binary):
    cur = conn.cursor(binary=binary)
    cur.execute(sql)
    assert _rows(cur) == _duck_rows(duck, sql)
    assert [d.name for d in cur.description] == [d[0] for d in duck.execute(sql).description]


PARAMS = [
    ("SELECT id FROM items WHERE name = %s ORDER BY id", ("it's",)),
    ("SELECT id, price FROM items WHERE price > %s AND qty = %s ORDER BY id", (decimal.Decimal("50.5"), 2)),
    ("SELECT id FROM items WHERE day >= %s AND ts < %s ORDER BY id", (datetime.date(2024, 2, 1), datetime.datetime(2024, 1, 2, 2, 0))),
    ("SELECT count(*) FROM items WHERE ok = %s", (True,)),
    ("SELECT %s IS NULL AS isnull, %s AS s", (None, "a 'quoted' \\ string; DROP TABLE items")),
    ("SELECT id FROM items WHERE ratio > %s ORDER BY id", (3.5,)),
    ("SELECT %s + 1 AS big", (2**40,)),
    ("SELECT %s AS raw", (b"\x00ab'\\",)),  # bytea: once read back as hex digits, not the bytes
]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("sql,params", PARAMS)
def test_parameters(conn, duck, sql, params, binary):
    cur = conn.cursor(binary=binary)
    cur.execute(sql, params)
    assert _rows(cur) == _duck_rows(duck, sql, params)


def test_parameter_never_becomes_sql(conn):
    """A string parameter is a value, whatever it says."""
    row = conn.execute("SELECT count(*) FROM items WHERE name = %s", ("x' OR '1'='1",)).fetchone()
    assert row == (0,)


def test_prepared_statements(conn, duck):
    sql = "SELECT id, name FROM items WHERE qty = %s ORDER BY id"
    for qty in [0, 1, 2, 3, 4, 0, 1, 2]:  # psycopg prepares the statement after its 5th run
        assert _rows(conn.execute(sql, (qty,))) == _duck_rows(duck, sql, (qty,))
    assert _rows(conn.execute(sql, (3,), prepare=True)) == _duck_rows(duck, sql, (3,))


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_interval_results(conn, binary):
    """A timestamp difference is an interval (text: Postgres' own spelling; binary: microseconds)."""
    cur = conn.cursor(binary=binary)
    cur.execute("SELECT ts - timestamp '2024-01-01 00:00:00' AS since FROM items WHERE id IN (1, 3) ORDER BY id")
    assert cur.description[0].type_code == 1186
    assert cur.fetchall() == [(datetime.timedelta(hours=12),), (datetime.timedelta(hours=12, minutes=34, microseconds=2000),)]


def test_large_result(conn):
    rows = conn.execute("SELECT i, i * 2 AS j FROM generate_series(1, 120000) AS s(i)").fetchall()
    assert len(rows) == 120_000 and rows[0] == (1, 2) and rows[-1] == (120_000, 240_000)
    assert sum(r[1] for r in rows) == 120_000 * 120_001


@pytest.mark.parametrize("sql,code", [
    ("SELEC id FROM items", "42601"),
    ("SELECT id FROM no_such_table", "42P01"),
    ("SELECT no_such_column FROM items", "42703"),
    ("SELECT qty % 0 FROM items", "22012"),
    ("SELECT CAST(name AS INTEGER) FROM items", "22P02"),
    ("SELECT * FROM '/etc/hostname'", "42501"),  # the server's files are not the clients'
    ("SELECT * FROM read_csv('/etc/hostname')", "42501"),
    ("COPY items TO '/tmp/sqlengine-server-test.csv'", "42501"),
])
def test_errors_carry_sqlstate(conn, sql, code):
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql).fetchall()
    assert info.value.sqlstate == code
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the connection is still good


def test_failed_transaction_until_rollback(server):
    with psycopg.connect(dsn(server)) as c:  # not autocommit: psycopg opens a transaction
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM nope")
        with pytest.raises(psycopg.errors.InFailedSqlTransaction):
            c.execute("SELECT 1")
        c.rollback()
        assert c.execute("SELECT 2").fetchone() == (2,)
        c.commit()


def test_settings_are_per_session(server):
    with psycopg.connect(dsn(server), autocommit=True) as a, psycopg.connect(dsn(server), autocommit=True) as b:
        a.execute("SET application_name = 'first'")
        a.execute("SET default_order = 'desc'")
        assert a.execute("SHOW application_name").fetchone() == ("first",)
        assert b.execute("SHOW application_name").fetchone() == ("",)
        assert a.execute("SELECT id FROM items WHERE id < 4 ORDER BY id").fetchall() == [(3,), (2,), (1,)]
        assert b.execute("SELECT id FROM items WHERE id < 4 ORDER BY id").fetchall() == [(1,), (2,), (3,)]
        assert a.execute("SELECT current_setting('application_name')").fetchone() == ("first",)
        with pytest.raises(psycopg.Error) as info:
            a.execute("SHOW no_such_setting")
        assert info.value.sqlstate == "42704"


def test_ssl_refused_cleanly(server):
    with pytest.raises(psycopg.OperationalError, match="SSL"):
        psycopg.connect(dsn(server, sslmode="require"))
    with psycopg.connect(dsn(server, sslmode="prefer")) as c:  # asks, is refused, goes on in plain text
        assert c.execute("SELECT 1").fetchone() == (1,)


def test_password_scram(secured):
    with psycopg.connect(dsn(secured, password=PASSWORD)) as c:
        assert c.execute("SELECT count(*) FROM items").fetchone() == (60,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn(secured, password="wrong"))


def test_password_md5(secured_md5):
    with psycopg.connect(dsn(secured_md5, password=PASSWORD)) as c:
        assert c.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(dsn(secured_md5, password="wrong"))


def _sqlstate_of_refusal(server, password: str) -> str:
    """The SQLSTATE in the ErrorResponse a wrong password gets (read off the socket)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        body = struct.pack("!i", 196608) + b"user\0u\0database\0sqlengine\0\0"
        s.sendall(struct.pack("!i", len(body) + 4) + body)
        s.recv(1024)  # AuthenticationMD5Password
        s.sendall(b"p" + struct.pack("!i", 4 + 36) + b"md5" + b"0" * 32 + b"\0")
        data = s.recv(4096)
    assert data[:1] == b"E"
    fields = dict((f[:1], f[1:]) for f in data[5:].split(b"\0") if f)
    return fields[b"C"].decode()


def test_wrong_password_is_28P01(secured_md5):
    assert _sqlstate_of_refusal(secured_md5, "wrong") == "28P01"


def test_non_loopback_needs_password():
    from frames.errors import InvalidArgumentError
    from repl.server import check_address

    with pytest.raises(InvalidArgumentError, match="--password"):
        check_address("0.0.0.0", None)
    check_address("0.0.0.0", "pw")  # allowed with a password
    check_address("127.0.0.1", None)
    check_address("::1", None)


def test_ten_concurrent_clients(server, duck):
    sql = "SELECT id, name, price FROM items WHERE qty = %s AND id > %s ORDER BY id"
    results, errors = {}, []

    def client(k):
        try:
            with psycopg.connect(dsn(server), autocommit=True) as c:
                results[k] = [_rows(c.execute(sql, (k % 5, j))) for j in range(0, 40, 10)]
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    for k in range(10):
        assert results[k] == [_duck_rows(duck, sql, (k % 5, j)) for j in range(0, 40, 10)]


def test_cancel_stops_the_query(server):
    with psycopg.connect(dsn(server), autocommit=True) as c:
        slow_calls["n"] = 0

        def cancel_once_running():  # cancel after the first partitions ran: the compute, not the planning
            deadline = time.monotonic() + 60
            while slow_calls["n"] == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            c.cancel_safe()

        canceller = threading.Thread(target=cancel_once_running)
        canceller.start()
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute("SELECT count(*) FROM slow").fetchone()
        canceller.join()
        ran = slow_calls["n"]
        assert 0 < ran < SLOW_PARTITIONS  # stopped part-way: not every partition was computed
        assert c.execute("SELECT count(*) FROM items").fetchone() == (60,)  # the session goes on


def _msg(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def _exchange(server, messages: bytes) -> list[tuple[bytes, bytes]]:
    """Start a session by hand, send ``messages`` (ending with Sync) and collect the replies up to
    ReadyForQuery: for what psycopg never sends (row limits, untyped parameters)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        body = struct.pack("!i", 196608) + b"user\0u\0\0"
        s.sendall(struct.pack("!i", len(body) + 4) + body)
        f = s.makefile("rb")

        def read():
            kind = f.read(1)
            (n,) = struct.unpack("!i", f.read(4))
            return kind, f.read(n - 4)

        while read()[0] != b"Z":
            pass
        s.sendall(messages)
        replies = []
        while not replies or replies[-1][0] != b"Z":
            replies.append(read())
    return replies


def test_portal_suspended_after_max_rows(server):
    """Execute with a row limit (what JDBC's fetch size sends) answers in pieces."""
    limit = _msg(b"E", b"\0" + struct.pack("!i", 2))
    replies = _exchange(server, _msg(b"P", b"\0SELECT id FROM items ORDER BY id LIMIT 5\0\0\0")
                        + _msg(b"B", b"\0\0\0\0\0\0\0\0") + limit + limit + limit + _msg(b"S"))
    assert [int(p[6:]) for k, p in replies if k == b"D"] == [1, 2, 3, 4, 5]
    assert [k for k, _ in replies] == [b"1", b"2", b"D", b"D", b"s", b"D", b"D", b"s", b"D", b"C", b"Z"]


def test_writes_through_the_wire(server, duck):
    """CREATE TABLE / INSERT / UPDATE / DELETE with parameters: row counts as Postgres tags them,
    the rows as DuckDB leaves them after the same statements, visible to other sessions."""
    statements = [
        ("CREATE TABLE wire_t (id INTEGER PRIMARY KEY, name VARCHAR, amount DECIMAL(10,2))", None),
        ("INSERT INTO wire_t VALUES (%s, %s, %s), (%s, %s, %s)", (1, "it's", decimal.Decimal("1.50"), 2, None, decimal.Decimal("2.25"))),
        ("INSERT INTO wire_t SELECT id + 10, name, price FROM items WHERE id <= %s", (3,)),
        ("UPDATE wire_t SET amount = amount * 2 WHERE id > %s", (10,)),
        ("DELETE FROM wire_t WHERE id = %s", (12,)),
    ]
    counts = []
    with psycopg.connect(dsn(server), autocommit=True) as c:
        for sql, params in statements:
            cur = c.execute(sql, params)
            counts.append(cur.rowcount)
            duck.execute(sql.replace("%s", "?"), list(params or ()))
        with psycopg.connect(dsn(server), autocommit=True) as other:
            got = other.execute("SELECT * FROM wire_t ORDER BY id").fetchall()
        with pytest.raises(psycopg.Error) as info:
            c.execute("INSERT INTO wire_t VALUES (1, 'again', 0)")
        assert info.value.sqlstate == "23505"
        with pytest.raises(psycopg.Error) as info:
            c.execute("INSERT INTO items (id) VALUES (1000)")
        assert info.value.sqlstate == "42809"  # a registered table takes no writes
        c.execute("DROP TABLE wire_t")
    assert counts[1:] == [2, 3, 3, 1]
    assert got == duck.execute("SELECT * FROM wire_t ORDER BY id").fetchall()
    duck.execute("DROP TABLE wire_t")


def test_rollback_undoes_writes(server):
    with psycopg.connect(dsn(server), autocommit=True) as c:
        c.execute("CREATE TABLE wire_tx (id INTEGER)")
        c.execute("INSERT INTO wire_tx VALUES (1)")
    with psycopg.connect(dsn(server)) as c:  # psycopg sends BEGIN before the first statement
        c.execute("INSERT INTO wire_tx VALUES (2)")
        assert c.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        assert c.execute("SELECT count(*) FROM wire_tx").fetchone() == (2,)
        c.rollback()
        assert c.execute("SELECT count(*) FROM wire_tx").fetchone() == (1,)
        c.execute("INSERT INTO wire_tx VALUES (3)")
        c.commit()
        assert c.execute("SELECT id FROM wire_tx ORDER BY id").fetchall() == [(1,), (3,)]
        c.execute("DROP TABLE wire_tx")
        c.commit()


def test_rollback_to_savepoint_undoes_what_followed_it(server):
    """psycopg's nested transaction() blocks (and SQLAlchemy's begin_nested) are savepoints: an
    inner block that fails must take back its own writes, and only those."""
    with psycopg.connect(dsn(server), autocommit=True) as c:
        c.execute("CREATE TABLE wire_sp (id INTEGER)")
        with c.transaction():
            c.execute("INSERT INTO wire_sp VALUES (1)")
            with pytest.raises(ZeroDivisionError):
                with c.transaction():  # SAVEPOINT ... ROLLBACK TO SAVEPOINT
                    c.execute("INSERT INTO wire_sp VALUES (2)")
                    c.execute("CREATE TABLE wire_sp_inner (x INTEGER)")
                    raise ZeroDivisionError
            with c.transaction():  # SAVEPOINT ... RELEASE SAVEPOINT
                c.execute("INSERT INTO wire_sp VALUES (3)")
        assert c.execute("SELECT id FROM wire_sp ORDER BY id").fetchall() == [(1,), (3,)]
        with pytest.raises(psycopg.errors.UndefinedTable):
            c.execute("SELECT * FROM wire_sp_inner")
        c.execute("DROP TABLE wire_sp")


def test_untyped_parameters_take_the_column_type(server):
    """A client that sends every parameter as untyped text (node-postgres, psql's \\bind) gets
    them read as the type of the column they are compared with."""
    def text_param(v: bytes) -> bytes:
        return struct.pack("!i", len(v)) + v

    query = b"SELECT name FROM items WHERE id = $1 AND price > $2 LIMIT $3\0"
    replies = _exchange(server, _msg(b"P", b"q\0" + query + struct.pack("!h", 0)) + _msg(b"D", b"Sq\0")
                        + _msg(b"B", b"\0q\0" + struct.pack("!hh", 0, 3) + text_param(b"8") + text_param(b"1.5")
                               + text_param(b"5") + struct.pack("!h", 0))
                        + _msg(b"E", b"\0" + struct.pack("!i", 0)) + _msg(b"S"))
    assert b"E" not in [k for k, _ in replies], replies
    described = next(p for k, p in replies if k == b"t")
    assert struct.unpack("!hiii", described) == (3, 20, 1700, 20)  # bigint, numeric, bigint
    assert [p[6:].decode() for k, p in replies if k == b"D"] == ["it's"]
