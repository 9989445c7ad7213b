"""reorder_joins: inner joins in an order that avoids cross products.

The builder writes ``FROM a, b, c WHERE ...`` (and runs of ``INNER JOIN ... ON``) as a chain of cross
joins under one filter holding every condition. Inner joins commute, so this rule takes such a
region apart (its inputs, in the order written, and the conjuncts of its filters and join keys) and
rebuilds it: starting from the first input, the next input is one that an equality connects to what
is joined so far (one with a filter of its own first: a restricted dimension shrinks the rows every
later join handles; then an aggregated input: joined on its keys it cannot multiply rows, but an
IN subquery's distinct keys may keep nearly every row, and the filtered joins before it leave
``reduce_grouped_join`` a small side to reduce it with: TPC-DS q95's two IN (ws_wh) subqueries, q23's,
q10's and q69's EXISTS; among the others, those that multiply rows last: more than ``FAN_OUT`` rows per
value of their join key by frames' estimates, from file statistics), a cross join only when nothing
else is left. Filtered inputs first keeps TPC-DS
q72 from joining catalog_sales with inventory on the item alone (a many-to-many join of about 10^9
rows, 22 GB before the OOM killer) before the filtered dimensions and the date link. Equalities between a column of each
side become join keys; any other condition is placed as a filter right above the join where all its
inputs are present, and ``push_down_filter`` later moves single-input ones into the scans. Which
side of each join is built (and broadcast) is ``choose_build_side``'s decision, from size estimates.
An equality whose sides are expressions of one side each (``a.w = b.w - 52``) is a join key too:
the expression is computed as a column of its input first.

A greedy order by estimated size alone was tried and rejected: without key statistics it joined
TPC-H q5's customer with nation before orders, a many-to-many blow-up.

The rule fires only on a region whose filter still holds an equality between two of its inputs
(the builder's form); an ordered region has none left, so a second pass changes nothing.

Before:  Filter (a.k = b.k) AND (b.j = c.j)     After:  Join inner on [b.j = c.j]
           Join cross                                      Join inner on [a.k = b.k]
             Join cross                                      Scan a
               Scan a                                        Scan b
               Scan c                                      Scan c
             Scan b
"""

from __future__ import annotations

import itertools

from frames.dataframe.expr.scalar import Call, Col, ScalarExpr, call, conjunction, conjuncts
from planner.logical import Aggregate, Filter, Join, LogicalPlan, Project, Scan, same_explain, transform_up


def reorder_joins(plan: LogicalPlan, ctx) -> LogicalPlan:
    new = transform_up(plan, _rewrite)
    return plan if same_explain(new, plan) else new


def _in_region(node: LogicalPlan) -> bool:
    return isinstance(node, Filter) or (isinstance(node, Join) and node.how in ("inner", "cross"))


def _flatten(node: LogicalPlan, leaves: list, conds: list) -> bool:
    """Collect the region's inputs and conditions; True if it contains a cross join."""
    if isinstance(node, Filter) and _in_region(node.child):
        conds += conjuncts(node.predicate)
        return _flatten(node.child, leaves, conds)
    if isinstance(node, Join) and node.how in ("inner", "cross"):
        conds += [call("eq", Col(a), Col(b)) for a, b in zip(node.left_on, node.right_on)]
        crossed = _flatten(node.left, leaves, conds)
        crossed = _flatten(node.right, leaves, conds) or crossed
        return crossed or node.how == "cross"
    leaves.append(node)
    return False


def _is_grouped(node: LogicalPlan) -> bool:
    while isinstance(node, (Project, Filter)):
        node = node.child
    return isinstance(node, Aggregate)


def _is_filtered(node: LogicalPlan) -> bool:
    while isinstance(node, Project):
        node = node.child
    return isinstance(node, Filter) or (isinstance(node, Scan) and node.filter is not None)


FAN_OUT = 2.0  # an input with more rows than this per value of its join key multiplies rows


def _fan_out(leaf: LogicalPlan, keys: list[str]) -> float:
    """Rows of ``leaf`` per distinct value of its join ``keys`` (frames' estimates: row counts and
    key ranges from the files' statistics); 1.0 when unknown. A dimension joined on its key has
    1; inventory joined on its item alone has 650 (TPC-DS q72: joined before the week that links
    it to the sale's date, 1.5M rows became 10M)."""
    frames = leaf.frames
    rows, distinct = frames.estimated_rows(), frames.distinct_count(tuple(dict.fromkeys(keys)))
    if not rows or not distinct:
        return 1.0
    return rows / min(distinct, rows)


def _key_sides(p: ScalarExpr, inputs_of, done: set[int], nxt: int) -> tuple[ScalarExpr, ScalarExpr] | None:
    """(left, right) sides of an equality usable as a join key between the inputs joined so far
    and input ``nxt``: each side reads only one of them (TPC-DS q59's ``d_week_seq1 = d_week_seq2
    - 52``, written as a filter over a cross join of 70k x 70k rows before)."""
    if not (isinstance(p, Call) and p.func == "eq" and len(p.args) == 2):
        return None
    a, b = p.args
    in_a, in_b = inputs_of(a), inputs_of(b)
    if not in_a or not in_b:
        return None
    if in_a <= done and in_b == {nxt}:
        return a, b
    if in_b <= done and in_a == {nxt}:
        return b, a
    return None


def _with_columns(node: LogicalPlan, extra: list) -> LogicalPlan:
    if not extra:
        return node
    return Project(node, tuple((n, Col(n)) for n in node.schema.names) + tuple(extra))


def _rewrite(node: LogicalPlan) -> LogicalPlan:
    if not (isinstance(node, Filter) and isinstance(node.child, Join) and node.child.how in ("inner", "cross")):
        return node  # the builder's form: a filter over the region's joins
    leaves: list[LogicalPlan] = []
    conds: list[ScalarExpr] = []
    if not _flatten(node, leaves, conds):
        return node  # no cross join left: already ordered
    owner = {name: i for i, leaf in enumerate(leaves) for name in leaf.schema.names}

    def inputs_of(p: ScalarExpr) -> set[int]:
        return {owner[c] for c in p.columns() if c in owner}

    def links(p: ScalarExpr, done: set[int], cand: int) -> bool:
        used = inputs_of(p)
        return isinstance(p, Call) and p.func == "eq" and cand in used and len(used) > 1 and used - {cand} <= done

    if not any(links(p, set(range(len(leaves))) - {i}, i) for p in conds for i in inputs_of(p)):
        return node  # no equality connects two inputs: nothing to order by
    pending = list(dict.fromkeys(conds))
    local = [p for p in pending if len(inputs_of(p)) <= 1]
    pending = [p for p in pending if p not in local]
    restricted = {i for p in local for i in inputs_of(p)} | {i for i, leaf in enumerate(leaves) if _is_filtered(leaf)}
    out: LogicalPlan = leaves[0]
    numbers = itertools.count()  # computed key columns, named apart within the region
    done = {0}
    remaining = list(range(1, len(leaves)))
    while remaining:
        linked = [i for i in remaining if any(links(p, done, i) for p in pending)]
        grouped = [i for i in linked if _is_grouped(leaves[i])]
        filtered = [i for i in linked if i in restricted]
        if not grouped and not filtered and len(linked) > 1:  # joins that multiply rows last, least first
            fan = {i: _fan_out(leaves[i], [c for p in pending if links(p, done, i) for c in p.columns() if owner.get(c) == i])
                   for i in linked}
            linked.sort(key=lambda i: fan[i] if fan[i] > FAN_OUT else 0.0)
        nxt = (filtered or grouped or linked or remaining)[0]
        remaining.remove(nxt)
        lkeys, rkeys, residual = [], [], []
        computed: tuple[list, list] = ([], [])  # (name, expression) keys computed on the left / right input
        placed = [p for p in pending if inputs_of(p) <= done | {nxt}]
        for p in placed:
            sides = _key_sides(p, inputs_of, done, nxt)
            if sides is None:
                residual.append(p)
                continue
            for keys, extra, e in ((lkeys, computed[0], sides[0]), (rkeys, computed[1], sides[1])):
                if not isinstance(e, Col):  # an expression of one side: a column computed on it
                    extra.append((f"__join_key{next(numbers)}", e))
                    e = Col(extra[-1][0])
                keys.append(e.name)
        pending = [p for p in pending if p not in placed]
        left, right = (_with_columns(side, extra) for side, extra in zip((out, leaves[nxt]), computed))
        out = Join(left, right, "inner" if lkeys else "cross", tuple(lkeys), tuple(rkeys))
        if residual:
            out = Filter(out, conjunction(residual))
        done.add(nxt)
    if local or pending:
        out = Filter(out, conjunction(local + pending))  # push_down_filter sinks these
    if out.schema.names != node.schema.names:  # inputs moved: restore the region's column order
        out = Project(out, tuple((n, Col(n)) for n in node.schema.names))
    return out
