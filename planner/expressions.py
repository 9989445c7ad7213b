"""Translating sqlglot expressions into frames scalar expressions.

Column references resolve through a ``resolve(column) -> ScalarExpr`` callback supplied by the
query builder (it knows which relation each qualified name lives in); ``replacements`` maps whole
sub-expressions (group keys, aggregate calls) to columns already computed below.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Callable, Mapping

import pyarrow as pa
from sqlglot import exp

from frames.errors import DataTypeError
from frames.dataframe.expr.kernels import cast_value
from frames.dataframe.expr.scalar import Case, Cast, Lit, ScalarExpr, balanced, call
import planner.functions  # noqa: F401 - registers the sql_* kernels
from planner.function_calls import text_arg as _text, translate_call
from planner.errors import UnsupportedFeatureError
from planner.types import arrow_type, blob_from_text, literal_type

_BINARY = {
    exp.Add: "sql_add", exp.Sub: "sql_subtract", exp.Mul: "sql_multiply", exp.Div: "divide", exp.Mod: "sql_mod",
    exp.IntDiv: "sql_intdiv", exp.EQ: "eq", exp.NEQ: "ne", exp.LT: "lt", exp.LTE: "le", exp.GT: "gt",
    exp.GTE: "ge", exp.And: "and", exp.Or: "or", exp.BitwiseAnd: "sql_bit_and", exp.BitwiseOr: "sql_bit_or",
    exp.BitwiseXor: "sql_bit_xor", exp.BitwiseLeftShift: "sql_shift_left", exp.BitwiseRightShift: "sql_shift_right",
}
_UNARY_FUNCS = {exp.Upper: "upper", exp.Lower: "lower", exp.Length: "length", exp.Abs: "sql_abs", exp.Floor: "floor",
                exp.Ceil: "ceil", exp.Sqrt: "sqrt", exp.Ln: "ln", exp.Exp: "exp", exp.Sign: "sign",
                exp.Reverse: "sql_reverse", exp.BitwiseNot: "sql_bit_not"}
_TEXT_FUNCS = {"upper", "lower", "length", "sql_reverse"}  # an untyped NULL argument is a VARCHAR, as in DuckDB


def literal(e: exp.Literal) -> Lit:
    """A literal typed as DuckDB types it (``planner.types.literal_type``)."""
    if e.is_string:
        return Lit(e.this)
    t = literal_type(e.this)
    if pa.types.is_floating(t):
        return Lit(float(e.this))
    if pa.types.is_decimal(t):
        return Lit(decimal.Decimal(e.this), t)
    return Lit(int(e.this), t)


def _chain(e: exp.Expression) -> list[exp.Expression]:
    """The operands of a chain of ANDs (or ORs), parentheses looked through, left to right."""
    kind, out, stack = type(e), [], [e]
    while stack:
        node = stack.pop()
        while isinstance(node, exp.Paren):
            node = node.this
        if type(node) is kind:
            stack.extend([node.expression, node.this])
        else:
            out.append(node)
    return out


class ExpressionTranslator:
    def __init__(self, resolve: Callable[[exp.Column], ScalarExpr], replacements: Mapping[exp.Expression, ScalarExpr] | None = None):
        self.resolve = resolve
        self.replacements = dict(replacements or {})

    def __call__(self, e: exp.Expression) -> ScalarExpr:
        return self.translate(e)

    def translate(self, e: exp.Expression) -> ScalarExpr:
        out = self._translate(e)
        if e.args.get("negate") and isinstance(e, (exp.Like, exp.ILike, exp.In, exp.Between, exp.Is)):
            return call("not", out)  # sqlglot marks NOT LIKE / NOT IN ... with a flag
        return out

    def _translate(self, e: exp.Expression) -> ScalarExpr:
        if self.replacements:
            hit = self.replacements.get(e)
            if hit is not None:
                return hit
        t = self.translate
        if isinstance(e, exp.Func) or isinstance(e, (exp.Div, exp.NullSafeEQ, exp.NullSafeNEQ, exp.SimilarTo, exp.Bracket)):
            out = translate_call(t, e)  # function calls: a table of handlers
            if out is not None:
                return out
        if isinstance(e, exp.Column):
            return self.resolve(e)
        if isinstance(e, exp.Alias):
            return t(e.this)
        if isinstance(e, exp.IgnoreNulls) and isinstance(e.this, exp.AnyValue):
            return t(e.this)  # any_value skips NULLs anyway
        if isinstance(e, exp.Paren):
            return t(e.this)
        if isinstance(e, exp.Literal):
            return literal(e)
        if isinstance(e, exp.Boolean):
            return Lit(bool(e.this))
        if isinstance(e, exp.Null):
            return Lit(None)
        if isinstance(e, (exp.And, exp.Or)):  # a chain of one connective: flat operands, a balanced tree
            return balanced("and" if isinstance(e, exp.And) else "or", [t(x) for x in _chain(e)])
        for klass, name in _BINARY.items():
            if type(e) is klass:
                left, right = e.this, e.expression
                if name in ("sql_add", "sql_subtract") and isinstance(right, exp.Interval):
                    return self._interval(t(left), right, negate=name == "sql_subtract")
                return call(name, t(left), t(right))
        if isinstance(e, exp.Not):
            return call("not", t(e.this))
        if isinstance(e, exp.Neg):
            inner = t(e.this)
            if isinstance(inner, Lit) and inner.value is not None:
                if isinstance(e.this, exp.Literal) and e.this.is_int and -inner.value >= -2**63 and inner.type != pa.int32():
                    return Lit(-int(inner.value), pa.int64())  # -9223372036854775808 is a BIGINT
                return Lit(-inner.value, inner.type)
            return call("sql_negate", inner)
        if isinstance(e, exp.Is):
            if isinstance(e.expression, exp.Null):
                return call("is_null", t(e.this))
            if isinstance(e.expression, exp.Boolean):  # IS TRUE / IS FALSE: never NULL (NULL IS TRUE is false)
                value = t(e.this)
                return call("coalesce", value if e.expression.this else call("not", value), Lit(False))
            raise UnsupportedFeatureError(f"IS {e.expression.sql()}")
        if isinstance(e, (exp.NullSafeEQ, exp.NullSafeNEQ)):
            same = _not_distinct(t(e.this), t(e.expression))
            return same if isinstance(e, exp.NullSafeEQ) else call("not", same)
        if isinstance(e, exp.Between):
            v = t(e.this)
            return call("and", call("ge", v, t(e.args["low"])), call("le", v, t(e.args["high"])))
        if isinstance(e, exp.In):
            if e.args.get("query") is not None:
                raise UnsupportedFeatureError("IN (subquery) in this position")
            v = t(e.this)
            items = [t(x) for x in e.expressions]
            if not all(isinstance(x, Lit) for x in items):
                return _or_of_equals(v, items)  # Kleene OR of comparisons: NULLs already right
            values = tuple(x.value for x in items if x.value is not None)
            if not values:  # IN (NULL, ...): unknown for every row
                return Lit(None, pa.bool_())
            # SQL's three-valued IN: NULL when the value is NULL, or when nothing matched and the
            # list holds a NULL; ``v <> v`` is NULL exactly when v is (and FALSE otherwise)
            unknown = Lit(None, pa.bool_()) if len(values) < len(items) else call("ne", v, v)
            return call("or", call("is_in", v, values=values), unknown)
        if isinstance(e, exp.Escape) and isinstance(e.this, (exp.Like, exp.ILike)):
            escape = t(e.expression)
            like = e.this
            pattern = t(like.expression)
            if not (isinstance(escape, Lit) and isinstance(pattern, Lit) and len(escape.value) == 1):
                raise UnsupportedFeatureError("LIKE ... ESCAPE with a non-constant pattern or escape")
            if escape.value != "\\":  # Arrow's LIKE escapes with a backslash
                pattern = Lit(pattern.value.replace("\\", "\\\\").replace(escape.value, "\\"))
            out = call("like", _text(t(like.this)), pattern=pattern.value, case=not isinstance(like, exp.ILike))
            return call("not", out) if like.args.get("negate") else out
        if isinstance(e, (exp.Like, exp.ILike)):
            pattern = t(e.expression)
            if not isinstance(pattern, Lit):
                raise UnsupportedFeatureError("LIKE with a non-constant pattern")
            return call("like", _text(t(e.this)), pattern=pattern.value, case=not isinstance(e, exp.ILike))
        if isinstance(e, exp.Case):
            subject = e.this
            whens = []
            for branch in e.args.get("ifs") or []:
                cond = t(branch.this) if subject is None else call("eq", t(subject), t(branch.this))
                whens.append((cond, t(branch.args["true"])))
            default = e.args.get("default")
            return Case(tuple(whens), t(default) if default is not None else None)
        if isinstance(e, exp.If):
            false = e.args.get("false")
            return Case(((t(e.this), t(e.args["true"])),), t(false) if false is not None else None)
        if isinstance(e, exp.Coalesce):
            return call("coalesce", t(e.this), *[t(x) for x in e.expressions])
        if isinstance(e, exp.Nullif):
            v = t(e.this)
            return Case(((call("eq", v, t(e.expression)), Lit(None)),), v)
        if isinstance(e, exp.Interval):
            return self._interval_value(e)
        if isinstance(e, exp.Dot) and isinstance(e.expression, exp.Identifier):  # s.a: a struct's field
            return call("sql_struct_extract", t(e.this), field=e.expression.name)
        if isinstance(e, exp.StructExtract):
            field = t(e.expression)
            if not (isinstance(field, Lit) and isinstance(field.value, str)):
                raise UnsupportedFeatureError("struct_extract with a field name that is not a constant text")
            return call("sql_struct_extract", t(e.this), field=field.value)
        if isinstance(e, exp.Struct):
            return self._struct(e)
        if isinstance(e, exp.TryCast):
            return call("sql_try_cast", t(e.this), to=arrow_type(e.to))
        if isinstance(e, exp.Cast):
            return self._cast(t(e.this), e.to)
        if isinstance(e, exp.Trim):
            position = (e.args.get("position") or "").upper()
            kernel = {"LEADING": "lstrip", "TRAILING": "rstrip"}.get(position, "strip")
            chars = e.expression
            if chars is None:
                return call(kernel, t(e.this))
            lit = t(chars)
            if not isinstance(lit, Lit):
                raise UnsupportedFeatureError("TRIM with non-constant characters")
            return call(kernel, t(e.this), chars=lit.value)
        if isinstance(e, exp.DPipe):
            return call("sql_dpipe", t(e.this), t(e.expression))  # NULL in, NULL out; lists concatenate
        if isinstance(e, exp.Concat):
            return call("sql_concat", *[t(p) for p in e.expressions])  # CONCAT() skips NULLs
        if isinstance(e, (exp.Greatest, exp.Least)):
            kernel = "sql_greatest" if isinstance(e, exp.Greatest) else "sql_least"
            return call(kernel, t(e.this), *[t(x) for x in e.expressions])
        if isinstance(e, exp.Pow):
            return call("power", Cast(t(e.this), pa.float64()), Cast(t(e.expression), pa.float64()))
        if isinstance(e, (exp.StartsWith, exp.Contains, exp.Replace)):
            pattern = t(e.expression)
            if not isinstance(pattern, Lit):
                raise UnsupportedFeatureError(f"{type(e).__name__.upper()} with a non-constant pattern")
            if isinstance(e, exp.Replace):
                repl = t(e.args["replacement"])
                if not isinstance(repl, Lit):
                    raise UnsupportedFeatureError("REPLACE with a non-constant replacement")
                return call("replace", t(e.this), pattern=pattern.value, replacement=repl.value)
            kernel = "startswith" if isinstance(e, exp.StartsWith) else "contains"
            return call(kernel, t(e.this), pattern=pattern.value)
        if isinstance(e, exp.Round):
            nd = e.args.get("decimals")
            digits = t(nd).value if nd is not None else 0
            return call("sql_round", t(e.this), ndigits=int(digits))
        for klass, name in _UNARY_FUNCS.items():
            if isinstance(e, klass):
                arg = t(e.this)
                return call(name, _text(arg) if name in _TEXT_FUNCS else arg)
        if isinstance(e, exp.AggFunc):
            raise UnsupportedFeatureError(f"aggregate {e.sql()} in this position")
        if isinstance(e, exp.Window):
            raise UnsupportedFeatureError("window functions (OVER ...)")
        raise UnsupportedFeatureError(f"the expression {e.sql()[:60]!r} ({type(e).__name__})")

    def _struct(self, e: exp.Struct) -> ScalarExpr:
        """``{'a': x, 'b': y}`` / ``struct_pack(a := x)``: a struct of named fields."""
        names, values = [], []
        for item in e.expressions:
            if isinstance(item, (exp.PropertyEQ, exp.Slice)) and item.this is not None:
                key = item.this
                names.append(key.name if isinstance(key, (exp.Identifier, exp.Column)) else str(self.translate(key).value))
                values.append(self.translate(item.expression))
            elif isinstance(item, exp.Alias):
                names.append(item.alias)
                values.append(self.translate(item.this))
            else:
                raise UnsupportedFeatureError(f"a struct without field names ({e.sql()}); name each field: {{'a': 1}}")
        if len(set(n.casefold() for n in names)) != len(names):
            raise DataTypeError(f"the struct {e.sql()} names a field twice")
        return call("sql_struct_pack", *values, names=tuple(names))

    def _cast(self, value: ScalarExpr, to: exp.DataType) -> ScalarExpr:
        target = arrow_type(to)
        if isinstance(value, Lit) and isinstance(value.value, str) and pa.types.is_date(target):
            try:
                return Lit(cast_value(pa.scalar(value.value.strip()), pa.date32()).as_py())
            except DataTypeError:
                raise DataTypeError(f"{value.value!r} is not a date (YYYY-MM-DD)") from None
        if isinstance(value, Lit) and isinstance(value.value, str) and (pa.types.is_time(target) or pa.types.is_binary(target)):
            return Lit(_time_from_text(value.value) if pa.types.is_time(target) else blob_from_text(value.value), target)
        textual = pa.types.is_integer(target) or pa.types.is_boolean(target)  # SQL reads such text its own way
        if isinstance(value, Lit) and value.value is not None and not isinstance(value.value, (dt.date, str) if textual else dt.date):
            try:
                return Lit(cast_value(pa.scalar(value.value, value.type), target).as_py(), target)
            except (DataTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                pass
        if pa.types.is_integer(target):
            value = call("sql_to_integer", value)  # round, as SQL does, instead of failing on a fraction
        elif pa.types.is_boolean(target):
            value = call("sql_to_boolean", value)  # 'yes', 't', '1', ... as DuckDB reads them
        return Cast(value, target)

    def _interval_parts(self, interval: exp.Interval) -> tuple[ScalarExpr, str]:
        """An interval's amount and singular unit (``INTERVAL '90 minutes'`` is 90, MINUTE)."""
        amount = self.translate(interval.this)
        unit = (interval.unit.name if interval.unit is not None else "DAY").upper().rstrip("S")
        if isinstance(amount, Lit) and isinstance(amount.value, str):
            parts = amount.value.split()
            if len(parts) == 2:
                amount, unit = Lit(parts[0]), parts[1].upper().rstrip("S")
        return amount, unit

    def _interval_value(self, interval: exp.Interval) -> Lit:
        """A constant ``INTERVAL n unit`` of days, weeks, hours, minutes or seconds as a duration
        (DuckDB's INTERVAL, fetched as a ``timedelta``); months and years have no fixed length."""
        amount, unit = self._interval_parts(interval)
        seconds = {"WEEK": 7 * 86400, "DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}.get(unit)
        try:
            n = int(str(amount.value)) if isinstance(amount, Lit) else None
        except ValueError:
            n = None
        if seconds is None or n is None:
            raise UnsupportedFeatureError(f"the interval {interval.sql()!r} as a value (only constant days, hours, minutes or seconds)")
        return Lit(dt.timedelta(seconds=n * seconds), pa.duration("us"))

    def _interval(self, base: ScalarExpr, interval: exp.Interval, negate: bool) -> ScalarExpr:
        """``base +/- INTERVAL n unit``: days and weeks add days (a DATE stays a DATE; DuckDB says
        TIMESTAMP, with the same values), months and years add months (constant n), hours, minutes
        and seconds add a duration (a DATE becomes a TIMESTAMP, as in DuckDB)."""
        amount, unit = self._interval_parts(interval)
        if isinstance(amount, Lit):
            try:
                n = int(str(amount.value))
            except ValueError:
                raise UnsupportedFeatureError(f"INTERVAL {interval.this.sql()}") from None
            amount = Lit(-n if negate else n)
        elif negate:
            amount = call("sql_negate", amount)
        if unit in ("DAY", "WEEK"):
            return call("add_days", base, amount if unit == "DAY" else call("sql_multiply", amount, Lit(7)))
        if unit in ("MONTH", "YEAR"):
            if not isinstance(amount, Lit):
                raise UnsupportedFeatureError(f"INTERVAL of {unit.lower()}s with a non-constant amount")
            return call("add_months", base, Lit(amount.value * (12 if unit == "YEAR" else 1)))
        if unit in ("HOUR", "MINUTE", "SECOND"):
            return call("sql_add_seconds", base, call("sql_multiply", amount, Lit({"HOUR": 3600, "MINUTE": 60, "SECOND": 1}[unit])))
        raise UnsupportedFeatureError(f"INTERVAL unit {unit}")


def _time_from_text(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError:
        raise DataTypeError(f"{text!r} is not a time (HH:MM[:SS[.ffffff]])") from None


def _or_of_equals(v: ScalarExpr, items: list[ScalarExpr]) -> ScalarExpr:
    out = call("eq", v, items[0])
    for item in items[1:]:
        out = call("or", out, call("eq", v, item))
    return out


def _not_distinct(a: ScalarExpr, b: ScalarExpr) -> ScalarExpr:
    """``a IS NOT DISTINCT FROM b``, never NULL: both NULL, or both present and equal (Kleene AND/OR
    make the absent ``eq`` drop out when either side is NULL)."""
    both_null = call("and", call("is_null", a), call("is_null", b))
    both_present = call("and", call("not", call("is_null", a)), call("not", call("is_null", b)))
    return call("or", both_null, call("and", both_present, call("eq", a, b)))
