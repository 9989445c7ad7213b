"""The base of relational expressions and the lowering of an expression tree to a task graph.

A ``Node`` describes a partitioned table: its schema and partition count are known without
computing anything. Lowering walks the tree once, memoized per node, so a sub-tree used twice (a CTE,
a self-join) becomes one set of tasks; each node adds its tasks to the graph and returns the keys of
its output partitions, in order.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any, Hashable

import pyarrow as pa

from frames.dataframe.expr.pushdown import Rewritable, remember_schema, remembered_schema, transform_up  # noqa: F401 - transform_up re-exported

_token_counter = itertools.count()


def memoized(method):
    """Cache a method without arguments per node (``functools.cached_property`` does the same for
    properties such as ``partitioning``). Nodes are immutable, so what one derives from itself and
    its inputs (size estimates, selectivity, a join's strategy) never changes; recomputed, each
    ancestor walked its whole subtree again (lowering the 22 TPC-H queries spent 0.3 s in
    ``Join.partitioning`` and estimates)."""
    slot = "_memo_" + method.__name__

    @functools.wraps(method)
    def wrapper(self):
        cache = self.__dict__
        if slot in cache:
            return cache[slot]
        value = cache[slot] = method(self)
        return value

    return wrapper


def _new_token() -> int:
    return next(_token_counter)


@dataclass(frozen=True, eq=False)
class Node(Rewritable):
    """A relational expression over partitioned Arrow tables.

    Subclasses are frozen dataclasses listing their child nodes in ``inputs()`` and implementing
    ``_schema()``, ``_npartitions()`` and ``lower()``. Identity is object identity: two equal-looking
    nodes are still two computations unless they are the same object.
    """

    token: int = field(default_factory=_new_token, init=False, repr=False)

    label = "node"
    # Partition i of the output holds partition i's rows of the first input, in order (projections,
    # pandas functions of partitions, scans carrying their neighbours' rows): what
    # ``blockwise.partition_root`` walks down to pair columns of one frame made different ways.
    keeps_partitions = False

    def inputs(self) -> tuple["Node", ...]:
        return ()

    def with_inputs(self, *inputs: "Node") -> "Node":
        """A copy with new children, in the order ``inputs()`` returns them."""
        names = [f.name for f in fields(self) if isinstance(getattr(self, f.name), Node)]
        if len(names) != len(inputs):  # nodes with a tuple of children override this
            raise NotImplementedError(type(self).__name__)
        return remember_schema(self, replace(self, **dict(zip(names, inputs))))

    @cached_property
    def schema(self) -> pa.Schema:
        known = remembered_schema(self)
        return known if known is not None else self._schema()

    @cached_property
    def npartitions(self) -> int:
        return self._npartitions()

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    def _schema(self) -> pa.Schema:  # pragma: no cover - abstract
        raise NotImplementedError

    def _npartitions(self) -> int:
        return self.inputs()[0].npartitions

    def lower(self, lowering: "Lowering") -> list[Hashable]:  # pragma: no cover - abstract
        raise NotImplementedError

    @memoized
    def estimated_bytes(self) -> float:
        """A rough size of the output, for choosing broadcast joins; children's sum by default."""
        return sum(i.estimated_bytes() for i in self.inputs())

    @memoized
    def selectivity(self) -> float:
        """A rough share of its base tables' rows this output still has after filters (1.0: no
        filter seen). A join uses its inputs' shares to guess how many rows survive it. Single-input
        nodes pass their child's share on; aggregates and sources start afresh."""
        inputs = self.inputs()
        return inputs[0].selectivity() if len(inputs) == 1 else 1.0

    def estimated_rows(self) -> float | None:
        """A rough row count of the output; None: no idea (only nodes that know say)."""
        return None

    def distinct_count(self, columns: tuple[str, ...]) -> float | None:
        """A rough upper bound of the distinct combinations of ``columns`` in the output (from
        file statistics: an integer column's min/max range); None: unknown. With
        ``estimated_rows`` it says how many rows share a join key (``planner.rules.reorder_joins``
        puts joins that multiply rows last)."""
        return None

    @property
    def partitioning(self) -> tuple[str, ...] | None:
        """Columns this node's output is hash-partitioned on: every row sits in partition
        ``shuffle.hash_buckets(row, columns, npartitions)``, so equal keys share a partition. A join
        on exactly these columns need not shuffle this side again. None: unknown (the default)."""
        return None

    @property
    def name(self) -> str:
        return f"{self.label}-{self.token}"

    def describe(self) -> str:
        """One line for EXPLAIN: the node kind and its parameters."""
        return self.label

    def explain(self, indent: int = 0) -> str:
        lines = ["  " * indent + self.describe()]
        for child in self.inputs():
            lines.append(child.explain(indent + 1))
        return "\n".join(lines)


class UnaryNode(Node):
    """A node over one ``child`` (a dataclass field of the subclass); by default it keeps the
    child's columns."""

    child: Node

    def inputs(self) -> tuple[Node, ...]:
        return (self.child,)

    def _schema(self) -> pa.Schema:
        return self.child.schema


class Lowering:
    """Accumulates the task graph while lowering a tree; memoized per node object."""

    def __init__(self) -> None:
        self.graph: dict[Hashable, Any] = {}
        self._keys: dict[int, list[Hashable]] = {}
        self._alive: list[Node] = []  # keep nodes alive so ids stay unique while lowering

    def keys(self, node: Node) -> list[Hashable]:
        cached = self._keys.get(id(node))
        if cached is None:
            cached = node.lower(self)
            self._keys[id(node)] = cached
            self._alive.append(node)
        return cached


def build_graph(node: Node) -> tuple[dict, list[Hashable]]:
    graph, (keys,) = build_graphs([node])
    return graph, keys


def build_graphs(nodes: list[Node]) -> tuple[dict, list[list[Hashable]]]:
    """One graph for several trees and each tree's output keys; a subtree they share is lowered once."""
    lowering = Lowering()
    keys = [lowering.keys(node) for node in nodes]
    return lowering.graph, keys


@dataclass(frozen=True, eq=False)
class Roots(Node):
    """Several trees optimized as one (``frames.compute(a, b)``): the rewriter sees a subtree they
    share once, with the union of what they need of it. Never lowered."""

    nodes: tuple[Node, ...] = ()

    label = "roots"

    def inputs(self) -> tuple[Node, ...]:
        return self.nodes

    def with_inputs(self, *inputs: Node) -> "Roots":
        return replace(self, nodes=tuple(inputs))

    def _schema(self) -> pa.Schema:
        return pa.schema([])

    def _npartitions(self) -> int:
        return 0
