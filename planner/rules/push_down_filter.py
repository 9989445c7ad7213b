"""push_down_filter: move every filter as close to the data as it can go, into the scan.

``filter(op(x)) = op(filter(x))`` for row-wise ``op``; a conjunct crosses an inner join to the side
whose columns it reads, an outer join only to its preserved side, an aggregate only when it reads
group keys alone. In the scan it prunes Parquet row groups by statistics and hive directories by
their values. The mechanics live in ``frames.expr.optimize.push_filters`` (one implementation for
SQL and the DataFrame API); this rule runs them on the SQL plan so EXPLAIN shows the result.

Before:  Filter (t.x > 5)                 After:  Project t.x, t.y
           Project x AS t.x, y AS t.y               ParquetScan t columns=[x, y] filter=(x > 5)
             ParquetScan t
"""

from __future__ import annotations

from frames.expr.node import Node
from frames.expr.optimize import push_filters


def push_down_filter(plan: Node, ctx) -> Node:
    new = push_filters(plan)
    return plan if new.explain() == plan.explain() else new
