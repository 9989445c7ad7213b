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

from frames.expr.scalar import Case, Cast, Lit, ScalarExpr, call
from planner.errors import UnsupportedFeatureError
from planner.types import arrow_type

_BINARY = {
    exp.Add: "add", exp.Sub: "subtract", exp.Mul: "multiply", exp.Div: "divide", exp.Mod: "mod",
    exp.IntDiv: "floordiv", exp.EQ: "eq", exp.NEQ: "ne", exp.LT: "lt", exp.LTE: "le", exp.GT: "gt",
    exp.GTE: "ge", exp.And: "and", exp.Or: "or",
}
_UNARY_FUNCS = {exp.Upper: "upper", exp.Lower: "lower", exp.Length: "length", exp.Abs: "abs"}
_DATE_PARTS = {"YEAR": "year", "MONTH": "month", "DAY": "day", "QUARTER": "quarter", "DOW": "day_of_week",
               "DAYOFWEEK": "day_of_week", "DOY": "day_of_year", "HOUR": "hour", "MINUTE": "minute", "SECOND": "second"}


def literal(e: exp.Literal) -> Lit:
    if e.is_string:
        return Lit(e.this)
    text = e.this
    if any(c in text for c in ".eE"):
        if "e" in text.lower():
            return Lit(float(text))
        return Lit(decimal.Decimal(text))
    return Lit(int(text))


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
        if isinstance(e, exp.Column):
            return self.resolve(e)
        if isinstance(e, exp.Alias):
            return t(e.this)
        if isinstance(e, exp.Paren):
            return t(e.this)
        if isinstance(e, exp.Literal):
            return literal(e)
        if isinstance(e, exp.Boolean):
            return Lit(bool(e.this))
        if isinstance(e, exp.Null):
            return Lit(None)
        for klass, name in _BINARY.items():
            if type(e) is klass:
                left, right = e.this, e.expression
                if name in ("add", "subtract") and isinstance(right, exp.Interval):
                    return self._interval(t(left), right, negate=name == "subtract")
                return call(name, t(left), t(right))
        if isinstance(e, exp.Not):
            return call("not", t(e.this))
        if isinstance(e, exp.Neg):
            inner = t(e.this)
            if isinstance(inner, Lit) and inner.value is not None:
                return Lit(-inner.value)
            return call("negate", inner)
        if isinstance(e, exp.Is):
            if isinstance(e.expression, exp.Null):
                return call("is_null", t(e.this))
            raise UnsupportedFeatureError(f"IS {e.expression.sql()}")
        if isinstance(e, exp.Between):
            v = t(e.this)
            return call("and", call("ge", v, t(e.args["low"])), call("le", v, t(e.args["high"])))
        if isinstance(e, exp.In):
            if e.args.get("query") is not None:
                raise UnsupportedFeatureError("IN (subquery) in this position")
            values = []
            for item in e.expressions:
                lit = t(item)
                if not isinstance(lit, Lit):
                    return _or_of_equals(t(e.this), [t(x) for x in e.expressions])
                values.append(lit.value)
            return call("is_in", t(e.this), values=tuple(values))
        if isinstance(e, (exp.Like, exp.ILike)):
            pattern = t(e.expression)
            if not isinstance(pattern, Lit):
                raise UnsupportedFeatureError("LIKE with a non-constant pattern")
            return call("like", t(e.this), pattern=pattern.value, case=not isinstance(e, exp.ILike))
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
        if isinstance(e, (exp.Cast, exp.TryCast)):
            return self._cast(t(e.this), e.to)
        if isinstance(e, exp.Substring):
            length = e.args.get("length")
            args = [t(e.this), t(e.args["start"])] + ([t(length)] if length is not None else [])
            return call("substring", *args)
        if isinstance(e, exp.Trim):
            return call("strip", t(e.this))
        if isinstance(e, (exp.DPipe, exp.Concat)):
            parts = [e.this, e.expression] if isinstance(e, exp.DPipe) else e.expressions
            return call("concat", *[t(p) for p in parts])
        if isinstance(e, exp.Round):
            nd = e.args.get("decimals")
            digits = t(nd).value if nd is not None else 0
            return call("round", t(e.this), ndigits=int(digits))
        if isinstance(e, exp.Extract):
            part = e.this.name.upper()
            if part not in _DATE_PARTS:
                raise UnsupportedFeatureError(f"EXTRACT({part} ...)")
            return call(_DATE_PARTS[part], t(e.expression))
        if isinstance(e, (exp.Year, exp.Month, exp.Day)):
            return call(type(e).__name__.lower(), t(e.this))
        if isinstance(e, exp.DateTrunc) or isinstance(e, exp.TimestampTrunc):
            unit = e.args.get("unit")
            return call("date_trunc", t(e.this), unit=(unit.name if unit is not None else "day").lower())
        for klass, name in _UNARY_FUNCS.items():
            if isinstance(e, klass):
                return call(name, t(e.this))
        if isinstance(e, exp.AggFunc):
            raise UnsupportedFeatureError(f"aggregate {e.sql()} in this position")
        if isinstance(e, exp.Window):
            raise UnsupportedFeatureError("window functions (OVER ...)")
        raise UnsupportedFeatureError(f"the expression {e.sql()[:60]!r} ({type(e).__name__})")

    def _cast(self, value: ScalarExpr, to: exp.DataType) -> ScalarExpr:
        target = arrow_type(to)
        if isinstance(value, Lit) and isinstance(value.value, str) and pa.types.is_date(target):
            try:
                return Lit(dt.date.fromisoformat(value.value.strip()))
            except ValueError:
                from frames.errors import DataTypeError

                raise DataTypeError(f"{value.value!r} is not a date (YYYY-MM-DD)") from None
        if isinstance(value, Lit) and value.value is not None and not isinstance(value.value, (dt.date,)):
            try:
                return Lit(pa.scalar(value.value).cast(target).as_py(), target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                pass
        return Cast(value, target)

    def _interval(self, base: ScalarExpr, interval: exp.Interval, negate: bool) -> ScalarExpr:
        amount = self.translate(interval.this)
        if not isinstance(amount, Lit):
            raise UnsupportedFeatureError("INTERVAL with a non-constant amount")
        n = int(str(amount.value))
        n = -n if negate else n
        unit = (interval.unit.name if interval.unit is not None else "DAY").upper().rstrip("S")
        if unit == "DAY":
            return call("add_days", base, Lit(n))
        if unit == "WEEK":
            return call("add_days", base, Lit(7 * n))
        if unit == "MONTH":
            return call("add_months", base, Lit(n))
        if unit == "YEAR":
            return call("add_months", base, Lit(12 * n))
        raise UnsupportedFeatureError(f"INTERVAL unit {unit}")


def _or_of_equals(v: ScalarExpr, items: list[ScalarExpr]) -> ScalarExpr:
    out = call("eq", v, items[0])
    for item in items[1:]:
        out = call("or", out, call("eq", v, item))
    return out
