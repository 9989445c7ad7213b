"""fold_constants: compute sub-expressions without columns once, at planning time.

sqlglot's simplifier already folds the SQL text (``DATE '1998-12-01' - INTERVAL '90' DAY``); this
rule folds what lowering creates: a filter whose condition is constant TRUE disappears, any scalar
sub-expression reading no column becomes a literal.

Before:  Filter (1 < 2)          After:  ParquetScan t
           ParquetScan t
"""

from __future__ import annotations

import pyarrow as pa

from frames.expr.blockwise import Filter, Project
from frames.expr.node import Node, transform_up
from frames.expr.scalar import Call, Case, Cast, Lit, ScalarExpr


def _fold(e: ScalarExpr) -> ScalarExpr:
    if isinstance(e, Lit) or not isinstance(e, (Call, Cast, Case)):
        return e
    children = [_fold(c) for c in e.children()]
    if any(a is not b for a, b in zip(children, e.children())):
        e = e._rebuild(children)
    if not e.columns() and all(isinstance(c, Lit) for c in e.children()):
        try:
            value = e.evaluate(pa.table({"__": [0]}))
        except Exception:  # leave it for run time, where the error names the row's values
            return e
        if isinstance(value, pa.Scalar):
            return Lit(value.as_py(), value.type)
    return e


def fold_constants(plan: Node, ctx) -> Node:
    def rewrite(new: Node) -> Node:
        if isinstance(new, Filter):
            pred = _fold(new.predicate)
            if isinstance(pred, Lit) and pred.value is True:
                new = new.child
            elif pred is not new.predicate:
                new = Filter(new.child, pred)
        elif isinstance(new, Project):
            exprs = tuple((n, _fold(e)) for n, e in new.exprs)
            if any(a[1] is not b[1] for a, b in zip(exprs, new.exprs)):
                new = Project(new.child, exprs)
        return new

    return transform_up(plan, rewrite)
