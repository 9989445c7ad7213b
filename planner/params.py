"""Query parameters: ``?``, ``$1`` and ``$name`` placeholders bound to Python values.

A value never becomes SQL text: each placeholder node of the parsed statement is replaced by the
typed constant the value stands for (an integer literal, a string literal, ``CAST('...' AS DATE)``),
built as a sqlglot node, so a quote or a ``'; DROP TABLE`` in a string is only ever data. The
constant is typed by the Python value as DuckDB's Python client types it: ``int`` INTEGER, BIGINT,
then HUGEINT (here a 38-digit DECIMAL), ``float`` DOUBLE, ``Decimal`` DECIMAL(p, s) with its own
digits, ``str`` VARCHAR, ``bytes`` BLOB, ``bool``, ``None`` NULL, ``date`` / ``datetime`` / ``time``
DATE / TIMESTAMP / TIME, ``timedelta`` an INTERVAL.

    >>> from planner.parse import parse
    >>> bind(parse("SELECT ? AS a, ? AS d", "duckdb"), ["it's", 2.5])[0].sql("duckdb")
    "SELECT 'it''s' AS a, 2.5e0 AS d"

One kind of placeholder per text: ``?`` (bound in order; ``planner.parse`` numbers them ``$1``,
``$2`` ... from the tokens, as a walk of the tree meets them out of text order), ``$1`` (by
position, 1-based, each number may repeat) or ``$name`` (from a mapping). ``parameter_names`` tells
a caller (the Postgres wire server's Describe) which a text needs before any value is known.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import math
from typing import Any, Mapping, Sequence

from sqlglot import exp

from planner.errors import ParameterError, UnsupportedFeatureError


def placeholders(statements: Sequence[exp.Expression]) -> list[exp.Expression]:
    """The placeholder nodes of ``statements`` (``planner.parse`` has numbered every ``?``): sqlglot
    reads ``$1`` / ``$name`` / ``:name`` as ``Placeholder`` nodes in some dialects and ``$1`` as a
    ``Parameter`` in others (postgres); a named ``Parameter`` (``@a``) is a variable in some, so
    it is left alone."""
    return [p for st in statements for p in st.find_all(exp.Placeholder, exp.Parameter)
            if isinstance(p, exp.Placeholder) or str(p.name).isdigit()]


def parameter_names(statements: Sequence[exp.Expression]) -> list[str]:
    """The parameters ``statements`` need, in order: ``["1", "2"]`` for two ``?`` or for ``$1 ..
    $2`` (every number up to the highest), ``["name", ...]`` for ``$name`` in order of first use
    (a tree walk meets them out of text order, so this order is only a stable one)."""
    found = placeholders(statements)
    if not found:
        return []
    if _numbered(found):
        return [str(i) for i in range(1, max(int(p.name) for p in found) + 1)]
    return list(dict.fromkeys(p.name for p in found))


def bind(statements: list[exp.Expression], params: Sequence[Any] | Mapping[str, Any] | None) -> list[exp.Expression]:
    """``statements`` with every placeholder replaced by its parameter's typed constant (in place:
    the statements are the caller's fresh parse). ``params`` is a sequence for ``?`` and ``$1``, a
    mapping for ``$name``; a count or a name that does not match is a ``ParameterError``."""
    found = placeholders(statements)
    if not found:
        if params:
            raise ParameterError(f"{len(params)} parameter value(s) given, but the text has no placeholder (? or $1)")
        return statements
    numbered = _numbered(found)
    if params is None:
        n = len(parameter_names(statements))
        raise ParameterError(f"the text has {n} parameter placeholder{'s' if n != 1 else ''} but no parameter values were given (params=)")
    if not numbered:
        if not isinstance(params, Mapping):
            raise ParameterError(f"$name placeholders need a mapping of names to values, not a {type(params).__name__}")
        values = _named(found, params)
    else:
        if isinstance(params, (Mapping, str, bytes)):
            raise ParameterError(f"? and $1 placeholders need a sequence (list or tuple) of values, not a {type(params).__name__}")
        values = _positional(found, list(params))
    for p, value in zip(found, values):
        p.replace(constant(value))
    return statements


def _numbered(found: list[exp.Expression]) -> bool:
    """Whether the placeholders are numbered (``?``, ``$1``) rather than named (``$name``)."""
    kinds = {str(p.name).isdigit() for p in found}
    if len(kinds) > 1:
        raise ParameterError("the text mixes numbered ($1) and named ($name) parameters; use one kind")
    return kinds.pop()


def _positional(found: list[exp.Expression], params: list) -> list:
    numbers = [int(p.name) for p in found]
    if min(numbers) < 1:
        raise ParameterError("parameters are numbered from $1")
    if max(numbers) != len(params):
        n = max(numbers)
        raise ParameterError(f"the text has {n} parameter{'s' if n != 1 else ''} (? or $1 .. ${n}) but {len(params)} value(s) were given")
    unused = sorted(set(range(1, len(params) + 1)) - set(numbers))
    if unused:
        raise ParameterError(f"{len(params)} value(s) were given but the text never uses {', '.join(f'${i}' for i in unused)}")
    return [params[i - 1] for i in numbers]


def _named(found: list[exp.Expression], params: Mapping[str, Any]) -> list:
    names = list(dict.fromkeys(p.name for p in found))
    missing = [n for n in names if n not in params]
    if missing:
        raise ParameterError(f"no value for {', '.join('$' + n for n in missing)} (values were given for: "
                             f"{', '.join(map(str, params)) or 'nothing'})")
    extra = [k for k in params if k not in names]
    if extra:
        raise ParameterError(f"values were given for {', '.join(map(str, extra))}, which the text never uses")
    return [params[p.name] for p in found]


def constant(value: Any) -> exp.Expression:
    """The sqlglot constant a Python value stands for, typed as DuckDB's Python client types it."""
    value = _plain(value)
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        if len(str(abs(value))) > 38:
            raise ParameterError(f"the integer {value} has more than 38 digits (HUGEINT's range)")
        return exp.Literal(this=str(value), is_string=False)  # typed by its value: -2**31 is an INTEGER
    if isinstance(value, float):
        if not math.isfinite(value):
            return _cast(repr(value), "DOUBLE")
        text = repr(value)  # exact; with an exponent it is a DOUBLE literal in DuckDB's SQL (1.5 alone is a DECIMAL)
        return exp.Literal(this=text if "e" in text else text + "e0", is_string=False)
    if isinstance(value, decimal.Decimal):
        return _decimal(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _cast(blob_text(bytes(value)), "BLOB")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise UnsupportedFeatureError("a timezone-aware datetime parameter (TIMESTAMP WITH TIME ZONE); "
                                          "pass a naive datetime, e.g. value.astimezone(timezone.utc).replace(tzinfo=None)")
        return _cast(value.isoformat(sep=" "), "TIMESTAMP")
    if isinstance(value, dt.date):
        return _cast(value.isoformat(), "DATE")
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise UnsupportedFeatureError("a timezone-aware time parameter (TIME WITH TIME ZONE)")
        return _cast(value.isoformat(), "TIME")
    if isinstance(value, dt.timedelta):
        return _interval(value)
    raise ParameterError(f"a parameter of type {type(value).__name__} ({_short(value)}) is not supported; "
                         "use None, bool, int, float, Decimal, str, bytes, date, datetime, time or timedelta")


def _plain(value: Any) -> Any:
    """NumPy scalars (``np.int64(3)``, ``np.datetime64``) as the Python values they hold."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        return item()
    return value


def _cast(text: str, type_name: str) -> exp.Cast:
    return exp.Cast(this=exp.Literal.string(text), to=_data_type(type_name).copy())


@functools.lru_cache(maxsize=256)
def _data_type(type_name: str) -> exp.DataType:
    """``type_name`` parsed once (a bulk INSERT binds thousands of values of a few types)."""
    return exp.DataType.build(type_name, dialect="duckdb")


def _decimal(value: decimal.Decimal) -> exp.Expression:
    """DECIMAL(p, s) from the digits the value holds (``Decimal('0.50')`` is DECIMAL(2, 2)), DOUBLE
    past 38 digits and for NaN / infinity, as DuckDB's client does."""
    if not value.is_finite():
        return _cast(str(value), "DOUBLE")
    _, digits, exponent = value.as_tuple()
    scale = max(-exponent, 0)
    precision = max(len(digits) + max(exponent, 0), scale, 1)
    if precision > 38:
        return _cast(str(value), "DOUBLE")
    return _cast(format(value, "f"), f"DECIMAL({precision}, {scale})")


def _interval(value: dt.timedelta) -> exp.Interval:
    """A timedelta as ``INTERVAL 'n' DAY`` (whole days) or ``INTERVAL 'n' SECOND``."""
    if value.microseconds:
        raise UnsupportedFeatureError(f"an interval parameter with fractions of a second ({value})")
    if not value.seconds:
        return exp.Interval(this=exp.Literal.string(str(value.days)), unit=exp.var("DAY"))
    return exp.Interval(this=exp.Literal.string(str(value.days * 86400 + value.seconds)), unit=exp.var("SECOND"))


def blob_text(data: bytes) -> str:
    """Bytes written as DuckDB's BLOB text: printable ASCII as itself, every other byte (and the
    backslash and quote) as ``\\xHH``; ``planner.types.blob_from_text`` reads it back."""
    return "".join(chr(b) if 32 <= b < 127 and b not in (0x5C, 0x27) else f"\\x{b:02X}" for b in data)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
