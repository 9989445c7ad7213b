"""How one Arrow table becomes one file: Parquet, CSV or JSON lines, optionally compressed.

A format is a small frozen value (its options) with ``write(fs, table, path)``; the writers and
COPY build one and hand it to every partition's task. CSV and JSON text is built column by column
with Arrow kernels (cast to text, quote and escape by substring replacement, join the fields of a
row), a batch of rows at a time, and written straight from the Arrow buffer; only nested and binary
columns fall back to Python per value. The output follows DuckDB's COPY: CSV quotes a field only
when it must (it holds the delimiter, the quote, a line break, or equals the NULL string, so an
empty string and NULL stay apart), JSON is one object per line with NULL as ``null`` and NaN and
infinities as DuckDB writes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from frames.errors import InvalidArgumentError

BATCH_ROWS = 64 * 1024  # rows turned into text at a time: bounds the memory of one text buffer

TEXT_COMPRESSION = {"gzip": ".gz", "zstd": ".zst", "bz2": ".bz2"}
"""Codecs for CSV and JSON files and the extension that implies each (``None``: not compressed)."""
PARQUET_COMPRESSION = {"uncompressed": "none", "none": "none", "snappy": "snappy", "gzip": "gzip",
                       "brotli": "brotli", "lz4": "lz4", "lz4_raw": "lz4", "zstd": "zstd"}
"""Parquet codec names (DuckDB's and pyarrow's) to pyarrow's."""


def text_compression(value: str | None, path: str = "") -> str | None:
    """A CSV/JSON codec: ``None``/"auto"/"infer" follows the file name's extension, "none" or
    "uncompressed" is none, else one of ``TEXT_COMPRESSION``."""
    name = "auto" if value is None else str(value).lower()
    if name in ("auto", "infer"):
        lower = path.lower()
        return next((codec for codec, ext in TEXT_COMPRESSION.items() if lower.endswith(ext)), None)
    if name in ("none", "uncompressed"):
        return None
    if name not in TEXT_COMPRESSION:
        raise InvalidArgumentError(f"unknown compression {value!r} for a text file; use one of "
                                   f"{', '.join(['none', 'auto', *TEXT_COMPRESSION])}")
    return name


def parquet_compression(value: str | None) -> str:
    name = "snappy" if value is None else str(value).lower()
    if name not in PARQUET_COMPRESSION:
        raise InvalidArgumentError(f"unknown Parquet compression {value!r}; use one of {', '.join(PARQUET_COMPRESSION)}")
    return PARQUET_COMPRESSION[name]


def names_file(fmt, path: str) -> bool:
    """Whether ``path``'s extension is one of ``fmt``'s (after a compression extension, if any):
    ``out.csv.gz`` names a CSV file, ``out`` a directory."""
    lower = path.lower().rstrip("/")
    for ext in TEXT_COMPRESSION.values():
        if lower.endswith(ext):
            lower = lower[: -len(ext)]
            break
    return lower.endswith(fmt.extensions)


def _open(fs, path: str, compression: str | None):
    raw = fs.open(path, "wb")
    return pa.output_stream(raw, compression=compression) if compression else raw


@dataclass(frozen=True)
class ParquetFormat:
    compression: str = "snappy"  # a pyarrow codec name (see ``parquet_compression``)
    row_group_size: int | None = None
    pandas_metadata: bytes | None = None  # pandas' b"pandas" schema metadata: which columns are the index
    name = "parquet"
    extensions = (".parquet",)

    @property
    def suffix(self) -> str:
        return ".parquet"

    def write(self, fs, table: pa.Table, path: str) -> int:
        if self.pandas_metadata is not None:
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"pandas": self.pandas_metadata})
        with fs.open(path, "wb") as f:
            pq.write_table(table, f, compression=self.compression, row_group_size=self.row_group_size)
        return table.num_rows


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str = ","
    quote: str = '"'
    escape: str = '"'
    header: bool = True
    null: str = ""
    compression: str | None = None  # a ``TEXT_COMPRESSION`` codec
    date_format: str | None = None  # strftime patterns, as DuckDB's DATEFORMAT / TIMESTAMPFORMAT
    timestamp_format: str | None = None
    name = "csv"
    extensions = (".csv", ".tsv", ".txt")

    def __post_init__(self):
        if not self.delimiter:
            raise InvalidArgumentError("the CSV delimiter must not be empty")
        if len(self.quote) > 1 or len(self.escape) > 1:
            raise InvalidArgumentError("the CSV quote and escape must be one character each (or empty)")
        for what, ch in (("quote", self.quote), ("escape", self.escape)):
            if ch and (ch in self.delimiter or ch in "\r\n"):
                raise InvalidArgumentError(f"the CSV {what} {ch!r} cannot also be part of the delimiter or a line break")

    @property
    def suffix(self) -> str:
        return ".csv" + TEXT_COMPRESSION.get(self.compression or "", "")

    def write(self, fs, table: pa.Table, path: str) -> int:
        self.write_encoded(fs, path, table.schema, [self.encode(table)])
        return table.num_rows

    def encode(self, table: pa.Table) -> list[pa.Buffer]:
        """The rows' text (no header), a buffer per batch: what one partition contributes to a file."""
        out = []
        for batch in _batches(table):
            fields = [self._field(batch.column(i)) for i in range(batch.num_columns)]
            out.append(_text_buffer(_join_row(fields, self.delimiter, "", "\n", batch.num_rows)))
        return out

    def write_encoded(self, fs, path: str, schema: pa.Schema, parts: list[list[pa.Buffer]]) -> None:
        """One file: the header, then every part's rows in order."""
        with _open(fs, path, self.compression) as out:
            if self.header:
                out.write((self.delimiter.join(self._quote_name(n) for n in schema.names) + "\n").encode())
            for buffers in parts:
                for buf in buffers:
                    out.write(buf)

    def _quote_name(self, name: str) -> str:
        if not self._special.search(name) and name != self.null:
            return name
        return self.quote + self._escaped_text(name) + self.quote

    def _escaped_text(self, text: str) -> str:
        if self.escape != self.quote:
            text = text.replace(self.escape, self.escape + self.escape)
        return text.replace(self.quote, self.escape + self.quote)

    @property
    def _special(self) -> re.Pattern:
        return re.compile("|".join(re.escape(x) for x in (self.delimiter, self.quote or "\n", "\n", "\r")))

    def _field(self, col) -> pa.Array:
        text = as_text(col, self.date_format, self.timestamp_format)
        if self.quote and self._may_need_quotes(_decoded(col).type):
            needs = pc.or_(pc.match_substring_regex(text, self._special.pattern), pc.equal(text, self.null))
            if pc.any(needs).as_py():
                escaped = text
                if self.escape != self.quote:
                    escaped = pc.replace_substring(escaped, self.escape, self.escape + self.escape)
                escaped = pc.replace_substring(escaped, self.quote, self.escape + self.quote)
                text = pc.if_else(needs, _cat(self.quote, escaped, self.quote), text)
        return pc.fill_null(text, self.null)

    def _may_need_quotes(self, t: pa.DataType) -> bool:
        """Strings and nested values may hold anything; the text of numbers, dates and booleans
        needs quotes only if the delimiter or quote uses its characters or it could be the NULL text."""
        if not _is_plain(t) or _is_text(t):
            return True
        return bool(set(self.delimiter + self.quote) & _NUMBER_CHARS) or (self.null != "" and bool(set(self.null) <= _NUMBER_CHARS))


_NUMBER_CHARS = set("0123456789+-.:eEnaifINFTZ truels")
"""Every character the text of a number, date, time or boolean can hold (nan, inf, true, false)."""


@dataclass(frozen=True)
class JsonFormat:
    """One JSON object per row: newline-delimited (default, DuckDB's COPY ... (FORMAT JSON)) or, with
    ``array=True``, one JSON array of them (DuckDB's ``ARRAY true``)."""

    array: bool = False
    compression: str | None = None
    name = "json"
    extensions = (".json", ".jsonl", ".ndjson")

    @property
    def suffix(self) -> str:
        return ".json" + TEXT_COMPRESSION.get(self.compression or "", "")

    def write(self, fs, table: pa.Table, path: str) -> int:
        self.write_encoded(fs, path, table.schema, [self.encode(table)])
        return table.num_rows

    def encode(self, table: pa.Table) -> list[pa.Buffer]:
        """The rows' text, a buffer per batch: ``{...}\\n`` each, or ``,\\n\\t{...}`` in an array."""
        keys = [json.dumps(n) + ":" for n in table.schema.names]
        out = []
        for batch in _batches(table):
            parts: list = []
            for i in range(batch.num_columns):
                parts += [("{" if i == 0 else ",") + keys[i], _json_value(batch.column(i))]
            before, after = (",\n\t", "}") if self.array else ("", "}\n")
            out.append(_text_buffer(_join_row(parts or ["{"], "", before, after, batch.num_rows)))
        return out

    def write_encoded(self, fs, path: str, schema: pa.Schema, parts: list[list[pa.Buffer]]) -> None:
        """One file: every part's rows in order (in an array, the first row without its ``,\\n``)."""
        with _open(fs, path, self.compression) as out:
            if self.array:
                out.write(b"[\n")
            first = True
            for buffers in parts:
                for buf in buffers:
                    if self.array and first and buf.size:
                        buf, first = buf.slice(2), False
                    out.write(buf)
            if self.array:
                out.write(b"]\n" if first else b"\n]\n")


def _batches(table: pa.Table):
    for start in range(0, table.num_rows, BATCH_ROWS):
        yield table.slice(start, BATCH_ROWS).combine_chunks()


def _cat(*parts, sep: str = ""):
    """Element-wise concatenation of text arrays and literal strings (large strings throughout)."""
    return pc.binary_join_element_wise(*[pa.scalar(p, pa.large_string()) if isinstance(p, str) else p for p in parts],
                                       pa.scalar(sep, pa.large_string()))


def _join_row(parts: list, sep: str, before: str, after: str, n: int) -> pa.Array:
    """Each row's text: ``before`` + parts joined by ``sep`` + ``after`` (parts: arrays or strings)."""
    arrays = [p for p in parts if not isinstance(p, str)]
    if not arrays:
        return pa.array([before + sep.join(parts) + after] * n, pa.large_string())
    row = _cat(*parts, sep=sep) if len(parts) > 1 else parts[0]
    if before or after:
        row = _cat(before, row, after)
    if isinstance(row, pa.ChunkedArray):
        row = row.combine_chunks()
    return row.cast(pa.large_string())


def _text_buffer(lines: pa.Array) -> pa.Buffer:
    """The concatenated values of a null-free string array: a slice of its data buffer, no copy."""
    if not len(lines):
        return pa.py_buffer(b"")
    import numpy as np

    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset:lines.offset + len(lines) + 1]
    return lines.buffers()[2].slice(int(offsets[0]), int(offsets[-1]) - int(offsets[0]))


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_plain(t: pa.DataType) -> bool:
    """Types whose Arrow cast to text is the text DuckDB writes and reads back."""
    return (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t)
            or pa.types.is_temporal(t) and not pa.types.is_duration(t) and not pa.types.is_interval(t)
            or _is_text(t))


def _decoded(col):
    return col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col


def _python_text(col, json_values: bool) -> pa.Array:
    """Nested and binary values through Python: JSON text (``json.dumps``), nulls kept."""
    def one(v):
        if v is None:
            return None
        if isinstance(v, bytes):
            v = v.decode("utf-8", "backslashreplace")
            return json.dumps(v) if json_values else v
        return json.dumps(v, default=str, ensure_ascii=False)
    return pa.array([one(v) for v in col.to_pylist()], pa.large_string())


def as_text(col, date_format: str | None = None, timestamp_format: str | None = None) -> pa.Array:
    """A column as the text DuckDB writes for it (CSV fields, hive directory names); nulls kept."""
    col = _decoded(col)
    t = col.type
    if not _is_plain(t):
        return _python_text(col, json_values=False)
    if date_format and pa.types.is_date(t):
        return pc.strftime(col.cast(pa.timestamp("s")), format=date_format).cast(pa.large_string())
    if timestamp_format and pa.types.is_timestamp(t):
        return pc.strftime(col, format=timestamp_format).cast(pa.large_string())
    if pa.types.is_floating(t):
        return _float_text(col)
    text = col.cast(pa.large_string())
    if pa.types.is_timestamp(t) or pa.types.is_time(t):  # 01:02:03.500000 -> 01:02:03.5, as DuckDB writes
        text = pc.replace_substring_regex(pc.replace_substring_regex(text, r"(\.[0-9]*?)0+(Z?)$", r"\1\2"),
                                          r"\.(Z?)$", r"\1")
    return text


def _float_text(col) -> pa.Array:
    """Doubles as their shortest round-trip text, whole numbers with ``.0`` (``2.0``, not Arrow's
    ``2``) so that a reader, pandas' or DuckDB's, reads a float column back as floats."""
    text = col.cast(pa.large_string())
    whole = pc.equal(pc.floor(col), col)
    if not pc.any(whole).as_py():
        return text
    whole = pc.and_(whole, pc.invert(pc.match_substring(text, "e")))  # not 1e+20
    return pc.if_else(whole, _cat(text, ".0"), text)


_JSON_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _json_string(text) -> pa.Array:
    """``text`` as JSON string literals (quoted, backslash, quote and control characters escaped)."""
    for ch, escaped in (("\\", "\\\\"), ('"', '\\"')):
        if pc.any(pc.match_substring(text, ch)).as_py():
            text = pc.replace_substring(text, ch, escaped)
    if pc.any(pc.match_substring_regex(text, "[\\x00-\\x1f]")).as_py():
        for code in range(32):
            ch = chr(code)
            text = pc.replace_substring(text, ch, _JSON_ESCAPES.get(ch, f"\\u{code:04x}"))
    return _cat('"', text, '"')


def _json_value(col) -> pa.Array:
    col = _decoded(col)
    t = col.type
    if not _is_plain(t):
        return pc.fill_null(_python_text(col, json_values=True), "null")
    text = as_text(col)
    if pa.types.is_floating(t) and not pc.all(pc.is_finite(col)).as_py():
        text = pc.if_else(pc.is_nan(col), "NaN", text)
        text = pc.if_else(pc.is_inf(col), pc.if_else(pc.greater(col, 0), "Infinity", "-Infinity"), text)
    elif _is_text(t):
        text = _json_string(text)
    elif pa.types.is_temporal(t):
        text = _cat('"', text, '"')
    return pc.fill_null(text, "null")
