"""push_down_limit: ORDER BY ... LIMIT n becomes a top-k, and a limit moves below projections.

``limit(sort(x), n)`` needs only the first ``n + offset`` rows of the order, so each partition keeps
its own top rows and no full sort happens (frames' Sort with ``limit``);
``limit(project(x)) = project(limit(x))`` because a projection neither adds nor removes rows. A limit
never crosses a filter, join or aggregate.

Before:  Limit 10                After:  Limit 10
           Sort [s DESC]                   TopK [s DESC] limit=10
"""

from __future__ import annotations

from dataclasses import replace

from planner.logical import Limit, LogicalPlan, Project, Sort, transform_up


def push_down_limit(plan: LogicalPlan, ctx) -> LogicalPlan:
    def rewrite(new: LogicalPlan) -> LogicalPlan:
        if not isinstance(new, Limit) or new.n is None:
            return new  # OFFSET alone needs every row
        child = new.child
        if isinstance(child, Sort) and (child.limit is None or child.limit > new.n + new.offset):
            return Limit(replace(child, limit=new.n + new.offset), new.n, new.offset)
        if isinstance(child, Project) and not isinstance(child.child, Limit):
            return child.with_inputs(Limit(child.child, new.n, new.offset))
        return new

    return transform_up(plan, rewrite)
