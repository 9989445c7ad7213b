"""Numeric kernels with DuckDB's semantics: logarithms (``log`` is base 10 in DuckDB; a negative
argument gives NaN, zero -inf), ``gcd`` / ``lcm`` of integers, ``isnan`` / ``isinf``, ``trunc``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.expr.kernels import register, to_float64


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
