"""``Series.str`` and ``Series.dt``: the string and date accessors, on Arrow string/temporal kernels."""

from __future__ import annotations

from frames.errors import DataTypeError


class _Accessor:
    _kind = ""

    def __init__(self, series):
        import pyarrow as pa

        self._series = series
        t = series.arrow_type
        text = pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
        ok = (text or pa.types.is_list(t) or pa.types.is_large_list(t)) if self._kind == "str" else pa.types.is_temporal(t)
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

    def split(self, pat: str | None = None, n: int = -1, expand: bool = False, regex: bool | None = None):
        """Lists of the parts (Arrow lists; pandas holds Python lists). ``expand=True`` is not supported:
        the number of columns would depend on the data."""
        from frames.errors import InvalidArgumentError

        if expand:
            raise InvalidArgumentError("str.split(expand=True) is not supported: the columns would depend on the data; split, then .str.get")
        return self._apply("split", pattern=pat, n=n, regex=bool(regex) if regex is not None else (pat is not None and len(pat) > 1))

    def get(self, i: int):
        """The ``i``-th element of each list (after ``split``), missing where there is none."""
        return self._series._unary("list_get", index=i)

    def extract(self, pat: str, flags: int = 0, expand: bool = True):
        """The capture groups of ``pat``: a DataFrame with one column per group (named by the
        group, else 0, 1, ...), or with ``expand=False`` and one group a Series; missing where it
        does not match."""
        import re

        from frames.dataframe.collection import DataFrame
        from frames.dataframe.expr.blockwise import Project
        from frames.dataframe.expr.scalar import call
        from frames.errors import InvalidArgumentError

        if flags:
            raise InvalidArgumentError("str.extract flags= are not supported; use inline flags such as (?i)")
        compiled = re.compile(pat)
        if compiled.groups == 0:
            raise InvalidArgumentError(f"str.extract pattern {pat!r} has no capture group")
        s = self._series
        names = {i - 1: name for name, i in compiled.groupindex.items()}
        if not expand and compiled.groups == 1:
            return self._apply("extract", pattern=pat, group=0).rename(names.get(0, s.name))
        exprs = tuple((names.get(i, str(i)), call("extract", s._expr, pattern=pat, group=i)) for i in range(compiled.groups))
        index = tuple((c, _col(c)) for c in s._index)
        return DataFrame(Project(s._node, index + exprs), s._index)

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


def _col(name: str):
    from frames.dataframe.expr.scalar import Col

    return Col(name)
