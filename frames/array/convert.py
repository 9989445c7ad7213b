"""Arrays to and from the other collections: ``Array.to_dataframe`` (one partition per row block),
``DataFrame.to_array`` / ``.values`` and ``Series.to_array`` / ``.values`` (one row block per
partition, as dask's ``to_dask_array``), and ``Array.to_delayed`` (one Delayed per block).

No conversion computes anything early: each is a task per block or partition over the other
collection's own keys, in the same graph. Row counts of a frame's partitions are not known until
they are computed, so an array from a frame has unknown (``nan``) row chunks unless
``lengths=True`` computes them first (or ``lengths=`` gives them).
"""

from __future__ import annotations

import math
from typing import Any, Hashable, Sequence

import numpy as np

from exec import Ref, Task
from frames.array.core import Array, new_name
from frames.array.errors import ArrayError
from frames.errors import FramesError


# -- Array -> DataFrame -------------------------------------------------------------------------------

def _blocks_to_table(blocks: list, names: list[str], schema: Any) -> Any:
    """One partition: a row block's blocks side by side, as an Arrow table of ``names``."""
    import pyarrow as pa

    values = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    columns = [pa.array(values[:, j], type=schema.field(j).type) for j in range(values.shape[1])]
    return pa.Table.from_arrays(columns, schema=schema)


def to_dataframe(x: Array, columns: Sequence[Any] | None = None) -> Any:
    """A frames DataFrame with a 2-D array's columns (or a 1-D array as one column), one partition
    per row block; column names are ``columns`` or ``"0", "1", ...``."""
    import pyarrow as pa

    from frames.dataframe.collection import DataFrame
    from frames.dataframe.expr.sources import FromCollection

    if x.ndim not in (1, 2):
        raise ArrayError(f"to_dataframe needs a 1-D or 2-D array, not one of {x.ndim} dimensions")
    ncols = 1 if x.ndim == 1 else x.shape[1]
    if isinstance(ncols, float) and math.isnan(ncols):
        raise ArrayError("to_dataframe needs the number of columns: call compute_chunk_sizes() first")
    ncols = int(ncols)
    if columns is None:
        names = [str(j) for j in range(ncols)]
    else:
        names = [str(c) for c in ([columns] if isinstance(columns, (str, int)) else list(columns))]
        if len(names) != ncols:
            raise ArrayError(f"to_dataframe got {len(names)} column names for an array of {ncols} columns")
        if len(set(names)) != len(names):
            raise ArrayError(f"to_dataframe: column names must be distinct, got {names}")
    try:
        arrow_type = pa.from_numpy_dtype(x.dtype)
    except (pa.ArrowNotImplementedError, NotImplementedError, TypeError):
        raise ArrayError(f"to_dataframe: arrays of dtype {x.dtype} have no Arrow column type") from None
    schema = pa.schema([(n, arrow_type) for n in names])
    if x.ndim == 1:
        parts = tuple(((x.name, i),) for i in range(x.numblocks[0]))
    else:
        parts = tuple(tuple((x.name, i, j) for j in range(x.numblocks[1])) for i in range(x.numblocks[0]))
    nbytes = x.nbytes if not (isinstance(x.nbytes, float) and math.isnan(x.nbytes)) else 0.0
    return DataFrame(FromCollection(x, parts, _blocks_to_table, (names, schema), schema, float(nbytes)))


# -- DataFrame / Series -> Array ----------------------------------------------------------------------

def _numpy_dtype(arrow_type: Any) -> np.dtype:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_decimal(arrow_type):
        return np.dtype(object)
    try:
        return np.dtype(arrow_type.to_pandas_dtype())
    except (NotImplementedError, TypeError):
        return np.dtype(object)


def _table_to_block(table: Any, names: list[str], dtype: np.dtype, two_d: bool) -> np.ndarray:
    """One row block: the partition's ``names`` columns as a NumPy array of ``dtype``."""
    columns = []
    for n in names:
        col = table.column(n)
        if col.null_count and dtype.kind in "iub":
            raise FramesError(f"column {n!r} has NULLs, which a {dtype} array cannot hold; "
                              "fillna() or astype('float64') first")
        values = col.to_numpy(zero_copy_only=False) if dtype.kind != "O" else np.asarray(col.to_pylist(), dtype=object)
        columns.append(values.astype(dtype, copy=False))
    if not two_d:
        return columns[0]
    if not columns:
        return np.empty((table.num_rows, 0), dtype=dtype)
    return np.stack(columns, axis=1) if columns[0].ndim == 1 else np.column_stack(columns)


def _num_rows(table: Any) -> int:
    return table.num_rows


def _relay(value: Any) -> Any:
    return value


class FrameParts:
    """A frame's partitions under stable keys ``(name, i)``: its graph is built (optimized and
    lowered) when the array is computed, and its output keys, new each time, are aliased here."""

    def __init__(self, frame: Any, name: str):
        self.frame, self.name = frame, name
        self.npartitions = frame.npartitions

    def _build_graph(self) -> tuple[dict, list[Hashable]]:
        graph, keys = self.frame._build_graph()
        if len(keys) != self.npartitions:
            raise FramesError(f"the frame lowered to {len(keys)} partitions, not the {self.npartitions} it declares")
        graph = dict(graph)
        out = []
        for i, k in enumerate(keys):
            graph[(self.name, i)] = Task(_relay, Ref(k))
            out.append((self.name, i))
        return graph, out


def frame_to_array(frame: Any, lengths: Any = None) -> Array:
    """A DataFrame's columns (numeric and boolean ones make a numeric array; strings an object
    one) or a Series as an array, one row block per partition, as dask's ``to_dask_array``:
    ``lengths=True`` computes the partitions' row counts first (one pass over the frame), a
    sequence gives them, ``None`` leaves them unknown (``nan``)."""
    from frames.base import run
    from frames.dataframe.collection import DataFrame, Series

    if isinstance(frame, Series):
        names = [frame._value_name()]
        dtype = _numpy_dtype(frame.arrow_type)
        two_d = False
    elif isinstance(frame, DataFrame):
        names = [str(c) for c in frame.columns]
        schema = frame.schema
        dtypes = [_numpy_dtype(schema.field(n).type) for n in names]
        dtype = np.result_type(*dtypes) if dtypes else np.dtype(float)
        two_d = True
    else:
        raise ArrayError(f"to_array converts a frames DataFrame or Series, not {type(frame).__name__}")
    parts = FrameParts(frame, new_name("frame-parts"))
    n = parts.npartitions
    if lengths is True:
        graph, keys = parts._build_graph()
        tag = new_name("lengths")
        for i, k in enumerate(keys):
            graph[(tag, i)] = Task(_num_rows, Ref(k))
        rows = tuple(int(v) for v in run(graph, [(tag, i) for i in range(n)]))
    elif lengths is None or lengths is False:
        rows = (math.nan,) * n
    else:
        rows = tuple(int(v) for v in lengths)
        if len(rows) != n:
            raise ArrayError(f"to_array got {len(rows)} lengths for a frame of {n} partitions")
    name = new_name("values")
    layer = {}
    for i in range(n):
        key = (name, i, 0) if two_d else (name, i)
        layer[key] = Task(_table_to_block, Ref((parts.name, i)), names, dtype, two_d)
    chunks = (rows, (len(names),)) if two_d else (rows,)
    return Array(layer, name, chunks, dtype, (parts,))


# -- Array -> Delayed ---------------------------------------------------------------------------------

class GraphDependency:
    """A graph already built, as the dependency of Delayed objects over its keys
    (``to_delayed``, ``store(compute=False)``)."""

    def __init__(self, graph: dict):
        self.graph = graph

    def _build_graph(self) -> tuple[dict, list]:
        return self.graph, []


def to_delayed(x: Array, optimize_graph: bool = True) -> np.ndarray:
    """An object array shaped like ``x``'s block grid holding one Delayed per block, as dask's
    ``Array.to_delayed``; each one's key is its block's key, and all share ``x``'s graph."""
    from frames.delayed import Delayed

    graph, keys = x._build_graph()
    if optimize_graph:
        import exec as _exec

        graph = _exec.cull(graph, keys)
    shared = GraphDependency(graph)
    out = np.empty(x.numblocks, dtype=object)
    for key in keys:
        out[key[1:]] = Delayed(key, graph[key], (shared,))
    return out


__all__ = ["to_dataframe", "frame_to_array", "to_delayed", "GraphDependency", "FrameParts"]
