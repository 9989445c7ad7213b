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


def _arrow(a, fn: str = "", **options):
    """Any one-argument ``pyarrow.compute`` function by name (the accessors' simple members)."""
    import pyarrow.compute as pc

    return getattr(pc, fn)(a, **options)


def _pandas_text(a, method: str = "", args: tuple = (), kwargs: tuple = ()):
    """A pandas ``.str`` method Arrow has no kernel for (``wrap``, ``normalize``, ...), vectorized by pandas."""
    import pandas as pd
    import pyarrow as pa

    values = pd.Series(a.to_pandas() if hasattr(a, "to_pandas") else a, dtype="str")
    out = getattr(values.str, method)(*args, **dict(kwargs))
    return pa.array(out.astype(object).where(out.notna(), None).tolist())


def _temporal(a, part: str = ""):
    """Date parts pandas has that Arrow names differently, or computes from others."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if part == "is_month_start":
        return pc.equal(pc.day(a), 1)
    if part == "is_month_end":
        return pc.equal(pc.day(a), _temporal(a, "days_in_month"))
    if part == "days_in_month":
        first = pc.floor_temporal(a, unit="month")
        nxt = pc.ceil_temporal(pc.add(first, pa.scalar(86_400_000_000, pa.duration("us")).cast(pa.duration(a.type.unit))
                                      if pa.types.is_timestamp(a.type) else pa.scalar(1, pa.int32())), unit="month")
        return pc.cast(pc.days_between(first, nxt), pa.int32())
    if part in ("day_name", "month_name"):
        return pc.strftime(a, format="%A" if part == "day_name" else "%B", locale="C")
    if part == "date":
        return pc.cast(a, pa.date32())
    if part == "total_seconds":
        return pc.divide(pc.cast(pc.cast(a, pa.int64()), pa.float64()), {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[a.type.unit])
    if part == "days":
        return pc.floor(pc.divide(pc.cast(pc.cast(a, pa.int64()), pa.float64()), {"s": 86400.0, "ms": 86400e3, "us": 86400e6, "ns": 86400e9}[a.type.unit])).cast(pa.int64())
    raise ValueError(part)


def _findall(a, pattern: str = ""):
    """pandas' ``str.findall``: every non-overlapping match of ``pattern`` (its groups' text when
    it has groups, as ``re.findall``), a list per value, missing for a missing value. Arrow has no
    all-matches kernel, so ``re`` runs per value, as in pandas."""
    import re

    import pyarrow as pa

    compiled = re.compile(pattern)
    item = pa.large_string() if compiled.groups <= 1 else pa.struct([(str(i), pa.large_string()) for i in range(compiled.groups)])
    values = a.to_pylist()
    found = [None if v is None else [m if compiled.groups <= 1 else dict(zip(map(str, range(len(m))), m))
                                     for m in compiled.findall(v)] for v in values]
    return pa.array(found, type=pa.large_list(item))


class _ExtractAll:
    """One partition's ``str.extractall``: pandas' own on the values labelled by ``label``."""

    def __init__(self, pattern: str, label: str, value: str, schema):
        self.pattern, self.label, self.value, self.schema = pattern, label, value, schema
        self.__name__ = "extractall"

    def __call__(self, table):
        import pandas as pd
        import pyarrow as pa

        values = pd.Series(table.column(self.value).to_pylist(), index=table.column(self.label).to_pylist(), dtype="str")
        found = values.str.extractall(self.pattern)
        out = {self.schema.names[0]: found.index.get_level_values(0).tolist(),
               "match": found.index.get_level_values(1).astype("int64").tolist()}
        for name, column in zip(self.schema.names[2:], found.columns):
            out[name] = found[column].astype(object).where(found[column].notna(), None).tolist()
        return pa.table({n: pa.array(out[n], type=self.schema.field(n).type) for n in self.schema.names}, schema=self.schema)


def _split_whitespace(a, reverse: bool = False, limit: int = -1):
    """``str.split()`` / ``rsplit()`` without a separator as Python (and so pandas) splits: runs of
    whitespace, none at the ends (Arrow's kernel keeps empty parts there: ``" a"`` gives
    ``["", "a"]``, ``""`` gives ``[""]``); per value, as in pandas."""
    import pyarrow as pa

    split = str.rsplit if reverse else str.split
    return pa.array([None if v is None else split(v, None, limit) for v in a.to_pylist()], type=pa.large_list(pa.large_string()))


def _round_half_even(a, multiple: int = 1, unit: str = "second", nanos: int = 1):
    """pandas' ``dt.round``: to the nearest multiple of the frequency (``nanos``), a value halfway
    going to the even multiple (counted from the epoch, in wall time); Arrow's ``round_temporal``
    takes halves up (12:30 to the hour: pandas 12:00, Arrow 13:00)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    step = nanos // {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[a.type.unit]
    if step <= 1:
        return a  # the values are already whole multiples
    down = pc.floor_temporal(a, multiple=multiple, unit=unit)
    up = pc.ceil_temporal(a, multiple=multiple, unit=unit)
    ints = lambda t: pc.cast(t, pa.int64())  # noqa: E731 - the instants, in the column's unit
    below, above = pc.subtract(ints(a), ints(down)), pc.subtract(ints(up), ints(a))
    wall = pc.local_timestamp(down) if a.type.tz else down
    odd = pc.equal(pc.bit_wise_and(pc.divide(ints(wall), step), 1), 1)
    take_up = pc.or_(pc.less(above, below), pc.and_(pc.equal(above, below), odd))
    return pc.if_else(take_up, up, down)


def _register() -> None:
    from frames.dataframe.expr.kernels import register

    register("round_half_even", _round_half_even)
    register("split_whitespace", _split_whitespace)
    register("findall", _findall)
    register("arrow", _arrow)
    register("pandas_text", _pandas_text)
    register("temporal", _temporal)


_register()


class StringAccessor(_Accessor):
    _kind = "str"

    def _arrow(self, fn: str, **options):
        return self._apply("arrow", fn=fn, **options)

    def _predicate_arrow(self, fn: str):
        """pandas 3's text tests: False for a missing value."""
        return self._predicate("arrow", False, fn=fn)

    def _pandas(self, method: str, *args, **kwargs):
        return self._apply("pandas_text", method=method, args=args, kwargs=tuple(sorted(kwargs.items())))

    def title(self):
        return self._arrow("utf8_title")

    def capitalize(self):
        return self._arrow("utf8_capitalize")

    def swapcase(self):
        return self._arrow("utf8_swapcase")

    def casefold(self):
        return self._pandas("casefold")

    def isalpha(self):
        return self._predicate_arrow("utf8_is_alpha")

    def isdigit(self):
        return self._predicate_arrow("utf8_is_digit")

    def isnumeric(self):
        return self._predicate_arrow("utf8_is_numeric")

    def isdecimal(self):
        return self._predicate_arrow("utf8_is_decimal")

    def isalnum(self):
        return self._predicate_arrow("utf8_is_alnum")

    def isspace(self):
        return self._predicate_arrow("utf8_is_space")

    def islower(self):
        return self._predicate_arrow("utf8_is_lower")

    def isupper(self):
        return self._predicate_arrow("utf8_is_upper")

    def istitle(self):
        return self._predicate_arrow("utf8_is_title")

    def fullmatch(self, pat: str, case: bool = True, na: bool = False):
        return self._predicate("contains", na, pattern=f"^(?:{pat})$", regex=True, case=case)

    def find(self, sub: str, start: int = 0, end: int | None = None):
        """The first position of ``sub`` (-1: none; float64 with missing values, as pandas)."""
        if start or end is not None:
            return self._pandas("find", sub, start, end)
        return self._arrow("find_substring", pattern=sub)

    def rfind(self, sub: str, start: int = 0, end: int | None = None):
        return self._pandas("rfind", sub, start, end)

    def count(self, pat: str, flags: int = 0):
        """Occurrences of the regular expression ``pat``, as pandas."""
        if flags:
            return self._pandas("count", pat, flags)
        return self._arrow("count_substring_regex", pattern=pat)

    def pad(self, width: int, side: str = "left", fillchar: str = " "):
        fn = {"left": "utf8_lpad", "right": "utf8_rpad", "both": "utf8_center"}.get(side)
        if fn is None:
            from frames.errors import InvalidArgumentError

            raise InvalidArgumentError(f"pad side must be 'left', 'right' or 'both', not {side!r}")
        return self._arrow(fn, width=width, padding=fillchar)

    def center(self, width: int, fillchar: str = " "):
        return self._pandas("center", width, fillchar)

    def ljust(self, width: int, fillchar: str = " "):
        return self._arrow("utf8_rpad", width=width, padding=fillchar)

    def rjust(self, width: int, fillchar: str = " "):
        return self._arrow("utf8_lpad", width=width, padding=fillchar)

    def zfill(self, width: int):
        return self._pandas("zfill", width)

    def repeat(self, repeats: int):
        return self._pandas("repeat", repeats)

    def removeprefix(self, prefix: str):
        return self._pandas("removeprefix", prefix)

    def removesuffix(self, suffix: str):
        return self._pandas("removesuffix", suffix)

    def wrap(self, width: int, **kwargs):
        return self._pandas("wrap", width, **kwargs)

    def normalize(self, form: str):
        return self._pandas("normalize", form)

    def translate(self, table: dict):
        return self._pandas("translate", table)

    def __getitem__(self, key):
        """``s.str[i]`` (a character, or of lists after ``split`` an element) or ``s.str[a:b]``
        (a slice), as pandas."""
        if isinstance(key, slice):
            return self.slice(key.start, key.stop, key.step)
        return self.get(key)

    def cat(self, others=None, sep: str | None = None, na_rep: str | None = None):
        """Without ``others``: all values joined by ``sep`` (a lazy Scalar, missing values left
        out unless ``na_rep`` stands in for them), as pandas."""
        from frames.errors import InvalidArgumentError

        if others is not None:  # element-wise with other Series of the frame: missing where any is, unless na_rep
            from frames.dataframe.collection import Series

            parts = [self._series] + (list(others) if isinstance(others, (list, tuple)) else [others])
            if not all(isinstance(p, Series) for p in parts[1:]):
                raise InvalidArgumentError("str.cat(others=...) takes Series of this frame (or a list of them)")
            joined = parts[0] if na_rep is None else parts[0].fillna(na_rep)
            for p in parts[1:]:
                joined = (joined + sep if sep else joined) + (p if na_rep is None else p.fillna(na_rep))
            return joined.rename(self._series.name)
        s = self._series if na_rep is None else self._series.fillna(na_rep)
        from frames.dataframe.collection import Scalar
        from frames.dataframe.expr.aggregate import Aggregate, AggSpec
        from frames.dataframe.expr.blockwise import Project
        from frames.dataframe.expr.scalar import Col, Lit, call

        node = Aggregate(Project(s._node, (("__value__", s._expr),)), (), (AggSpec("result", "string_agg", "__value__", (("sep", sep or ""),)),))
        return Scalar(Project(node, (("result", call("fill_null", Col("result"), Lit(""))),)))

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
        """Characters per value (elements per list), int64 as pandas (Arrow counts in int32)."""
        from frames.dataframe.collection import Series
        from frames.dataframe.expr.scalar import Cast, call
        import pyarrow as pa

        s = self._series
        if pa.types.is_list(s.arrow_type) or pa.types.is_large_list(s.arrow_type):  # after split/findall: elements per list
            return Series(s._node, Cast(call("arrow", s._expr, fn="list_value_length"), pa.int64()), s._name, s._index)
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
        """Lists of the parts (Arrow lists; pandas holds Python lists). ``expand=True`` with ``n``
        gives a DataFrame of the parts, columns "0" to str(n) (``_expanded``)."""
        if expand:
            return self._expanded("split", pat, n, lambda: self.split(pat, n, regex=regex))
        if pat is None:
            return self._apply("split_whitespace", reverse=False, limit=-1 if n is None or n < 0 else int(n))
        return self._apply("split", pattern=pat, n=n, regex=bool(regex) if regex is not None else (pat is not None and len(pat) > 1))

    def _expanded(self, how: str, pat: str | None, n: int, parts):
        """``str.split/rsplit(expand=True)``: one column per part, missing where a value has
        fewer, as Dask's (which also needs ``n``): always ``n + 1`` columns, where pandas gives only
        as many as the most parts any value has."""
        from frames.dataframe.collection import DataFrame
        from frames.dataframe.expr.blockwise import Project
        from frames.errors import InvalidArgumentError

        if n is None or isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgumentError(f"str.{how}(expand=True) needs n= (a positive number of splits, as in Dask): "
                                       "the number of columns must be known before the data is read")
        lists = parts()
        exprs = tuple((str(i), lists.str.get(i)._expr) for i in range(n + 1))
        s = self._series
        return DataFrame(Project(lists._node, tuple((c, _col(c)) for c in s._index) + exprs), s._index)

    def rsplit(self, pat: str | None = None, n: int = -1, expand: bool = False):
        """``split`` from the right: at most ``n`` splits counted from the end (lists, as ``split``)."""
        if expand:
            return self._expanded("rsplit", pat, n, lambda: self.rsplit(pat, n))
        if pat is None:
            return self._apply("split_whitespace", reverse=True, limit=-1 if n is None or n < 0 else int(n))
        return self._arrow("split_pattern", pattern=pat, max_splits=None if n is None or n < 0 else int(n), reverse=True)

    def findall(self, pat: str, flags: int = 0):
        """Every match of ``pat`` in each value, as lists (Arrow lists; a tuple of groups becomes a
        struct per match when ``pat`` has several groups)."""
        from frames.errors import InvalidArgumentError

        if flags:
            raise InvalidArgumentError("str.findall flags= are not supported; use inline flags such as (?i)")
        return self._apply("findall", pattern=pat)

    def extractall(self, pat: str, flags: int = 0):
        """Every match of ``pat``'s groups: a row per match, indexed by the value's index label
        (without an index: its position) and ``match`` (0, 1, ... within the value), one text
        column per group (named by the group, else "0", "1", ...: frames names columns by text), as pandas."""
        import re

        import pyarrow as pa

        from frames.dataframe.collection import DataFrame
        from frames.dataframe.expr.blockwise import MapPartitions
        from frames.dataframe.indexing import UNNAMED
        from frames.errors import InvalidArgumentError

        if flags:
            raise InvalidArgumentError("str.extractall flags= are not supported; use inline flags such as (?i)")
        compiled = re.compile(pat)
        if compiled.groups == 0:
            raise InvalidArgumentError(f"str.extractall pattern {pat!r} has no capture group")
        s = self._series
        node, label = s._labelled()
        names = {i - 1: name for name, i in compiled.groupindex.items()}
        groups = tuple(names.get(i, str(i)) for i in range(compiled.groups))
        index = s._index[0] if len(s._index) == 1 else f"{UNNAMED}0__"
        schema = pa.schema([pa.field(index, node.schema.field(label).type), pa.field("match", pa.int64())]
                           + [pa.field(g, pa.large_string()) for g in groups])
        found = MapPartitions(node, _ExtractAll(pat, label, s._value_name(), schema), schema, (), (), pandas=False,
                              func_name="extractall")
        return DataFrame(found, (index, "match"))  # unnamed groups' columns "0", "1", ...: text, as str.extract

    def get(self, i: int):
        """The ``i``-th element of each list (after ``split``) or character of each text, missing where there is none."""
        import pyarrow as pa

        if not (pa.types.is_list(self._series.arrow_type) or pa.types.is_large_list(self._series.arrow_type)):
            return self._pandas("get", i)
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
        return self._field("year")

    @property
    def month(self):
        return self._field("month")

    @property
    def day(self):
        return self._field("day")

    @property
    def quarter(self):
        return self._field("quarter")

    @property
    def dayofweek(self):
        return self._field("day_of_week")

    @property
    def dayofyear(self):
        return self._field("day_of_year")

    @property
    def hour(self):
        return self._field("hour")

    def _field(self, func: str):
        """A calendar or clock field as pandas types it (int32; Arrow gives int64)."""
        from frames.dataframe.collection import Series
        from frames.dataframe.expr.scalar import Cast
        import pyarrow as pa

        s = self._series
        part = self._apply(func) if func not in ("microsecond", "nanosecond") else self._arrow(func)
        return Series(s._node, Cast(part._expr, pa.int32()), s._name, s._index)

    def strftime(self, format: str):
        return self._apply("strftime", format=format)

    def _part(self, part: str):
        return self._apply("temporal", part=part)

    def _arrow(self, fn: str, **options):
        return self._apply("arrow", fn=fn, **options)

    def _rounded(self, how: str, freq: str):
        """``floor`` / ``ceil`` / ``round`` to a fixed frequency ("D", "h", "15min", "s", ...)."""
        import pandas as pd

        from frames.errors import InvalidArgumentError

        try:
            offset = pd.tseries.frequencies.to_offset(freq)
            nanos = pd.Timedelta(offset).value
        except (ValueError, TypeError) as exc:
            raise InvalidArgumentError(f"dt.{how} needs a fixed frequency such as 'D', 'h' or '15min', not {freq!r}") from exc
        for unit, size in (("day", 86_400 * 10**9), ("hour", 3600 * 10**9), ("minute", 60 * 10**9), ("second", 10**9),
                           ("millisecond", 10**6), ("microsecond", 10**3), ("nanosecond", 1)):
            if nanos % size == 0 and how == "round":
                return self._apply("round_half_even", multiple=nanos // size, unit=unit, nanos=nanos)
            if nanos % size == 0:
                return self._arrow(f"{how}_temporal", multiple=nanos // size, unit=unit)
        raise InvalidArgumentError(f"dt.{how}: unsupported frequency {freq!r}")

    minute = property(lambda self: self._field("minute"))
    second = property(lambda self: self._field("second"))
    microsecond = property(lambda self: self._field("microsecond"))
    nanosecond = property(lambda self: self._field("nanosecond"))
    weekday = dayofweek
    day_of_week = dayofweek
    day_of_year = dayofyear
    date = property(lambda self: self._part("date"))
    is_month_start = property(lambda self: self._part("is_month_start"))
    is_month_end = property(lambda self: self._part("is_month_end"))
    days_in_month = property(lambda self: self._part("days_in_month"))
    daysinmonth = days_in_month
    days = property(lambda self: self._part("days"))

    def day_name(self):
        return self._part("day_name")

    def month_name(self):
        return self._part("month_name")

    def total_seconds(self):
        return self._part("total_seconds")

    def floor(self, freq: str):
        return self._rounded("floor", freq)

    def ceil(self, freq: str):
        return self._rounded("ceil", freq)

    def round(self, freq: str):
        return self._rounded("round", freq)

    def normalize(self):
        return self._rounded("floor", "D")

    def tz_localize(self, tz: str | None):
        """Naive timestamps read as wall time in ``tz`` (None: aware ones made naive again)."""
        if tz is None:
            return self._arrow("local_timestamp")
        return self._arrow("assume_timezone", timezone=tz)

    def tz_convert(self, tz: str):
        from frames.dataframe.collection import Series
        from frames.dataframe.expr.scalar import Cast
        import pyarrow as pa

        s = self._series
        return Series(s._node, Cast(s._expr, pa.timestamp(s.arrow_type.unit, tz)), s._name, s._index)


def _col(name: str):
    from frames.dataframe.expr.scalar import Col

    return Col(name)
