"""The registry of scalar functions: name -> vectorized Arrow implementation.

Every ``Call`` node looks its function up here, so the DataFrame API and the SQL planner share one
implementation of each operation. A kernel has an implementation over Arrow arrays/scalars, an
optional translation to ``pyarrow.compute.Expression`` (which lets a filter reach Parquet row-group
statistics), and a rendering for plans and error messages.

A kernel remembers the module whose import registered it (``register``'s caller, e.g.
``planner.functions`` for the ``sql_*`` kernels), and pickles as that reference: unpickled in a
worker process that never imported the module (the "processes" scheduler, a ``distributed``
worker), it imports it, so the registry there holds the kernel before any task evaluates it. A
kernel registered from ``__main__`` (a user's script, which a worker cannot import by name)
travels by value instead and is registered on arrival.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import sys
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.convert import decimal_words
from frames.errors import DataTypeError, InvalidArgumentError


@dataclass(frozen=True)
class Kernel:
    name: str
    impl: Callable[..., Any]
    arrow_expression: Callable[..., pc.Expression] | None = None
    symbol: str | None = None  # infix operator for rendering, e.g. "+"
    module: str | None = None  # the module whose import registers this kernel

    def __reduce__(self):
        if self.module and self.module != "__main__":
            return (registered_kernel, (self.name, self.module))
        return (_arrived, (self.name, self.impl, self.arrow_expression, self.symbol, self.module))

    def render(self, args: tuple, options: dict) -> str:
        if self.symbol and len(args) == 2:
            return f"({args[0]!r} {self.symbol} {args[1]!r})"
        if self.symbol and len(args) == 1:
            return f"{self.symbol}{args[0]!r}"
        opts = "".join(f", {k}={v!r}" for k, v in options.items())
        return f"{self.name}({', '.join(repr(a) for a in args)}{opts})"


KERNELS: dict[str, Kernel] = {}


def register(name: str, impl: Callable, arrow_expression: Callable | None = None, symbol: str | None = None,
             module: str | None = None) -> None:
    """Add (or replace) kernel ``name``. ``module``: the module whose import registers it (default:
    the caller's), imported by a process that unpickles the kernel without having it."""
    if module is None:
        module = sys._getframe(1).f_globals.get("__name__")
    KERNELS[name] = Kernel(name, impl, arrow_expression, symbol, module)


def registered_kernel(name: str, module: str) -> Kernel:
    """Kernel ``name``, importing ``module`` first when this process has not registered it yet."""
    if name not in KERNELS:
        importlib.import_module(module)
    return get_kernel(name)


def _arrived(name: str, impl: Callable, arrow_expression: Callable | None, symbol: str | None, module: str | None) -> Kernel:
    kernel = KERNELS[name] = Kernel(name, impl, arrow_expression, symbol, module)
    return kernel


def get_kernel(name: str) -> Kernel:
    try:
        return KERNELS[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, KERNELS, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InvalidArgumentError(f"unknown function {name!r}{hint}") from None


# -- type helpers ---------------------------------------------------------------------------------

def common_type(types: Iterable[pa.DataType]) -> pa.DataType:
    """The type values of ``types`` can all be cast to (NULL literals adopt the others' type)."""
    types = [t for t in types if not pa.types.is_null(t)]
    if not types:
        return pa.null()
    target = types[0]
    for t in types[1:]:
        target = _unify(target, t)
    return target


def _unify(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    if a == b:
        return a
    if pa.types.is_decimal(a) and pa.types.is_decimal(b):
        scale = max(a.scale, b.scale)
        digits = max(a.precision - a.scale, b.precision - b.scale)
        hugeint = pa.decimal128(38, 0)  # how SUM of integers (DuckDB's HUGEINT) is typed: it yields the scale
        if digits + scale > 38 and hugeint not in (a, b):  # as DuckDB: the integer digits are kept, the scale gives way
            scale = max(0, 38 - digits)
        return pa.decimal128(min(38, digits + scale), scale)
    if pa.types.is_decimal(a) and pa.types.is_integer(b):
        return _unify(a, integer_decimal(b))
    if pa.types.is_integer(a) and pa.types.is_decimal(b):
        return _unify(integer_decimal(a), b)
    if pa.types.is_integer(a) and pa.types.is_integer(b):
        if pa.types.is_signed_integer(a) == pa.types.is_signed_integer(b):
            return a if a.bit_width >= b.bit_width else b  # the wider of the two, as DuckDB and NumPy
        return pa.int64()
    if _is_numeric(a) and _is_numeric(b):
        return pa.float64()  # a float meets an integer or a decimal
    if _is_stringish(a) and _is_stringish(b):
        return pa.large_string() if pa.types.is_large_string(a) or pa.types.is_large_string(b) else pa.string()
    if pa.types.is_temporal(a) and pa.types.is_temporal(b):
        return pa.timestamp("us") if pa.types.is_timestamp(a) or pa.types.is_timestamp(b) else a
    raise DataTypeError(f"values of type {a} and {b} cannot be combined")


_INT_DIGITS = {8: 3, 16: 5, 32: 10, 64: 19}
_UINT_DIGITS = {8: 3, 16: 5, 32: 10, 64: 20}


def integer_decimal(t: pa.DataType) -> pa.DataType:
    """The decimal type every value of integer type ``t`` fits: int32 -> decimal(10, 0)."""
    digits = (_INT_DIGITS if pa.types.is_signed_integer(t) else _UINT_DIGITS)[t.bit_width]
    return pa.decimal128(digits, 0)


def _is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _is_stringish(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


_EXACT_INT = 2 ** 53  # integers up to this many are exact as float64


def to_float64(value):
    """float64 of a numeric Arrow value. A decimal becomes the double nearest its exact value, as
    DuckDB's CAST gives: Arrow's own cast misses by one unit in the last place for about one value
    in five (0.9989182084813495 came out ...496); here unscaled / 10**scale, which IEEE division
    rounds correctly when both are exact (unscaled below 2**53, scale up to 22), and the decimal's
    text for the rare rest. Integers past 2**53 round to the nearest double instead of failing."""
    t = value.type
    if pa.types.is_floating(t):
        return value if t == pa.float64() else pc.cast(value, pa.float64())
    if not pa.types.is_decimal(t):
        return pc.cast(value, pa.float64(), safe=False)
    if isinstance(value, pa.Scalar):
        return pa.scalar(None if not value.is_valid else float(value.as_py()), pa.float64())
    if isinstance(value, pa.ChunkedArray):
        return pa.chunked_array([_decimal_chunk_to_float(c) for c in value.chunks], pa.float64())
    return _decimal_chunk_to_float(value)


def _decimal_chunk_to_float(arr: pa.Array) -> pa.Array:
    t, n = arr.type, len(arr)
    if n == 0:
        return pa.array([], pa.float64())
    if t.bit_width != 128 or t.precision > 18 or t.scale > 22 or arr.buffers()[1] is None:
        return pc.cast(pc.cast(arr, pa.string()), pa.float64())  # wide decimals: through their exact text
    unscaled = decimal_words(arr)[:, 0]  # |value| < 10**18: the low word is the whole two's-complement value
    out = unscaled.astype(np.float64) / (10.0 ** t.scale)
    inexact = np.flatnonzero(np.abs(unscaled) >= _EXACT_INT) if t.precision > 15 else ()  # 10**15 < 2**53
    if len(inexact):
        out[inexact] = np.asarray(pc.cast(pc.cast(arr.take(pa.array(inexact)), pa.string()), pa.float64()).fill_null(0))
    mask = np.asarray(arr.is_null()) if arr.null_count else None
    return pa.array(out, pa.float64(), mask=mask)


def cast_value(value, to: pa.DataType, safe: bool = True):
    """Cast an Arrow array or scalar, turning Arrow's failure into a DataTypeError naming both types."""
    if value.type == to:
        return value
    original = value.type
    try:
        if pa.types.is_null(value.type):
            return pa.scalar(None, to) if isinstance(value, pa.Scalar) else pa.nulls(len(value), to)
        if _is_stringish(value.type) and pa.types.is_date(to):
            return _text_to_date(value, to)
        if pa.types.is_floating(value.type) and _is_stringish(to):
            return _float_text(value, to)
        if pa.types.is_decimal(value.type) and pa.types.is_decimal(to) and to.scale < value.type.scale:
            # fewer decimals: rounded half away from zero, as DuckDB does (Arrow refuses the loss)
            value = pc.round(value, ndigits=to.scale, round_mode="half_towards_infinity")
        if pa.types.is_decimal(value.type) and pa.types.is_floating(to):
            return pc.cast(to_float64(value), to) if to != pa.float64() else to_float64(value)
        if pa.types.is_integer(value.type) and pa.types.is_decimal(to) and to.precision - to.scale < integer_decimal(value.type).precision:
            # Arrow refuses int64 -> decimal(15, 4) whatever the values; through decimal(19, 0) the
            # values that fit are kept and the others raise
            value = pc.cast(value, integer_decimal(value.type))
        return pc.cast(value, to, safe=safe)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise DataTypeError(f"cannot cast {original} to {to}: {exc}") from None


def _float_text(value, to: pa.DataType):
    """Floats as Python's ``repr`` writes them, which is also pandas' ``astype(str)`` and DuckDB's
    cast to VARCHAR: ``1.0``, ``1e-05``, ``1000000000000000.0``, ``-0.0`` (Arrow writes ``1``,
    ``0.00001``, ``1e+15``, ``-0``). FLOAT values by NumPy's shortest float32 form."""
    one = isinstance(value, pa.Scalar)
    arr = pa.array([value.as_py()], value.type) if one else (value.combine_chunks() if isinstance(value, pa.ChunkedArray) else value)
    if pa.types.is_float16(arr.type):
        arr = pc.cast(arr, pa.float32())
    numbers = arr.to_numpy(zero_copy_only=False)
    # a float32's shortest digits, then written by repr's rules (DuckDB: 1e15 gives 1000000000000000.0)
    write = repr if arr.type == pa.float64() else (lambda x: repr(float(str(np.float32(x)))))
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    out = pa.array([write(float(x)) if ok else None for x, ok in zip(numbers.tolist(), valid)], to)
    return out[0] if one else out


def _text_to_date(value, to: pa.DataType):
    """ISO dates; '2024-2-3' too, but never a day the month does not have ('2024-02-30', which
    ``strptime`` would roll over into March)."""
    try:
        return pc.cast(value, to)
    except pa.ArrowInvalid:
        pass
    parsed = pc.strptime(value, "%Y-%m-%d", "s")
    written_day = pc.cast(pc.list_element(pc.split_pattern(pc.utf8_trim_whitespace(value), "-"), 2), pa.int64())
    wrong = pc.not_equal(pc.day(parsed), written_day)
    if (wrong.as_py() if isinstance(wrong, pa.Scalar) else pc.any(wrong).as_py()):
        first = value.as_py() if isinstance(value, pa.Scalar) else pc.filter(value, wrong)[0].as_py()
        raise pa.ArrowInvalid(f"{first!r} is not a date of the calendar")
    return pc.cast(parsed, to)


# -- arithmetic -----------------------------------------------------------------------------------

def _divide(a, b):
    """True division, as pandas and DuckDB do: integers and decimals divide to float64."""
    return pc.divide(to_float64(a), to_float64(b))


def _floordiv(a, b):
    if pa.types.is_integer(a.type) and pa.types.is_integer(b.type):
        q = pc.divide(a, b)  # truncates toward zero
        fix = pc.and_(pc.not_equal(pc.multiply(q, b), a), pc.less(pc.multiply(pc.sign(a), pc.sign(b)), 0))
        return pc.subtract(q, pc.cast(fix, q.type))
    return pc.floor(_divide(a, b))


def _mod_sql(a, b):
    """SQL modulo: the sign follows the dividend (truncated division)."""
    if pa.types.is_integer(a.type) and pa.types.is_integer(b.type):
        return pc.subtract(a, pc.multiply(pc.divide(a, b), b))
    af, bf = to_float64(a), to_float64(b)
    return pc.subtract(af, pc.multiply(pc.trunc(pc.divide(af, bf)), bf))


def _mod_python(a, b):
    """pandas/Python modulo: the sign follows the divisor."""
    r = _mod_sql(a, b)
    fix = pc.and_(pc.not_equal(r, 0), pc.not_equal(pc.less(r, 0), pc.less(b, 0)))
    return pc.if_else(fix, pc.add(r, b), r)


def _as_decimal(value):
    """Integers meeting decimals become the decimals that hold every value of their type (DuckDB's
    rule: INTEGER is DECIMAL(10,0), BIGINT DECIMAL(19,0)), so ``int + decimal(2,1)`` has room for
    any integer; the precision follows the type, not the value, as the schema must."""
    t = value.type
    if not pa.types.is_integer(t):
        return value
    return pc.cast(value, integer_decimal(t))


def _narrow(value, precision: int):
    t = value.type
    precision = max(precision, t.scale + 1)
    if precision >= t.precision:
        return value
    return pc.cast(value, pa.decimal128(precision, t.scale))  # safe: raises if a value does not fit


def _fit_decimals(a, b, op: str):
    """Arrow widens decimal results past 38 digits and then refuses; like DuckDB, cap at 38 by
    narrowing the operands' integer digits to what the result can hold (checked at run time)."""
    if not (pa.types.is_decimal(a.type) or pa.types.is_decimal(b.type)):
        return a, b
    if pa.types.is_floating(a.type) or pa.types.is_floating(b.type):
        return to_float64(a), to_float64(b)
    a, b = _as_decimal(a), _as_decimal(b)
    ta, tb = a.type, b.type
    if op == "multiply":
        excess = ta.precision + tb.precision + 1 - 38
        if excess > 0:
            wide_a = ta.precision - ta.scale >= tb.precision - tb.scale
            cut_a = min(excess, ta.precision - ta.scale - 1) if wide_a else 0
            a = _narrow(a, ta.precision - cut_a)
            b = _narrow(b, tb.precision - (excess - cut_a))
    else:
        scale = max(ta.scale, tb.scale)
        digits = max(ta.precision - ta.scale, tb.precision - tb.scale)
        if digits + 1 + scale > 38:  # operands at the result's scale, one integer digit short of 38
            common = pa.decimal128(min(digits, 37 - scale) + scale, scale)
            a, b = cast_value(a, common), cast_value(b, common)
    return a, b


def _decimal_digits(t: pa.DataType) -> int:
    if pa.types.is_integer(t):
        t = integer_decimal(t)
    return t.precision if pa.types.is_decimal(t) else 0


def _retype(value, to: pa.DataType):
    """The same 128-bit decimal values under a narrower precision known to hold them (no copy)."""
    if value.type == to:
        return value
    if isinstance(value, pa.Scalar):
        return pa.scalar(value.as_py(), to)
    if isinstance(value, pa.ChunkedArray):
        return pa.chunked_array([c.view(to) for c in value.chunks], to)
    return value.view(to)


def decimal_arithmetic(fn, op: str):
    """``fn`` (an Arrow add/subtract/multiply kernel) over decimals typed as DuckDB types them:
    ``+``/``-`` give ``max(p1-s1, p2-s2) + 1`` integer digits and scale ``max(s1, s2)``, ``*`` gives
    precision ``p1 + p2`` and scale ``s1 + s2`` (Arrow says one digit more), at most 38 digits."""
    def kernel(a, b):
        digits = sum(_decimal_digits(x.type) for x in (a, b))
        a, b = _fit_decimals(a, b, op)
        out = fn(a, b)
        if op == "multiply" and pa.types.is_decimal(out.type):
            out = _retype(out, pa.decimal128(max(min(38, digits), out.type.scale), out.type.scale))
        return out

    kernel.__name__ = op
    return kernel


for _name, _fn, _sym in [
    ("add", pc.add, "+"),
    ("subtract", pc.subtract, "-"),
    ("multiply", pc.multiply, "*"),
]:
    register(_name, decimal_arithmetic(_fn, _name), _fn, _sym)
register("power", pc.power, pc.power, "**")
register("divide", _divide, lambda a, b: pc.divide(a.cast(pa.float64()), b.cast(pa.float64())), "/")
register("floordiv", _floordiv, None, "//")
register("mod", _mod_sql, None, "%")
register("pymod", _mod_python, None, "%")
register("negate", pc.negate, pc.negate, "-")
register("abs", pc.abs, pc.abs)
register("sqrt", lambda a: pc.sqrt(to_float64(a)))
register("exp", pc.exp)
register("ln", pc.ln)
register("floor", pc.floor)
register("ceil", pc.ceil)
register("sign", pc.sign)
register("round", lambda a, ndigits=0, mode="half_towards_infinity": pc.round(a, ndigits=ndigits, round_mode=mode))  # SQL rounds half away from zero; pandas passes mode="half_to_even"

# -- comparison and logic -------------------------------------------------------------------------

def _comparable(a, b):
    """Decimals of different scales compare exactly when a common decimal type fits in 38 digits,
    otherwise as float64 (Arrow would refuse the widened type)."""
    ta, tb = a.type, b.type
    if pa.types.is_null(ta) or pa.types.is_null(tb):  # an untyped NULL (``NULL = NULL``): NULL
        t = tb if pa.types.is_null(ta) else ta
        t = pa.bool_() if pa.types.is_null(t) else t
        return cast_value(a, t), cast_value(b, t)
    if ta == tb or not (pa.types.is_decimal(ta) or pa.types.is_decimal(tb)):
        return a, b
    if pa.types.is_floating(ta) or pa.types.is_floating(tb):
        return to_float64(a), to_float64(b)
    a, b = _as_decimal(a), _as_decimal(b)
    ta, tb = a.type, b.type
    digits = max(ta.precision - ta.scale, tb.precision - tb.scale)
    scale = max(ta.scale, tb.scale)
    if digits + scale <= 38:
        target = pa.decimal128(digits + scale, scale)
        return cast_value(a, target), cast_value(b, target)
    return to_float64(a), to_float64(b)


def _logical(fn):
    """Kleene AND / OR; an untyped NULL operand is a boolean NULL."""
    def kernel(a, b):
        a, b = (cast_value(x, pa.bool_()) if pa.types.is_null(x.type) else x for x in (a, b))
        return fn(a, b)

    kernel.__name__ = fn.__name__
    return kernel


def _comparison(fn):
    def kernel(a, b):
        return fn(*_comparable(a, b))

    kernel.__name__ = fn.__name__
    return kernel


for _name, _fn, _sym in [
    ("eq", pc.equal, "="),
    ("ne", pc.not_equal, "!="),
    ("lt", pc.less, "<"),
    ("le", pc.less_equal, "<="),
    ("gt", pc.greater, ">"),
    ("ge", pc.greater_equal, ">="),
    ("and", pc.and_kleene, "AND"),
    ("or", pc.or_kleene, "OR"),
]:
    register(_name, _comparison(_fn) if _name not in ("and", "or") else _logical(_fn), _fn, _sym)
register("xor", pc.xor, pc.xor, "XOR")
register("not", pc.invert, pc.invert, "NOT ")
register("is_null", lambda a: pc.is_null(a, nan_is_null=True), lambda a: pc.is_null(a, nan_is_null=True))
register("is_not_null", lambda a: pc.invert(pc.is_null(a, nan_is_null=True)), lambda a: pc.invert(pc.is_null(a, nan_is_null=True)))
register("fill_null", lambda a, b: pc.coalesce(a, cast_value(b, common_type([a.type, b.type])) if not pa.types.is_null(a.type) else b))
register("coalesce", lambda *args: pc.coalesce(*[cast_value(x, common_type(a.type for a in args)) for x in args]))
register("if_else", lambda c, a, b: pc.if_else(pc.fill_null(c, False), *(cast_value(x, common_type([a.type, b.type])) for x in (a, b))))


def _value_array(values: tuple) -> pa.Array:
    """The IN list as one array; numbers written with different digits (``1``, ``2.5``, ``3.50``)
    become decimals wide enough for them all."""
    try:
        return pa.array(list(values))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        import decimal

        if not all(isinstance(v, (int, decimal.Decimal)) and not isinstance(v, bool) for v in values):
            raise
        types = [pa.scalar(v).type if isinstance(v, decimal.Decimal) else integer_decimal(pa.int64()) for v in values]
        return pa.array(list(values), common_type(types))


def _is_in(a, values: tuple = (), skip_nulls: bool = True):
    value_set = _value_array(values)
    if len(value_set) and not pa.types.is_null(value_set.type) and value_set.type != a.type:
        try:
            value_set = cast_value(value_set, a.type)
        except DataTypeError:
            a = cast_value(a, common_type([a.type, value_set.type]))
            value_set = cast_value(value_set, a.type)
    if not skip_nulls:  # a NULL is in the list (pandas' isin with None): matched, never NULL
        return pc.or_(pc.is_in(a, value_set=value_set, skip_nulls=True), pc.is_null(a, nan_is_null=True))
    return pc.is_in(a, value_set=value_set, skip_nulls=True)


def _is_in_expression(a, values: tuple = (), skip_nulls: bool = True):
    found = pc.is_in(a, value_set=_value_array(values), skip_nulls=True)
    return found if skip_nulls else pc.or_(found, pc.is_null(a, nan_is_null=True))


register("is_in", _is_in, _is_in_expression)


def _map_values(a, keys: tuple = (), values: tuple = ()):
    """Each value's entry in ``keys -> values`` (pandas' ``Series.map(dict)``): missing keys give NULL."""
    key_set, mapped = _value_array(keys), pa.array(list(values))
    if len(key_set) and key_set.type != a.type:
        key_set = cast_value(key_set, a.type)
    return mapped.take(pc.index_in(a, value_set=key_set))


register("map_values", _map_values)

# -- strings --------------------------------------------------------------------------------------

def _text(a):
    """``a``, a column of the NULL type (``SELECT NULL AS c``) read as text (DuckDB casts it)."""
    return a.cast(pa.string()) if pa.types.is_null(a.type) else a


register("lower", pc.utf8_lower)
register("upper", pc.utf8_upper)
register("length", pc.utf8_length)
register("strip", lambda a, chars=None: pc.utf8_trim_whitespace(a) if chars is None else pc.utf8_trim(a, characters=chars))
register("lstrip", lambda a, chars=None: pc.utf8_ltrim_whitespace(a) if chars is None else pc.utf8_ltrim(a, characters=chars))
register("rstrip", lambda a, chars=None: pc.utf8_rtrim_whitespace(a) if chars is None else pc.utf8_rtrim(a, characters=chars))
register("contains", lambda a, pattern="", regex=False, case=True: (pc.match_substring_regex if regex else pc.match_substring)(a, pattern, ignore_case=not case))
register("startswith", lambda a, pattern="": pc.starts_with(a, pattern), lambda a, pattern="": pc.starts_with(a, pattern))
register("endswith", lambda a, pattern="": pc.ends_with(a, pattern), lambda a, pattern="": pc.ends_with(a, pattern))
register("like", lambda a, pattern="", case=True: pc.match_like(_text(a), pattern, ignore_case=not case), lambda a, pattern="", case=True: pc.match_like(a, pattern, ignore_case=not case))
register("replace", lambda a, pattern="", replacement="", regex=False: (pc.replace_substring_regex if regex else pc.replace_substring)(a, pattern, replacement))


def _split(a, pattern=None, n=-1, regex=False):
    """pandas' ``str.split``: lists of the parts (``n`` splits at most; whitespace when no pattern)."""
    limit = None if n is None or n < 0 else n
    if pattern is None:
        return pc.utf8_split_whitespace(a, max_splits=limit)
    return (pc.split_pattern_regex if regex else pc.split_pattern)(a, pattern, max_splits=limit)


def _extract(a, pattern="", group=0):
    """The ``group``-th capture group of ``pattern`` (pandas' ``str.extract``); NULL where it does not match."""
    import re

    count = [0]

    def named(m):
        if m.group(0) != "(" or m.string[m.end():m.end() + 1] == "?":
            return m.group(0)
        count[0] += 1
        return f"(?P<g{count[0] - 1}>"

    rewritten = re.sub(r"\\.|\(", named, pattern)
    return pc.struct_field(pc.extract_regex(a, rewritten), [group])


def _list_get(a, index=0):
    """Element ``index`` of each list (negative: from the end), NULL where the list is shorter."""
    arr = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    offsets = np.asarray(arr.offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    pos = np.full(len(arr), index, dtype=np.int64) if index >= 0 else lengths + index
    ok = (pos >= 0) & (pos < lengths) & np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    values = arr.values
    if not ok.any():
        return pa.nulls(len(arr), values.type)
    return values.take(pa.array(np.where(ok, offsets[:-1] + pos, 0), mask=~ok))


register("split", _split)
register("list_get", _list_get)
register("extract", _extract)


def _slice(a, start=0, stop=None, step=1):
    return pc.utf8_slice_codeunits(a, start=start, stop=stop if stop is not None else 2**62, step=step)


def _substring(a, start, length=None):
    """SQL ``substring(s, start[, length])`` with 1-based ``start`` (columns or literals)."""
    start_v = start.as_py() if isinstance(start, pa.Scalar) else None
    length_v = length.as_py() if isinstance(length, pa.Scalar) else length
    if start_v is None or (length is not None and not isinstance(length, pa.Scalar)):
        raise DataTypeError("substring needs constant start and length")
    begin = max(start_v - 1, 0)
    stop = None if length_v is None else max(start_v - 1 + length_v, 0)
    return _slice(a, begin, stop)


register("slice", _slice)
register("substring", _substring)
def _concat(*args):
    target = pa.large_string() if any(pa.types.is_large_string(a.type) for a in args) else pa.string()
    return pc.binary_join_element_wise(*[cast_value(x, target) for x in args], pa.scalar("", target))


register("concat", _concat)

# -- dates ----------------------------------------------------------------------------------------

for _part in ["year", "month", "day", "quarter", "day_of_week", "day_of_year", "hour", "minute", "second"]:
    register(_part, getattr(pc, _part), getattr(pc, _part))


def _date_trunc(a, unit: str = "day"):
    unit = unit.lower()
    result = pc.floor_temporal(a, unit=unit)
    return result


register("date_trunc", _date_trunc)


def _add_days(a, days):
    """date + n days, for date32 columns or scalars (``days`` may be a column)."""
    if pa.types.is_date32(a.type):
        as_int = pc.cast(a, pa.int32())
        return pc.cast(pc.add(as_int, pc.cast(days, pa.int32())), pa.date32())
    return pc.add(a, pc.cast(pc.multiply(pc.cast(days, pa.int64()), 86_400_000_000), pa.duration("us")))


def _add_months(a, months):
    """date + n months; the day is clamped to the last of the target month, as SQL engines do."""
    n = months.as_py() if isinstance(months, pa.Scalar) else None
    if n is None:
        raise DataTypeError("adding a month interval needs a constant number of months")
    if isinstance(a, pa.Scalar):
        return pa.scalar(_shift_month(a.as_py(), n), a.type)
    arr = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    if pa.types.is_timestamp(arr.type):  # the date moves, the time of day stays
        day = pc.floor_temporal(arr, unit="day")
        return pc.add(pc.cast(_add_months(pc.cast(day, pa.date32()), months), arr.type), pc.subtract(arr, day))
    days = np.asarray(pc.cast(pc.cast(arr, pa.date32()), pa.int32()).fill_null(0), dtype="int64").astype("datetime64[D]")
    month_start = days.astype("datetime64[M]")
    day_offset = (days - month_start.astype("datetime64[D]")).astype("int64")
    target_month = month_start + np.timedelta64(n, "M")
    month_len = ((target_month + np.timedelta64(1, "M")).astype("datetime64[D]") - target_month.astype("datetime64[D]")).astype("int64")
    result = target_month.astype("datetime64[D]") + np.minimum(day_offset, month_len - 1).astype("timedelta64[D]")
    out = pa.array(result.astype("int64").astype("int32"), pa.int32(), mask=np.asarray(arr.is_null()))
    return pc.cast(pc.cast(out, pa.date32()), a.type)


def _shift_month(d: _dt.date | None, n: int):
    if d is None:
        return None
    m = d.year * 12 + d.month - 1 + n
    y, mo = divmod(m, 12)
    import calendar

    day = min(d.day, calendar.monthrange(y, mo + 1)[1])
    return type(d)(y, mo + 1, day) if isinstance(d, _dt.date) and not isinstance(d, _dt.datetime) else d.replace(year=y, month=mo + 1, day=day)


register("add_days", _add_days)
register("add_months", _add_months)
register("strftime", lambda a, format="%Y-%m-%d": pc.strftime(a, format=format))
register("strptime", lambda a, format="%Y-%m-%d", unit="us": pc.strptime(a, format=format, unit=unit))
