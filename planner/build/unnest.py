"""``unnest(list)`` in a select list: the lists are computed as columns ``__unnest{i}`` over the
FROM/WHERE result, an ``Unnest`` node turns their elements into rows, and every ``unnest(...)`` in
the SELECT (also in GROUP BY, ORDER BY, HAVING) then reads its column, so grouping and ordering
see the unnested rows as in DuckDB. A list is a list-typed column or a constant ``[...]``.
"""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from frames.dataframe.expr.scalar import Col, Lit
from planner.errors import UnsupportedFeatureError
from planner.logical import LogicalPlan as Node, Project, Unnest


def _unnest_calls(sel: exp.Select) -> list[exp.Expression]:
    calls = []
    for e in sel.find_all(exp.Explode, exp.Unnest):
        if isinstance(e, exp.Unnest) and isinstance(e.parent, (exp.From, exp.Join)):
            continue
        scope = e.find_ancestor(exp.Select)
        if scope is sel and not any(e == c for c in calls):
            calls.append(e)
    return calls


class UnnestBuilder:
    """The part of ``QueryBuilder`` that plans unnest in select lists."""

    def _unnest(self, sel: exp.Select, node: Node) -> tuple[exp.Select, Node]:
        calls = _unnest_calls(sel)
        if not calls:
            return sel, node
        tr = self._expr(node, None)
        extra = []
        for i, call in enumerate(calls):
            args = [call.this] if isinstance(call, exp.Explode) else list(call.expressions)
            if len(args) != 1 or call.find(exp.AggFunc, exp.Window) is not None:
                raise UnsupportedFeatureError(f"unnest of this form ({call.sql()})")
            extra.append((f"__unnest{i}", tr(args[0])))
        node = Project(node, tuple((n, Col(n)) for n in node.schema.names) + tuple(extra))
        node = Unnest(node, tuple(n for n, _ in extra))
        sel = sel.copy()
        for i, call in enumerate(calls):
            for e in list(sel.find_all(type(call))):
                if e == call:
                    e.replace(exp.column(f"__unnest{i}"))
        return sel, node

