"""Postgres types of Arrow columns and their wire encodings, whole columns at a time.

A result goes out as DataRow messages. Each column is first encoded as one Arrow string/binary
array of its wire form (text: ``pyarrow.compute`` casts; binary: big-endian NumPy views), then
``data_rows`` lays every row's message out in one NumPy buffer by index arithmetic, so no Python
code runs per value except for the rare types without a vectorized form (numeric in binary,
bytea as text, intervals, nested values).
"""

from __future__ import annotations

import datetime
import decimal
import json
import struct
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class PgType:
    name: str  # as format_type() spells it
    oid: int
    size: int  # typlen: bytes, or -1 for variable length
    typname: str  # pg_type.typname
    category: str  # pg_type.typcategory


_TYPES = [
    PgType("boolean", 16, 1, "bool", "B"),
    PgType("bytea", 17, -1, "bytea", "U"),
    PgType("bigint", 20, 8, "int8", "N"),
    PgType("smallint", 21, 2, "int2", "N"),
    PgType("integer", 23, 4, "int4", "N"),
    PgType("text", 25, -1, "text", "S"),
    PgType("oid", 26, 4, "oid", "N"),
    PgType("json", 114, -1, "json", "U"),
    PgType("real", 700, 4, "float4", "N"),
    PgType("double precision", 701, 8, "float8", "N"),
    PgType("unknown", 705, -2, "unknown", "X"),
    PgType("character", 1042, -1, "bpchar", "S"),
    PgType("character varying", 1043, -1, "varchar", "S"),
    PgType("date", 1082, 4, "date", "D"),
    PgType("time without time zone", 1083, 8, "time", "D"),
    PgType("timestamp without time zone", 1114, 8, "timestamp", "D"),
    PgType("timestamp with time zone", 1184, 8, "timestamptz", "D"),
    PgType("interval", 1186, 16, "interval", "T"),
    PgType("numeric", 1700, -1, "numeric", "N"),
    PgType("name", 19, 64, "name", "S"),
    PgType("char", 18, 1, "char", "S"),
    PgType("regclass", 2205, 4, "regclass", "N"),
    PgType("regproc", 24, 4, "regproc", "N"),
    PgType("regtype", 2206, 4, "regtype", "N"),
    PgType("uuid", 2950, 16, "uuid", "U"),
]
TYPES_BY_OID = {t.oid: t for t in _TYPES}
TYPES_BY_NAME = {t.typname: t for t in _TYPES}
TEXT = TYPES_BY_NAME["text"]
EPOCH_2000_DAYS = 10957  # 2000-01-01, Postgres' epoch, in days since 1970-01-01
EPOCH_2000_US = EPOCH_2000_DAYS * 86_400_000_000


def pg_type(t: pa.DataType) -> PgType:
    """The Postgres type a column of Arrow type ``t`` is sent as."""
    if pa.types.is_dictionary(t):
        return pg_type(t.value_type)
    if pa.types.is_boolean(t):
        return TYPES_BY_NAME["bool"]
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return TYPES_BY_NAME["int2"]
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return TYPES_BY_NAME["int4"]
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return TYPES_BY_NAME["int8"]
    if pa.types.is_uint64(t) or pa.types.is_decimal(t):
        return TYPES_BY_NAME["numeric"]
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return TYPES_BY_NAME["float4"]
    if pa.types.is_float64(t):
        return TYPES_BY_NAME["float8"]
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return TYPES_BY_NAME["text"]
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t) or pa.types.is_binary_view(t):
        return TYPES_BY_NAME["bytea"]
    if pa.types.is_date(t):
        return TYPES_BY_NAME["date"]
    if pa.types.is_timestamp(t):
        return TYPES_BY_NAME["timestamptz" if t.tz else "timestamp"]
    if pa.types.is_time(t):
        return TYPES_BY_NAME["time"]
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return TYPES_BY_NAME["interval"]
    return TEXT  # nested values and NULL-typed columns go out as their text


def type_modifier(t: pa.DataType) -> int:
    """``atttypmod``: numeric's precision and scale, else -1 (none)."""
    if pa.types.is_dictionary(t):
        return type_modifier(t.value_type)
    if pa.types.is_decimal(t):
        return ((t.precision << 16) | t.scale) + 4
    return -1


def format_type(t: pa.DataType) -> str:
    """The type as ``format_type()`` and psql's ``\\d`` show it."""
    base = pg_type(t)
    if pa.types.is_decimal(t):
        return f"numeric({t.precision},{t.scale})"
    return base.name


# -- column encoders ---------------------------------------------------------------------------
# Each turns an Arrow array into a binary array of the values' wire bytes (NULL stays NULL).


def _fixed(values: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """Fixed-width values already in wire byte order, as a binary array (zero-copy first)."""
    width = values.dtype.itemsize
    buffer = pa.py_buffer(np.ascontiguousarray(values).view(np.uint8))
    mask = None if valid is None else pa.array(valid).buffers()[1]
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(values), [mask, buffer]).cast(pa.binary())


def _from_python(values: list) -> pa.Array:
    return pa.array(values, pa.binary())


def _valid(arr: pa.Array) -> np.ndarray | None:
    return np.asarray(arr.is_valid()) if arr.null_count else None


def _numbers(arr: pa.Array, dtype: str) -> np.ndarray:
    filled = pc.fill_null(arr, 0) if arr.null_count else arr
    return filled.to_numpy(zero_copy_only=False).astype(dtype)


_FRACTION_ZEROS = r"(\.\d*[1-9])0+$|\.0+$"


def _text(arr: pa.Array) -> pa.Array:
    """The Postgres text form of each value, as a string array."""
    t = arr.type
    if pa.types.is_boolean(t):
        return pc.if_else(arr, "t", "f")
    if pa.types.is_floating(t):
        s = pc.cast(arr, pa.string())
        if pc.all(pc.is_finite(arr)).as_py() is not False:  # nothing to respell (NULLs are skipped)
            return s
        for arrow, pg in (("^inf$", "Infinity"), ("^-inf$", "-Infinity"), ("^nan$", "NaN")):
            s = pc.replace_substring_regex(s, arrow, pg)
        return s
    if pa.types.is_timestamp(t) or pa.types.is_time(t):
        if pa.types.is_timestamp(t) and t.tz:
            arr = arr.cast(pa.timestamp(t.unit))  # values are UTC instants; shown in the session's UTC
        s = pc.replace_substring_regex(pc.cast(arr, pa.string()), _FRACTION_ZEROS, r"\1")
        return pc.binary_join_element_wise(s, "+00", "") if pa.types.is_timestamp(t) and t.tz else s
    if pa.types.is_decimal(t):
        try:
            return pc.cast(arr, pa.string())
        except pa.ArrowInvalid:  # pyarrow refuses some precisions: Python's Decimal formats them
            return pa.array([None if v is None else format(v, "f") for v in arr.to_pylist()], pa.string())
    if pa.types.is_integer(t) or pa.types.is_date(t) or pa.types.is_string(t) or pa.types.is_large_string(t):
        return pc.cast(arr, pa.string()) if not (pa.types.is_string(t) or pa.types.is_large_string(t)) else arr
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return pa.array([None if v is None else "\\x" + v.hex() for v in arr.to_pylist()], pa.string())
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return pa.array([None if v is None else interval_text(v) for v in arr.to_pylist()], pa.string())
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    return pa.array([None if v is None else json.dumps(v, default=str) for v in arr.to_pylist()], pa.string())


def interval_text(v) -> str:
    """Postgres' default (``postgres``) IntervalStyle: ``1 mon 2 days 03:04:05.5``."""
    if isinstance(v, datetime.timedelta):
        months, days, micros = 0, v.days, v.seconds * 1_000_000 + v.microseconds
    else:  # pyarrow MonthDayNano
        months, days, micros = v.months, v.days, v.nanoseconds // 1000
    parts = []
    years, months = divmod(months, 12) if months >= 0 else (-((-months) // 12), -((-months) % 12))
    for n, unit in ((years, "year"), (months, "mon"), (days, "day")):
        if n:
            parts.append(f"{n} {unit}{'s' if abs(n) != 1 else ''}")
    if micros or not parts:
        sign = "-" if micros < 0 else ""
        secs, us = divmod(abs(micros), 1_000_000)
        clock = f"{sign}{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}" + (f".{us:06d}".rstrip("0") if us else "")
        parts.append(clock)
    return " ".join(parts)


def numeric_binary(v: decimal.Decimal) -> bytes:
    """Postgres' binary numeric: base-10000 digits with a weight, sign and display scale."""
    if v.is_nan():
        return struct.pack("!hhHh", 0, 0, 0xC000, 0)
    sign = 0x4000 if v.is_signed() else 0
    exponent = v.as_tuple().exponent
    dscale = max(0, -exponent) if isinstance(exponent, int) else 0
    whole, _, frac = format(abs(v), "f").partition(".")
    whole = whole.lstrip("0")
    whole = whole.rjust((len(whole) + 3) // 4 * 4, "0")
    frac = frac.ljust((len(frac) + 3) // 4 * 4, "0")
    groups = [int(whole[i:i + 4]) for i in range(0, len(whole), 4)] + [int(frac[i:i + 4]) for i in range(0, len(frac), 4)]
    weight = len(whole) // 4 - 1
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight = 0
    return struct.pack(f"!hhHh{len(groups)}H", len(groups), weight, sign, dscale, *groups)


def _binary(arr: pa.Array) -> pa.Array:
    t = arr.type
    valid = _valid(arr)
    kind = pg_type(t).typname
    if kind == "bool":
        return _fixed(_numbers(arr.cast(pa.uint8()), "u1"), valid)
    if kind in ("int2", "int4", "int8", "float4", "float8"):
        dtype = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float4": ">f4", "float8": ">f8"}[kind]
        return _fixed(_numbers(arr, dtype), valid)
    if kind == "date":
        days = _numbers(arr.cast(pa.date32()).cast(pa.int32()), "i8") - EPOCH_2000_DAYS
        return _fixed(days.astype(">i4"), valid)
    if kind in ("timestamp", "timestamptz"):
        us = _numbers(arr.cast(pa.timestamp("us", t.tz)).cast(pa.int64()), "i8") - EPOCH_2000_US
        return _fixed(us.astype(">i8"), valid)
    if kind == "time":
        return _fixed(_numbers(arr.cast(pa.time64("us")).cast(pa.int64()), ">i8"), valid)
    if kind == "numeric":
        return _from_python([None if v is None else numeric_binary(decimal.Decimal(v)) for v in arr.to_pylist()])
    if kind == "interval":
        out = []
        for v in arr.to_pylist():
            if v is None:
                out.append(None)
            elif isinstance(v, datetime.timedelta):
                out.append(struct.pack("!qii", v.days * 86_400_000_000 + v.seconds * 1_000_000 + v.microseconds, 0, 0))
            else:
                out.append(struct.pack("!qii", v.nanoseconds // 1000, v.days, v.months))
        return _from_python(out)
    if kind == "bytea":
        return arr.cast(pa.binary())
    return _text(arr).cast(pa.binary())  # text's binary form is its text


def encode_column(arr: pa.Array, binary: bool) -> pa.Array:
    """One column's DataRow fields: each value's int32 length (-1 for NULL) and its bytes."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    values = _binary(arr) if binary else _text(arr).cast(pa.binary())
    lengths = pc.fill_null(pc.binary_length(values), -1).to_numpy(zero_copy_only=False)
    if values.null_count:
        values = pc.fill_null(values, pa.scalar(b"", pa.binary()))
    return pc.binary_join_element_wise(_fixed(lengths.astype(">i4"), None), values, pa.scalar(b"", pa.binary()))


_HEADER = np.dtype([("kind", "S1"), ("length", ">i4"), ("columns", ">i2")])


def data_rows(columns: list[pa.Array], n: int) -> bytes:
    """The DataRow messages of ``n`` rows from their encoded columns, as one buffer: Arrow joins
    each row's header and fields, and the joined array's data buffer is the messages in order."""
    if n == 0:
        return b""
    header = np.zeros(n, dtype=_HEADER)
    header["kind"] = b"D"
    header["length"] = 6 + sum(pc.binary_length(c).to_numpy(zero_copy_only=False).astype(np.int64) for c in columns)
    header["columns"] = len(columns)
    rows = pc.binary_join_element_wise(_fixed(header.view(np.uint8).reshape(n, 7).view("V7").ravel(), None), *columns,
                                       pa.scalar(b"", pa.binary()))
    _, offsets, data = rows.buffers()
    first, last = np.frombuffer(offsets, dtype=np.int32)[[rows.offset, rows.offset + n]]
    return data[first:last].to_pybytes()
