"""SQL's ``USING SAMPLE`` / ``TABLESAMPLE``: a random subset of a table's rows, as DuckDB draws it.

A percentage keeps each row independently with that probability (DuckDB's ``bernoulli``; its
``system`` keeps whole vectors, which only changes which rows, not how many on average). A row
count (``reservoir``) gives exactly ``min(n, rows)`` rows, every subset of that size equally likely:
each row draws a random key, every partition keeps its ``n`` smallest keys, and merges keep the ``n``
smallest of what they are given (the ``n`` smallest overall are among each partition's ``n``
smallest). Random numbers come from a generator seeded by the statement's seed (``REPEATABLE``)
and the partition's position, so a seeded sample gives the same rows on every scheduler.

No filter crosses a sample (a filter below a row-count sample would change how many rows come
out), and it reads only the columns asked of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import concat_tables, take_rows
from frames.dataframe.expr.node import Lowering, Node, UnaryNode
from frames.dataframe.expr.pushdown import LimitRewrites
from frames.patterns import tree_reduce

_KEY = "__sample_key__"


@dataclass(frozen=True, eq=False)
class Sample(LimitRewrites, UnaryNode):
    """``fraction`` of the rows on average (each kept with that probability), or exactly
    ``min(rows, total)`` rows (then one output partition); ``seed`` makes it repeatable."""

    child: Node
    fraction: float | None
    rows: int | None
    seed: int

    label = "sample"

    def _npartitions(self) -> int:
        return self.child.npartitions if self.rows is None else 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        src = lowering.keys(self.child)
        if self.rows is None:
            keys = []
            for i, k in enumerate(src):
                keys.append((self.name, i))
                lowering.graph[keys[-1]] = Task(_bernoulli, Ref(k), self.fraction, self.seed, i)
            return keys
        level = []
        for i, k in enumerate(src):
            level.append((self.name + "-keyed", i))
            lowering.graph[level[-1]] = Task(_smallest_keys, Ref(k), self.rows, self.seed, i)
        top = tree_reduce(lowering.graph, level, self.name + "-merge", _merge_smallest, self.rows, self.child.schema)
        lowering.graph[(self.name, 0)] = Task(_drop_key, Ref(top))
        return [(self.name, 0)]

    def estimated_bytes(self) -> float:
        child = self.child.estimated_bytes()
        if self.rows is None:
            return child * self.fraction
        rows = self.child.estimated_rows()
        return child if not rows else child * min(1.0, self.rows / rows)

    def describe(self) -> str:
        size = f"{self.rows} rows" if self.rows is not None else f"{self.fraction * 100:g}%"
        return f"Sample {size} seed={self.seed}"


def _rng(seed: int, partition: int) -> np.random.Generator:
    return np.random.default_rng([seed, partition])


def _bernoulli(table: pa.Table, fraction: float, seed: int, partition: int) -> pa.Table:
    return table.filter(pa.array(_rng(seed, partition).random(table.num_rows) < fraction))


def _smallest_keys(table: pa.Table, n: int, seed: int, partition: int) -> pa.Table:
    keyed = table.append_column(_KEY, pa.array(_rng(seed, partition).random(table.num_rows)))
    return _keep_smallest(keyed, n)


def _keep_smallest(keyed: pa.Table, n: int) -> pa.Table:
    if keyed.num_rows <= n:
        return keyed
    order = pc.sort_indices(keyed.column(_KEY))
    return take_rows(keyed, order[:n])


def _merge_smallest(tables: list[pa.Table], n: int, schema: pa.Schema) -> pa.Table:
    return _keep_smallest(concat_tables(tables, schema.append(pa.field(_KEY, pa.float64()))), n)


def _drop_key(table: pa.Table) -> pa.Table:
    return table.drop_columns([_KEY])
