"""Arrow types <-> SQL types, for sqlglot's schema and for CAST."""

from __future__ import annotations

import re

import pyarrow as pa
from sqlglot import exp

from frames.errors import DataTypeError

from planner.errors import UnsupportedFeatureError


def sql_type(t: pa.DataType) -> str:
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision}, {t.scale})"
    if pa.types.is_integer(t):
        return {8: "TINYINT", 16: "SMALLINT", 32: "INT", 64: "BIGINT"}[t.bit_width]
    if pa.types.is_floating(t):
        return "DOUBLE" if t.bit_width == 64 else "FLOAT"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_time(t):
        return "TIME"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "VARCHAR"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return "BLOB"
    if pa.types.is_duration(t):
        return "INTERVAL"
    if pa.types.is_struct(t):  # DuckDB's spelling, as DESCRIBE shows it
        return "STRUCT(" + ", ".join(f"{f.name} {sql_type(f.type)}" for f in t) + ")"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return sql_type(t.value_type) + "[]"
    return "VARCHAR"


_SIMPLE = {
    exp.DataType.Type.TINYINT: pa.int8(), exp.DataType.Type.SMALLINT: pa.int16(), exp.DataType.Type.INT: pa.int32(),
    exp.DataType.Type.BIGINT: pa.int64(), exp.DataType.Type.FLOAT: pa.float32(), exp.DataType.Type.DOUBLE: pa.float64(),
    exp.DataType.Type.BOOLEAN: pa.bool_(), exp.DataType.Type.DATE: pa.date32(), exp.DataType.Type.TIMESTAMP: pa.timestamp("us"),
    exp.DataType.Type.TIMESTAMPNTZ: pa.timestamp("us"), exp.DataType.Type.DATETIME: pa.timestamp("us"),
    exp.DataType.Type.VARCHAR: pa.string(), exp.DataType.Type.TEXT: pa.string(), exp.DataType.Type.CHAR: pa.string(),
    exp.DataType.Type.TIME: pa.time64("us"), exp.DataType.Type.VARBINARY: pa.binary(), exp.DataType.Type.BINARY: pa.binary(),
    exp.DataType.Type.BLOB: pa.binary(),
}


def literal_type(text: str) -> pa.DataType:
    """The type DuckDB gives a numeric literal written ``text``: ``1`` INTEGER (BIGINT, then a
    38-digit decimal standing for HUGEINT when larger), ``2.50`` DECIMAL(3,2) (every digit
    written, the leading zero of ``0.5`` too), ``1e3`` and decimals past 38 digits DOUBLE."""
    digits = text.lstrip("+-")
    if "e" in digits.lower():
        return pa.float64()
    if "." in digits:
        whole, _, fraction = digits.partition(".")
        precision = max(len(whole), 1) + len(fraction)
        return pa.float64() if precision > 38 else pa.decimal128(precision, len(fraction))
    value = int(text)
    if -2**31 <= value < 2**31:
        return pa.int32()
    if -2**63 <= value < 2**63:
        return pa.int64()
    return pa.decimal128(38, 0) if len(digits) <= 38 else pa.float64()


def retype_literals(expression: exp.Expression) -> exp.Expression:
    """Numeric literals annotated with DuckDB's types (sqlglot's ``annotate_types`` calls ``2.5`` a
    DOUBLE, so its ``canonicalize`` would drop ``CAST(2.5 AS DOUBLE)`` as redundant)."""
    for lit in expression.find_all(exp.Literal):
        if not lit.is_string:
            lit.type = exp.DataType.build(sql_type(literal_type(lit.this)))
            if isinstance(lit.parent, exp.Neg):  # DuckDB types -2147483648 as 2147483648: a BIGINT
                lit.parent.type = lit.type
    return expression


def arrow_type(dt: exp.DataType) -> pa.DataType:
    if dt.this in _SIMPLE:
        return _SIMPLE[dt.this]
    if dt.this == exp.DataType.Type.DECIMAL:
        params = [int(p.name) for p in dt.expressions]
        precision = params[0] if params else 18
        scale = params[1] if len(params) > 1 else (3 if not params else 0)
        return pa.decimal128(precision, scale)
    if dt.this == exp.DataType.Type.STRUCT:  # STRUCT(a INT, b VARCHAR): JSON objects read as Arrow structs
        return pa.struct([pa.field(f.name, arrow_type(f.args["kind"])) for f in dt.expressions])
    if dt.this in (exp.DataType.Type.ARRAY, exp.DataType.Type.LIST) and len(dt.expressions) == 1:  # INT[]
        return pa.list_(arrow_type(dt.expressions[0]))
    raise UnsupportedFeatureError(f"CAST to {dt.sql()}")


def blob_from_text(text: str) -> bytes:
    """DuckDB's BLOB text read as bytes: ``\\xHH`` is one byte, any other character its UTF-8
    bytes (``'\\xAA\\xBBz'::BLOB``); a backslash not starting ``\\xHH`` is refused, as in DuckDB."""
    out = bytearray()
    for plain, hexa, bad in re.findall(r"([^\\]+)|\\x([0-9A-Fa-f]{2})|(\\.{0,3})", text, flags=re.S):
        if bad:
            raise DataTypeError(f"invalid escape {bad!r} in the BLOB text {text!r}: write a byte as \\xHH")
        out += plain.encode() if plain else bytes.fromhex(hexa)
    return bytes(out)
