"""prune_columns: read only the columns the query uses.

Every node is asked for just the columns its consumers read, down to the scans, which then read
only those from the files. The mechanics are ``frames.expr.optimize.prune_columns``.

Before:  Project t.a                       After:  Project t.a
           Project a AS t.a, b AS t.b                Project a AS t.a
             ParquetScan t columns=[a, b, c]           ParquetScan t columns=[a]
"""

from __future__ import annotations

from frames.expr.blockwise import Project
from frames.expr.node import Node
from frames.expr.optimize import prune_columns as _prune
from frames.expr.scalar import Col


def prune_columns(plan: Node, ctx) -> Node:
    new = _prune(plan, set(plan.schema.names), {})
    if new.schema.names != plan.schema.names:  # a superset came back: restore the exact output
        new = Project(new, tuple((n, Col(n)) for n in plan.schema.names))
    return plan if new.explain() == plan.explain() else new
