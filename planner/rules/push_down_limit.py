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
from frames.expr.node import Node
from frames.expr.reshape import Limit
from frames.expr.sort import Sort


def push_down_limit(plan: Node, ctx) -> Node:
    memo: dict[int, Node] = {}

    def visit(node: Node) -> Node:
        done = memo.get(id(node))
        if done is not None:
            return done
        children = [visit(c) for c in node.inputs()]
        new = node if all(a is b for a, b in zip(children, node.inputs())) else node.with_inputs(*children)
        if isinstance(new, Limit) and new.n is not None:
            child = new.child
            if isinstance(child, Sort) and (child.limit is None or child.limit > new.n + new.offset):
                new = Limit(replace(child, limit=new.n + new.offset), new.n, new.offset)
            elif isinstance(child, Project) and not isinstance(child.child, Limit):
                new = child.with_inputs(Limit(child.child, new.n, new.offset))
        memo[id(node)] = new
        return new

    return visit(plan)
