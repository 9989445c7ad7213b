"""Kernels with SQL's (DuckDB's) semantics that frames' pandas-flavoured kernels do not have,
registered in frames' kernel registry under ``sql_*`` names (frames owns the registry and the
evaluation; the planner only adds functions). Imported by ``planner.expressions``.

- ``sql_subtract``: DATE - DATE is a number of days; anything else is frames' ``subtract``.
- ``sql_intdiv``: ``a // b`` truncates toward zero (``-7 // 2 = -3``), integers stay integers.
- ``sql_date_diff``: ``date_diff('day', a, b)`` = days from a to b (also week, month, year, quarter).
- ``sql_greatest`` / ``sql_least``: element-wise, NULLs skipped, arguments unified to one type.
- ``sql_right``: the last n characters; ``sql_reverse``: characters in reverse order.
- ``sql_concat``: CONCAT() skips NULLs and casts every argument to text (``||`` propagates NULLs).
- ``sql_to_integer``: the value a cast to an integer type starts from: decimals round half away
  from zero, floats half to even (DuckDB), integers unchanged.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from frames.expr.kernels import KERNELS, cast_value, common_type, register


def _is_date(t: pa.DataType) -> bool:
    return pa.types.is_date(t)


def _days(a):
    return pc.cast(pc.cast(a, pa.date32()), pa.int32()).cast(pa.int64())


def _subtract(a, b):
    if _is_date(a.type) and _is_date(b.type):
        return pc.subtract(_days(a), _days(b))
    return KERNELS["subtract"].impl(a, b)


def _subtract_expression(a, b):
    return KERNELS["subtract"].arrow_expression(a, b)


def _intdiv(a, b):
    if pa.types.is_integer(a.type) and pa.types.is_integer(b.type):
        t = common_type([a.type, b.type])
        return pc.divide(cast_value(a, t), cast_value(b, t))  # Arrow's integer division truncates
    return pc.trunc(pc.divide(pc.cast(a, pa.float64()), pc.cast(b, pa.float64())))


def _date_diff(a, b, unit: str = "day"):
    unit = unit.lower().rstrip("s")
    if unit == "day":
        return pc.subtract(_days(b), _days(a))
    if unit == "week":
        return pc.divide(pc.subtract(_days(b), _days(a)), 7)
    if unit in ("month", "year", "quarter"):
        months = pc.subtract(pc.add(pc.multiply(pc.year(b), 12), pc.month(b)), pc.add(pc.multiply(pc.year(a), 12), pc.month(a)))
        return months if unit == "month" else pc.divide(months, 12 if unit == "year" else 3)
    raise ValueError(f"date_diff unit {unit!r}")


def _unified(args):
    t = common_type(a.type for a in args)
    return [cast_value(a, t) for a in args]


def _right(a, n: int = 1):
    return pc.utf8_slice_codeunits(a, start=-n) if n > 0 else pc.utf8_slice_codeunits(a, start=0, stop=0)


def _concat(*args):
    parts = [pc.fill_null(pc.cast(a, pa.string()), "") for a in args]
    return pc.binary_join_element_wise(*parts, "")


def _to_integer(a):
    t = a.type
    if pa.types.is_decimal(t):
        return pc.round(a, 0, round_mode="half_towards_infinity")
    if pa.types.is_floating(t):
        return pc.round(a, 0, round_mode="half_to_even")
    return a


register("sql_subtract", _subtract, _subtract_expression, "-")
register("sql_intdiv", _intdiv, None, "//")
register("sql_date_diff", _date_diff)
register("sql_greatest", lambda *args: pc.max_element_wise(*_unified(args), skip_nulls=True))
register("sql_least", lambda *args: pc.min_element_wise(*_unified(args), skip_nulls=True))
register("sql_right", _right)
register("sql_reverse", pc.utf8_reverse)
register("sql_concat", _concat)
register("sql_to_integer", _to_integer)
