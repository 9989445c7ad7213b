"""From one query's AST to its logical plan and optimized plan (the planner's entry point).

Steps: DuckDB-style names for unnamed outputs; ``read_parquet('...')`` / ``read_csv('...')`` table
functions become scans; every table name is resolved (catalog table, view, the caller's fallback,
or a file path queried in place) to build sqlglot's schema; sqlglot qualifies, expands ``*``,
unnests subqueries and simplifies (``planner.parse.semantic``); ``planner.build`` turns the AST into
the logical plan; ``planner.rules.optimize`` rewrites it.
"""

from __future__ import annotations

from typing import Callable

from sqlglot import exp

from frames.dataframe.expr.node import Node as FramesNode
from planner.build import QueryBuilder
from planner.build.clauses import refuse_unplanned
from planner.build.recursive import refuse_nested_recursion
import pyarrow as pa

from exec.errors import SqlEngineError
from frames.dataframe.expr.sources import FromTables
from planner.catalog import Catalog
from planner.information_schema import SYSTEM_TABLES, Described
from planner.tables import MemoryTable
from planner.errors import TableNotFoundError, UnsupportedFeatureError
from planner.identifiers import Spelling
from planner.logical import LogicalPlan, Scan
from planner.naming import duckdb_name
from planner.parse import semantic
from planner.rules import RuleContext, optimize
from planner.series import replace_table_functions
from planner.table_functions import function_name, read_table_function
from planner.types import sql_type


class Planner:
    """Plans queries against ``catalog``. ``fallback(name)`` may supply a frames node for a name the
    catalog does not know (``sqlengine.sql``'s caller variables, files queried in place)."""

    def __init__(self, catalog: Catalog, dialect: str, fallback: Callable[[str], FramesNode | None] | None = None,
                 storage_options: dict | None = None, setting: Callable[[str], str] | None = None):
        self.catalog = catalog
        self.storage_options = storage_options  # fsspec options for the URLs table functions read
        self.dialect = dialect
        self.fallback = fallback
        self.setting = setting  # current_setting('name'): the session's value, as text
        self._views_in_progress: set[str] = set()

    # -- entry points --------------------------------------------------------------------------
    def logical(self, query: exp.Expression) -> LogicalPlan:
        """The logical plan as built, before the optimizer rules; its columns spelled as the
        catalog and the query's aliases spell them (``planner.identifiers``)."""
        refuse_unplanned(query)  # the user's clauses, before anything rewrites them
        spelling = Spelling()
        files: dict[str, FramesNode] = {}
        query = self._session_values(self._system_tables(query, files))
        query = replace_table_functions(_table_functions(query, files, self.storage_options), files)
        refuse_nested_recursion(query)
        resolved: dict[str, LogicalPlan] = {}
        ctes = {c.alias.lower() for c in query.find_all(exp.CTE)}
        schema: dict[str, dict[str, str]] = {}
        for t in query.find_all(exp.Table):
            name = t.name.lower()
            if not name or name in ctes or name in schema:
                continue
            plan = self._resolve(t.name, files, resolved, spelling)
            schema[name] = {f.name: sql_type(f.type) for f in plan.schema}
        query = name_projections(query, spelling.column)
        spelling.definitions(query)
        analyzed = semantic(query, schema, self.dialect)
        built = QueryBuilder(lambda name: self._resolve(name, files, resolved, spelling)).query(analyzed)
        return spelling.result(built)

    def optimized(self, query: exp.Expression, ctx: RuleContext | None = None) -> tuple[LogicalPlan, list[tuple[str, bool]], LogicalPlan]:
        """(optimized plan, which rules changed it, plan before the rules)."""
        initial = self.logical(query)
        plan, applied = optimize(initial, ctx)
        return plan, applied, initial

    # -- the catalog as tables, session values --------------------------------------------------
    def described(self) -> list[Described]:
        """Every table and view of the catalog, sorted by name, with its columns (a view that no
        longer plans, its table dropped, is listed without columns)."""
        out = []
        for key in self.catalog.names():
            name = self.catalog.spelling(key)
            entry = self.catalog.entry(key)
            if isinstance(entry, exp.Expression):
                try:
                    schema = pa.schema([pa.field(f.name, f.type) for f in self.logical(entry).schema])
                except SqlEngineError:
                    schema = pa.schema([])
                out.append(Described(name, "VIEW", schema))
            elif isinstance(entry, MemoryTable):
                out.append(Described(name, "BASE TABLE", entry.schema, entry))
            else:
                out.append(Described(name, "BASE TABLE", entry.schema))
        return out

    def _system_tables(self, query: exp.Expression, files: dict[str, FramesNode]) -> exp.Expression:
        """``information_schema.x`` (``SYSTEM_TABLES``) read as constant tables of the catalog now;
        ``main.t`` and ``memory.main.t`` are ``t``."""
        if not any(t.args.get("db") for t in query.find_all(exp.Table)):
            return query
        query = query.copy()
        for t in list(query.find_all(exp.Table)):
            db, cat = t.args.get("db"), t.args.get("catalog")
            if db is None:
                continue
            place = (db.name.lower(), t.name.lower())
            if place in SYSTEM_TABLES:
                name = f"__system_{place[0]}_{place[1]}"
                if name not in files:
                    rows = SYSTEM_TABLES[place](self.described(), self.catalog)
                    files[name] = FromTables((rows,), rows.schema)
                t.replace(exp.table_(name, alias=t.alias or t.name))
            elif db.name.lower() == self.catalog.schema and (cat is None or cat.name.lower() == self.catalog.database):
                t.set("db", None)
                t.set("catalog", None)
        return query

    def _session_values(self, query: exp.Expression) -> exp.Expression:
        """current_schema(), current_database(), version(), current_setting('x') as constants."""
        kinds = (exp.CurrentSchema, exp.CurrentDatabase, exp.CurrentVersion, exp.Anonymous)
        if not any(isinstance(n, kinds) for n in query.find_all(*kinds)):
            return query

        def value(node):
            if isinstance(node, exp.CurrentSchema):
                text, name = self.catalog.schema, "current_schema()"
            elif isinstance(node, exp.CurrentDatabase):
                text, name = self.catalog.database, "current_database()"
            elif isinstance(node, exp.CurrentVersion):
                text, name = engine_version(), '"version"()'  # DuckDB's name for it
            elif isinstance(node, exp.Anonymous) and node.name.lower() == "current_setting" and self.setting is not None:
                args = node.expressions
                if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
                    raise UnsupportedFeatureError("current_setting() of anything but one quoted setting name")
                text, name = self.setting(args[0].this), duckdb_name(node)
            else:
                return node
            if isinstance(node.parent, exp.Select) and node.arg_key == "expressions":  # an output: DuckDB's name
                return exp.Alias(this=exp.Literal.string(text), alias=exp.to_identifier(name, quoted=True))
            return exp.Literal.string(text)
        return query.copy().transform(value)

    # -- names ---------------------------------------------------------------------------------
    def _resolve(self, name: str, files: dict, resolved: dict, spelling: Spelling) -> LogicalPlan:
        """One plan per name per query: a table read twice is one Scan, a view read twice one plan;
        its columns under lower-case names (``Spelling.relation``). Names are found without regard
        to case; one not resolved yet is looked up as written (a file path keeps its case)."""
        key = name.lower()
        if key in resolved:
            return resolved[key]
        view = self.catalog.view(name)
        if key in files:
            plan: LogicalPlan = Scan(key, files[key])
        elif view is not None:
            if key in self._views_in_progress:
                raise UnsupportedFeatureError(f"view {name!r} that refers to itself")
            self._views_in_progress.add(key)
            try:
                plan = self.logical(view)
            finally:
                self._views_in_progress.discard(key)
        else:
            plan = Scan(key, self.frames_node(name))
        plan = resolved[key] = spelling.relation(plan)
        return plan

    def frames_node(self, name: str) -> FramesNode:
        node = self.catalog.table(name)
        if node is not None:
            return node
        if self.fallback is not None:
            found = self.fallback(name)
            if found is not None:
                return found
        raise TableNotFoundError(name, self.catalog.names())


def engine_version() -> str:
    """version(): sqlengine's, as DuckDB answers its own (``v2.0.1``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return "v" + version("sqlengine")
    except PackageNotFoundError:
        return "v0+unknown"


def _table_functions(query: exp.Expression, files: dict[str, FramesNode], storage_options: dict | None = None) -> exp.Expression:
    """Table functions in FROM (``read_parquet('path')``, ``read_csv('path', header=false)``, the
    ones ``planner.table_functions`` lists) become tables over those files."""
    if not any(function_name(t.this) for t in query.find_all(exp.Table)):
        return query
    query = query.copy()
    for i, t in enumerate([t for t in query.find_all(exp.Table) if function_name(t.this)]):
        name = f"__file{i}"
        files[name] = read_table_function(t.this, storage_options)
        t.replace(exp.table_(name, alias=t.alias or function_name(t.this)))
    return query


def name_projections(query: exp.Expression, spell=lambda name: name) -> exp.Expression:
    """Unnamed output expressions get DuckDB's names (``sum(x)``, ``(a + b)``), not sqlglot's
    ``_col_0``; ``spell`` gives a column's name as the catalog spells it."""
    if not isinstance(query, exp.Select):
        return query
    if all(isinstance(e, (exp.Alias, exp.Column, exp.Star)) for e in query.expressions):
        return query  # every output is named: no copy of the whole query to rename nothing
    query = query.copy()
    for e in list(query.expressions):
        if isinstance(e, (exp.Alias, exp.Column, exp.Star)):
            continue
        spelled = e.transform(lambda n: exp.Column(this=exp.to_identifier(spell(n.name))) if isinstance(n, exp.Column) else n)
        # exp.Alias, not exp.alias_: alias_ would make a subquery's name its table alias
        e.replace(exp.Alias(this=e.copy(), alias=exp.to_identifier(duckdb_name(spelled), quoted=True)))
    return query


__all__ = ["Planner", "name_projections"]
