"""The catalog described as tables: ``information_schema.tables`` / ``.columns`` / ``.schemata``,
DESCRIBE, SHOW ALL TABLES; DuckDB's columns, names and type spellings (``duckdb_type``).

A query naming a system table (``information_schema.columns``) reads a constant table built from
the catalog when the query is planned (``Planner.logical``); ``SYSTEM_TABLES`` maps (schema, name)
to the function that builds it, so another module (a Postgres-wire server's ``pg_catalog``) can add
its own. Tables in this module are described through ``Described``: a name's columns, and for a
writable table its constraints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pyarrow as pa

from planner.tables import MemoryTable


def duckdb_type(t: pa.DataType) -> str:
    """``t`` as DuckDB spells it in DESCRIBE and information_schema (``INTEGER``, ``DECIMAL(10,2)``,
    ``STRUCT(a INTEGER)``, ``VARCHAR[]``); a decimal of 38 digits and scale 0 is DuckDB's HUGEINT."""
    if pa.types.is_decimal(t):
        return "HUGEINT" if (t.precision, t.scale) == (38, 0) else f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_integer(t):
        name = {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[t.bit_width]
        return ("U" + name) if pa.types.is_unsigned_integer(t) else name
    if pa.types.is_timestamp(t):
        return "TIMESTAMP" if t.tz is None else "TIMESTAMP WITH TIME ZONE"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f"{f.name} {duckdb_type(f.type)}" for f in t) + ")"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return duckdb_type(t.value_type) + "[]"
    if pa.types.is_dictionary(t):
        return duckdb_type(t.value_type)
    simple = [(pa.types.is_floating, lambda: "DOUBLE" if t.bit_width == 64 else "FLOAT"),
              (pa.types.is_boolean, lambda: "BOOLEAN"), (pa.types.is_date, lambda: "DATE"),
              (pa.types.is_time, lambda: "TIME"), (pa.types.is_duration, lambda: "INTERVAL"),
              (pa.types.is_binary, lambda: "BLOB"), (pa.types.is_large_binary, lambda: "BLOB"),
              (pa.types.is_null, lambda: '"NULL"')]
    for test, name in simple:
        if test(t):
            return name()
    return "VARCHAR"


@dataclass(frozen=True)
class Described:
    """One name of the catalog: its key, spelling, kind, columns and (writable tables) definition."""

    name: str
    kind: str  # "BASE TABLE" or "VIEW"
    schema: pa.Schema
    table: MemoryTable | None = None  # a writable table's definition


SystemTable = Callable[[list[Described], "object"], pa.Table]
"""(the catalog's names described, the catalog) -> the table's rows."""


def _text(values) -> pa.Array:
    return pa.array(values, pa.string())


def _int(values) -> pa.Array:
    return pa.array(values, pa.int32())


def tables(described: list[Described], catalog) -> pa.Table:
    n = len(described)
    nulls = lambda: _text([None] * n)  # noqa: E731
    return pa.table({
        "table_catalog": _text([catalog.database] * n), "table_schema": _text([catalog.schema] * n),
        "table_name": _text([d.name for d in described]), "table_type": _text([d.kind for d in described]),
        "self_referencing_column_name": nulls(), "reference_generation": nulls(), "user_defined_type_catalog": nulls(),
        "user_defined_type_schema": nulls(), "user_defined_type_name": nulls(),
        "is_insertable_into": _text(["YES" if d.table is not None else "NO" for d in described]),
        "is_typed": _text(["NO"] * n), "commit_action": nulls(), "TABLE_COMMENT": nulls(),
    })


def _numeric(t: pa.DataType) -> tuple[int | None, int | None, int | None]:
    """(numeric_precision, numeric_precision_radix, numeric_scale) as DuckDB reports them."""
    if pa.types.is_decimal(t):
        return t.precision, 10, t.scale
    if pa.types.is_integer(t):
        return t.bit_width, 2, 0
    if pa.types.is_floating(t):
        return (53 if t.bit_width == 64 else 24), 2, 0
    return None, None, None


_COLUMNS_TAIL = [  # information_schema.columns' columns after numeric_scale, DuckDB's types
    ("datetime_precision", pa.int32()), ("interval_type", pa.string()), ("interval_precision", pa.int32()),
    ("character_set_catalog", pa.string()), ("character_set_schema", pa.string()), ("character_set_name", pa.string()),
    ("collation_catalog", pa.string()), ("collation_schema", pa.string()), ("collation_name", pa.string()),
    ("domain_catalog", pa.string()), ("domain_schema", pa.string()), ("domain_name", pa.string()),
    ("udt_catalog", pa.string()), ("udt_schema", pa.string()), ("udt_name", pa.string()), ("scope_catalog", pa.string()),
    ("scope_schema", pa.string()), ("scope_name", pa.string()), ("maximum_cardinality", pa.int64()),
    ("dtd_identifier", pa.string()), ("is_self_referencing", pa.bool_()), ("is_identity", pa.bool_()),
    ("identity_generation", pa.string()), ("identity_start", pa.string()), ("identity_increment", pa.string()),
    ("identity_maximum", pa.string()), ("identity_minimum", pa.string()), ("identity_cycle", pa.bool_()),
    ("is_generated", pa.string()), ("generation_expression", pa.string()), ("is_updatable", pa.bool_()),
    ("COLUMN_COMMENT", pa.string()),
]


def columns(described: list[Described], catalog) -> pa.Table:
    rows = []
    for d in described:
        for i, f in enumerate(d.schema):
            spec = d.table.column(f.name) if d.table is not None else None
            nullable = spec is None or not (spec.not_null or f.name in d.table.primary_key)
            default = spec.default.sql("duckdb") if spec is not None and spec.default is not None else None
            rows.append((d.name, f.name, i + 1, default, "YES" if nullable else "NO", duckdb_type(f.type), *_numeric(f.type)))
    n = len(rows)
    out = {"table_catalog": _text([catalog.database] * n), "table_schema": _text([catalog.schema] * n)}
    names = ["table_name", "column_name", "ordinal_position", "column_default", "is_nullable", "data_type",
             "numeric_precision", "numeric_precision_radix", "numeric_scale"]
    values = dict(zip(names, zip(*rows))) if rows else {k: () for k in names}
    for k in ["table_name", "column_name"]:
        out[k] = _text(values[k])
    out["ordinal_position"] = _int(values["ordinal_position"])
    out["column_default"] = _text(values["column_default"])
    out["is_nullable"] = _text(values["is_nullable"])
    out["data_type"] = _text(values["data_type"])
    out["character_maximum_length"] = _int([None] * n)
    out["character_octet_length"] = _int([None] * n)
    for k in ["numeric_precision", "numeric_precision_radix", "numeric_scale"]:
        out[k] = _int(values[k])
    for name, t in _COLUMNS_TAIL:
        out[name] = pa.array(["NEVER"] * n if name == "is_generated" else [None] * n, t)
    return pa.table(out)


def schemata(described: list[Described], catalog) -> pa.Table:
    places = [(catalog.database, catalog.schema), ("system", "information_schema"), ("system", "main"),
              ("system", "pg_catalog"), ("temp", "main")]
    n = len(places)
    return pa.table({
        "catalog_name": _text([p[0] for p in places]), "schema_name": _text([p[1] for p in places]),
        "schema_owner": _text(["sqlengine"] * n), "default_character_set_catalog": _text([None] * n),
        "default_character_set_schema": _text([None] * n), "default_character_set_name": _text([None] * n),
        "sql_path": _text([None] * n),
    })


SYSTEM_TABLES: dict[tuple[str, str], SystemTable] = {
    ("information_schema", "tables"): tables,
    ("information_schema", "columns"): columns,
    ("information_schema", "schemata"): schemata,
}
"""(schema, table) -> what builds it; keys in lower case."""


def describe(schema: pa.Schema, table: MemoryTable | None = None) -> pa.Table:
    """DESCRIBE's rows, DuckDB's six columns: column_name, column_type, null, key, default, extra."""
    names, types, nulls, keys, defaults = [], [], [], [], []
    for f in schema:
        spec = table.column(f.name) if table is not None else None
        names.append(f.name)
        types.append(duckdb_type(f.type))
        not_null = spec is not None and (spec.not_null or f.name in table.primary_key)
        nulls.append("NO" if not_null else "YES")
        keys.append(("PRI" if f.name in table.primary_key else "UNI" if any(k == (f.name,) for k in table.unique) else None)
                    if table is not None else None)
        defaults.append(spec.default.sql("duckdb") if spec is not None and spec.default is not None else None)
    return pa.table({"column_name": _text(names), "column_type": _text(types), "null": _text(nulls),
                     "key": _text(keys), "default": _text(defaults), "extra": _text([None] * len(names))})


def all_tables(described: list[Described], catalog) -> pa.Table:
    """SHOW ALL TABLES: database, schema, name, column_names, column_types, temporary."""
    n = len(described)
    return pa.table({
        "database": _text([catalog.database] * n), "schema": _text([catalog.schema] * n),
        "name": _text([d.name for d in described]),
        "column_names": pa.array([d.schema.names for d in described], pa.list_(pa.string())),
        "column_types": pa.array([[duckdb_type(f.type) for f in d.schema] for d in described], pa.list_(pa.string())),
        "temporary": pa.array([False] * n, pa.bool_()),
    })
