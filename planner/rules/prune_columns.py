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

from dataclasses import replace

from frames.expr.scalar import Col
from planner.logical import (Aggregate, Filter, Join, Limit, LogicalPlan, Project, RowId, Scan, Sort, Union,
                             Values, Window, same_explain, walk)


def prune_columns(plan: LogicalPlan, ctx) -> LogicalPlan:
    needs = _collect_needs(plan)
    new = _prune(plan, needs, {})
    if new.schema.names != plan.schema.names:  # a superset came back: restore the exact output
        new = Project(new, tuple((n, Col(n)) for n in plan.schema.names))
    return plan if same_explain(new, plan) else new


def _collect_needs(root: LogicalPlan) -> dict[int, set[str]]:
    """For every node, the union of the columns its parents read from it (top-down; a node is
    visited once all its parents have asked)."""
    order = list(walk(root))
    parents: dict[int, int] = {}
    for n in order:
        for c in n.inputs():
            parents[id(c)] = parents.get(id(c), 0) + 1
    needs: dict[int, set[str]] = {id(root): set(root.schema.names)}
    ready = [root]
    while ready:
        n = ready.pop()
        for c, cols in zip(n.inputs(), _child_needs(n, needs[id(n)])):
            needs.setdefault(id(c), set()).update(cols)
            parents[id(c)] -= 1
            if parents[id(c)] == 0:
                ready.append(c)
    return needs


def _kept_exprs(node: Project, required: set[str]):
    return tuple((n, e) for n, e in node.exprs if n in required) or node.exprs[:1]  # keep a column: row count


def _kept_aggs(node: Aggregate, required: set[str]):
    kept = tuple(a for a in node.aggs if a.name in required)
    return kept if kept or node.keys else node.aggs[:1]  # a global aggregate keeps its one row


def _child_needs(node: LogicalPlan, required: set[str]) -> list[set[str]]:
    match node:
        case Project():
            return [set().union(*(e.columns() for _, e in _kept_exprs(node, required)))]
        case Filter():
            return [required | node.predicate.columns()]
        case Sort():
            return [required | {k.column for k in node.keys}]
        case Limit():
            return [set(required)]
        case Aggregate():
            return [set(node.keys) | {c for a in _kept_aggs(node, required) for c in a.inputs}]
        case Union():
            positions = [i for i, n in enumerate(node.schema.names) if n in required] or [0]
            return [{c.schema.names[i] for i in positions} for c in node.children]
        case Join():
            left, right = set(node.left.schema.names), set(node.right.schema.names)
            return [(required & left) | set(node.left_on), (required & right) | set(node.right_on)]
        case Window():
            kept = [f for f in node.functions if f.name in required] or list(node.functions[:1])
            own = {f.name for f in node.functions}
            cols = set(required) - own
            for f in kept:
                cols |= set(f.partition) | {k.column for k in f.order} | ({f.column} if f.column else set())
            return [cols]
        case RowId():
            return [set(required) - {node.name}]
    return [set(c.schema.names) for c in node.inputs()]


def _prune(node: LogicalPlan, needs: dict, memo: dict) -> LogicalPlan:
    done = memo.get(id(node))
    if done is not None:
        return done
    want = needs.get(id(node), set(node.schema.names))
    original = node
    match node:
        case Scan():
            cols = tuple(c for c in node.schema.names if c in want) or tuple(node.schema.names[:1])
            new: LogicalPlan = node if list(cols) == node.schema.names else replace(node, read_columns=cols)
            memo[id(original)] = new
            return new
        case Values():
            memo[id(original)] = node
            return node
        case Project():
            kept = _kept_exprs(node, want)
            node = node if len(kept) == len(node.exprs) else Project(node.child, kept)
        case Aggregate():
            kept_aggs = _kept_aggs(node, want)
            node = node if len(kept_aggs) == len(node.aggs) else replace(node, aggs=kept_aggs)
        case Window():
            kept_f = tuple(f for f in node.functions if f.name in want)
            if not kept_f:  # no window column is used: the window is not computed at all
                new = _prune(node.child, needs, memo)
                memo[id(original)] = new
                return new
            node = node if len(kept_f) == len(node.functions) else replace(node, functions=kept_f)
    children = [_prune(c, needs, memo) for c in node.inputs()]
    if isinstance(node, Union):
        children = _align_union(node, children, want)
    new = node if all(a is b for a, b in zip(children, node.inputs())) else node.with_inputs(*children)
    memo[id(original)] = new
    return new


def _align_union(node: Union, children: list[LogicalPlan], want: set[str]) -> list[LogicalPlan]:
    """UNION ALL is positional: every pruned child gets exactly the wanted positions, in order."""
    positions = [i for i, n in enumerate(node.schema.names) if n in want] or [0]
    aligned = []
    for original, pruned in zip(node.children, children):
        names = [original.schema.names[i] for i in positions]
        aligned.append(pruned if pruned.schema.names == names else Project(pruned, tuple((n, Col(n)) for n in names)))
    return aligned
