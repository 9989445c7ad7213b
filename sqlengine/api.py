"""``sqlengine.sql(text, **tables)``: one-shot SQL that also sees the caller's variables."""

from __future__ import annotations

import inspect
from typing import Any

import pandas as pd
import pyarrow as pa

import frames
from sqlengine.context import Context


def sql(text: str, dialect: str = "duckdb", storage_options: dict | None = None, params=None, **tables: Any):
    """Run ``text`` against ``tables`` and, for names not given, pandas/pyarrow/frames objects
    bound to that name in the calling code (as DuckDB's replacement scans do); URLs in the SQL
    are opened with ``storage_options``; ``params`` are the placeholders' values (``Context.sql``)."""
    frame = inspect.currentframe().f_back  # type: ignore[union-attr]
    ctx = Context(dialect=dialect, storage_options=storage_options)
    for name, value in tables.items():
        ctx.register(name, value)

    def lookup(name: str):
        f = frame
        while f is not None:
            for scope in (f.f_locals, f.f_globals):
                value = scope.get(name)
                if isinstance(value, (pd.DataFrame, pa.Table, frames.DataFrame)):
                    return value
            f = f.f_back
        return None

    ctx._lookup = lookup
    return ctx.sql(text, params)  # names resolve while planning; the lazy result keeps no frame alive
