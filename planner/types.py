"""Arrow types <-> SQL types, for sqlglot's schema and for CAST."""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

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
    return "VARCHAR"


_SIMPLE = {
    exp.DataType.Type.TINYINT: pa.int8(), exp.DataType.Type.SMALLINT: pa.int16(), exp.DataType.Type.INT: pa.int32(),
    exp.DataType.Type.BIGINT: pa.int64(), exp.DataType.Type.FLOAT: pa.float32(), exp.DataType.Type.DOUBLE: pa.float64(),
    exp.DataType.Type.BOOLEAN: pa.bool_(), exp.DataType.Type.DATE: pa.date32(), exp.DataType.Type.TIMESTAMP: pa.timestamp("us"),
    exp.DataType.Type.VARCHAR: pa.string(), exp.DataType.Type.TEXT: pa.string(), exp.DataType.Type.CHAR: pa.string(),
}


def arrow_type(dt: exp.DataType) -> pa.DataType:
    if dt.this in _SIMPLE:
        return _SIMPLE[dt.this]
    if dt.this == exp.DataType.Type.DECIMAL:
        params = [int(p.name) for p in dt.expressions]
        precision = params[0] if params else 18
        scale = params[1] if len(params) > 1 else (3 if not params else 0)
        return pa.decimal128(precision, scale)
    raise UnsupportedFeatureError(f"CAST to {dt.sql()}")
