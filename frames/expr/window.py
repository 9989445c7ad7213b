"""Window functions: rows are hash-partitioned by the PARTITION BY keys (all into one partition
when there are none), each partition is sorted by (keys, ORDER BY) and the functions are computed
with NumPy over group and peer boundaries: no Python loop over rows.

Frames: ``ROWS BETWEEN a PRECEDING/FOLLOWING AND b ...`` for sum/count/avg via prefix sums; the
default frame (with ORDER BY: unbounded preceding to the current row's last peer; without: the
whole partition) for every function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.convert import take_rows
from frames.errors import InvalidArgumentError
from frames.expr.node import Lowering, Node, UnaryNode
from frames.expr.reshape import Repartition
from frames.expr.shuffle import Shuffle
from frames.expr.sort import SortKey, sort_indices

RANKING = {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"}
VALUE = {"lag", "lead", "first_value", "last_value"}
AGGREGATE = {"sum", "count", "count_all", "mean", "min", "max"}


@dataclass(frozen=True)
class WindowFunction:
    """``func(column) OVER (PARTITION BY partition ORDER BY order [frame])`` as ``name``.

    ``frame`` is None (the default frame) or (start, end) row offsets relative to the current row,
    None meaning unbounded (e.g. (-2, 0) = ROWS BETWEEN 2 PRECEDING AND CURRENT ROW).
    """

    name: str
    func: str
    column: str | None
    partition: tuple[str, ...]
    order: tuple[SortKey, ...]
    frame: tuple[int | None, int | None] | None = None
    offset: int = 1
    default: Any = None


def _changes(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """True where a row differs from the previous one (NULLs equal each other), first row True."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n = len(values)
    out = np.ones(n, dtype=bool)
    if n <= 1:
        return out
    prev, cur = values.slice(0, n - 1), values.slice(1)
    eq = pc.fill_null(pc.equal(prev, cur), False)
    both_null = pc.and_(pc.is_null(prev), pc.is_null(cur))
    same = np.asarray(pc.or_(eq, both_null).to_numpy(zero_copy_only=False), dtype=bool)
    out[1:] = ~same
    return out


def _starts(table: pa.Table, columns: list[str]) -> np.ndarray:
    starts = np.zeros(table.num_rows, dtype=bool)
    if table.num_rows:
        starts[0] = True
    for c in columns:
        starts |= _changes(table.column(c))
    return starts


def _floats(values) -> tuple[np.ndarray, np.ndarray]:
    arr = pc.cast(values, pa.float64()) if not pa.types.is_floating(values.type) else values
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    data = np.asarray(pc.fill_null(arr, 0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
    return data, valid


def compute_windows(table: pa.Table, functions: tuple[WindowFunction, ...]) -> pa.Table:
    """Add one column per function (all share the same partition/order)."""
    first = functions[0]
    keys = tuple(SortKey(c) for c in first.partition) + first.order
    if keys and table.num_rows > 1:
        table = take_rows(table, sort_indices(table, keys))
    n = table.num_rows
    pos = np.arange(n)
    group_start_flag = _starts(table, list(first.partition)) if first.partition else (pos == 0)
    gid = np.cumsum(group_start_flag) - 1
    gstart = np.maximum.accumulate(np.where(group_start_flag, pos, 0)) if n else pos
    gsize = np.bincount(gid, minlength=gid.max() + 1 if n else 0)[gid] if n else pos
    gend = gstart + gsize - 1
    peer_flag = group_start_flag | (_starts(table, [k.column for k in first.order]) if first.order else np.zeros(n, bool))
    if not first.order:
        peer_flag = group_start_flag.copy()
    peer_start = np.maximum.accumulate(np.where(peer_flag, pos, 0)) if n else pos
    peer_id = np.cumsum(peer_flag) - 1
    peer_last = np.zeros(n, dtype=np.int64)
    if n:
        last_of_peer = np.r_[np.nonzero(peer_flag)[0][1:] - 1, n - 1]
        peer_last = last_of_peer[peer_id]
    for f in functions:
        table = table.append_column(f.name, _one(table, f, pos, gid, gstart, gend, peer_flag, peer_start, peer_last))
    return table


def _one(table, f: WindowFunction, pos, gid, gstart, gend, peer_flag, peer_start, peer_last):
    if f.func == "row_number":
        return pa.array(pos - gstart + 1, pa.int64())
    if f.func == "rank":
        return pa.array(peer_start - gstart + 1, pa.int64())
    if f.func == "dense_rank":
        dense = np.cumsum(peer_flag)
        return pa.array(dense - dense[gstart] + 1, pa.int64())
    if f.func in ("lag", "lead"):
        values = table.column(f.column)
        src = pos - f.offset if f.func == "lag" else pos + f.offset
        ok = (src >= gstart) & (src <= gend)
        taken = values.take(pa.array(np.where(ok, src, 0)))
        default = pa.scalar(f.default, values.type) if f.default is not None else pa.scalar(None, values.type)
        return pc.if_else(pa.array(ok), taken, default)
    if f.func in ("first_value", "last_value"):
        values = table.column(f.column)
        lo, hi = _bounds(f, pos, gstart, gend, peer_last)
        return values.take(pa.array(lo if f.func == "first_value" else hi))
    if f.func in AGGREGATE:
        lo, hi = _bounds(f, pos, gstart, gend, peer_last)
        if f.func == "count_all":
            return pa.array(np.maximum(hi - lo + 1, 0), pa.int64())
        data, valid = _floats(table.column(f.column))
        if f.func in ("min", "max"):
            return _minmax(table.column(f.column), f, lo, hi, gstart, gend)
        csum = np.r_[0.0, np.cumsum(data * valid)]
        ccount = np.r_[0, np.cumsum(valid)]
        s = csum[hi + 1] - csum[lo]
        c = ccount[hi + 1] - ccount[lo]
        if f.func == "count":
            return pa.array(c, pa.int64())
        if f.func == "sum":
            return pa.array(s, pa.float64(), mask=c == 0)
        return pa.array(np.divide(s, np.maximum(c, 1)), pa.float64(), mask=c == 0)
    raise InvalidArgumentError(f"unknown window function {f.func!r}")


def _bounds(f: WindowFunction, pos, gstart, gend, peer_last):
    """First and last row of every row's frame (clipped to its partition)."""
    if f.frame is None:
        hi = peer_last if f.order else gend
        return gstart.copy(), hi
    a, b = f.frame
    lo = gstart if a is None else np.maximum(pos + a, gstart)
    hi = gend if b is None else np.minimum(pos + b, gend)
    return lo, hi


def _minmax(values, f: WindowFunction, lo, hi, gstart, gend):
    """Running or whole-partition min/max (per group accumulate); other frames are refused."""
    if f.frame is not None and not (f.frame[0] is None and f.frame[1] in (0, None)):
        raise InvalidArgumentError(f"{f.func} over a sliding ROWS frame is not supported yet")
    data, valid = _floats(values)
    fill = np.inf if f.func == "min" else -np.inf
    data = np.where(valid, data, fill)
    op = np.minimum if f.func == "min" else np.maximum
    out = np.empty_like(data)
    for s in np.unique(gstart):  # a loop over partitions, not rows
        e = gend[s] + 1
        out[s:e] = op.accumulate(data[s:e])
    result = out[hi]
    return pa.array(result, pa.float64(), mask=~np.isfinite(result))


@dataclass(frozen=True, eq=False)
class Window(UnaryNode):
    """Adds the columns of ``functions`` (which share PARTITION BY and ORDER BY) to ``child``."""

    child: Node
    functions: tuple[WindowFunction, ...]

    label = "window"

    def _schema(self) -> pa.Schema:
        empty = compute_windows(self.child.schema.empty_table(), self.functions)
        return empty.schema

    def _source(self) -> Node:
        keys = self.functions[0].partition
        if keys:
            return Shuffle(self.child, keys, self.child.npartitions)
        return self.child if self.child.npartitions == 1 else Repartition(self.child, 1)

    def _npartitions(self) -> int:
        return self._source().npartitions

    def lower(self, lowering: Lowering) -> list[Hashable]:
        out = []
        for i, k in enumerate(lowering.keys(self._source())):
            key = (self.name, i)
            lowering.graph[key] = Task(_compute_cast, Ref(k), self.functions, self.schema)
            out.append(key)
        return out

    def describe(self) -> str:
        f = self.functions[0]
        return f"Window partition=[{', '.join(f.partition)}] order=[{', '.join(map(repr, f.order))}] functions=[{', '.join(g.func + ' AS ' + g.name for g in self.functions)}]"


def _compute_cast(table: pa.Table, functions, schema: pa.Schema) -> pa.Table:
    out = compute_windows(table, functions)
    return out if out.schema == schema else out.cast(schema)
