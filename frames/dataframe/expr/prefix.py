"""Operations whose partition ``i`` needs something of the partitions before it: cumulative
reductions (the total so far) and windows (the last rows: ``shift``, ``diff``, ``rolling``), as
Dask's ``map_overlap`` and ``cumulative_aggregate`` give them. A chain of small "carry" tasks
passes the state along, so partition ``i``'s task reads its own rows and one carried value.
Operations that also need the partitions after (``bfill``, ``interpolate``, ``shift(-1)``,
``rolling(center=True)``) add a second chain running from the last partition back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable

import pandas as pd
import pyarrow as pa

from exec import Ref, Task
from frames.dataframe.convert import arrow_to_pandas, pandas_to_arrow
from frames.dataframe.expr.node import Lowering, Node, UnaryNode


@dataclass(frozen=True, eq=False)
class PrefixScan(UnaryNode):
    """Partition ``i`` is ``emit(state_i, part_i)`` (pandas in, pandas out); ``state_0 = init()``
    and ``state_{i+1} = step(state_i, part_i)``."""

    child: Node
    init: Callable[[], Any]
    step: Callable[[Any, pd.DataFrame], Any]
    emit: Callable[[Any, pd.DataFrame], pd.DataFrame]
    out_schema: pa.Schema
    label_: str = "prefix-scan"
    back_step: Callable[[Any, pd.DataFrame], Any] | None = None  # the chain from the end: emit gets (state, back)

    label = "prefix-scan"
    keeps_partitions = True

    def _schema(self) -> pa.Schema:
        return self.out_schema

    def lower(self, lowering: Lowering) -> list[Hashable]:
        graph = lowering.graph
        children = lowering.keys(self.child)
        backs: list[Any] = [None] * len(children)
        if self.back_step is not None:  # state_after[i] = back_step(state_after[i + 1], part_{i+1})
            back = (self.name + "-back", len(children))
            graph[back] = Task(self.init)
            for i in range(len(children) - 1, -1, -1):
                backs[i] = back
                nxt = (self.name + "-back", i)
                graph[nxt] = Task(_step, self.back_step, Ref(back), Ref(children[i]))
                back = nxt
        state = (self.name + "-carry", 0)
        graph[state] = Task(self.init)
        keys = []
        for i, k in enumerate(children):
            key = (self.name, i)
            carried = Ref(state)
            if backs[i] is not None:
                graph[(self.name + "-both", i)] = Task(_pair, Ref(state), Ref(backs[i]))
                carried = Ref((self.name + "-both", i))
            graph[key] = Task(_emit, self.emit, carried, Ref(k), self.out_schema, self.label_)
            nxt = (self.name + "-carry", i + 1)
            graph[nxt] = Task(_step, self.step, Ref(state), Ref(k))
            state = nxt
            keys.append(key)
        return keys

    def describe(self) -> str:
        return f"PrefixScan {self.label_}"


def _emit(emit: Callable, state: Any, table: pa.Table, schema: pa.Schema, where: str) -> pa.Table:
    return pandas_to_arrow(emit(state, arrow_to_pandas(table)), schema, where=where)


def _step(step: Callable, state: Any, table: pa.Table) -> Any:
    return step(state, arrow_to_pandas(table))


def _pair(state: Any, back: Any) -> tuple:
    return state, back


# -- the states and emits of the public operations -------------------------------------------------

def no_state() -> None:
    return None


@dataclass(frozen=True)
class Cumulative:
    """``cumsum`` / ``cumprod`` / ``cummax`` / ``cummin`` of the value columns: each partition's
    own cumulative values combined with the total of the partitions before it (missing values
    stay missing, as pandas' ``skipna``)."""

    how: str  # sum, prod, max, min
    columns: tuple[str, ...]

    def step(self, state, part: pd.DataFrame):
        total = getattr(part[list(self.columns)], self.how)()
        return total if state is None else self._combine(state, total)

    def _combine(self, a, b):
        if self.how == "sum":
            return a.add(b, fill_value=0)
        if self.how == "prod":
            return a.mul(b, fill_value=1)
        both = pd.concat([a, b], axis=1)
        return both.max(axis=1) if self.how == "max" else both.min(axis=1)

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        out = part.copy()
        values = getattr(part[list(self.columns)], f"cum{self.how}")()
        if state is not None:
            for c in self.columns:
                carried = state[c]
                if pd.isna(carried):
                    continue
                col = values[c]
                if self.how == "sum":
                    col = col + carried
                elif self.how == "prod":
                    col = col * carried
                elif self.how == "max":
                    col = col.where(col >= carried, carried)
                else:
                    col = col.where(col <= carried, carried)
                values[c] = col.where(part[c].notna())
        for c in self.columns:
            out[c] = values[c]
        return out


@dataclass(frozen=True)
class Window:
    """A pandas window function ``fn(frame)`` of the value columns that needs the ``before``
    rows preceding each row: run on the carried last rows and the partition together, the
    carried rows' outputs dropped."""

    before: int
    columns: tuple[str, ...]
    fn: Callable[[pd.DataFrame], pd.DataFrame]
    after: int = 0  # rows following each row it needs too (carried from the partitions after)

    def step(self, state, part: pd.DataFrame):
        rows = part[list(self.columns)]
        joined = rows if state is None else pd.concat([state, rows], ignore_index=True)
        return joined.iloc[max(0, len(joined) - self.before):].reset_index(drop=True)

    def back_step(self, state, part: pd.DataFrame):
        rows = part[list(self.columns)]
        joined = rows if state is None else pd.concat([rows, state], ignore_index=True)
        return joined.iloc[:self.after].reset_index(drop=True)

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        state, back = state if self.after else (state, None)
        rows = part[list(self.columns)].reset_index(drop=True)
        carried = 0 if state is None else len(state)
        joined = pd.concat([f for f in (state, rows, back) if f is not None and len(f)] or [rows], ignore_index=True)
        result = self.fn(joined).iloc[carried:carried + len(rows)].reset_index(drop=True)
        out = part.reset_index(drop=True).copy()
        for c in self.columns:
            out[c] = result[c].to_numpy()
        return out


@dataclass(frozen=True)
class Moved:
    """pandas' ``shift`` / ``diff`` / ``pct_change`` of ``periods`` rows (negative: from the rows after)."""

    how: str
    periods: int

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        if self.how == "pct_change":
            return frame.pct_change(self.periods, fill_method=None)
        return getattr(frame, self.how)(self.periods)


@dataclass(frozen=True)
class Rolling:
    window: int
    min_periods: int | None
    how: str
    args: tuple = ()
    center: bool = False
    kwargs: tuple = ()

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        rolling = frame.rolling(self.window, min_periods=self.min_periods, center=self.center)
        return getattr(rolling, self.how)(*self.args, **dict(self.kwargs))


@dataclass(frozen=True)
class Overlap:
    """Dask's ``map_overlap``: ``func`` of each partition with the ``before`` rows preceding it
    and the ``after`` rows following it (carried across partitions, however many back they lie),
    then only the partition's own rows of its result kept. ``index``: the columns ``func`` sees
    as the pandas index; a Series result becomes the column ``value``."""

    before: int
    after: int
    func: Callable
    args: tuple
    kwargs: tuple
    index: tuple[str, ...]
    value: str
    series: bool = False  # ``func`` gets the column ``value`` as a Series (named ``name``)
    name: Any = None

    def step(self, state, part: pd.DataFrame):
        joined = part if state is None else pd.concat([state, part], ignore_index=True)
        return joined.iloc[max(0, len(joined) - self.before):].reset_index(drop=True) if self.before else joined.iloc[:0]

    def back_step(self, state, part: pd.DataFrame):
        joined = part if state is None else pd.concat([part, state], ignore_index=True)
        return joined.iloc[:self.after].reset_index(drop=True)

    def run(self, frame: pd.DataFrame):
        """``func`` of rows with the index columns as the pandas index."""
        frame = frame.set_index(list(self.index)) if self.index else frame
        if self.series:
            frame = frame[self.value].rename(self.name)
        return self.func(frame, *self.args, **dict(self.kwargs))

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        state, back = state if self.after else (state, None)
        part = part.reset_index(drop=True)
        carried = 0 if state is None else len(state)
        joined = pd.concat([f for f in (state, part, back) if f is not None and len(f)] or [part], ignore_index=True)
        out = self.run(joined)
        if isinstance(out, pd.Series):
            out = out.to_frame(self.value)
        if not isinstance(out, pd.DataFrame) or len(out) != len(joined):
            raise ValueError(f"map_overlap's function must return a frame or series with a row per input row, "
                             f"got {type(out).__name__} of length {len(out) if hasattr(out, '__len__') else '-'} for {len(joined)} rows")
        if self.index and list(out.index.names) == list(self.index):
            out = out.reset_index()
        else:
            out = out.reset_index(drop=True)
        return out.iloc[carried:carried + len(part)].reset_index(drop=True)


@dataclass(frozen=True)
class TimeWindow:
    """``rolling("1D")`` on a datetime index: each row's window is the rows of the last ``span``
    up to it (pandas' default ``closed="right"``: ``(t - span, t]``), so a partition needs every
    earlier row newer than its first row minus ``span``, however many partitions they span: the
    state carries exactly those (the index must be sorted, as pandas requires)."""

    span: pd.Timedelta
    time: str  # the index column
    columns: tuple[str, ...]
    min_periods: int | None
    how: str
    args: tuple = ()
    kwargs: tuple = ()

    def _rows(self, part: pd.DataFrame) -> pd.DataFrame:
        return part[[self.time, *self.columns]]

    def step(self, state, part: pd.DataFrame):
        rows = self._rows(part)
        joined = rows if state is None or not len(state) else pd.concat([state, rows], ignore_index=True)
        if not len(joined):
            return joined
        last = joined[self.time].iloc[-1]
        return joined[joined[self.time] > last - self.span].reset_index(drop=True)

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        rows = self._rows(part).reset_index(drop=True)
        carried = 0 if state is None else len(state)
        joined = rows if not carried else pd.concat([state, rows], ignore_index=True)
        indexed = joined.set_index(self.time)[list(self.columns)]
        rolling = indexed.rolling(self.span, min_periods=self.min_periods)
        result = getattr(rolling, self.how)(*self.args, **dict(self.kwargs)).iloc[carried:]
        out = part.reset_index(drop=True).copy()
        for c in self.columns:
            out[c] = result[c].to_numpy()
        return out


@dataclass(frozen=True)
class Edges:
    """``ffill`` / ``bfill`` (``how="fill"``, one direction) and linear ``interpolate`` (both)
    across partitions. A state holds, per column, the last value met (the first, for the chain
    from the end) and how many rows without a value follow it, so a gap spanning any number of
    partitions fills as pandas fills it (``limit`` counted across them too)."""

    how: str  # "ffill", "bfill", "interpolate"
    columns: tuple[str, ...]
    limit: int | None = None

    @staticmethod
    def _edge(state, values: pd.DataFrame) -> dict:
        """The state after ``values`` (rows in the chain's direction)."""
        out = dict(state or {})
        for c in values.columns:
            valid = values[c].notna().to_numpy()
            if valid.any():
                last = len(valid) - 1 - int(valid[::-1].argmax())
                out[c] = (values[c].iloc[last], len(valid) - 1 - last)
            elif c in out:
                out[c] = (out[c][0], out[c][1] + len(valid))
        return out

    def step(self, state, part: pd.DataFrame):
        return self._edge(state, part[list(self.columns)])

    def back_step(self, state, part: pd.DataFrame):
        return self._edge(state, part[list(self.columns)].iloc[::-1])

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        import numpy as np

        before, after = state if self.how != "ffill" else (state, None)
        if self.how == "bfill":
            before = None
        out = part.copy()
        n = len(part)
        for c in self.columns:
            values = part[c]
            if self.how == "interpolate":
                if values.dtype.kind != "f":  # integers hold no NaN in pandas: nothing to interpolate
                    continue
                out[c] = _interpolated(values, (before or {}).get(c), (after or {}).get(c))
                continue
            forward = self.how == "ffill"
            seq = values if forward else values.iloc[::-1]
            filled = seq.ffill(limit=self.limit)
            edge = (before if forward else after or {}) or {}
            if c in edge and n:
                value, gap = edge[c]
                lead = (seq.notna().to_numpy().cumsum() == 0)  # rows before the first value
                reach = gap + np.arange(1, n + 1) <= (self.limit if self.limit is not None else n + gap + 1)
                filled = filled.where(~(lead & reach), value)
            out[c] = filled if forward else filled.iloc[::-1]
        return out


def _interpolated(values: pd.Series, before, after) -> pd.Series:
    """Linear interpolation by row position (pandas' default), with the last value before the
    partition at ``-gap - 1`` and the first after it at ``len + gap``: NaN before the first value
    anywhere, the last value repeated after the last one (pandas' ``limit_direction="forward"``)."""
    import numpy as np

    y = values.to_numpy(dtype="float64", na_value=np.nan)
    valid = ~np.isnan(y)
    xp, fp = list(np.nonzero(valid)[0]), list(y[valid])
    if before is not None:
        xp.insert(0, -before[1] - 1)
        fp.insert(0, float(before[0]))
    if after is not None:
        xp.append(len(y) + after[1])
        fp.append(float(after[0]))
    if not xp:
        return pd.Series(y, index=values.index)
    pos = np.arange(len(y))
    out = np.where(valid, y, np.interp(pos, xp, fp))
    out[pos < xp[0]] = np.nan
    return pd.Series(out, index=values.index)


@dataclass(frozen=True)
class RowNumbers:
    """Each row's position in the whole frame, as column ``name`` (state: the rows before)."""

    name: str

    def step(self, state, part: pd.DataFrame):
        return (state or 0) + len(part)

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        import numpy as np

        out = part.copy()
        out[self.name] = np.arange(len(part), dtype=np.int64) + (state or 0)
        return out


@dataclass(frozen=True)
class ExpandingFn:
    """``expanding().<how>()``: running count, sum, sum of squares, min and max per column,
    carried from the partitions before; ``min_periods`` values needed for a result."""

    how: str
    columns: tuple[str, ...]
    min_periods: int = 1

    def step(self, state, part: pd.DataFrame):
        out = dict(state or {})
        for c in self.columns:
            v = part[c].astype("float64")
            count, total, squares, low, high = out.get(c, (0, 0.0, 0.0, float("nan"), float("nan")))
            out[c] = (count + int(v.count()), total + float(v.sum()), squares + float((v * v).sum()),
                      pd.Series([low, v.min()]).min(), pd.Series([high, v.max()]).max())
        return out

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        import numpy as np

        out = part.copy()
        for c in self.columns:
            v = part[c].astype("float64")
            count, total, squares, low, high = (state or {}).get(c, (0, 0.0, 0.0, np.nan, np.nan))
            n = v.notna().cumsum() + count
            s = v.fillna(0).cumsum() + total
            if self.how == "count":
                result = n.astype("float64")
            elif self.how == "sum":
                result = s
            elif self.how == "mean":
                result = s / n
            elif self.how in ("std", "var"):
                q = (v * v).fillna(0).cumsum() + squares
                var = ((q - s * s / n) / (n - 1)).clip(lower=0)
                result = (np.sqrt(var) if self.how == "std" else var).where(n > 1)
            else:
                run = v.cummin() if self.how == "min" else v.cummax()
                carried = low if self.how == "min" else high
                result = run.ffill()
                if carried == carried:
                    result = result.fillna(carried)
                    result = np.minimum(result, carried) if self.how == "min" else np.maximum(result, carried)
            out[c] = result if self.how == "count" else result.where(n >= self.min_periods)  # pandas counts from 0
        return out
