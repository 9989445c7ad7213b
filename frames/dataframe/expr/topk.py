"""pandas' ``groupby(keys)[column].nlargest(n)`` / ``nsmallest(n)``: each group's ``n`` rows with
the largest (smallest) values, as a tree reduction. The ``n`` best rows of a group over all
partitions are among the ``n`` best of each partition, so every partition keeps only those and
merges keep the ``n`` best of what they are given (the h2o benchmark's q8: top two v3 of 100,000
id6 groups, where pandas' ``apply(lambda g: g.nlargest(2))`` runs Python once per group)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.convert import concat_tables, take_rows
from frames.dataframe.expr.node import Lowering, Node, UnaryNode
from frames.patterns import reduce_partitions


def _same_as_previous(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Whether each row's value equals the row before's (missing equals missing); row 0: False."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    out = np.zeros(len(column), dtype=bool)
    if len(column) > 1:
        a, b = column.slice(1), column.slice(0, len(column) - 1)
        eq = pc.fill_null(pc.equal(a, b), False)
        both_null = pc.and_(pc.is_null(a), pc.is_null(b))
        out[1:] = np.asarray(pc.or_(eq, both_null))
    return out


def top_rows(tables: list[pa.Table], keys: tuple[str, ...], column: str, n: int, largest: bool, dropna: bool) -> pa.Table:
    """The ``n`` rows of each ``keys`` group with the largest (``largest``) or smallest ``column``
    values, ordered by the keys (missing last) and within a group from the best value; rows with
    a missing value never count (pandas' nlargest skips NaN), nor, with ``dropna``, missing keys."""
    table = concat_tables(tables)
    valid = pc.is_valid(table.column(column))
    if dropna:
        for k in keys:
            valid = pc.and_(valid, pc.is_valid(table.column(k)))
    if table.column(column).null_count or (dropna and any(table.column(k).null_count for k in keys)):
        table = table.filter(valid)
    if table.num_rows == 0:
        return table
    order = [(k, "ascending", "at_end") for k in keys] + [(column, "descending" if largest else "ascending", "at_end")]
    indices = pc.sort_indices(table.select([*keys, column]), sort_keys=order)
    ordered = take_rows(table.select(list(keys)), indices)
    same = np.ones(ordered.num_rows, dtype=bool)
    same[0] = False
    for k in keys:
        same &= _same_as_previous(ordered.column(k))
    positions = np.arange(ordered.num_rows)
    starts = np.maximum.accumulate(np.where(same, 0, positions))
    keep = np.asarray(indices)[positions - starts < n]
    return take_rows(table, keep)


@dataclass(frozen=True, eq=False)
class GroupTopK(UnaryNode):
    """Each ``keys`` group's ``n`` rows with the largest (smallest) ``column``; one output partition."""

    child: Node
    keys: tuple[str, ...]
    column: str
    n: int
    largest: bool = True
    dropna: bool = True

    label = "group-top-k"

    def _npartitions(self) -> int:
        return 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        args = (self.keys, self.column, self.n, self.largest, self.dropna)
        return [reduce_partitions(lowering.graph, self.name, lowering.keys(self.child), _top_of_one, args, top_rows, args, _identity, ())]

    def describe(self) -> str:
        which = "largest" if self.largest else "smallest"
        return f"GroupTopK keys=[{', '.join(self.keys)}] {which} {self.n} of {self.column}"


def _top_of_one(table: pa.Table, *args) -> pa.Table:
    return top_rows([table], *args)


def _identity(table: pa.Table) -> pa.Table:
    return table
