"""The SQLAlchemy dialect ``sqlengine://``: ``create_engine("sqlengine://")`` (an empty in-memory
catalog) or ``create_engine("sqlengine:///path/shop.sqlengine")`` (a database directory, as
``sqlengine.connect`` takes it); URL query options go to the ``Context``
(``sqlengine://?scheduler=sync``).

Registered as the ``sqlalchemy.dialects`` entry point ``sqlengine`` (pyproject.toml), so SQLAlchemy
finds it by name; only SQLAlchemy imports this module. It is SQLAlchemy's default dialect over
``sqlengine.dbapi`` with a type compiler that writes the types DuckDB's SQL (which the engine reads)
names (``DOUBLE`` for a 64-bit ``Float``, ``BLOB``, ``TIMESTAMP``), and reflection read straight from
the session's catalog: tables, views, their columns with types mapped from Arrow, NOT NULL, DEFAULT,
PRIMARY KEY and UNIQUE of the tables SQL created; no foreign keys or indexes (there are none).

Each connection is its own session, so, as with SQLite's ``:memory:``, the pool keeps one connection
per thread (``SingletonThreadPool``): what ``to_sql`` writes, ``read_sql`` on that engine then sees.
SQLAlchemy's transactions are the session's (``BEGIN`` ... ``COMMIT`` / ``ROLLBACK``): work not
committed is rolled back when the connection goes back to the pool, as SQLAlchemy 2 expects.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import pool
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import default, reflection
from sqlalchemy.sql import compiler

import sqlengine
from planner.tables import MemoryTable
from sqlengine import dbapi

MAIN = "main"
"""The one schema name (DuckDB's default schema)."""


class SqlEngineTypeCompiler(compiler.GenericTypeCompiler):
    """SQLAlchemy's generic types in the names DuckDB's SQL gives them."""

    def visit_FLOAT(self, type_, **kw):
        precision = getattr(type_, "precision", None)
        return "REAL" if precision is not None and precision <= 24 else "DOUBLE"  # pandas' float64 is Float(53)

    def visit_DOUBLE(self, type_, **kw):
        return "DOUBLE"

    visit_DOUBLE_PRECISION = visit_DOUBLE

    def visit_REAL(self, type_, **kw):
        return "REAL"

    def visit_TEXT(self, type_, **kw):
        return "VARCHAR"

    visit_CLOB = visit_TEXT

    def visit_BLOB(self, type_, **kw):
        return "BLOB"

    visit_BINARY = visit_VARBINARY = visit_large_binary = visit_BLOB

    def visit_DATETIME(self, type_, **kw):
        return "TIMESTAMP"

    def visit_TIMESTAMP(self, type_, **kw):
        return "TIMESTAMPTZ" if getattr(type_, "timezone", False) else "TIMESTAMP"

    def visit_uuid(self, type_, **kw):
        return "VARCHAR"


def sqlalchemy_type(t: pa.DataType) -> sqltypes.TypeEngine:
    """The SQLAlchemy type a column of Arrow type ``t`` reflects as."""
    if pa.types.is_boolean(t):
        return sqltypes.BOOLEAN()
    if pa.types.is_integer(t):
        return {8: sqltypes.SMALLINT(), 16: sqltypes.SMALLINT(), 32: sqltypes.INTEGER()}.get(t.bit_width, sqltypes.BIGINT())
    if pa.types.is_floating(t):
        return sqltypes.REAL() if t.bit_width <= 32 else sqltypes.DOUBLE()
    if pa.types.is_decimal(t):
        return sqltypes.DECIMAL(t.precision, t.scale)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t) or pa.types.is_dictionary(t):
        return sqltypes.VARCHAR()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return sqltypes.BLOB()
    if pa.types.is_date(t):
        return sqltypes.DATE()
    if pa.types.is_timestamp(t):
        return sqltypes.TIMESTAMP(timezone=t.tz is not None)
    if pa.types.is_time(t):
        return sqltypes.TIME()
    if pa.types.is_duration(t):
        return sqltypes.Interval()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return sqltypes.ARRAY(sqlalchemy_type(t.value_type))
    return sqltypes.NullType()


class SqlEngineDialect(default.DefaultDialect):
    name = "sqlengine"
    driver = "sqlengine"
    default_paramstyle = "qmark"
    type_compiler_cls = SqlEngineTypeCompiler
    supports_statement_cache = True
    supports_native_boolean = True
    supports_native_decimal = True
    supports_multivalues_insert = True
    use_insertmanyvalues = True  # executemany INSERTs sent as multi-row VALUES, a statement per page
    supports_alter = False
    supports_sequences = False
    supports_comments = False
    supports_default_values = False
    supports_empty_insert = False
    postfetch_lastrowid = False
    implicit_returning = False
    insert_returning = False
    default_schema_name = MAIN

    @classmethod
    def import_dbapi(cls):
        return dbapi

    @classmethod
    def get_pool_class(cls, url):
        return pool.SingletonThreadPool

    def create_connect_args(self, url) -> tuple[list, dict]:
        return [url.database or ":memory:"], dict(url.query)

    def _get_server_version_info(self, connection) -> tuple[int, ...]:
        return tuple(int(p) for p in sqlengine.__version__.split(".")[:3])

    def _get_default_schema_name(self, connection) -> str:
        return MAIN

    def get_isolation_level(self, dbapi_connection) -> str:
        return "SERIALIZABLE"  # a session is alone with its catalog

    def do_begin(self, dbapi_connection) -> None:
        if not dbapi_connection.in_transaction:
            dbapi_connection.begin()  # SQLAlchemy's transactions are the session's: to_sql is all or nothing

    def do_ping(self, dbapi_connection) -> bool:
        return not dbapi_connection.closed

    # -- reflection: read from the session's catalog -------------------------------------------
    @staticmethod
    def _context(connection):
        return connection.connection.dbapi_connection.context

    @staticmethod
    def _ours(schema: str | None) -> bool:
        return schema is None or schema.lower() == MAIN

    def _names(self, connection, schema, views: bool) -> list[str]:
        if not self._ours(schema):
            return []
        catalog = self._context(connection).catalog
        return [catalog.spelling(n) for n in catalog.names() if (catalog.view(n) is not None) == views]

    @reflection.cache
    def get_schema_names(self, connection, **kw) -> list[str]:
        return [MAIN]

    @reflection.cache
    def get_table_names(self, connection, schema=None, **kw) -> list[str]:
        return self._names(connection, schema, views=False)

    @reflection.cache
    def get_view_names(self, connection, schema=None, **kw) -> list[str]:
        return self._names(connection, schema, views=True)

    def has_table(self, connection, table_name, schema=None, **kw) -> bool:
        return self._ours(schema) and table_name in self._context(connection).catalog

    @reflection.cache
    def get_view_definition(self, connection, view_name, schema=None, **kw) -> str:
        query = self._context(connection).catalog.view(view_name) if self._ours(schema) else None
        if query is None:
            from sqlalchemy.exc import NoSuchTableError

            raise NoSuchTableError(view_name)
        return query.sql(dialect="duckdb")

    def _entry(self, connection, table_name, schema):
        """The catalog's entry for ``table_name``: a ``MemoryTable`` (created by SQL, with its
        constraints), a frames node (registered) or a view's query."""
        context = self._context(connection)
        if not self._ours(schema) or table_name not in context.catalog:
            from sqlalchemy.exc import NoSuchTableError

            raise NoSuchTableError(table_name)
        return context, context.catalog.entry(table_name)

    @reflection.cache
    def get_columns(self, connection, table_name, schema=None, **kw) -> list[dict[str, Any]]:
        context, entry = self._entry(connection, table_name, schema)
        if isinstance(entry, MemoryTable):
            return [{"name": c.name, "type": sqlalchemy_type(c.type), "nullable": not c.not_null,
                     "default": None if c.default is None else c.default.sql(dialect="duckdb"), "autoincrement": False}
                    for c in entry.columns]
        return [{"name": f.name, "type": sqlalchemy_type(f.type), "nullable": True, "default": None, "autoincrement": False}
                for f in context.table(table_name).schema]

    def get_pk_constraint(self, connection, table_name, schema=None, **kw) -> dict[str, Any]:
        _, entry = self._entry(connection, table_name, schema)
        keys = list(entry.primary_key) if isinstance(entry, MemoryTable) else []
        return {"constrained_columns": keys, "name": None}

    def get_foreign_keys(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_indexes(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_unique_constraints(self, connection, table_name, schema=None, **kw) -> list:
        _, entry = self._entry(connection, table_name, schema)
        unique = entry.unique if isinstance(entry, MemoryTable) else ()
        return [{"name": None, "column_names": list(columns)} for columns in unique]

    def get_check_constraints(self, connection, table_name, schema=None, **kw) -> list:
        return []

    def get_table_comment(self, connection, table_name, schema=None, **kw) -> dict:
        return {"text": None}


dialect = SqlEngineDialect
