"""The server through SQLAlchemy's postgresql dialect (over psycopg): queries with bound
parameters, pandas.read_sql, and table reflection from the emulated pg_catalog."""

from __future__ import annotations

import pytest

pytest.importorskip("psycopg")
sa = pytest.importorskip("sqlalchemy")


@pytest.fixture(scope="module")
def engine(server):
    eng = sa.create_engine(f"postgresql+psycopg://tester@127.0.0.1:{server.port}/sqlengine")
    yield eng
    eng.dispose()


def test_text_query_with_parameters(engine, duck):
    sql = "SELECT id, name, price FROM items WHERE qty = :qty AND name IS NOT NULL ORDER BY id"
    with engine.connect() as c:
        rows = [tuple(r) for r in c.execute(sa.text(sql), {"qty": 3})]
    assert rows == duck.execute(sql.replace(":qty", "?"), [3]).fetchall()


def test_read_sql(engine, duck):
    pd = pytest.importorskip("pandas")
    sql = "SELECT qty, count(*) AS n, sum(ratio) AS s FROM items GROUP BY qty ORDER BY qty"
    with engine.connect() as c:
        got = pd.read_sql(sa.text(sql), c)
    pd.testing.assert_frame_equal(got, duck.execute(sql).df(), check_dtype=False)


def test_reflection(engine):
    insp = sa.inspect(engine)
    assert insp.get_table_names() == ["groups", "items", "slow"]
    assert "cheap" in insp.get_view_names()
    columns = {c["name"]: c for c in insp.get_columns("items")}
    assert list(columns) == ["id", "name", "qty", "small", "price", "ratio", "ratio32", "day", "ts", "tstz", "ok", "raw"]
    assert isinstance(columns["id"]["type"], sa.BigInteger)
    assert isinstance(columns["price"]["type"], sa.Numeric) and (columns["price"]["type"].precision, columns["price"]["type"].scale) == (10, 2)
    assert isinstance(columns["day"]["type"], sa.Date)
    assert insp.get_pk_constraint("items")["constrained_columns"] == []


def test_reflected_table_select(engine, duck):
    items = sa.Table("items", sa.MetaData(), autoload_with=engine)
    query = sa.select(items.c.id, items.c.name).where(items.c.qty == 2, items.c.id < 30).order_by(items.c.id)
    with engine.connect() as c:
        rows = [tuple(r) for r in c.execute(query)]
    assert rows == duck.execute("SELECT id, name FROM items WHERE qty = 2 AND id < 30 ORDER BY id").fetchall()
