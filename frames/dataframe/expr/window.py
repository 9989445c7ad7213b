"""Window functions: rows are hash-partitioned by the PARTITION BY keys (all into one partition
when there are none), each partition is sorted by (keys, ORDER BY) and the functions are computed
with NumPy over group and peer boundaries: no Python loop over rows (nor over window partitions).

Frames. Every row's frame is an inclusive range of row positions ``[lo, hi]`` (empty when
``lo > hi``), found for all rows at once:

- ``ROWS``: offsets from the row's position, clipped to its partition;
- ``GROUPS``: offsets in peer groups (rows with equal ORDER BY values), from the first row of the
  first group to the last row of the last;
- ``RANGE``: offsets in ORDER BY values (one numeric key, or a date / timestamp key with
  ``timedelta`` offsets from fixed INTERVALs): the rows whose value lies within
  ``[value - a, value + b]`` (reversed under DESC), found by one sorted search over (partition,
  value) for all rows; rows whose key is NULL have their NULL peers as frame;
- the default frame: with ORDER BY unbounded preceding to the row's last peer, else the whole
  partition.

``EXCLUDE CURRENT ROW / GROUP / TIES`` cuts the frame into at most three ranges. Over those ranges
sum/count/avg are differences of prefix sums; min/max are range minima over dense ranks (running
minima for frames anchored at a partition edge, else a sparse table of ``log2(frame length)``
levels), so they keep the values' own type (strings, dates, decimals); first/last_value take the
first/last row of the first/last non-empty range.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any, Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import take_rows
from frames.errors import InvalidArgumentError
from frames.dataframe.expr.node import Lowering, Node, UnaryNode
from frames.dataframe.expr.reshape import Repartition
from frames.dataframe.expr.shuffle import Shuffle
from frames.dataframe.expr.sort import SortKey, sort_indices

RANKING = {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile"}
VALUE = {"lag", "lead", "first_value", "last_value", "nth_value"}
AGGREGATE = {"sum", "count", "count_all", "mean", "min", "max"}
# aggregates over any frame from prefix sums of the values and their squares (moments) or of the
# TRUE values (booleans)
MOMENTS = {"var_samp": (False, 1), "var_pop": (False, 0), "stddev_samp": (True, 1), "stddev_pop": (True, 0)}
BOOLEAN = {"bool_and", "bool_or", "count_if"}
DISTINCT_AGGREGATE = {"count_distinct", "sum_distinct", "mean_distinct"}
FRAME_KINDS = ("rows", "range", "groups")
EXCLUDES = ("", "current row", "group", "ties")


@dataclass(frozen=True)
class WindowFunction:
    """``func(column) OVER (PARTITION BY partition ORDER BY order [frame])`` as ``name``.

    ``frame`` is None (the default frame) or (start, end) offsets relative to the current row,
    negative before it, None meaning unbounded (e.g. (-2, 0) = BETWEEN 2 PRECEDING AND CURRENT
    ROW), counted in rows, peer groups or ORDER BY values as ``frame_kind`` says; ``exclude`` is
    one of ``EXCLUDES`` ("" = EXCLUDE NO OTHERS). ``offset``: lag/lead's offset, ntile's bucket
    count, nth_value's n. ``ignore_nulls``: lag/lead/first/last/nth_value skip NULL values.
    ``count_distinct`` / ``sum_distinct`` / ``mean_distinct`` take the whole partition as frame.
    """

    name: str
    func: str
    column: str | None
    partition: tuple[str, ...]
    order: tuple[SortKey, ...]
    frame: tuple[Any, Any] | None = None
    offset: int = 1
    default: Any = None
    frame_kind: str = "rows"
    exclude: str = ""
    ignore_nulls: bool = False

    def __post_init__(self) -> None:
        if self.frame_kind not in FRAME_KINDS:
            raise InvalidArgumentError(f"unknown window frame kind {self.frame_kind!r}; known: {', '.join(FRAME_KINDS)}")
        if self.exclude not in EXCLUDES:
            raise InvalidArgumentError(f"unknown frame exclusion {self.exclude!r}")
        if self.frame_kind == "range" and self.frame is not None and any(b not in (None, 0) for b in self.frame) \
                and len(self.order) != 1:
            raise InvalidArgumentError("a RANGE frame with offsets needs exactly one ORDER BY key")


def _changes(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """True where a row differs from the previous one (NULLs equal each other), first row True."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n = len(values)
    out = np.ones(n, dtype=bool)
    if n <= 1:
        return out
    if pa.types.is_null(values.type):  # all NULL: one run
        out[1:] = False
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
    arr = pc.cast(values, pa.float64(), safe=False) if not pa.types.is_floating(values.type) else values  # big integers round
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    data = np.asarray(pc.fill_null(arr, 0.0).to_numpy(zero_copy_only=False), dtype=np.float64)
    return data, valid


@dataclass
class _Layout:
    """Positions of a sorted table's partitions and peer groups, one entry per row."""

    pos: np.ndarray          # row position
    gid: np.ndarray          # partition number
    gstart: np.ndarray       # first row of the row's partition
    gend: np.ndarray         # last row of the row's partition
    peer_flag: np.ndarray    # row starts a peer group
    peer_id: np.ndarray      # peer group number (global)
    peer_start: np.ndarray   # first row of the row's peer group
    peer_last: np.ndarray    # last row of the row's peer group


def _layout(table: pa.Table, first: WindowFunction) -> _Layout:
    n = table.num_rows
    pos = np.arange(n)
    group_flag = _starts(table, list(first.partition)) if first.partition else (pos == 0)
    gid = np.cumsum(group_flag) - 1
    gstart = np.maximum.accumulate(np.where(group_flag, pos, 0)) if n else pos
    gsize = np.bincount(gid)[gid] if n else pos
    gend = gstart + gsize - 1
    peer_flag = group_flag | _starts(table, [k.column for k in first.order]) if first.order else group_flag.copy()
    peer_start = np.maximum.accumulate(np.where(peer_flag, pos, 0)) if n else pos
    peer_id = np.cumsum(peer_flag) - 1
    peer_last = np.zeros(n, dtype=np.int64)
    if n:
        last_of_peer = np.r_[np.nonzero(peer_flag)[0][1:] - 1, n - 1]
        peer_last = last_of_peer[peer_id]
    return _Layout(pos, gid, gstart, gend, peer_flag, peer_id, peer_start, peer_last)


def compute_windows(table: pa.Table, functions: tuple[WindowFunction, ...]) -> pa.Table:
    """Add one column per function (all share the same partition/order)."""
    first = functions[0]
    keys = tuple(SortKey(c) for c in first.partition) + first.order
    if keys and table.num_rows > 1:
        table = take_rows(table, sort_indices(table, keys))
    layout = _layout(table, first)
    for f in functions:
        table = table.append_column(f.name, _one(table, f, layout))
    return table


def _one(table, f: WindowFunction, L: _Layout):
    pos, gstart, gend = L.pos, L.gstart, L.gend
    gsize = gend - gstart + 1
    if f.func == "row_number":
        return pa.array(pos - gstart + 1, pa.int64())
    if f.func == "rank":
        return pa.array(L.peer_start - gstart + 1, pa.int64())
    if f.func == "dense_rank":
        dense = np.cumsum(L.peer_flag)
        return pa.array(dense - dense[gstart] + 1 if len(pos) else dense, pa.int64())
    if f.func == "percent_rank":
        rank = L.peer_start - gstart
        return pa.array(np.where(gsize > 1, rank / np.maximum(gsize - 1, 1), 0.0), pa.float64())
    if f.func == "cume_dist":
        return pa.array((L.peer_last - gstart + 1) / np.maximum(gsize, 1), pa.float64())
    if f.func == "ntile":
        return pa.array(_ntile(pos - gstart, gsize, f.offset), pa.int64())
    if f.func in DISTINCT_AGGREGATE:
        return _distinct_aggregate(table.column(f.column), f.func, L)
    if f.func in ("lag", "lead"):
        values = table.column(f.column)
        if f.ignore_nulls:
            src, ok = _offset_ignoring_nulls(values, f.func, f.offset, L)
        else:
            src = pos - f.offset if f.func == "lag" else pos + f.offset
            ok = (src >= gstart) & (src <= gend)
        taken = values.take(pa.array(np.where(ok, src, 0)))
        default = pa.scalar(f.default, values.type) if f.default is not None else pa.scalar(None, values.type)
        return pc.if_else(pa.array(ok), taken, default)
    segments = _segments(f, table, L)
    if f.func in ("first_value", "last_value", "nth_value"):
        values = table.column(f.column)
        pick = _pick(f, segments, values, len(pos))
        taken = values.take(pa.array(np.maximum(pick, 0)))
        return pc.if_else(pa.array(pick >= 0), taken, pa.scalar(None, values.type)) if len(pos) else taken
    if f.func in MOMENTS:
        return _moment(table.column(f.column), f.func, segments, len(pos))
    if f.func in BOOLEAN:
        return _boolean(table.column(f.column), f.func, segments, len(pos))
    if f.func in AGGREGATE:
        if f.func == "count_all":
            return pa.array(sum(np.maximum(hi - lo + 1, 0) for lo, hi in segments), pa.int64())
        if f.func in ("min", "max"):
            return _minmax(table.column(f.column), f.func, segments, L)
        column = table.column(f.column)
        if f.func in ("sum", "mean") and (pa.types.is_decimal(column.type) or pa.types.is_integer(column.type)):
            summed, count = _exact_sum(column.cast(pa.decimal128(38, 0)) if pa.types.is_integer(column.type) else column,
                                       segments, len(pos))
            if f.func == "sum":
                return summed
            return pc.divide(pc.cast(summed, pa.float64()), pa.array(np.maximum(count, 1).astype(np.float64)))
        data, valid = _floats(table.column(f.column))
        csum = np.r_[0.0, np.cumsum(data * valid)]
        ccount = np.r_[0, np.cumsum(valid)]
        s = np.zeros(len(pos))
        c = np.zeros(len(pos), dtype=np.int64)
        for lo, hi in segments:
            hi1 = np.maximum(hi + 1, lo)  # an empty range adds nothing
            s += csum[hi1] - csum[lo]
            c += ccount[hi1] - ccount[lo]
        if f.func == "count":
            return pa.array(c, pa.int64())
        if f.func == "sum":
            return pa.array(s, pa.float64(), mask=c == 0)
        return pa.array(np.divide(s, np.maximum(c, 1)), pa.float64(), mask=c == 0)
    raise InvalidArgumentError(f"unknown window function {f.func!r}")


def _framed_sums(columns: list[np.ndarray], segments, n: int) -> list[np.ndarray]:
    """For each of ``columns`` (one value per row), its sum over each row's frame (``segments``:
    ranges of rows), from prefix sums."""
    out = []
    for data in columns:
        prefix = np.r_[np.zeros(1, data.dtype), np.cumsum(data)]
        total = np.zeros(n, data.dtype)
        for lo, hi in segments:
            hi1 = np.maximum(hi + 1, lo)  # an empty range adds nothing
            total += prefix[hi1] - prefix[lo]
        out.append(total)
    return out


def _moment(values, func: str, segments, n: int) -> pa.Array:
    """VAR_SAMP / VAR_POP / STDDEV_SAMP / STDDEV_POP over each row's frame (DOUBLE; NULL when the
    frame has too few values)."""
    root, ddof = MOMENTS[func]
    data, valid = _floats(values)
    x = data * valid
    count, total, squares = _framed_sums([valid.astype(np.int64), x, x * x], segments, n)
    denominator = count - ddof
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.maximum(squares - total * total / np.maximum(count, 1), 0.0) / np.maximum(denominator, 1)
    return pa.array(np.sqrt(var) if root else var, pa.float64(), mask=denominator <= 0)


def _boolean(values, func: str, segments, n: int) -> pa.Array:
    """BOOL_AND / BOOL_OR and COUNT_IF (a HUGEINT in DuckDB) over each row's frame, NULL over a
    frame without values."""
    valid = _valid(values)
    true = np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool) & valid
    count, trues = _framed_sums([valid.astype(np.int64), true.astype(np.int64)], segments, n)
    if func == "count_if":
        return pa.array(trues, pa.int64(), mask=count == 0).cast(pa.decimal128(38, 0))  # a sum of booleans
    return pa.array(trues == count if func == "bool_and" else trues > 0, pa.bool_(), mask=count == 0)


def _exact_sum(values, segments, n: int) -> tuple[pa.Array, np.ndarray]:
    """SUM of decimals over each row's frame, exact (DuckDB's DECIMAL(38, s); SUM of integers
    arrives as DECIMAL(38, 0), its HUGEINT), and the count of values summed: differences of prefix
    sums of the unscaled integers, in int64 when no prefix can overflow it, else in Python integers."""
    t = values.type
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], t)
    if pa.types.is_decimal256(t):
        values = values.cast(pa.decimal128(38, t.scale))
    valid = _valid(values)
    filled = pc.fill_null(values, pa.scalar(decimal.Decimal(0), values.type)) if len(values) else values
    words = np.frombuffer(filled.buffers()[1], dtype=np.int64)[2 * filled.offset: 2 * (filled.offset + len(filled))]
    low, high = words[0::2], words[1::2]
    small = len(low) == 0 or (bool(np.all(high == (low >> 63))) and int(np.abs(low).max()) < 2**62 // max(len(low), 1))
    unscaled = low if small else high.astype(object) * 2**64 + low.view(np.uint64).astype(object)
    csum = np.r_[np.zeros(1, unscaled.dtype), np.cumsum(unscaled)]
    ccount = np.r_[0, np.cumsum(valid)]
    total = np.zeros(n, unscaled.dtype)
    count = np.zeros(n, dtype=np.int64)
    for lo, hi in segments:
        hi1 = np.maximum(hi + 1, lo)  # an empty range adds nothing
        total = total + (csum[hi1] - csum[lo])
        count += ccount[hi1] - ccount[lo]
    out_type = pa.decimal128(38, t.scale)
    try:
        if small:  # int64 totals as the two words of each 128-bit value
            data = np.empty(2 * n, dtype=np.int64)
            data[0::2], data[1::2] = total, total >> 63
            summed = pa.Array.from_buffers(out_type, n, [None, pa.py_buffer(data)])
        else:
            with decimal.localcontext() as ctx:
                ctx.prec = 80
                summed = pa.array([decimal.Decimal(int(v)).scaleb(-t.scale) for v in total], out_type)
    except (pa.ArrowInvalid, OverflowError):
        raise InvalidArgumentError("SUM over a window overflows 38 digits") from None
    return pc.if_else(pa.array(count > 0), summed, pa.scalar(None, out_type)), count


def _valid(values) -> np.ndarray:
    return np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)


def _pick(f: WindowFunction, segments, values, n: int) -> np.ndarray:
    """The row first/last/nth_value reads for every row (-1: none), over the frame's ranges in
    order; with ``ignore_nulls`` only rows with a value count."""
    if f.ignore_nulls:
        valid = _valid(values)
        pos = np.arange(n)
        next_valid = np.minimum.accumulate(np.where(valid, pos, n)[::-1])[::-1] if n else pos
        prev_valid = np.maximum.accumulate(np.where(valid, pos, -1)) if n else pos
        before = np.r_[0, np.cumsum(valid)]  # valid rows before each position
    pick = np.full(n, -1, dtype=np.int64)
    if f.func == "nth_value":
        if f.offset < 1:
            raise InvalidArgumentError(f"nth_value needs a positive n, got {f.offset}")
        remaining = np.full(n, f.offset, dtype=np.int64)  # rows still to skip, counting this one
        for lo, hi in segments:
            empty = lo > hi
            lo_c, hi_c = np.clip(lo, 0, max(n - 1, 0)), np.clip(hi, 0, max(n - 1, 0))
            if f.ignore_nulls:
                size = np.where(empty, 0, before[hi_c + 1] - before[lo_c])
                ordinal = before[lo_c] + remaining - 1  # the valid row wanted, as a valid-row number
                where_valid = np.nonzero(valid)[0]
                at = where_valid[np.clip(ordinal, 0, max(len(where_valid) - 1, 0))] if len(where_valid) else lo_c
            else:
                size = np.where(empty, 0, hi - lo + 1)
                at = lo + remaining - 1
            hit = (pick < 0) & (remaining >= 1) & (remaining <= size)
            pick = np.where(hit, at, pick)
            remaining = np.where(pick < 0, remaining - size, remaining)
        return pick
    for lo, hi in (segments if f.func == "first_value" else segments[::-1]):
        if f.ignore_nulls and n:
            lo_c, hi_c = np.clip(lo, 0, n - 1), np.clip(hi, 0, n - 1)
            at = next_valid[lo_c] if f.func == "first_value" else prev_valid[hi_c]
            found = (lo <= hi) & (at >= lo) & (at <= hi)
        else:
            at = lo if f.func == "first_value" else hi
            found = lo <= hi
        pick = np.where((pick < 0) & found, at, pick)
    return pick


def _offset_ignoring_nulls(values, func: str, offset: int, L: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """lag/lead IGNORE NULLS: the ``offset``-th row with a value before/after each row, within its
    partition (as (source row, found))."""
    valid = _valid(values)
    where_valid = np.nonzero(valid)[0]
    upto = np.cumsum(valid)  # valid rows up to and including each row
    before = upto - valid
    if func == "lag":
        ordinal = before - offset
        ok = ordinal >= before[L.gstart]
    else:
        ordinal = upto + offset - 1
        ok = ordinal < upto[L.gend]
    ok &= (ordinal >= 0) & (ordinal < len(where_valid))
    src = where_valid[np.clip(ordinal, 0, max(len(where_valid) - 1, 0))] if len(where_valid) else L.pos
    return np.where(ok, src, 0), ok


def _distinct_aggregate(values, func: str, L: _Layout):
    """COUNT/SUM/AVG(DISTINCT x) over each row's whole partition: the distinct (partition, value)
    pairs found once (dense ranks), summed per partition with ``bincount``."""
    n = len(L.pos)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not n:
        return pa.array([], pa.int64() if func == "count_distinct" else pa.float64())
    valid = _valid(values)
    rank = np.asarray(pc.rank(values, sort_keys="ascending", tiebreaker="dense"), dtype=np.int64)
    pairs = L.gid[valid] * (n + 1) + rank[valid]
    unique, first = np.unique(pairs, return_index=True)
    groups = unique // (n + 1)
    ngroups = int(L.gid.max()) + 1
    count = np.bincount(groups, minlength=ngroups)
    if func == "count_distinct":
        return pa.array(count[L.gid], pa.int64())
    data, _ = _floats(values)
    total = np.bincount(groups, weights=data[valid][first], minlength=ngroups)
    result = total if func == "sum_distinct" else total / np.maximum(count, 1)
    return pa.array(result[L.gid], pa.float64(), mask=count[L.gid] == 0)


def _ntile(index: np.ndarray, size: np.ndarray, buckets: int) -> np.ndarray:
    """NTILE(buckets): the first ``size % buckets`` buckets hold one row more."""
    if buckets <= 0:
        raise InvalidArgumentError(f"NTILE needs a positive number of buckets, got {buckets}")
    small = size // buckets
    big = small + 1
    extra = size % buckets  # buckets with ``big`` rows
    in_big = index < extra * big
    return np.where(in_big, index // np.maximum(big, 1), extra + (index - extra * big) // np.maximum(small, 1)) + 1


def _bounds(f: WindowFunction, table: pa.Table, L: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """First and last row of every row's frame (clipped to its partition; lo > hi when empty)."""
    pos, gstart, gend = L.pos, L.gstart, L.gend
    if f.frame is None:
        return gstart.copy(), (L.peer_last if f.order else gend)
    a, b = f.frame
    if f.frame_kind == "rows":
        lo = gstart if a is None else np.maximum(pos + a, gstart)
        hi = gend if b is None else np.minimum(pos + b, gend)
        return lo, hi
    if f.frame_kind == "groups":
        peer_starts = np.nonzero(L.peer_flag)[0]
        peer_lasts = np.r_[peer_starts[1:] - 1, len(pos) - 1]
        first_peer, last_peer = L.peer_id[gstart], L.peer_id[gend]
        lo = gstart if a is None else peer_starts[np.clip(L.peer_id + a, first_peer, last_peer)]
        hi = gend if b is None else peer_lasts[np.clip(L.peer_id + b, first_peer, last_peer)]
        lo = lo if a is None else np.where(L.peer_id + a > last_peer, gend + 1, lo)
        hi = hi if b is None else np.where(L.peer_id + b < first_peer, gstart - 1, hi)
        return lo, hi
    return _range_bounds(f, table, L)


def _range_bounds(f: WindowFunction, table: pa.Table, L: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """RANGE offsets: the rows of the partition whose ORDER BY value lies in
    [value + a, value + b] (ascending; under DESC the values are negated first)."""
    a, b = f.frame
    key = f.order[0]
    values = table.column(key.column)
    a, b, values = _range_offsets(a, b, values)
    y, valid = _floats(values)
    if not key.ascending:
        y = -y
    lo = L.gstart.copy() if a is None else L.peer_start.copy()
    hi = L.gend.copy() if b is None else L.peer_last.copy()
    rows = np.nonzero(valid)[0]  # non-NULL keys: contiguous within each partition, sorted by y
    if not len(rows):
        return lo, hi
    gy, yy = L.gid[rows], y[rows]
    for bound, side in ((a, "left"), (b, "right")):
        if bound in (None, 0):
            continue
        found = _search(gy, yy, gy, yy + bound, side)
        # a bound past the partition's non-NULL values stops at their edge: NULLs sort as the
        # smallest or largest values, so an UNBOUNDED other end still reaches them
        if side == "left":  # first row with value >= y + a, else just after the last non-NULL row
            inside = found < len(rows)
            at = rows[np.minimum(found, len(rows) - 1)]
            lo[rows] = np.where(inside & (L.gid[at] == gy), at, rows[np.maximum(found - 1, 0)] + 1)
        else:  # last row with value <= y + b, else just before the first non-NULL row
            inside = found > 0
            at = rows[np.maximum(found - 1, 0)]
            hi[rows] = np.where(inside & (L.gid[at] == gy), at, rows[np.minimum(found, len(rows) - 1)] - 1)
    return lo, hi


def _range_offsets(a, b, values):
    """Offsets and ORDER BY values in one numeric scale: numbers as they are; dates as days and
    timestamps in their unit, with ``timedelta`` offsets (INTERVALs) converted to that unit."""
    t = values.type
    temporal = pa.types.is_date(t) or pa.types.is_timestamp(t)
    if not temporal:
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)):
            raise InvalidArgumentError(f"a RANGE frame with offsets needs a numeric, date or timestamp ORDER BY key, not {t}")
        if any(isinstance(x, dt.timedelta) for x in (a, b)):
            raise InvalidArgumentError(f"a RANGE frame with INTERVAL offsets needs a date or timestamp ORDER BY key, not {t}")
        return a, b, values
    if any(x not in (None, 0) and not isinstance(x, dt.timedelta) for x in (a, b)):
        raise InvalidArgumentError(f"a RANGE frame over {t} values needs INTERVAL offsets")
    if pa.types.is_date(t):
        unit = dt.timedelta(days=1)
        values = pc.cast(pc.cast(values, pa.date32()), pa.int32())
    else:
        unit = {"s": dt.timedelta(seconds=1), "ms": dt.timedelta(milliseconds=1), "us": dt.timedelta(microseconds=1),
                "ns": dt.timedelta(microseconds=1) / 1000}[t.unit]
        values = pc.cast(values, pa.int64())
    scale = [x / unit if isinstance(x, dt.timedelta) else x for x in (a, b)]
    return scale[0], scale[1], values


def _search(gid: np.ndarray, y: np.ndarray, qgid: np.ndarray, qy: np.ndarray, side: str) -> np.ndarray:
    """For each query (qgid, qy): how many of the rows (gid, y), sorted by (gid, y), come before
    it (``left``: rows < query; ``right``: rows <= query). One lexsort of rows and queries
    together, so it is exact for any float and needs no per-partition loop."""
    n = len(gid)
    g = np.r_[gid, qgid]
    v = np.r_[y, qy]
    # ties: under ``left`` a query sorts before equal rows, under ``right`` after them
    is_query = np.r_[np.zeros(n, bool), np.ones(len(qgid), bool)]
    tie = is_query if side == "right" else ~is_query
    order = np.lexsort((tie, v, g))
    rows_before = np.cumsum(~is_query[order]) - ~is_query[order]
    out = np.empty(len(qgid), dtype=np.int64)
    where = order >= n
    out[order[where] - n] = rows_before[where]
    return out


def _segments(f: WindowFunction, table: pa.Table, L: _Layout) -> list[tuple[np.ndarray, np.ndarray]]:
    """The frame of every row as up to three ranges [lo, hi], after its EXCLUDE clause."""
    lo, hi = _bounds(f, table, L)
    if f.exclude == "":
        return [(lo, hi)]
    if f.exclude == "current row":
        cut_lo, cut_hi = L.pos, L.pos
    else:
        cut_lo, cut_hi = L.peer_start, L.peer_last
    segments = [(lo, np.minimum(hi, cut_lo - 1)), (np.maximum(lo, cut_hi + 1), hi)]
    if f.exclude == "ties":  # the group but the current row: it stays
        segments.insert(1, (np.maximum(lo, L.pos), np.minimum(hi, L.pos)))
    return segments


def _minmax(values, func: str, segments, L: _Layout):
    """min/max over each row's ranges, on dense ranks of the values (so any ordered type)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n = len(values)
    if n == 0:
        return pa.array([], values.type)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    rank = np.asarray(pc.rank(values, sort_keys="ascending", tiebreaker="dense"), dtype=np.int64)
    valid = np.asarray(pc.is_valid(values).to_numpy(zero_copy_only=False), dtype=bool)
    none = n + 1 if func == "min" else 0  # what a range without a valid value yields
    rank = np.where(valid, rank, none)
    best = np.full(n, none, dtype=np.int64)
    better = np.minimum if func == "min" else np.maximum
    for lo, hi in segments:
        best = better(best, _range_best(rank, lo, hi, func, none, L))
    where_rank = np.zeros(n + 2, dtype=np.int64)
    where_rank[rank[valid]] = np.nonzero(valid)[0]
    found = best != none
    taken = values.take(pa.array(where_rank[best]))
    return pc.if_else(pa.array(found), taken, pa.scalar(None, values.type))


def _range_best(rank: np.ndarray, lo: np.ndarray, hi: np.ndarray, func: str, none: int, L: _Layout) -> np.ndarray:
    """min (or max) of ``rank[lo..hi]`` for every row; ``none`` for empty ranges."""
    n = len(rank)
    empty = lo > hi
    lo_c, hi_c = np.clip(lo, 0, n - 1), np.clip(hi, 0, n - 1)
    better = np.minimum if func == "min" else np.maximum
    if np.all(empty | (lo == L.gstart)):  # anchored at the partition start: running extremes
        out = _running(rank, L.gid, func)[hi_c]
    elif np.all(empty | (hi == L.gend)):  # anchored at the partition end
        out = _running(rank[::-1], L.gid[::-1].max() - L.gid[::-1], func)[::-1][lo_c]
    else:  # a sparse table: level k holds the extreme of 2**k rows from each position
        length = np.where(empty, 1, hi_c - lo_c + 1)
        level = np.floor(np.log2(length)).astype(np.int64)
        out = np.full(n, none, dtype=np.int64)
        table = rank
        for k in range(int(level.max()) + 1):
            if k:
                half = 1 << (k - 1)
                table = better(table[:-half], table[half:]) if len(table) > half else table[:0]
            rows = np.nonzero(level == k)[0]
            if len(rows):
                out[rows] = better(table[lo_c[rows]], table[hi_c[rows] - (1 << k) + 1])
    return np.where(empty, none, out)


def _running(rank: np.ndarray, gid: np.ndarray, func: str) -> np.ndarray:
    """Running min/max that restarts at every partition (``gid`` ascending): each partition is
    shifted below (min) or above (max) all earlier ones, so one accumulate serves all."""
    shift = (gid.astype(np.int64)) * (len(rank) + 2)
    if func == "min":
        return np.minimum.accumulate(rank - shift) + shift
    return np.maximum.accumulate(rank + shift) - shift


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
