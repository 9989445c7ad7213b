"""fold_constants: compute sub-expressions that read no column once, at planning time.

sqlglot's simplifier already folds the SQL text (``DATE '1998-12-01' - INTERVAL '90' DAY``); this
rule folds what building and other rules create (e.g. a predicate substituted through a projection
of literals): any scalar sub-expression reading no column becomes a literal, evaluated by the same
frames kernel that would run it; a filter whose condition is constant TRUE disappears.

Before:  Filter (1 < 2)          After:  Project a, 3 AS k
           Project a, (1 + 2) AS k          Scan t
             Scan t
"""

from __future__ import annotations

import pyarrow as pa

from frames.dataframe.expr.scalar import Call, Case, Cast, Lit, ScalarExpr
from planner.logical import Filter, LogicalPlan, Project, transform_up


def fold(e: ScalarExpr) -> ScalarExpr:
    """``e`` with every sub-expression that reads no column computed (also used by push_down_filter)."""
    if isinstance(e, Lit) or not isinstance(e, (Call, Cast, Case)):
        return e  # a literal or a column: nothing to compute
    children = [fold(c) for c in e.children()]
    if any(a is not b for a, b in zip(children, e.children())):
        e = e._rebuild(children)
    if all(isinstance(c, Lit) for c in e.children()):  # so it reads no column
        try:
            value = e.evaluate(pa.table({"__": [0]}))
        except Exception:  # leave it for run time, where the error names the row's values
            return e
        if isinstance(value, pa.Scalar):
            return Lit(value.as_py(), value.type)
    return e


def fold_constants(plan: LogicalPlan, ctx) -> LogicalPlan:
    def rewrite(new: LogicalPlan) -> LogicalPlan:
        if isinstance(new, Filter):
            pred = fold(new.predicate)
            if isinstance(pred, Lit) and pred.value is True:
                return new.child
            if pred is not new.predicate:
                return Filter(new.child, pred)
        elif isinstance(new, Project):
            exprs = tuple((n, fold(e)) for n, e in new.exprs)
            if any(a[1] is not b[1] for a, b in zip(exprs, new.exprs)):
                return Project(new.child, exprs)
        return new

    return transform_up(plan, rewrite)
