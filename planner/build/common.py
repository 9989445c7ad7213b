"""Helpers shared by the builder's parts: renaming a relation's columns under its alias, SQL
conjuncts, the tables an expression reads, LIMIT/OFFSET values."""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from frames.dataframe.expr.scalar import Col
from planner.errors import SqlError, UnsupportedFeatureError
from planner.logical import LogicalPlan as Node, Project, Values


def rename(node: Node, prefix: str) -> Node:
    return Project(node, tuple((f"{prefix}.{n}", Col(n)) for n in node.schema.names))


def unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}_{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def plain_inner(join: exp.Join) -> bool:
    """An inner or comma join without USING (free to reorder)."""
    return not join.side and (join.kind or "").upper() in ("", "INNER", "CROSS") and not join.args.get("using")


def is_subquery_predicate(c: exp.Expression) -> bool:
    test = c.this if isinstance(c, exp.Not) else c
    return isinstance(test, exp.Exists) or (isinstance(test, exp.In) and test.args.get("query") is not None)


def one_row() -> Node:
    return Values(pa.table({"__one": [1]}))


def limit_of(sel: exp.Expression) -> tuple[int | None, int]:
    """(LIMIT, OFFSET) of a query: constant non-negative integers, as DuckDB requires."""
    limit = sel.args.get("limit")
    offset = sel.args.get("offset")
    n = _count(limit.expression, "LIMIT") if limit is not None else None
    off = _count(offset.expression, "OFFSET") if offset is not None else 0
    return n, off


def _count(value: exp.Expression, clause: str) -> int:
    negative = isinstance(value, exp.Neg)
    inner = value.this if negative else value
    if not (isinstance(inner, exp.Literal) and inner.is_int):
        raise UnsupportedFeatureError(f"{clause} {value.sql()} (only a constant integer)")
    if negative and int(inner.this) != 0:
        raise SqlError(f"{clause} cannot be negative ({value.sql()})")
    return int(inner.this)


def tables_of(e: exp.Expression) -> set[str]:
    return {c.table for c in e.find_all(exp.Column)}


def inside_window(node: exp.Expression) -> bool:
    return node.find_ancestor(exp.Window) is not None


def is_window_function(agg: exp.Expression) -> bool:
    """Whether ``agg`` is the function of a window (``sum(x) OVER ...``), not an aggregate inside
    one (``sum(sum(x)) OVER ...``, ``rank() OVER (ORDER BY sum(x))``)."""
    parent = agg.parent
    while isinstance(parent, (exp.Filter, exp.IgnoreNulls, exp.RespectNulls)):
        agg, parent = parent, parent.parent
    return isinstance(parent, exp.Window) and parent.this is agg


def conjuncts_sql(e: exp.Expression) -> list[exp.Expression]:
    if isinstance(e, exp.And):
        return conjuncts_sql(e.this) + conjuncts_sql(e.expression)
    if isinstance(e, exp.Paren):
        return conjuncts_sql(e.this)
    return [e]
