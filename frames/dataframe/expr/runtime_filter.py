"""Runtime join filters: the keys a join's small side holds restrict the scan of its other side.

A broadcast join computes its small side before any partition of the other side is joined. Its
key values, known at that moment, are a filter on the other side's key that no plan-time rewrite
can write: ``inventory JOIN date_dim ON inv_date_sk = d_date_sk WHERE d_date BETWEEN ...`` keeps
the inventory rows of some dates, which the date filter alone does not name. Where that key comes
straight from a column of a Parquet scan (through projections that rename it, filters, the probe
sides of other joins and group keys), the scan gets the filter (DuckDB's dynamic join filters):

- row groups whose min/max statistics hold none of the keys are not read (inventory and
  catalog_sales are stored in date order: TPC-DS q21 reads 1 of inventory's 6 row groups);
- the rows read are cut to those whose key is among the values, so every join between the scan
  and the one the keys came from handles only rows that survive it (q72's catalog_sales meets
  three filtered dimensions before it meets inventory); where no join is in between, the join
  drops them as cheaply and the rows are left as they are (TPC-H q5's lineitem probed twice was
  15% slower).

Only joins whose dropped rows are never output take part: an inner join (either side the source,
the smaller by estimate), a semi join (its right side the source). The probe path must be single
consumer from the join down to the scan. A scan shared with other readers (``share_scans``: a
self-join, a CTE read twice, the outer query's own table) keeps every row for them; the filtered
path gets its own copy of the scan (a second read of the file) when it crosses a many-to-many
join on the filtered key, which the cut rows then skip, and the source is estimated to keep under
``FORK_SHARE`` of its rows: TPC-DS q95's ``ws_wh`` self-join of web_sales (6.6M rows) is built
over the ~100 orders the outer filters leave instead of all 60k (2 s of CPU to 0.35 s).
A source without any filter in it (frames' ``selectivity()`` of 1: all of a dimension) is skipped: it would keep every row and cost a pass over it (TPC-H q9's 1.5M orders and
800k partsupp keys tripled its time before). The keys travel as one small task per (source, key)
that the scan's read tasks depend on, as a lookup table over their range (``KeySet``); estimates do
not change, so strategies chosen from them stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from frames.dataframe.expr.aggregate import Aggregate
from frames.dataframe.expr.blockwise import Filter, Project
from frames.dataframe.expr.join import Join
from frames.dataframe.expr.join_index import _key_values, key_kind
from frames.dataframe.expr.node import Node
from frames.dataframe.expr.pushdown import nodes_and_parents
from frames.dataframe.expr.scalar import Col
from frames.dataframe.expr.shuffle import Shuffle

MAX_SOURCE_ROWS = 1_000_000  # a source side with more rows is not worth a filter (nor the wait)
BITMAP_SPAN = 1 << 24  # keys spanning at most this many values are tested with a lookup table
KEEP_UNFILTERED = 0.9  # rows are cut only when the keys drop more than a tenth of them
FORK_SHARE = 0.1  # a shared scan is read again for a filtered path when the source keeps fewer rows
FAN_OUT = 2.0  # a join input with more rows than this per key value multiplies rows


def add_runtime_filters(root: Node) -> Node:
    """``root`` with each eligible join's source keys attached to the Parquet scans under its
    other side (``ParquetScan.runtime_filters``)."""
    from frames.dataframe.io.parquet import ParquetScan

    nodes, parents = nodes_and_parents(root)
    wanted: dict[int, list[tuple[str, int, str, bool]]] = {}  # scan id -> (scan column, source id, source key, rows)
    # (parent id, input) -> (the shared nodes from that input down to the scan, the scan's filters there)
    forks: dict[tuple[int, int], tuple[tuple[Node, ...], list]] = {}
    first: dict[int, int] = {}  # join id -> index of the input to rebuild first (the source)
    sources: dict[int, Node] = {}
    for join in nodes:
        if not isinstance(join, Join):
            continue
        pair = _source_and_probe(join)
        if pair is None:
            continue
        src, probe = pair
        source, target = join.inputs()[src], join.inputs()[probe]
        if parents.get(id(target), 0) != 1 or source.selectivity() >= 1.0:
            continue  # an unfiltered source (all of a dimension) would keep every row
        src_keys, probe_keys = (join.right_on, join.left_on) if src == 1 else (join.left_on, join.right_on)
        found = False
        for sk, pk, t in zip(src_keys, probe_keys, join.spec.key_types):
            if key_kind(t) is None:
                continue
            kind = key_kind(source.schema.field(sk).type)
            for scan, column, crossed, via, chain in _trace(target, pk, parents, ParquetScan):
                if key_kind(scan.schema.field(column).type) != kind:
                    continue  # codes of different kinds (a date against a timestamp) do not compare
                if via is None:
                    wanted.setdefault(id(scan), []).append((column, id(source), sk, crossed))
                elif _worth_a_fork(source):
                    forks.setdefault(via, (chain, []))[1].append((column, id(source), sk, True))
                else:
                    continue
                found = True
        if found:
            first[id(join)] = src
            sources[id(source)] = source
    if not wanted and not forks:
        return root
    memo: dict[int, Node] = {}
    forked: dict[tuple, Node] = {}  # one copy per (shared node, filters): a self-join's sides read it once

    def fork(chain: tuple[Node, ...], filters: list) -> Node:
        """A private copy of ``chain`` (projections and filters over a shared scan) whose scan
        has ``filters``."""
        key = (id(chain[0]), tuple((column, src, sk) for column, src, sk, _ in filters))
        if key not in forked:
            scan = visit(chain[-1])
            new = replace(scan, runtime_filters=scan.runtime_filters + tuple(
                (column, memo[src], sk, rows) for column, src, sk, rows in filters))
            for node in reversed(chain[:-1]):
                new = node.with_inputs(new)
            forked[key] = new
        return forked[key]

    def visit(node: Node) -> Node:
        done = memo.get(id(node))
        if done is not None:
            return done
        inputs = node.inputs()
        order = list(range(len(inputs)))
        if id(node) in first:  # the source first: the scans below the other side refer to it
            order.sort(key=lambda i: i != first[id(node)])
        children: list = [None] * len(inputs)
        for i in order:
            via = forks.get((id(node), i))
            children[i] = visit(inputs[i]) if via is None else fork(*via)
        new = node if all(a is b for a, b in zip(children, inputs)) else node.with_inputs(*children)
        if id(node) in wanted:
            extra = tuple((column, memo[src], sk, rows) for column, src, sk, rows in wanted[id(node)])
            new = replace(new, runtime_filters=new.runtime_filters + extra)
        memo[id(node)] = new
        return new

    return visit(root)


def _source_and_probe(join: Join) -> tuple[int, int] | None:
    """(source input, probe input) of a join that may filter one side by the other's keys: a
    broadcast (or single-partition) inner join filters its big side by the small one, a semi join
    its left side by the right. None: a join that keeps unmatched rows, or a shuffle of two big
    sides (nothing small to wait for)."""
    if join.how not in ("inner", "semi") or not join.left_on:
        return None
    strategy = join.choose_strategy()
    if strategy == "broadcast_right":
        pair = (1, 0)
    elif strategy == "broadcast_left" and join.how == "inner":
        pair = (0, 1)
    elif strategy == "single":
        small_right = join.right.estimated_bytes() <= join.left.estimated_bytes()
        pair = (1, 0) if small_right or join.how == "semi" else (0, 1)
    else:
        return None
    return pair


def _worth_a_fork(source: Node) -> bool:
    """Whether a second read of a shared scan, cut to the source's keys, is likely to pay: the
    source is estimated to keep under ``FORK_SHARE`` of its base rows (frames' ``selectivity()``;
    its keys are then about that share of the key values)."""
    return source.selectivity() < FORK_SHARE


def _trace(node: Node, column: str, parents: dict[int, int], scan_type) -> list[tuple[Node, str, bool, tuple | None, tuple]]:
    """The (scan, column, crossed, via, chain) where a filter on ``column`` of ``node``'s output
    may be applied instead: rows it drops there could only have produced output rows it drops here.
    ``crossed``: the path passes another join or an aggregation, which the filtered rows then skip;
    without one the join itself is the next to see the rows and drops them as cheaply, so the scan
    only skips row groups (``rows`` False in ``ParquetScan.runtime_filters``). ``via``: None for a
    scan only this path reads; for a scan other readers share, (parent id, input index) of the
    first shared node on the path and ``chain`` the shared nodes from there to the scan (only
    projections and filters: a copy of them repeats no more than the read), the filter needing a
    copy of them. Only a path that crossed a many-to-many join on the filtered column itself leads
    to a copy: there the filter shrinks both of the join's inputs and the rows it makes (q95's
    self-join of web_sales on the order number makes 6.6M); through joins with dimensions, or a
    semi join on the same keys, the rows the filter drops cost those joins little more than the
    second read (q88 read store_sales eight times and took 30% more CPU, q65 twice for nothing)."""
    out: list[tuple[Node, str, bool, tuple | None, tuple]] = []
    stack = [(node, column, False, False, None, ())]
    while stack:
        node, column, crossed, keyed, via, chain = stack.pop()
        if isinstance(node, scan_type):
            if column in node.file_schema.names and column in node.schema.names:
                out.append((node, column, crossed, via, chain))
            continue
        if via is not None and not isinstance(node, (Project, Filter)):
            continue  # a shared join or aggregation is not copied: only a scan's read is repeated
        crossed = crossed or isinstance(node, (Join, Aggregate))
        keyed = keyed or (isinstance(node, Join) and column in _join_key_outputs(node) and _many_to_many(node))
        nxt: list[tuple[int, Node, str]] = []  # (input index, input, its column)
        if isinstance(node, Project):
            e = dict(node.exprs).get(column)
            if isinstance(e, Col):
                nxt.append((0, node.child, e.name))
        elif isinstance(node, (Filter, Shuffle)):
            nxt.append((0, node.child, column))
        elif isinstance(node, Aggregate) and column in node.keys:
            nxt.append((0, node.child, column))  # a group key: whole groups are kept or dropped
        elif isinstance(node, Join) and node.how in ("inner", "semi", "left"):
            # a LEFT join's row is dropped above with its left key: that key's rows on both sides go
            left_out, right_out = node._side_outputs()
            if column in left_out:
                name = left_out[column]
                nxt.append((0, node.left, name))
                if name in node.left_on:  # equal keys: the other side's key is filtered too
                    nxt.append((1, node.right, node.right_on[node.left_on.index(name)]))
            elif column in right_out and node.how == "inner":
                name = right_out[column]
                nxt.append((1, node.right, name))
                if name in node.right_on:
                    nxt.append((0, node.left, node.left_on[node.right_on.index(name)]))
        for index, child, name in nxt:
            if via is not None:
                stack.append((child, name, crossed, keyed, via, chain + (child,)))
            elif parents.get(id(child), 0) == 1:
                stack.append((child, name, crossed, keyed, None, ()))
            elif keyed:
                stack.append((child, name, crossed, keyed, (id(node), index), (child,)))
    return out


def _many_to_many(join: Join) -> bool:
    """An inner join whose inputs both hold more than ``FAN_OUT`` rows per key value (by the
    estimates from file statistics; unknown: no)."""
    if join.how != "inner":
        return False
    for side, keys in ((join.left, join.left_on), (join.right, join.right_on)):
        rows, distinct = side.estimated_rows(), side.distinct_count(tuple(keys))
        if not rows or not distinct or rows < FAN_OUT * distinct:
            return False
    return True


def _join_key_outputs(join: Join) -> set[str]:
    """The output names of a join's key columns (either side's)."""
    left_out, right_out = join._side_outputs()
    return ({out for out, name in left_out.items() if name in join.left_on}
            | {out for out, name in right_out.items() if name in join.right_on})


# -- at run time ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KeySet:
    """A source side's distinct key values as integer codes (``join_index``'s): a lookup table
    over [lo, hi] when that span is small (built in one pass, no sort), else the sorted values."""

    lo: int
    hi: int
    bitmap: np.ndarray | None = None  # bitmap[v - lo]: whether v is a key
    values: np.ndarray | None = None  # sorted distinct keys (a span too wide for a bitmap)

    def any_between(self, lo: int, hi: int) -> bool:
        a, b = max(lo, self.lo), min(hi, self.hi)
        if a > b:
            return False
        if self.bitmap is not None:
            return bool(np.count_nonzero(self.bitmap[a - self.lo: b - self.lo + 1]))
        i = int(np.searchsorted(self.values, a, side="left"))
        return i < len(self.values) and self.values[i] <= b

    def contains(self, codes: np.ndarray) -> np.ndarray:
        if self.hi < self.lo:
            return np.zeros(len(codes), dtype=bool)
        if self.bitmap is None:  # binary search: np.isin sorted codes and keys together (1.1 s
            # for a row group of 115k codes against 1M keys spanning 60M, TPC-H SF10's orderkeys; 0.06 s so)
            at = np.minimum(np.searchsorted(self.values, codes), len(self.values) - 1)
            return self.values[at] == codes
        span = self.hi - self.lo + 1
        table = np.append(self.bitmap, False)  # the last entry: every code outside [lo, hi]
        off = (codes - self.lo).view(np.uint64)
        return table[np.minimum(off, np.uint64(span)).view(np.int64)]


def source_keys(tables: list[pa.Table], column: str) -> KeySet | None:
    """The distinct non-NULL values of a source side's key column; None: too many rows to be
    worth it, or not an integer key."""
    if sum(t.num_rows for t in tables) > MAX_SOURCE_ROWS:
        return None
    parts = []
    for t in tables:
        got = _key_values(t.column(column))
        if got is None:
            return None
        values, valid = got
        parts.append(values if valid is None else values[valid])
    codes = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    if not len(codes):
        return KeySet(0, -1)
    lo, hi = int(codes.min()), int(codes.max())
    if hi - lo < BITMAP_SPAN:
        bitmap = np.zeros(hi - lo + 1, dtype=bool)
        bitmap[codes - lo] = True
        return KeySet(lo, hi, bitmap=bitmap)
    ordered = np.sort(codes)
    return KeySet(lo, hi, values=ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])])


def row_group_may_match(keys: KeySet, lo, hi) -> bool:
    """Whether any key lies in a row group's [lo, hi] statistics (dates as days since the epoch,
    like the keys)."""
    import datetime

    if lo is None or hi is None:
        return True
    if isinstance(lo, datetime.date) and isinstance(hi, datetime.date) and not isinstance(lo, datetime.datetime):
        epoch = datetime.date(1970, 1, 1)
        lo, hi = (lo - epoch).days, (hi - epoch).days
    if not isinstance(lo, int) or not isinstance(hi, int):
        return True
    return keys.any_between(lo, hi)


def keep_mask(column: pa.ChunkedArray, keys: KeySet) -> np.ndarray | None:
    """Per row: whether its key is among ``keys`` (NULL never is); None: the column's type has no
    integer code, or the keys would keep nearly every row (not worth a copy of the table)."""
    got = _key_values(column)
    if got is None:
        return None
    values, valid = got
    mask = keys.contains(values)
    if valid is not None:
        mask &= valid
    return None if mask.sum() > KEEP_UNFILTERED * len(mask) else mask
