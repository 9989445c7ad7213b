"""Sorted partitions with known boundaries (Dask's ``divisions``).

A frame whose index column ``c`` is range-partitioned has ``divisions`` ``(d0, d1, ..., dn)``:
partition ``i`` holds the rows with ``d[i] <= c < d[i+1]`` (the last one also ``c == dn``), as in
Dask. Missing index values, which no range holds, sit in the last partition, and so do values
above ``dn``, while values below ``d0`` sit in the first (only ``divisions=`` given by the user can
miss the data's range; Dask then loses such rows from ``.loc``, here they are found). The boundaries are
known when the graph is built, so ``.loc`` reads only the partitions a label or slice can be in,
and two frames with the same divisions join partition ``i`` with partition ``i``, no shuffle.

``Divided`` is a marker over the node that made the ranges (a range shuffle with boundaries
sampled beforehand, a sorted ``from_pandas``, a repartition by divisions); it adds no task.
``divisions_of`` finds the marker below projections (that pass the column through) and filters
(which only drop rows): the partitions of those are the marker's.

Divisions, ``.loc``'s partition choice and an aligned join all count partitions by position, so
those positions must not move when the optimizer rewrites the tree. They move when a filter
reaches a Parquet scan (it drops the pieces that cannot match), so a node that picks partitions
by position (``PositionalRewrites``: ``Divided``, ``SelectPartitions``, ``RepartitionDivisions``)
lets filters through only into a ``stable`` subtree, one whose partition count no filter
changes; ``divided`` optimizes any other subtree first, so no filter already below moves later.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import concat_tables
from frames.errors import InvalidArgumentError
from frames.dataframe.expr.node import Lowering, Node, UnaryNode
from frames.dataframe.expr.pushdown import PassThroughRewrites, Rewritable
from frames.dataframe.expr.scalar import Col
from frames.patterns import exchange


def stable(node: Node) -> bool:
    """Whether no filter pushed into ``node`` can change its partition count: in-memory tables
    and shuffles into a fixed number of partitions, under nodes that keep their input's count."""
    from frames.dataframe.expr.blockwise import Filter, MapPartitions, Project
    from frames.dataframe.expr.join import Join
    from frames.dataframe.expr.reshape import Repartition, SelectPartitions
    from frames.dataframe.expr.shuffle import Shuffle
    from frames.dataframe.expr.sources import FromTables

    while True:
        if isinstance(node, (FromTables, RangeShuffle, Shuffle)):
            return True
        if isinstance(node, (Project, Filter, MapPartitions, Divided, RepartitionDivisions, SelectPartitions, Repartition)):
            node = node.child
        elif isinstance(node, Join) and node.strategy in ("aligned", "broadcast_right"):
            return stable(node.left) and (node.strategy != "aligned" or stable(node.right))
        else:
            return False


class PositionalRewrites(PassThroughRewrites):
    """A node that addresses its input's partitions by position: filters cross it only into a
    ``stable`` input (a Parquet scan below would drop pieces and shift the positions)."""

    __slots__ = ()

    def pass_filter(self, preds):
        return super().pass_filter(preds) if stable(self.child) else Rewritable.pass_filter(self, preds)


def divided(child: Node, column: str, divisions: tuple) -> "Divided":
    """``Divided`` over ``child``, optimized first unless stable (see the module docstring)."""
    if not stable(child):
        from frames.dataframe.expr.optimize import optimize

        child = optimize(child)
    return Divided(child, column, divisions)


@dataclass(frozen=True, eq=False)
class Divided(PositionalRewrites, UnaryNode):
    """``child`` as it is, known to be range-partitioned on ``column`` at ``divisions``."""

    child: Node
    column: str
    divisions: tuple

    label = "divided"

    def __post_init__(self) -> None:
        if len(self.divisions) != self.child.npartitions + 1:
            raise InvalidArgumentError(
                f"{len(self.divisions)} divisions for {self.child.npartitions} partitions (need npartitions + 1)")

    def lower(self, lowering: Lowering) -> list[Hashable]:
        return lowering.keys(self.child)

    def describe(self) -> str:
        shown = self.divisions if len(self.divisions) <= 6 else (*self.divisions[:3], "...", *self.divisions[-2:])
        return f"Divided {self.column} divisions={tuple(shown)}"


def divisions_of(node: Node, column: str) -> tuple | None:
    """The divisions of ``node``'s partitions on ``column``, or None when not known."""
    from frames.dataframe.expr.blockwise import Filter, Project

    while True:
        if isinstance(node, Divided):
            return node.divisions if node.column == column else None
        if isinstance(node, Filter):
            node = node.child
        elif isinstance(node, Project):
            sources = [e.name for name, e in node.exprs if name == column and isinstance(e, Col)]
            if not sources:
                return None
            column, node = sources[0], node.child
        else:
            return None


# -- finding partitions by label ------------------------------------------------------------------
def partition_of(divisions: Sequence, label: Any) -> int:
    """The partition that can hold ``label`` (the first also holds what is below ``d[0]``, the
    last what is above ``d[n]``: given ``divisions=`` need not span the data)."""
    return min(max(bisect.bisect_right(divisions, label) - 1, 0), len(divisions) - 2)


def partitions_between(divisions: Sequence, lo: Any, hi: Any) -> list[int]:
    """The partitions that can hold labels in ``[lo, hi]`` (either end None: open)."""
    first = 0 if lo is None else partition_of(divisions, lo)
    last = len(divisions) - 2 if hi is None else partition_of(divisions, hi)
    return list(range(first, last + 1))


def trimmed(divisions: Sequence, indices: list[int], lo: Any, hi: Any) -> tuple:
    """The divisions of partitions ``indices`` (ascending) after keeping only ``[lo, hi]``: each
    partition's start, and the last one's end, cut to the labels where that stays in order."""
    inner = tuple(divisions[i] for i in indices) + (divisions[indices[-1] + 1],)
    start = inner[0] if lo is None else max(lo, inner[0])
    end = inner[-1] if hi is None else min(hi, inner[-1])
    out = (start,) + inner[1:-1] + (end,)
    return out if all(a <= b for a, b in zip(out, out[1:])) else inner


# -- range partitioning on given boundaries -------------------------------------------------------
def _scalar(value: Any, t: pa.DataType) -> pa.Scalar:
    return pa.scalar(value, t)


def _in_range(table: pa.Table, column: str, lo: Any, hi: Any, first: bool, last: bool) -> pa.Table:
    """The rows with ``lo <= column < hi``, in order; the first range also keeps what is below
    ``lo``, the last what is above (and ``== hi``) and the missing values."""
    col = table.column(column)
    t = col.type
    if first and last:
        return table
    if first:
        mask = pc.less(col, _scalar(hi, t))
    elif last:
        mask = pc.or_kleene(pc.greater_equal(col, _scalar(lo, t)), pc.is_null(col))
    else:
        mask = pc.and_kleene(pc.greater_equal(col, _scalar(lo, t)), pc.less(col, _scalar(hi, t)))
    return table.filter(pc.fill_null(mask, False))


def _gather_range(tables: list[pa.Table], column: str, lo: Any, hi: Any, first: bool, last: bool,
                  schema: pa.Schema) -> pa.Table:
    return concat_tables([_in_range(t, column, lo, hi, first, last) for t in tables], schema)


@dataclass(frozen=True, eq=False)
class RepartitionDivisions(PositionalRewrites, UnaryNode):
    """A frame with known divisions ``old`` cut into the ranges of ``new`` (Dask's
    ``repartition(divisions=)``): output ``j`` reads only the input partitions its range overlaps,
    keeping their order, so no shuffle."""

    child: Node
    column: str
    old: tuple
    new: tuple

    label = "repartition-divisions"

    def _npartitions(self) -> int:
        return len(self.new) - 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        src = lowering.keys(self.child)
        n_old, n_new = len(self.old) - 1, len(self.new) - 1
        keys = []
        for j in range(n_new):
            lo, hi, first, last = self.new[j], self.new[j + 1], j == 0, j == n_new - 1
            inputs = [src[i] for i in range(n_old)
                      if self.old[i] <= hi and lo <= self.old[i + 1] or (first and i == 0) or (last and i == n_old - 1)]
            key = (self.name, j)
            lowering.graph[key] = Task(_gather_range, [Ref(k) for k in inputs], self.column, lo, hi, first, last, self.schema)
            keys.append(key)
        return keys

    def describe(self) -> str:
        return f"RepartitionDivisions {self.column} npartitions={len(self.new) - 1}"


def _split_at(table: pa.Table, column: str, bounds: pa.Array, n: int) -> list[pa.Table]:
    from frames.dataframe.expr.sort import SortKey, _orderable, range_split

    return range_split(table, _orderable(bounds) if len(bounds) else np.array([]), n, SortKey(column))


def _sort_range(pieces: list[pa.Table], column: str, schema: pa.Schema) -> pa.Table:
    from frames.dataframe.expr.sort import SortKey, sort_table

    return sort_table(concat_tables(pieces, schema), (SortKey(column),))


@dataclass(frozen=True, eq=False)
class RangeShuffle(PassThroughRewrites, UnaryNode):
    """Every row sent to the range of ``divisions`` its ``column`` value falls in, each range
    sorted by it (stable: equal values keep their input order): what ``set_index`` does once the
    boundaries are known (sampled beforehand, or given)."""

    child: Node
    column: str
    divisions: tuple

    label = "range-shuffle"

    def own_columns(self) -> set[str]:
        return {self.column}

    def _npartitions(self) -> int:
        return len(self.divisions) - 1

    def lower(self, lowering: Lowering) -> list[Hashable]:
        n = self.npartitions
        bounds = pa.array(list(self.divisions[1:-1]), self.child.schema.field(self.column).type)
        splits = []
        for i, k in enumerate(lowering.keys(self.child)):
            key = (self.name + "-split", i)
            lowering.graph[key] = Task(_split_at, Ref(k), self.column, bounds, n)
            splits.append(key)
        return exchange(lowering.graph, self.name, splits, n, _sort_range, self.column, self.schema)

    def describe(self) -> str:
        return f"RangeShuffle {self.column} npartitions={self.npartitions}"


# -- computing divisions --------------------------------------------------------------------------
def sample_and_extent(table: pa.Table, column: str) -> pa.Table:
    """One partition's share of ``set_index``'s boundary search: evenly spaced values of
    ``column`` (sorted), and its min and max, as one row."""
    from frames.dataframe.expr.sort import SortKey, sample

    values = table.column(column).drop_null()
    s = sample(table, SortKey(column))
    s = s.take(pc.sort_indices(s)) if len(s) else s
    mm = pc.min_max(values) if len(values) else None
    t = table.schema.field(column).type
    return pa.table({
        "sample": pa.array([s.to_pylist()], pa.list_(t)),
        "min": pa.array([mm["min"].as_py() if mm else None], t),
        "max": pa.array([mm["max"].as_py() if mm else None], t),
        "rows": pa.array([table.num_rows], pa.int64()),
    })


def divisions_from_samples(samples: list[list], mins: list, maxes: list, n: int) -> tuple:
    """Strictly increasing divisions for about ``n`` ranges of similar row counts: the
    quantiles of the pooled samples between the overall min and max (repeated values merged,
    so there may be fewer ranges, as Dask's)."""
    present = [m for m in mins if m is not None]
    if not present:
        return (None, None)
    lo, hi = min(present), max(m for m in maxes if m is not None)
    pooled = sorted(v for s in samples for v in s)
    inner = [pooled[min(int(i * len(pooled) / n), len(pooled) - 1)] for i in range(1, n)] if pooled else []
    out = [lo]
    for v in inner + [hi]:
        if v > out[-1]:
            out.append(v)
    if len(out) == 1:
        out.append(hi)
    return tuple(out)


def sorted_divisions(mins: list, maxes: list, rows: list[int]) -> tuple[list[int], tuple]:
    """For ``set_index(sorted=True)``: the non-empty partitions and their divisions (each
    partition's min, then the last one's max), checked to be in order without overlap."""
    keep = [i for i, r in enumerate(rows) if r and mins[i] is not None]
    if not keep:
        return [0], (None, None)
    lo = [mins[i] for i in keep]
    hi = [maxes[i] for i in keep]
    for a, b in zip(hi, lo[1:]):
        if not a < b:
            raise InvalidArgumentError(
                f"set_index(sorted=True): the partitions are not sorted by the index without overlap "
                f"(a partition ends at {a!r}, the next starts at {b!r}); use sorted=False to sort them")
    return keep, tuple(lo) + (hi[-1],)


def pandas_division_locations(index: Any, npartitions: int) -> tuple[list[int], tuple]:
    """Row positions where a sorted pandas index is cut into ``npartitions`` pieces of near-equal
    length, no label split between two (fewer pieces when labels repeat), and the divisions:
    Dask's ``sorted_division_locations`` (BSD-3), so both libraries cut a frame alike."""
    seq = index.tolist()
    n = len(seq)
    if n == 0:
        return [0, 0], (None, None)
    unique = sorted(set(seq))
    duplicates = len(unique) < n
    offsets = [bisect.bisect_left(seq, x) for x in unique] if duplicates else []
    exact = duplicates and len(offsets) >= npartitions
    chunk, residual = n // npartitions, n % npartitions
    size = lambda i: chunk + int(i < residual)  # noqa: E731
    divisions, locations = [seq[0]], [0]
    i, ind, drift = size(0), None, 0
    remain = npartitions - 1 if exact else None
    while i < n:
        div = seq[i]
        if duplicates:
            if ind is None:
                ind = bisect.bisect_left(unique, seq[i])
            if exact and remain > len(offsets) - ind:  # do not step over more labels than partitions left
                ind -= remain - (len(offsets) - ind)
                i = offsets[ind]
                div = seq[i]
            pos = offsets[ind]
        else:
            pos = i
        if div <= divisions[-1]:  # the label is in the partition already: try the next one
            if duplicates:
                ind += 1
                i = offsets[ind] if ind < len(offsets) else n
            else:
                i += 1
            continue
        drift += (pos - locations[-1]) - size(len(divisions) - 1)
        if exact:
            remain -= 1
        i = pos + max(1, size(len(divisions)) - drift)
        divisions.append(div)
        locations.append(pos)
        ind = None
    return locations + [n], tuple(divisions) + (seq[-1],)
