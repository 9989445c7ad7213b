"""Hash partitioning: send every row to the output partition its key hashes to.

Equal keys land in the same partition on both sides of a join as long as both sides hash the same
way, so the hash works on values normalized by kind (every number as float64, dates and times as their integer ticks, strings through pandas' vectorized hash).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import concat_tables, take_rows
from frames.dataframe.expr.node import Lowering, Node, UnaryNode
from frames.patterns import exchange
from frames.dataframe.expr.pushdown import PassThroughRewrites
from frames.dataframe.expr.spill import over_budget, task_budget

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _column_hash(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    t = values.type
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(t):
        values = values.dictionary_decode()
        t = values.type
    if pa.types.is_boolean(t):
        ints = np.asarray(pc.fill_null(pc.cast(values, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        # every numeric kind hashes through float64, so int32 = int64 = decimal keys of equal value meet
        floats = np.asarray(pc.fill_null(pc.cast(values, pa.float64()), 0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
        floats = floats + 0.0  # -0.0 and 0.0 hash alike
        ints = floats.view(np.int64)
    elif pa.types.is_date32(t):
        ints = np.asarray(pc.fill_null(pc.cast(values, pa.int32()), 0).to_numpy(), dtype=np.int64)
    elif pa.types.is_temporal(t):
        ints = np.asarray(pc.fill_null(pc.cast(pc.cast(values, pa.timestamp("us")) if pa.types.is_timestamp(t) else values, pa.int64()), 0).to_numpy(), dtype=np.int64)
    else:
        return _text_hash(values)
    return ints.view(np.uint64) * _GOLDEN


def _text_hash(values: pa.Array) -> np.ndarray:
    """pandas' vectorized hash of the distinct values only (Arrow's hash table finds them), taken
    for every row: pandas hashes Python objects, and a column of 1M strings with 100k distinct
    values hashed 4x faster so (h2o q10's split of 1M partial groups by six keys)."""
    encoded = pc.dictionary_encode(pc.fill_null(pc.cast(values, pa.string()), ""))
    distinct = encoded.dictionary.to_numpy(zero_copy_only=False)
    hashes = pd.util.hash_array(distinct, categorize=False)
    return hashes[np.asarray(encoded.indices)] if len(distinct) else np.zeros(len(values), dtype=np.uint64)


def hash_buckets(table: pa.Table, keys: tuple[str, ...], n: int) -> np.ndarray:
    """Bucket number in ``[0, n)`` for every row of ``table`` by the values of ``keys``.

    The combined hash goes through MurmurHash3's 64-bit finalizer, so every bit of it depends on
    every bit of the keys: numbers hash through their float64 bits, whose low mantissa bits are
    zero for integers below 2^23, and multiplying by an odd constant keeps those zeros, so without
    the finalizer ``h % 2`` (or any power of two) put every integer key in bucket 0 (a two-way
    split of TPC-H's orders or customers did all its work in one task).
    """
    h = np.zeros(table.num_rows, dtype=np.uint64)
    for k in keys:
        h = h * np.uint64(31) + _column_hash(table.column(k))
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return (h % np.uint64(n)).astype(np.int64)


def split_by_buckets(table: pa.Table, buckets: np.ndarray, n: int) -> list[pa.Table]:
    # numpy's stable sort is a radix sort for 16-bit integers: O(n), 6x faster than on int64
    # (1.5M rows: 0.011 s against 0.063 s)
    order = np.argsort(buckets.astype(np.uint16) if n <= 1 << 16 else buckets, kind="stable")
    counts = np.bincount(buckets, minlength=n)
    ordered = take_rows(table, order)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [ordered.slice(int(bounds[j]), int(counts[j])) for j in range(n)]


def hash_split(table: pa.Table, keys: tuple[str, ...], n: int) -> list[pa.Table]:
    if n == 1:
        return [table]
    return split_by_buckets(table, hash_buckets(table, keys, n), n)


def _gather(pieces: list[pa.Table], schema: pa.Schema, budget: int | None = None) -> pa.Table:
    """One output partition from its pieces; past the task's memory ``budget`` they are written out
    and read back over a memory map rather than copied into one block of heap."""
    if pieces and over_budget(budget, *pieces):
        from frames.dataframe.expr.spill import spilled_concat

        return spilled_concat(pieces, schema, budget)
    return concat_tables(pieces, schema).combine_chunks() if pieces else schema.empty_table()


@dataclass(frozen=True, eq=False)
class Shuffle(PassThroughRewrites, UnaryNode):
    """Repartition rows by the hash of ``keys`` into ``target`` partitions."""

    child: Node
    keys: tuple[str, ...]
    target: int

    label = "shuffle"

    def own_columns(self) -> set[str]:
        return set(self.keys)

    def _npartitions(self) -> int:
        return self.target

    def lower(self, lowering: Lowering) -> list[Hashable]:
        graph = lowering.graph
        src = lowering.keys(self.child)
        n = self.target
        splits = []
        for i, k in enumerate(src):
            key = (self.name + "-split", i)
            graph[key] = Task(hash_split, Ref(k), self.keys, n)
            splits.append(key)
        return exchange(graph, self.name, splits, n, _gather, self.schema, task_budget())

    @property
    def partitioning(self) -> tuple[str, ...] | None:
        return self.keys

    def describe(self) -> str:
        return f"Shuffle keys=[{', '.join(self.keys)}] npartitions={self.target}"
