"""factor_or: take the conjuncts every branch of an OR shares out of it.

``(a AND x) OR (a AND y) = a AND (x OR y)``, and ``(a AND x) OR a = a``. The shared part is then a
conjunct of its own that later rules can use: an equality between two inputs becomes a join key
(TPC-H q19 repeats ``p_partkey = l_partkey`` in each of its three branches and would otherwise be
a cross join filtered afterwards), a conjunct on one input goes into its scan. The factored
conjuncts take the OR's place, in its order, so nothing else in the filter moves.

Before:  Filter ((a.k = b.k) AND (a.x = 1)) OR ((a.k = b.k) AND (b.y = 2))
After:   Filter (a.k = b.k) AND ((a.x = 1) OR (b.y = 2))
"""

from __future__ import annotations

from frames.dataframe.expr.scalar import Call, ScalarExpr, balanced, conjunction, conjuncts
from planner.logical import Filter, LogicalPlan, transform_up


def factor_or(plan: LogicalPlan, ctx) -> LogicalPlan:
    def rewrite(node: LogicalPlan) -> LogicalPlan:
        if not isinstance(node, Filter):
            return node
        parts = conjuncts(node.predicate)
        factored = [f for p in parts for f in _factor(p)]
        if len(factored) == len(parts) and all(a is b for a, b in zip(factored, parts)):
            return node  # no OR with a shared conjunct
        return Filter(node.child, conjunction(factored))

    return transform_up(plan, rewrite)


def _factor(e: ScalarExpr) -> list[ScalarExpr]:
    """``e`` as conjuncts, with what all of its OR branches share taken out."""
    if not (isinstance(e, Call) and e.func == "or"):
        return [e]
    branches = [conjuncts(b) for b in _disjuncts(e)]
    common = [c for c in dict.fromkeys(branches[0]) if all(c in other for other in branches[1:])]
    if not common:
        return [e]
    rests = [[c for c in b if c not in common] for b in branches]
    if any(not r for r in rests):  # a branch is the shared part alone: the OR holds wherever it does
        return common
    return common + [balanced("or", [conjunction(r) for r in rests])]


def _disjuncts(e: ScalarExpr) -> list[ScalarExpr]:
    if isinstance(e, Call) and e.func == "or":
        return [d for a in e.args for d in _disjuncts(a)]
    return [e]
