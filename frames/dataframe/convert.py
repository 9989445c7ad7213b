"""Conversions at the boundary between the Arrow partitions inside and the pandas objects users see."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from frames.errors import DataTypeError


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """A pandas DataFrame with pandas' default dtypes (what ``pyarrow.Table.to_pandas`` gives),
    except that decimals become float64, as DuckDB's ``.df()`` does: pandas would hold them as
    Python ``Decimal`` objects (12.8 s for SF1 lineitem's decimals against 0.4 s). ``to_arrow()``
    keeps them exact."""
    if any(pa.types.is_decimal(f.type) for f in table.schema):
        from frames.dataframe.expr.kernels import to_float64  # the double nearest each decimal

        columns = [to_float64(c) if pa.types.is_decimal(c.type) else c for c in table.columns]
        table = pa.Table.from_arrays(columns, schema=pa.schema([pa.field(f.name, pa.float64() if pa.types.is_decimal(f.type) else f.type) for f in table.schema]))
    return table.to_pandas()


def arrow_multi_index(table: pa.Table, columns: Sequence[str], names: Sequence) -> pd.MultiIndex | None:
    """``pdf.set_index(columns).index`` of ``table``'s pandas form, for two or more integer (no
    missing value) or text key columns of many rows, made from Arrow's dictionary encoding of each
    column (in parallel; text of one byte width hashed as fixed-size binary, ``fixed_width``) with
    the levels sorted as pandas' factorize sorts them. h2o q10's six-key answer of 1e7 rows spent
    1.25 s of its 5.2 in pandas' factorize. None when the columns are of other kinds."""
    if len(columns) < 2 or table.num_rows < 100_000:
        return None
    for c in columns:
        t = table.schema.field(c).type
        if not ((pa.types.is_integer(t) and table.column(c).null_count == 0) or pa.types.is_string(t) or pa.types.is_large_string(t)):
            return None
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(len(columns), os.cpu_count() or 1)) as pool:
        levels_and_codes = list(pool.map(lambda c: _level_codes(table.column(c)), columns))
    return pd.MultiIndex(levels=[lv for lv, _ in levels_and_codes], codes=[cd for _, cd in levels_and_codes],
                         names=list(names), verify_integrity=False)


def _level_codes(column: pa.ChunkedArray) -> tuple[pd.Index, np.ndarray]:
    """One MultiIndex level (the distinct values, sorted) and each row's position in it (-1: missing)."""
    from frames.dataframe.expr.fixed_width import as_fixed, from_fixed

    fixed = as_fixed(column)
    encoded = pc.dictionary_encode(fixed if fixed is not None else column).combine_chunks()
    dictionary = encoded.dictionary if fixed is None else from_fixed(encoded.dictionary, column.type)
    order = pc.sort_indices(dictionary).to_numpy()
    n = len(order)
    kind = np.int8 if n < 2**7 else np.int16 if n < 2**15 else np.int32  # pandas' codes type: given so, not converted
    rank = np.empty(n + 1, dtype=kind)  # the last slot: a missing value's code
    rank[order] = np.arange(n, dtype=kind)
    rank[n] = -1
    indices = encoded.indices
    codes = rank[(indices.fill_null(n) if indices.null_count else indices).to_numpy(zero_copy_only=False)]
    level = arrow_to_pandas(pa.table({"level": dictionary.take(pa.array(order))})).iloc[:, 0]
    return pd.Index(level), codes


def pandas_to_arrow(obj, schema: pa.Schema | None = None, where: str = "function") -> pa.Table:
    """Convert a pandas DataFrame/Series returned by user code, coerced to ``schema`` when given."""
    if schema is not None and len(schema) == 1 and not isinstance(obj, (pd.Series, pd.DataFrame)) and pd.api.types.is_scalar(obj):
        obj = pd.Series([obj])  # one value per partition (``map_partitions(len)``)
    if isinstance(obj, pd.Series):
        name = schema.names[0] if schema is not None and len(schema) == 1 else (obj.name if obj.name is not None else 0)
        obj = obj.to_frame(name=name)
    if not isinstance(obj, pd.DataFrame):
        raise DataTypeError(f"{where} returned {type(obj).__name__}, expected a pandas DataFrame or Series")
    try:
        table = labelled_categories(pa.Table.from_pandas(obj, preserve_index=False))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataTypeError(f"{where} returned data Arrow cannot hold: {exc}") from None
    if schema is None:
        return table
    if table.schema.names != schema.names:
        raise DataTypeError(f"{where} returned columns {table.schema.names}, but its declared meta has {schema.names}")
    if table.schema != schema:
        try:
            table = table.cast(schema)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            untyped = [f.name for f, g in zip(schema, table.schema) if holds_null_type(f.type) and f.type != g.type]
            if untyped:  # meta's ``object``, typed by no value when the graph was built
                raise DataTypeError(f"{where} returned {table.schema.field(untyped[0]).type} values in column {untyped[0]!r}, which meta "
                                    "declares as object and whose type no value showed when the graph was built (none on a made-up "
                                    "sample nor in the first rows); declare its type in meta= (e.g. pa.list_(pa.float64()))") from None
            raise DataTypeError(f"{where} returned {table.schema} which does not match its meta {schema}: {exc}") from None
    return table


def labelled_categories(table: pa.Table) -> pa.Table:
    """``table`` with categoricals of extension values (``pd.cut``'s intervals) as categoricals of
    their labels, in the same order: Arrow can neither group such values nor read them back
    through IPC, the processes schedulers' transport ("Expected int index" from pandas' interval
    type), so ``df.x.map_partitions(pd.cut, bins).value_counts()`` failed. The categories then
    print as pandas prints them, as text rather than ``Interval`` objects."""
    found = [i for i, f in enumerate(table.schema) if pa.types.is_dictionary(f.type) and isinstance(f.type.value_type, pa.ExtensionType)]
    for i in found:
        column = table.column(i)
        chunks = []
        for chunk in column.chunks:
            labels = pa.array([None if v is None else str(v) for v in chunk.dictionary.to_pandas()], pa.string())
            chunks.append(pa.DictionaryArray.from_arrays(chunk.indices, labels, ordered=column.type.ordered))
        typed = pa.dictionary(column.type.index_type, pa.string(), column.type.ordered)
        table = table.set_column(i, table.field(i).with_type(typed), pa.chunked_array(chunks, typed))
    return table


def holds_null_type(t: pa.DataType) -> bool:
    """NULL, or a nested type of NULLs (``list<null>``): what a meta ``object`` column is typed as
    when only missing values or empty lists were seen."""
    if pa.types.is_null(t):
        return True
    return pa.types.is_nested(t) and any(holds_null_type(t.field(j).type) for j in range(t.num_fields))


def concat_tables(tables: list[pa.Table], schema: pa.Schema | None = None) -> pa.Table:
    tables = [t for t in tables if t is not None]
    if not tables:
        if schema is None:
            raise ValueError("no tables to concatenate")
        return schema.empty_table()
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables, promote_options="permissive")


def engine_type(t: pa.DataType) -> pa.DataType:
    """The type partitions carry for ``t``: view types become their plain forms, which every Arrow
    kernel supports (filter/take/join do not all accept ``string_view`` yet)."""
    if pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_dictionary(t):
        return engine_type(t.value_type)
    return t


def engine_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, engine_type(f.type), f.nullable) for f in schema])


def normalize_table(table: pa.Table, columns=None) -> pa.Table:
    """Cast ``table`` to ``engine_schema`` when it differs (no copy otherwise); with ``columns``,
    only those columns (the others keep their types)."""
    if columns is None:
        target = engine_schema(table.schema)
        return table if target.equals(table.schema) else table.cast(target)
    arrays = list(table.columns)
    changed = False
    for i, f in enumerate(table.schema):
        if f.name in columns and engine_type(f.type) != f.type:
            arrays[i] = arrays[i].cast(engine_type(f.type))
            changed = True
    return pa.Table.from_arrays(arrays, names=table.column_names) if changed else table


def nan_to_null(a):
    """Floating NaNs as nulls (other types untouched), as pandas treats NaN as a missing value;
    one pass only when there is a NaN."""
    import pyarrow.compute as pc

    if not pa.types.is_floating(a.type):
        return a
    nan = pc.is_nan(a)
    if not pc.any(nan).as_py():
        return a
    return pc.if_else(nan, pa.scalar(None, a.type), a)


def nan_to_null_table(table: pa.Table) -> pa.Table:
    """``table`` with ``nan_to_null`` applied to its float columns (no copy when none holds NaN)."""
    arrays = [nan_to_null(c) for c in table.columns]
    if all(a is c for a, c in zip(arrays, table.columns)):
        return table
    return pa.Table.from_arrays(arrays, schema=table.schema)


def take_rows(table: pa.Table, indices) -> pa.Table:
    """``table.take(indices)`` column by column (about 3x faster than ``Table.take`` in pyarrow 26
    on SF1 lineitem: 0.85 s against 2.4 s)."""
    if not isinstance(indices, (pa.Array, pa.ChunkedArray)):
        indices = pa.array(indices)
    return pa.Table.from_arrays([c.take(indices) for c in table.columns], schema=table.schema)


def decimal_words(chunk: pa.Array) -> np.ndarray:
    """A decimal128 array's values as ``(low, high)`` int64 pairs, shape ``(n, 2)``, without a
    copy: a value fits 64 bits when its high word is its low word's sign (always, up to 18 digits),
    and the low word is then the whole unscaled integer. NULLs' slots hold whatever they hold."""
    words = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[2 * chunk.offset:2 * (chunk.offset + len(chunk))]
    return words.reshape(-1, 2)


def decimal_from_int64(unscaled: np.ndarray, kind: pa.DataType, null: np.ndarray | None = None) -> pa.Array:
    """The decimal128 array of type ``kind`` with these unscaled integers (``null``: where NULL)."""
    words = np.empty((len(unscaled), 2), np.int64)
    words[:, 0] = unscaled
    np.right_shift(unscaled, 63, out=words[:, 1])  # the high word: the low word's sign
    validity = None if null is None else pa.array(~null).buffers()[1]
    return pa.Array.from_buffers(kind, len(unscaled), [validity, pa.py_buffer(words)])
