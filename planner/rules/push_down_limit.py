"""push_down_limit: ORDER BY ... LIMIT n becomes a top-k, and a limit moves below projections.

``limit(sort(x), n)`` needs only the first ``n + offset`` rows of the order, so each partition keeps
its own top rows and no full sort happens; ``limit(project(x)) = project(limit(x))`` because a
projection neither adds nor removes rows. A limit never crosses a filter, join or aggregate.

Before:  Limit 10                After:  Limit 10
           Sort [s DESC]                   TopK [s DESC] limit=10
"""

from __future__ import annotations

from dataclasses import replace

from frames.expr.blockwise import Project
from frames.expr.node import Node, transform_up
from frames.expr.reshape import Limit
from frames.expr.sort import Sort


def push_down_limit(plan: Node, ctx) -> Node:
    def rewrite(new: Node) -> Node:
        if isinstance(new, Limit) and new.n is not None:
            child = new.child
            if isinstance(child, Sort) and (child.limit is None or child.limit > new.n + new.offset):
                new = Limit(replace(child, limit=new.n + new.offset), new.n, new.offset)
            elif isinstance(child, Project) and not isinstance(child.child, Limit):
                new = child.with_inputs(Limit(child.child, new.n, new.offset))
        return new

    return transform_up(plan, rewrite)
