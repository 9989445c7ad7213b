"""Structs as DuckDB has them: ``{'a': 1, 'b': x}`` / ``struct_pack(a := 1)`` build one
(``sql_struct_pack``), ``s.a`` / ``s['a']`` / ``struct_extract(s, 'a')`` read a field
(``sql_struct_extract``; a NULL struct gives NULL fields). Field names match case-insensitively,
as DuckDB's do; a field the struct does not have is an error naming the fields it has."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from frames.dataframe.expr.kernels import register
from frames.errors import DataTypeError
from planner.functions.strings import _array, _length


def struct_pack(*values, names: tuple[str, ...] = ()):
    """One struct per row of the values, fields named ``names``."""
    n = _length(values)
    arrays = [_array(v, 1 if n is None else n) for v in values]
    packed = pc.make_struct(*arrays, field_names=list(names))
    return packed[0] if n is None else packed


def struct_extract(value, field: str = ""):
    """The field ``field`` of each struct."""
    t = value.type
    if not pa.types.is_struct(t):
        raise DataTypeError(f"cannot read the field {field!r} of a {t} value: only a STRUCT has fields")
    names = [t.field(i).name for i in range(t.num_fields)]
    exact = [i for i, name in enumerate(names) if name == field]
    folded = [i for i, name in enumerate(names) if name.casefold() == field.casefold()]
    found = exact or folded
    if len(found) != 1:
        problem = f"the struct has no field {field!r}" if not found else f"the struct's field {field!r} is ambiguous"
        raise DataTypeError(f"{problem} (its fields: {', '.join(names)})")
    if isinstance(value, pa.Scalar):
        return value[found[0]] if value.is_valid else pa.scalar(None, t.field(found[0]).type)
    return pc.struct_field(value, [found[0]])


register("sql_struct_pack", struct_pack)
register("sql_struct_extract", struct_extract)
