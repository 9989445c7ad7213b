"""``COPY ... TO`` as DuckDB reads it: the options checked and turned into a frames write.

DuckDB's COPY is the model: the format comes from ``FORMAT`` or else the file name (``.parquet``,
``.json``/``.jsonl``/``.ndjson``, after a ``.gz``/``.zst`` compression extension; anything else is
CSV, DuckDB's default); the target is one file unless ``PARTITION_BY`` asks for a hive-partitioned
directory; an existing directory is replaced only with ``OVERWRITE`` (or added to with
``OVERWRITE_OR_IGNORE``). Every option is checked by name against the format's: an option DuckDB
has but sqlengine does not is an ``UnsupportedFeatureError``, any other unknown one an
``InvalidOptionError``. What may be replaced is decided in ``frames.dataframe.io.targets``, for COPY and the
DataFrame writers alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from frames.errors import InvalidArgumentError
from frames.dataframe.io.formats import CsvFormat, JsonFormat, ParquetFormat, names_file, parquet_compression, text_compression
from planner.errors import InvalidOptionError, UnsupportedFeatureError

COMMON_OPTIONS = {"format", "overwrite", "overwrite_or_ignore", "partition_by", "compression"}
FORMAT_OPTIONS = {
    "csv": {"delimiter", "delim", "sep", "quote", "escape", "header", "nullstr", "null", "dateformat",
            "date_format", "timestampformat", "timestamp_format"},
    "json": {"array"},
    "parquet": {"row_group_size"},
}
DUCKDB_ONLY_OPTIONS = {
    "per_thread_output", "use_tmp_file", "filename_pattern", "file_extension", "file_size_bytes",
    "write_partition_columns", "return_files", "force_quote", "prefix", "suffix", "newline", "field_ids",
    "row_group_size_bytes", "row_groups_per_file", "kv_metadata", "compression_level", "preserve_order",
    "hive_file_pattern", "parquet_version", "dictionary_size_limit", "string_dictionary_page_size_limit",
    "bloom_filter_false_positive_ratio", "encryption_config", "rotate", "append",
}
"""COPY options DuckDB accepts that sqlengine does not implement: refused by name, not ignored."""
_TRUE = {"true", "t", "1", "yes", "y", "on"}
_FALSE = {"false", "f", "0", "no", "n", "off"}


@dataclass(frozen=True)
class CopyTo:
    """What one ``COPY source TO 'path' (options)`` writes."""

    path: str
    format: Any  # a frames.dataframe.io.formats value
    partition_by: tuple[str, ...]  # column names as written in the statement
    overwrite: bool | str  # False, True or "ignore" (frames.dataframe.io.targets)


def _value(e: exp.Expression | None) -> Any:
    """An option's value as Python: a flag without value is True, names and strings are str."""
    if e is None:
        return True
    if isinstance(e, exp.Boolean):
        return bool(e.this)
    if isinstance(e, exp.Literal):
        if e.is_string:
            return e.this
        return int(e.this) if e.this.lstrip("-").isdigit() else float(e.this)
    if isinstance(e, exp.Null):
        return None
    if isinstance(e, (exp.Tuple, exp.Array)):
        return [_value(x) for x in e.expressions]
    if isinstance(e, exp.Paren):
        return _value(e.this)
    if isinstance(e, (exp.Var, exp.Column, exp.Identifier)):
        return e.name
    return e.sql()


def _bool(option: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise InvalidOptionError(f"COPY option {option.upper()} expects a boolean, not {value!r}")


def _text(option: str, value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list):
        raise InvalidOptionError(f"COPY option {option.upper()} expects a string, not {value!r}")
    return str(value)


def copy_options(st: exp.Copy) -> dict[str, Any]:
    """The statement's options by lower-case name; a repeated option is an error, as in DuckDB."""
    options: dict[str, Any] = {}
    for p in st.args.get("params") or []:
        name = (p.this.name if isinstance(p.this, exp.Expression) else str(p.this)).lower()
        if name in options:
            raise InvalidOptionError(f"COPY option {name.upper()} is given twice")
        options[name] = _value(p.expression)
    return options


def copy_path(st: exp.Copy) -> str:
    files = st.args.get("files") or []
    if len(files) != 1 or not isinstance(files[0], exp.Literal) or not files[0].is_string:
        raise UnsupportedFeatureError("COPY with a target other than one quoted file name")
    return files[0].this


def infer_format(path: str) -> str:
    """DuckDB's choice for a target without FORMAT: Parquet or JSON by extension, else CSV."""
    lower = path.lower().rstrip("/")
    for fmt, probe in (("parquet", ParquetFormat), ("json", JsonFormat)):
        if names_file(probe(), lower):
            return fmt
    return "csv"


def copy_to(st: exp.Copy) -> CopyTo:
    """Check ``COPY ... TO``'s options and say what to write."""
    path = copy_path(st)
    options = copy_options(st)
    fmt_name = str(options.pop("format", None) or infer_format(path)).lower()
    if fmt_name not in FORMAT_OPTIONS:
        raise InvalidOptionError(f"COPY FORMAT {fmt_name!r} is not one sqlengine writes (parquet, csv, json)",
                                 fmt_name, FORMAT_OPTIONS)
    allowed = COMMON_OPTIONS | FORMAT_OPTIONS[fmt_name]
    for name in options:
        if name in allowed:
            continue
        if name in DUCKDB_ONLY_OPTIONS or any(name in o for o in FORMAT_OPTIONS.values()):
            where = "" if name in DUCKDB_ONLY_OPTIONS else f" for FORMAT {fmt_name.upper()}"
            raise UnsupportedFeatureError(f"COPY option {name.upper()}{where}")
        raise InvalidOptionError(f"unknown COPY option {name.upper()} for FORMAT {fmt_name.upper()}", name, allowed)
    overwrite = _bool("overwrite", options.pop("overwrite", False))
    ignore = _bool("overwrite_or_ignore", options.pop("overwrite_or_ignore", False))
    if overwrite and ignore:
        raise InvalidOptionError("COPY options OVERWRITE and OVERWRITE_OR_IGNORE cannot be combined")
    partition = options.pop("partition_by", None)
    partition_by = tuple(partition) if isinstance(partition, list) else (() if partition is None else (str(partition),))
    compression = options.pop("compression", None)
    try:
        fmt = _format(fmt_name, path, compression, options)
    except InvalidArgumentError as exc:
        raise InvalidOptionError(f"COPY: {exc}") from None
    return CopyTo(path, fmt, partition_by, "ignore" if ignore else overwrite)


def _format(name: str, path: str, compression: Any, options: dict[str, Any]):
    if compression is not None:
        compression = _text("compression", compression)
    if name == "parquet":
        size = options.get("row_group_size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise InvalidOptionError(f"COPY option ROW_GROUP_SIZE expects a positive integer, not {size!r}")
        return ParquetFormat(parquet_compression(compression), size)
    codec = text_compression(compression, path)
    if name == "json":
        return JsonFormat(_bool("array", options.get("array", False)), codec)
    given = [k for k in ("delimiter", "delim", "sep") if k in options]
    if len(given) > 1:
        raise InvalidOptionError(f"COPY options {' and '.join(g.upper() for g in given)} both set the delimiter")
    quote = _text("quote", options.get("quote", '"'))
    null = options.get("nullstr", options.get("null", ""))
    return CsvFormat(
        delimiter=_text("delimiter", options[given[0]]) if given else ",",
        quote=quote,
        escape=_text("escape", options.get("escape", '"')),
        header=_bool("header", options.get("header", True)),
        null=_text("nullstr", null),
        compression=codec,
        date_format=_opt_text(options, "dateformat", "date_format"),
        timestamp_format=_opt_text(options, "timestampformat", "timestamp_format"),
    )


def _opt_text(options: dict[str, Any], *names: str) -> str | None:
    for n in names:
        if n in options:
            return _text(n, options[n])
    return None
