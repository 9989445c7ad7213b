"""pandas' ``drop_duplicates``: whole input rows kept, one per distinct subset of columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import concat_tables, take_rows
from frames.dataframe.expr.fixed_width import hash_group
from frames.dataframe.expr.node import Lowering, Node, UnaryNode
from frames.patterns import tree_reduce

_COUNT = "__dup_n"


def drop_duplicate_rows(tables: list[pa.Table], subset: tuple[str, ...], keep: str) -> pa.Table:
    """The rows of ``tables`` (concatenated, in order) that ``keep`` picks per distinct ``subset``:
    the first or last one, in their input order; with ``keep="none"`` the first one, carrying the
    group's row count in ``__dup_n`` (summed over merges) so the final step keeps only singles."""
    table = concat_tables(tables)
    rows = pa.array(np.arange(table.num_rows, dtype=np.int64))
    work = table.select(list(subset)).append_column("__row", rows)
    aggs = [("__row", "max" if keep == "last" else "min")]
    if keep == "none":
        if _COUNT in table.column_names:
            work = work.append_column(_COUNT, table.column(_COUNT))
            aggs.append((_COUNT, "sum"))
        else:
            aggs.append(([], "count_all"))
    grouped = hash_group(work, list(subset), aggs)
    picked = np.sort(np.asarray(grouped.column(f"__row_{aggs[0][1]}").to_numpy(), dtype=np.int64))
    out = take_rows(table, picked)
    if keep == "none":
        order = np.argsort(np.asarray(grouped.column(f"__row_{aggs[0][1]}").to_numpy()), kind="stable")
        counts = grouped.column(grouped.num_columns - 1).take(pa.array(order)).cast(pa.int64())
        if _COUNT in out.column_names:
            out = out.drop_columns([_COUNT])
        out = out.append_column(_COUNT, counts)
    return out


def _singles(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.filter(pc.equal(table.column(_COUNT), 1)).select(schema.names)


@dataclass(frozen=True, eq=False)
class DropDuplicates(UnaryNode):
    """One whole input row per distinct ``subset`` (``keep``: "first", "last", or "none": only the
    rows whose subset appears once), in input order, as pandas. Each partition is deduplicated
    on its own and the results merged a few at a time in partition order (Dask's tree of
    ``drop_duplicates``), so the rows kept are pandas' own; NULL keys form one group, as in
    pandas. One output partition."""

    child: Node
    subset: tuple[str, ...]
    keep: str = "first"

    label = "drop-duplicates"

    def _npartitions(self) -> int:
        return 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        graph = lowering.graph
        level = []
        for i, k in enumerate(lowering.keys(self.child)):
            key = (self.name + "-chunk", i)
            graph[key] = Task(drop_duplicate_rows, [Ref(k)], self.subset, self.keep)
            level.append(key)
        top = tree_reduce(graph, level, self.name + "-combine", drop_duplicate_rows, self.subset, self.keep)
        key = (self.name, 0)
        graph[key] = Task(_singles, Ref(top), self.schema) if self.keep == "none" else Task(_identity, Ref(top))
        return [key]

    def describe(self) -> str:
        return f"DropDuplicates subset=[{', '.join(self.subset)}] keep={self.keep}"


def _identity(table: pa.Table) -> pa.Table:
    return table
