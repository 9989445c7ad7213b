"""Operations whose partition ``i`` needs something of the partitions before it: cumulative
reductions (the total so far) and windows (the last rows: ``shift``, ``diff``, ``rolling``), as
Dask's ``map_overlap`` and ``cumulative_aggregate`` give them. A chain of small "carry" tasks
passes the state along, so partition ``i``'s task reads its own rows and one carried value."""

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

    label = "prefix-scan"

    def _schema(self) -> pa.Schema:
        return self.out_schema

    def lower(self, lowering: Lowering) -> list[Hashable]:
        graph = lowering.graph
        state = (self.name + "-carry", 0)
        graph[state] = Task(self.init)
        keys = []
        for i, k in enumerate(lowering.keys(self.child)):
            key = (self.name, i)
            graph[key] = Task(_emit, self.emit, Ref(state), Ref(k), self.out_schema, self.label_)
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

    def step(self, state, part: pd.DataFrame):
        rows = part[list(self.columns)]
        joined = rows if state is None else pd.concat([state, rows], ignore_index=True)
        return joined.iloc[max(0, len(joined) - self.before):].reset_index(drop=True)

    def emit(self, state, part: pd.DataFrame) -> pd.DataFrame:
        rows = part[list(self.columns)].reset_index(drop=True)
        carried = 0 if state is None else len(state)
        joined = rows if state is None else pd.concat([state, rows], ignore_index=True)
        result = self.fn(joined).iloc[carried:].reset_index(drop=True)
        out = part.reset_index(drop=True).copy()
        for c in self.columns:
            out[c] = result[c].to_numpy()
        return out


@dataclass(frozen=True)
class Shift:
    periods: int

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.shift(self.periods)


@dataclass(frozen=True)
class Diff:
    periods: int

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.diff(self.periods)


@dataclass(frozen=True)
class Rolling:
    window: int
    min_periods: int | None
    how: str
    args: tuple = ()

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        return getattr(frame.rolling(self.window, min_periods=self.min_periods), self.how)(*self.args)


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
