"""Grouping without a hash table for rows already in key order: each group is a run of equal
keys, and its sums, counts, minimums and maximums are ``np.add.reduceat`` (and friends) over the
runs' starts.

Data is often stored sorted on the key it is grouped by: TPC-H's lineitem on ``l_orderkey``, so
q18's ``GROUP BY l_orderkey`` (15M groups of 4 rows at SF10) spent 36% of its time in Arrow's
hash aggregation, both in each partition's partials and in the merge of their buckets (whose
pieces, hash-split from sorted partitions, concatenate in order again). ``run_group`` answers what
``Table.group_by(keys).aggregate(aggs)`` answers (same column names and types, groups in key
order) for integer and date keys without NULLs in lexicographic order, and ``sum``, ``count``,
``count_all``, ``min`` and ``max`` of integers, float64 and decimals; it returns None for anything
else, including keys out of order (found from a few leading rows, usually), so the caller falls back.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.convert import decimal_from_int64, decimal_words

_SUM_OPTIONS = pc.ScalarAggregateOptions(skip_nulls=True, min_count=1)  # Arrow's default sum
MIN_ROWS = 1024  # fewer rows: Arrow's own aggregation is as quick
SAMPLE = 256  # leading rows checked for order before all of them
_INT64_LIMIT = 2**63


def _key_values(column: pa.ChunkedArray) -> np.ndarray | None:
    t = column.type
    if column.null_count or not (pa.types.is_integer(t) or pa.types.is_date(t)):
        return None
    if pa.types.is_date32(t):
        column = column.cast(pa.int32())
    elif pa.types.is_date64(t):
        column = column.cast(pa.int64())
    return column.to_numpy()


def _run_changes(keys: list[np.ndarray]) -> np.ndarray | None:
    """For each pair of neighbouring rows whether the key tuple changes; None if some pair is in
    descending lexicographic order."""
    undecided = np.ones(len(keys[0]) - 1, dtype=bool)  # pairs equal on the keys seen so far
    for k in keys:
        head, tail = k[:-1], k[1:]
        if (undecided & (tail < head)).any():
            return None
        undecided &= tail == head
    return ~undecided


def _in_order(keys: list[np.ndarray]) -> np.ndarray | None:
    """The rows where runs start, or None when the keys are not in order."""
    if _run_changes([k[:SAMPLE] for k in keys]) is None:
        return None
    changes = _run_changes(keys)
    if changes is None:
        return None
    return np.concatenate(([0], np.flatnonzero(changes) + 1))


def _integers(values: pa.ChunkedArray) -> np.ndarray | None:
    """The column's values as int64 (integers, or a decimal's unscaled integers when each fits in
    64 bits), NULLs as 0; None for other types or wider decimals."""
    t = values.type
    if pa.types.is_integer(t):
        if t == pa.uint64() and (pc.max(values).as_py() or 0) >= _INT64_LIMIT:
            return None
        return np.asarray(pc.fill_null(values, 0).to_numpy(), dtype=np.int64)
    if not pa.types.is_decimal128(t):
        return None
    lows = []
    for chunk in values.chunks:
        if len(chunk) == 0:
            continue
        words = decimal_words(chunk)
        low, high = words[:, 0], words[:, 1]
        if t.precision > 18 and not np.array_equal(high, low >> 63):
            return None  # some value needs more than 64 bits
        if chunk.null_count:
            low = np.where(np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False)), low, 0)
        lows.append(low)
    return np.concatenate(lows) if lows else np.empty(0, np.int64)


def _sum(values: pa.ChunkedArray, starts: np.ndarray, valid_counts: np.ndarray | None) -> pa.Array | None:
    t = values.type
    mask = None if valid_counts is None else valid_counts == 0  # a group of only NULLs sums to NULL
    if pa.types.is_float64(t):
        data = np.asarray(pc.fill_null(values, 0.0).to_numpy(), dtype=np.float64)
        return pa.array(np.add.reduceat(data, starts), pa.float64(), mask=mask)
    if not (pa.types.is_signed_integer(t) or pa.types.is_decimal128(t)):
        return None
    data = _integers(values)
    if data is None:
        return None
    if len(data) and max(int(data.max()), -int(data.min())) * len(data) >= _INT64_LIMIT:
        return None  # the sum of a run might not fit 64 bits
    sums = np.add.reduceat(data, starts)
    if pa.types.is_decimal128(t):
        return decimal_from_int64(sums, pa.decimal128(38, t.scale), mask)
    return pa.array(sums, pa.int64(), mask=mask)


def _extreme(values: pa.ChunkedArray, starts: np.ndarray, func: str) -> pa.Array | None:
    """min or max of a column without NULLs: integers, dates and decimals of 64-bit values (not
    floats, whose NaNs Arrow and NumPy order differently)."""
    t = values.type
    if values.null_count:
        return None
    reduce = np.minimum.reduceat if func == "min" else np.maximum.reduceat
    if pa.types.is_integer(t) or pa.types.is_date(t):
        data = _key_values(values)
        return pa.array(reduce(data, starts)).cast(t) if data is not None else None
    if pa.types.is_decimal128(t):
        data = _integers(values)
        return decimal_from_int64(reduce(data, starts), t, None) if data is not None else None
    return None


def run_group(table: pa.Table, keys: list[str], aggs: list) -> pa.Table | None:
    """``table.group_by(keys).aggregate(aggs)`` over runs of equal keys, or None where it does not
    apply (keys out of order or of other types, other aggregates, sums that might overflow)."""
    if not keys or table.num_rows < MIN_ROWS:
        return None
    key_values = [_key_values(table.column(k)) for k in keys]
    if any(k is None for k in key_values):
        return None
    starts = _in_order(key_values)
    if starts is None:
        return None
    n = table.num_rows
    sizes = np.diff(np.append(starts, n))
    out: dict[str, pa.Array] = {k: table.column(k).take(pa.array(starts)) for k in keys}
    for agg in aggs:
        column, func, opts = (tuple(agg) + (None,))[:3]
        if func == "count_all":
            out["count_all"] = pa.array(sizes, pa.int64())
            continue
        if not isinstance(column, str):
            return None
        values = table.column(column)
        valid_counts = None
        if values.null_count:
            valid = np.asarray(values.is_valid().to_numpy(), dtype=np.int64)
            valid_counts = np.add.reduceat(valid, starts)
        if func == "count" and opts is None:
            out[f"{column}_count"] = pa.array(sizes if valid_counts is None else valid_counts, pa.int64())
            continue
        if func == "sum" and (opts is None or (isinstance(opts, pc.ScalarAggregateOptions) and opts == _SUM_OPTIONS)):
            result = _sum(values, starts, valid_counts)
        elif func in ("min", "max") and opts is None:
            result = _extreme(values, starts, func)
        else:
            return None
        if result is None:
            return None
        out[f"{column}_{func}"] = result
    return pa.table(out)
