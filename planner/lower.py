"""Lowering: the optimized logical plan onto frames nodes.

Each logical node names the frames operation it becomes (``LogicalPlan.to_frames``); a ``Scan``
hands its pushed filter and column list to the frames scan (``with_filter`` / ``with_columns``), so
the frames tree that comes out already reads only what the query needs. Lowering is memoized per
logical node, so a subtree shared in the plan (a CTE read twice) is one frames node, computed once.
The result is wrapped as an ordinary lazy ``frames.DataFrame``.
"""

from __future__ import annotations

import frames
from frames.dataframe.expr.node import Node as FramesNode
from planner.logical import LogicalPlan


def lower(plan: LogicalPlan) -> FramesNode:
    return plan.frames


def to_dataframe(plan: LogicalPlan) -> frames.DataFrame:
    return frames.DataFrame(lower(plan))
