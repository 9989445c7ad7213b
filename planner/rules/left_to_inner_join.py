"""left_to_inner_join: a LEFT JOIN under a filter that rejects NULLs of its right side is an inner join.

The rows a left join adds for unmatched left rows carry NULL in every right column; a filter above
it requiring one of those columns to be non-NULL (``NOT x IS NULL``, the form sqlglot's decorrelated
IN and EXISTS leave) drops exactly those rows, so the inner join gives the same answer, and inner
joins can be reordered and can take filters on both sides. The filter is looked through down the
join tree of one SELECT (filters and joins keep their columns' names); a projection stops it. The
join is written in the builder's form of a run of inner joins, a cross join under a filter with its
key equalities, so ``reorder_joins`` orders it together with the inner joins below it (as the
builder did when it made this rewrite silently: TPC-H q4, q18 and q20 keep their plans).

Before:  Filter NOT is_null("b.y")          After:  Filter NOT is_null("b.y")
           Join left on [a.x = b.y]                   Filter (a.x = b.y)
                                                        Join cross
"""

from __future__ import annotations

from frames.dataframe.expr.scalar import Call, Col, ScalarExpr, call, conjunction, conjuncts
from planner.logical import Filter, Join, LogicalPlan, same_explain, transform_up


def left_to_inner_join(plan: LogicalPlan, ctx) -> LogicalPlan:
    def rewrite(node: LogicalPlan) -> LogicalPlan:
        if not isinstance(node, Filter):
            return node
        rejected = {c for p in conjuncts(node.predicate) if (c := _not_null_column(p)) is not None}
        return _below(node, rejected) if rejected else node

    new = transform_up(plan, rewrite)
    return plan if same_explain(new, plan) else new


def _not_null_column(p: ScalarExpr) -> str | None:
    """The column ``p`` requires to be non-NULL (``NOT x IS NULL`` or ``x IS NOT NULL``), if any."""
    if isinstance(p, Call) and p.func == "not" and len(p.args) == 1:
        inner = p.args[0]
        if isinstance(inner, Call) and inner.func == "is_null" and len(inner.args) == 1 and isinstance(inner.args[0], Col):
            return inner.args[0].name
    if isinstance(p, Call) and p.func == "is_not_null" and len(p.args) == 1 and isinstance(p.args[0], Col):
        return p.args[0].name
    return None


def _below(node: LogicalPlan, rejected: set[str]) -> LogicalPlan:
    """``node`` with every left join in its join tree whose right side has a ``rejected`` column
    made inner."""
    if isinstance(node, Filter):
        child = _below(node.child, rejected)
        return node if child is node.child else node.with_inputs(child)
    if not isinstance(node, Join):
        return node  # a projection or anything else renames or computes: stop
    if node.how == "left" and rejected & set(node.right.schema.names):
        # in the builder's form of a run of inner joins (a cross join under a filter holding its
        # conditions), so reorder_joins orders it together with the inner joins below it
        keys = [call("eq", Col(a), Col(b)) for a, b in zip(node.left_on, node.right_on)]
        cross = Join(_below(node.left, rejected), _below(node.right, rejected), "cross")
        return Filter(cross, conjunction(keys)) if keys else cross
    sides = (node.left,) if node.how in ("semi", "anti") else (node.left, node.right)
    new = [_below(s, rejected) for s in sides] + list(node.inputs()[len(sides):])
    return node if all(a is b for a, b in zip(new, node.inputs())) else node.with_inputs(*new)
