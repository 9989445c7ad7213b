"""Bind parameters, the wire's side: the client's bytes decoded by their Postgres type (oid, text
or binary format) into Python values, and the types of the parameters a client left untyped
inferred for Describe. The values are bound by the engine (``ctx.sql(text, params=...)``,
``planner.params``: typed constants in the syntax tree, never text).

A parameter the client leaves untyped (oid 0, as psycopg sends Python strings) is a string, as
Postgres treats an ``unknown`` literal.
"""

from __future__ import annotations

import datetime
import decimal
import struct
import uuid
from typing import Any, Callable

import pyarrow as pa

from sqlglot import exp

from planner.params import placeholders
from repl.server.types import EPOCH_2000_DAYS, TYPES_BY_OID
from repl.server.wire import ProtocolViolation

_EPOCH = datetime.datetime(2000, 1, 1)


def _text_value(oid: int, text: str) -> Any:
    name = TYPES_BY_OID[oid].typname if oid in TYPES_BY_OID else "unknown"
    if name in ("int2", "int4", "int8", "oid"):
        return int(text)
    if name in ("float4", "float8"):
        return float(text)
    if name == "numeric":
        return decimal.Decimal(text)
    if name == "bool":
        low = text.strip().lower()
        if low in ("t", "true", "yes", "on", "1", "y"):
            return True
        if low in ("f", "false", "no", "off", "0", "n"):
            return False
        raise ValueError(f"invalid input syntax for type boolean: {text!r}")
    if name == "date":
        return datetime.date.fromisoformat(text)
    if name in ("timestamp", "timestamptz"):
        value = datetime.datetime.fromisoformat(text.replace(" ", "T", 1))
        return value.astimezone(datetime.timezone.utc) if value.tzinfo else value
    if name == "bytea":
        return bytes.fromhex(text[2:]) if text.startswith("\\x") else text.encode()
    return text


def _binary_value(oid: int, raw: bytes) -> Any:
    name = TYPES_BY_OID[oid].typname if oid in TYPES_BY_OID else "unknown"
    fixed = {"int2": "!h", "int4": "!i", "int8": "!q", "oid": "!I", "float4": "!f", "float8": "!d", "bool": "!?"}
    if name in fixed:
        return struct.unpack(fixed[name], raw)[0]
    if name == "date":
        return datetime.date.fromordinal(datetime.date(1970, 1, 1).toordinal() + EPOCH_2000_DAYS + struct.unpack("!i", raw)[0])
    if name in ("timestamp", "timestamptz"):
        value = _EPOCH + datetime.timedelta(microseconds=struct.unpack("!q", raw)[0])
        return value.replace(tzinfo=datetime.timezone.utc) if name == "timestamptz" else value
    if name == "numeric":
        ndigits, weight, sign, dscale = struct.unpack_from("!hhHh", raw)
        if sign == 0xC000:
            return decimal.Decimal("NaN")
        digits = struct.unpack_from(f"!{ndigits}H", raw, 8)
        value = sum(decimal.Decimal(d) * decimal.Decimal(10000) ** (weight - i) for i, d in enumerate(digits))
        value = value.quantize(decimal.Decimal(1).scaleb(-dscale)) if dscale else value.quantize(decimal.Decimal(1))
        return -value if sign == 0x4000 else value
    if name == "uuid":
        return str(uuid.UUID(bytes=raw))
    if name == "bytea":
        return bytes(raw)
    return raw.decode("utf-8")  # text, varchar, unknown, json: the text itself


def decode(oid: int, raw: bytes | None, binary: bool) -> Any:
    """One parameter's value (None for SQL NULL), a ProtocolViolation when the bytes do not fit."""
    if raw is None:
        return None
    try:
        return _binary_value(oid, raw) if binary else _text_value(oid, raw.decode("utf-8"))
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        name = TYPES_BY_OID[oid].typname if oid in TYPES_BY_OID else f"oid {oid}"
        raise ProtocolViolation(f"invalid {'binary' if binary else 'text'} value for a parameter of type {name}: {exc}") from None


_SAMPLES = {"int2": 0, "int4": 0, "int8": 0, "oid": 0, "float4": 0.0, "float8": 0.0, "numeric": decimal.Decimal(0),
            "bool": False, "date": datetime.date(2000, 1, 1), "timestamp": _EPOCH,
            "timestamptz": _EPOCH.replace(tzinfo=datetime.timezone.utc)}


def sample(oid: int) -> Any:
    """A value of type ``oid`` to plan a statement with before its parameters are known (Describe
    of a prepared statement): the answer's columns do not depend on it, and LIMIT needs a number."""
    name = TYPES_BY_OID[oid].typname if oid in TYPES_BY_OID else "unknown"
    return _SAMPLES.get(name, "")


_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.In, exp.Between)


def infer_types(tree: exp.Expression, schema_of: Callable[[str], pa.Schema | None]) -> dict[int, pa.DataType]:
    """The types of parameters the client left untyped, from what they are compared with: ``id = $1``
    takes the type of column ``id`` (of the table it names, or the one table of the query that has
    it); ``LIMIT $1`` / ``OFFSET $1`` a bigint."""
    tables: dict[str, pa.Schema] = {}
    for table in tree.find_all(exp.Table):
        schema = schema_of(table.name)
        if schema is not None:
            tables[(table.alias_or_name or table.name).lower()] = schema
    found: dict[int, pa.DataType] = {}
    for node in placeholders([tree]):  # ``?`` already numbered $1, $2 ... by planner.parse
        index = int(node.name) - 1 if str(node.name).isdigit() else None
        parent = node.parent
        if index is None or parent is None:
            continue
        if isinstance(parent, (exp.Limit, exp.Offset)):
            found[index] = pa.int64()
            continue
        if not isinstance(parent, _COMPARISONS):
            continue
        column = parent.this if parent.this is not node else parent.args.get("expression")
        if not isinstance(column, exp.Column):
            continue
        candidates = [tables[column.table.lower()]] if column.table and column.table.lower() in tables else list(tables.values())
        types = {s.field(i).type for s in candidates for i, name in enumerate(s.names) if name.lower() == column.name.lower()}
        if len(types) == 1:
            found[index] = types.pop()
    return found
