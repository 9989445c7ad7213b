"""choose_build_side: for inner joins, build the hash table on (and broadcast) the smaller input.

Arrow's hash join builds on its right input, and a broadcast join gathers one side whole: both want
the smaller side there. Sizes are the inputs' ``estimated_bytes()`` after filters were pushed. An
inner join is symmetric, so the inputs swap and a projection restores the column order.

Before:  Join inner on [o.k = l.k]            After:  Project o.k, ..., l.k, ...
           Scan orders (small)                           Join inner on [l.k = o.k]
           Scan lineitem (big)                             Scan lineitem (big)
                                                           Scan orders (small)
"""

from __future__ import annotations

from dataclasses import replace

from frames.expr.blockwise import Project
from frames.expr.join import Join
from frames.expr.node import Node, transform_up
from frames.expr.scalar import Col


def choose_build_side(plan: Node, ctx) -> Node:
    def rewrite(new: Node) -> Node:
        if (isinstance(new, Join) and new.how == "inner" and new.suffixes is None and not new.coalesce_keys
                and new.strategy is None and new.left.estimated_bytes() < 0.5 * new.right.estimated_bytes()):
            swapped = replace(new, left=new.right, right=new.left, left_on=new.right_on, right_on=new.left_on)
            new = Project(swapped, tuple((n, Col(n)) for n in new.schema.names))
        return new

    return transform_up(plan, rewrite)
