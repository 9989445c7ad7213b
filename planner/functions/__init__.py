"""Kernels with SQL's (DuckDB's) semantics that frames' pandas-flavoured kernels do not have,
registered in frames' kernel registry under ``sql_*`` names (frames owns the registry and the
evaluation; the planner only adds functions). Imported by ``planner.expressions``; a worker
process imports it when it unpickles a call to one of these (the kernel refers to this module).

- ``sql_add`` / ``sql_subtract`` / ``sql_multiply`` / ``sql_negate`` / ``sql_abs``: integers are
  checked (DuckDB raises "Overflow in addition of INT64 ..." where pandas/NumPy wrap around): the
  error is a ``SqlArithmeticError`` naming the first operands that overflow; DATE +/- integer is a
  date, DATE - DATE a number of days; decimals as frames types them (DuckDB's rules).
- ``sql_intdiv``: ``a // b`` of integers truncates toward zero (``-7 // 2 = -3``) and stays an
  integer; of other numbers it is DuckDB's plain division (``10.5 // 2 = 5.25``). ``sql_mod`` is
  frames' ``mod`` (a decimal operand gives their common decimal type). Both raise
  ``SqlArithmeticError`` on a division by zero (DuckDB does; ``a / 0`` is +-inf, as frames'
  ``divide`` gives and DuckDB too).
- ``sql_to_boolean``: text to BOOLEAN as DuckDB reads it (true/t/yes/y/1, false/f/no/n/0, any
  case), other values raise; booleans pass through.
- ``sql_try_cast``: TRY_CAST: a value that does not convert is NULL instead of an error.
- ``sql_round``: round half away from zero; a decimal takes the scale asked for.
- ``sql_greatest`` / ``sql_least``: element-wise, NULLs skipped, arguments unified to one type.
- ``sql_reverse``: characters in reverse order.
- ``sql_concat``: CONCAT() skips NULLs and casts every argument to text (``||`` propagates NULLs).
- ``sql_single_row``: a scalar subquery's value given its row count, raising when it had several.
- ``sql_to_integer``: the value a cast to an integer type starts from: decimals round half away
  from zero, floats half to even (DuckDB), text is trimmed and may be written as a decimal or
  with an exponent (``' 2.5'`` -> 3, as DuckDB), integers unchanged.
- ``sql_not_distinct``: IS NOT DISTINCT FROM; ``sql_typed_divide``: a dialect's integer division.

The families of SQL functions live in submodules, each registering its kernels: ``dates``
(date_part, date_trunc, date_diff, ...), ``strings`` (substring, lpad, regexp_*, ...), ``numbers``
(log, gcd, ...), ``structs`` (struct_pack, field access). Their translation from sqlglot's calls is ``planner.function_calls``.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from frames.errors import DataTypeError
from frames.dataframe.expr.kernels import KERNELS, cast_value, common_type, integer_decimal, register
from planner.errors import ScalarSubqueryError, SqlArithmeticError


def _is_date(t: pa.DataType) -> bool:
    return pa.types.is_date(t)


def _days(a):
    return pc.cast(pc.cast(a, pa.date32()), pa.int32()).cast(pa.int64())


_DUCKDB_INT = {8: "INT8", 16: "INT16", 32: "INT32", 64: "INT64"}
_VERBS = {"add": ("addition", "+"), "subtract": ("subtraction", "-"), "multiply": ("multiplication", "*")}


def _both_integers(a, b) -> bool:
    return pa.types.is_integer(a.type) and pa.types.is_integer(b.type)


def _overflow(op: str, a, b, t: pa.DataType) -> SqlArithmeticError:
    """The error for ``a op b`` overflowing ``t``, naming the first row that does: rows whose
    float64 result is near the edge are checked exactly in Python (only on this error path)."""
    verb, symbol = _VERBS[op]
    low, high = (-(2 ** (t.bit_width - 1)), 2 ** (t.bit_width - 1) - 1) if pa.types.is_signed_integer(t) else (0, 2 ** t.bit_width - 1)
    exact = {"add": lambda x, y: x + y, "subtract": lambda x, y: x - y, "multiply": lambda x, y: x * y}[op]
    where = "?"
    if isinstance(a, pa.Scalar) and isinstance(b, pa.Scalar):
        where = f"{a.as_py()} {symbol} {b.as_py()}"
    else:
        approx = getattr(pc, op)(pc.cast(a, pa.float64(), safe=False), pc.cast(b, pa.float64(), safe=False))
        near = pc.indices_nonzero(pc.fill_null(pc.greater_equal(pc.abs(approx), float(high) / 2), False))
        pick = lambda v, k: v.as_py() if isinstance(v, pa.Scalar) else v[k].as_py()  # noqa: E731
        for k in near.to_pylist():
            x, y = pick(a, k), pick(b, k)
            if not low <= exact(x, y) <= high:
                where = f"{x} {symbol} {y}"
                break
    return SqlArithmeticError(f"Overflow in {verb} of {_DUCKDB_INT.get(t.bit_width, t)} ({where})")


def _checked(op: str):
    checked = getattr(pc, f"{op}_checked")
    frames_kernel = KERNELS[op].impl

    def kernel(a, b):
        if _both_integers(a, b):
            t = _literal_adapted(a, b) or _literal_adapted(b, a) or common_type([a.type, b.type])
            a, b = cast_value(a, t), cast_value(b, t)
            try:
                return checked(a, b)
            except pa.ArrowInvalid:
                raise _overflow(op, a, b, t) from None
        return frames_kernel(*_typed_nulls(a, b))

    kernel.__name__ = f"sql_{op}"
    return kernel


def _literal_adapted(literal, column) -> pa.DataType | None:
    """An integer literal takes a narrower integer column's type when it fits (DuckDB's
    INTEGER_LITERAL: ``tinyint_column + 1`` is a TINYINT, checked in that type)."""
    if not isinstance(literal, pa.Scalar) or isinstance(column, pa.Scalar) or not literal.is_valid:
        return None
    if literal.type != pa.int32():  # a literal's own type, not one CAST gave it
        return None
    t = column.type
    if t.bit_width >= literal.type.bit_width or not pa.types.is_signed_integer(t):
        return None
    bound = 2 ** (t.bit_width - 1)
    return t if -bound <= literal.as_py() < bound else None


def _typed_nulls(a, b):
    """An untyped NULL (``NULL + 1``) takes the other operand's type."""
    if pa.types.is_null(a.type) and not pa.types.is_null(b.type):
        a = cast_value(a, b.type)
    elif pa.types.is_null(b.type) and not pa.types.is_null(a.type):
        b = cast_value(b, a.type)
    return a, b


def _is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _is_int(t: pa.DataType) -> bool:
    return pa.types.is_integer(t)


_checked_add, _checked_subtract, _checked_multiply = _checked("add"), _checked("subtract"), _checked("multiply")


def _add(a, b):
    if _is_date(a.type) and _is_int(b.type):
        return KERNELS["add_days"].impl(a, b)
    if _is_int(a.type) and _is_date(b.type):
        return KERNELS["add_days"].impl(b, a)
    return _checked_add(a, b)


def _subtract(a, b):
    if _is_date(a.type) and _is_date(b.type):
        return pc.subtract(_days(a), _days(b))
    if _is_date(a.type) and _is_int(b.type):
        return KERNELS["add_days"].impl(a, _checked_subtract(pa.scalar(0, b.type), b))
    return _checked_subtract(a, b)


def _unary_checked(name: str, checked, what: str):
    plain = getattr(pc, name)

    def kernel(a):
        if not pa.types.is_integer(a.type):
            return plain(a)
        try:
            return checked(a)
        except pa.ArrowInvalid:
            bad = pa.scalar(-(2 ** (a.type.bit_width - 1)), a.type)
            raise SqlArithmeticError(f"Overflow {what}{bad.as_py()} ({_DUCKDB_INT[a.type.bit_width]})") from None

    kernel.__name__ = f"sql_{name}"
    return kernel


def _division_by_zero(a, b, symbol: str):
    if _is_numeric(b.type):
        zero = pc.equal(b, pa.scalar(0, b.type))
        if pc.any(zero).as_py() if not isinstance(zero, pa.Scalar) else zero.as_py():
            raise SqlArithmeticError(f"Division by zero in a {symbol} 0")


def _intdiv(a, b):
    _division_by_zero(a, b, "//")
    if _both_integers(a, b):
        t = common_type([a.type, b.type])
        return pc.divide(cast_value(a, t), cast_value(b, t))  # Arrow's integer division truncates
    return pc.divide(pc.cast(a, pa.float64()), pc.cast(b, pa.float64()))  # DuckDB: 10.5 // 2 = 5.25


def _mod(a, b):
    """``a % b``; with a decimal operand the result is their common decimal type, as in DuckDB
    (computed in float64 and rounded to that scale)."""
    _division_by_zero(a, b, "%")
    a, b = _typed_nulls(a, b)
    out = KERNELS["mod"].impl(a, b)
    t = common_type([a.type, b.type])
    if pa.types.is_decimal(t) and pa.types.is_floating(out.type):
        out = pc.cast(pc.round(out, t.scale), t, safe=False)
    return out


def _unified(args):
    t = common_type(a.type for a in args)
    return [cast_value(a, t) for a in args]


def _concat(*args):
    parts = [pc.fill_null(pc.cast(a, pa.string()), "") for a in args]
    return pc.binary_join_element_wise(*parts, "")


def _to_integer(a):
    t = a.type
    if pa.types.is_decimal(t):
        return pc.round(a, 0, round_mode="half_towards_infinity")
    if pa.types.is_floating(t):
        return pc.round(a, 0, round_mode="half_to_even")
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = pc.utf8_trim_whitespace(a)
        try:
            return pc.cast(text, pa.int64())
        except pa.ArrowInvalid:  # '2.5' or '1e2': read as a number first (rarely taken)
            try:
                number = pc.cast(text, pa.float64())
            except pa.ArrowInvalid:
                raise DataTypeError(f"cannot cast text to an integer: {_first_bad(text, pa.float64())!r} is not a number") from None
            return pc.round(number, 0, round_mode="half_towards_infinity")
    return a


_TRUE = pa.array(["true", "t", "yes", "y", "1"])
_FALSE = pa.array(["false", "f", "no", "n", "0"])


def _to_boolean(a):
    if not (pa.types.is_string(a.type) or pa.types.is_large_string(a.type)):
        return a
    low = pc.cast(pc.utf8_lower(a), pa.string())
    true, false = pc.is_in(low, value_set=_TRUE), pc.is_in(low, value_set=_FALSE)
    bad = pc.and_(pc.invert(pc.or_(true, false)), pc.is_valid(low))
    if (bad.as_py() if isinstance(bad, pa.Scalar) else pc.any(bad).as_py()):
        first = a.as_py() if isinstance(a, pa.Scalar) else pc.filter(a, bad)[0].as_py()
        raise DataTypeError(f"cannot cast {first!r} to BOOLEAN (true/t/yes/y/1 or false/f/no/n/0)")
    return pc.if_else(pc.is_valid(low), true, pa.scalar(None, pa.bool_()))


def _first_bad(values, to: pa.DataType):
    for v in pc.unique(values).to_pylist():
        try:
            pa.scalar(v, values.type).cast(to)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return v
    return None


def sql_cast(value, to: pa.DataType):
    """CAST as the SQL layer does it: text to integers and booleans as DuckDB reads them, then
    frames' ``cast_value`` (which names both types when it fails)."""
    if pa.types.is_integer(to):
        value = _to_integer(value)
    elif pa.types.is_boolean(to):
        value = _to_boolean(value)
    elif _is_numeric(to) and (pa.types.is_string(value.type) or pa.types.is_large_string(value.type)):
        value = pc.utf8_trim_whitespace(value)  # ' 7 ' is 7, as DuckDB reads it
    return cast_value(value, to)


def _try_cast(a, to: pa.DataType):
    """TRY_CAST: the whole column cast at once; only when that fails is each distinct value cast
    on its own (the failure path), the ones that fail becoming NULL."""
    try:
        return sql_cast(a, to)
    except (DataTypeError, SqlArithmeticError, pa.ArrowException):
        pass
    if isinstance(a, pa.Scalar):
        return pa.scalar(None, to)
    arr = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    encoded = pc.dictionary_encode(arr)
    converted = []
    for v in encoded.dictionary:
        try:
            converted.append(sql_cast(pa.array([v.as_py()], arr.type), to)[0].as_py())
        except (DataTypeError, SqlArithmeticError, pa.ArrowException):
            converted.append(None)
    return pc.take(pa.array(converted, to), encoded.indices)


def _add_seconds(a, seconds):
    """date/timestamp + a number of seconds (HOUR/MINUTE/SECOND intervals): a TIMESTAMP."""
    if _is_date(a.type):
        a = pc.cast(a, pa.timestamp("us"))
    unit = a.type.unit if pa.types.is_timestamp(a.type) else "us"
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    step = pc.cast(pc.multiply_checked(pc.cast(seconds, pa.int64()), per_second), pa.duration(unit))
    return pc.add(a, step)


def _round(a, ndigits: int = 0):
    """round(x, n) rounds half away from zero; a decimal keeps its precision and takes scale n
    (DuckDB: round(DECIMAL(4,2), 1) is DECIMAL(4,1))."""
    out = KERNELS["round"].impl(a, ndigits=ndigits)
    if pa.types.is_decimal(out.type) and ndigits < out.type.scale:  # round(x, -1): scale 0
        out = cast_value(out, pa.decimal128(out.type.precision, max(ndigits, 0)))
    return out




register("sql_add", _add, pc.add_checked, "+")
register("sql_subtract", _subtract, pc.subtract_checked, "-")
register("sql_multiply", _checked_multiply, pc.multiply_checked, "*")
register("sql_negate", _unary_checked("negate", pc.negate_checked, "in negation of "), pc.negate_checked, "-")
register("sql_abs", _unary_checked("abs", pc.abs_checked, "in abs of "), pc.abs_checked)


def _single_row(rows, value):
    """``value`` where each scalar subquery result had at most one row (``rows``), else the error
    DuckDB raises."""
    most = pc.max(rows).as_py() if len(rows) else None
    if most is not None and most > 1:
        raise ScalarSubqueryError()
    return value


register("sql_intdiv", _intdiv, None, "//")
register("sql_mod", _mod, None, "%")
register("sql_to_boolean", _to_boolean)
register("sql_try_cast", _try_cast)
register("sql_round", _round)
register("sql_add_seconds", _add_seconds)

register("sql_greatest", lambda *args: pc.max_element_wise(*_unified(args), skip_nulls=True))
register("sql_least", lambda *args: pc.min_element_wise(*_unified(args), skip_nulls=True))
register("sql_reverse", pc.utf8_reverse)
register("sql_concat", _concat)
register("sql_to_integer", _to_integer)
register("sql_single_row", _single_row)


def _not_distinct(a, b):
    """``a IS NOT DISTINCT FROM b``: equality where two NULLs are equal and one NULL differs."""
    a, b = _typed_nulls(a, b)
    if pa.types.is_null(a.type) and pa.types.is_null(b.type):
        same = pc.and_(pc.is_null(a), pc.is_null(b))
        return same
    eq = KERNELS["eq"].impl(a, b)
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.if_else(pc.is_null(eq), both_null, eq)


def _typed_divide(a, b):
    """A dialect's integer division (sqlite: ``7 / 2`` is 3, truncated toward zero; ``x / 0`` is
    NULL); other numbers divide as doubles."""
    a, b = _typed_nulls(a, b)
    if _both_integers(a, b):
        t = common_type([a.type, b.type])
        b = cast_value(b, t)
        zero = pc.equal(b, pa.scalar(0, t))
        safe_b = pc.if_else(zero, pa.scalar(1, t), b)
        return pc.if_else(zero, pa.scalar(None, t), pc.divide(cast_value(a, t), safe_b))
    return KERNELS["divide"].impl(a, b)


def _typeof(a):
    """DuckDB's name of the argument's type, one text per row (``typeof(1)`` is INTEGER)."""
    from planner.information_schema import duckdb_type

    name = duckdb_type(a.type)
    return pa.scalar(name) if isinstance(a, pa.Scalar) else pa.array([name] * len(a), pa.string())


register("sql_typeof", _typeof)
register("sql_not_distinct", _not_distinct)
register("sql_typed_divide", _typed_divide)
register("sql_octet_length", lambda a: pc.cast(pc.binary_length(pc.cast(a, pa.binary())), pa.int64()))

from planner.functions import dates, lists, numbers, strings, structs  # noqa: E402,F401 - register their kernels
