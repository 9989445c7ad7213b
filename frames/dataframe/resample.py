"""``resample`` on a datetime index: each row's bin (its timestamp floored to the frequency, one
Arrow kernel), a grouped reduction per bin (the tree-reduction ``Aggregate`` of ``groupby``), and
the bins without rows added between the first and the last, as pandas has them (a count or sum
of no rows 0, other reductions missing). The bins' table is one small partition: it has a row
per bin, not per input row.

Frequencies are fixed ones that divide a day ("D", "6h", "15min", "s", ...): their bins start at
midnight, pandas' default ``origin="start_day"`` for them; or one calendar period ("MS", "ME", "W",
"W-MON", "QS", "QE", "YS", "YE"), each row's bin labelled as pandas labels it (``_calendar_bin``).
Multi-day fixed ones and multiples of calendar ones (whose bins pandas anchors at the first bin)
are refused by name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from frames.dataframe import accessors as _accessors  # noqa: F401 - registers the "arrow" kernel the bins use
from frames.errors import DataTypeError, InvalidArgumentError

_DAY = 86_400 * 10**9
_ZERO_EMPTY = ("sum", "count", "size", "nunique")  # what pandas gives a bin without rows: 0 (else missing)
_UNITS = (("day", _DAY), ("hour", 3600 * 10**9), ("minute", 60 * 10**9), ("second", 10**9), ("millisecond", 10**6),
          ("microsecond", 10**3), ("nanosecond", 1))


_END_ANCHORED = ("MonthEnd", "QuarterEnd", "YearEnd", "Week")  # pandas labels these bins by their last day
_START_ANCHORED = ("MonthBegin", "QuarterBegin", "YearBegin")


def _calendar_offset(rule: str):
    """The pandas offset of a calendar ``rule`` frames bins by (one month, quarter, year or week,
    anchored as pandas anchors it), or None for a fixed frequency."""
    try:
        offset = pd.tseries.frequencies.to_offset(rule)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"resample({rule!r}) is not a frequency pandas knows") from exc
    kind = type(offset).__name__
    if kind not in _END_ANCHORED + _START_ANCHORED:
        return None
    if offset.n != 1 or (kind == "Week" and offset.weekday is None):
        raise InvalidArgumentError(f"resample({rule!r}): calendar frequencies bin one period at a time ('MS', 'ME', 'W', "
                                   "'QS', 'YE', ...); multiples (anchored at the first bin in pandas) are not supported")
    return offset


def _calendar_bin(a, rule: str = ""):
    """Each timestamp's calendar bin as pandas labels it: the period's first day for start-anchored
    rules ("MS", "QS", "YS"), its last day for end-anchored ones ("ME", "QE", "YE", "W-SUN": pandas
    closes those bins on the right and counts the whole last day in), at midnight."""
    import pandas as pd
    import pyarrow as pa

    offset = pd.tseries.frequencies.to_offset(rule)
    days = pd.DatetimeIndex(pd.Series(a.to_pandas() if hasattr(a, "to_pandas") else a)).normalize()
    if type(offset).__name__ in _END_ANCHORED:
        bins = days + type(offset)(0, **offset.kwds)  # n=0 rolls forward onto the period's last day
    else:
        bins = (days + pd.offsets.Day(1)) - offset  # back to the start of the period holding the day
    return pa.array(bins, type=a.type, from_pandas=True)


def _bin_options(rule: str) -> tuple[dict, Any]:
    """The ``call("arrow"/"calendar_bin", ...)`` options giving each row's bin, and the step
    ``_FillBins`` walks between the first and last bins."""
    offset = _calendar_offset(rule)
    if offset is not None:
        return {"kernel": "calendar_bin", "rule": offset.freqstr}, offset
    return _floor_options(rule)


def _floor_options(rule: str) -> tuple[dict, pd.Timedelta]:
    try:
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(rule))
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"resample({rule!r}): frames resamples by fixed frequencies that divide a day "
                                   "('D', '6h', '15min', 's', ...) and calendar ones ('MS', 'ME', 'W', 'QS', 'YE', ...)") from exc
    nanos = step.value
    if nanos <= 0 or _DAY % nanos:
        raise InvalidArgumentError(f"resample({rule!r}): the frequency must divide a day evenly (bins from midnight)")
    unit, size = next((u, s) for u, s in _UNITS if nanos % s == 0)
    return {"fn": "floor_temporal", "multiple": nanos // size, "unit": unit}, step


class Resampler:
    """``frame.resample(rule)``: reductions per time bin of the index (``obj`` a DataFrame or Series)."""

    def __init__(self, obj: Any, rule: str, closed: str | None = None, label: str | None = None):
        from frames.dataframe.collection import Series

        end = _calendar_offset(rule)
        side = "right" if end is not None and type(end).__name__ in _END_ANCHORED else "left"  # pandas' default per rule
        if closed not in (None, side) or label not in (None, side):
            raise InvalidArgumentError(f"resample({rule!r}) supports pandas' default closed={side!r}, label={side!r}")
        if len(obj._index) != 1:
            raise InvalidArgumentError("resample needs a datetime index: set_index(a timestamp column) first")
        column = obj._index[0]
        t = obj._node.schema.field(column).type
        if not pa.types.is_timestamp(t):
            raise DataTypeError(f"resample needs a datetime index; the index is {t}")
        self._obj, self._column, self._series = obj, column, isinstance(obj, Series)
        self._options, self._step = _bin_options(rule)

    def __getitem__(self, key: Any) -> "Resampler":
        if self._series:
            raise InvalidArgumentError("a resampled Series has no columns to select")
        return Resampler(self._obj[key], self._rule_text(), None, None)

    def __getattr__(self, name: str) -> "Resampler":
        if not name.startswith("_") and not self._series and name in self._obj.columns:
            return self[name]
        raise AttributeError(name)

    def _rule_text(self) -> str:
        return self._step.freqstr if isinstance(self._step, pd.DateOffset) else pd.tseries.frequencies.to_offset(self._step).freqstr

    def _grouped(self):
        """The frame with the index column replaced by each row's bin, grouped by it."""
        from frames.dataframe.collection import DataFrame
        from frames.dataframe.expr.blockwise import Project
        from frames.dataframe.expr.scalar import Col, call

        obj = self._obj
        frame = obj.to_frame() if self._series else obj
        options = dict(self._options)
        kernel = options.pop("kernel", "arrow")
        exprs = tuple((n, call(kernel, Col(n), **options) if n == self._column else Col(n)) for n in frame._node.schema.names)
        return DataFrame(Project(frame._node, exprs)).groupby(self._column, sort=True)

    def _finish(self, result: Any, funcs: dict[str, str]):
        """The grouped result with the empty bins between the first and last added."""
        from frames.dataframe.collection import DataFrame, Series
        from frames.dataframe.expr.blockwise import MapPartitions
        from frames.dataframe.expr.reshape import Repartition
        from frames.dataframe.expr.scalar import Col

        node = result._node
        one = Repartition(node, 1) if node.npartitions > 1 else node
        fill = _FillBins(self._column, self._step, tuple(sorted(funcs.items())))
        filled = MapPartitions(one, fill, node.schema, (), (), pandas=True, func_name="resample-bins")
        if isinstance(result, Series):
            return Series(filled, result._expr, result._name, result._index)
        return DataFrame(filled, result._index, result._column_labels)

    def _reduce(self, func: str):
        grouped = self._grouped()
        if self._series:
            grouped = grouped[self._obj._value_name()]
        result = getattr(grouped, func)()
        if self._series:
            result = result.rename(self._obj.name)
        names = [c for c in result._node.schema.names if c != self._column]
        return self._finish(result, {c: func for c in names})

    def agg(self, func: Any):
        """One reduction's name, as the methods (``agg("sum")``)."""
        if isinstance(func, str):
            return self._reduce(func)
        raise InvalidArgumentError("resample.agg takes one reduction's name; call the methods for several")

    aggregate = agg


for _func in ("sum", "mean", "count", "min", "max", "first", "last", "median", "std", "var", "sem", "nunique", "prod", "size"):
    setattr(Resampler, _func, (lambda func: lambda self: self._reduce(func))(_func))


def _register() -> None:
    from frames.dataframe.expr.kernels import register

    register("calendar_bin", _calendar_bin)


_register()


class _FillBins:
    """One partition holding every bin's row: the missing bins between the first and last added
    (0 for counts and sums, as pandas; missing otherwise), in time order."""

    def __init__(self, column: str, step: pd.Timedelta, funcs: tuple):
        self.column, self.step, self.funcs = column, step, dict(funcs)
        self.__name__ = "resample-bins"

    def __call__(self, pdf: pd.DataFrame) -> pd.DataFrame:
        if not len(pdf):
            return pdf
        bins = pdf[self.column]
        full = pd.DataFrame({self.column: pd.date_range(bins.min(), bins.max(), freq=self.step).astype(bins.dtype)})
        out = full.merge(pdf, on=self.column, how="left")
        for c in out.columns:
            if c != self.column and self.funcs.get(c) in _ZERO_EMPTY:
                out[c] = out[c].fillna(0).astype(pdf[c].dtype)
        return out
