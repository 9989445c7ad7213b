"""SQL table functions over files (``FROM read_csv('x.csv', header=false)``): one table of
function name -> reader and the options it takes, in DuckDB's names and meaning.

Arguments are constants: the paths (a string, a list of strings, or several strings) and named
options (``name=value``; structs and lists become dicts and lists, type names Arrow types). An
option the function does not take is refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pyarrow as pa
from sqlglot import exp

from frames.errors import InvalidArgumentError
from frames.dataframe.expr.node import Node as FramesNode
from planner.errors import UnsupportedFeatureError


@dataclass(frozen=True)
class TableFunction:
    read: Callable[[list[str], dict[str, Any], dict | None], FramesNode]  # (paths, options, storage_options)
    options: frozenset[str]
    typed: frozenset[str] = frozenset()  # options whose values are SQL type names


def _read_csv(paths: list[str], options: dict[str, Any], storage_options: dict | None = None) -> FramesNode:
    from frames.dataframe.io.csv_sniff import read_csv_auto_node

    return read_csv_auto_node(paths[0] if len(paths) == 1 else paths, storage_options=storage_options, **options)


def _json_reader(layout: str) -> Callable[[list[str], dict[str, Any], dict | None], FramesNode]:
    """``read_json`` (layout detected) or ``read_ndjson`` (JSON lines): DuckDB's options that change
    what is read (``auto_detect`` is always on unless ``columns`` gives the types)."""

    def read(paths: list[str], options: dict[str, Any], storage_options: dict | None = None) -> FramesNode:
        from frames.dataframe.io import read_json_node

        options = {"format": layout, **{k: v for k, v in options.items() if k != "auto_detect"}}
        return read_json_node(paths[0] if len(paths) == 1 else paths, storage_options=storage_options, **options)

    return read


JSON_OPTIONS = frozenset({"format", "records", "columns", "compression", "auto_detect"})


def _read_parquet(paths: list[str], options: dict[str, Any], storage_options: dict | None = None) -> FramesNode:
    from frames.dataframe.io import read_parquet_node

    if options.get("hive_partitioning") is False:
        raise UnsupportedFeatureError("read_parquet with hive_partitioning=false (key=value folders always become columns)")
    return read_parquet_node(paths[0] if len(paths) == 1 else paths, storage_options=storage_options)


def _csv_options() -> frozenset[str]:
    from frames.dataframe.io.csv_sniff import OPTIONS

    return OPTIONS


TABLE_FUNCTIONS: dict[str, TableFunction] = {
    "read_csv": TableFunction(_read_csv, _csv_options(), frozenset({"columns", "types", "dtypes", "column_types"})),
    "read_csv_auto": TableFunction(_read_csv, _csv_options(), frozenset({"columns", "types", "dtypes", "column_types"})),
    "read_parquet": TableFunction(_read_parquet, frozenset({"hive_partitioning"})),
    "read_json": TableFunction(_json_reader("auto"), JSON_OPTIONS, frozenset({"columns"})),
    "read_json_auto": TableFunction(_json_reader("auto"), JSON_OPTIONS, frozenset({"columns"})),
    "read_ndjson": TableFunction(_json_reader("newline_delimited"), JSON_OPTIONS, frozenset({"columns"})),
    "read_ndjson_auto": TableFunction(_json_reader("newline_delimited"), JSON_OPTIONS, frozenset({"columns"})),
}


def function_name(node: exp.Expression) -> str | None:
    """The table function ``node`` calls, if it is one of ``TABLE_FUNCTIONS``."""
    if isinstance(node, exp.ReadCSV):
        return "read_csv"
    if isinstance(node, exp.ReadParquet):
        return "read_parquet"
    if isinstance(node, exp.Anonymous) and str(node.this).lower() in TABLE_FUNCTIONS:
        return str(node.this).lower()
    return None


def read_table_function(node: exp.Expression, storage_options: dict | None = None) -> FramesNode:
    """The frames scan a table-function call in FROM reads (URLs opened with ``storage_options``)."""
    name = function_name(node)
    assert name is not None
    spec = TABLE_FUNCTIONS[name]
    args = ([node.this] if not isinstance(node, exp.Anonymous) and node.this is not None else []) + list(node.expressions)
    paths: list[str] = []
    options: dict[str, Any] = {}
    for arg in args:
        if isinstance(arg, (exp.EQ, exp.PropertyEQ)) and isinstance(arg.this, (exp.Column, exp.Identifier)):
            key = arg.this.name.lower()
            if key not in spec.options:
                raise InvalidArgumentError(f"{name} has no option {key!r} (its options: {', '.join(sorted(spec.options))})")
            value = constant(arg.expression, f"{name} option {key}")
            options[key] = _types(value, f"{name} option {key}") if key in spec.typed else value
            continue
        value = constant(arg, f"{name}'s path")
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) for v in values):
            raise InvalidArgumentError(f"{name} paths must be strings or lists of strings, got {arg.sql()}")
        paths += values
    if not paths:
        raise InvalidArgumentError(f"{name} without a path")
    return spec.read(paths, options, storage_options)


def constant(e: exp.Expression, what: str) -> Any:
    """A constant SQL expression as a Python value."""
    if isinstance(e, exp.Literal):
        if e.is_string:
            return e.this
        text = e.this
        return float(text) if any(ch in text for ch in ".eE") else int(text)
    if isinstance(e, exp.Boolean):
        return bool(e.this)
    if isinstance(e, exp.Null):
        return None
    if isinstance(e, exp.Neg):
        return -constant(e.this, what)
    if isinstance(e, exp.Array):
        return [constant(x, what) for x in e.expressions]
    if isinstance(e, exp.Struct):
        out = {}
        for item in e.expressions:
            if not isinstance(item, (exp.PropertyEQ, exp.Slice, exp.EQ)):
                raise UnsupportedFeatureError(f"{what}: {item.sql()} is not a name: value pair")
            out[item.this.name] = constant(item.expression, what)
        return out
    raise UnsupportedFeatureError(f"{what} must be a constant, got {e.sql()}")


def _types(value: Any, what: str) -> Any:
    """SQL type names (in a list or a struct's values) as Arrow types."""
    if isinstance(value, dict):
        return {k: _arrow_type(v, what) for k, v in value.items()}
    if isinstance(value, list):
        return [_arrow_type(v, what) for v in value]
    raise UnsupportedFeatureError(f"{what} must be a list or a struct of type names, got {value!r}")


def _arrow_type(name: Any, what: str) -> pa.DataType:
    from sqlglot.errors import ParseError

    from planner.types import arrow_type

    if not isinstance(name, str):
        raise UnsupportedFeatureError(f"{what}: {name!r} is not a type name")
    if name.strip().upper() == "TIME":
        return pa.time64("us")
    try:
        return arrow_type(exp.DataType.build(name, dialect="duckdb"))
    except (ParseError, ValueError):
        raise UnsupportedFeatureError(f"{what}: {name!r} is not a type") from None
    except UnsupportedFeatureError:
        raise UnsupportedFeatureError(f"{what}: type {name!r} is not supported") from None
