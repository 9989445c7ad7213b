"""``Context``: a catalog of named tables and views, and the entry point that runs SQL on it.

Queries go through the planner (parse, logical plan, optimizer rules, lowering onto frames) and come
back as lazy ``frames.DataFrame`` results. Statements (CREATE TABLE / VIEW, DROP, SHOW, DESCRIBE,
EXPLAIN, COPY ... TO (``planner.copy``), SET / RESET, BEGIN / COMMIT / ROLLBACK) take effect at once;
the ones that write tables (INSERT, UPDATE, DELETE, TRUNCATE, ALTER TABLE, COPY ... FROM) are in
``sqlengine.dml`` and return DuckDB's one-row ``Count`` result, their count also in ``rowcount``.

Every change of the catalog goes through ``_store``: a statement stores a table's next value only
once it has succeeded (statements are atomic), and inside a transaction ``_store`` keeps the entry
a name had before its first change, which ROLLBACK puts back.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import pandas as pd
import pyarrow as pa
from sqlglot import exp

import frames
from frames.errors import ColumnNotFoundError, InvalidArgumentError
from frames.dataframe.io import write
from frames.dataframe.expr.node import Node
from frames.dataframe.expr.sources import FromTables
from planner.catalog import Catalog, Entry
from planner.copy import copy_path, copy_to
from planner.default_order import DefaultOrder
from planner.depth import planned_deeply
from planner.errors import TableNotFoundError, TransactionError, UnsupportedFeatureError
from exec.diagnostics.queries import format_analyzed
from exec.schedulers import prestart
from frames.dataframe.tracking import analyze
from planner.explain import explain_text
from planner.lower import to_dataframe
from planner.params import bind
from planner.parse import parse
from planner.information_schema import all_tables, describe
from planner.plan import Planner
from planner.tables import MemoryTable
from sqlengine import dml
from sqlengine.options import SessionOptions

DEFAULT_DIALECT = "duckdb"
"""The SQL dialect sqlglot reads unless a Context says otherwise (DuckDB's, whose answers the tests
compare against)."""


def _source_to_node(source: Any, storage_options: dict | None = None) -> Node:
    if isinstance(source, frames.DataFrame):
        if source.index_columns:  # the index as a column (see ARCHITECTURE.md "The index and divisions")
            from frames.dataframe.indexing import index_as_columns

            return index_as_columns(source)
        return source._node
    if isinstance(source, pd.DataFrame):
        return frames.from_pandas(source.reset_index(drop=isinstance(source.index, pd.RangeIndex)))._node
    if isinstance(source, pa.Table):
        return frames.from_arrow(source)._node
    if isinstance(source, str):
        return _file_node(source, storage_options=storage_options)
    raise InvalidArgumentError(f"cannot register a {type(source).__name__}; use a path, a pandas or frames DataFrame, or a pyarrow Table")


def _file_node(path: str, fmt: str | None = None, storage_options: dict | None = None) -> Node:
    """A file, folder or glob queried in place, read as DuckDB would (CSV sniffed as its
    ``read_csv`` does); the format from the name, else from the files found (never mixed)."""
    from frames.dataframe.io import detect_format
    from frames.dataframe.io.csv_sniff import read_csv_auto_node

    kind = fmt or detect_format(path, storage_options)
    if kind == "csv":
        return read_csv_auto_node(path, storage_options=storage_options)
    if kind == "json":
        return frames.read_json(path, storage_options=storage_options)._node
    from frames.dataframe.io import read_parquet_node

    return read_parquet_node(path, storage_options=storage_options)  # NaN stays a number, as DuckDB


def _checked_dialect(dialect: str) -> str:
    """``dialect`` if sqlglot knows it (loading it now, not in the first query), else an error that
    names it and the dialects there are."""
    import difflib

    from sqlglot.dialects.dialect import Dialect, Dialects

    try:
        Dialect.get_or_raise(dialect)
    except (ValueError, TypeError):
        known = sorted(d.value for d in Dialects if d.value)
        close = difflib.get_close_matches(str(dialect), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
        raise InvalidArgumentError(f"unknown SQL dialect {dialect!r}{hint}") from None
    return dialect


class Context:
    """Tables and views by name; ``sql()`` returns lazy ``frames.DataFrame`` results.

    ``dialect`` is the SQL dialect sqlglot reads (default ``"duckdb"``, see ``DEFAULT_DIALECT``);
    ``scheduler`` (or ``SET scheduler``) runs the statements that compute at once (CREATE TABLE AS,
    COPY) and is the one a query's result prefers when computed (``ctx.sql(q).compute()``), as a bag
    prefers processes: ``compute(scheduler=)`` and ``exec.config.set(scheduler=)`` still win;
    ``storage_options`` the fsspec options (credentials, ``client_kwargs={"endpoint_url": ...}``)
    for every URL the SQL reads or writes and for ``register`` unless it is given its own.
    ``catalog``: another session's ``Context.catalog`` to share (each Context keeps its own
    settings and transaction; a server gives each connection one). ``memory_limit`` (``"2GB"``) is
    ``SET memory_limit`` done at once (see ``sqlengine.options``).

    ``database``: a directory keeping the writable tables and views as Parquet files and a
    manifest (``sqlengine.database``): opened if it exists, saved after every statement that
    succeeds outside a transaction and at COMMIT; ``close()`` releases it.

    ``rowcount`` is the number of rows the last statement wrote (INSERT, UPDATE, DELETE, TRUNCATE,
    COPY ... FROM, CREATE TABLE ... AS), -1 after any other statement (as PEP 249's cursors say).
    """

    def __init__(self, dialect: str = DEFAULT_DIALECT, scheduler: str | None = None, storage_options: dict | None = None,
                 catalog: Catalog | None = None, database: str | None = None, memory_limit: str | int | None = None):
        self.dialect = _checked_dialect(dialect)
        self.options = SessionOptions(scheduler)  # SET / RESET
        if memory_limit is not None:
            self.options.set("memory_limit", memory_limit)  # as SET memory_limit: process-wide, RESET restores
        if storage_options is not None and not isinstance(storage_options, dict):
            raise InvalidArgumentError(f"storage_options must be a dict, not {type(storage_options).__name__}")
        self.storage_options = storage_options
        if catalog is not None and database is not None:
            raise InvalidArgumentError("give a Context either catalog= (another session's) or database=, not both")
        self.catalog = catalog if catalog is not None else Catalog()
        if database is not None:  # tables and views kept on disk (sqlengine.database)
            from sqlengine.database import Database

            store = Database(database, self.dialect)
            try:
                store.load(self.catalog)
            except BaseException:
                store.close()
                raise
            self.catalog.storage, self.catalog.database = store, store.name
        self.rowcount = -1
        self._undo: dict[str, tuple[Entry, str | None]] | None = None  # None: no transaction open
        self._savepoints: list[tuple[str, dict[str, tuple[Entry, str | None]]]] = []  # name, entries then
        self._lookup = None  # optional fallback for unknown names (sqlengine.sql's caller frames)
        # worker processes, if any, start (and import the SQL kernels) while the first query is planned
        prestart(self.scheduler, preload=("planner.functions",))

    @property
    def scheduler(self) -> str | None:
        return self.options["scheduler"]

    @scheduler.setter
    def scheduler(self, value: str | None) -> None:
        if value is None:
            self.options.reset("scheduler")
        else:
            self.options.set("scheduler", value)

    # -- catalog ------------------------------------------------------------------------------
    def register(self, name: str, source: Any, storage_options: dict | None = None) -> None:
        """Register ``source`` (a path, glob or fsspec URL of Parquet, CSV or JSON files, a pandas or
        frames DataFrame, a pyarrow Table) as table ``name`` (case-insensitive); a URL is opened
        with ``storage_options``, else the Context's."""
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError("a table name must be a non-empty string")
        self._store(name, _source_to_node(source, storage_options if storage_options is not None else self.storage_options))

    def unregister(self, name: str) -> None:
        if name not in self.catalog:
            raise TableNotFoundError(name, self.catalog.names())
        self._store(name, None)

    def _store(self, name: str, entry: Entry) -> None:
        """``name`` now holds ``entry`` (a table, a view's query; None drops it). Inside a
        transaction the entry it had before is kept for ROLLBACK, once per name."""
        key = self.catalog.key(name)
        with self.catalog.lock:
            writer = self.catalog.writers.get(key)
            if writer is not None and writer is not self:
                raise TransactionError(
                    f"transaction conflict: table {self.catalog.spelling(key)!r} was changed by another session's "
                    "transaction that has not committed or rolled back yet; retry once it has")
            if self._undo is not None and key not in self._undo:
                self._undo[key] = (self.catalog.entry(name), self.catalog.spelled.get(key))
                self.catalog.writers[key] = self
            self.catalog.set_entry(name, entry)

    def _end_transaction(self) -> dict[str, tuple[Entry, str | None]]:
        """Close the open transaction: its names are free for other sessions to change again."""
        undo, self._undo = self._undo, None
        self._savepoints = []
        with self.catalog.lock:
            for key in undo:
                if self.catalog.writers.get(key) is self:
                    del self.catalog.writers[key]
        return undo

    # -- transactions --------------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        return self._undo is not None

    def begin(self) -> None:
        """BEGIN: the changes from here on are undone together by ``rollback``."""
        if self._undo is not None:
            raise TransactionError("cannot start a transaction within a transaction")
        self._undo = {}

    def commit(self) -> None:
        if self._undo is None:
            raise TransactionError("cannot commit - no transaction is active")
        self._end_transaction()
        with self.catalog.lock:
            self._save()

    def rollback(self) -> None:
        """Every table and view changed since BEGIN back to what it was then."""
        if self._undo is None:
            raise TransactionError("cannot rollback - no transaction is active")
        with self.catalog.lock:
            undo = self._end_transaction()
            for key, (entry, spelled) in undo.items():
                self.catalog.set_entry(spelled or key, entry)

    def savepoint(self, name: str) -> None:
        """SAVEPOINT (as Postgres): ``rollback_to(name)`` later puts back what the tables held now."""
        if self._undo is None:
            raise TransactionError("SAVEPOINT can only be used in transaction blocks")
        with self.catalog.lock:
            held = {key: (self.catalog.entry(key), self.catalog.spelled.get(key)) for key in self._undo}
        self._savepoints.append((name.lower(), held))

    def _savepoint_index(self, name: str) -> int:
        for i in range(len(self._savepoints) - 1, -1, -1):
            if self._savepoints[i][0] == name.lower():
                return i
        raise TransactionError(f"savepoint {name!r} does not exist")

    def rollback_to(self, name: str) -> None:
        """ROLLBACK TO SAVEPOINT: every table changed since ``savepoint(name)`` back to what it was
        then (the savepoint stays, later ones go); the transaction goes on."""
        i = self._savepoint_index(name)
        held = self._savepoints[i][1]
        del self._savepoints[i + 1:]
        with self.catalog.lock:
            for key, first in self._undo.items():
                entry, spelled = held.get(key, first)  # not yet changed at the savepoint: as before BEGIN
                self.catalog.set_entry(spelled or key, entry)

    def release(self, name: str) -> None:
        """RELEASE SAVEPOINT: forget it (and the ones after it); the changes stay."""
        del self._savepoints[self._savepoint_index(name):]

    def tables(self) -> list[str]:
        """Names of the registered tables and views, sorted."""
        return self.catalog.names()

    def table(self, name: str) -> frames.DataFrame:
        if self.catalog.view(name) is not None:
            return self.sql(f'SELECT * FROM "{name}"')
        return frames.DataFrame(self._planner().frames_node(name))

    def _fallback(self, name: str) -> Node | None:
        if self._lookup is not None:
            found = self._lookup(name)
            if found is not None:
                return _source_to_node(found, self.storage_options)
        if "." in name or "/" in name or "*" in name:  # a file queried in place
            return _file_node(name, storage_options=self.storage_options)
        return None

    def _planner(self) -> Planner:
        return Planner(self.catalog, self.dialect, self._fallback, self.storage_options, self.options.shown)

    # -- SQL ----------------------------------------------------------------------------------
    def sql(self, text: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> frames.DataFrame | None:
        """Run one or more statements; returns the last query's lazy result (None when there is no query:
        CREATE, DROP and the like take effect at once).

        ``params`` holds the values of the text's placeholders: a sequence for ``?`` (in order) or
        ``$1``, ``$2`` (by number), a mapping for ``$name``. Each is bound as a typed constant
        (``planner.params``), never pasted into the text:

        >>> Context().sql("SELECT ? + 1 AS n, ? AS s", [1, "it's"]).compute().to_dict("records")
        [{'n': 2, 's': "it's"}]
        """
        return planned_deeply(self._statements, text, params)

    def _statements(self, text: str, params=None) -> frames.DataFrame | None:
        result = None
        for statement in self._parsed(text, params):
            self.rowcount = -1
            if isinstance(statement, _QUERIES):
                out = self._execute(statement)
                out._query_text = text  # its runs are logged in exec.diagnostics.QUERY_LOG
                if self.scheduler is not None:  # the session's scheduler runs its results' compute()
                    out._default_scheduler = self.scheduler
            else:
                with self.catalog.lock:  # one writer at a time among the sessions sharing the catalog
                    out = self._execute(statement)
                    if self._undo is None:
                        self._save()
            result = out if out is not None else result
        return result

    def _save(self) -> None:
        if self.catalog.storage is not None:
            self.catalog.storage.save(self.catalog)

    def close(self) -> None:
        """Release the database directory (``database=``); an open transaction is rolled back."""
        if self._undo is not None:
            self.rollback()
        if self.catalog.storage is not None:
            self.catalog.storage.close()

    def sql_many(self, text: str, seq_of_params: Iterable[Sequence[Any] | Mapping[str, Any]]) -> int:
        """``text`` run once per parameter set, in order (DB-API's ``executemany``); returns the rows
        written in all (-1 when no statement wrote any). A plain single-row ``INSERT ... VALUES`` is
        run as one INSERT of every set's row: planned once and atomic (a bad row inserts none)."""
        return planned_deeply(self._many, text, list(seq_of_params))

    def _many(self, text: str, sets: list) -> int:
        statements = parse(text, self.dialect)
        st = statements[0] if len(statements) == 1 else None
        values = st.expression if isinstance(st, exp.Insert) else None
        if (sets and isinstance(values, exp.Values) and len(values.expressions) == 1 and st.args.get("conflict") is None
                and not st.args.get("alternative") and not st.args.get("returning")):
            row = values.expressions[0]
            values.set("expressions", [bind([row.copy()], params)[0] for params in sets])
            self.rowcount = -1
            with self.catalog.lock:  # as _statements writes: one writer at a time, saved outside a transaction
                self._execute(st)
                if self._undo is None:
                    self._save()
            return self.rowcount
        total, counted = 0, False
        for params in sets:
            self._statements(text, params)
            if self.rowcount >= 0:
                total, counted = total + self.rowcount, True
        self.rowcount = total if counted else -1
        return self.rowcount

    def _rows(self, query: exp.Expression, extra: dict[str, Node] | None = None) -> pa.Table:
        """``query``'s rows now, with ``extra`` tables (lower-case names) visible beside the catalog's."""
        catalog = self.catalog
        if extra:
            catalog = Catalog(tables={**catalog.tables, **extra}, views=catalog.views, database=catalog.database,
                              schema=catalog.schema)
        plan, _, _ = Planner(catalog, self.dialect, self._fallback, self.storage_options, self.options.shown).optimized(query)
        return to_dataframe(plan).to_arrow(scheduler=self.scheduler)

    def _count(self, n: int) -> frames.DataFrame:
        """DuckDB's result of a statement that writes rows: one ``Count`` (BIGINT)."""
        self.rowcount = n
        return frames.from_arrow(pa.table({"Count": pa.array([n], pa.int64())}))

    execute = sql

    def explain(self, text: str, initial: bool = False, params: Sequence[Any] | Mapping[str, Any] | None = None,
                analyze: bool = False) -> str:
        """The optimizer rules in order and the optimized plan of the last statement in ``text``
        (earlier statements, e.g. the CREATE VIEW of TPC-H q15, are executed first); ``params`` as
        for ``sql``. ``analyze=True`` (``EXPLAIN ANALYZE``) runs the query instead and returns
        its expression tree with, per operator, the rows it produced, the time its tasks took and
        the largest result one held, plus the totals (``frames.dataframe.tracking.analyze``)."""
        return planned_deeply(self._explain_text, text, initial, params, analyze)

    def _explain_text(self, text: str, initial: bool, params=None, analyze: bool = False) -> str:
        statements = bind(parse(text, self.dialect), params)
        if not statements:
            raise InvalidArgumentError("nothing to explain: the text holds no statement")
        defaults = DefaultOrder(text, self.dialect)
        for i, st in enumerate(statements[:-1]):
            self._execute(self._with_defaults(defaults, i, st))
        last = self._with_defaults(defaults, len(statements) - 1, statements[-1])
        if analyze:
            return self._explain_analyze(last, text)
        return self._explain(last, initial)

    def _explain_analyze(self, statement: exp.Expression, text: str) -> str:
        if not isinstance(statement, _QUERIES):
            raise UnsupportedFeatureError(f"EXPLAIN ANALYZE of a {type(statement).__name__.upper()} statement (only queries)")
        record, _ = analyze(self._query(statement)._optimized(), text, scheduler=self.scheduler)
        return format_analyzed(record)

    def _parsed(self, text: str, params=None):
        """The statements of ``text`` one by one, parameters bound, each with this session's default
        ORDER BY direction and NULL placement (``SET default_order`` / ``default_null_order``) filled in
        where none is written, as the options are when it is reached (a SET earlier in the text applies)."""
        defaults = DefaultOrder(text, self.dialect)
        for i, st in enumerate(bind(parse(text, self.dialect), params)):
            yield self._with_defaults(defaults, i, st)

    def _with_defaults(self, defaults: DefaultOrder, i: int, st: exp.Expression) -> exp.Expression:
        return defaults.apply(i, st, self.options["default_order"], self.options["default_null_order"])

    def _explain(self, statement: exp.Expression, initial: bool = False) -> str:
        plan, applied, before = self._planner().optimized(statement)
        return explain_text(plan, applied, before if initial else None)

    def _query(self, query: exp.Expression) -> frames.DataFrame:
        plan, _, _ = self._planner().optimized(query)
        return to_dataframe(plan)

    def _execute(self, st: exp.Expression) -> frames.DataFrame | None:
        if isinstance(st, _QUERIES):
            return self._query(st)
        if isinstance(st, exp.Create):
            return self._create(st)
        writer = _WRITES.get(type(st))
        if writer is not None:
            written = writer(self, st)
            if isinstance(written, tuple):  # RETURNING: (count, the rows it asked for)
                self.rowcount = written[0]
                return written[1]
            return self._count(written)
        if isinstance(st, exp.Alter):
            return dml.alter(self, st)
        if isinstance(st, exp.Transaction):
            return self.begin()
        if isinstance(st, exp.Commit):
            return self.commit()
        if isinstance(st, exp.Rollback):
            return self.rollback()
        if isinstance(st, exp.Drop):
            target = st.this if st.this is not None else (st.args.get("tables") or [None])[0]
            if target is None:
                raise UnsupportedFeatureError(f"DROP {st.args.get('kind', '')}")
            if target.name not in self.catalog:
                if st.args.get("exists"):
                    return None
                raise TableNotFoundError(target.name, self.catalog.names())
            self._store(target.name, None)
            return None
        if isinstance(st, exp.Describe):
            return self._describe(st.this)
        if isinstance(st, exp.Show) or (isinstance(st, exp.Command) and st.name.upper() == "SHOW"):
            return self._show(st)
        if isinstance(st, exp.Copy):
            return self._copy(st)
        if isinstance(st, exp.Set):
            return self._set(st)
        if isinstance(st, exp.Command) and st.name.upper() == "SET":
            return self._set_text(_command_text(st))
        if isinstance(st, exp.Command) and st.name.upper() == "RESET":
            words = (st.expression.name if st.expression is not None else "").split()
            if words and words[0].upper() in ("SESSION", "GLOBAL", "LOCAL"):
                words = words[1:]
            if len(words) != 1:
                raise InvalidArgumentError(f"RESET needs one setting name (or ALL), got {' '.join(words)!r}")
            self.options.reset(words[0])
            return None
        if isinstance(st, exp.Command) and st.name.upper() == "EXPLAIN":
            body = st.expression.name if isinstance(st.expression, exp.Literal) else st.expression.sql()
            words = body.split(None, 1)
            if words and words[0].upper() == "ANALYZE":
                body = words[1] if len(words) > 1 else ""
                (inner,) = parse(body, self.dialect)
                text = self._explain_analyze(inner, body)
                return frames.from_arrow(pa.table({"plan": text.splitlines()}))
            (inner,) = parse(body, self.dialect)
            text = self._explain(inner)
            return frames.from_arrow(pa.table({"plan": text.splitlines()}))
        raise UnsupportedFeatureError(f"the {type(st).__name__.upper()} statement")

    def _describe(self, target: exp.Expression) -> frames.DataFrame:
        """DESCRIBE t / DESCRIBE SELECT ...: DuckDB's six columns (``planner.information_schema``)."""
        if isinstance(target, exp.Table):
            if not target.args.get("db") and isinstance(self.catalog.entry(target.name), MemoryTable):
                table = self.catalog.entry(target.name)
                return frames.from_arrow(describe(table.schema, table))
            target = exp.select("*").from_(target.copy())
        plan = self._planner().logical(target)
        return frames.from_arrow(describe(pa.schema([pa.field(f.name, f.type) for f in plan.schema])))

    def _show(self, st: exp.Expression) -> frames.DataFrame:
        """SHOW TABLES, SHOW ALL TABLES, SHOW t (DESCRIBE t, as in DuckDB), SHOW setting (its value,
        in a column named after it, as Postgres answers)."""
        if isinstance(st, exp.Show):
            what = st.name.upper()
            if what == "TABLES":
                return frames.from_arrow(pa.table({"name": pa.array([self.catalog.spelling(k) for k in self.tables()], pa.string())}))
            if what == "ALL TABLES":
                return frames.from_arrow(all_tables(self._planner().described(), self.catalog))
            raise UnsupportedFeatureError(f"SHOW {st.name}")
        words = _command_text(st).rstrip(";").strip()
        if words.lower() == "tables":
            return self._show(exp.Show(this="TABLES"))
        if words and words in self.catalog:
            return self._describe(exp.to_table(words))
        name = words.strip('"')
        value = self.options.shown(name)  # an unknown name: the error naming it
        return frames.from_arrow(pa.table({name: pa.array([value], pa.string())}))

    def _set_text(self, text: str) -> None:
        """The SET forms sqlglot keeps as text: ``SET TIME ZONE 'UTC'``, ``SET DateStyle = ISO, MDY``."""
        import re

        m = re.match(r"\s*(?:(?:session|local)\s+)?(time\s+zone|[\w.]+)\s*(?:=|\bto\b)?\s*(.*?)\s*;?\s*$", text, re.I | re.S)
        if m is None or not m.group(2):
            raise UnsupportedFeatureError(f"the statement SET {text}")
        name, value = " ".join(m.group(1).lower().split()), m.group(2)
        if value.upper() in ("DEFAULT", "LOCAL"):
            self.options.reset(name)
            return None
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1].replace("''", "'")
        self.options.set(name, value)
        return None

    def _set(self, st: exp.Set) -> None:
        """``SET [SESSION|GLOBAL] name = value`` / ``TO value`` / ``TO DEFAULT`` (see ``sqlengine.options``)."""
        for item in st.expressions:
            eq = item.this if isinstance(item, exp.SetItem) else None
            if not isinstance(eq, exp.EQ) or not isinstance(eq.this, (exp.Column, exp.Identifier, exp.Var)):
                raise UnsupportedFeatureError(f"the statement {st.sql(dialect=self.dialect)!r}")
            name, value = eq.this.name, eq.expression
            if isinstance(value, exp.Var) and value.name.upper() == "DEFAULT":
                self.options.reset(name)
            elif isinstance(value, exp.Literal):
                self.options.set(name, int(value.this) if value.is_int else value.this if value.is_string else float(value.this))
            elif isinstance(value, (exp.Column, exp.Var, exp.Identifier)):
                self.options.set(name, value.name)  # SET default_order = desc
            elif isinstance(value, exp.Boolean):
                self.options.set(name, bool(value.this))
            else:
                raise InvalidArgumentError(f"SET {name}: the value must be a constant, not {value.sql(dialect=self.dialect)}")
        return None

    def _create(self, st: exp.Create) -> None:
        kind = (st.args.get("kind") or "").upper()
        target = st.this.this if isinstance(st.this, exp.Schema) else st.this
        name = target.name
        if name in self.catalog:
            if st.args.get("exists"):
                return None
            if not st.args.get("replace"):
                raise InvalidArgumentError(f"{kind.lower()} {name!r} already exists; use CREATE OR REPLACE")
        body = st.expression
        if body is None:
            if kind == "TABLE" and isinstance(st.this, exp.Schema):  # CREATE TABLE t (a INT, ...)
                self._store(name, dml.create_table(name, st.this))
                return None
            raise UnsupportedFeatureError(f"CREATE {kind} without AS query")
        columns = [c.name for c in st.this.expressions] if isinstance(st.this, exp.Schema) else None
        if kind == "VIEW":
            query = body.copy()
            if columns:  # CREATE VIEW v (a, b) AS ...: rename the outputs by position
                query = exp.select(*[exp.column(f"_c{i}").as_(c) for i, c in enumerate(columns)]).from_(
                    exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier("__v"),
                                                                   columns=[exp.to_identifier(f"_c{i}") for i in range(len(columns))])))
            self._planner().logical(query)  # fails now, not when read, if the view is broken
            self._store(name, query)
            return None
        if kind != "TABLE":
            raise UnsupportedFeatureError(f"CREATE {kind}")
        node = self._query(body)._node
        if columns:
            from frames.dataframe.expr.blockwise import Project
            from frames.dataframe.expr.scalar import Col

            node = Project(node, tuple((c, Col(n)) for c, n in zip(columns, node.schema.names)))
        persisted = frames.DataFrame(node).persist(scheduler=self.scheduler)._node
        chunks = list(persisted.tables) if isinstance(persisted, FromTables) else [frames.DataFrame(persisted).to_arrow()]
        table = dml.table_from_result(name, node.schema, chunks)
        self._store(name, table)
        self.rowcount = table.num_rows
        return None

    def _copy(self, st: exp.Copy) -> None:
        """``COPY source TO 'path' (options)``: written through ``frames.dataframe.io.write`` under the one
        safety rule of ``frames.dataframe.io.targets``. ``COPY t FROM 'path'`` appends the file's rows to ``t``
        (``sqlengine.dml.copy_from``)."""
        source = st.this
        columns = [c.name for c in source.expressions] if isinstance(source, exp.Schema) else None
        if isinstance(source, exp.Schema):
            source = source.this
        if st.args.get("kind"):  # COPY t FROM 'file'
            name = source.name if isinstance(source, exp.Table) else source.sql(self.dialect)
            if name not in self.catalog:
                raise TableNotFoundError(name, self.catalog.names())
            return self._count(dml.copy_from(self, st, copy_path(st)))
        spec = copy_to(st)
        query = source.this if isinstance(source, exp.Subquery) else source
        result = self.table(query.name) if isinstance(query, exp.Table) else self._query(query)
        names = {n.lower(): n for n in result.columns}
        if columns:
            result = result[[_column(names, c, "COPY's column list") for c in columns]]
        partition_by = [_column(names, c, "PARTITION_BY") for c in spec.partition_by]
        write(result._node_to_write(None), spec.path, spec.format, overwrite=spec.overwrite,
              single_file=not partition_by, partition_on=partition_by or None, part_stem="data_",
              scheduler=self.scheduler, storage_options=self.storage_options)
        return None


def _command_text(st: exp.Command) -> str:
    """What follows the keyword of a statement sqlglot keeps as a Command (text or a literal)."""
    rest = st.expression
    return (rest.name if isinstance(rest, exp.Expression) else str(rest or "")).strip()


_QUERIES = (exp.Select, exp.SetOperation, exp.Subquery)

_WRITES = {exp.Insert: dml.insert, exp.Update: dml.update, exp.Delete: dml.delete, exp.TruncateTable: dml.truncate}
"""Statements that write rows, each returning how many (``sqlengine.dml``)."""


def _column(names: dict[str, str], name: str, where: str) -> str:
    """The result column ``name`` refers to (case-insensitive, as SQL names are)."""
    found = names.get(str(name).lower())
    if found is None:
        raise ColumnNotFoundError(str(name), list(names.values()), where)
    return found
