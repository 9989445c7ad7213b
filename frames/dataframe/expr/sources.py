"""In-memory sources: partitions that already exist as Arrow tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import pyarrow as pa

from frames.dataframe.expr.node import Lowering, Node, memoized


@dataclass(frozen=True, eq=False)
class FromTables(Node):
    """Partitions held in memory (``from_pandas``, ``from_arrow``, ``persist``)."""

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
    def estimated_bytes(self) -> float:
        return float(sum(t.nbytes for t in self.tables))

    def describe(self) -> str:
        rows = sum(t.num_rows for t in self.tables)
        return f"InMemory partitions={len(self.tables)} rows={rows} columns={self.schema.names}"


def split_table(table: pa.Table, npartitions: int) -> tuple[pa.Table, ...]:
    """Split ``table`` into ``npartitions`` contiguous slices of near-equal row counts (zero-copy)."""
    npartitions = max(1, min(npartitions, max(table.num_rows, 1)))
    bounds = [round(i * table.num_rows / npartitions) for i in range(npartitions + 1)]
    return tuple(table.slice(lo, hi - lo) for lo, hi in zip(bounds, bounds[1:]))
