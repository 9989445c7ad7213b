"""push_down_filter: move every filter as close to the data as it can go, into the scan.

``filter(op(x)) = op(filter(x))`` holds for row-wise ``op``: a projection (the predicate is rewritten
through the projected expressions), a sort without limit, each input of a UNION ALL, an aggregate
when the conjunct reads only group keys, a window when it reads only PARTITION BY keys (whole
partitions are kept or dropped). A conjunct crosses an inner or cross join to the side whose columns
it reads (an equality between the two sides becomes a join key), an outer join only to its preserved
side, a semi/anti join to its left side. A limit, a top-k and a ``RowId`` stop it (row ids
must not depend on which reader of a shared subtree filtered it). In a ``Scan`` the filter is
applied while reading; lowering hands it to the frames scan (``with_filter``), which also prunes
Parquet row groups by statistics and hive directories by value.

Before:  Filter (t.x > 5)                  After:  Project x AS t.x, y AS t.y
           Project x AS t.x, y AS t.y                Scan t: columns=[x, y] filter=(x > 5)
             Scan t
"""

from __future__ import annotations

from frames.dataframe.expr.pushdown import Rewriter
from planner.logical import Filter, LogicalPlan, Project, Values, same_explain
from planner.rules.fold_constants import fold


def push_down_filter(plan: LogicalPlan, ctx) -> LogicalPlan:
    """The driver of ``frames.dataframe.expr.pushdown`` over logical nodes: each says which conjuncts cross
    it (``pass_filter`` in ``planner/logical.py`` and the shared mixins)."""
    new = Rewriter(Filter, Project, fold=fold, empty=_empty).push_filters(plan)
    return plan if same_explain(new, plan) else new  # a filter rebuilt where it was: nothing moved


def _empty(child: LogicalPlan) -> LogicalPlan:
    """What a filter that is FALSE (or NULL) for every row leaves of ``child``: no row, and nothing
    below it read. A conjunct becomes constant when it is substituted through a projection of
    literals: ``sale_type = 'w'`` pushed into the branches of a CTE's UNION ALL whose branches
    project ``'s' AS sale_type``, ``'c'``, ``'w'`` (TPC-DS q4, q11, q74 read every channel's fact table
    in each of the CTE's references before)."""
    return Values(child.schema.empty_table())
