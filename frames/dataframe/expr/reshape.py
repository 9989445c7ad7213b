"""Nodes that change how rows are spread over partitions without looking at values:
concatenation, repartitioning and LIMIT/OFFSET."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import pyarrow as pa

from exec import Ref, Task
from frames.dataframe.convert import concat_tables
from frames.dataframe.expr.kernels import cast_value, common_type
from frames.dataframe.expr.node import Lowering, Node, UnaryNode, memoized
from frames.dataframe.expr.pushdown import ConcatRewrites, LimitRewrites, PassThroughRewrites
from frames.dataframe.expr.divisions import PositionalRewrites
from frames.dataframe.expr.sources import split_table


def _cast_to(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table if table.schema == schema else _cast_columns(table.select(schema.names), schema)


def _cast_columns(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` as ``schema`` column by column, with the kernels' casts (decimals rounded to a
    smaller scale, clear errors) rather than Arrow's table cast."""
    columns = [column if column.type == field.type else cast_value(column, field.type)
               for column, field in zip(table.columns, schema)]
    return pa.table(columns, schema=schema)


@dataclass(frozen=True, eq=False)
class Concat(ConcatRewrites, Node):
    """Rows of every child, one after the other (UNION ALL; ``frames.concat``)."""

    children: tuple[Node, ...]

    label = "concat"

    def inputs(self) -> tuple[Node, ...]:
        return self.children

    def with_inputs(self, *inputs: Node) -> Node:
        return Concat(tuple(inputs))

    def _schema(self) -> pa.Schema:
        first = self.children[0].schema
        fields = []
        for i, name in enumerate(first.names):
            t = common_type(c.schema.field(i).type for c in self.children)
            fields.append(pa.field(name, t))
        return pa.schema(fields)

    def _npartitions(self) -> int:
        return sum(c.npartitions for c in self.children)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        keys = []
        schema = self.schema
        for c in self.children:
            for k in lowering.keys(c):
                key = (self.name, len(keys))
                lowering.graph[key] = Task(_rename_and_cast, Ref(k), schema)
                keys.append(key)
        return keys

    def describe(self) -> str:
        return f"Concat inputs={len(self.children)}"


def _rename_and_cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    table = table.rename_columns(schema.names)
    return table if table.schema == schema else _cast_columns(table, schema)


@dataclass(frozen=True, eq=False)
class Repartition(PassThroughRewrites, UnaryNode):
    """Change the number of partitions, keeping row order: merge neighbours or split each evenly."""

    child: Node
    target: int

    label = "repartition"

    def _npartitions(self) -> int:
        return self.target

    def lower(self, lowering: Lowering) -> list[Hashable]:
        src = lowering.keys(self.child)
        n_in, n_out = len(src), self.target
        keys = []
        if n_out <= n_in:
            bounds = [round(i * n_in / n_out) for i in range(n_out + 1)]
            for j, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
                key = (self.name, j)
                lowering.graph[key] = Task(concat_tables, [Ref(k) for k in src[lo:hi]], self.schema)
                keys.append(key)
            return keys
        # split: input i gets an even share of the output partitions
        shares = [n_out // n_in + (1 if i < n_out % n_in else 0) for i in range(n_in)]
        for i, (k, share) in enumerate(zip(src, shares)):
            split_key = (self.name + "-split", i)
            lowering.graph[split_key] = Task(split_table, Ref(k), share)
            for p in range(share):
                key = (self.name, len(keys))
                lowering.graph[key] = Task(_piece, Ref(split_key), p, self.schema)
                keys.append(key)
        return keys

    def describe(self) -> str:
        return f"Repartition npartitions={self.target}"


def _piece(pieces: tuple, i: int, schema: pa.Schema) -> pa.Table:
    return pieces[i] if i < len(pieces) else schema.empty_table()


@dataclass(frozen=True, eq=False)
class Limit(LimitRewrites, UnaryNode):
    """The first ``n`` rows after skipping ``offset``, in partition order; one output partition.

    Each input partition is cut to ``offset + n`` rows first, so no partition ships more than that.
    """

    child: Node
    n: int | None
    offset: int = 0

    label = "limit"

    def _npartitions(self) -> int:
        return 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        src = lowering.keys(self.child)
        keep = None if self.n is None else self.n + self.offset
        heads = []
        if keep is not None:
            for i, k in enumerate(src):
                key = (self.name + "-head", i)
                lowering.graph[key] = Task(_head, Ref(k), keep)
                heads.append(key)
        else:
            heads = src
        key = (self.name, 0)
        lowering.graph[key] = Task(_limit, [Ref(k) for k in heads], self.n, self.offset, self.schema)
        return [key]

    @memoized
    def estimated_bytes(self) -> float:
        return min(self.child.estimated_bytes(), 1e6)

    def describe(self) -> str:
        return f"Limit {self.n}" + (f" offset={self.offset}" if self.offset else "")


def _head(table: pa.Table, n: int) -> pa.Table:
    return table.slice(0, n)


def _limit(tables: list[pa.Table], n: int | None, offset: int, schema: pa.Schema) -> pa.Table:
    table = concat_tables(tables, schema)
    return table.slice(offset, n) if n is not None else table.slice(offset)


@dataclass(frozen=True, eq=False)
class SelectPartitions(PositionalRewrites, UnaryNode):
    """Only some of the input's partitions, in the order given (``df.partitions[i]``); filters
    above cross it only where they cannot shift the positions (``divisions.PositionalRewrites``)."""

    child: Node
    indices: tuple[int, ...]

    label = "partitions"

    def _npartitions(self) -> int:
        return len(self.indices)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        src = lowering.keys(self.child)
        return [src[i] for i in self.indices]

    def describe(self) -> str:
        return f"Partitions {list(self.indices)}"


@dataclass(frozen=True, eq=False)
class Tail(LimitRewrites, UnaryNode):
    """The last ``n`` rows, in partition order; one output partition (each input cut to its last
    ``n`` rows first)."""

    child: Node
    n: int

    label = "tail"

    def _npartitions(self) -> int:
        return 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        tails = []
        for i, k in enumerate(lowering.keys(self.child)):
            key = (self.name + "-part", i)
            lowering.graph[key] = Task(_tail, [Ref(k)], self.n, self.schema)
            tails.append(Ref(key))
        key = (self.name, 0)
        lowering.graph[key] = Task(_tail, tails, self.n, self.schema)
        return [key]

    def describe(self) -> str:
        return f"Tail {self.n}"


def _tail(tables: list[pa.Table], n: int, schema: pa.Schema) -> pa.Table:
    table = concat_tables(tables, schema)
    return table.slice(max(0, table.num_rows - n))
