"""``Series.str`` and ``Series.dt``: the string and date accessors, on Arrow string/temporal kernels."""

from __future__ import annotations

from frames.errors import DataTypeError


class _Accessor:
    _kind = ""

    def __init__(self, series):
        import pyarrow as pa

        self._series = series
        t = series.arrow_type
        ok = (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)) if self._kind == "str" else pa.types.is_temporal(t)
        if not ok:
            raise DataTypeError(f"the .{self._kind} accessor needs {'string' if self._kind == 'str' else 'date/time'} values; column {series.name!r} is {t}")

    def _apply(self, func: str, **options):
        return self._series._unary(func, **options)

    def _predicate(self, func: str, na: bool = False, **options):
        """A test that pandas answers ``na`` (False) for a missing value, not NULL as SQL does."""
        from frames.dataframe.collection import Series
        from frames.dataframe.expr.scalar import Lit, call

        s = self._series
        return Series(s._node, call("fill_null", call(func, s._expr, **options), Lit(bool(na))), s._name, s._index)


class StringAccessor(_Accessor):
    _kind = "str"

    def contains(self, pat: str, case: bool = True, na: bool = False, regex: bool = True):
        return self._predicate("contains", na, pattern=pat, regex=regex, case=case)

    def startswith(self, pat: str, na: bool = False):
        return self._predicate("startswith", na, pattern=pat)

    def endswith(self, pat: str, na: bool = False):
        return self._predicate("endswith", na, pattern=pat)

    def match(self, pat: str, case: bool = True, na: bool = False):
        return self._predicate("contains", na, pattern=pat if pat.startswith("^") else "^" + pat, regex=True, case=case)

    def lower(self):
        return self._apply("lower")

    def upper(self):
        return self._apply("upper")

    def len(self):
        """Characters per value, int64 as pandas (Arrow counts in int32)."""
        from frames.dataframe.collection import Series
        from frames.dataframe.expr.scalar import Cast, call
        import pyarrow as pa

        s = self._series
        return Series(s._node, Cast(call("length", s._expr), pa.int64()), s._name, s._index)

    def slice(self, start: int | None = None, stop: int | None = None, step: int | None = None):
        return self._apply("slice", start=start or 0, stop=stop, step=step or 1)

    def strip(self, to_strip: str | None = None):
        return self._apply("strip", chars=to_strip)

    def lstrip(self, to_strip: str | None = None):
        return self._apply("lstrip", chars=to_strip)

    def rstrip(self, to_strip: str | None = None):
        return self._apply("rstrip", chars=to_strip)

    def replace(self, pat: str, repl: str, regex: bool = False):
        return self._apply("replace", pattern=pat, replacement=repl, regex=regex)


class DatetimeAccessor(_Accessor):
    _kind = "dt"

    @property
    def year(self):
        return self._apply("year")

    @property
    def month(self):
        return self._apply("month")

    @property
    def day(self):
        return self._apply("day")

    @property
    def quarter(self):
        return self._apply("quarter")

    @property
    def dayofweek(self):
        return self._apply("day_of_week")

    @property
    def dayofyear(self):
        return self._apply("day_of_year")

    @property
    def hour(self):
        return self._apply("hour")

    def strftime(self, format: str):
        return self._apply("strftime", format=format)
