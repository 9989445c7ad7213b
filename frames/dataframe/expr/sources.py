"""In-memory sources: partitions that already exist as Arrow tables, or that are made from the
blocks of another collection (an array)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable

import pyarrow as pa

from exec import Ref, Task

from frames.dataframe.expr.node import Lowering, Node, memoized


@dataclass(frozen=True, eq=False)
class FromTables(Node):
    """Partitions held in memory (``from_pandas``, ``from_arrow``, ``persist``), or by a Client's
    workers (``client.persist``: the partitions are its Futures)."""

    tables: tuple[pa.Table, ...]
    table_schema: pa.Schema

    label = "from-arrow"

    def _schema(self) -> pa.Schema:
        return self.table_schema

    def _npartitions(self) -> int:
        return len(self.tables)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        keys = [(self.name, i) for i in range(len(self.tables))]
        lowering.graph.update(zip(keys, self.tables))
        return keys

    @memoized
    def estimated_bytes(self) -> float:  # a partition a Client's Future holds (persist) counts as unknown: 0
        return float(sum(getattr(t, "nbytes", 0) for t in self.tables))

    def describe(self) -> str:
        rows = sum(t.num_rows for t in self.tables) if all(isinstance(t, pa.Table) for t in self.tables) else "?"
        return f"InMemory partitions={len(self.tables)} rows={rows} columns={self.schema.names}"


def split_table(table: pa.Table, npartitions: int) -> tuple[pa.Table, ...]:
    """Split ``table`` into ``npartitions`` contiguous slices of near-equal row counts (zero-copy)."""
    npartitions = max(1, min(npartitions, max(table.num_rows, 1)))
    bounds = [round(i * table.num_rows / npartitions) for i in range(npartitions + 1)]
    return tuple(table.slice(lo, hi - lo) for lo, hi in zip(bounds, bounds[1:]))


@dataclass(frozen=True, eq=False)
class FromCollection(Node):
    """Partitions made from the blocks of another kind of collection (``Array.to_dataframe``):
    partition ``i`` is ``convert(blocks of parts[i], *args)``, a task over the collection's own
    block keys, so nothing is computed before the frame is and the collection's graph is shared.
    The collection is only asked for its graph (``_build_graph``): this module knows no array."""

    collection: Any
    parts: tuple[tuple[Hashable, ...], ...]
    convert: Callable
    args: tuple
    table_schema: pa.Schema
    nbytes: float = 0.0

    label = "from-collection"

    def _schema(self) -> pa.Schema:
        return self.table_schema

    def _npartitions(self) -> int:
        return len(self.parts)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        graph, _ = self.collection._build_graph()
        lowering.graph.update(graph)
        keys = [(self.name, i) for i in range(len(self.parts))]
        for key, part in zip(keys, self.parts):
            lowering.graph[key] = Task(self.convert, [Ref(k) for k in part], *self.args)
        return keys

    @memoized
    def estimated_bytes(self) -> float:
        return float(self.nbytes)

    def describe(self) -> str:
        return f"FromCollection {type(self.collection).__name__} partitions={len(self.parts)} columns={self.schema.names}"
