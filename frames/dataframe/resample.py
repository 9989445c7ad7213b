"""``resample`` on a datetime index: each row's bin label (``resample_bin``, one vectorized kernel
per partition), a grouped reduction per bin (the tree-reduction ``Aggregate`` of ``groupby``), and
the bins without rows added, as pandas has them (a count or sum of no rows 0, a product 1, other
reductions missing). The bins' table is one small partition: it has a row per bin, not per input row.

The bins are pandas' (``pandas.core.resample``, default ``origin="start_day"``), with ``closed``
and ``label`` either way:

- fixed frequencies ("6h", "90min", "D", "2D", "7D", ...): bins of that length from midnight of the
  first timestamp's day (for a tz-aware index, "D" multiples step calendar days, as pandas does);
  a row's bin is arithmetic on its integer timestamp;
- calendar ones ("MS", "ME", "W-MON", "QS", "QE", "YS", "YE" and their multiples, which pandas
  anchors at the first bin): the bin edges pandas' ``date_range`` makes from the first
  timestamp (end-anchored ones, closed on the right, take in the whole last day), and each row's
  bin found by binary search among them.

Where the bins depend on the first timestamp of the whole index (multi-day, multiples, or any
fixed frequency on a tz-aware index), it is computed first as a scalar of the same graph
(``scalar.ScalarInput``: one min over the index column) and handed to every partition; otherwise
(a frequency dividing a day on a naive index, one calendar period) each partition anchors at its
own first row, which gives the same bins. The list of bins (empty ones, and the leading or trailing
empty bins pandas shows for some ``closed`` / ``label`` choices) comes from the index's first and
last timestamps, aggregated beside the reductions, resampled by pandas itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from frames.errors import DataTypeError, InvalidArgumentError

_DAY = 86_400 * 10**9
_EMPTY = {"sum": 0, "count": 0, "size": 0, "nunique": 0, "prod": 1}  # what pandas gives a bin without rows (else missing)
_TICKS = ("Hour", "Minute", "Second", "Milli", "Micro", "Nano")
_CALENDAR = ("MonthEnd", "MonthBegin", "QuarterEnd", "QuarterBegin", "YearEnd", "YearBegin", "Week")
_END_ANCHORED = ("MonthEnd", "QuarterEnd", "YearEnd", "Week")  # pandas closes and labels these on the right
_FIRST, _LAST = "__resample_first", "__resample_last"  # the index's extremes per bin, for the list of bins
_TIME = "__resample_time"  # the original timestamp beside its bin


def _offset(rule: Any) -> pd.DateOffset:
    """The pandas offset of ``rule``, if frames bins by it: a fixed frequency or a month, quarter,
    year or week (anchored on a weekday) and their multiples."""
    try:
        offset = pd.tseries.frequencies.to_offset(rule)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"resample({rule!r}) is not a frequency pandas knows") from exc
    kind = type(offset).__name__
    if kind not in _TICKS + ("Day",) + _CALENDAR or offset.n < 1 or (kind == "Week" and offset.weekday is None):
        raise InvalidArgumentError(f"resample({rule!r}): frames bins by fixed frequencies ('6h', 'D', '7D', ...) and by months, "
                                   f"quarters, years and weeks ('MS', 'ME', '2W-MON', 'QS', 'YE', ...); {offset.freqstr!r} "
                                   f"({kind}) is not one of them")
    return offset


def _is_fixed(offset: pd.DateOffset, tz: Any) -> bool:
    """Whether pandas bins by fixed lengths of time (ticks, and days on a naive index: GH#44996)."""
    kind = type(offset).__name__
    return kind in _TICKS or (kind == "Day" and tz is None)


def _needs_first(offset: pd.DateOffset, tz: Any) -> bool:
    """Whether the bins depend on the first timestamp of the whole index (not only on the rows'
    own): pandas anchors every bin at its day's midnight, or its period's first bin."""
    if _is_fixed(offset, tz):
        return tz is not None or _DAY % pd.Timedelta(offset).value != 0  # a tz's midnight moves with its UTC offset
    return offset.n != 1


def _end_adjusted(offset: pd.DateOffset) -> bool:
    """pandas' ``_adjust_bin_edges``: right-closed bins of these take in the whole last day."""
    code = offset.rule_code
    return code in ("BME", "ME", "W") or code.split("-")[0] in ("BQE", "BYE", "QE", "YE", "W")


def _resample_bin(a, first=None, rule: str = "", closed: str = "left", label: str = "left"):
    """Each timestamp's bin label as pandas' ``resample(rule, closed=, label=)`` gives it, the bins
    anchored at ``first`` (the whole index's first timestamp; None or NULL: ``a``'s own, for rules
    whose bins do not depend on it). Missing timestamps have no bin."""
    import pyarrow.compute as pc

    kind = a.type
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    valid = pc.is_valid(a).to_numpy(zero_copy_only=False)
    if not valid.any():
        return pa.nulls(len(a), kind)
    values = pc.fill_null(a.cast(pa.int64()), 0).to_numpy()
    start = first.cast(pa.int64()).as_py() if isinstance(first, pa.Scalar) and first.is_valid else int(values[valid].min())
    offset = pd.tseries.frequencies.to_offset(rule)
    unit, tz = kind.unit, kind.tz
    stamp = _timestamp(start, unit, tz)
    if _is_fixed(offset, tz):  # pandas' _adjust_dates_anchored: origin + k * step, on UTC values
        step = int(pd.Timedelta(offset).as_unit(unit).asm8.view("i8"))  # in the column's unit (.value is in ns)
        origin = int(stamp.normalize().as_unit(unit).asm8.view("i8"))  # UTC, as the column's integers
        since = values - origin
        k = np.floor_divide(since, step) if closed == "left" else -np.floor_divide(-since, step) - 1
        bins = origin + (k + (label == "right")) * step
    else:  # pandas' date_range of edges from the first bin's, past this array's last value
        first_edge = offset.rollback(stamp.normalize()) if closed == "left" else stamp.normalize() - offset
        last = _timestamp(int(values[valid].max()), unit, tz)
        binner = pd.date_range(first_edge, last.normalize() + 2 * offset, freq=offset, ambiguous=True, nonexistent="shift_forward",
                               unit=unit)
        edges = binner.asi8
        if closed == "right" and _end_adjusted(offset):  # up to the last moment of the edge's day, in wall time
            wall = binner.tz_localize(None)
            edges = (wall + pd.Timedelta(days=1).as_unit(unit) - pd.Timedelta(1, unit=unit).as_unit(unit)).tz_localize(tz).asi8
        where = np.searchsorted(edges, values, side="right" if closed == "left" else "left") - 1
        bins = binner.asi8[np.clip(where + (label == "right"), 0, len(edges) - 1)]
    return pa.array(bins, pa.int64(), mask=~valid).cast(kind)


def _timestamp(value: int, unit: str, tz: Any) -> pd.Timestamp:
    """The pandas Timestamp of an Arrow timestamp's integer (UTC for a tz-aware one)."""
    stamp = pd.Timestamp(value, unit=unit)
    return stamp.tz_localize("UTC").tz_convert(tz) if tz else stamp


class Resampler:
    """``frame.resample(rule)``: reductions per time bin of the index (``obj`` a DataFrame or Series)."""

    def __init__(self, obj: Any, rule: Any, closed: str | None = None, label: str | None = None):
        from frames.dataframe.collection import Series

        offset = _offset(rule)
        side = "right" if type(offset).__name__ in _END_ANCHORED else "left"  # pandas' default per rule
        for name, value in (("closed", closed), ("label", label)):
            if value not in (None, "left", "right"):
                raise InvalidArgumentError(f"resample {name}= must be 'left' or 'right', not {value!r}")
        if len(obj._index) != 1:
            raise InvalidArgumentError("resample needs a datetime index: set_index(a timestamp column) first")
        column = obj._index[0]
        t = obj._node.schema.field(column).type
        if not pa.types.is_timestamp(t):
            raise DataTypeError(f"resample needs a datetime index; the index is {t}")
        self._obj, self._column, self._series = obj, column, isinstance(obj, Series)
        self._offset, self._closed, self._label = offset, closed or side, label or side

    def __getitem__(self, key: Any) -> "Resampler":
        if self._series:
            raise InvalidArgumentError("a resampled Series has no columns to select")
        return Resampler(self._obj[key], self._offset, self._closed, self._label)

    def __getattr__(self, name: str) -> "Resampler":
        if not name.startswith("_") and not self._series and name in self._obj.columns:
            return self[name]
        raise AttributeError(name)

    def _grouped(self):
        """The frame with the index column replaced by each row's bin (and the timestamp kept
        beside it), grouped by it."""
        from frames.dataframe.collection import DataFrame
        from frames.dataframe.expr.aggregate import Aggregate, AggSpec
        from frames.dataframe.expr.blockwise import Project
        from frames.dataframe.expr.scalar import Col, ScalarInput, call

        obj = self._obj
        frame = obj.to_frame() if self._series else obj
        node, column = frame._node, self._column
        args = (Col(column),)
        if _needs_first(self._offset, node.schema.field(column).type.tz):
            args += (ScalarInput(Aggregate(Project(node, ((column, Col(column)),)), (), (AggSpec("first", "min", column),))),)
        binned = call("resample_bin", *args, rule=self._offset.freqstr, closed=self._closed, label=self._label)
        exprs = tuple((n, binned if n == column else Col(n)) for n in node.schema.names) + ((_TIME, Col(column)),)
        return DataFrame(Project(node, exprs)).groupby(column, sort=True)

    def _finish(self, result: Any, funcs: dict[str, str]):
        """The grouped result with the bins without rows added."""
        from frames.dataframe.expr.blockwise import MapPartitions
        from frames.dataframe.expr.reshape import Repartition

        node = result._node
        one = Repartition(node, 1) if node.npartitions > 1 else node
        fill = _FillBins(self._column, self._offset.freqstr, self._closed, self._label, tuple(sorted(funcs.items())))
        schema = pa.schema([f for f in node.schema if f.name not in (_FIRST, _LAST)])
        return MapPartitions(one, fill, schema, (), (), pandas=True, func_name="resample-bins")

    def _reduce(self, func: str, per_column: dict[str, str] | None = None):
        """``func`` of every value column per bin (``per_column``: each named column's own)."""
        from frames.dataframe.collection import DataFrame, Series
        from frames.dataframe.expr.scalar import Col
        from frames.dataframe.groupby import _func_name

        grouped = self._grouped()
        name = _func_name(func) if per_column is None else None
        values = [c for c in grouped._value_columns() if c != _TIME]
        if per_column is not None:
            items = [(c, c, _func_name(f), {}) for c, f in per_column.items()]
        elif name == "count_all":
            items = [("size", None, "count_all", {})]
        else:
            items = [(c, c, name, {}) for c in values]
        extremes = [(_FIRST, _TIME, "min", {}), (_LAST, _TIME, "max", {})]
        result = grouped._aggregate(items + extremes, series=False)
        node = self._finish(result, {out: (per_column or {}).get(out, func) for out, _, _, _ in items})
        index = (self._column,)
        if self._series:
            return Series(node, Col(items[0][0]), self._obj.name, index)
        if name == "count_all":
            return Series(node, Col("size"), None, index)
        return DataFrame(node, index, result._column_labels)

    def agg(self, func: Any):
        """One reduction's name, as the methods (``agg("sum")``), or of a frame one per column
        (``agg({"x": "mean", "n": "sum"})``: those columns, as pandas)."""
        if isinstance(func, str):
            return self._reduce(func)
        if isinstance(func, dict) and not self._series and all(isinstance(f, str) for f in func.values()):
            self._obj._check_columns(list(func))
            if any(f in ("size", "count_all") for f in func.values()):
                raise InvalidArgumentError("resample.agg: 'size' counts rows, not a column's values; call .size()")
            return self._reduce("per column", {str(c): f for c, f in func.items()})
        raise InvalidArgumentError("resample.agg takes one reduction's name, or of a frame a {column: name} dict; "
                                   "call the methods for several")

    aggregate = agg


for _func in ("sum", "mean", "count", "min", "max", "first", "last", "median", "std", "var", "sem", "nunique", "prod", "size"):
    setattr(Resampler, _func, (lambda func: lambda self: self._reduce(func))(_func))


def _register() -> None:
    from frames.dataframe.expr.kernels import register

    register("resample_bin", _resample_bin)


_register()


class _FillBins:
    """One partition holding every bin's row: every bin pandas lists between the index's first and
    last timestamps (pandas' own resample of those two) added, 0 for counts and sums and 1 for
    products, as pandas; missing otherwise; in time order."""

    def __init__(self, column: str, rule: str, closed: str, label: str, funcs: tuple):
        self.column, self.rule, self.closed, self.label, self.funcs = column, rule, closed, label, dict(funcs)
        self.__name__ = "resample-bins"

    def __call__(self, pdf: pd.DataFrame) -> pd.DataFrame:
        values = pdf.drop(columns=[_FIRST, _LAST])
        if not len(pdf):
            return values
        ends = pd.DatetimeIndex([pdf[_FIRST].min(), pdf[_LAST].max()])
        bins = pd.Series(0, index=ends).resample(self.rule, closed=self.closed, label=self.label).size().index
        full = pd.DataFrame({self.column: bins.astype(pdf[self.column].dtype)})
        out = full.merge(values, on=self.column, how="left")
        for c in out.columns:
            if c != self.column and self.funcs.get(c) in _EMPTY:
                out[c] = out[c].fillna(_EMPTY[self.funcs[c]]).astype(values[c].dtype)
        return out
