"""Compare a sqlengine result with DuckDB's answer to the same SQL on the same data."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _is_list(v) -> bool:
    return isinstance(v, (list, tuple, np.ndarray))


def _canonical_list(v) -> str | None:
    """A list value as text both engines' pandas forms agree on: NumPy arrays (masked where NULL,
    or NaN for a NULL in a float list), Python lists; numbers as floats, NULL as None."""
    if not _is_list(v):
        return None  # None, NaN or pd.NA: a NULL list
    mask = np.ma.getmaskarray(v) if isinstance(v, np.ma.MaskedArray) else np.zeros(len(v), bool)
    items = []
    for item, masked in zip(list(np.ma.getdata(v)) if isinstance(v, np.ndarray) else v, mask):
        if masked or item is None or (isinstance(item, float) and item != item):
            items.append(None)
        elif _is_list(item):
            items.append(_canonical_list(item))
        elif isinstance(item, (bool, np.bool_)):
            items.append(bool(item))
        elif isinstance(item, (int, float, np.integer, np.floating)) or type(item).__name__ == "Decimal":
            items.append(round(float(item), 9))
        else:
            items.append(str(item))
    return repr(items)


def normalize(frame: pd.DataFrame, ordered: bool) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    frame.columns = [str(c) for c in frame.columns]  # names as DuckDB spells them
    for c in frame.columns:
        col = frame[c]
        if col.dtype == object and col.map(_is_list).any():  # list values
            frame[c] = col.map(_canonical_list)
            continue
        present = col[col.notna()]
        if len(col) and not len(present):  # all NULL: the type does not matter
            frame[c] = pd.Series([float("nan")] * len(col), index=col.index)
            continue
        if col.dtype == object and len(col) and col.map(lambda v: v is None or isinstance(v, bool) or v != v).all():
            col = col.map(lambda v: float(v) if isinstance(v, bool) else None).astype("float64")  # nullable booleans
            frame[c] = col
        if col.dtype.kind == "m":  # durations (INTERVAL): compared as seconds
            frame[c] = col.dt.total_seconds().astype("float64")
            continue
        if col.dtype.kind in "fiub" or str(col.dtype).startswith(("Int", "Float", "decimal")):
            frame[c] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif col.dtype.kind == "M" or "date" in str(col.dtype) or (len(present) and present.map(lambda v: hasattr(v, "isoformat")).all()):
            frame[c] = pd.to_datetime(col).astype("datetime64[ns]")
        else:
            frame[c] = col.astype(object).where(col.notna(), None).map(lambda v: None if v is None else str(v))
    if not ordered and len(frame.columns):
        frame = frame.sort_values(list(frame.columns), na_position="last", kind="stable").reset_index(drop=True)
    return frame


def assert_same(got: pd.DataFrame, expected: pd.DataFrame, ordered: bool) -> None:
    assert_same_normalized(normalize(got, ordered), normalize(expected, ordered))


def assert_same_normalized(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """``assert_same`` for frames already through ``normalize`` (an answer compared many times)."""
    assert list(got.columns) == list(expected.columns), f"columns {list(got.columns)} != {list(expected.columns)}"
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-6, atol=1e-9)
