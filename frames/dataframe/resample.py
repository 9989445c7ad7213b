"""``resample`` on a datetime index: each row's bin (its timestamp floored to the frequency, one
Arrow kernel), a grouped reduction per bin (the tree-reduction ``Aggregate`` of ``groupby``), and
the bins without rows added between the first and the last, as pandas has them (a count or sum
of no rows 0, other reductions missing). The bins' table is one small partition: it has a row
per bin, not per input row.

Frequencies are fixed ones that divide a day ("D", "6h", "15min", "s", ...): their bins start at
midnight, pandas' default ``origin="start_day"`` for them. Calendar frequencies (months, weeks)
and multi-day ones (whose bins pandas anchors at the first day) are refused by name.
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


def _floor_options(rule: str) -> tuple[dict, pd.Timedelta]:
    try:
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(rule))
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"resample({rule!r}): frames resamples by fixed frequencies that divide a day "
                                   "('D', '6h', '15min', 's', ...), not calendar ones") from exc
    nanos = step.value
    if nanos <= 0 or _DAY % nanos:
        raise InvalidArgumentError(f"resample({rule!r}): the frequency must divide a day evenly (bins from midnight)")
    unit, size = next((u, s) for u, s in _UNITS if nanos % s == 0)
    return {"fn": "floor_temporal", "multiple": nanos // size, "unit": unit}, step


class Resampler:
    """``frame.resample(rule)``: reductions per time bin of the index (``obj`` a DataFrame or Series)."""

    def __init__(self, obj: Any, rule: str, closed: str | None = None, label: str | None = None):
        from frames.dataframe.collection import Series

        if closed not in (None, "left") or label not in (None, "left"):
            raise InvalidArgumentError("resample supports the default closed='left', label='left'")
        if len(obj._index) != 1:
            raise InvalidArgumentError("resample needs a datetime index: set_index(a timestamp column) first")
        column = obj._index[0]
        t = obj._node.schema.field(column).type
        if not pa.types.is_timestamp(t):
            raise DataTypeError(f"resample needs a datetime index; the index is {t}")
        self._obj, self._column, self._series = obj, column, isinstance(obj, Series)
        self._options, self._step = _floor_options(rule)

    def __getitem__(self, key: Any) -> "Resampler":
        if self._series:
            raise InvalidArgumentError("a resampled Series has no columns to select")
        return Resampler(self._obj[key], self._rule_text(), None, None)

    def __getattr__(self, name: str) -> "Resampler":
        if not name.startswith("_") and not self._series and name in self._obj.columns:
            return self[name]
        raise AttributeError(name)

    def _rule_text(self) -> str:
        return pd.tseries.frequencies.to_offset(self._step).freqstr

    def _grouped(self):
        """The frame with the index column replaced by each row's bin, grouped by it."""
        from frames.dataframe.collection import DataFrame
        from frames.dataframe.expr.blockwise import Project
        from frames.dataframe.expr.scalar import Col, call

        obj = self._obj
        frame = obj.to_frame() if self._series else obj
        exprs = tuple((n, call("arrow", Col(n), **self._options) if n == self._column else Col(n)) for n in frame._node.schema.names)
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


for _func in ("sum", "mean", "count", "min", "max", "first", "last", "median", "std", "var", "nunique", "prod", "size"):
    setattr(Resampler, _func, (lambda func: lambda self: self._reduce(func))(_func))


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
