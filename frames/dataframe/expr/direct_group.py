"""Hash-free grouping for integer keys of a small range: each row's group is its keys' offsets
from their minimums (mixed radix over the keys' ranges), and sums and counts are ``np.bincount``
over those group numbers.

Arrow's hash aggregation spends most of its time probing its hash table; integer keys whose
ranges multiply to about the number of rows (h2o's ``id4``/``id5``/``id6``, TPC-H's nation and
date keys) need no hashing at all. ``direct_group`` answers what ``Table.group_by(keys).aggregate``
answers for ``sum``, ``count`` and ``count_all`` (same column names and types, NULL keys a group
of their own, a sum of only NULLs NULL), with the groups in key order (NULL last) rather than
first-seen order, and returns None for anything else, so the caller falls back to Arrow. h2o q5
(sum of three columns by ``id6``, 100k groups in every 1M-row partition): 60 ms per partition in
Arrow, 15 ms here.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SUM_OPTIONS = pc.ScalarAggregateOptions(skip_nulls=True, min_count=1)  # Arrow's default sum
GROUPS_PER_ROW = 2  # key ranges spanning more slots than this many per row (and MIN_SLOTS) are hashed
MIN_SLOTS = 1 << 16
MAX_SLOTS = 1 << 24  # the count arrays stay below 128 MB however many rows
EXACT = float(1 << 53)  # integer sums through float64 counts stay exact below this


def _supported(table: pa.Table, keys: list[str], aggs: list) -> bool:
    if not keys or not all(pa.types.is_integer(table.schema.field(k).type) for k in keys):
        return False
    for agg in aggs:
        column, func, opts = (tuple(agg) + (None,))[:3]
        if func == "count_all":
            continue
        if not isinstance(column, str) or (func == "count" and opts is not None):
            return False
        # (an options object compared with None crashes pyarrow 26: isinstance first)
        if func == "sum" and not (opts is None or (isinstance(opts, pc.ScalarAggregateOptions) and opts == _SUM_OPTIONS)):
            return False
        kind = table.schema.field(column).type
        if func == "sum" and not (pa.types.is_float64(kind) or pa.types.is_signed_integer(kind)):
            return False
        if func not in ("sum", "count"):
            return False
    return True


def _slots(table: pa.Table, keys: list[str]):
    """(each row's group number, per key (minimum, slots, has NULLs), slots in all) or None when
    the keys' ranges span too many slots."""
    rows = table.num_rows
    limit = min(max(GROUPS_PER_ROW * rows, MIN_SLOTS), MAX_SLOTS)
    ranges, total = [], 1
    for k in keys:
        column = table.column(k)
        bounds = pc.min_max(column)
        lo, hi = bounds["min"].as_py(), bounds["max"].as_py()
        nulls = column.null_count > 0
        span = (0 if lo is None else hi - lo + 1) + nulls
        total *= max(span, 1)
        if total > limit:
            return None
        ranges.append((lo or 0, span, nulls))
    ids = None
    stride = 1
    for k, (lo, span, nulls) in zip(keys, ranges):
        column = table.column(k)
        digits = np.subtract((pc.fill_null(column, lo) if nulls else column).to_numpy(), lo, dtype=np.int64)
        if nulls:
            digits[np.asarray(column.is_null().to_numpy())] = span - 1
        ids = digits if ids is None else ids + digits * stride
        stride *= max(span, 1)
    return ids, ranges, total  # keys is never empty (_supported)


def direct_group(table: pa.Table, keys: list[str], aggs: list) -> pa.Table | None:
    """``table.group_by(keys).aggregate(aggs)`` without a hash table, or None where it does not
    apply (other aggregates or types, key ranges too wide, integer sums that might not be exact)."""
    if not _supported(table, keys, aggs):
        return None
    slotted = _slots(table, keys)
    if slotted is None:
        return None
    ids, ranges, total = slotted
    rows = np.bincount(ids, minlength=total)
    present = np.flatnonzero(rows)
    out: dict[str, pa.Array] = {}
    stride = 1
    for k, (lo, span, nulls) in zip(keys, ranges):
        digits = (present // stride) % max(span, 1)
        stride *= max(span, 1)
        kind = table.schema.field(k).type
        out[k] = pa.array(digits + lo, pa.int64(), mask=(digits == span - 1) if nulls else None).cast(kind)
    for agg in aggs:
        column, func = agg[0], agg[1]
        if func == "count_all":
            out["count_all"] = pa.array(rows[present], pa.int64())
            continue
        values = table.column(column)
        valid = None if values.null_count == 0 else np.asarray(values.is_valid().to_numpy())
        counts = rows if valid is None else np.bincount(ids, weights=valid, minlength=total).astype(np.int64)
        if func == "count":
            out[f"{column}_count"] = pa.array(counts[present], pa.int64())
            continue
        kind = values.type
        # no copies on the way: np.bincount reads the weights as float64 whatever their type
        data = (pc.fill_null(values, 0) if values.null_count else values).to_numpy()
        if not pa.types.is_float64(kind) and len(data) and max(-float(data.min()), float(data.max())) * len(data) >= EXACT:
            return None
        sums = np.bincount(ids, weights=data, minlength=total)[present]
        target = pa.float64() if pa.types.is_float64(kind) else pa.int64()
        out[f"{column}_sum"] = pa.array(sums if target == pa.float64() else sums.astype(np.int64), target,
                                        mask=counts[present] == 0 if valid is not None else None)
    return pa.table(out)
