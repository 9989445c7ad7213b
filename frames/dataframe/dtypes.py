"""Translating pandas-style dtype names to Arrow types, and Arrow schemas to pandas dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from frames.errors import DataTypeError

_NAMES = {
    "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
    "uint8": pa.uint8(), "uint16": pa.uint16(), "uint32": pa.uint32(), "uint64": pa.uint64(),
    "float32": pa.float32(), "float64": pa.float64(), "float": pa.float64(), "int": pa.int64(),
    "bool": pa.bool_(), "boolean": pa.bool_(), "str": pa.string(), "string": pa.string(), "object": pa.string(),
    "date": pa.date32(), "date32": pa.date32(), "datetime64[ns]": pa.timestamp("ns"), "datetime64[us]": pa.timestamp("us"),
    "datetime64[ms]": pa.timestamp("ms"), "datetime64[s]": pa.timestamp("s"),
}


def is_object_dtype(dtype) -> bool:
    """Whether ``dtype`` is pandas' "any Python object" (``object``, ``"O"``, ``"object"``,
    ``np.dtype("O")``), which Dask's ``meta=`` uses for values of no fixed type (lists, dicts, mixed
    text): the Arrow type is then found from the values (``collection._object_types``)."""
    if dtype is object:
        return True
    if isinstance(dtype, str):
        return dtype in ("O", "object")
    return isinstance(dtype, np.dtype) and dtype == np.dtype("O")


def to_arrow_type(dtype) -> pa.DataType:
    """Accept an Arrow type, a pandas/NumPy dtype or its name, or Python's int/float/str/bool."""
    if isinstance(dtype, pa.DataType):
        return dtype
    if isinstance(dtype, type) and dtype in (int, float, str, bool):  # not np.dtype("int64"), which == int
        return _NAMES[dtype.__name__]
    if isinstance(dtype, pd.ArrowDtype):
        return dtype.pyarrow_dtype
    if isinstance(dtype, pd.StringDtype):  # pandas 3's "str" (df.dtypes of a text column)
        return _NAMES["str"]
    if isinstance(dtype, pd.DatetimeTZDtype):
        return pa.timestamp(dtype.unit, str(dtype.tz))
    if isinstance(dtype, str):
        key = dtype.lower()
        if key in _NAMES:
            return _NAMES[key]
        if key.endswith("[pyarrow]"):
            return to_arrow_type(key[: -len("[pyarrow]")])
    try:
        return pa.from_numpy_dtype(np.dtype(dtype))
    except (TypeError, pa.ArrowNotImplementedError):
        raise DataTypeError(f"unknown dtype {dtype!r}; use a pandas/NumPy dtype name or a pyarrow type") from None


def pandas_dtypes(schema: pa.Schema) -> pd.Series:
    """The dtypes ``compute()`` will produce for ``schema`` (from converting an empty table)."""
    return schema.empty_table().to_pandas().dtypes


def _sample_values(t: pa.DataType) -> pa.Array:
    """Two equal, typical values of ``t`` (NULLs where no value is known)."""
    import datetime
    import decimal

    if pa.types.is_dictionary(t):
        return _sample_values(t.value_type).dictionary_encode().cast(t)
    if pa.types.is_boolean(t):
        value = True
    elif pa.types.is_integer(t):
        value = 1
    elif pa.types.is_floating(t):
        value = 1.0
    elif pa.types.is_decimal(t):
        value = decimal.Decimal(1)
    elif pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        value = "foo"
    elif pa.types.is_binary(t) or pa.types.is_large_binary(t):
        value = b"foo"
    elif pa.types.is_date(t):
        value = datetime.date(2000, 1, 1)
    elif pa.types.is_timestamp(t):
        value = datetime.datetime(2000, 1, 1)
    elif pa.types.is_duration(t):
        value = datetime.timedelta(days=1)
    elif pa.types.is_time(t):
        value = datetime.time(1)
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.array([[v] for v in _sample_values(t.value_type).to_pylist()], t)
    else:
        return pa.nulls(2, t)
    return pa.array([value, value], t)


def nonempty_sample(schema: pa.Schema) -> pa.Table:
    """Two rows of made-up values of ``schema``'s types, equal in every column (so one group), to run a
    user's function on when inferring what it returns (Dask's ``meta_nonempty``): run on an empty
    frame, a function sees object columns without values and its results lose their types
    (a DATE column comes back as NULL-typed)."""
    return pa.Table.from_arrays([_sample_values(f.type) for f in schema], schema=schema)
