"""Rewrites of frames expression trees that never change results: filters pushed toward (and into)
scans, and columns nobody reads pruned from scans upward.

This is where pushdown into sources lives for the DataFrame API; the SQL planner does its logical
rewrites first and lowers onto scans that already carry filters and columns, and then this pass
still runs, so a DataFrame built on a SQL result is optimized as one tree.

- ``push_filters``: ``filter(op(x)) = op(filter(x))`` holds for row-wise ``op`` (projection, with the
  predicate rewritten through the projected expressions), for concatenation (per child), for sorts
  and repartitions, for an aggregate when the predicate reads only group keys, and for a join when a
  conjunct reads only one side (both sides for inner joins; the preserved side for outer joins).
  A filter that reaches a scan becomes the scan's filter (row-group statistics, hive partitions).
- ``prune_columns``: every node is asked for only the columns its consumers read; scans read just
  those. A pruned node may output more than asked (a superset), never less, and the root is wrapped
  in a projection when its columns would otherwise change.
- ``encode_group_keys``: group keys that come straight from a scan's dictionary-read strings stay
  dictionaries until the aggregation, which groups on them without decoding a string per row.
"""

from __future__ import annotations

from frames.expr.aggregate import Aggregate
from frames.expr.blockwise import Filter, Project
from frames.expr.join import Join
from frames.expr.node import Node, transform_up
from frames.expr.reshape import Concat, Limit, Repartition
from frames.expr.scalar import Col, ScalarExpr, conjunction, conjuncts
from frames.expr.scan import Scan
from frames.expr.shuffle import Shuffle
from frames.expr.sort import Sort


def optimize(node: Node) -> Node:
    pushed = push_filters(node)
    pruned = prune_columns(pushed, set(pushed.schema.names), {})
    if pruned.schema.names != node.schema.names:
        pruned = Project(pruned, tuple((n, Col(n)) for n in node.schema.names))
    return encode_group_keys(pruned)


# -- filter pushdown ------------------------------------------------------------------------------

def push_filters(node: Node) -> Node:
    """Rewrite bottom-up, sinking every Filter as deep as it can go. Shared subtrees stay shared."""
    return transform_up(node, lambda n: _sink(n.child, conjuncts(n.predicate)) if isinstance(n, Filter) else n)


def _sink(child: Node, preds: list[ScalarExpr]) -> Node:
    """``Filter(child, AND(preds))`` with as much of it as possible moved below ``child``."""
    if not preds:
        return child
    if isinstance(child, Scan):
        return child.with_filter(conjunction(preds))
    if isinstance(child, Filter):
        return _sink(child.child, conjuncts(child.predicate) + preds)
    if isinstance(child, Project):
        mapping = dict(child.exprs)
        return child.with_inputs(_sink(child.child, [p.substitute(mapping) for p in preds]))
    if isinstance(child, (Sort,)) and child.limit is None or isinstance(child, (Repartition, Shuffle)):
        return child.with_inputs(_sink(child.inputs()[0], preds))
    if isinstance(child, Concat):
        moved = []
        for c in child.children:
            rename = {out: Col(name) for out, name in zip(child.schema.names, c.schema.names)}
            moved.append(_sink(c, [p.substitute(rename) for p in preds]))
        return child.with_inputs(*moved)
    if isinstance(child, Aggregate):
        if not child.keys:  # one row even for no input: a constant filter (HAVING 1 = 0) must stay above
            return _keep(child, preds)
        keys = set(child.keys)
        below = [p for p in preds if p.columns() <= keys]
        above = [p for p in preds if not p.columns() <= keys]
        if below:
            child = child.with_inputs(_sink(child.child, below))
        return _keep(child, above)
    if isinstance(child, Join):
        return _sink_join(child, preds)
    return _keep(child, preds)


def _keep(child: Node, preds: list[ScalarExpr]) -> Node:
    return Filter(child, conjunction(preds)) if preds else child


def _sink_join(join: Join, preds: list[ScalarExpr]) -> Node:
    spec = join.spec
    if join.how in ("semi", "anti"):
        left_out = {n: n for n in spec.left_names}
        right_out: dict[str, str] = {}
    else:
        nl = len(spec.left_names)
        left_out = dict(zip(spec.output_names[:nl], spec.left_names))
        kept_right = [n for n in spec.right_names if n not in spec.drop_right]
        right_out = dict(zip(spec.output_names[nl:], kept_right))
        for lk, rk, co in zip(spec.left_on, spec.right_on, spec.coalesce):
            if co:  # a coalesced key is NULL-free on neither side alone; keep it above outer joins
                left_out.pop(lk, None) if join.how in ("right", "outer") else None
    can_left = join.how in ("inner", "left", "semi", "anti", "cross")
    can_right = join.how in ("inner", "right", "cross")
    to_left, to_right, above = [], [], []
    for p in preds:
        cols = p.columns()
        if can_left and cols <= left_out.keys():
            to_left.append(p.substitute({o: Col(i) for o, i in left_out.items()}))
        elif can_right and cols <= right_out.keys():
            to_right.append(p.substitute({o: Col(i) for o, i in right_out.items()}))
        else:
            above.append(p)
    if not to_left and not to_right:
        return _keep(join, above)
    new = join.with_inputs(_sink(join.left, to_left), _sink(join.right, to_right))
    return _keep(new, above)


# -- column pruning -------------------------------------------------------------------------------

def prune_columns(node: Node, required: set[str], memo: dict) -> Node:
    """A node computing at least ``required`` of ``node``'s columns, reading as little as possible.

    A node shared by several parents is pruned once, for the union of what they need: the first
    visit records the need, so shared subtrees are visited with everything up front (``_needs``).
    """
    needs = _collect_needs(node)
    return _prune(node, required, needs, memo)


def _nodes_and_parents(root: Node) -> tuple[list[Node], dict[int, int]]:
    """Every node of the tree once (a shared subtree once), and how many parents each has."""
    parents: dict[int, int] = {}
    order: list[Node] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        order.append(n)
        stack.extend(n.inputs())
    for n in order:
        for c in n.inputs():
            parents[id(c)] = parents.get(id(c), 0) + 1
    return order, parents


def _collect_needs(root: Node) -> dict[int, set[str]]:
    """For every node, the union of the columns its parents read from it (top-down, one pass)."""
    # parents are counted to know when a node has received all its requests
    order, parents = _nodes_and_parents(root)
    needs: dict[int, set[str]] = {id(root): set(root.schema.names)}
    pending = {id(n): parents.get(id(n), 0) for n in order}
    ready = [root]
    while ready:
        n = ready.pop()
        for c, cols in zip(n.inputs(), _child_needs(n, needs[id(n)])):
            needs.setdefault(id(c), set()).update(cols)
            pending[id(c)] -= 1
            if pending[id(c)] == 0:
                ready.append(c)
    return needs


def _kept_aggs(node: Aggregate, required: set[str]) -> tuple:
    kept = tuple(a for a in node.aggs if a.name in required)
    return kept if kept or node.keys else node.aggs[:1]  # a global aggregate keeps its one row


def _child_needs(node: Node, required: set[str]) -> list[set[str]]:
    if isinstance(node, Project):
        if not required or not any(name in required for name, _ in node.exprs):
            required = {node.exprs[0][0]}  # a projection keeps at least one column (see _prune)
        return [set().union(*(e.columns() for name, e in node.exprs if name in required))]
    if isinstance(node, Filter):
        return [required | node.predicate.columns()]
    if isinstance(node, Sort):
        return [required | {k.column for k in node.keys}]
    if isinstance(node, Shuffle):
        return [required | set(node.keys)]
    if isinstance(node, (Limit, Repartition)):
        return [set(required)]
    if isinstance(node, Aggregate):
        cols = set(node.keys) | {c for a in _kept_aggs(node, required) for c in a.inputs}
        return [cols]
    if isinstance(node, Concat):
        positions = [i for i, n in enumerate(node.schema.names) if n in required]
        return [{c.schema.names[i] for i in positions} for c in node.children]
    if isinstance(node, Join):
        spec = node.spec
        left_names, right_names = list(spec.left_names), [n for n in spec.right_names if n not in spec.drop_right]
        if node.how in ("semi", "anti"):
            lneed = set(required) & set(left_names)
            rneed: set[str] = set()
        else:
            nl = len(left_names)
            lneed = {i for o, i in zip(spec.output_names[:nl], left_names) if o in required}
            rneed = {i for o, i in zip(spec.output_names[nl:], right_names) if o in required}
        # names that clash keep their suffixes only if both sides still have them: keep clashes
        clash = set(left_names) & set(right_names)
        lneed |= set(node.left_on) | (clash if node.suffixes else set())
        rneed |= set(node.right_on) | (clash if node.suffixes else set())
        return [lneed, rneed]
    # MapPartitions and anything unknown: the child must stay whole
    return [set(c.schema.names) for c in node.inputs()]


def _prune(node: Node, required: set[str], needs: dict, memo: dict) -> Node:
    done = memo.get(id(node))
    if done is not None:
        return done
    want = needs.get(id(node), required)
    if isinstance(node, Scan):
        cols = [c for c in node.schema.names if c in want] or node.schema.names[:1]
        new = node.with_columns(cols) if len(cols) < len(node.schema.names) else node
    else:
        if isinstance(node, Project):
            kept = tuple((n, e) for n, e in node.exprs if n in want) or node.exprs[:1]  # same rule as _child_needs
            node = node if len(kept) == len(node.exprs) else Project(node.child, kept)
        elif isinstance(node, Aggregate):
            kept_aggs = _kept_aggs(node, want)
            if len(kept_aggs) < len(node.aggs):
                from dataclasses import replace

                node = replace(node, aggs=kept_aggs)
        children = [_prune(c, set(), needs, memo) for c in node.inputs()]
        if isinstance(node, Concat):
            children = _align_concat(node, children, want)
        new = node if all(a is b for a, b in zip(children, node.inputs())) else node.with_inputs(*children)
    memo[id(node)] = new
    return new


def _align_concat(node: Concat, children: list[Node], want: set[str]) -> list[Node]:
    """Concat is positional: give every pruned child exactly the wanted positions, in order."""
    positions = [i for i, n in enumerate(node.schema.names) if n in want] or [0]
    aligned = []
    for original, pruned in zip(node.children, children):
        names = [original.schema.names[i] for i in positions]
        if pruned.schema.names == names:
            aligned.append(pruned)
        else:
            aligned.append(Project(pruned, tuple((n, Col(n)) for n in names)))
    return aligned


# -- dictionary-encoded group keys ----------------------------------------------------------------

def encode_group_keys(root: Node) -> Node:
    """Let a Parquet scan hand its dictionary-read string columns to an aggregation still encoded
    when they are only its group keys: grouping 6M rows on two dictionary columns took a third of
    the time on strings, and the strings need not be made at all (TPC-H q1's flags: 20% of its
    time). The partitions then carry ``dictionary<string>`` where the schema says string, so this
    applies only where nothing else sees them: the path from the scan to the aggregation is
    projections that pass the column on as it is and filters that do not read it, every node on
    it has that one consumer, and the aggregation uses the column as a key only. The aggregation
    decodes its (few) output keys; everything above sees plain strings.
    """
    from dataclasses import replace

    from frames.io.parquet import ParquetScan

    nodes, parents = _nodes_and_parents(root)
    replacements: dict[int, Node] = {}
    for agg in nodes:
        if not isinstance(agg, Aggregate) or not agg.keys:
            continue
        inputs = {c for a in agg.aggs for c in a.inputs} | {a.column for a in agg.aggs}
        names = {k: k for k in agg.keys if k not in inputs}  # name at the aggregate -> name here
        node = agg.child
        while names and parents.get(id(node), 0) == 1:
            if isinstance(node, Project):
                exprs = dict(node.exprs)
                plain = {}
                for top, here in names.items():
                    e = exprs.get(here)
                    if isinstance(e, Col) and sum(e.name in x.columns() for x in exprs.values()) == 1:
                        plain[top] = e.name  # passed on as it is, and nowhere else in this projection
                names = plain
                node = node.child
            elif isinstance(node, Filter):
                names = {t: h for t, h in names.items() if h not in node.predicate.columns()}
                node = node.child
            else:
                break
        if not names or parents.get(id(node), 0) != 1 or not isinstance(node, ParquetScan):
            continue
        encoded = {h for h in names.values() if any(h in p.dictionary_columns for p in node.pieces)}
        if encoded:
            replacements[id(node)] = replace(node, dictionary_outputs=frozenset(encoded) | node.dictionary_outputs)
    if not replacements:
        return root
    return transform_up(root, lambda n: replacements.get(id(n), n))


__all__ = ["optimize", "push_filters", "prune_columns", "encode_group_keys"]
