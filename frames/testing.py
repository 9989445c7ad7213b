"""``assert_eq``: compare a lazy collection with the pandas object it should equal."""

from __future__ import annotations

from typing import Any

import pandas as pd

from frames.base import Lazy


def _normalize(obj: Any, check_order: bool, check_index: bool):
    """Make order (and, if not checked, the index) irrelevant before comparing."""
    if not isinstance(obj, (pd.DataFrame, pd.Series)):
        return obj
    if not check_index:
        obj = obj.reset_index(drop=True)
    if check_order:
        return obj
    was_series = isinstance(obj, pd.Series)
    frame = obj.to_frame(name=obj.name if obj.name is not None else "__value__") if was_series else obj
    if check_index:
        names = list(frame.index.names)
        frame = frame.reset_index()
    keys = [c for c in frame.columns if not _unhashable(frame[c])]  # lists and arrays cannot be sorted by
    frame = frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True) if keys else frame
    if check_index and names != [None]:
        frame = frame.set_index(names)
    elif check_index:
        frame = frame.drop(columns=["index"])
    if was_series:
        series = frame.iloc[:, 0]
        series.name = obj.name
        return series
    return frame


def _unhashable(column: pd.Series) -> bool:
    if column.dtype != object:
        return False
    return any(not isinstance(v, (str, bytes, int, float, bool, type(None))) and getattr(v, "__hash__", None) is None for v in column)


def assert_eq(actual: Any, expected: Any, check_order: bool = True, check_index: bool = True,
              check_dtype: bool = True, scheduler: str | None = None, **kwargs: Any) -> None:
    """Compute ``actual`` (if lazy) and assert it equals ``expected`` like pandas' testing asserts.

    ``check_order=False`` compares as multisets of rows (for operations whose row order is not
    defined: joins, group-bys without sort, shuffles).
    """
    if isinstance(actual, Lazy):
        actual = actual.compute(scheduler=scheduler)
    if isinstance(expected, Lazy):
        expected = expected.compute(scheduler=scheduler)
    a = _normalize(actual, check_order, check_index)
    e = _normalize(expected, check_order, check_index)
    if isinstance(e, pd.DataFrame):
        pd.testing.assert_frame_equal(a, e, check_dtype=check_dtype, **kwargs)
    elif isinstance(e, pd.Series):
        pd.testing.assert_series_equal(a, e, check_dtype=check_dtype, **kwargs)
    elif isinstance(e, pd.Index):
        pd.testing.assert_index_equal(a, e, exact="equiv" if check_dtype else False, **kwargs)
    else:
        if hasattr(e, "__float__") and not isinstance(e, (str, bytes)):
            import math

            both_missing = math.isnan(float(a)) and math.isnan(float(e))  # as pandas' asserts: NaN equals NaN
            assert both_missing or math.isclose(float(a), float(e), rel_tol=1e-9, abs_tol=1e-12), f"{a!r} != {e!r}"
        else:
            assert a == e, f"{a!r} != {e!r}"
