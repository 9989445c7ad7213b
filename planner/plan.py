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
from planner.build.recursive import refuse_nested_recursion
from planner.catalog import Catalog
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
                 storage_options: dict | None = None):
        self.catalog = catalog
        self.storage_options = storage_options  # fsspec options for the URLs table functions read
        self.dialect = dialect
        self.fallback = fallback
        self._views_in_progress: set[str] = set()

    # -- entry points --------------------------------------------------------------------------
    def logical(self, query: exp.Expression) -> LogicalPlan:
        """The logical plan as built, before the optimizer rules; its columns spelled as the
        catalog and the query's aliases spell them (``planner.identifiers``)."""
        spelling = Spelling()
        files: dict[str, FramesNode] = {}
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


def describe_schema(plan: LogicalPlan) -> list[tuple[str, str]]:
    return [(f.name, sql_type(f.type)) for f in plan.schema]


__all__ = ["Planner", "name_projections", "describe_schema"]
