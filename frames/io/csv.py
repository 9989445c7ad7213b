"""Lazy CSV scans: files split into byte ranges, parsed with ``pyarrow.csv`` against one schema.

The schema is inferred once from a sample of the first file and then imposed on every block, so
partitions always agree. A block starting mid-line skips to the next line; a block reads past its
end to finish its last line: every line is parsed by exactly one block.

Quoted fields holding line breaks cannot be split that way (a block boundary may fall inside one).
When the sample has such fields, files are read whole (with pyarrow's ``newlines_in_values``) and a
file larger than ``blocksize`` is refused with a message saying to pass ``blocksize=None``; such
fields appearing only after the sample surface as a parse error naming the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from exec import Task
from frames.convert import engine_schema, normalize_table
from frames.dtypes import to_arrow_type
from frames.errors import ColumnNotFoundError, DataSourceError, InvalidArgumentError
from frames.expr.blockwise import filter_table
from frames.expr.node import Lowering, memoized
from frames.expr.scalar import ScalarExpr
from frames.expr.scan import Scan
from frames.io.files import expand_paths
from frames.io.pruning import filter_selectivity

SAMPLE_BYTES = 1 << 20


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
class Block:
    path: str
    start: int
    end: int  # -1: to the end of the file
    first: bool


@dataclass(frozen=True, eq=False)
class CsvScan(Scan):
    fs: Any
    blocks: tuple[Block, ...]
    file_schema: pa.Schema
    names: tuple[str, ...]
    header: bool
    sep: str
    read_columns: tuple[str, ...] | None = None
    filter: ScalarExpr | None = None
    source: str = ""
    newlines_in_values: bool = False  # quoted line breaks seen in the sample: files are read whole

    label = "csv-scan"

    def full_schema(self) -> pa.Schema:
        return engine_schema(self.file_schema)

    def _npartitions(self) -> int:
        return len(self.blocks)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        out = self.schema
        needed = list(out.names) + [c for c in sorted(self.filter.columns() if self.filter is not None else []) if c not in out.names]
        keys = []
        for i, block in enumerate(self.blocks):
            key = (self.name, i)
            lowering.graph[key] = Task(read_block, self.fs, block, self.file_schema, self.names, self.header, self.sep, needed, self.filter, out,
                                       self.newlines_in_values)
            keys.append(key)
        return keys

    @memoized
    def estimated_bytes(self) -> float:
        """Text bytes of the blocks (about twice their size once parsed), scaled to the columns read."""
        total = sum((b.end - b.start) if b.end >= 0 else 64 << 20 for b in self.blocks)
        return float(total) * 2 * len(self.schema) / max(len(self.file_schema), 1) * filter_selectivity(self.filter)

    @memoized
    def selectivity(self) -> float:
        return filter_selectivity(self.filter)

    def describe(self) -> str:
        filt = f" filter={self.filter!r}" if self.filter is not None else ""
        read = list(self.schema.names) + sorted(c for c in (self.filter.columns() if self.filter is not None else []) if c not in self.schema.names)
        return f"CsvScan {self.source} columns=[{', '.join(read)}]{filt} blocks={len(self.blocks)}"


def _read_range(f, block: Block) -> bytes:
    f.seek(block.start)
    if block.start > 0:
        f.seek(block.start - 1)
        if f.read(1) != b"\n":
            f.readline()  # a partial line belongs to the previous block
    start = f.tell()
    if block.end < 0:
        return f.read()
    if start >= block.end:
        return b""
    data = f.read(block.end - start)
    if data and not data.endswith(b"\n"):
        data += f.readline()
    return data


def _parse_error(block: Block, names: tuple[str, ...], schema: pa.Schema, exc: Exception) -> str:
    """Name the file and the column (pyarrow only gives the column's position)."""
    import re

    text = str(exc)
    where = f"bytes {block.start}-{block.end if block.end >= 0 else 'end'}"
    m = re.search(r"column #(\d+)", text)
    if m and int(m.group(1)) < len(names):
        name = names[int(m.group(1))]
        return (f"cannot parse CSV file {block.path!r}, column {name!r} ({schema.field(name).type}, inferred from the "
                f"first rows or given by dtype=) in {where}: {text}; pass dtype={{{name!r}: ...}} to read it differently")
    return f"cannot parse CSV file {block.path!r} ({where}): {text}"


def read_block(fs, block: Block, schema: pa.Schema, names: tuple[str, ...], header: bool, sep: str,
               needed: list[str], predicate: ScalarExpr | None, out_schema: pa.Schema,
               newlines_in_values: bool = False) -> pa.Table:
    """One partition: the lines starting in the block's byte range, parsed against ``schema``."""
    try:
        with fs.open(block.path, "rb") as f:
            data = _read_range(f, block)
    except OSError as exc:
        raise DataSourceError(f"cannot read {block.path!r}: {exc}") from None
    if block.first and header:
        nl = data.find(b"\n")
        data = b"" if nl < 0 else data[nl + 1 :]
    if not data.strip():
        return out_schema.empty_table()
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=list(names), use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=newlines_in_values),
            convert_options=pacsv.ConvertOptions(column_types=schema, include_columns=needed, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataSourceError(_parse_error(block, names, schema, exc)) from None
    table = normalize_table(table)
    if predicate is not None:
        table = filter_table(table, predicate)
    return table.select(out_schema.names)


def _infer_schema(sample: bytes, read_opts: pacsv.ReadOptions, sep: str) -> tuple[pa.Schema, bool]:
    """The sample's schema, and whether it has quoted fields with line breaks (only a quoted field
    can hold one, so a parsed string value containing a line break means there is one)."""
    opts = pacsv.ParseOptions(delimiter=sep, newlines_in_values=True)
    table = pacsv.read_csv(io.BytesIO(sample), read_options=read_opts, parse_options=opts)
    breaks = b'"' in sample and any(
        pc.any(pc.match_substring_regex(column, "[\\r\\n]")).as_py()
        for column in table.columns if pa.types.is_string(column.type) or pa.types.is_large_string(column.type))
    return table.schema, bool(breaks)


def read_csv_node(path: str | Sequence[str], blocksize: int | str | None = "64MB", columns: Sequence[str] | None = None,
                  sep: str = ",", header: bool = True, names: Sequence[str] | None = None, dtype: Any = None,
                  parse_dates: Sequence[str] | None = None, storage_options: dict | None = None, **options: Any) -> CsvScan:
    if "delimiter" in options:  # pandas spellings
        sep = options.pop("delimiter")
    if "usecols" in options:
        columns = options.pop("usecols")
    if options:
        raise InvalidArgumentError(f"read_csv got unknown options: {sorted(options)}")
    size = parse_size(blocksize)
    fs, files, _ = expand_paths(path, storage_options, suffixes=(".csv", ".txt", ".tsv"))
    try:
        with fs.open(files[0], "rb") as f:
            sample = f.read(SAMPLE_BYTES)
            more = f.read(1)
    except OSError as exc:
        raise DataSourceError(f"cannot read CSV file {files[0]!r}: {exc}") from None
    if not sample.strip():
        raise DataSourceError(f"CSV file {files[0]!r} is empty")
    if more and b"\n" in sample:
        sample = sample[: sample.rfind(b"\n") + 1]
    try:
        read_opts = pacsv.ReadOptions(column_names=list(names)) if names is not None or not header else pacsv.ReadOptions()
        if not header and names is None:
            read_opts = pacsv.ReadOptions(autogenerate_column_names=True)
        if names is not None and header:
            read_opts = pacsv.ReadOptions(column_names=list(names), skip_rows=1)
        inferred, newlines_in_values = _infer_schema(sample, read_opts, sep)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataSourceError(f"cannot parse CSV file {files[0]!r}: {exc}") from None
    fields = {f.name: f.type for f in inferred}
    if isinstance(dtype, dict):
        for k, v in dtype.items():
            if k not in fields:
                raise ColumnNotFoundError(k, list(fields), where=f"CSV file {files[0]!r}")
            fields[k] = to_arrow_type(v)
    elif dtype is not None:
        fields = {k: to_arrow_type(dtype) for k in fields}
    for k in parse_dates or []:
        if k not in fields:
            raise ColumnNotFoundError(k, list(fields), where=f"CSV file {files[0]!r}")
        if not pa.types.is_timestamp(fields[k]):
            fields[k] = pa.timestamp("us")  # what pandas' parse_dates gives (datetime64[us])
    for k, t in list(fields.items()):
        if pa.types.is_null(t):
            fields[k] = pa.string()
    schema = pa.schema(list(fields.items()))
    blocks: list[Block] = []
    for file in files:
        total = fs.size(file)
        if not total:
            raise DataSourceError(f"CSV file {file!r} is empty")
        if size is None or total <= size:
            blocks.append(Block(file, 0, total, True))  # to its end: _read_range finishes the last line
            continue
        if newlines_in_values:
            raise DataSourceError(f"CSV file {files[0]!r} has quoted fields with line breaks, so {file!r} "
                                  f"({total} bytes) cannot be split into blocks of {size}; pass blocksize=None")
        for start in range(0, total, size):
            blocks.append(Block(file, start, min(start + size, total), start == 0))
    node = CsvScan(fs, tuple(blocks), schema, tuple(schema.names), header, sep,
                   source=(path if isinstance(path, str) else f"{len(files)} files").rsplit("/", 1)[-1],
                   newlines_in_values=newlines_in_values)
    if columns is not None:
        node = node.with_columns(columns)
    return node
