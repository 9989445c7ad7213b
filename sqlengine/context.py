"""``Context``: a catalog of named tables and views, and the entry point that runs SQL on it."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa
from sqlglot import exp

import frames
from frames.expr.node import Node
from planner.build import QueryBuilder
from planner.errors import TableNotFoundError, UnsupportedFeatureError
from planner.parse import parse, semantic
from planner.rules import optimize
from planner.types import sql_type
from frames.errors import InvalidArgumentError

DEFAULT_DIALECT = "duckdb"


def _source_to_node(source: Any) -> Node:
    if isinstance(source, frames.DataFrame):
        return source.reset_index()._node if source.index_columns else source._node
    if isinstance(source, pd.DataFrame):
        return frames.from_pandas(source.reset_index(drop=isinstance(source.index, pd.RangeIndex)))._node
    if isinstance(source, pa.Table):
        return frames.from_arrow(source)._node
    if isinstance(source, str):
        lower = source.lower().split("?")[0]
        if lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
            return frames.read_csv(source)._node
        return frames.read_parquet(source)._node
    raise InvalidArgumentError(f"cannot register a {type(source).__name__}; use a path, a pandas or frames DataFrame, or a pyarrow Table")


class Context:
    """Tables and views by name; ``sql()`` returns lazy ``frames.DataFrame`` results.

    ``dialect`` is the SQL dialect read by sqlglot (default ``"duckdb"``); ``scheduler`` the default
    for ``compute()`` on results ("threads" unless set).
    """

    def __init__(self, dialect: str = DEFAULT_DIALECT, scheduler: str | None = None):
        self.dialect = dialect
        self.scheduler = scheduler
        self._tables: dict[str, Node] = {}
        self._lookup = None  # optional fallback for unknown names (sqlengine.sql's caller frames)
        self._files: dict[str, Node] = {}  # read_parquet(...) / read_csv(...) met in queries

    # -- catalog ------------------------------------------------------------------------------
    def register(self, name: str, source: Any) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError("a table name must be a non-empty string")
        self._tables[name.lower()] = _source_to_node(source)

    def unregister(self, name: str) -> None:
        if name.lower() not in self._tables:
            raise TableNotFoundError(name, self._tables)
        del self._tables[name.lower()]

    def tables(self) -> list[str]:
        return sorted(self._tables)

    def table(self, name: str) -> frames.DataFrame:
        return frames.DataFrame(self._node(name))

    def _node(self, name: str) -> Node:
        key = name.lower()
        if key in self._tables:
            return self._tables[key]
        if name in self._files:
            return self._files[name]
        if self._lookup is not None:
            found = self._lookup(name)
            if found is not None:
                return _source_to_node(found)
        if "." in name or "/" in name or "*" in name:  # a file queried in place
            return _source_to_node(name)
        raise TableNotFoundError(name, self._tables)

    # -- SQL ----------------------------------------------------------------------------------
    def sql(self, text: str) -> frames.DataFrame | None:
        """Run one or more statements; returns the last query's lazy result (None when there is no query:
        CREATE, DROP and the like take effect at once)."""
        result = None
        for statement in parse(text, self.dialect):
            out = self._execute(statement)
            result = out if out is not None else result
        return result

    execute = sql

    def explain(self, text: str) -> str:
        """The optimized plan of the last query in ``text``, after the list of optimizer rules."""
        statements = parse(text, self.dialect)
        for st in statements[:-1]:  # e.g. the CREATE VIEW of TPC-H q15
            self._execute(st)
        return self._explain(statements[-1])

    def _explain(self, statement: exp.Expression) -> str:
        frame, applied = self._plan(statement)
        rules = "\n".join(f"  {name}: {'applied' if changed else 'no change'}" for name, changed in applied)
        return f"Optimizer rules (in order):\n{rules}\nPlan:\n{frame.explain()}"

    def _table_functions(self, query: exp.Expression) -> exp.Expression:
        """``read_parquet('path')`` / ``read_csv('path')`` in FROM become tables over those files."""
        query = query.copy()
        for i, t in enumerate(list(query.find_all(exp.Table))):
            fn = t.this
            if not isinstance(fn, (exp.ReadParquet, exp.ReadCSV)):
                continue
            arg = fn.this if fn.this is not None else (fn.expressions[0] if fn.expressions else None)
            if not isinstance(arg, exp.Literal) or not arg.is_string:
                raise UnsupportedFeatureError(f"{fn.sql()} without a literal path")
            reader = frames.read_parquet if isinstance(fn, exp.ReadParquet) else frames.read_csv
            name = f"__file{i}"
            self._files[name] = reader(arg.this)._node
            alias = t.alias or ("read_parquet" if isinstance(fn, exp.ReadParquet) else "read_csv")
            t.replace(exp.table_(name, alias=alias))
        return query

    def _schema(self, query: exp.Expression) -> dict:
        ctes = {c.alias for c in query.find_all(exp.CTE)}
        schema = {}
        for t in query.find_all(exp.Table):
            name = t.name
            if name in ctes or not name:
                continue
            node = self._node(name)
            schema[name] = {f.name: sql_type(f.type) for f in node.schema}
        return schema

    def _plan(self, query: exp.Expression) -> tuple[frames.DataFrame, list]:
        query = self._table_functions(_name_projections(query, self.dialect))
        analyzed = semantic(query, self._schema(query), self.dialect)
        plan, applied = optimize(QueryBuilder(self._node).query(analyzed))
        return frames.DataFrame(plan), applied

    def _query(self, query: exp.Expression) -> frames.DataFrame:
        return self._plan(query)[0]

    def _execute(self, st: exp.Expression) -> frames.DataFrame | None:
        if isinstance(st, (exp.Select, exp.SetOperation, exp.Subquery)):
            return self._query(st)
        if isinstance(st, exp.Create):
            kind = (st.args.get("kind") or "").upper()
            target = st.this.this if isinstance(st.this, exp.Schema) else st.this
            name = target.name
            if name.lower() in self._tables and not st.args.get("replace") and not st.args.get("exists"):
                raise InvalidArgumentError(f"{kind.lower()} {name!r} already exists; use CREATE OR REPLACE")
            if st.args.get("exists") and name.lower() in self._tables:
                return None
            body = st.expression
            if body is None:
                raise UnsupportedFeatureError(f"CREATE {kind} without AS query")
            result = self._query(body)
            columns = [c.name for c in st.this.expressions] if isinstance(st.this, exp.Schema) else None
            node = result._node
            if columns:
                from frames.expr.blockwise import Project
                from frames.expr.scalar import Col

                node = Project(node, tuple((c, Col(n)) for c, n in zip(columns, node.schema.names)))
            if kind == "TABLE":
                persisted = frames.DataFrame(node).persist(scheduler=self.scheduler)
                node = persisted._node
            self._tables[name.lower()] = node
            return None
        if isinstance(st, exp.Drop):
            target = st.this if st.this is not None else (st.args.get("tables") or [None])[0]
            if target is None:
                raise UnsupportedFeatureError(f"DROP {st.args.get('kind', '')}")
            name = target.name
            if name.lower() not in self._tables:
                if st.args.get("exists"):
                    return None
                raise TableNotFoundError(name, self._tables)
            del self._tables[name.lower()]
            return None
        if isinstance(st, exp.Describe):
            node = self._node(st.this.name) if isinstance(st.this, exp.Table) else self._query(st.this)._node
            rows = pa.table({"column_name": [f.name for f in node.schema], "column_type": [sql_type(f.type) for f in node.schema]})
            return frames.from_arrow(rows)
        if isinstance(st, exp.Show) or (isinstance(st, exp.Command) and st.name.upper() == "SHOW"):
            return frames.from_arrow(pa.table({"name": pa.array(self.tables(), pa.string())}))
        if isinstance(st, exp.Copy):
            query = st.this.this if isinstance(st.this, exp.Subquery) else st.this
            result = self._query(query) if not isinstance(query, exp.Table) else self.table(query.name)
            target = st.args["files"][0].name
            opts = {p.this.name.lower() if hasattr(p.this, "name") else str(p.this).lower(): p for p in st.args.get("params") or []}
            fmt = "csv" if target.lower().endswith(".csv") or "format" in opts and "csv" in opts["format"].sql().lower() else "parquet"
            (result.to_csv if fmt == "csv" else result.to_parquet)(target, overwrite=True, scheduler=self.scheduler)
            return None
        if isinstance(st, exp.Command) and st.name.upper() == "EXPLAIN":
            (inner,) = parse(st.expression.name if isinstance(st.expression, exp.Literal) else st.expression.sql(), self.dialect)
            text = self._explain(inner)
            return frames.from_arrow(pa.table({"plan": text.splitlines()}))
        raise UnsupportedFeatureError(f"the {type(st).__name__.upper()} statement")


def _name_projections(query: exp.Expression, dialect: str) -> exp.Expression:
    """Unnamed output expressions get DuckDB-style names (``sum(x)``), not sqlglot's ``_col_0``."""
    if not isinstance(query, exp.Select):
        return query
    query = query.copy()
    for e in list(query.expressions):
        if isinstance(e, (exp.Alias, exp.Column, exp.Star)):
            continue
        if isinstance(e, exp.Count) and isinstance(e.this, exp.Star):
            e.replace(exp.alias_(e.copy(), "count_star()", quoted=True))
            continue
        head, paren, rest = e.sql(dialect=dialect).partition("(")
        e.replace(exp.alias_(e.copy(), head.lower() + paren + rest, quoted=True))
    return query
