"""Lazy CSV scans: files split into byte ranges, parsed with ``pyarrow.csv`` against one schema.

Two fronts build the same scan: ``read_csv_node`` takes pandas' / Dask's arguments (no type is
guessed that pandas would not guess: dates stay strings unless ``parse_dates`` says so), and
``frames.dataframe.io.csv_sniff`` takes DuckDB's ``read_csv`` options and sniffs the dialect, header and
types as DuckDB does. Both describe the text with a ``CsvDialect`` and the columns with a
``CsvLayout``; ``read_block`` parses one partition with them.

The schema is inferred once from a sample of the first file and then imposed on every block, so
partitions always agree. A block starting mid-line skips to the next line; a block reads past its
end to finish its last line: every line is parsed by exactly one block. A compressed file (by its
name: .gz, .bz2, .zst, .xz, .lz4) cannot be entered mid-stream and is one block.

Quoted fields holding line breaks cannot be split that way (a block boundary may fall inside one).
When the sample has such fields, files are read whole (with pyarrow's ``newlines_in_values``) and a
file larger than ``blocksize`` is refused with a message saying to pass ``blocksize=None``.

Rows are never merged or dropped silently: a row with the wrong number of fields is an error naming
the file and line (or skipped when asked), and so is a quote that is never closed (it would swallow
the following lines into one field).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, replace
from typing import Any, Hashable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from exec import Task
from frames.dataframe.convert import engine_schema, normalize_table
from frames.dataframe.dtypes import to_arrow_type
from frames.errors import ColumnNotFoundError, DataSourceError, InvalidArgumentError
from frames.dataframe.expr.blockwise import filter_table
from frames.dataframe.expr.node import Lowering, memoized
from frames.dataframe.expr.scalar import ScalarExpr
from frames.dataframe.expr.scan import Scan
from frames.dataframe.io.files import (Block, ascii_compatible, compression_of, expand_paths, fs_errors,  # noqa: F401 - re-exported
                                       open_text, read_range, split_ranges)
from frames.dataframe.io.pruning import filter_selectivity

SAMPLE_BYTES = 1 << 20

CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")

PANDAS_NA_VALUES = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
                    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
"""The strings pandas' ``read_csv`` reads as missing by default (``keep_default_na=True``)."""


def parse_size(value: int | str | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip().upper().replace("IB", "B")
    for suffix, mult in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if text.endswith(suffix):
            try:
                return int(float(text[: -len(suffix)]) * mult)
            except ValueError:
                break
    raise InvalidArgumentError(f"blocksize {value!r} is not a size like 64MB or an integer")


@dataclass(frozen=True)
class CsvDialect:
    """How text becomes rows and fields, and which strings are NULL (one for all files of a scan).

    ``skip_hint`` / ``dtype_hint`` are the user's words for skipping bad rows and for giving a
    column's type (pandas' ``on_bad_lines='skip'`` / ``dtype=``, DuckDB's ``ignore_errors=true`` /
    ``types=``), so error messages say what to do in the API the user called.
    """

    sep: str = ","
    quote: str | None = '"'
    escape: str | None = None
    double_quote: bool = True
    header: bool = True
    skip_rows: int = 0
    null_values: tuple[str, ...] = ("",)
    encoding: str = "utf-8"
    bad_rows: str = "error"  # "error" | "skip" | "warn" (skip, and say how many and where)
    timestamp_formats: tuple[str, ...] = ()  # strptime formats tried after ISO 8601
    newlines_in_values: bool = False
    skip_bad_values: bool = False  # rows with a value their column's type cannot hold are skipped (DuckDB's ignore_errors)
    true_values: tuple[str, ...] | None = None  # None: pyarrow's (1, true, True, TRUE)
    false_values: tuple[str, ...] | None = None
    skip_hint: str = "on_bad_lines='skip'"
    dtype_hint: str = "dtype={name: ...}"

    def parse_options(self, handler=None) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(delimiter=self.sep, quote_char=self.quote if self.quote else False,
                                  escape_char=self.escape if self.escape else False, double_quote=self.double_quote,
                                  newlines_in_values=self.newlines_in_values, invalid_row_handler=handler)

    def convert_options(self, column_types=None, include=None) -> pacsv.ConvertOptions:
        parsers = [pacsv.ISO8601, *self.timestamp_formats]
        booleans = {} if self.true_values is None else {"true_values": list(self.true_values), "false_values": list(self.false_values or ())}
        return pacsv.ConvertOptions(column_types=column_types, include_columns=include, null_values=list(self.null_values),
                                    strings_can_be_null=True, quoted_strings_can_be_null=True, timestamp_parsers=parsers, **booleans)


@dataclass(frozen=True)
class Combined:
    """A column made of several file columns joined with spaces and parsed as a timestamp (pandas'
    ``parse_dates={"Date": ["Year", "Month", "Day"]}``)."""

    name: str
    sources: tuple[str, ...]
    format: str | None  # strptime format of the joined text; None: ISO 8601
    keep_sources: bool = False


@dataclass(frozen=True)
class CsvLayout:
    """The columns: what the file has (``names``, parsed as ``parse_schema``), what the scan shows.

    ``casts`` turn parsed columns into their final types (a date read with a custom format parses as
    a timestamp, then becomes a date); ``combined`` columns come first, ``path_column`` last.
    """

    names: tuple[str, ...]
    parse_schema: pa.Schema
    casts: tuple[tuple[str, pa.DataType], ...] = ()
    combined: tuple[Combined, ...] = ()
    path_column: str | None = None

    def output_schema(self) -> pa.Schema:
        casts = dict(self.casts)
        fields = [pa.field(c.name, pa.timestamp("us")) for c in self.combined]
        hidden = {s for c in self.combined if not c.keep_sources for s in c.sources}
        fields += [pa.field(f.name, casts.get(f.name, f.type)) for f in self.parse_schema if f.name not in hidden]
        if self.path_column is not None:
            fields.append(pa.field(self.path_column, pa.string()))
        return engine_schema(pa.schema(fields))

    def physical(self, columns: Sequence[str]) -> list[str]:
        """The file columns to parse for output ``columns``."""
        sources = {c.name: c.sources for c in self.combined}
        out: list[str] = []
        for name in columns:
            for col in sources.get(name, (name,)):
                if col in self.parse_schema.names and col not in out:
                    out.append(col)
        return out


@dataclass(frozen=True, eq=False)
class CsvScan(Scan):
    fs: Any
    blocks: tuple[Block, ...]
    dialect: CsvDialect
    layout: CsvLayout
    read_columns: tuple[str, ...] | None = None
    filter: ScalarExpr | None = None
    source: str = ""

    label = "csv-scan"

    def full_schema(self) -> pa.Schema:
        return self.layout.output_schema()

    def _npartitions(self) -> int:
        return len(self.blocks)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        out = self.schema
        needed = list(out.names) + [c for c in sorted(self.filter.columns() if self.filter is not None else []) if c not in out.names]
        keys = []
        for i, block in enumerate(self.blocks):
            key = (self.name, i)
            lowering.graph[key] = Task(read_block, self.fs, block, self.dialect, self.layout, needed, self.filter, out)
            keys.append(key)
        return keys

    @memoized
    def estimated_bytes(self) -> float:
        """Text bytes of the blocks (about twice their size once parsed), scaled to the columns read."""
        total = sum((b.end - b.start) if b.end >= 0 else 64 << 20 for b in self.blocks)
        return float(total) * 2 * len(self.schema) / max(len(self.full_schema()), 1) * filter_selectivity(self.filter)

    @memoized
    def selectivity(self) -> float:
        return filter_selectivity(self.filter)

    def describe(self) -> str:
        filt = f" filter={self.filter!r}" if self.filter is not None else ""
        read = list(self.schema.names) + sorted(c for c in (self.filter.columns() if self.filter is not None else []) if c not in self.schema.names)
        return f"CsvScan {self.source} columns=[{', '.join(read)}]{filt} blocks={len(self.blocks)}"


# -- reading bytes -------------------------------------------------------------------------------
def _transcode(data: bytes, encoding: str, path: str) -> bytes:
    if encoding.replace("_", "-").lower() in ("utf-8", "utf8", "ascii"):
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataSourceError(f"cannot read {path!r} as {encoding}: {exc}") from None


def split_preamble(data: bytes, skip_rows: int, header: bool) -> tuple[bytes, bytes, int]:
    """``(header line, the rest, lines consumed)`` of a file's first bytes: ``skip_rows`` lines
    dropped, then the header line taken when there is one (a UTF-8 byte-order mark is no data)."""
    pos, consumed = (3 if data.startswith(b"\xef\xbb\xbf") else 0), 0
    for _ in range(skip_rows + (1 if header else 0)):
        nl = data.find(b"\n", pos)
        line_end = len(data) if nl < 0 else nl + 1
        head = data[pos:line_end]
        pos = line_end
        consumed += 1
    head_line = head if header and consumed else b""  # type: ignore[possibly-undefined]
    return head_line, data[pos:], consumed


def _read_bytes(fs, block: Block) -> bytes:
    try:
        with open_text(fs, block.path, block.codec) as f:
            return read_range(f, block)
    except DataSourceError:
        raise
    except (*fs_errors(), EOFError, pa.ArrowException) as exc:
        raise DataSourceError(f"cannot read {block.path!r}: {exc}") from None


def _lines_before(fs, block: Block) -> int:
    """Physical lines before ``block`` (counted only to name the line of an error)."""
    if block.start <= 0:
        return 0
    with fs.open(block.path, "rb") as f:
        count, left = 0, block.start
        while left > 0:
            chunk = f.read(min(left, 1 << 24))
            if not chunk:
                break
            count += chunk.count(b"\n")
            left -= len(chunk)
        f.seek(block.start - 1)
        return count if f.read(1) == b"\n" else count + 1


# -- parsing one partition -----------------------------------------------------------------------
def read_block(fs, block: Block, dialect: CsvDialect, layout: CsvLayout, needed: list[str],
               predicate: ScalarExpr | None, out_schema: pa.Schema) -> pa.Table:
    """One partition: the lines starting in the block's byte range, parsed against the layout."""
    data = _transcode(_read_bytes(fs, block), dialect.encoding, block.path)
    offset = 0
    if block.first:
        _, data, offset = split_preamble(data, dialect.skip_rows, dialect.header)
    if not data or data.isspace():
        return out_schema.empty_table()
    if not data.endswith(b"\n"):
        data += b"\n"
    bad: list = []

    def on_bad_row(row) -> str:
        bad.append(row)
        return "error" if dialect.bad_rows == "error" else "skip"

    physical = layout.physical(needed)
    types = _parse_types(layout, physical)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=list(layout.names), use_threads=False),
            parse_options=dialect.parse_options(on_bad_row),
            convert_options=dialect.convert_options(types, physical),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        if bad and dialect.bad_rows == "error":
            raise DataSourceError(_bad_row_error(fs, block, offset, dialect, bad[-1])) from None
        if not dialect.skip_bad_values or "conversion error" not in str(exc):
            raise DataSourceError(_parse_error(block, layout, dialect, exc)) from None
        bad.clear()
        try:
            table = _convertible_rows(data, dialect, layout, physical, types, on_bad_row)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as again:
            raise DataSourceError(_parse_error(block, layout, dialect, again)) from None
    if bad and dialect.bad_rows == "warn":
        import warnings

        first = _lines_before(fs, block) + offset + (bad[0].number or 0)
        warnings.warn(f"skipped {len(bad)} malformed row(s) of CSV file {block.path!r}, the first at line {first}: "
                      f"{bad[0].text[:200]!r}", stacklevel=2)
    if dialect.quote:
        _check_unclosed_quote(fs, block, offset, dialect, data, table, len(bad))
    table = _finish(table, layout, block, needed)
    if predicate is not None:
        table = filter_table(table, predicate)
    return table.select(out_schema.names)


def _convertible_rows(data: bytes, dialect: CsvDialect, layout: CsvLayout, physical: list[str],
                      types: dict[str, pa.DataType], on_bad_row) -> pa.Table:
    """The block's rows whose values all convert to their columns' types (the others skipped, as
    DuckDB's ``ignore_errors`` does). Only after a conversion failed: the block is parsed again as
    text, and each typed column converted with Arrow's casts; the rows a cast rejects are found by
    halving the rows until each rejected one stands alone (a few casts per bad row)."""
    text = pacsv.read_csv(io.BytesIO(data), read_options=pacsv.ReadOptions(column_names=list(layout.names), use_threads=False),
                          parse_options=dialect.parse_options(on_bad_row),
                          convert_options=dialect.convert_options({n: pa.string() for n in physical}, physical))
    keep = pa.array([True] * text.num_rows)
    for name, t in types.items():
        if not pa.types.is_string(t):
            keep = pc.and_(keep, _castable(text.column(name).combine_chunks(), t, dialect))
    text = text.filter(keep)
    return pa.table({name: _cast_text(text.column(name).combine_chunks(), types[name], dialect) for name in text.column_names})


def _cast_text(values: pa.Array, t: pa.DataType, dialect: CsvDialect) -> pa.Array:
    """Text to ``t`` as the CSV reader converts it (booleans by the dialect's words, timestamps by
    its formats too); raises when a value does not convert."""
    if pa.types.is_string(t):
        return values
    if pa.types.is_boolean(t) and dialect.true_values is not None:
        trues, falses = pa.array(list(dialect.true_values)), pa.array(list(dialect.false_values or ()))
        known = pc.or_(pc.is_in(values, trues), pc.is_in(values, falses))
        if not pc.all(pc.or_kleene(known, pc.is_null(values)), min_count=0).as_py():
            raise pa.ArrowInvalid("not a boolean")
        return pc.if_else(pc.is_null(values), pa.scalar(None, pa.bool_()), pc.is_in(values, trues))
    if pa.types.is_timestamp(t) and dialect.timestamp_formats:
        try:
            return values.cast(t)
        except pa.ArrowInvalid:
            for fmt in dialect.timestamp_formats:
                parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
                if parsed.null_count == values.null_count:
                    return parsed.cast(t)
            raise
    return values.cast(t)


def _castable(values: pa.Array, t: pa.DataType, dialect: CsvDialect) -> pa.Array:
    """Which values convert to ``t`` (NULL always does)."""
    try:
        _cast_text(values, t, dialect)
        return pa.array([True] * len(values))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        if len(values) == 1:
            return pa.array([False])
    half = len(values) // 2
    return pa.concat_arrays([_castable(values.slice(0, half), t, dialect), _castable(values.slice(half), t, dialect)])


def _parse_types(layout: CsvLayout, physical: list[str]) -> dict[str, pa.DataType]:
    combined_sources = {s for c in layout.combined for s in c.sources}
    return {name: (pa.string() if name in combined_sources else layout.parse_schema.field(name).type) for name in physical}


def _finish(table: pa.Table, layout: CsvLayout, block: Block, needed: list[str]) -> pa.Table:
    """Casts, combined date columns and the path column, in the layout's order."""
    casts = dict(layout.casts)
    columns: dict[str, pa.ChunkedArray] = {}
    for c in layout.combined:
        if c.name in needed:
            columns[c.name] = _combine(table, c, block)
    for name in table.column_names:
        if name in needed and name not in columns:
            col = table.column(name)
            if name in casts:
                col = col.cast(casts[name])
            columns[name] = col
    if layout.path_column is not None and layout.path_column in needed:
        columns[layout.path_column] = pa.chunked_array([pa.repeat(pa.scalar(block.path), table.num_rows)], pa.string())
    if not columns:
        return table.select([])
    return normalize_table(pa.table(columns))


def _combine(table: pa.Table, c: Combined, block: Block) -> pa.ChunkedArray:
    parts = [table.column(s).cast(pa.string()) for s in c.sources]
    joined = pc.binary_join_element_wise(*parts, " ") if len(parts) > 1 else parts[0]
    try:
        if c.format is None:
            return joined.cast(pa.timestamp("us"))
        return pc.strptime(joined, format=c.format, unit="us")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataSourceError(f"cannot parse CSV file {block.path!r}: the date column {c.name!r} made of "
                              f"{list(c.sources)} ({exc})") from None


def _bad_row_error(fs, block: Block, offset: int, dialect: CsvDialect, row) -> str:
    line = _lines_before(fs, block) + offset + (row.number if row.number is not None else 0)
    what = f"expected {row.expected_columns} fields, saw {row.actual_columns}"
    return (f"cannot parse CSV file {block.path!r}, line {line}: {what}: {row.text[:200]!r}; "
            f"pass {dialect.skip_hint} to skip such rows")


def _check_unclosed_quote(fs, block: Block, offset: int, dialect: CsvDialect, data: bytes, table: pa.Table,
                          skipped: int) -> None:
    """Raise when a quote is never closed: it swallows the following lines into one field."""
    row = unclosed_quote_row(data, table, dialect, skipped)
    if row is not None:
        line = _lines_before(fs, block) + offset + row + 1
        raise DataSourceError(
            f"cannot parse CSV file {block.path!r}, line {line}: a field opened with {dialect.quote!r} is never "
            f"closed, so the lines after it would merge into one value; fix the file or read it without quoting")


def unclosed_quote_row(data: bytes, table: pa.Table, dialect: CsvDialect, skipped: int = 0) -> int | None:
    """The row (0-based) whose field swallowed later lines through an unclosed quote, else None.

    A quote never closed runs to the end of the text: the last row then has a field holding a line
    break whose text is the end of ``data`` (a closed one is followed by its quote). A quote closed
    lines later merges them mid-text; without quoted line breaks that shows as fewer rows than
    lines. Both checks are cheap (one row; one count of line breaks); the rows are searched only
    when one fails.
    """
    if table.num_rows == 0:
        return None
    last = table.num_rows - 1
    for value in table.slice(last).to_pylist()[0].values():
        if isinstance(value, str) and "\n" in value and data.rstrip(b"\r\n").endswith(value.rstrip("\r\n").encode()):
            return last
    if dialect.newlines_in_values:
        return None
    lines = data.count(b"\n")
    if table.num_rows + skipped >= lines:
        return None
    lines -= len(re.findall(rb"(?m)^\r?$", data)) - 1  # blank lines are no rows
    if table.num_rows + skipped >= lines:
        return None
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            hits = pc.fill_null(pc.match_substring(col, "\n"), False).combine_chunks()
            if pc.any(hits).as_py():
                return pc.index(hits, True).as_py()
    return None


def _parse_error(block: Block, layout: CsvLayout, dialect: CsvDialect, exc: Exception) -> str:
    """Name the file and the column (pyarrow only gives the column's position)."""
    text = str(exc)
    where = f"bytes {block.start}-{block.end if block.end >= 0 else 'end'}"
    m = re.search(r"column #(\d+)", text)
    if m and int(m.group(1)) < len(layout.names):
        name = layout.names[int(m.group(1))]
        hint = dialect.dtype_hint.replace("name", repr(name))
        return (f"cannot parse CSV file {block.path!r}, column {name!r} ({layout.parse_schema.field(name).type}, inferred "
                f"from the first rows or given) in {where}: {text}; pass {hint} to read it differently")
    return f"cannot parse CSV file {block.path!r} ({where}): {text}"


# -- planning: sample, infer, split ----------------------------------------------------------------
def read_sample(fs, path: str, codec: str | None, encoding: str, size: int | None = None) -> bytes:
    """The first ``size`` bytes of ``path`` (decompressed, as UTF-8), cut after the last whole line."""
    try:
        with open_text(fs, path, codec) as f:
            sample = f.read(size or SAMPLE_BYTES)
            more = f.read(1)
    except DataSourceError:
        raise
    except (*fs_errors(), EOFError, pa.ArrowException) as exc:
        raise DataSourceError(f"cannot read CSV file {path!r}: {exc}") from None
    if not sample.strip():
        raise DataSourceError(f"CSV file {path!r} is empty")
    if more and not ascii_compatible(encoding):  # decode what is whole, then cut in UTF-8
        import codecs

        sample, encoding = codecs.getincrementaldecoder(encoding)().decode(sample).encode("utf-8"), "utf-8"
    if more and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]
    return _transcode(sample, encoding, path)


def header_names(line: bytes, dialect: CsvDialect) -> list[str]:
    """The fields of a header line (quoted names unquoted); empty ones named ``column{i}``, repeats
    suffixed ``_1``, ``_2`` (as DuckDB does; pandas' ``.1`` differs only in the separator)."""
    if not line.strip():
        return []
    line = line if line.endswith(b"\n") else line + b"\n"  # pyarrow cannot parse one line without a break
    table = pacsv.read_csv(io.BytesIO(line), read_options=pacsv.ReadOptions(autogenerate_column_names=True),
                           parse_options=dialect.parse_options(),
                           convert_options=pacsv.ConvertOptions(strings_can_be_null=False, column_types={}))
    raw = ["" if v is None else str(v) for v in (table.column(i)[0].as_py() for i in range(table.num_columns))]
    names: list[str] = []
    for i, n in enumerate(raw):
        n = n or f"column{i}"
        base, k = n, 0
        while n in names:
            k += 1
            n = f"{base}_{k}"
        names.append(n)
    return names


def infer_types(body: bytes, names: list[str], dialect: CsvDialect) -> tuple[pa.Schema, bool]:
    """The types pyarrow infers from ``body`` (the sample's rows after the header), and whether a
    quoted field holds a line break (then files cannot be split into byte ranges)."""
    if not body.strip():
        return pa.schema([(n, pa.string()) for n in names]), False
    opts = replace(dialect, newlines_in_values=True)
    table = pacsv.read_csv(io.BytesIO(body), read_options=pacsv.ReadOptions(column_names=names, use_threads=False),
                           parse_options=opts.parse_options(lambda row: "skip"), convert_options=opts.convert_options())
    quoted_breaks = bool(dialect.quote) and dialect.quote.encode() in body and any(
        pc.any(pc.match_substring_regex(column, "[\\r\\n]")).as_py()
        for column in table.columns if pa.types.is_string(column.type) or pa.types.is_large_string(column.type))
    if quoted_breaks and unclosed_quote_row(body, table, opts) is not None:
        quoted_breaks = False  # not a quoted line break but a quote never closed: read_block names its line
    schema = pa.schema([(f.name, pa.string() if pa.types.is_null(f.type) else f.type) for f in table.schema])
    return schema, quoted_breaks


def plan_blocks(fs, files: list[str], size: int | None, compression: str | None, encoding: str,
                newlines_in_values: bool) -> list[Block]:
    """Byte-range blocks of every file (one block for a compressed file or a file in an encoding
    whose line breaks are not single bytes)."""
    blocks: list[Block] = []
    splittable = ascii_compatible(encoding)
    for file in files:
        codec = compression_of(file) if compression == "infer" else compression
        try:
            total = fs.size(file)
        except OSError as exc:
            raise DataSourceError(f"cannot read {file!r}: {exc}") from None
        if not total:
            raise DataSourceError(f"CSV file {file!r} is empty")
        if newlines_in_values and codec is None and splittable and size is not None and total > size:
            raise DataSourceError(f"CSV file {file!r} has quoted fields with line breaks, so it "
                                  f"({total} bytes) cannot be split into blocks of {size}; pass blocksize=None")
        blocks += split_ranges(file, total, size, codec, splittable)
    return blocks


def source_label(path: str | Sequence[str], files: list[str]) -> str:
    return (path if isinstance(path, str) else f"{len(files)} files").rsplit("/", 1)[-1]


# -- the pandas / Dask front -----------------------------------------------------------------------
_PANDAS_OPTIONS = frozenset({"delimiter", "usecols", "skiprows", "quotechar", "escapechar", "doublequote", "na_values",
                             "keep_default_na", "encoding", "on_bad_lines", "include_path_column", "compression",
                             "date_format", "keep_date_col", "quoting"})


def read_csv_node(path: str | Sequence[str], blocksize: int | str | None = "64MB", columns: Sequence[str] | None = None,
                  sep: Any = "by name", header: Any = "infer", names: Sequence[str] | None = None, dtype: Any = None,
                  parse_dates: Any = None, storage_options: dict | None = None, **options: Any) -> CsvScan:
    """A CSV scan with pandas' ``read_csv`` meaning for its arguments (Dask's ``blocksize`` and
    ``include_path_column`` too). ``sep`` is pandas' ``,`` by default, a tab for a ``.tsv`` /
    ``.tab`` file; ``sep=None`` sniffs it (as pandas' python engine does)."""
    unknown = sorted(set(options) - _PANDAS_OPTIONS)
    if unknown:
        raise InvalidArgumentError(f"read_csv got unknown options: {unknown}")
    sep = options.pop("delimiter", sep)
    if "usecols" in options:
        columns = options.pop("usecols")
    fs, files, _ = expand_paths(path, storage_options, suffixes=CSV_SUFFIXES)
    if sep == "by name":  # pandas' default; a .tsv / .tab file's name says tabs
        name = files[0].lower()
        name = name.rsplit(".", 1)[0] if compression_of(name) else name
        sep = "\t" if name.endswith((".tsv", ".tab")) else ","
    elif sep is None:
        sep = _sniff_sep(fs, files[0], options)
    if not isinstance(sep, str) or len(sep) != 1:
        raise InvalidArgumentError(f"sep must be one character, got {sep!r} (regular-expression separators are not supported)")
    skip_rows, has_header = _pandas_header(header, names, options.pop("skiprows", 0))
    dialect = CsvDialect(sep=sep, quote=_pandas_quote(options), escape=options.pop("escapechar", None),
                         double_quote=bool(options.pop("doublequote", True)), header=has_header, skip_rows=skip_rows,
                         null_values=_pandas_na(options.pop("na_values", None), options.pop("keep_default_na", True)),
                         encoding=options.pop("encoding", None) or "utf-8",
                         bad_rows=_pandas_bad_lines(options.pop("on_bad_lines", "error")))
    compression = options.pop("compression", "infer")
    if compression not in ("infer", None, "gzip", "bz2", "zstd", "xz", "lz4"):
        raise InvalidArgumentError(f"compression={compression!r} is not one of 'infer', None, 'gzip', 'bz2', 'zstd', 'xz', 'lz4'")
    first_codec = compression_of(files[0]) if compression == "infer" else compression
    sample = read_sample(fs, files[0], first_codec, dialect.encoding)
    head_line, body, _ = split_preamble(sample, dialect.skip_rows, dialect.header)
    try:
        file_names = header_names(head_line, dialect) if dialect.header else []
        if names is not None:
            names = [str(n) for n in names]
            if len(set(names)) != len(names):
                raise InvalidArgumentError(f"names has duplicates: {names}")
        elif not dialect.header:
            first_row = header_names(body.split(b"\n", 1)[0], dialect)
            names = [str(i) for i in range(len(first_row))]  # pandas' header=None names: 0, 1, ...
        width = len(file_names) if dialect.header else len(header_names(body.split(b"\n", 1)[0], dialect))
        if names is not None and len(names) != width:
            raise InvalidArgumentError(f"names gives {len(names)} names but CSV file {files[0]!r} has {width} columns "
                                       f"(pandas' extra leading columns as the index are not supported)")
        names = list(names) if names is not None else file_names
        if not names:
            raise DataSourceError(f"CSV file {files[0]!r} has no columns")
        inferred, quoted_breaks = infer_types(body, names, dialect)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataSourceError(f"cannot parse CSV file {files[0]!r}: {exc}") from None
    dialect = replace(dialect, newlines_in_values=quoted_breaks)
    where = f"CSV file {files[0]!r}"
    fields = {f.name: f.type for f in inferred}
    for k, t in fields.items():  # pandas guesses no dates or times: they stay strings unless asked
        if pa.types.is_temporal(t):
            fields[k] = pa.string()
    if isinstance(dtype, dict):
        for k, v in dtype.items():
            k = _column_name(k, names, where)
            fields[k] = to_arrow_type(v)
    elif dtype is not None:
        fields = {k: to_arrow_type(dtype) for k in fields}
    combined, date_columns = _pandas_parse_dates(parse_dates, names, where, body, dialect,
                                                 options.pop("date_format", None), bool(options.pop("keep_date_col", False)))
    formats = []
    for k, fmt in date_columns.items():
        if fmt is not None:
            formats.append(fmt)
        if not pa.types.is_timestamp(fields[k]):
            fields[k] = pa.timestamp("us")  # what pandas' parse_dates gives (datetime64[us])
    if formats:
        dialect = replace(dialect, timestamp_formats=tuple(dict.fromkeys(formats)))
    path_column = options.pop("include_path_column", False)
    path_column = ("path" if path_column is True else path_column) or None
    if path_column is not None and path_column in names:
        raise InvalidArgumentError(f"include_path_column={path_column!r} is already a column of {where}")
    layout = CsvLayout(tuple(names), pa.schema(list(fields.items())), (), tuple(combined), path_column)
    blocks = plan_blocks(fs, files, parse_size(blocksize), compression, dialect.encoding, quoted_breaks)
    node = CsvScan(fs, tuple(blocks), dialect, layout, source=source_label(path, files))
    if columns is not None:
        node = node.with_columns([_column_name(c, names, where) if isinstance(c, int) else c for c in columns])
    return node


def _sniff_sep(fs, file: str, options: dict) -> str:
    from frames.dataframe.io.csv_sniff import sniff_dialect

    compression = options.get("compression", "infer")
    codec = compression_of(file) if compression == "infer" else compression
    sample = read_sample(fs, file, codec, options.get("encoding") or "utf-8")
    quote = options.get("quotechar", '"')
    return sniff_dialect(sample, CsvDialect(), None, quote, True, None).sep


def _column_name(key: Any, names: Sequence[str], where: str) -> str:
    """A column given by name or (as pandas allows) by position."""
    if isinstance(key, int) and not isinstance(key, bool) and str(key) not in names:
        if not 0 <= key < len(names):
            raise ColumnNotFoundError(str(key), list(names), where=where)
        return names[key]
    if str(key) not in names:
        raise ColumnNotFoundError(str(key), list(names), where=where)
    return str(key)


def _pandas_header(header: Any, names: Any, skiprows: Any) -> tuple[int, bool]:
    """pandas' ``header`` (``'infer'``, a row number, None; True/False also accepted) as (lines to
    skip before the header, whether there is a header line)."""
    if not isinstance(skiprows, int) or isinstance(skiprows, bool) or skiprows < 0:
        raise InvalidArgumentError(f"skiprows must be a non-negative integer, got {skiprows!r}")
    if isinstance(header, str) and header == "infer":
        return skiprows, names is None
    if header is None or header is False:
        return skiprows, False
    if header is True:
        return skiprows, True
    if isinstance(header, int) and header >= 0:
        return skiprows + header, True
    raise InvalidArgumentError(f"header must be 'infer', a row number or None, got {header!r}")


def _pandas_quote(options: dict) -> str | None:
    quoting = options.pop("quoting", 0)
    quote = options.pop("quotechar", '"')
    if quoting == 3:  # csv.QUOTE_NONE
        return None
    if quoting not in (0, 1, 2):
        raise InvalidArgumentError(f"quoting={quoting!r} is not supported")
    if quote is not None and (not isinstance(quote, str) or len(quote) != 1):
        raise InvalidArgumentError(f"quotechar must be one character, got {quote!r}")
    return quote


def _pandas_na(na_values: Any, keep_default_na: bool) -> tuple[str, ...]:
    if isinstance(na_values, dict):
        raise InvalidArgumentError("na_values as a dict (per column) is not supported; give a list of strings")
    extra = [] if na_values is None else [na_values] if isinstance(na_values, str) else [str(v) for v in na_values]
    base = list(PANDAS_NA_VALUES) if keep_default_na else []
    return tuple(dict.fromkeys(base + extra))


def _pandas_bad_lines(value: Any) -> str:
    if value in ("error", "skip", "warn"):
        return value
    raise InvalidArgumentError(f"on_bad_lines must be 'error', 'skip' or 'warn', got {value!r}")


def _pandas_parse_dates(parse_dates: Any, names: list[str], where: str, body: bytes, dialect: CsvDialect,
                        date_format: str | None, keep: bool) -> tuple[list[Combined], dict[str, str | None]]:
    """pandas' ``parse_dates``: a list of columns (each parsed), or a dict / list of lists whose
    entries combine several columns into one (``{"Date": [0, 1, 2]}``: Year, Month, Day joined with
    spaces; the combined column comes first and replaces its parts, as pandas 2 did)."""
    if parse_dates is None or parse_dates is False:
        return [], {}
    if parse_dates is True:
        raise InvalidArgumentError("parse_dates=True parses the index, and CSV scans have none; name the columns")
    if isinstance(parse_dates, dict):
        groups = list(parse_dates.items())
    else:
        items = [parse_dates] if isinstance(parse_dates, (str, int)) else list(parse_dates)
        groups = []
        for item in items:
            if isinstance(item, (list, tuple)):
                cols = [_column_name(c, names, where) for c in item]
                groups.append(("_".join(cols), item))
            else:
                groups.append((None, item))
    combined: list[Combined] = []
    single: dict[str, str | None] = {}
    for new, cols in groups:
        if new is None:
            col = _column_name(cols, names, where)
            single[col] = date_format or _guess_format(body, names, [col], dialect)
            continue
        if isinstance(cols, (str, int)):
            cols = [cols]
        sources = tuple(_column_name(c, names, where) for c in cols)
        if str(new) in names and str(new) not in sources:
            raise InvalidArgumentError(f"parse_dates would make a column {new!r}, which {where} already has")
        combined.append(Combined(str(new), sources, date_format or _guess_format(body, names, list(sources), dialect), keep))
    return combined, single


def _guess_format(body: bytes, names: list[str], columns: list[str], dialect: CsvDialect) -> str | None:
    """The strptime format of the first value of ``columns`` joined with spaces (pandas' own
    guesser, on one string); None for ISO 8601 (which Arrow parses itself) or when unsure."""
    from pandas.tseries.api import guess_datetime_format

    first = body.split(b"\n", 8)[:8]
    try:
        table = pacsv.read_csv(io.BytesIO(b"\n".join(first)), read_options=pacsv.ReadOptions(column_names=names),
                               parse_options=dialect.parse_options(lambda row: "skip"),
                               convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names},
                                                                    include_columns=columns, strings_can_be_null=True,
                                                                    null_values=list(dialect.null_values)))
    except pa.ArrowException:
        return None
    for i in range(table.num_rows):
        values = [table.column(c)[i].as_py() for c in columns]
        if all(v is not None for v in values):
            fmt = guess_datetime_format(" ".join(values))
            if fmt is None or fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S") and len(columns) == 1:
                return None
            return fmt
    return None
