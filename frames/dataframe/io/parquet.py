"""Lazy Parquet scans: one partition per group of row groups, columns and filters pushed in.

The footers are read once when the scan is built; they give the schema, the partition layout and
the min/max statistics that let a pushed filter skip row groups (and ``key=value`` directories skip
whole files) before any data is read. The filter is then applied exactly to the rows read.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from urllib.parse import unquote
from typing import Any, Hashable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from exec import Ref, Task, repeatable
from frames.dataframe.convert import engine_schema, nan_to_null_table, normalize_table
from frames.errors import ColumnNotFoundError, DataSourceError
from frames.dataframe.expr.blockwise import filter_table
from frames.dataframe.expr.dictionary import evaluate as dictionary_evaluate
from frames.dataframe.expr.node import Lowering, memoized
from frames.dataframe.expr.runtime_filter import keep_mask, row_group_may_match
from frames.dataframe.expr.scalar import ScalarExpr, conjunction, conjuncts
from frames.dataframe.expr.scan import Scan
from frames.dataframe.io.files import expand_paths, fs_errors, hive_partitions, is_local, open_ranges
from frames.dataframe.io.pruning import filter_selectivity, may_match

TARGET_ROWS = 1_000_000  # rows per partition when splitting a file by row groups
TARGET_BYTES = 100 << 20  # uncompressed bytes per partition when splitting a file by row groups
MIN_SPLIT_ROWS = 200_000  # a smaller file is one partition (more would cost more than they share)
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


@dataclass(frozen=True)
class Piece:
    """Some row groups of one file, with the file's footer and partition values.

    Statistics and sizes are read from the footer when first asked for, column by column (opening
    SF1 lineitem decoded 848 column chunks' statistics, 25 ms, that a scan without a filter never
    reads)."""

    path: str
    row_groups: tuple[int, ...]
    num_rows: int
    nbytes: int
    partition: tuple[tuple[str, Any], ...]
    meta: Any = field(default=None, compare=False, repr=False)  # the file's footer, read once
    dictionary_columns: frozenset[str] = frozenset()  # string columns worth reading as dictionaries
    footer_key: tuple | None = field(default=None, compare=False, repr=False)  # a local file's (path, size, mtime_ns)

    def __reduce__(self):
        """A local file's piece travels without its footer: a worker process takes it from its own
        cache (``_cached_footer``, read from the file once per process), since pickling the
        FileMetaData into every scan task cost TPC-H SF1 about 1 s on the processes scheduler."""
        values = tuple(getattr(self, f.name) for f in fields(self))
        if self.footer_key is None:
            return (Piece, values)
        return (_piece_with_cached_footer, values[:5] + values[6:])

    @cached_property
    def stats(self) -> tuple["_RowGroupStats", ...]:
        """Per row group, each column's (min, max, nulls, count), read on first use."""
        index = _column_index(self.meta)
        return tuple(_RowGroupStats(self.meta, rg, index) for rg in self.row_groups)

    @cached_property
    def column_bytes(self) -> dict[str, int]:
        """Arrow bytes per top-level column in these row groups (``_arrow_bytes``)."""
        types = {f.name: f.type for f in self.meta.schema.to_arrow_schema()}
        sizes: dict[str, int] = {}
        for rg in self.row_groups:
            group = self.meta.row_group(rg)
            for j in range(group.num_columns):
                c = group.column(j)
                top = c.path_in_schema.split(".", 1)[0]
                sizes[top] = sizes.get(top, 0) + _arrow_bytes(c, types.get(top), group.num_rows)
        return sizes

    def scaled(self, row_groups: tuple[int, ...]) -> "Piece":
        """This piece restricted to ``row_groups``."""
        meta = self.meta
        return replace(self, row_groups=row_groups, num_rows=sum(meta.row_group(rg).num_rows for rg in row_groups),
                       nbytes=sum(meta.row_group(rg).total_byte_size for rg in row_groups))


class _RowGroupStats(Mapping):
    """One row group's (min, max, nulls, count) by column name, decoded from the footer when a
    column is first asked for; columns without statistics are absent."""

    __slots__ = ("meta", "rg", "index", "cache")

    def __init__(self, meta: pq.FileMetaData, rg: int, index: dict[str, int]):
        self.meta, self.rg, self.index, self.cache = meta, rg, index, {}

    def __getitem__(self, name: str) -> tuple:
        if name in self.cache:
            found = self.cache[name]
        else:
            j = self.index.get(name)
            found = None if j is None else _column_stats(self.meta.row_group(self.rg).column(j))
            self.cache[name] = found
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self):
        return (name for name in self.index if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _column_index(meta: pq.FileMetaData) -> dict[str, int]:
    if meta.num_row_groups == 0:
        return {}
    group = meta.row_group(0)
    return {group.column(j).path_in_schema: j for j in range(group.num_columns)}


class _ColumnRanges(Mapping):
    """Each column's (min, max, nulls, count) over some pieces' row groups, merged on first use."""

    def __init__(self, pieces: tuple[Piece, ...]):
        self.pieces, self.cache = pieces, {}

    def __getitem__(self, name: str) -> tuple:
        if name not in self.cache:
            merged = None
            for piece in self.pieces:
                for group in piece.stats:
                    st = group.get(name)
                    if st is None:
                        continue
                    if merged is None:
                        merged = list(st)
                        continue
                    lo, hi = st[0], st[1]
                    try:
                        merged[0] = lo if merged[0] is None or (lo is not None and lo < merged[0]) else merged[0]
                        merged[1] = hi if merged[1] is None or (hi is not None and hi > merged[1]) else merged[1]
                    except TypeError:
                        merged[0] = merged[1] = None
            self.cache[name] = None if merged is None else tuple(merged)
        if self.cache[name] is None:
            raise KeyError(name)
        return self.cache[name]

    def __iter__(self):
        names = {n for p in self.pieces for n in _column_index(p.meta)}
        return (n for n in sorted(names) if n in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


DICTIONARY_SHARE = 0.1  # a string column whose dictionary pages are below this share of its bytes


def _dictionary_columns(meta: pq.FileMetaData, row_groups: list[int], strings: set[str]) -> frozenset[str]:
    """Top-level string columns whose dictionary page is small in every row group: few distinct
    values. Arrow decodes those to dictionary arrays without materializing a string per row;
    the strings are made after the scan's filter (SF1 ``l_returnflag`` + ``l_linestatus``: 0.04 s
    read as dictionaries against 0.34 s as ``string_view``, plus 0.15 s against 0.22 s to turn
    them into plain strings)."""
    found: set[str] | None = None
    positions = [j for name, j in _column_index(meta).items() if name in strings]
    for rg in row_groups:
        group = meta.row_group(rg)
        small = set()
        for j in positions:
            c = group.column(j)
            if c.physical_type != "BYTE_ARRAY" or not c.has_dictionary_page:
                continue
            dictionary = c.data_page_offset - c.dictionary_page_offset
            if 0 < dictionary <= DICTIONARY_SHARE * c.total_compressed_size:
                small.add(c.path_in_schema)
        found = small if found is None else found & small
    return frozenset(found or ())


def _arrow_bytes(column: pq.ColumnChunkMetaData, arrow_type: pa.DataType | None, num_rows: int) -> int:
    """Bytes a column chunk takes once read into Arrow, as joins compare sizes (and the adaptive
    join measures them, ``Table.nbytes``). The footer's uncompressed size is that of the encoded
    pages: dictionary and run-length encoding make it 20-30x smaller than the values for TPC-H's
    decimals and flags (``l_quantity``: 0.76 bytes a row against 16), which made lineitem look
    small enough to broadcast. Fixed-width values take their width; strings their offsets plus
    at least the lengths the statistics' min and max suggest."""
    if arrow_type is not None:
        if pa.types.is_boolean(arrow_type):
            return num_rows // 8 + 1
        try:
            return arrow_type.byte_width * num_rows
        except ValueError:  # not fixed-width
            pass
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_string_view(arrow_type) \
                or pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
            st = column.statistics
            guess = 0
            if st is not None and st.has_min_max and isinstance(st.min, (str, bytes)) and isinstance(st.max, (str, bytes)):
                guess = (len(st.min) + len(st.max)) // 2 * num_rows
            return max(column.total_uncompressed_size, guess) + 4 * num_rows
    return column.total_uncompressed_size


def _column_stats(col: pq.ColumnChunkMetaData) -> tuple | None:
    st = col.statistics
    if st is None:
        return None
    lo, hi = (st.min, st.max) if st.has_min_max else (None, None)
    nulls = st.null_count if st.has_null_count else None  # None: unknown
    return (lo, hi, nulls, st.num_values + (nulls or 0))


def _infer_partition_value(text: str) -> Any:
    """Like ``pyarrow.dataset`` hive partitioning: URL-decoded; integers are int32, else strings."""
    text = unquote(text)
    if text == HIVE_NULL:
        return None
    try:
        value = int(text)
    except ValueError:
        return text
    return value if -(2**31) <= value < 2**31 else text


@dataclass(frozen=True, eq=False)
class ParquetScan(Scan):
    """Read Parquet files lazily; ``pieces`` are what survive pruning, ``all_pieces`` what exist."""

    fs: Any
    all_pieces: tuple[Piece, ...]
    file_schema: pa.Schema
    partition_fields: tuple[tuple[str, pa.DataType], ...] = ()
    read_columns: tuple[str, ...] | None = None
    filter: ScalarExpr | None = None
    source: str = ""
    # output columns left dictionary-encoded where read so (for an aggregation's keys only: see
    # ``frames.dataframe.expr.optimize.encode_group_keys``); the schema still says string
    dictionary_outputs: frozenset[str] = frozenset()
    # (column, source node, source key column, rows): a join's small side whose key values restrict
    # this scan at run time: its row groups, and its rows too when ``rows``
    # (``frames.dataframe.expr.runtime_filter``)
    runtime_filters: tuple = ()
    # float NaN read as a missing value, as pandas and Dask treat it (``frames.read_parquet``); SQL
    # keeps NaN a number, as DuckDB does (a file written by pandas holds nulls, other writers NaN)
    nan_is_null: bool = False

    label = "parquet-scan"

    def full_schema(self) -> pa.Schema:
        return engine_schema(pa.schema(list(self.file_schema) + [pa.field(n, t) for n, t in self.partition_fields]))

    @cached_property
    def pieces(self) -> tuple[Piece, ...]:
        """The pieces left after pruning, each with only its row groups that may match.

        When nothing can match, one piece without row groups remains: the scan still has a
        partition (an empty table with the right schema) and EXPLAIN shows ``row_groups=0/n``.
        """
        if self.filter is None:
            return self.all_pieces
        on_partitions = self._partition_predicate()
        verdicts: dict[tuple, bool] = {}
        kept = []
        for piece in self.all_pieces:
            if on_partitions is not None:
                if piece.partition not in verdicts:
                    verdicts[piece.partition] = self._partition_may_match(piece.partition, on_partitions)
                if not verdicts[piece.partition]:
                    continue
            groups = [rg for rg, st in zip(piece.row_groups, piece.stats) if self._may_match(piece, st)]
            if len(groups) == len(piece.row_groups):
                kept.append(piece)
            elif groups:
                kept.append(piece.scaled(tuple(groups)))
        if not kept and self.all_pieces:
            kept.append(self.all_pieces[0].scaled(()))
        return tuple(kept)

    def _may_match(self, piece: Piece, rg_stats: Mapping) -> bool:
        if piece.partition:
            n = max(piece.num_rows, 1)
            values = {name: (None, None, n, n) if value is None else (value, value, 0, n) for name, value in piece.partition}
            rg_stats = ChainMap(values, rg_stats)
        return may_match(self.filter, rg_stats)

    def _partition_predicate(self) -> ScalarExpr | None:
        """The filter's conjuncts that read only hive partition columns (any expression, not just
        comparisons: they are evaluated on each file's partition values)."""
        names = {n for n, _ in self.partition_fields}
        if not names:
            return None
        parts = [c for c in conjuncts(self.filter) if c.columns() and c.columns() <= names]
        return conjunction(parts)

    def _partition_may_match(self, partition: tuple, predicate: ScalarExpr) -> bool:
        values = dict(partition)
        types = dict(self.partition_fields)
        one_row = pa.table({c: pa.array([values.get(c)], types[c]) for c in sorted(predicate.columns())})
        try:
            return filter_table(one_row, predicate).num_rows > 0
        except Exception:  # noqa: BLE001 - cannot tell (a type error the row-level filter will report): keep
            return True

    def _npartitions(self) -> int:
        return len(self.pieces)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        out_schema = self.schema
        filter_cols = sorted(self.filter.columns()) if self.filter is not None else []
        wanted = list(out_schema.names)
        needed = wanted + [c for c in filter_cols if c not in wanted]
        file_cols = [c for c in needed if c in self.file_schema.names]
        keys = []
        local = is_local(self.fs)
        runtime = self._lower_runtime_filters(lowering)
        for i, piece in enumerate(self.pieces):
            key = (self.name, i)
            task_piece = replace(piece)  # a fresh copy: statistics decoded for pruning do not travel with the task
            head = (read_local_piece,) if local else (read_piece, self.fs)
            lowering.graph[key] = Task(*head, task_piece, file_cols, dict(self.partition_fields), needed,
                                       self.filter, out_schema, self.dictionary_outputs, runtime, self.nan_is_null)
            keys.append(key)
        return keys

    def _lower_runtime_filters(self, lowering: Lowering) -> list[tuple[str, Ref, bool]]:
        """One task per (source, key) gathering the source's distinct key values, shared by every
        scan the keys restrict; the read tasks depend on it."""
        from frames.dataframe.expr.runtime_filter import source_keys

        out = []
        for column, source, source_column, rows in self.runtime_filters:
            key = (f"runtime-keys-{source.name}-{source_column}", 0)
            if key not in lowering.graph:
                lowering.graph[key] = Task(source_keys, [Ref(k) for k in lowering.keys(source)], source_column)
            out.append((column, Ref(key), rows))
        return out

    @memoized
    def estimated_bytes(self) -> float:
        """Arrow size of the columns read in the row groups kept (from the footers), times the
        share of rows the filter is guessed to keep."""
        names = set(self.schema.names)
        total = 0.0
        for p in self.pieces:
            total += sum(b for c, b in p.column_bytes.items() if c in names)
            total += 4.0 * p.num_rows * sum(1 for c, _ in p.partition if c in names)
        return total * self.selectivity()

    @memoized
    def selectivity(self) -> float:
        return filter_selectivity(self.filter, self._column_ranges)

    @memoized
    def estimated_rows(self) -> float:
        return sum(p.num_rows for p in self.pieces) * self.selectivity()

    def distinct_count(self, columns: tuple[str, ...]) -> float | None:
        """The product of the columns' value ranges (integers and dates, from the footers' min and
        max), at most the rows kept: TPC-DS surrogate keys are dense, so the range of a key is its
        number of values (18k items; inventory's item column the same 18k over 11.7M rows)."""
        import datetime

        total = 1.0
        for c in columns:
            try:
                lo, hi = self._column_ranges[c][:2]
            except KeyError:
                return None
            if isinstance(lo, datetime.date) and isinstance(hi, datetime.date):
                lo, hi = lo.toordinal(), hi.toordinal()
            if not (isinstance(lo, int) and isinstance(hi, int)) or isinstance(lo, bool):
                return None
            total *= hi - lo + 1
        return min(total, max(self.estimated_rows(), 1.0))

    @cached_property
    def _column_ranges(self) -> Mapping:
        """Each column's (min, max, nulls, count) over the row groups scanned, from the footers."""
        return _ColumnRanges(self.pieces)

    def describe(self) -> str:
        read = list(self.schema.names) + sorted(c for c in (self.filter.columns() if self.filter is not None else []) if c not in self.schema.names)
        cols = ", ".join(read)  # every column the scan reads, those only its filter needs included
        total_rg = sum(len(p.row_groups) for p in self.all_pieces)
        kept_rg = sum(len(p.row_groups) for p in self.pieces)
        files = len({p.path for p in self.all_pieces})
        kept_files = len({p.path for p in self.pieces if p.row_groups or self.filter is None})
        filt = f" filter={self.filter!r}" if self.filter is not None else ""
        encoded = f" encoded=[{', '.join(sorted(self.dictionary_outputs))}]" if self.dictionary_outputs else ""
        if self.runtime_filters:
            encoded += f" runtime_filters=[{', '.join(f'{c} in {s.name}.{k}' + ('' if r else ' (row groups)') for c, s, k, r in self.runtime_filters)}]"
        return f"ParquetScan {self.source} columns=[{cols}]{filt}{encoded} row_groups={kept_rg}/{total_rg} files={kept_files}/{files}"


def read_piece(fs, piece: Piece, file_cols: list[str], partition_types: dict, needed: list[str],
               predicate: ScalarExpr | None, out_schema: pa.Schema, encoded: frozenset[str] = frozenset(),
               runtime: list[tuple[str, Any, bool]] = (), nan_is_null: bool = False) -> pa.Table:
    """One partition: the piece's row groups (``fs`` None: a local path), partition columns, filter.
    Columns in ``encoded`` stay dictionaries where the piece reads them so. ``runtime``: (column,
    ``KeySet`` or None, rows) from joins' small sides: row groups without any of the keys are
    skipped, and with ``rows`` the rows without one dropped. ``nan_is_null``: float NaNs become
    nulls before the filter (pandas' missing value)."""
    runtime = [(c, keys, rows) for c, keys, rows in runtime if keys is not None]
    if runtime:
        piece = _runtime_row_groups(piece, runtime)
    if not piece.row_groups:
        return out_schema.empty_table()
    try:
        # read as dictionaries only where something gains from it: a filter (rows it drops never
        # become strings) or group keys left encoded (``encoded``). Arrow hashes every value to
        # build them, so a plain read (persist) took twice as long: 1.68 s against 0.77 s for h2o's
        # 1e7-row x table, one thread
        gains = predicate is not None or bool(encoded) or any(rows for _, _, rows in runtime)
        dictionary = ([c for c in file_cols if c in piece.dictionary_columns] or None) if gains else None
        if fs is None:  # a local file: Arrow's own reader, without a Python file object in between
            # pre_buffer=False: coalesced pre-buffering made SF1 lineitem reads 3x slower on local
            # disk (1.37 s against 0.44 s for Q1's 7 columns on 2 threads); it pays off on S3 only.
            pf = pq.ParquetFile(piece.path, metadata=piece.meta, pre_buffer=False, read_dictionary=dictionary)
            table = pf.read_row_groups(list(piece.row_groups), columns=file_cols, use_threads=False)
        else:
            with open_ranges(fs, piece.path) as f:
                pf = pq.ParquetFile(f, metadata=piece.meta, pre_buffer=True, read_dictionary=dictionary)
                table = pf.read_row_groups(list(piece.row_groups), columns=file_cols, use_threads=False)
    except (*fs_errors(), pa.ArrowException) as exc:
        raise DataSourceError(f"cannot read {piece.path!r}: {exc}") from None
    table = table.replace_schema_metadata(None)
    # Dictionary columns stay dictionaries until after the filter, which computes what it asks of
    # them on their dictionaries: rows dropped never become strings.
    if not dictionary:
        table = normalize_table(table)
    else:
        table = normalize_table(table, [c for c in table.column_names if c not in dictionary])
    if nan_is_null:
        table = nan_to_null_table(table)
    values = dict(piece.partition)
    for name, kind in partition_types.items():
        if name in needed:  # a file without this key (shallower directory) gets NULLs
            value = values.get(name)
            table = table.append_column(name, pa.nulls(table.num_rows, kind) if value is None
                                        else pa.repeat(pa.scalar(value, kind), table.num_rows))
    for column, keys, rows in runtime:
        mask = keep_mask(table.column(column), keys) if rows else None
        if mask is not None:
            table = table.filter(pa.array(mask))
    if predicate is not None:
        table = filter_table(table, predicate, dictionary_evaluate if dictionary else None, keep=out_schema.names)
    table = table.select(out_schema.names)
    if not dictionary:
        return table
    return normalize_table(table, [c for c in table.column_names if c not in encoded]) if encoded else normalize_table(table)


@repeatable
def read_local_piece(piece: Piece, *args: Any) -> pa.Table:
    """``read_piece`` of a local file: read again under a memory limit rather than spilled (the
    file is on this machine's disk already; its columns decode in about the time a spill file
    takes to write and load). A remote file (S3) is spilled: reading it again costs a download.
    A file changed since planning is an error, never rows of two versions in one answer."""
    if piece.footer_key is not None:
        _check_unchanged(piece.footer_key)
    return read_piece(None, piece, *args)


def _runtime_row_groups(piece: Piece, runtime: list[tuple[str, Any, bool]]) -> Piece:
    """``piece`` without the row groups whose statistics hold none of a runtime filter's keys."""
    index = _column_index(piece.meta)
    kept = []
    for rg in piece.row_groups:
        group = piece.meta.row_group(rg)
        ok = True
        for column, keys, _ in runtime:
            j = index.get(column)
            st = _column_stats(group.column(j)) if j is not None else None
            if st is not None and not row_group_may_match(keys, st[0], st[1]):
                ok = False
                break
        if ok:
            kept.append(rg)
    return piece if len(kept) == len(piece.row_groups) else piece.scaled(tuple(kept))


def read_parquet_node(path: str | Sequence[str], columns: Sequence[str] | None = None, filters: Any = None,
                      storage_options: dict | None = None, split_row_groups: Any = "auto", **kwargs: Any) -> ParquetScan:
    if kwargs:
        from frames.errors import InvalidArgumentError

        raise InvalidArgumentError(f"read_parquet got unknown options: {sorted(kwargs)}")
    fs, files, base = expand_paths(path, storage_options, suffixes=(".parquet", ".parq", ".pq"))
    metas = _read_footers(fs, files)
    keys = [None] * len(files)
    if is_local(fs):
        keys = [_footer_key(f) for f in files]
        for key, meta in zip(keys, metas):
            _remember_footer(key, meta)
    pieces: list[Piece] = []
    schema: pa.Schema | None = None
    schema_file = None
    partition_fields: dict[str, pa.DataType] = {}
    for file, meta, key in zip(files, metas, keys):
        file_schema = meta.schema.to_arrow_schema().remove_metadata()
        if schema is None:
            schema, schema_file = file_schema, file
        elif not _compatible(file_schema, schema):
            raise DataSourceError(f"Parquet files have different schemas: {schema_file!r} has {_render(schema)} "
                                  f"but {file!r} has {_render(file_schema)}")
        string_columns = {f.name for f in file_schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                          or pa.types.is_string_view(f.type)}
        partition = tuple((k, _infer_partition_value(v)) for k, v in hive_partitions(file, base)
                          if k not in file_schema.names)
        for k, v in partition:
            t = partition_fields.get(k)
            if v is not None:
                kind = pa.int32() if isinstance(v, int) else pa.string()
                t = kind if t is None or t == kind or t == pa.null() else pa.string()
            partition_fields[k] = t if t is not None else pa.null()
        for g in _group_row_groups(meta, split_row_groups):
            num_rows = sum(meta.row_group(rg).num_rows for rg in g)
            nbytes = sum(meta.row_group(rg).total_byte_size for rg in g)
            dictionary = _dictionary_columns(meta, g, string_columns)
            pieces.append(Piece(file, tuple(g), num_rows, nbytes, partition, meta, dictionary, key))
    partition_fields = {k: (pa.string() if t == pa.null() else t) for k, t in partition_fields.items()}
    # partition values typed consistently across files
    fixed = []
    for p in pieces:
        part = tuple((k, str(v) if v is not None and partition_fields[k] == pa.string() else v) for k, v in p.partition)
        fixed.append(replace(p, partition=part))
    source = path if isinstance(path, str) else f"{len(files)} files"
    node = ParquetScan(fs, tuple(fixed), schema, tuple(partition_fields.items()), source=str(source).rsplit("/", 1)[-1] or str(source))
    if columns is not None:
        missing = [c for c in columns if c not in node.full_schema().names]
        if missing:
            raise ColumnNotFoundError(missing[0], node.full_schema().names, where=f"Parquet file {files[0]!r}")
        node = replace(node, read_columns=tuple(columns))
    if filters is not None:
        node = node.with_filter(_filters_to_expr(filters))
    return node


_FOOTERS: dict[tuple, pq.FileMetaData] = {}  # this process's footers of local files, by (path, size, mtime_ns)
_FOOTERS_MAX = 512
_FOOTERS_LOCK = __import__("threading").Lock()


def _footer_key(file: str) -> tuple:
    st = os.stat(file)
    return (file, st.st_size, st.st_mtime_ns)


def _remember_footer(key: tuple, meta: pq.FileMetaData) -> None:
    with _FOOTERS_LOCK:
        if len(_FOOTERS) >= _FOOTERS_MAX:
            _FOOTERS.pop(next(iter(_FOOTERS)))
        _FOOTERS[key] = meta


def _cached_footer(key: tuple) -> pq.FileMetaData:
    """The footer of the local file ``key`` names, read once per process. A file whose size or
    modification time differs from when the scan was planned is a ``DataSourceError``: the row
    groups the task was given may no longer exist."""
    meta = _FOOTERS.get(key)
    if meta is not None:
        return meta
    path = key[0]
    _check_unchanged(key)
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, pa.ArrowException) as exc:
        raise DataSourceError(f"{path!r} is not a readable Parquet file: {exc}") from None
    _remember_footer(key, meta)
    return meta


def _check_unchanged(key: tuple) -> None:
    """A ``DataSourceError`` unless the local file ``key`` names still has that size and
    modification time: the row groups a task was given may no longer exist."""
    path = key[0]
    try:
        now = _footer_key(path)
    except OSError as exc:
        raise DataSourceError(f"cannot read {path!r}: {exc}") from None
    if now != key:
        raise DataSourceError(f"Parquet file {path!r} changed after the query was planned "
                              f"(size {key[1]} -> {now[1]}, mtime_ns {key[2]} -> {now[2]}): run it again")


def _piece_with_cached_footer(path, row_groups, num_rows, nbytes, partition, dictionary_columns, footer_key) -> Piece:
    return Piece(path, row_groups, num_rows, nbytes, partition, _cached_footer(footer_key), dictionary_columns, footer_key)


def _read_footer(fs, file: str) -> pq.FileMetaData:
    try:
        if is_local(fs):
            return pq.ParquetFile(file).metadata
        with open_ranges(fs, file) as f:
            return pq.ParquetFile(f).metadata
    except (*fs_errors(), pa.ArrowException, ValueError) as exc:
        raise DataSourceError(f"{file!r} is not a readable Parquet file: {exc}") from None


def _read_footers(fs, files: list[str]) -> list[pq.FileMetaData]:
    """Every file's footer, once (concurrently when there are many: remote stores have latency)."""
    if len(files) < 4:
        return [_read_footer(fs, f) for f in files]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(16, len(files))) as pool:
        return list(pool.map(lambda f: _read_footer(fs, f), files))


def _compatible(a: pa.Schema, b: pa.Schema) -> bool:
    """Same column names and engine types; order, nullability and metadata may differ (tasks read
    columns by name and put them in the scan's order)."""
    a, b = engine_schema(a), engine_schema(b)
    if len(set(a.names)) != len(a.names):
        return a.names == b.names and all(x.type.equals(y.type) for x, y in zip(a, b))
    return sorted(a.names) == sorted(b.names) and all(f.type.equals(b.field(f.name).type) for f in a)


def _render(schema: pa.Schema) -> str:
    return "(" + ", ".join(f"{f.name}: {f.type}" for f in schema) + ")"


def _group_row_groups(meta: pq.FileMetaData, split_row_groups: Any) -> list[list[int]]:
    """Row groups of one file, grouped into partitions.

    ``"auto"``: about TARGET_ROWS rows or TARGET_BYTES uncompressed bytes each, as evenly as the
    row groups allow, and for a file of at least MIN_SPLIT_ROWS rows a multiple of the workers: a
    partition is a task per stage, so a 600k-row file in one partition ran every stage on one
    core (TPC-H SF0.1), and SF1 lineitem's 53 row groups in partitions of 8, ..., 8, 5 left a
    worker idle in each stage's last round. ``True``: one row group each; an integer n: n row
    groups each; ``False``: the whole file.
    """
    n = meta.num_row_groups
    if n == 0:
        return [[]]
    if split_row_groups is False or split_row_groups is None:
        return [list(range(n))]
    if split_row_groups is True:
        return [[rg] for rg in range(n)]
    if isinstance(split_row_groups, int):
        if split_row_groups < 1:
            from frames.errors import InvalidArgumentError

            raise InvalidArgumentError(f"split_row_groups must be a positive integer, got {split_row_groups}")
        return [list(range(i, min(i + split_row_groups, n))) for i in range(0, n, split_row_groups)]
    if split_row_groups != "auto":
        from frames.errors import InvalidArgumentError

        raise InvalidArgumentError(f"split_row_groups must be 'auto', True, False or an integer, not {split_row_groups!r}")
    rows = [meta.row_group(rg).num_rows for rg in range(n)]
    sizes = [meta.row_group(rg).total_byte_size for rg in range(n)]
    parts = max(-(-sum(rows) // TARGET_ROWS), -(-sum(sizes) // TARGET_BYTES), 1)
    workers = os.cpu_count() or 1
    if parts > 1 or sum(rows) >= MIN_SPLIT_ROWS:
        parts = -(-max(parts, workers) // workers) * workers  # a multiple of the workers: none idles
    return _balanced(rows, min(parts, n))


def _balanced(rows: list[int], parts: int) -> list[list[int]]:
    """Consecutive row groups cut into ``parts`` runs of about equal rows (a boundary falls where
    the running total passes a multiple of ``total / parts``)."""
    total = sum(rows)
    groups: list[list[int]] = [[]]
    seen = 0
    for rg, count in enumerate(rows):
        boundary = total * len(groups) / parts
        if groups[-1] and seen + count / 2 > boundary and len(groups) < parts:
            groups.append([])
        groups[-1].append(rg)
        seen += count
    return groups


def _filters_to_expr(filters: Any) -> ScalarExpr:
    """Accept a ScalarExpr or pyarrow-style ``[(col, op, value), ...]`` conjunctions."""
    from frames.dataframe.expr.scalar import Col, Lit, call, conjunction

    if isinstance(filters, ScalarExpr):
        return filters
    ops = {"=": "eq", "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
    parts = []
    for column, op, value in filters:
        if op == "in":
            parts.append(call("is_in", Col(column), values=tuple(value)))
        elif op == "not in":
            parts.append(call("not", call("is_in", Col(column), values=tuple(value))))
        elif op in ops:
            parts.append(call(ops[op], Col(column), Lit(value)))
        else:
            from frames.errors import InvalidArgumentError

            raise InvalidArgumentError(f"unsupported filter operator {op!r}")
    return conjunction(parts)
