"""Lowering an optimized sqlglot query (qualified, subqueries unnested) onto frames nodes.

Inside a SELECT every column is named ``alias.column`` so joined relations never collide; a query's
output columns carry the SELECT's names. sqlglot has already qualified names, expanded ``*``,
decorrelated subqueries into joins and folded constants; this module owns what reaches the engine:
join keys taken from ON conditions (the rest of a condition stays as a filter), WHERE conjuncts
placed on the join that first has all their columns, aggregation in three steps (project the
arguments, aggregate, project the results), ORDER BY ... LIMIT as top-k, set operations.

One module per concern: ``query`` (the entry point, SELECT, projection), ``joins``, ``subqueries``,
``aggregates``, ``windows``, ``setops``; ``common`` holds the shared helpers.
"""

from planner.build.common import conjuncts_sql
from planner.build.query import QueryBuilder

__all__ = ["QueryBuilder", "conjuncts_sql"]
