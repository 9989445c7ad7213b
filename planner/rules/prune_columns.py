"""prune_columns: compute and read only the columns the query uses.

Every node is asked for just the columns its consumers read: projections drop unused expressions,
aggregates unused aggregates, windows unused functions, and each ``Scan`` keeps only the columns read
above it (plus what its own filter reads, which the frames scan reads without outputting). Lowering
hands the list to the frames scan (``with_columns``), which reads only those from the files. A node
shared by several parents (a CTE read twice) is pruned once, for the union of their needs.

Before:  Project t.a                       After:  Project t.a
           Project a AS t.a, b AS t.b                Project a AS t.a
             Scan t: columns=[a, b, c]                 Scan t: columns=[a]
"""

from __future__ import annotations

from frames.dataframe.expr.pushdown import Rewriter
from planner.logical import Filter, LogicalPlan, Project, same_explain


def prune_columns(plan: LogicalPlan, ctx) -> LogicalPlan:
    """The driver of ``frames.dataframe.expr.pushdown`` over logical nodes: each says which input columns it
    needs (``input_columns``) and how it drops what nobody reads (``pruned``)."""
    new = Rewriter(Filter, Project).prune_columns(plan)
    return plan if same_explain(new, plan) else new
