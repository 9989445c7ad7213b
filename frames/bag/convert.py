"""A bag of records as a frames DataFrame, straight into Arrow (no pandas on the way).

Each partition becomes one Arrow table in its own task (``pa.Table.from_pylist`` for dicts,
column lists for tuples), under one schema: the ``meta`` given (a ``pa.Schema``, an empty pandas
DataFrame, a dict or list of ``(name, type)``; struct and list types read nested records), else the
one Arrow infers from the first partition holding records (the only thing computed early, as
dask.bag does). The DataFrame node (``FromCollection``, shared with ``Array.to_dataframe``) takes
the bag's graph into its own when it is lowered, so ``to_dataframe`` builds nothing else ahead. With an inferred schema, a record with a key the first partition did not have is an
error (its values would be dropped silently); with ``meta`` the columns are the ones asked for.

The DataFrame computes on the DataFrame's default scheduler (threads), the bag's tasks with it;
pass ``scheduler="processes"`` to its ``compute`` when the bag's Python work dominates.
"""

from __future__ import annotations

from typing import Any, Sequence

import pyarrow as pa

from frames.bag.core import Bag, _short
from frames.bag.errors import BagError
from frames.errors import DataTypeError


def _schema_from_meta(meta: Any) -> pa.Schema:
    from frames.dataframe.dtypes import to_arrow_type

    if isinstance(meta, pa.Schema):
        return meta
    try:
        import pandas as pd

        if isinstance(meta, pd.DataFrame):
            return pa.Schema.from_pandas(meta, preserve_index=False).remove_metadata()
    except ImportError:  # pragma: no cover
        pass
    pairs = list(meta.items()) if isinstance(meta, dict) else list(meta) if isinstance(meta, (list, tuple)) else None
    if pairs is None or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise BagError(f"meta must be a pyarrow.Schema, an empty pandas DataFrame, or a dict / list of (name, type); "
                       f"got {type(meta).__name__}")
    try:
        return pa.schema([(str(n), to_arrow_type(t)) for n, t in pairs])
    except (TypeError, ValueError, KeyError) as exc:
        raise BagError(f"meta has a type that is not an Arrow or pandas type: {exc}") from None


def _kind(rows: list, what: str) -> str:
    first = rows[0]
    if isinstance(first, dict):
        return "dict"
    if isinstance(first, (tuple, list)):
        return "tuple"
    raise BagError(f"{what}: elements must be dicts (records) or tuples (rows), not {type(first).__name__} "
                   f"({_short(first)}); map them to dicts first, e.g. .map(lambda x: {{'value': x}})")


def _table(parts: list, schema: pa.Schema, kind: str | None, strict: tuple | None, names: tuple) -> pa.Table:
    """One partition's records (``parts``: the one bag partition) as a table of ``schema``.
    ``names``: every column, in the order of a tuple row's fields; ``strict``: the only keys a dict
    may have."""
    from frames.dataframe.convert import normalize_table

    (rows,) = parts

    if not rows:
        return schema.empty_table()
    kind = kind or _kind(rows, "to_dataframe")
    try:
        if kind == "dict":
            for r in rows:
                if not isinstance(r, dict):
                    raise BagError(f"to_dataframe: element {_short(r)} is a {type(r).__name__}, not a dict like the others")
            if strict is not None:
                allowed = set(strict)
                for r in rows:
                    if not r.keys() <= allowed:
                        extra = sorted(map(str, r.keys() - allowed))
                        raise DataTypeError(f"to_dataframe: record {_short(r)} has keys {extra} that the schema inferred "
                                            "from the first partition lacks; pass meta= with every column")
            table = pa.Table.from_pylist(rows, schema=schema)
        else:
            for r in rows:
                if not isinstance(r, (tuple, list)) or len(r) != len(names):
                    raise BagError(f"to_dataframe: row {_short(r)} does not have the {len(names)} fields {list(names)}")
            position = {n: i for i, n in enumerate(names)}
            arrays = [pa.array([r[position[f.name]] for r in rows], type=f.type) for f in schema]
            table = pa.Table.from_arrays(arrays, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
        raise DataTypeError(f"to_dataframe: records do not fit the schema {_describe(schema)}: {exc}; "
                            "pass meta= with the column types") from None
    return normalize_table(table)


def _describe(schema: pa.Schema) -> str:
    return "{" + ", ".join(f"{f.name}: {f.type}" for f in schema) + "}"


def _first_rows(bag: Bag) -> list:
    """The records of the first partition that has any (computed one at a time, on the sync
    scheduler: only what inference needs)."""
    from frames.base import run

    graph, keys = bag._build_graph()
    for k in keys:
        (rows,) = run(graph, [k], scheduler="sync")
        if rows:
            return rows
    return []


def to_dataframe(bag: Bag, meta: Any = None, columns: Sequence[str] | None = None):
    """A frames DataFrame with one row per element (dict records or tuple rows), one partition
    per bag partition. ``columns`` names the fields of tuple rows (default ``"0"``, ``"1"``, ...) or
    picks keys of dict records; ``meta`` fixes names and types."""
    from frames.dataframe.collection import DataFrame
    from frames.dataframe.expr.sources import FromCollection

    if columns is not None:
        if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
            raise BagError(f"columns must be a list of column names (strings), not {columns!r}")
        columns = list(columns)
        if len(set(columns)) != len(columns):
            raise BagError(f"columns names a column twice: {columns}")
    kind: str | None = None
    strict: tuple | None = None
    if meta is not None:
        schema = _schema_from_meta(meta)
        names = tuple(schema.names)
        if columns is not None:
            missing = [c for c in columns if c not in schema.names]
            if missing:
                raise BagError(f"columns {missing} are not in meta ({schema.names})")
            schema = pa.schema([schema.field(c) for c in columns])
    else:
        schema, kind, strict, names = _infer(_first_rows(bag), columns)
    parts = tuple(((bag.name, i),) for i in range(bag.npartitions))
    return DataFrame(FromCollection(bag, parts, _table, (schema, kind, strict, names), schema,
                                    float(bag.npartitions) * (8 << 20)))  # size unknown: a modest guess


def _infer(rows: list, columns: list[str] | None) -> tuple[pa.Schema, str, tuple | None, tuple]:
    """The schema Arrow infers from the first records: ``(schema, kind, strict keys, names)``."""
    from frames.dataframe.convert import engine_schema

    if not rows:
        raise BagError("to_dataframe of a bag with no elements cannot infer columns; pass meta=")
    kind = _kind(rows, "to_dataframe")
    if kind == "tuple":
        width = len(rows[0])
        names = tuple(columns) if columns is not None else tuple(str(i) for i in range(width))
        if len(names) != width:
            raise BagError(f"columns has {len(names)} names for rows of {width} fields ({_short(rows[0])})")
        fields = []
        for i, n in enumerate(names):
            try:
                values = pa.array([r[i] if isinstance(r, (tuple, list)) and len(r) == width else None for r in rows])
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                raise DataTypeError(f"to_dataframe: field {n!r} mixes types Arrow cannot hold in one column: {exc}; "
                                    "pass meta=") from None
            fields.append((n, values.type))
        schema, strict = pa.schema(fields), None
    else:
        try:
            schema = pa.Table.from_pylist([r for r in rows if isinstance(r, dict)]).schema
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataTypeError(f"to_dataframe: the first partition's records mix types Arrow cannot hold in one "
                                f"column: {exc}; pass meta=") from None
        names = strict = tuple(schema.names)
        if columns is not None:
            missing = [c for c in columns if c not in schema.names]
            if missing:
                raise BagError(f"columns {missing} are not keys of the records (the first records have {schema.names})")
            schema = pa.schema([schema.field(c) for c in columns])
            strict = None  # columns picks keys: the others are meant to go
    schema = engine_schema(pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in schema]))
    return schema, kind, strict, names


__all__ = ["to_dataframe"]
