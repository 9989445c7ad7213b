"""List kernels with DuckDB's semantics: ``[a, b]`` / ``list_value``, ``string_split``,
``len``, ``l[i]`` / ``l[a:b]``, ``list_contains``, ``list_concat``, ``array_to_string``,
``list_sort``, ``list_distinct``, ``list_reverse`` and the ``list_sum``-style reductions.

Every kernel works on a list array's flattened values and each value's row (``list_parent_indices``),
in NumPy and Arrow, never row by row in Python: positions are 1-based and a negative one counts
from the end, as in DuckDB; an index out of range is NULL, not an error; a NULL list gives NULL.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.expr.kernels import KERNELS, cast_value, common_type, register
from planner.errors import UnsupportedFeatureError
from planner.functions.strings import _array, _ints, _scalar_result, slice_rows


def _lists(v, n: int) -> pa.ListArray:
    arr = _array(v, n)
    if pa.types.is_null(arr.type):
        return pa.nulls(len(arr), pa.list_(pa.int32()))
    if pa.types.is_large_list(arr.type):
        arr = arr.cast(pa.list_(arr.type.value_type))
    if not pa.types.is_list(arr.type):
        raise UnsupportedFeatureError(f"a list function on a value of type {arr.type} (not a list)")
    return arr


def _layout(lists: pa.ListArray):
    """(the flattened values, each row's start in them, each row's length, each row's validity)."""
    values = lists.flatten()
    lengths = np.asarray(pc.fill_null(pc.list_value_length(lists), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if len(lengths) else np.zeros(0, np.int64)
    valid = np.asarray(pc.is_valid(lists).to_numpy(zero_copy_only=False), dtype=bool)
    return values, starts, lengths, valid


def _rebuild(values: pa.Array, take: np.ndarray, sizes: np.ndarray, valid: np.ndarray) -> pa.ListArray:
    """Rows of ``sizes`` values each, taken from ``values`` at ``take``; rows not ``valid`` are NULL."""
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
    taken = values.take(pa.array(take, pa.int64())) if len(take) else values.slice(0, 0)
    return pa.ListArray.from_arrays(pa.array(offsets), taken, mask=pa.array(~valid))


def _ranges(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """The concatenated ranges ``starts[i] .. starts[i] + sizes[i]``."""
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return np.arange(total, dtype=np.int64) - np.repeat(firsts - starts, sizes)


def list_value(*items):
    """``[a, b, c]`` of expressions: one list per row, the items unified to one type."""
    if not items:
        return pa.scalar([], pa.list_(pa.int32()))
    target = common_type([i.type for i in items])
    if pa.types.is_null(target):
        target = pa.int32()
    items = [cast_value(i, target) for i in items]

    def run(*args):
        n, k = args[-1], len(args) - 1
        flat = pa.concat_arrays([a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a for a in args[:-1]])
        order = np.arange(n * k, dtype=np.int64).reshape(k, n).T.reshape(-1)
        return pa.ListArray.from_arrays(pa.array(np.arange(0, n * k + 1, k), pa.int32()), flat.take(pa.array(order)))

    return _scalar_result(items, run)


def string_split(s, separator: str = ","):
    """``string_split(s, sep)``: an empty separator splits into characters (DuckDB)."""
    if separator:
        return _scalar_result([s], lambda s, n: pc.split_pattern(s, pattern=separator))
    return _scalar_result([s], lambda s, n: _characters(s))


def _characters(s: pa.Array) -> pa.ListArray:
    """Each text as the list of its characters (cut in one pass by ``slice_rows``)."""
    lengths = np.asarray(pc.fill_null(pc.utf8_length(s), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    rows = np.repeat(np.arange(len(s)), lengths)
    positions = _ranges(np.zeros(len(s), np.int64), lengths)
    pieces = slice_rows(s.take(pa.array(rows, pa.int64())), positions, positions + 1)
    valid = np.asarray(pc.is_valid(s).to_numpy(zero_copy_only=False), dtype=bool)
    return _rebuild(pieces, np.arange(len(pieces), dtype=np.int64), lengths, valid)


def regexp_split(s, pattern: str = ""):
    return _scalar_result([s], lambda s, n: pc.split_pattern_regex(s, pattern=pattern))


def list_length(lists):
    return _scalar_result([lists], lambda l, n: pc.cast(pc.list_value_length(_lists(l, n)), pa.int64()))


def _is_text(v) -> bool:
    return pa.types.is_string(v.type) or pa.types.is_large_string(v.type)


def _bounds(b, e, lengths):
    """0-based [lo, hi) of DuckDB's inclusive 1-based slice ``[b:e]`` (negative: from the end)."""
    lo = np.where(b > 0, b - 1, np.where(b < 0, lengths + b, 0)).clip(0, None)
    hi = np.where(e >= 0, e, lengths + e + 1).clip(None, lengths)
    return lo, np.maximum(hi, lo)


def list_element(lists, index):
    """``l[i]``: 1-based, negative from the end, 0 or out of range NULL; of a text, its character."""
    if _is_text(lists):
        return list_slice(lists, index, index)

    def run(l, i, n):
        values, starts, lengths, valid = _layout(_lists(l, n))
        pos = _ints(i, n)
        at = np.where(pos > 0, pos - 1, lengths + pos)
        ok = valid & (pos != 0) & (at >= 0) & (at < lengths) & np.asarray(pc.is_valid(_array(i, n)).to_numpy(zero_copy_only=False), dtype=bool)
        take = pa.array(np.where(ok, starts + at, 0), pa.int64(), mask=~ok)
        return values.take(take) if len(values) else pa.nulls(n, values.type)
    return _scalar_result([lists, index], run)


def list_slice(lists, begin=None, end=None):
    """``l[a:b]`` / ``list_slice(l, a, b)``: both ends included, 1-based, negative from the end;
    a missing end is the list's own."""
    def run(l, *rest):
        n = rest[-1]
        if _is_text(l):
            lengths = np.asarray(pc.fill_null(pc.utf8_length(l), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
        else:
            values, starts, lengths, valid = _layout(_lists(l, n))
        b = _ints(rest[0], n) if begin is not None else np.ones(n, np.int64)
        e = _ints(rest[1], n) if end is not None else lengths
        lo, hi = _bounds(b, e, lengths)
        known = np.ones(n, bool)
        for bound in rest[:-1]:  # a NULL bound: a NULL slice
            known &= np.asarray(pc.is_valid(_array(bound, n)).to_numpy(zero_copy_only=False), dtype=bool)
        if _is_text(l):
            out = slice_rows(l, lo, hi)
            return out if known.all() else pc.if_else(pa.array(known), out, pa.scalar(None, out.type))
        valid = valid & known
        sizes = np.where(valid, hi - lo, 0)
        return _rebuild(values, _ranges(starts + lo, sizes), sizes, valid)
    args = [lists] + [a for a in (begin, end) if a is not None]
    if begin is None and end is not None:
        raise UnsupportedFeatureError("a list slice with an end but no start")
    return _scalar_result(args, run)


def _matches(l, v, n):
    """(each value's row, whether it equals its row's ``v``, the rows' starts, the lists' and
    ``v``'s validity): what list_contains and list_position read."""
    values, starts, lengths, valid = _layout(_lists(l, n))
    parent = np.repeat(np.arange(n), lengths)
    wanted = _array(v, n)
    target = common_type([values.type, wanted.type])
    same = pc.equal(cast_value(values, target), cast_value(wanted, target).take(pa.array(parent, pa.int64())))
    hit = np.asarray(pc.fill_null(same, False).to_numpy(zero_copy_only=False), dtype=bool)
    known = np.asarray(pc.is_valid(wanted).to_numpy(zero_copy_only=False), dtype=bool)
    return parent, hit, starts, valid, known


def list_contains(lists, value):
    """Whether the list holds ``value``: NULL for a NULL list or a NULL value (DuckDB)."""
    def run(l, v, n):
        parent, hit, _, valid, known = _matches(l, v, n)
        found = np.bincount(parent[hit], minlength=n) > 0
        return pa.array(found, pa.bool_(), mask=~(valid & known))
    return _scalar_result([lists, value], run)


def list_position(lists, value):
    """The 1-based position of the first ``value`` in the list, NULL when absent."""
    def run(l, v, n):
        parent, hit, starts, valid, _ = _matches(l, v, n)
        at = np.flatnonzero(hit)
        best = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(best, parent[at], at)
        found = best != np.iinfo(np.int64).max
        return pa.array(np.where(found, best - starts + 1, 0), pa.int32(), mask=~(found & valid))
    return _scalar_result([lists, value], run)


def list_concat(*lists):
    """``list_concat(a, b, ...)``: a NULL list counts as empty; NULL only when all are NULL."""
    def run(*args):
        n = args[-1]
        parts = [_lists(a, n) for a in args[:-1]]
        target = common_type([p.type.value_type for p in parts])
        layouts = [_layout(p) for p in parts]
        values = pa.concat_arrays([cast_value(lay[0], target) for lay in layouts])
        base = np.cumsum([0] + [len(lay[0]) for lay in layouts])
        sizes = sum(lay[2] for lay in layouts)
        # row r: part 0's range, then part 1's, ...: interleave the per-part ranges by row
        pieces_start = np.stack([lay[1] + base[k] for k, lay in enumerate(layouts)], axis=1).reshape(-1)
        pieces_size = np.stack([lay[2] for lay in layouts], axis=1).reshape(-1)
        valid = np.logical_or.reduce([lay[3] for lay in layouts])
        return _rebuild(values, _ranges(pieces_start, pieces_size), sizes, valid)
    return _scalar_result(list(lists), run)


def dpipe(a, b):
    """``a || b``: lists concatenate (NULL when either is NULL), anything else as text."""
    if pa.types.is_list(a.type) or pa.types.is_list(b.type):
        out = list_concat(a, b)
        return pc.if_else(pc.and_(pc.is_valid(a), pc.is_valid(b)), out, pa.scalar(None, out.type))
    return KERNELS["concat"].impl(a, b)


def array_to_string(lists, separator: str = ","):
    """The values as text joined by ``separator``, NULLs skipped (DuckDB)."""
    def run(l, n):
        l = _lists(l, n)
        values, starts, lengths, valid = _layout(l)
        text = cast_value(values, pa.string())
        keep = np.asarray(pc.is_valid(text).to_numpy(zero_copy_only=False), dtype=bool)
        parent = np.repeat(np.arange(n), lengths)
        sizes = np.bincount(parent[keep], minlength=n)
        kept = _rebuild(text, np.flatnonzero(keep), sizes, valid)
        return pc.binary_join(kept, separator)
    return _scalar_result([lists], run)


def list_sort(lists, descending: bool = False):
    """The values in order, NULLs last (DuckDB's default)."""
    def run(l, n):
        values, starts, lengths, valid = _layout(_lists(l, n))
        parent = np.repeat(np.arange(n), lengths)
        key = pa.table({"p": pa.array(parent), "v": values})
        order = pc.sort_indices(key, sort_keys=[("p", "ascending", "at_end"), ("v", "descending" if descending else "ascending", "at_end")])
        return _rebuild(values, np.asarray(order, dtype=np.int64), lengths, valid)
    return _scalar_result([lists], run)


def list_reverse(lists):
    def run(l, n):
        values, starts, lengths, valid = _layout(_lists(l, n))
        within = _ranges(np.zeros(n, np.int64), lengths)
        parent = np.repeat(np.arange(n), lengths)
        return _rebuild(values, starts[parent] + lengths[parent] - 1 - within, lengths, valid)
    return _scalar_result([lists], run)


def list_distinct(lists):
    """Each row's distinct values, NULLs dropped, in order of first appearance."""
    def run(l, n):
        values, starts, lengths, valid = _layout(_lists(l, n))
        parent = np.repeat(np.arange(n), lengths)
        t = pa.table({"p": pa.array(parent, pa.int64()), "v": values, "i": pa.array(np.arange(len(parent)))})
        t = t.filter(pc.is_valid(t.column("v")))
        firsts = t.group_by(["p", "v"], use_threads=False).aggregate([("i", "min")])
        take = np.sort(np.asarray(firsts.column("i_min").to_numpy(), dtype=np.int64))
        sizes = np.bincount(parent[take], minlength=n)
        return _rebuild(values, take, sizes, valid)
    return _scalar_result([lists], run)


_REDUCTIONS = {"sum": "sum", "min": "min", "max": "max", "avg": "mean", "mean": "mean", "count": "count",
               "first": "first", "last": "last", "product": "product", "bool_and": "all", "bool_or": "any"}


def list_reduce(lists, how: str = "sum"):
    """``list_sum`` / ``list_aggregate(l, 'min')`` ...: the aggregate over each row's values, NULLs
    skipped; an empty or NULL list gives NULL (``count``: 0 for an empty list)."""
    name, how = how, _REDUCTIONS.get(how)
    if how is None:
        raise UnsupportedFeatureError(f"list aggregate {name!r} (known: {', '.join(sorted(_REDUCTIONS))})")

    def run(l, n):
        values, starts, lengths, valid = _layout(_lists(l, n))
        parent = np.repeat(np.arange(n), lengths)
        t = pa.table({"p": pa.array(parent, pa.int64()), "v": values})
        v = t.column("v")
        if pa.types.is_null(v.type):  # the values of [] or of NULL lists: typed as DuckDB does
            t = t.set_column(1, "v", pc.cast(v, pa.int32()))
            v = t.column("v")
        if how == "sum" and pa.types.is_integer(v.type):  # never wraps: DuckDB's HUGEINT
            t = t.set_column(1, "v", pc.cast(v, pa.decimal128(38, 0)))
        opts = pc.ScalarAggregateOptions(skip_nulls=True, min_count=1) if how in ("sum", "mean", "product", "min", "max") else None
        agg = t.group_by(["p"], use_threads=False).aggregate([("v", how, opts) if opts else ("v", how)])
        rows = np.asarray(agg.column("p").to_numpy(), dtype=np.int64)
        result = agg.column(1).combine_chunks()
        slot = np.full(n, -1, np.int64)
        slot[rows] = np.arange(len(rows))
        out = result.take(pa.array(np.where(slot >= 0, slot, 0), pa.int64(), mask=slot < 0)) if len(result) else pa.nulls(n, result.type)
        if how == "count":
            out = pc.fill_null(out, 0)
        return pc.if_else(pa.array(valid), out, pa.scalar(None, out.type))
    return _scalar_result([lists], run)


register("sql_list_value", list_value)
register("sql_string_split", string_split)
register("sql_regexp_split", regexp_split)
register("sql_list_length", list_length)
register("sql_list_element", list_element)
register("sql_list_slice", list_slice)
register("sql_list_contains", list_contains)
register("sql_list_position", list_position)
register("sql_list_concat", list_concat)
register("sql_array_to_string", array_to_string)
register("sql_dpipe", dpipe)
register("sql_list_sort", list_sort)
register("sql_list_reverse", list_reverse)
register("sql_list_distinct", list_distinct)
register("sql_list_reduce", list_reduce)
