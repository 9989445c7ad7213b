"""Constructors and module-level functions: ``from_pandas``, ``from_arrow``, ``read_parquet``,
``read_csv``, ``read_json`` and ``concat``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import pandas as pd
import pyarrow as pa

from frames.dataframe.collection import DataFrame, Series
from frames.dataframe.convert import engine_schema, normalize_table
from frames.errors import DataTypeError, InvalidArgumentError
from frames.dataframe.expr.reshape import Concat
from frames.dataframe.expr.blockwise import Project
from frames.dataframe.expr.scalar import Cast, Col, Lit
from frames.dataframe.expr.sources import FromTables, split_table


def _check_npartitions(npartitions: Any) -> int:
    if not isinstance(npartitions, int) or isinstance(npartitions, bool) or npartitions < 1:
        raise InvalidArgumentError(f"npartitions must be a positive integer, got {npartitions!r}")
    return npartitions


def from_arrow(table: pa.Table, npartitions: int = 1) -> DataFrame:
    if not isinstance(table, pa.Table):
        raise DataTypeError(f"from_arrow needs a pyarrow.Table, not {type(table).__name__}")
    n = _check_npartitions(npartitions)
    table = normalize_table(table.replace_schema_metadata(None))
    return DataFrame(FromTables(split_table(table, n), table.schema))


def from_pandas(df: pd.DataFrame | pd.Series, npartitions: int = 1, chunksize: int | None = None,
                sort: bool = True) -> DataFrame | Series:
    """A lazy frame over an in-memory pandas object, split into ``npartitions`` row ranges.

    A non-default index becomes index column(s) that ``compute()`` restores. With ``sort`` (the
    default, as Dask's) a one-level index is sorted first and cut where no label spans two
    partitions, so the frame has known ``divisions``. A default ``RangeIndex`` is not stored:
    such a frame has no index (``compute()`` numbers its rows again) and unknown divisions.
    """
    from frames.dataframe.expr.divisions import Divided, pandas_division_locations
    from frames.dataframe.indexing import unnamed

    if isinstance(df, pd.Series):
        name = df.name if df.name is not None else "__value__"
        frame = from_pandas(df.to_frame(name=name), npartitions, chunksize, sort)
        return frame[name].rename(df.name)
    if not isinstance(df, pd.DataFrame):
        raise DataTypeError(f"from_pandas needs a pandas DataFrame or Series, not {type(df).__name__}")
    if chunksize is not None:
        npartitions = max(1, -(-len(df) // int(chunksize)))
    n = _check_npartitions(npartitions)
    index: list[str] = []
    cuts = None
    if not _default_index(df.index):
        index = [str(name) if name is not None else unnamed(i) for i, name in enumerate(df.index.names)]
        if sort and len(index) == 1 and not df.index.hasnans:
            if not df.index.is_monotonic_increasing:
                df = df.sort_index(kind="stable")
            cuts, divisions = pandas_division_locations(df.index, n)
        df = df.copy(deep=False)
        df.index.names = index
        df = df.reset_index()
    if any(not isinstance(c, str) for c in df.columns):
        df = df.rename(columns=str)
    try:
        table = pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DataTypeError(f"cannot convert the pandas DataFrame to Arrow: {exc}") from None
    table = normalize_table(table)
    if cuts is None:
        return DataFrame(FromTables(split_table(table, n), table.schema), index)
    parts = tuple(table.slice(lo, hi - lo) for lo, hi in zip(cuts, cuts[1:]))
    node = FromTables(parts, table.schema)
    if divisions[0] is None:  # an empty frame
        return DataFrame(node, index)
    return DataFrame(Divided(node, index[0], tuple(_plain(v) for v in divisions)), index)


def _default_index(index: pd.Index) -> bool:
    """pandas' default labels 0..n-1 (unnamed): not stored, since ``compute()`` numbers the rows
    so again; any other ``RangeIndex`` (another start or step, a name) is kept as labels."""
    return isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and index.step == 1


def _plain(value: Any) -> Any:
    """A division as Arrow gives its values back (NumPy scalars as Python ones)."""
    return value.item() if hasattr(value, "item") and not isinstance(value, pd.Timestamp) else value


def read_parquet(path: str | Sequence[str], columns: Sequence[str] | None = None, filters: Any = None,
                 storage_options: dict | None = None, index: str | None = None, calculate_divisions: bool = False,
                 **kwargs: Any) -> DataFrame:
    """Lazily read Parquet files (a file, directory, glob or URL). Filters and column selections
    made later on the DataFrame also reach the reader. ``index``: a column to make the index;
    ``calculate_divisions=True`` takes its divisions from the row groups' statistics (known when
    every piece has them and the pieces are in order without overlap, as Dask's). A float NaN in
    the file is read as a missing value, as pandas reads it."""
    from frames.dataframe.io import read_parquet_node
    from frames.dataframe.indexing import parquet_divisions

    if calculate_divisions and not index:
        raise InvalidArgumentError("calculate_divisions=True needs index= (the column the files are sorted by)")
    if index and columns is not None and index not in columns:
        columns = [index, *columns]
    node = read_parquet_node(path, columns=columns, filters=filters, storage_options=storage_options, **kwargs)
    node = replace(node, nan_is_null=True)  # pandas' missing value; SQL reads keep NaN a number
    if index is False:
        return DataFrame(node)
    if index is None:
        found = _pandas_index_columns(node)
        if not found:
            return DataFrame(node)
        if columns is not None:
            node = replace(node, read_columns=tuple(dict.fromkeys([*found, *columns])))
        return DataFrame(_index_first(node, found), found)
    frame = DataFrame(node)
    frame._check_columns([index])
    return DataFrame(parquet_divisions(node, index) if calculate_divisions else node, (index,))


def _pandas_index_columns(node) -> tuple[str, ...]:
    """The index columns pandas' metadata in the first file names (what ``pandas.to_parquet`` and
    Dask's ``to_parquet`` write for an index that is not a plain range), when all are columns of
    the files: the index pandas and Dask give back on reading (``index=None``, Dask's default)."""
    import json

    pieces = node.all_pieces
    meta = pieces[0].meta.metadata if pieces and pieces[0].meta is not None else None
    if not meta or b"pandas" not in meta:
        return ()
    try:
        named = json.loads(meta[b"pandas"]).get("index_columns") or []
    except (ValueError, AttributeError):
        return ()
    columns = node.full_schema().names
    if not named or not all(isinstance(c, str) and c in columns for c in named):
        return ()  # a range index (a dict), or columns not in the files
    return tuple(named)


def _index_first(node, index: tuple[str, ...]):
    """``node`` with the index columns first, as pandas' frames are written (index last in the file)."""
    from frames.dataframe.expr.blockwise import Project
    from frames.dataframe.expr.scalar import Col

    names = node.schema.names
    return Project(node, tuple((c, Col(c)) for c in [*index, *(n for n in names if n not in index)]))


def read_csv(path: str | Sequence[str], blocksize: int | str | None = "64MB", **kwargs: Any) -> DataFrame:
    """Lazily read CSV files; a large file is split into byte ranges of ``blocksize``."""
    from frames.dataframe.io import read_csv_node

    return DataFrame(read_csv_node(path, blocksize=blocksize, **kwargs))


def read_json(path: str | Sequence[str], orient: str | None = "records", lines: bool | None = None,
              blocksize: int | str | None = "64MB", dtype: Any = None, compression: str | None = "infer",
              storage_options: dict | None = None, **kwargs: Any) -> DataFrame:
    """Lazily read JSON records: JSON lines (``lines=True``; split into byte ranges of
    ``blocksize``), a top-level array of objects, or objects over several lines (``lines=False``);
    ``lines=None`` tells them apart from the first bytes. Nested objects become Arrow structs and
    arrays lists. Also ``columns=`` (a list to read only those, a dict of name to type to read
    exactly those), ``format=`` and ``records=`` as DuckDB's ``read_json`` takes them."""
    from frames.dataframe.io import read_json_node

    return DataFrame(read_json_node(path, lines=lines, orient=orient, blocksize=blocksize, dtype=dtype,
                                    compression=compression, storage_options=storage_options, **kwargs))


def concat(frames: Sequence[DataFrame]) -> DataFrame:
    """Rows of all frames, one after the other; columns missing from a frame are NULL there."""
    frames = list(frames)
    if not frames:
        raise InvalidArgumentError("concat needs at least one DataFrame")
    for f in frames:
        if not isinstance(f, DataFrame):
            raise InvalidArgumentError(f"concat takes frames.DataFrame objects, not {type(f).__name__}")
    names: list[str] = []
    types: dict[str, pa.DataType] = {}
    for f in frames:
        for field in f.schema:
            if field.name not in types:
                names.append(field.name)
                types[field.name] = field.type
    nodes = []
    for f in frames:
        have = set(f.schema.names)
        exprs = tuple((n, Col(n) if n in have else Cast(Lit(None), types[n])) for n in names)
        nodes.append(f._node if f.schema.names == names else Project(f._node, exprs))
    from frames.dataframe.indexing import concat_divisions

    return DataFrame(concat_divisions(frames, Concat(tuple(nodes))), frames[0]._index)


def from_dict(data: dict, npartitions: int = 1, orient: str = "columns", dtype: Any = None, columns: Any = None) -> DataFrame:
    """``pandas.DataFrame.from_dict(data, ...)`` split into ``npartitions``."""
    return from_pandas(pd.DataFrame.from_dict(data, orient=orient, dtype=dtype, columns=columns), npartitions)


class _DelayedParts:
    """The graph of several Delayed values, for the ``FromCollection`` node."""

    def __init__(self, values):
        self.values = values

    def _build_graph(self):
        from frames.delayed import Delayed

        graph, keys = Delayed._graph_group(self.values)
        return graph, [k for ks in keys for k in ks]


def _pandas_partition(parts: list, schema: pa.Schema) -> pa.Table:
    from frames.dataframe.convert import pandas_to_arrow

    return normalize_table(pandas_to_arrow(parts[0], schema, where="from_delayed value"))


def from_delayed(dfs: Sequence[Any], meta: Any = None) -> DataFrame:
    """A frame with one partition per ``frames.Delayed`` computing a pandas DataFrame. Without
    ``meta`` the first value is computed now to learn the columns (as Dask does); so it is when
    meta declares ``object`` columns, to learn their types."""
    from frames.dataframe.collection import _declared_objects, _meta_schema, _object_types
    from frames.dataframe.expr.sources import FromCollection
    from frames.delayed import Delayed

    dfs = [dfs] if isinstance(dfs, Delayed) else list(dfs)
    if not dfs or not all(isinstance(d, Delayed) for d in dfs):
        raise InvalidArgumentError("from_delayed needs a list of frames.Delayed values (each a pandas DataFrame)")
    if meta is None:
        meta = dfs[0].compute()
        if not isinstance(meta, pd.DataFrame):
            raise DataTypeError(f"from_delayed values must compute pandas DataFrames, the first gave {type(meta).__name__}")
    schema = _meta_schema(meta.head(2) if isinstance(meta, pd.DataFrame) else meta)[0]
    if objects := _declared_objects(meta):  # meta's ``object`` columns: typed by the first value's
        schema = _object_types(schema, objects, lambda: dfs[0].compute().head(1000))
    schema = engine_schema(schema)
    parts = tuple((d.key,) for d in dfs)
    return DataFrame(FromCollection(_DelayedParts(dfs), parts, _pandas_partition, (schema,), schema))


def merge(left: DataFrame, right: DataFrame, **kwargs: Any) -> DataFrame:
    """``pandas.merge(left, right, ...)``: ``left.merge(right, ...)``."""
    if not isinstance(left, DataFrame):
        raise InvalidArgumentError(f"merge takes frames.DataFrame objects, not {type(left).__name__}")
    return left.merge(right, **kwargs)


def to_datetime(arg: Series, format: str | None = None) -> Series:
    """Text (ISO 8601, or ``format`` as strptime's) to ``datetime64[us]``, as pandas 3 gives; a value
    that does not parse is an error naming it."""
    from frames.dataframe.expr.scalar import call

    if not isinstance(arg, Series):
        return pd.to_datetime(arg, format=format)
    if format is None:
        return Series(arg._node, Cast(arg._expr, pa.timestamp("us")), arg._name, arg._index)
    return Series(arg._node, call("strptime", arg._expr, format=format, unit="us"), arg._name, arg._index)


def to_numeric(arg: Series, downcast: str | None = None) -> Series:
    """Text to numbers: float64 (a text column's type cannot say it holds only integers without
    reading it; pandas would give int64 then); numbers pass through."""
    if not isinstance(arg, Series):
        return pd.to_numeric(arg, downcast=downcast)
    if pa.types.is_integer(arg.arrow_type) or pa.types.is_floating(arg.arrow_type):
        return arg
    return Series(arg._node, Cast(arg._expr, pa.float64()), arg._name, arg._index)


def get_dummies(data: DataFrame, columns: Sequence[str] | None = None, prefix: Any = None, prefix_sep: str = "_",
                dtype: Any = bool) -> DataFrame:
    """One indicator column per distinct value of each text column (or of ``columns``), after the
    other columns, named ``column_value``, as pandas. The distinct values are computed first (Dask
    needs known categories for the same reason: the columns must be known before the data)."""
    from frames.base import compute
    from frames.dataframe.dtypes import to_arrow_type
    from frames.dataframe.expr.scalar import call

    if not isinstance(data, DataFrame):
        raise InvalidArgumentError(f"get_dummies takes a frames.DataFrame, not {type(data).__name__}")
    if columns is None:
        columns = [c for c in data.columns if pa.types.is_string(data.schema.field(c).type) or pa.types.is_large_string(data.schema.field(c).type)]
    columns = list(columns)
    data._check_columns(columns)
    prefixes = ([prefix] * len(columns) if isinstance(prefix, str) else list(prefix)) if prefix is not None else columns
    distinct = compute(*[data[c].drop_duplicates() for c in columns]) if columns else ()
    target = to_arrow_type(dtype)
    exprs = [(c, Col(c)) for c in data._node.schema.names if c not in columns]
    for c, p, values in zip(columns, prefixes, distinct):
        for v in sorted(x for x in values.tolist() if x is not None and x == x):
            exprs.append((f"{p}{prefix_sep}{v}", Cast(call("fill_null", call("eq", Col(c), Lit(v)), Lit(False)), target)))
    return DataFrame(Project(data._node, tuple(exprs)), data._index)
