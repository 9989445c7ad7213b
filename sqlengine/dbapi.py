"""PEP 249 (DB-API 2.0) over a ``Context``: ``connect()``, connections, cursors, type objects.

This module is the DB-API "module" (``sqlengine.connect`` is its ``connect``): pandas' ``read_sql``
and SQLAlchemy (``sqlengine.sqlalchemy_dialect``) speak to it. A connection owns one ``Context``;
``cursor.execute(sql, params)`` binds the parameters as typed constants (``planner.params``: ``?``
is the ``paramstyle``, ``$1`` and ``$name`` work too), runs the statement and holds its whole
result as one Arrow table, handed out as tuples by the fetch methods, or whole by
``fetch_arrow_table()`` and ``fetchdf()``.

The exception classes are the project's own (``exec.errors``): ``Error`` is ``SqlEngineError``
and every project error is also the PEP class that fits (a ``TableNotFoundError`` is a
``ProgrammingError``), so one ``except`` catches either name. An exception that is not one of
ours reaches the caller as ``InternalError``, the original chained.

Statements take effect when they succeed (autocommit, as in DuckDB's Python client) unless a
transaction is open: ``Connection.begin()`` or SQL ``BEGIN`` opens one, ``commit()`` and
``rollback()`` end it (and do nothing when none is open). A statement that writes rows (INSERT,
UPDATE, DELETE, ...) returns no rows: its count is the cursor's ``rowcount``, as in sqlite3 and psycopg.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import inspect
import os
from typing import Any, Iterator, Mapping, Sequence

import pyarrow as pa

from exec.errors import (  # noqa: F401 - PEP 249 names, re-exported
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)
from exec.errors import SqlEngineError as Error
from sqlengine.context import Context

apilevel = "2.0"
threadsafety = 1
"""Threads may share the module, not connections: a Context is one session."""
paramstyle = "qmark"
"""``WHERE a = ?``; the numbered ``$1`` and named ``$name`` (with a mapping) are taken too."""


class Warning(Exception):  # noqa: A001 - the name PEP 249 gives it
    """PEP 249's Warning (an exception for important warnings); nothing raises it today."""


# -- type objects and constructors ----------------------------------------------------------------
class DBAPITypeObject:
    """Compares equal to every ``description`` type code of its group (``NUMBER == "BIGINT"``);
    a parameterized code (``DECIMAL(5, 2)``) is compared by its base name."""

    def __init__(self, *names: str):
        self.names = frozenset(names)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DBAPITypeObject):
            return self.names == other.names
        return isinstance(other, str) and other.split("(")[0].strip().upper() in self.names

    def __hash__(self) -> int:
        return hash(self.names)

    def __repr__(self) -> str:
        return f"DBAPITypeObject({', '.join(sorted(self.names))})"


STRING = DBAPITypeObject("VARCHAR", "CHAR", "TEXT", "STRING")
BINARY = DBAPITypeObject("BLOB", "BYTEA", "VARBINARY", "BINARY")
NUMBER = DBAPITypeObject("TINYINT", "SMALLINT", "INT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                         "UINTEGER", "UBIGINT", "FLOAT", "REAL", "DOUBLE", "DECIMAL", "NUMERIC", "BOOLEAN")
DATETIME = DBAPITypeObject("DATE", "TIME", "TIMESTAMP", "TIMESTAMPTZ", "INTERVAL")
ROWID = DBAPITypeObject("ROWID")  # the engine has no row-id type: no column is one

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _dt.date:
    return _dt.date.fromtimestamp(ticks)


def TimeFromTicks(ticks: float) -> _dt.time:
    return _dt.datetime.fromtimestamp(ticks).time()


def TimestampFromTicks(ticks: float) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ticks)


# -- connections ----------------------------------------------------------------------------------
def connect(database: str = ":memory:", **options: Any) -> Connection:
    """A connection to a new session (``sqlengine.Context(**options)``: ``dialect``,
    ``scheduler``, ``storage_options``, or ``catalog``: another connection's ``context.catalog``,
    whose tables it then shares).

    ``database`` is ``":memory:"`` (or ``""``) for a catalog that ends with the connection, or a
    directory that keeps the tables and views (``Context(database=...)``, ``sqlengine.database``:
    Parquet files and a manifest, crash-safe), created when missing and reopened later."""
    known = [n for n in inspect.signature(Context).parameters if n not in ("self", "database")]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ProgrammingError(f"unknown connect option(s) {', '.join(map(repr, unknown))}; the options are {', '.join(known)}")
    if database in (":memory:", "", None):
        return Connection(Context(**options))
    return Connection(Context(database=os.fspath(database), **options))


class Connection:
    """PEP 249's Connection over one ``Context`` (``context``); also ``execute`` (a new cursor's),
    ``register`` (the Context's), and use as a context manager (closed at the end)."""

    Warning, Error, InterfaceError, DatabaseError, DataError = Warning, Error, InterfaceError, DatabaseError, DataError
    OperationalError, IntegrityError, InternalError = OperationalError, IntegrityError, InternalError
    ProgrammingError, NotSupportedError = ProgrammingError, NotSupportedError

    def __init__(self, context: Context):
        self.context = context
        self._closed = False
        self._cursors: list[Cursor] = []

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the connection is closed")

    @property
    def closed(self) -> bool:
        return self._closed

    def cursor(self) -> Cursor:
        self._check_open()
        cursor = Cursor(self)
        self._cursors.append(cursor)
        return cursor

    def execute(self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        """A new cursor that has executed ``operation`` (sqlite3's and DuckDB's shortcut)."""
        return self.cursor().execute(operation, parameters)

    def executemany(self, operation: str, seq_of_parameters) -> Cursor:
        return self.cursor().executemany(operation, seq_of_parameters)

    def register(self, name: str, source: Any) -> None:
        """Register a DataFrame, Arrow table or file path as table ``name`` (``Context.register``)."""
        self._check_open()
        self.context.register(name, source)

    @property
    def in_transaction(self) -> bool:
        return not self._closed and self.context.in_transaction

    def begin(self) -> None:
        """Open a transaction: what follows takes effect together at ``commit()`` or not at all."""
        self._check_open()
        self.context.begin()

    def commit(self) -> None:
        """Commit the open transaction; without one there is nothing to do (autocommit)."""
        self._check_open()
        if self.context.in_transaction:
            self.context.commit()

    def rollback(self) -> None:
        """Undo the open transaction; without one there is nothing to undo (autocommit)."""
        self._check_open()
        if self.context.in_transaction:
            self.context.rollback()

    def close(self) -> None:
        """Close the connection and its cursors, rolling back an open transaction (PEP 249);
        closing twice is harmless."""
        if not self._closed:
            self.context.close()  # rolls back an open transaction, releases a database directory
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()
        self._closed = True

    def __enter__(self) -> Connection:
        self._check_open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- cursors --------------------------------------------------------------------------------------
class Cursor:
    """PEP 249's Cursor. ``execute`` returns the cursor, so ``cur.execute(sql).fetchall()`` reads."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.arraysize = 1
        self._closed = False
        self._reset()

    def _reset(self) -> None:
        self._table: pa.Table | None = None
        self._offset = 0
        self.description: list[tuple] | None = None
        self.rowcount = -1
        self.lastrowid = None

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("the cursor is closed")
        self.connection._check_open()

    def close(self) -> None:
        """Drop the result; ``rowcount`` stays readable (SQLAlchemy reads it after closing)."""
        self._table = None
        self._closed = True

    # -- running statements ------------------------------------------------------------------
    def execute(self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None) -> Cursor:
        """Run ``operation`` (one or more statements) with ``parameters`` bound to its placeholders;
        a query's rows are then ready to fetch."""
        self._check_open()
        self._reset()
        if not isinstance(operation, str):
            raise ProgrammingError(f"the operation must be SQL text (a str), not {type(operation).__name__}")
        context = self.connection.context
        with _ours():
            result = context.sql(operation, parameters)
            if context.rowcount >= 0:  # the last statement wrote rows: their count, no result set
                self.rowcount = context.rowcount
            elif result is not None:
                self._table = result.to_arrow(scheduler=context.scheduler)
                self.description = [_describe(field) for field in self._table.schema]
                self.rowcount = self._table.num_rows
        return self

    def executemany(self, operation: str, seq_of_parameters) -> Cursor:
        """``operation`` once per parameter set (``Context.sql_many``: a single-row INSERT ...
        VALUES runs as one INSERT of all the rows); ``rowcount`` is the rows written in all, and
        there is no result set."""
        self._check_open()
        self._reset()
        if not isinstance(operation, str):
            raise ProgrammingError(f"the operation must be SQL text (a str), not {type(operation).__name__}")
        with _ours():
            self.rowcount = self.connection.context.sql_many(operation, seq_of_parameters)
        return self

    def callproc(self, procname: str, parameters=()):
        raise NotSupportedError("stored procedures (callproc): sqlengine has none")

    def nextset(self):
        raise NotSupportedError("multiple result sets (nextset): execute returns the last statement's rows")

    def setinputsizes(self, sizes) -> None:
        """Accepted and ignored, as the PEP allows."""

    def setoutputsize(self, size, column=None) -> None:
        """Accepted and ignored, as the PEP allows."""

    # -- fetching ----------------------------------------------------------------------------
    def _rows_table(self) -> pa.Table:
        self._check_open()
        if self._table is None:
            raise ProgrammingError("no result to fetch: execute a query first (the last statement returned no rows)")
        return self._table

    def _take(self, n: int | None) -> pa.Table:
        table = self._rows_table()
        n = table.num_rows - self._offset if n is None else max(0, min(n, table.num_rows - self._offset))
        chunk = table.slice(self._offset, n)
        self._offset += n
        return chunk

    def fetchone(self) -> tuple | None:
        rows = _tuples(self._take(1))
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        return _tuples(self._take(self.arraysize if size is None else size))

    def fetchall(self) -> list[tuple]:
        return _tuples(self._take(None))

    def fetch_arrow_table(self) -> pa.Table:
        """The rows not fetched yet, as one Arrow table (every type as the engine holds it)."""
        return self._take(None)

    def fetchdf(self):
        """The rows not fetched yet, as a pandas DataFrame (as ``frames`` results convert)."""
        from frames.dataframe.convert import arrow_to_pandas

        return arrow_to_pandas(self._take(None))

    def __iter__(self) -> Iterator[tuple]:
        return self

    def __next__(self) -> tuple:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def _ours():
    """Our errors pass as they are (each is a PEP 249 class); any other is a bug, handed over as
    the PEP's ``InternalError`` with the original chained."""
    try:
        yield
    except Error:
        raise
    except Exception as exc:
        raise InternalError(f"internal error: {type(exc).__name__}: {exc}") from exc


def _tuples(table: pa.Table) -> list[tuple]:
    return list(zip(*(column.to_pylist() for column in table.columns))) if table.num_columns else [() for _ in range(table.num_rows)]


def _describe(field: pa.Field) -> tuple:
    """PEP 249's 7-tuple: name, type code (DuckDB's type name), display size, internal size,
    precision, scale, null_ok."""
    from planner.types import sql_type

    t = field.type
    code = '"NULL"' if pa.types.is_null(t) else sql_type(t).replace(", ", ",")  # DuckDB's DECIMAL(5,2)
    if code == "INT":
        code = "INTEGER"  # as DuckDB spells it
    precision = t.precision if pa.types.is_decimal(t) else None
    scale = t.scale if pa.types.is_decimal(t) else None
    size = t.bit_width // 8 if pa.types.is_primitive(t) and t.bit_width >= 8 else None
    return (field.name, code, None, size, precision, scale, field.nullable)
