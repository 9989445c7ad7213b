"""Query parameters (``?``, ``$1``, ``$name``) against DuckDB's answers to the same parameterised
queries: every value type (its value and its Arrow type), NULL, quotes and injection attempts,
placeholders anywhere a constant may stand, and the errors for values that do not fit."""

from __future__ import annotations

import datetime as dt
import decimal

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

import frames
import sqlengine
from planner.errors import ParameterError, UnsupportedFeatureError
from tests.sql.oracle import assert_same

VALUES = {
    "int": 7, "negative int": -2147483648, "bigint": 2**40, "huge int": 2**100, "float": 1.5,
    "float inf": float("inf"), "decimal": decimal.Decimal("-12.345"), "decimal scale": decimal.Decimal("0.50"),
    "str": "plain", "str quotes": "it's \"quoted\" ''", "str backslash": "a\\b\\'", "str unicode": "zürich ☃\n\ttab",
    "str empty": "", "bytes": b"a\x00\xff\\'\"", "bytes empty": b"", "true": True, "false": False, "null": None,
    "date": dt.date(2024, 2, 29), "datetime": dt.datetime(2020, 1, 2, 3, 4, 5, 6), "time": dt.time(1, 2, 3, 4),
    "timedelta days": dt.timedelta(days=3), "timedelta seconds": dt.timedelta(days=1, seconds=5),
}


@pytest.mark.parametrize("value", list(VALUES.values()), ids=list(VALUES))
def test_value_and_type_as_duckdb(value):
    got = sqlengine.Context().sql("SELECT ? AS v", [value]).to_arrow()
    relation = duckdb.connect().sql("SELECT $v AS v", params={"v": value})
    expected = relation.to_arrow_table()
    assert got.column("v").to_pylist() == [row[0] for row in relation.fetchall()]
    if isinstance(value, dt.timedelta):  # DuckDB's INTERVAL is Arrow's month_day_nano; ours a duration
        assert pa.types.is_duration(got.schema.field("v").type)
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 2**63:
        assert got.schema.field("v").type == pa.decimal128(38, 0)  # HUGEINT, as DuckDB hands it to Arrow
    else:
        assert got.schema.field("v").type == expected.schema.field("v").type


def test_numpy_scalars_bind_as_their_python_values():
    import numpy as np

    got = sqlengine.Context().sql("SELECT ? AS i, ? AS f, ? AS b", [np.int64(3), np.float32(0.5), np.bool_(True)]).to_arrow()
    assert got.to_pylist() == [{"i": 3, "f": 0.5, "b": True}]


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return pd.DataFrame({"id": range(12), "name": ["ann", "bob", "o'neil", "x' OR '1'='1", None, "bob"] * 2,
                         "score": [1.5, 2.0, None, 4.25, 5.0, 6.5] * 2,
                         "day": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"] * 4).date})


QUERIES = [
    ("SELECT id FROM people WHERE name = ? ORDER BY id", ["bob"]),
    ("SELECT id FROM people WHERE name = ? ORDER BY id", ["o'neil"]),
    ("SELECT id FROM people WHERE name = ? ORDER BY id", ["x' OR '1'='1"]),  # found only as the literal text
    ("SELECT id FROM people WHERE name = ? ORDER BY id", ["nobody' OR '1'='1"]),
    ("SELECT id FROM people WHERE name = ? ORDER BY id", ["'; DROP TABLE people; --"]),
    ("SELECT id FROM people WHERE name = ? ORDER BY id", [None]),  # = NULL matches nothing
    ("SELECT id FROM people WHERE score > ? AND day >= ? ORDER BY id", [2.0, dt.date(2024, 2, 1)]),
    ("SELECT id, score * $1 AS s FROM people WHERE score < $1 + $2 ORDER BY id", [2, decimal.Decimal("0.5")]),
    ("SELECT name, count(*) AS n FROM people WHERE id BETWEEN $lo AND $hi GROUP BY name HAVING count(*) >= $n ORDER BY name",
     {"lo": 1, "hi": 9, "n": 1}),
    ("SELECT id FROM people WHERE name IN (?, ?) OR name LIKE ? ORDER BY id LIMIT ? OFFSET ?", ["ann", "bob", "o%", 4, 1]),
    ("WITH c AS (SELECT ? AS k) SELECT id, k FROM people, c WHERE id < ? ORDER BY id", ["const", 3]),
    ("SELECT coalesce(name, ?) AS n, CASE WHEN score > ? THEN ? ELSE ? END AS c FROM people ORDER BY id", ["?", 3, "hi", "lo"]),
    ("SELECT '?' AS q, '$1' AS d, ? AS p FROM people WHERE id = 0", ["value"]),  # placeholders in strings are text
    ("SELECT day + ? AS later FROM people WHERE id = 0", [dt.timedelta(days=40)]),
]


@pytest.mark.parametrize("npartitions", [1, 3])
@pytest.mark.parametrize("query,params", QUERIES, ids=[f"q{i}" for i in range(len(QUERIES))])
def test_queries_as_duckdb(people, npartitions, query, params):
    ctx = sqlengine.Context()
    ctx.register("people", frames.from_pandas(people, npartitions=npartitions))
    got = ctx.sql(query, params).compute()
    con = duckdb.connect()
    con.register("people", people)
    expected = con.execute(query, params).fetchdf()
    assert_same(got, expected, ordered=True)
    assert ctx.tables() == ["people"]  # nothing a value held ran as SQL


def test_one_shot_sql_takes_parameters(people):
    got = sqlengine.sql("SELECT count(*) AS n FROM people WHERE name = ?", params=["bob"]).compute()
    con = duckdb.connect()
    con.register("people", people)
    assert got["n"].tolist() == [row[0] for row in con.execute("SELECT count(*) FROM people WHERE name = ?", ["bob"]).fetchall()]


@pytest.mark.parametrize("dialect", ["postgres", "sqlite", "mysql", "snowflake"])
def test_other_dialects_placeholders(dialect):
    ctx = sqlengine.Context(dialect=dialect)

    def rows(text, params):
        return ctx.sql(text, params).compute().values.tolist()  # snowflake spells the names in upper case

    assert rows("SELECT ? AS x, ? AS y", [5, "it's"]) == [[5, "it's"]]
    assert rows("SELECT :a AS x", {"a": 1.5}) == [[1.5]]
    if dialect in ("postgres", "snowflake"):
        assert rows("SELECT $2 AS x, $1 AS y", ["b", "a"]) == [["a", "b"]]


def test_parameters_across_statements_in_text_order():
    ctx = sqlengine.Context()
    got = ctx.sql("CREATE TABLE t AS SELECT ? AS a; SELECT a, ? AS b FROM t", [1, "two"]).compute()
    assert got.to_dict("records") == [{"a": 1, "b": "two"}]


def test_explain_binds_parameters():
    assert "'needle' AS a" in sqlengine.Context().explain("SELECT ? AS a", params=["needle"])
    with pytest.raises(ParameterError):
        sqlengine.Context().explain("SELECT ? AS a")


ERRORS = [  # (query, params, a regular expression the message matches)
    ("SELECT ?", None, r"1 parameter placeholder but no parameter values"),
    ("SELECT ?", [], r"has 1 parameter .* but 0 value"),
    ("SELECT ?, ?", [1], r"has 2 parameters .* but 1 value"),
    ("SELECT ?", [1, 2], r"has 1 parameter .* but 2 value"),
    ("SELECT 1", [1], r"no placeholder"),
    ("SELECT $2", [1, 2], r"never uses \$1"),
    ("SELECT $3", [1], r"has 3 parameters"),
    ("SELECT $1, ?", [1, 2], r"mixes '\?'"),
    ("SELECT $1, $a", [1], r"mixes numbered"),
    ("SELECT $a", {"b": 1}, r"no value for \$a"),
    ("SELECT $a", {"a": 1, "b": 2}, r"never uses"),
    ("SELECT $a", [1], r"need a mapping"),
    ("SELECT ?", {"a": 1}, r"need a sequence"),
    ("SELECT ?", "x", r"need a sequence"),
    ("SELECT ?", [[1, 2]], r"type list"),
    ("SELECT ?", [object()], r"type object"),
    ("SELECT ?", [10**40], r"more than 38 digits"),
]


@pytest.mark.parametrize("query,params,message", ERRORS, ids=[f"e{i}" for i in range(len(ERRORS))])
def test_parameter_errors(query, params, message):
    with pytest.raises(ParameterError, match=message):
        sqlengine.Context().sql(query, params)


def test_unsupported_values_are_named():
    with pytest.raises(UnsupportedFeatureError, match="timezone-aware"):
        sqlengine.Context().sql("SELECT ?", [dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)])
    with pytest.raises(UnsupportedFeatureError, match="fractions of a second"):
        sqlengine.Context().sql("SELECT ?", [dt.timedelta(microseconds=5)])


def test_insert_with_parameters_as_duckdb():
    """Gains its coverage once INSERT exists (issue 18's writable tables); skips until then."""
    ctx = sqlengine.Context()
    try:
        ctx.sql("CREATE TABLE t (a INTEGER, s VARCHAR, d DATE)")
        for row in [(1, "it's", dt.date(2024, 1, 1)), (2, None, None), (3, "'); DROP TABLE t; --", dt.date(2024, 1, 3))]:
            ctx.sql("INSERT INTO t VALUES (?, ?, ?)", list(row))
    except UnsupportedFeatureError as exc:
        pytest.skip(f"the engine has no INSERT yet ({exc})")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INTEGER, s VARCHAR, d DATE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(1, "it's", dt.date(2024, 1, 1)), (2, None, None),
                                                       (3, "'); DROP TABLE t; --", dt.date(2024, 1, 3))])
    assert_same(ctx.sql("SELECT * FROM t ORDER BY a").compute(), con.execute("SELECT * FROM t ORDER BY a").fetchdf(), ordered=True)


@pytest.mark.parametrize("query", [
    "SELECT CAST('01:02:03.5' AS TIME) AS v", "SELECT '\\xAA\\x00z'::BLOB AS v", "SELECT CAST('ab' AS BLOB) AS v",
    "SELECT INTERVAL 5 SECOND AS v", "SELECT INTERVAL '3 days' AS v", "SELECT INTERVAL 2 HOUR AS v",
])
def test_constants_the_parameters_become_as_duckdb(query):
    """The typed constants parameters bind to, written as SQL: DuckDB's answer for each."""
    got = sqlengine.Context().sql(query).to_arrow().column("v").to_pylist()
    assert got == [row[0] for row in duckdb.connect().sql(query).fetchall()]


def test_bad_blob_and_time_text_are_named():
    from frames.errors import DataTypeError

    with pytest.raises(DataTypeError, match="invalid escape"):
        sqlengine.Context().sql("SELECT '\\q'::BLOB AS v").to_arrow()
    with pytest.raises(DataTypeError, match="is not a time"):
        sqlengine.Context().sql("SELECT CAST('25:99' AS TIME) AS v").to_arrow()
