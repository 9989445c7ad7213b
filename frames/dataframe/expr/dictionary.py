"""Expressions over dictionary-encoded columns, computed once per distinct value.

A Parquet scan reads low-cardinality strings (flags, modes, segments, brands) as Arrow dictionaries:
a few distinct values and an integer index per row. Any part of an expression that reads only one
such column has at most as many distinct results as the dictionary has entries, so it is computed on
the dictionary and gathered by the indices (SF1 ``l_shipmode IN ('MAIL', 'SHIP')``: 6M string
comparisons become 7 and one ``take``), and the column need not be decoded to strings first.

NULL rows get the expression's value at NULL: it is computed on the dictionary plus one NULL entry,
and NULL indices point at that entry (``x IS NULL`` is true there, not NULL).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.expr.scalar import Call, Case, Cast, Col, ScalarExpr, as_array


def _single_dictionary_column(expr: ScalarExpr, dictionary_columns: set[str]) -> str | None:
    cols = expr.columns()
    if len(cols) == 1:
        (c,) = cols
        if c in dictionary_columns:
            return c
    return None


def _on_dictionary(expr: ScalarExpr, column: pa.ChunkedArray | pa.Array, name: str) -> pa.ChunkedArray:
    """``expr`` (reading only column ``name``) over a dictionary column, chunk by chunk (chunks may
    carry different dictionaries)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    for chunk in chunks:
        values = chunk.dictionary
        with_null = pa.concat_arrays([values, pa.nulls(1, values.type)])
        per_value = as_array(expr.evaluate(pa.table({name: with_null})), len(with_null))
        if isinstance(per_value, pa.ChunkedArray):
            per_value = per_value.combine_chunks()
        indices = chunk.indices
        if indices.null_count:
            indices = pc.fill_null(indices, len(values))
        out.append(per_value.take(indices))
    if not out:
        empty = as_array(expr.evaluate(pa.table({name: pa.nulls(0, column.type.value_type)})), 0)
        return pa.chunked_array([], type=empty.type)
    return pa.chunked_array(out, type=out[0].type)


def evaluate(expr: ScalarExpr, table: pa.Table) -> pa.Array | pa.ChunkedArray | pa.Scalar:
    """``expr`` over ``table``, whose dictionary-typed columns hold the string columns of the same
    names: every largest part of ``expr`` that reads a single dictionary column is computed on its
    dictionary; the rest is computed as usual, decoding a dictionary column only where a part reads
    it together with other columns."""
    dictionary_columns = {f.name for f in table.schema if pa.types.is_dictionary(f.type)}
    if not dictionary_columns or not (expr.columns() & dictionary_columns):
        return expr.evaluate(table)
    computed: dict[str, pa.ChunkedArray] = {}

    def rewrite(e: ScalarExpr) -> ScalarExpr:
        c = _single_dictionary_column(e, dictionary_columns)
        if c is not None and not isinstance(e, Col):
            name = f"__dictionary_expr{len(computed)}"
            computed[name] = _on_dictionary(e, table.column(c), c)
            return Col(name)
        if isinstance(e, (Call, Case, Cast)):
            return e._rebuild([rewrite(child) for child in e.children()])
        return e

    rewritten = rewrite(expr)
    arrays, names = list(table.columns), list(table.column_names)
    needed = rewritten.columns()
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type) and f.name in needed:  # read along with other columns
            arrays[i] = arrays[i].cast(f.type.value_type)
    for name, values in computed.items():
        arrays.append(values)
        names.append(name)
    return rewritten.evaluate(pa.Table.from_arrays(arrays, names=names))
