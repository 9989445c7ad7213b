"""The build side of an equi-join, indexed once and probed by any number of partitions.

Arrow's ``Table.join`` builds a fresh hash table on every call, so a broadcast side was rebuilt for
every partition of the other side, and its build is costly per row (SF1: 1.5M orders rows built
against 1M lineitem rows took 0.27 s). Most join keys are integers (surrogate keys, dates), often
dense, so this module maps each key to a *slot* with NumPy alone:

- one key, or several whose value ranges multiply into an int64, becomes one int64 code;
- codes within a compact range index a direct-address table (``slot = code - lo``: the "perfect
  hash join" of DuckDB and others); codes spread thinner over a range still of bounded size are
  ranked among the build side's distinct codes through a bitmap of the range with a running count
  per 64-bit word (``_Ranks``: a quarter byte per value of the range, no hashing); otherwise a
  pandas hash index over the distinct codes;
- a slot holds one build row (the common case: a primary key) or, when keys repeat, a run of the
  build rows sorted by slot (``run_start``/``run_length`` into ``order``).

A single text key is coded by its position among the build side's distinct values. A probe
returns matching row numbers of both sides; ``frames.dataframe.expr.join`` turns them into the join's
output with Arrow ``take``. Key types this cannot encode exactly (floats, decimals, several text
keys, mixed kinds) make ``build_index`` return None and the caller uses Arrow's join. NULL keys
never match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# A direct-address table may have this many slots per build row, or DENSE_SPAN_MIN, whichever is
# larger, but never more than DENSE_SPAN_MAX (64 MB of int32). Filling a slot costs far less than
# hashing a probe key (about 0.5 ns against 30 ns: SF1's q21 probes a table of 75k lineitem keys
# over 6M slots with 6.4M rows), and a side hash-partitioned into P parts spreads its keys P times
# thinner than the whole range.
DENSE_SPAN_PER_ROW = 64
DENSE_SPAN_MIN = 1 << 23
DENSE_SPAN_MAX = 1 << 24
# A ranked range (``_Ranks``) costs a quarter byte per value: up to 64 MB, and 128 bytes per build
# row. A probe ranks a key in about 11 ns where the hash index takes 40 to 50 (1M sorted probe keys
# against 2.27M keys spread over 60M values: TPC-H q5's lineitem against a year's orders at SF10).
RANK_SPAN_MAX = 1 << 28
RANK_SPAN_PER_ROW = 512
_CODE_LIMIT = 1 << 62  # multi-key codes must stay below this (int64, with room to spare)


def _key_values(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A key column as int64 values plus a validity mask (None: no NULLs); None if not integral."""
    t = column.type
    kind = key_kind(t)
    if kind is None:
        return None
    if kind == "date32":
        column = pc.cast(column, pa.int32())
    elif kind != "int":  # a timestamp
        column = pc.cast(column, pa.int64())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    valid = None
    if column.null_count:
        valid = np.asarray(column.is_valid())
        column = column.fill_null(0)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64), valid


def key_kind(t: pa.DataType) -> str | None:
    """The kind of integer code a key type has (None: none, use Arrow's join); keys are cast to
    one common type before they meet, so both sides of a join have the same kind."""
    if pa.types.is_integer(t) and not pa.types.is_uint64(t):
        return "int"
    if pa.types.is_date32(t):
        return "date32"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit},{t.tz}]"
    return None


@dataclass
class _Encoder:
    """How key columns become one int64 code: per column its minimum and width (from the build
    side); a probe value outside the build side's range cannot match."""

    lows: tuple[int, ...]
    widths: tuple[int, ...]

    def columns(self, table: pa.Table, keys) -> tuple[list[np.ndarray], np.ndarray | None]:
        return _columns(table, keys)

    def encode(self, values: list[np.ndarray], valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        if len(values) == 1:
            return values[0], valid
        code = np.zeros(len(values[0]), dtype=np.int64)
        ok = valid
        for v, lo, width in zip(values, self.lows, self.widths):
            off = v - lo
            inside = (off >= 0) & (off < width)
            if not inside.all():
                ok = inside if ok is None else ok & inside
                off = np.where(inside, off, 0)
            code = code * width + off
        return code, ok


def is_text(t: pa.DataType) -> bool:
    """Whether ``t`` is a text or bytes type, which a single-key index codes by dictionary."""
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)


@dataclass
class _TextEncoder:
    """One text key coded as its value's position among the build side's distinct values
    (``pc.index_in``, one hash lookup per row); a probe value not among them cannot match. h2o j4
    (1e7 rows joined on a string with 1e4 distinct values): Arrow's hash join took 0.15 s per
    1M-row partition, the lookup 0.03 s."""

    values: pa.Array

    def columns(self, table: pa.Table, keys) -> tuple[list[np.ndarray], np.ndarray | None]:
        codes = pc.index_in(table.column(keys[0]), value_set=self.values)
        if isinstance(codes, pa.ChunkedArray):
            codes = codes.combine_chunks()
        valid = np.asarray(codes.is_valid()) if codes.null_count else None
        return [np.asarray(codes.fill_null(0).to_numpy(), dtype=np.int64)], valid

    def encode(self, values: list[np.ndarray], valid: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        return values[0], valid


def _columns(table: pa.Table, keys) -> tuple[list[np.ndarray], np.ndarray | None] | None:
    values, valid = [], None
    for k in keys:
        got = _key_values(table.column(k))
        if got is None:
            return None
        v, ok = got
        values.append(v)
        if ok is not None:
            valid = ok if valid is None else valid & ok
    return values, valid


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Positions where a run of equal values begins in the sorted array ``ordered``."""
    return np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]])) if len(ordered) else np.zeros(0, np.int64)


class _Ranks:
    """Each offset's rank among a set of distinct offsets in ``[0, span)``: a bit per offset in
    64-bit words and, per word, how many set bits come before it. An offset not in the set (``span``
    included, always clear) ranks as ``count``, the index's empty last slot."""

    __slots__ = ("words", "before", "count")

    def __init__(self, offsets: np.ndarray, span: int):
        # sorted, then the first of each run: NumPy 2.4's np.unique takes 1.6 s for 2.27M distinct
        # int64 (hashing), the sort 0.03 s
        ordered = np.sort(offsets)
        distinct = ordered[_run_starts(ordered)]
        self.count = len(distinct)
        self.words = np.zeros(span // 64 + 1, dtype=np.uint64)
        if len(distinct):
            word = distinct >> 6
            starts = _run_starts(word)
            bits = np.left_shift(np.uint64(1), (distinct & 63).astype(np.uint64))
            self.words[word[starts]] = np.bitwise_or.reduceat(bits, starts)
        self.before = np.zeros(len(self.words), dtype=np.int64)
        np.cumsum(np.bitwise_count(self.words[:-1]), out=self.before[1:])

    def slots(self, offsets: np.ndarray) -> np.ndarray:
        """The rank of each offset (in ``[0, span]``), ``count`` where it is not in the set."""
        word = offsets >> 6
        # the offset's bit moved to the top: the bits at and below it are the only ones left
        upto = self.words[word] << (np.uint64(63) - (offsets & 63).astype(np.uint64))
        rank = self.before[word] + np.bitwise_count(upto) - 1
        return np.where(upto >> np.uint64(63) != 0, rank, self.count)


class JoinIndex:
    """The build side ``table`` of a join, indexed by the code of its key columns.

    ``lookup`` gives each probe row's slot; ``first[slot]`` is the build row with that key (-1:
    none). When keys repeat and the join needs pairs of rows, ``first[slot]`` is instead the
    number of the slot's run in ``order`` (the build rows sorted by slot): ``run_start`` and
    ``run_length`` say where it is. All arrays end with an entry that holds nothing: a probe key
    that cannot match points there (the hash index answers -1, which NumPy reads as that same last
    entry), so probing needs no masks. Semi and anti joins only ask whether a key is there; with
    the build side on their left they need each build row's slot (``slots`` for ``rows``).
    """

    __slots__ = ("table", "encoder", "lo", "span", "ranks", "hash_index", "first", "unique", "order", "run_start",
                 "run_length", "rows", "slots", "nslots", "num_rows")

    def __init__(self, table: pa.Table, encoder: _Encoder, values: list[np.ndarray], valid: np.ndarray | None,
                 pairs: bool = True):
        self.table = table
        self.encoder = encoder
        self.num_rows = n = table.num_rows
        code, valid = self.encoder.encode(values, valid)
        rows = np.arange(n, dtype=np.int64)
        if valid is not None:  # NULL keys are never found
            code, rows = code[valid], rows[valid]
        lo, hi = (int(code.min()), int(code.max())) if len(code) else (0, -1)
        limit = max(DENSE_SPAN_MIN, DENSE_SPAN_PER_ROW * len(code))
        if 0 <= lo and hi < limit:
            lo = 0  # keys from 0 or 1 up (the usual surrogate keys): slots are the codes themselves
        span = hi - lo + 1
        self.hash_index = self.ranks = None
        if span <= limit and span <= DENSE_SPAN_MAX:
            self.lo, self.span = lo, span
            slots = code - lo if lo else code
            nslots = span
        elif span <= RANK_SPAN_MAX and span <= RANK_SPAN_PER_ROW * len(code):
            self.lo, self.span = lo, span
            offsets = code - lo if lo else code
            self.ranks = _Ranks(offsets, span)
            slots = self.ranks.slots(offsets)
            nslots = self.ranks.count
        else:
            self.lo, self.span = 0, 0
            codes, uniques = pd.factorize(code, sort=False)
            slots = codes.astype(np.int64, copy=False)
            if len(uniques) > 1 and uniques[0] < uniques[1] and bool((uniques[1:] > uniques[:-1]).all()):
                # a sorted build side (TPC-H's orders) gives sorted uniques, and pandas answers a
                # large sorted index by binary search until a first large lookup fills its hash
                # table, which concurrent probes then each fill again (TPC-H q5 at SF10: 0.44 s
                # per 1M probe rows against 0.045 s): slots are the positions in a shuffled copy
                perm = np.random.default_rng(0).permutation(len(uniques))
                where = np.empty_like(perm)
                where[perm] = np.arange(len(perm))
                uniques, slots = uniques[perm], where[slots]
            self.hash_index = pd.Index(uniques)
            self.hash_index.get_indexer(uniques[:1])  # build the hash table now, before threads share it
            nslots = len(uniques)
        self.nslots = nslots
        first = np.full(nslots + 1, -1, dtype=np.int32 if n < 2**31 else np.int64)
        first[slots] = rows
        # unique when every row won its own slot (a repeated key leaves one of its rows unwritten)
        self.unique = bool(np.array_equal(first[slots], rows))
        self.order = self.run_start = self.run_length = None
        if not self.unique and pairs:
            by_slot = np.argsort(slots, kind="stable")
            sorted_slots = slots[by_slot]
            starts = _run_starts(sorted_slots)
            self.order = rows[by_slot]
            self.run_start = np.append(starts, 0)
            self.run_length = np.append(np.diff(np.append(starts, len(by_slot))), 0)
            first[sorted_slots[starts]] = np.arange(len(starts))
        self.first = first
        self.rows, self.slots = (None, None) if pairs else (rows, slots)

    def lookup(self, table: pa.Table, keys) -> np.ndarray:
        """Each row's slot for the key columns ``keys`` of ``table`` (the empty last slot, or -1,
        where it cannot match)."""
        values, valid = self.encoder.columns(table, keys)
        code, valid = self.encoder.encode(values, valid)
        if self.hash_index is not None:
            slots = self.hash_index.get_indexer(code)
        else:
            # one unsigned comparison bounds both ends: codes below lo wrap around to huge values
            off = (code - self.lo) if self.lo else code
            slots = np.minimum(off.view(np.uint64), np.uint64(self.span)).view(np.int64)
            if self.ranks is not None:
                slots = self.ranks.slots(slots)
        if valid is not None:
            slots = np.where(valid, slots, -1)
        return slots

    def matches(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probe rows, build rows) of every matching pair, in probe order."""
        if self.unique:
            build = self.first[slots]
            probe = np.flatnonzero(build >= 0)
            return probe, build[probe]
        if self.order is None:
            raise AssertionError("this index was built without row pairs (for a semi or anti join)")
        run = self.first[slots]
        counts = self.run_length[run]
        total = int(counts.sum())
        probe = np.repeat(np.arange(len(slots), dtype=np.int64), counts)
        ends = np.cumsum(counts)
        within = np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
        build = self.order[np.repeat(self.run_start[run], counts) + within]
        return probe, build

    def has_match(self, slots: np.ndarray) -> np.ndarray:
        """Per probe row: whether any build row has its key."""
        return self.first[slots] >= 0

    def build_rows_found(self, slots: np.ndarray) -> np.ndarray:
        """Per build row: whether any of the probe rows with these slots has its key."""
        if self.unique:
            found = np.zeros(self.num_rows, dtype=bool)
            rows = self.first[slots]
            found[rows[rows >= 0]] = True
            return found
        hit = np.zeros(self.nslots + 1, dtype=bool)
        hit[slots] = True
        hit[-1] = False  # the empty slot that probe keys without a match point to
        found = np.zeros(self.num_rows, dtype=bool)
        found[self.rows] = hit[self.slots]
        return found


def build_index(table: pa.Table, keys: tuple[str, ...], pairs: bool = True) -> JoinIndex | None:
    """Index ``table`` on ``keys``; None when a key type has no exact integer code (the caller
    falls back to Arrow's hash join) or several keys' ranges do not fit one int64. ``pairs``:
    the join needs matching pairs of rows (not a semi or anti join, which only tests keys).
    A single text key is coded by the build side's distinct values (``_TextEncoder``)."""
    if len(keys) == 1 and is_text(table.schema.field(keys[0]).type):
        encoder = _TextEncoder(pc.unique(table.column(keys[0])).drop_null())
        values, valid = encoder.columns(table, keys)
        return JoinIndex(table, encoder, values, valid, pairs)
    got = _columns(table, keys)
    if got is None:
        return None
    values, valid = got
    lows, widths, total = [], [], 1
    if len(values) > 1:
        for v in values:
            vv = v if valid is None else v[valid]
            lo, hi = (int(vv.min()), int(vv.max())) if len(vv) else (0, 0)
            lows.append(lo)
            widths.append(hi - lo + 1)
            total *= hi - lo + 1
            if total >= _CODE_LIMIT:
                return None
    return JoinIndex(table, _Encoder(tuple(lows), tuple(widths)), values, valid, pairs)
