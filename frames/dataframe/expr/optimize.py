"""Rewrites of frames expression trees that never change results: filters pushed toward (and into)
scans, and columns nobody reads pruned from scans upward.

This is where pushdown into sources lives for the DataFrame API; the SQL planner does its logical
rewrites first and lowers onto scans that already carry filters and columns, and then this pass
still runs, so a DataFrame built on a SQL result is optimized as one tree.

- ``push_filters`` and ``prune_columns``: the one driver of ``frames.dataframe.expr.pushdown`` (which the
  planner's rules of the same names run too), over frames nodes that each say which conjuncts
  cross them and which input columns they need.
- ``encode_group_keys``: group keys that come straight from a scan's dictionary-read strings stay
  dictionaries until the aggregation, which groups on them without decoding a string per row.
- ``add_runtime_filters`` (``runtime_filter.py``): a broadcast join's small side, once computed,
  restricts the Parquet scan under its other side to its key values (row groups and rows).
"""

from __future__ import annotations

from frames.dataframe.expr.aggregate import Aggregate
from frames.dataframe.expr.blockwise import Filter, Project
from frames.dataframe.expr.node import Node, Roots
from frames.dataframe.expr.pushdown import Rewriter, nodes_and_parents, transform_up
from frames.dataframe.expr.runtime_filter import add_runtime_filters
from frames.dataframe.expr.scalar import Col


def optimize(node: Node) -> Node:
    # pruning keeps exactly the columns; runtime filters last, on the final shape of the tree
    return add_runtime_filters(encode_group_keys(prune_columns(push_filters(optimize_scalar_inputs(node)))))


def optimize_scalar_inputs(root: Node) -> Node:
    """The trees of the ``ScalarInput`` values that projections and filters read optimized too
    (each on its own: a scan it shares with ``root`` is read again, pruned to its columns)."""
    from dataclasses import replace

    from frames.dataframe.expr.scalar import ScalarInput, scalar_inputs, transform

    done: dict[int, ScalarInput] = {}

    def bound(e):
        if isinstance(e, ScalarInput):
            if id(e) not in done:
                done[id(e)] = ScalarInput(optimize(e.node))
            return done[id(e)]
        return None

    def rewrite(n: Node) -> Node:
        if isinstance(n, Project) and any(scalar_inputs(e) for _, e in n.exprs):
            return replace(n, exprs=tuple((name, transform(e, bound)) for name, e in n.exprs))
        if isinstance(n, Filter) and scalar_inputs(n.predicate):
            return replace(n, predicate=transform(n.predicate, bound))
        return n

    return transform_up(root, rewrite)


def optimize_many(nodes: list[Node]) -> list[Node]:
    """Several trees optimized as one, so what they share stays one subtree: a scan two of them
    read is pruned to the union of their columns and read once (``frames.compute(a, b)``)."""
    if len(nodes) == 1:
        return [optimize(nodes[0])]
    return list(optimize(Roots(tuple(nodes))).inputs())


def push_filters(node: Node) -> Node:
    """Every Filter sunk as deep as it can go (into scans). Shared subtrees stay shared."""
    return Rewriter(Filter, Project).push_filters(node)


def prune_columns(node: Node) -> Node:
    """``node`` computing and reading only what its output needs (scans read just those columns)."""
    return Rewriter(Filter, Project).prune_columns(node)


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

    from frames.dataframe.io.parquet import ParquetScan

    nodes, parents = nodes_and_parents(root)
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


__all__ = ["optimize", "optimize_many", "push_filters", "prune_columns", "encode_group_keys", "add_runtime_filters"]
