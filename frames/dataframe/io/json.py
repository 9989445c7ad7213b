"""Lazy JSON scans: records (objects) read into Arrow tables, nested objects as structs, arrays as lists.

Three layouts, as DuckDB's ``read_json`` names them:

- ``newline_delimited`` (JSON lines): one object per line. Files are split into byte ranges like
  CSV (a block starting mid-line skips to the next line, a block finishes its last line), each
  parsed by ``pyarrow.json`` (vectorized, in C++).
- ``array``: one top-level ``[...]`` of objects per file. Arrow has no reader for it, so each file
  is one partition, parsed with Python's ``json`` and handed to the same Arrow parser as lines
  (one code path for types and errors).
- ``unstructured``: objects spread over several lines (pretty-printed); each file is one partition.

``auto`` tells them apart from the first file's first bytes. Each value is a record (an object
whose fields are columns) or, with ``records=false`` or when the values are not objects, the value
of one column ``json``, as in DuckDB. The schema is inferred once from a
sample of the first file and imposed on every block, so partitions always agree; a field or type
outside it is an error naming the file and line (never dropped), and ``columns``/``dtype`` say how
to read it instead. Strings that are all ``YYYY-MM-DD`` dates in the sample become dates, as in
DuckDB (at any depth: a struct field, a list's items); ISO timestamps become microsecond timestamps.

Compressed files (``.gz``, ``.bz2``, ``.xz``, ``.zst``, by extension) are read whole, one block each.
"""

from __future__ import annotations

import io
import json as pyjson
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Hashable, Sequence

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from exec import Task
from frames.dataframe.convert import engine_schema, normalize_table
from frames.dataframe.dtypes import to_arrow_type
from frames.errors import ColumnNotFoundError, DataSourceError, InvalidArgumentError
from frames.dataframe.expr.blockwise import filter_table
from frames.dataframe.expr.node import Lowering, memoized
from frames.dataframe.expr.scalar import ScalarExpr
from frames.dataframe.expr.scan import Scan
from frames.dataframe.io.csv import parse_size
from frames.dataframe.io.files import Block, read_range
from frames.dataframe.io.files import expand_paths, fs_errors, open_ranges
from frames.dataframe.io.pruning import filter_selectivity

SAMPLE_BYTES = 1 << 20
FORMATS = ("auto", "newline_delimited", "array", "unstructured")
_FORMAT_ALIASES = {"lines": "newline_delimited", "ndjson": "newline_delimited", "jsonl": "newline_delimited",
                   "records": "newline_delimited"}
SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class JsonLayout:
    """How every block of one scan is parsed: the layout, the compression, and the types."""

    format: str  # newline_delimited, array or unstructured
    compression: str | None
    output: pa.Schema  # the columns and types the scan reads
    ignore_unknown: bool = False  # columns given explicitly: other fields are not read (DuckDB's ``columns``)
    records: bool = True  # False: each value is column ``json`` (``records=false``, or values not objects)

    @cached_property
    def schema(self) -> pa.Schema:
        """What pyarrow parses into: the output types, dates as strings (Arrow's JSON reader does
        not read strings as dates; they are cast after)."""
        return pa.schema([pa.field(f.name, _parse_type(f.type)) for f in self.output])

    def output_type(self, name: str) -> pa.DataType:
        return self.output.field(name).type


def _parse_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_date(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _parse_type(f.type)) for f in t])
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(_parse_type(t.value_type))
    return t


def _stamps_as_text(t: pa.DataType) -> pa.DataType:
    """``t`` with every timestamp (at any depth) a string: how the sample is re-read to see the texts."""
    if pa.types.is_timestamp(t):
        return pa.string()
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _stamps_as_text(f.type)) for f in t])
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(_stamps_as_text(t.value_type))
    return t


def _output_type(inferred: pa.DataType, texts: pa.Array | None) -> pa.DataType:
    """The type to read for what Arrow inferred from the sample: null becomes string; a timestamp
    whose texts (``texts``: the same values read as strings) are all ``YYYY-MM-DD`` a date (DuckDB's
    DATE), other timestamps microseconds; struct fields and list items alike."""
    if pa.types.is_null(inferred):
        return pa.string()
    if pa.types.is_timestamp(inferred):
        values = pc.drop_null(texts)
        if len(values) and pc.all(pc.match_substring_regex(values, r"^\d{4}-\d{2}-\d{2}$")).as_py():
            return pa.date32()
        return pa.timestamp("us", inferred.tz)
    if pa.types.is_struct(inferred):
        return pa.struct([pa.field(f.name, _output_type(f.type, None if texts is None else pc.struct_field(texts, [i])))
                          for i, f in enumerate(inferred)])
    if pa.types.is_list(inferred) or pa.types.is_large_list(inferred):
        return pa.list_(_output_type(inferred.value_type, None if texts is None else pc.list_flatten(texts)))
    return inferred


@dataclass(frozen=True, eq=False)
class JsonScan(Scan):
    fs: Any
    blocks: tuple[Block, ...]
    layout: JsonLayout
    read_columns: tuple[str, ...] | None = None
    filter: ScalarExpr | None = None
    source: str = ""

    label = "json-scan"

    def full_schema(self) -> pa.Schema:
        return engine_schema(pa.schema([pa.field(n, self.layout.output_type(n)) for n in self.layout.schema.names]))

    def _npartitions(self) -> int:
        return len(self.blocks)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        out = self.schema
        needed = list(out.names) + [c for c in sorted(self.filter.columns() if self.filter is not None else []) if c not in out.names]
        keys = []
        for i, block in enumerate(self.blocks):
            key = (self.name, i)
            lowering.graph[key] = Task(read_block, self.fs, block, self.layout, needed, self.filter, out)
            keys.append(key)
        return keys

    @memoized
    def estimated_bytes(self) -> float:
        """Text bytes of the blocks, scaled to the columns read (JSON repeats every key per row:
        about the size of the Arrow columns)."""
        total = sum((b.end - b.start) if b.end >= 0 else 64 << 20 for b in self.blocks)
        return float(total) * len(self.schema) / max(len(self.layout.schema), 1) * filter_selectivity(self.filter)

    @memoized
    def selectivity(self) -> float:
        return filter_selectivity(self.filter)

    def describe(self) -> str:
        filt = f" filter={self.filter!r}" if self.filter is not None else ""
        read = list(self.schema.names) + sorted(c for c in (self.filter.columns() if self.filter is not None else []) if c not in self.schema.names)
        return f"JsonScan {self.source} columns=[{', '.join(read)}]{filt} format={self.layout.format} blocks={len(self.blocks)}"


# -- parsing ---------------------------------------------------------------------------------------

def _parse(data: bytes, schema: pa.Schema | None, newlines_in_values: bool, ignore_unknown: bool = False) -> pa.Table:
    parse = pajson.ParseOptions(newlines_in_values=newlines_in_values) if schema is None else pajson.ParseOptions(
        explicit_schema=schema, newlines_in_values=newlines_in_values,
        unexpected_field_behavior="ignore" if ignore_unknown else "error")
    return pajson.read_json(io.BytesIO(data), read_options=pajson.ReadOptions(use_threads=False), parse_options=parse)


_WRAP = b'{"json":'
_BOM = b"\xef\xbb\xbf"  # a UTF-8 byte order mark some editors put first, not part of the JSON


def _as_records(data: bytes, fmt: str, records: bool, path: str) -> bytes:
    """The text Arrow parses: JSON lines of objects. An array becomes lines; with ``records``
    False each value is wrapped as ``{"json": value}`` (for lines by bytes operations, without
    parsing: blank lines dropped, then every line break closes one object and opens the next)."""
    if fmt == "array":
        return _array_to_lines(data, path, records)
    if records or not data.strip():
        return data
    body = re.sub(rb"(?m)^[ \t\r]*\n", b"", data).rstrip(b"\r\n")
    return _WRAP + body.replace(b"\n", b"}\n" + _WRAP) + b"}\n"


def _array_to_lines(data: bytes, path: str, records: bool = True) -> bytes:
    """A top-level JSON array of objects as JSON lines (so one Arrow parser does types and errors)."""
    try:
        values = pyjson.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" line {exc.lineno}" if isinstance(exc, pyjson.JSONDecodeError) else ""
        raise DataSourceError(f"cannot parse JSON file {path!r}{where}: {exc}") from None
    if not isinstance(values, list):
        raise DataSourceError(f"JSON file {path!r} does not hold a top-level array (format='array')")
    if not records:
        return "\n".join(pyjson.dumps({"json": v}) for v in values).encode() + b"\n"
    bad = next((i for i, v in enumerate(values) if not isinstance(v, dict)), None)
    if bad is not None:
        raise DataSourceError(f"JSON file {path!r}: element {bad} of the top-level array is a "
                              f"{type(values[bad]).__name__}, not an object (read_json reads records)")
    return "\n".join(pyjson.dumps(v) for v in values).encode() + b"\n"


def _first_line(fs, block: Block, layout: JsonLayout) -> int:
    """The file's line number where ``block``'s data starts (counted only when reporting an error)."""
    if block.start == 0:
        return 1
    count = 0
    with fs.open(block.path, "rb") as f:
        remaining = block.start
        while remaining > 0:
            chunk = f.read(min(remaining, 1 << 24))
            if not chunk:
                break
            count += chunk.count(b"\n")
            remaining -= len(chunk)
        f.seek(block.start - 1)
        if f.read(1) != b"\n":
            count += 1  # the block starts after the partial line it skips
    return count + 1


def _error(fs, block: Block, layout: JsonLayout, data: bytes, exc: Exception) -> DataSourceError:
    """Name the file and the first line that fails (found by bisecting the block's lines: a prefix
    that fails keeps failing when it grows), and why."""
    if layout.format != "newline_delimited":
        return DataSourceError(f"cannot parse JSON file {block.path!r}: {exc}")
    schema = layout.schema if len(layout.schema) else None  # none yet: the sample being inferred
    lines = data.split(b"\n")
    lo, hi = 1, len(lines)  # the smallest failing prefix length is in [lo, hi]
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            _parse(b"\n".join(lines[:mid]) + b"\n", schema, False, layout.ignore_unknown)
            lo = mid + 1
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            hi = mid
    parsed = lines[lo - 1]
    bad = parsed[len(_WRAP):-1] if not layout.records and parsed.startswith(_WRAP) else parsed  # as the file has it
    line = _first_line(fs, block, layout) + lo - 1
    try:  # the bad line's own complaint (the block's may be about a later line)
        _parse(parsed + b"\n", schema, False, layout.ignore_unknown)
        why = str(exc)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as own:
        why = str(own)
    why = re.sub(r"\s*in row \d+\.?$", "", why)
    try:
        value = pyjson.loads(bad)
    except ValueError as decode:
        why = f"malformed JSON ({decode})"
    else:
        if not isinstance(value, dict) and layout.records:
            why = f"a {type(value).__name__}, not an object (the first value was one; records=false reads values)"
        else:
            unknown = [k for k in value if k not in layout.schema.names] if layout.records else []
            if unknown and schema is not None and not layout.ignore_unknown:
                why = (f"field {unknown[0]!r} is not among the columns inferred from the first {SAMPLE_BYTES >> 20} MB "
                       f"({', '.join(layout.schema.names)}); pass columns= (SQL) or dtype= to read it")
            elif schema is not None:
                why += "; pass columns= (SQL) or dtype= with the type to read these values as"
    text = bad[:80].decode("utf-8", "replace")
    return DataSourceError(f"cannot read JSON file {block.path!r} line {line}: {why}: {text}")


def read_block(fs, block: Block, layout: JsonLayout, needed: list[str], predicate: ScalarExpr | None,
               out_schema: pa.Schema) -> pa.Table:
    """One partition: the records starting in the block's byte range, parsed against the layout's schema."""
    try:
        with open_ranges(fs, block.path, layout.compression) as f:
            data = f.read() if layout.format != "newline_delimited" or layout.compression else read_range(f, block)
        if block.start == 0:
            data = data.removeprefix(_BOM)
    except (*fs_errors(), EOFError, ValueError) as exc:
        raise DataSourceError(f"cannot read JSON file {block.path!r}: {exc}") from None
    data = _as_records(data, layout.format, layout.records, block.path)
    if not data.strip():
        return out_schema.empty_table()
    try:
        table = _parse(data, layout.schema, layout.format == "unstructured", layout.ignore_unknown)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _error(fs, block, layout, data, exc) from None
    table = table.select(needed)
    for i, name in enumerate(needed):
        want = layout.output_type(name)
        if table.schema.field(i).type != want:  # dates parsed as strings
            try:
                table = table.set_column(i, name, pc.cast(table.column(i), want))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise DataSourceError(f"JSON file {block.path!r}: column {name!r} held {want} values in the first rows, "
                                      f"but not here ({exc}); pass dtype={{{name!r}: 'string'}} to read it as text") from None
    table = normalize_table(table)
    if predicate is not None:
        table = filter_table(table, predicate)
    return table.select(out_schema.names)


# -- building a scan -------------------------------------------------------------------------------

def _compression(path: str, compression: str | None) -> str | None:
    if compression in (None, "none", "uncompressed"):
        return None
    if compression in ("infer", "auto", "auto_detect"):
        return fsspec.utils.infer_compression(path)
    if compression not in fsspec.available_compressions():
        raise InvalidArgumentError(f"unknown JSON compression {compression!r} (known: {', '.join(c for c in fsspec.available_compressions() if c)})")
    return compression


def _detect_format(sample: bytes, path: str) -> str:
    """``[`` first: an array; else lines when the first line is a whole value, else unstructured."""
    text = sample.lstrip()
    if text.startswith(b"["):
        return "array"
    first = text.split(b"\n", 1)[0]
    try:
        pyjson.loads(first)
        return "newline_delimited"
    except ValueError:
        pass
    try:
        _parse(sample, None, True)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataSourceError(f"cannot parse JSON file {path!r} line 1: malformed JSON ({exc})") from None
    return "unstructured"


def _holds_records(sample: bytes, fmt: str) -> bool:
    """Whether the first value (of the array, or the first line) is an object."""
    text = sample.lstrip()
    if fmt == "array":
        text = text[1:].lstrip()
        return text.startswith((b"{", b"]"))
    return text.startswith(b"{")


def _infer(sample: bytes, complete: bool, fmt: str, path: str, records: bool = True) -> tuple[pa.Table, bytes]:
    """The sample parsed with inferred types, and the text parsed (lines cut at the last line break
    when the sample is not the whole file; an array as lines)."""
    if fmt == "array":
        if not complete:
            raise DataSourceError(f"JSON file {path!r} is a top-level array larger than the {SAMPLE_BYTES >> 20} MB sample: "
                                  "give its columns to read it (columns= in SQL, dtype= for every field)")
        sample = _array_to_lines(sample, path, records)
    elif fmt == "newline_delimited":
        sample = _as_records(sample if complete else sample[: sample.rfind(b"\n") + 1], fmt, records, path)
    elif fmt == "unstructured" and not complete:
        raise DataSourceError(f"JSON file {path!r} spreads objects over several lines and is larger than the "
                              f"{SAMPLE_BYTES >> 20} MB sample; use JSON lines or give its columns")
    try:
        return _parse(sample, None, fmt == "unstructured"), sample
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        block = Block(path, 0, len(sample), True)
        layout = JsonLayout(fmt, None, pa.schema([]), records=records)
        if fmt == "newline_delimited":
            raise _error(None, block, layout, sample, exc) from None
        raise DataSourceError(f"cannot parse JSON file {path!r}: {exc}") from None


def _layout_from_sample(table: pa.Table, lines: bytes, fmt: str, compression: str | None, records: bool) -> JsonLayout:
    """The sample's types: all-null columns become strings; a column Arrow read as timestamps whose
    texts are all ``YYYY-MM-DD`` is a date column (DuckDB's DATE), read as strings then cast."""
    as_text = pa.schema([pa.field(f.name, _stamps_as_text(f.type)) for f in table.schema])
    texts = _parse(lines, as_text, fmt == "unstructured") if as_text != table.schema else table
    fields = [pa.field(f.name, _output_type(f.type, texts[f.name].combine_chunks())) for f in table.schema]
    return JsonLayout(fmt, compression, pa.schema(fields), records=records)


def read_json_node(path: str | Sequence[str], lines: bool | None = None, orient: str | None = None,
                   format: str = "auto", records: Any = "auto", blocksize: int | str | None = "64MB",
                   columns: Any = None, dtype: Any = None, compression: str | None = "infer",
                   storage_options: dict | None = None, **options: Any) -> JsonScan:
    """A lazy scan of JSON records. ``lines`` (pandas) is ``format`` newline_delimited (True) or
    array/unstructured (False); ``columns`` a list reads only those columns, a dict ``{name: type}``
    reads exactly those columns with those types and skips other fields (DuckDB's ``columns``);
    ``dtype`` overrides inferred types by name."""
    if options:
        raise InvalidArgumentError(f"read_json got unknown options: {sorted(options)}")
    if orient not in (None, "records"):
        raise InvalidArgumentError(f"read_json reads orient='records' (one object per record), not {orient!r}")
    if str(records).lower() not in ("auto", "true", "false"):
        raise InvalidArgumentError(f"records must be 'auto', true or false, not {records!r}")
    fmt = _FORMAT_ALIASES.get(str(format).lower(), str(format).lower())
    if fmt not in FORMATS:
        raise InvalidArgumentError(f"unknown JSON format {format!r} (one of {', '.join(FORMATS)})")
    if lines is True:
        fmt = "newline_delimited"
    elif lines is False and fmt == "newline_delimited":
        raise InvalidArgumentError("lines=False contradicts format='newline_delimited'")
    size = parse_size(blocksize)
    fs, files, _ = expand_paths(path, storage_options, suffixes=SUFFIXES + tuple(s + c for s in SUFFIXES for c in (".gz", ".bz2", ".xz", ".zst")))
    first = files[0]
    first_compression = _compression(first, compression)
    try:
        with open_ranges(fs, first, first_compression) as f:
            sample = f.read(SAMPLE_BYTES).removeprefix(_BOM)
            complete = not f.read(1)
    except (*fs_errors(), EOFError, ValueError) as exc:
        raise DataSourceError(f"cannot read JSON file {first!r}: {exc}") from None
    if not sample.strip():
        raise DataSourceError(f"JSON file {first!r} is empty")
    if fmt == "auto":
        fmt = _detect_format(sample, first)
        if lines is False and fmt == "newline_delimited":
            fmt = "unstructured"
    as_records = _holds_records(sample, fmt) if str(records).lower() == "auto" else str(records).lower() == "true"
    if not as_records and fmt == "unstructured":
        raise InvalidArgumentError(f"JSON file {first!r}: values spread over several lines are read as records only")
    if isinstance(columns, dict):
        schema = pa.schema([(str(k), to_arrow_type(v)) for k, v in columns.items()])
        layout = JsonLayout(fmt, first_compression, schema, ignore_unknown=True, records=as_records)
        columns = None
    else:
        layout = _layout_from_sample(*_infer(sample, complete, fmt, first, as_records), fmt, first_compression, as_records)
    if dtype is not None:
        layout = _with_dtypes(layout, dtype, first)
    blocks: list[Block] = []
    for file in files:
        if _compression(file, compression) != first_compression:
            raise DataSourceError(f"JSON files {first!r} and {file!r} have different compressions; read them separately")
        total = fs.size(file)
        if not total:
            raise DataSourceError(f"JSON file {file!r} is empty")
        if fmt != "newline_delimited" or first_compression or size is None or total <= size:
            blocks.append(Block(file, 0, -1 if first_compression or fmt != "newline_delimited" else total, True))
            continue
        for start in range(0, total, size):
            blocks.append(Block(file, start, min(start + size, total), start == 0))
    node = JsonScan(fs, tuple(blocks), layout,
                    source=(path if isinstance(path, str) else f"{len(files)} files").rsplit("/", 1)[-1])
    if columns is not None:
        node = node.with_columns(columns)
    return node


def _with_dtypes(layout: JsonLayout, dtype: Any, path: str) -> JsonLayout:
    names = layout.schema.names
    wanted = dtype if isinstance(dtype, dict) else {n: dtype for n in names}
    fields = {f.name: f.type for f in layout.output}
    for name, kind in wanted.items():
        if name not in fields:
            raise ColumnNotFoundError(name, names, where=f"JSON file {path!r}")
        fields[name] = to_arrow_type(kind)
    return JsonLayout(layout.format, layout.compression, pa.schema(list(fields.items())), layout.ignore_unknown, layout.records)
