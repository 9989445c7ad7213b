"""Numeric kernels with DuckDB's semantics: logarithms (``log`` is base 10 in DuckDB; a negative
argument gives NaN, zero -inf), ``gcd`` / ``lcm`` of integers, ``isnan`` / ``isinf``, ``trunc``,
and the bitwise operators ``& | xor ~ << >>`` over integers of the operands' common type (a left
shift of a negative number or one that loses bits, and a shift by a negative or too large amount,
are errors, as in DuckDB)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.expr.kernels import cast_value, common_type, register, to_float64
from frames.errors import DataTypeError
from planner.errors import SqlArithmeticError


def _log(fn):
    """DuckDB 2: the log of a negative number is NaN, of zero -inf (no error)."""
    return lambda a: fn(to_float64(a))


def _log_base(base, x):
    return pc.divide(pc.ln(to_float64(x)), pc.ln(to_float64(base)))


def _integers(fn):
    """``fn`` (a NumPy ufunc) over int64 values, NULL where an argument is NULL."""
    def kernel(a, b):
        scalar = isinstance(a, pa.Scalar) and isinstance(b, pa.Scalar)
        n = 1 if scalar else len(b if isinstance(a, pa.Scalar) else a)
        cols = []
        for v in (a, b):
            v = pc.cast(v, pa.int64())
            cols.append(pa.array([v.as_py()] * n, pa.int64()) if isinstance(v, pa.Scalar) else (v.combine_chunks() if isinstance(v, pa.ChunkedArray) else v))
        valid = pc.and_(pc.is_valid(cols[0]), pc.is_valid(cols[1]))
        x, y = (np.asarray(pc.fill_null(c, 0).to_numpy(zero_copy_only=False)) for c in cols)
        out = pa.array(fn(x, y), pa.int64(), mask=np.asarray(pc.invert(valid).to_numpy(zero_copy_only=False)))
        return out[0] if scalar else out
    return kernel


register("sql_log10", _log(pc.log10))
register("sql_log2", _log(pc.log2))
register("sql_ln", _log(pc.ln))
register("sql_log", _log_base)
register("sql_gcd", _integers(np.gcd))
register("sql_lcm", _integers(np.lcm))
register("sql_isnan", lambda a: pc.is_nan(to_float64(a)))
register("sql_isinf", lambda a: pc.is_inf(to_float64(a)))
register("sql_trunc", lambda a: a if pa.types.is_integer(a.type) else pc.trunc(a))


def _bitwise_operands(what: str, *args):
    for a in args:
        if not pa.types.is_integer(a.type):
            raise DataTypeError(f"{what} takes integers, not {a.type}")
    t = common_type(a.type for a in args)
    return t, [cast_value(a, t) for a in args]


def _bitwise(fn, what: str):
    def kernel(a, b):
        _, (x, y) = _bitwise_operands(what, a, b)
        return fn(x, y)
    return kernel


def _shift(left: bool):
    def kernel(a, b):
        t, (x,) = _bitwise_operands("a shift", a)
        bad = pc.any(pc.or_(pc.less(b, 0), pc.greater_equal(b, t.bit_width))).as_py()
        if bad:
            raise SqlArithmeticError(f"a shift must be between 0 and {t.bit_width - 1} bits for {t}")
        y = cast_value(b, t)
        if not left:
            return pc.shift_right(x, y)
        if pc.any(pc.less(x, 0)).as_py():
            raise SqlArithmeticError("Cannot left-shift a negative number")
        out = pc.shift_left(x, y)
        lost = pc.any(pc.not_equal(pc.shift_right(out, y), x)).as_py()
        if lost:
            raise SqlArithmeticError(f"Overflow in left shift ({t})")
        return out
    return kernel


register("sql_bit_and", _bitwise(pc.bit_wise_and, "&"), None, "&")
register("sql_bit_or", _bitwise(pc.bit_wise_or, "|"), None, "|")
register("sql_bit_xor", _bitwise(pc.bit_wise_xor, "xor"))
register("sql_bit_not", lambda a: pc.bit_wise_not(_bitwise_operands("~", a)[1][0]), None, "~")
register("sql_shift_left", _shift(True), None, "<<")
register("sql_shift_right", _shift(False), None, ">>")
