"""choose_build_side: for inner joins, build the hash table on (and broadcast) the smaller input.

Arrow's hash join builds on its right input, and frames broadcasts the right side of an inner join
when it is small: both want the smaller side on the right. Sizes are the inputs'
``estimated_bytes()`` (frames' estimates, after filters were pushed into the scans, so a filtered
table counts at its filtered size). An inner join is symmetric: the inputs swap and a projection
restores the column order. Frames then picks broadcast or shuffle from the same estimates.

Before:  Join inner on [o.k = l.k]            After:  Project o.k, ..., l.k, ...
           Scan orders (small)                           Join inner on [l.k = o.k]
           Scan lineitem (big)                             Scan lineitem (big)
                                                           Scan orders (small)
"""

from __future__ import annotations

from frames.dataframe.expr.scalar import Col
from planner.logical import Join, LogicalPlan, Project, transform_up


def choose_build_side(plan: LogicalPlan, ctx) -> LogicalPlan:
    def rewrite(new: LogicalPlan) -> LogicalPlan:
        if not (isinstance(new, Join) and new.how == "inner" and new.strategy is None):
            return new  # outer joins have a fixed preserved side; a chosen strategy is kept
        if new.left.estimated_bytes() < 0.5 * new.right.estimated_bytes():
            swapped = Join(new.right, new.left, "inner", new.right_on, new.left_on)
            return Project(swapped, tuple((n, Col(n)) for n in new.schema.names))
        return new

    return transform_up(plan, rewrite)
