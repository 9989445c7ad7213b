"""DuckDB's ``read_csv``: dialect, header and types sniffed from a sample, and DuckDB's options.

SQL's ``read_csv(...)`` and ``FROM 'x.csv'`` read with DuckDB's meaning (the tests compare with
DuckDB on the same files); ``frames.read_csv`` keeps pandas' (``frames.dataframe.io.csv``). Both build the
same ``CsvScan``.

The sniffer follows DuckDB's: every candidate delimiter and quote parses the sample, a candidate
whose rows all have one width (and whose quotes all close) beats one that does not, then more
columns win. The first row is a header when a value of it does not fit its column's type
inferred from the other rows (or when every column is text). Types are pyarrow's inference plus
DuckDB's date formats (``%m-%d-%Y``, ``%d/%m/%Y``, ... the last candidate that fits every sampled
value, as DuckDB picks). ``ignore_errors`` skips rows of the wrong width and rows with a value their
column's type cannot hold.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from frames.errors import ColumnNotFoundError, DataSourceError, InvalidArgumentError
from frames.dataframe.io.csv import (CSV_SUFFIXES, CsvDialect, CsvLayout, CsvScan, header_names, infer_types, plan_blocks, read_sample,
                           source_label, split_preamble, unclosed_quote_row)
from frames.dataframe.io.files import compression_of, expand_paths

SNIFF_BYTES = 1 << 18
DELIMITERS = (",", "|", ";", "\t")
QUOTES = ('"', "'", None)
_DATE_TEMPLATES = ("%m-%d-%Y", "%m-%d-%y", "%d-%m-%Y", "%d-%m-%y", "%Y-%m-%d", "%y-%m-%d")
TRUE_VALUES = ("true", "True", "TRUE", "t", "T", "1")
FALSE_VALUES = ("false", "False", "FALSE", "f", "F", "0")

OPTIONS = frozenset({
    "header", "delim", "sep", "delimiter", "quote", "escape", "columns", "types", "dtypes", "column_types", "names",
    "column_names", "nullstr", "null", "skip", "dateformat", "timestampformat", "compression", "ignore_errors",
    "filename", "all_varchar", "auto_detect", "encoding", "sample_size", "new_line", "parallel", "max_line_size",
    "union_by_name", "hive_partitioning", "files_to_sniff", "blocksize",
})
"""The options SQL's ``read_csv`` takes (DuckDB's names; ``blocksize`` is this engine's, the bytes per
partition); others are refused by name. ``sample_size``, ``parallel``, ``max_line_size`` and
``files_to_sniff`` are accepted and change nothing here (the sample is the first MB of the first file)."""


def read_csv_auto_node(path: str | Sequence[str], storage_options: dict | None = None, **options: Any) -> CsvScan:
    """A CSV scan with DuckDB's ``read_csv`` meaning for ``options`` (types as pyarrow types)."""
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise InvalidArgumentError(f"read_csv does not take {', '.join(map(repr, unknown))} "
                                   f"(its options: {', '.join(sorted(OPTIONS))})")
    for name in ("union_by_name", "hive_partitioning"):
        if options.get(name):
            raise InvalidArgumentError(f"read_csv option {name}=true is not supported")
    if options.get("new_line") not in (None, "\n", "\r\n", "\\n", "\\r\\n"):
        raise InvalidArgumentError(f"read_csv new_line={options['new_line']!r} is not supported (only \\n and \\r\\n)")
    fs, files, _ = expand_paths(path, storage_options, suffixes=CSV_SUFFIXES)
    compression = _compression(options.get("compression", "auto"))
    encoding = _encoding(options.get("encoding", "utf-8"))
    skip = options.get("skip", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise InvalidArgumentError(f"read_csv skip must be a non-negative integer, got {skip!r}")
    nulls = _null_values(options.get("nullstr", options.get("null")))
    sep = _one_of(options, ("delim", "sep", "delimiter"))
    quote = options.get("quote")
    escape = options.get("escape")
    for name, value in (("delim", sep), ("quote", quote), ("escape", escape)):
        if value is not None and (not isinstance(value, str) or len(value) > 1 or (name == "delim" and not value)):
            raise InvalidArgumentError(f"read_csv {name} must be one character, got {value!r}")
    ignore_errors = bool(options.get("ignore_errors", False))
    base = CsvDialect(header=False, skip_rows=skip, null_values=nulls, encoding=encoding,
                      bad_rows="skip" if ignore_errors else "error", skip_bad_values=ignore_errors, skip_hint="ignore_errors=true",
                      true_values=TRUE_VALUES, false_values=FALSE_VALUES,
                      dtype_hint="types={name: 'VARCHAR'}")
    codec = compression_of(files[0]) if compression == "infer" else compression
    sample = read_sample(fs, files[0], codec, encoding)
    _, sample, _ = split_preamble(sample, skip, False)
    if not sample.strip():
        raise DataSourceError(f"CSV file {files[0]!r} has no lines after skip={skip}")
    dialect = sniff_dialect(sample, base, sep, quote if quote != "" else None, quote is not None, escape or None)
    header = options.get("header")
    first, body = _first_line(sample)
    auto = options.get("auto_detect", True) is not False
    width = len(header_names(first, replace(dialect, null_values=())))
    auto_names = [f"column{i:0{len(str(width - 1))}d}" for i in range(width)]
    if header is None:
        header = sniff_header(first, body, auto_names, dialect) if auto else False
    dialect = replace(dialect, header=bool(header))
    names = header_names(first, dialect) if header else auto_names
    data = body if header else sample
    try:
        types, quoted_breaks = infer_types(data, names, dialect)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataSourceError(f"cannot parse CSV file {files[0]!r}: {exc}") from None
    dialect = replace(dialect, newlines_in_values=quoted_breaks)
    fields = {f.name: f.type for f in types}
    formats: dict[str, str] = {}
    if not auto or options.get("all_varchar"):
        fields = {k: pa.string() for k in fields}
    else:
        fields, formats = _duckdb_types(data, names, fields, dialect, options.get("dateformat"), options.get("timestampformat"))
    names, fields = _given_columns(options, names, fields, files[0])
    casts = []
    for name, t in fields.items():
        if name in formats and pa.types.is_date(t):
            fields[name] = pa.timestamp("s")
            casts.append((name, pa.date32()))
    given_ts = options.get("timestampformat")
    timestamp_formats = tuple(dict.fromkeys(list(formats.values()) + ([given_ts] if given_ts else [])))
    dialect = replace(dialect, timestamp_formats=timestamp_formats)
    path_column = options.get("filename", False)
    path_column = ("filename" if path_column is True else path_column) or None
    layout = CsvLayout(tuple(names), pa.schema(list(fields.items())), tuple(casts), (), path_column)
    from frames.dataframe.io.csv import parse_size

    blocks = plan_blocks(fs, files, parse_size(options.get("blocksize", "64MB")), compression, encoding, quoted_breaks)
    return CsvScan(fs, tuple(blocks), dialect, layout, source=source_label(path, files))


def _one_of(options: dict, names: tuple[str, ...]) -> Any:
    given = [n for n in names if options.get(n) is not None]
    if len(given) > 1:
        raise InvalidArgumentError(f"read_csv got both {given[0]} and {given[1]}: give one")
    return options[given[0]] if given else None


def _compression(value: Any) -> str | None:
    value = "auto" if value is None else str(value).lower()
    codecs = {"auto": "infer", "infer": "infer", "none": None, "gzip": "gzip", "gz": "gzip", "zstd": "zstd",
              "bz2": "bz2", "xz": "xz", "lz4": "lz4"}
    if value not in codecs:
        raise InvalidArgumentError(f"read_csv compression={value!r} is not one of {', '.join(codecs)}")
    return codecs[value]


def _encoding(value: Any) -> str:
    import codecs

    try:
        return codecs.lookup(str(value)).name
    except LookupError:
        raise InvalidArgumentError(f"read_csv encoding={value!r} is not an encoding Python knows") from None


def _null_values(value: Any) -> tuple[str, ...]:
    if value is None:
        return ("",)  # DuckDB's default: an empty field is NULL
    values = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(v, str) for v in values):
        raise InvalidArgumentError(f"read_csv nullstr must be a string or a list of strings, got {value!r}")
    return tuple(values)


def _first_line(sample: bytes) -> tuple[bytes, bytes]:
    nl = sample.find(b"\n")
    return (sample, b"") if nl < 0 else (sample[: nl + 1], sample[nl + 1:])


def _parse(sample: bytes, dialect: CsvDialect, names: list[str] | None = None, strings: bool = False):
    bad = [0]

    def count(row) -> str:
        bad[0] += 1
        return "skip"

    read = pacsv.ReadOptions(column_names=names, autogenerate_column_names=names is None, use_threads=False)
    convert = dialect.convert_options()
    if strings and names is not None:
        convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True,
                                       null_values=list(dialect.null_values))
    table = pacsv.read_csv(io.BytesIO(sample), read_options=read, parse_options=replace(dialect, newlines_in_values=True)
                           .parse_options(count), convert_options=convert)
    return table, bad[0]


def sniff_dialect(sample: bytes, base: CsvDialect, sep: str | None, quote: str | None, quote_given: bool,
                  escape: str | None) -> CsvDialect:
    """The delimiter and quote under which the sample's rows all have one width, with the most
    columns (DuckDB's rule); given ones are kept."""
    part = sample[:SNIFF_BYTES]
    if len(sample) > SNIFF_BYTES and b"\n" in part:
        part = part[: part.rfind(b"\n") + 1]
    best, best_score = None, None
    for d in ([sep] if sep else DELIMITERS):
        for q in ([quote] if quote_given else QUOTES):
            esc = None if escape == q else escape  # an escape equal to the quote is the doubled quote
            dialect = replace(base, sep=d, quote=q, escape=esc, double_quote=esc is None)
            try:
                table, bad = _parse(part, dialect)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
            closed = q is None or unclosed_quote_row(part, table, replace(dialect, newlines_in_values=True)) is None
            score = (bad == 0 and closed, table.num_columns, closed)
            if best_score is None or score > best_score:
                best, best_score = dialect, score
    if best is None:
        raise DataSourceError("cannot detect the CSV dialect (delimiter and quote) of the file; give delim= and quote=")
    return best


def sniff_header(first: bytes, body: bytes, names: list[str], dialect: CsvDialect) -> bool:
    """Whether the first line is a header: one of its values does not fit the type its column has in
    the other rows, or every column is text (DuckDB's rule)."""
    if not body.strip():
        return True
    try:
        head, _ = _parse(first, dialect, names, strings=True)
        rest, _ = infer_types(body, names, dialect)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return True
    fields, formats = _duckdb_types(body, names, {f.name: f.type for f in rest}, dialect, None, None)
    if all(pa.types.is_string(t) for t in fields.values()):
        return True
    for name, t in fields.items():
        value = head.column(name)[0].as_py() if head.num_rows else None
        if value is None or pa.types.is_string(t):
            continue
        if not _fits(value, t, formats.get(name), dialect):
            return True
    return False


def _fits(value: str, t: pa.DataType, fmt: str | None, dialect: CsvDialect) -> bool:
    try:
        if fmt is not None:
            pc.strptime(pa.array([value]), format=fmt, unit="s")
            return True
        if pa.types.is_boolean(t):
            return value in TRUE_VALUES + FALSE_VALUES or value in ("1", "0")
        pacsv.read_csv(io.BytesIO(b"x\n" + value.encode() + b"\n"),
                       convert_options=pacsv.ConvertOptions(column_types={"x": t}, quoted_strings_can_be_null=False))
        return True
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return False


def _duckdb_types(data: bytes, names: list[str], fields: dict[str, pa.DataType], dialect: CsvDialect,
                  dateformat: str | None, timestampformat: str | None) -> tuple[dict[str, pa.DataType], dict[str, str]]:
    """pyarrow's inferred types made DuckDB's: text columns tried as booleans (``t``/``f``) and as
    dates in DuckDB's formats (or the given ``dateformat``), times and timestamps at microseconds.
    Returns the types and each custom-format date column's format."""
    out = dict(fields)
    formats: dict[str, str] = {}
    text = [n for n, t in fields.items() if pa.types.is_string(t)]
    values = None
    if text and data.strip():
        try:
            values, _ = _parse(data, dialect, names, strings=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            values = None
    for name, t in fields.items():
        if pa.types.is_time(t):
            out[name] = pa.time64("us")
        elif pa.types.is_timestamp(t):
            out[name] = pa.timestamp("us", t.tz)
        elif name in text and values is not None:
            col = pc.drop_null(values.column(name))
            if len(col) == 0:
                continue
            if pc.all(pc.is_in(col, pa.array(TRUE_VALUES + FALSE_VALUES))).as_py():
                out[name] = pa.bool_()
                continue
            found = _temporal_format(col, dateformat, timestampformat)
            if found is not None:
                out[name], formats[name] = found
    return out, formats


def _all_parse(col: pa.ChunkedArray, fmt: str) -> bool:
    try:
        parsed = pc.strptime(col, format=fmt, unit="s", error_is_null=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return parsed.null_count == 0


def _temporal_format(col: pa.ChunkedArray, dateformat: str | None,
                     timestampformat: str | None) -> tuple[pa.DataType, str] | None:
    """``(date32 or timestamp, format)`` when every value of ``col`` parses with the given format
    or, without one, with the last of DuckDB's candidates that fits (DuckDB reads an ambiguous
    ``01/02/2020`` as 1 February); timestamps are a date format then `` %H:%M:%S``."""
    first = col[0].as_py()
    if timestampformat is not None and _all_parse(col, timestampformat):
        return pa.timestamp("us"), timestampformat
    if dateformat is not None:
        return (pa.date32(), dateformat) if _all_parse(col, dateformat) else None
    if not first or len(first) > 26 or not first[:1].isdigit():
        return None
    timed = " " in first and ":" in first
    found = None
    for sep in "-/.":
        if sep not in first.split(" ")[0]:
            continue
        for template in _DATE_TEMPLATES:
            fmt = template.replace("-", sep) + (" %H:%M:%S" if timed else "")
            if _all_parse(col, fmt):
                found = fmt
    if found is None:
        return None
    return (pa.timestamp("us") if timed else pa.date32()), found


def check_columns(names: Sequence[str], wanted: Sequence[str], where: str) -> None:
    for n in wanted:
        if n not in names:
            raise ColumnNotFoundError(n, list(names), where=where)


def _given_columns(options: dict, names: list[str], fields: dict[str, pa.DataType], file: str) -> tuple[list[str], dict]:
    """``names`` / ``columns`` / ``types`` applied to the sniffed columns."""
    where = f"CSV file {file!r}"
    given_names = options.get("names", options.get("column_names"))
    columns = options.get("columns")
    types = _one_of(options, ("types", "dtypes", "column_types"))
    types_list = list(fields.values())
    if columns is not None:
        if not isinstance(columns, dict):
            raise InvalidArgumentError("read_csv columns must be a struct of name: 'TYPE'")
        if len(columns) != len(names):
            raise DataSourceError(f"read_csv columns gives {len(columns)} columns but {where} has {len(names)}")
        names, types_list = list(columns), list(columns.values())
    if given_names is not None:
        given_names = [str(n) for n in ([given_names] if isinstance(given_names, str) else given_names)]
        if len(given_names) > len(names):
            raise DataSourceError(f"read_csv names gives {len(given_names)} names but {where} has {len(names)} columns")
        names = given_names + names[len(given_names):]
    fields = dict(zip(names, types_list))
    if isinstance(types, dict):
        check_columns(names, list(types), where)
        fields.update(types)
    elif types is not None:
        types = list(types)
        if len(types) > len(names):
            raise DataSourceError(f"read_csv types gives {len(types)} types but {where} has {len(names)} columns")
        for n, t in zip(names, types):
            fields[n] = t
    return names, fields
