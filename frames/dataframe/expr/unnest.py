"""Unnesting list columns into rows (SQL's ``unnest`` in a select list), one partition at a time.

Every input row becomes as many rows as its longest list among ``columns``; the other columns
repeat, each unnested column gives its elements in order and NULL past its own end (DuckDB zips
several unnests of one SELECT this way). A row whose lists are all NULL or empty gives no row.
Vectorized: the output rows are ``np.repeat`` of the input positions, element ``k`` of row ``r``
is ``offset[r] + k`` in the flattened values.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from frames.errors import DataTypeError


def unnested_type(t: pa.DataType, column: str) -> pa.DataType:
    if not (pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)):
        raise DataTypeError(f"unnest needs a list, but {column} is {t}")
    return t.value_type


def unnest_schema(schema: pa.Schema, columns: tuple[str, ...]) -> pa.Schema:
    fields = [pa.field(f.name, unnested_type(f.type, f.name)) if f.name in columns else f for f in schema]
    return pa.schema(fields)


def unnest_lists(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """``table`` with the list ``columns`` unnested into rows (see the module docstring)."""
    lists = {}
    lengths = np.zeros(table.num_rows, dtype=np.int64)
    for c in columns:
        arr = table.column(c).combine_chunks() if table.num_rows else pa.array([], table.schema.field(c).type)
        if pa.types.is_fixed_size_list(arr.type):
            arr = arr.cast(pa.list_(arr.type.value_type))
        n = np.asarray(pc.fill_null(pc.list_value_length(arr), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
        lists[c] = (arr, n)
        lengths = np.maximum(lengths, n)
    rows = np.repeat(np.arange(table.num_rows), lengths)
    starts = np.cumsum(lengths) - lengths
    k = np.arange(len(rows)) - starts[rows]  # element number within its row
    out = table.take(pa.array(rows, pa.int64()))
    for c in columns:
        arr, n = lists[c]
        offsets = np.asarray(arr.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)[:-1] if len(arr) else np.zeros(0, np.int64)
        inside = k < n[rows]
        at = np.where(inside, offsets[rows] + k if len(rows) else k, 0)
        values = arr.values.take(pa.array(at, pa.int64())) if len(arr.values) else pa.nulls(len(rows), arr.type.value_type)
        values = pc.if_else(pa.array(inside), values, pa.scalar(None, arr.type.value_type)) if len(rows) else pa.array([], arr.type.value_type)
        out = out.set_column(out.schema.get_field_index(c), c, values)
    return out
