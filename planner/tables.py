"""Tables you can write to: rows held as Arrow chunks, with column definitions and key constraints.

A ``MemoryTable`` is an immutable value. Every write (``appended``, ``updated``, ``deleted``, ...)
checks its constraints and returns a new value, which the catalog swaps in only once the whole
statement has succeeded: a failing statement leaves the table as it was, and a transaction's
snapshot is just the values the catalog held when it began.

Storage: the chunks are the partitions a read sees (``node``). Rows appended go into a new chunk,
and the last chunks are merged while the one before is no larger than the last (a binary counter,
up to ``CHUNK_ROWS`` rows), so a loop of 10,000 one-row INSERTs leaves a handful of chunks and
copies each row O(log n) times, never re-concatenating the table. Updates and deletes work chunk
by chunk and keep the chunk boundaries.

Keys (PRIMARY KEY, UNIQUE) are checked with an index (key tuple -> row position) built on first
use and handed from one value to the next on append, so checking a one-row INSERT costs O(1); any
other write leaves the next value to build it again. A key with a NULL in it never conflicts
(SQL's UNIQUE); a PRIMARY KEY's columns are NOT NULL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from frames.dataframe.expr.sources import FromTables
from frames.errors import DataTypeError
from planner.errors import ConstraintError, SqlArithmeticError, SqlError

CHUNK_ROWS = 1 << 17
"""Rows a chunk (a partition of reads) grows to by appends; a larger insert is sliced to this size."""

ROW_ID = "__sqlengine_rowid"
"""The column holding each row's position in ``with_row_ids`` (the rows an UPDATE or DELETE hits)."""


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table: its name, Arrow type, NOT NULL, and DEFAULT (a SQL expression)."""

    name: str
    type: pa.DataType
    not_null: bool = False
    default: exp.Expression | None = None


@dataclass(frozen=True, eq=False)
class MemoryTable:
    """An in-memory table's rows and definition (see the module docstring)."""

    name: str  # as created, for error messages
    columns: tuple[ColumnSpec, ...]
    chunks: tuple[pa.Table, ...] = ()
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    _indexes: dict = field(default_factory=dict, repr=False)  # key columns -> _KeyIndex (see index)

    # -- reading ---------------------------------------------------------------------------------
    @functools.cached_property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])

    @functools.cached_property
    def num_rows(self) -> int:
        return sum(t.num_rows for t in self.chunks)

    @functools.cached_property
    def node(self) -> FromTables:
        """The frames node a query reads: one partition per chunk (one empty one when there is none)."""
        return FromTables(self.chunks or (self.schema.empty_table(),), self.schema)

    def with_row_ids(self) -> FromTables:
        """The rows with ``ROW_ID`` (each row's position), chunk by chunk, for finding the rows a
        statement changes."""
        parts, offset = [], 0
        for t in self.chunks or (self.schema.empty_table(),):
            parts.append(t.append_column(ROW_ID, pa.array(np.arange(offset, offset + t.num_rows, dtype=np.int64))))
            offset += t.num_rows
        return FromTables(tuple(parts), parts[0].schema)

    def column(self, name: str) -> ColumnSpec:
        from frames.errors import ColumnNotFoundError

        for c in self.columns:
            if c.name.lower() == name.lower():
                return c
        raise ColumnNotFoundError(name, [c.name for c in self.columns], f"table {self.name!r}")

    @property
    def keys(self) -> tuple[tuple[str, ...], ...]:
        return ((self.primary_key,) if self.primary_key else ()) + self.unique

    # -- writing ---------------------------------------------------------------------------------
    def appended(self, rows: pa.Table) -> "MemoryTable":
        """This table with ``rows`` (already of this schema) added at the end, constraints checked."""
        rows = self._checked_not_null(rows)
        indexes = []
        for key in self.keys:
            index = self.index(key)
            indexes.append((index, index.new_positions(rows, key, self.num_rows, self._conflict(key))))
        chunks = list(self.chunks)
        for start in range(0, rows.num_rows, CHUNK_ROWS):
            chunks.append(rows.slice(start, CHUNK_ROWS))
            while len(chunks) > 1 and chunks[-2].num_rows <= chunks[-1].num_rows <= CHUNK_ROWS - chunks[-2].num_rows:
                last = chunks.pop()
                chunks[-1] = pa.concat_tables([chunks[-1], last]).combine_chunks()
        new = replace(self, chunks=tuple(chunks), _indexes={})
        for key, (index, positions) in zip(self.keys, indexes):
            index.positions.update(positions)
            index.owner = new  # the index now describes the new value; this one builds its own if used again
            new._indexes[key] = index
        return new

    def with_chunks(self, chunks: Iterable[pa.Table]) -> "MemoryTable":
        """This table with its rows replaced by ``chunks`` (of its schema), every constraint checked
        over the whole result."""
        chunks = tuple(self._checked_not_null(t) for t in chunks if t.num_rows)
        new = replace(self, chunks=chunks, _indexes={})
        for key in new.keys:
            new.index(key)  # raises on a duplicate
        return new

    def deleted(self, row_ids: pa.Array) -> "MemoryTable":
        """Without the rows at ``row_ids`` (positions from ``with_row_ids``)."""
        hit = np.zeros(self.num_rows, dtype=bool)
        hit[np.asarray(row_ids.to_numpy(zero_copy_only=False), dtype=np.int64)] = True
        chunks, offset = [], 0
        for t in self.chunks:
            keep = ~hit[offset:offset + t.num_rows]
            chunks.append(t if keep.all() else t.filter(pa.array(keep)))
            offset += t.num_rows
        return replace(self, chunks=tuple(t for t in chunks if t.num_rows), _indexes={})

    def updated(self, row_ids: pa.Array, values: dict[str, pa.Array]) -> "MemoryTable":
        """With ``values[column][i]`` written into row ``row_ids[i]`` (distinct positions); the
        values already of the columns' types. Rows keep their positions, so the index of a key
        none of whose columns changed is handed on (an upsert of other columns stays cheap)."""
        order = pc.sort_indices(row_ids)
        ids = np.asarray(pc.take(row_ids, order).to_numpy(zero_copy_only=False), dtype=np.int64)
        values = {name: pc.take(v, order) for name, v in values.items()}
        chunks, offset = [], 0
        for t in self.chunks:
            lo, hi = np.searchsorted(ids, [offset, offset + t.num_rows])
            if hi > lo:
                mask = np.zeros(t.num_rows, dtype=bool)
                mask[ids[lo:hi] - offset] = True
                for name, v in values.items():
                    i = t.schema.get_field_index(name)
                    t = t.set_column(i, name, pc.replace_with_mask(t.column(i).combine_chunks(), pa.array(mask), v.slice(lo, hi - lo)))
            chunks.append(self._checked_not_null(t) if hi > lo else t)
            offset += t.num_rows
        new = replace(self, chunks=tuple(chunks), _indexes={})
        for key in self.keys:
            index = self._indexes.get(key)
            if index is not None and index.owner is self and not set(key) & set(values):
                index.owner = new
                new._indexes[key] = index
            else:
                new.index(key)  # raises on a duplicate
        return new

    def restructured(self, columns: Sequence[ColumnSpec], chunks: Iterable[pa.Table], **changes) -> "MemoryTable":
        """A new definition (ALTER TABLE) over ``chunks`` already of it; constraints checked."""
        return replace(self, columns=tuple(columns), chunks=(), _indexes={}, **changes).with_chunks(chunks)

    def rechunked(self, npartitions: int) -> "MemoryTable":
        """The same rows in ``npartitions`` chunks of near-equal size (the tests read tables in
        several partition counts)."""
        from frames.dataframe.expr.sources import split_table

        table = pa.concat_tables(self.chunks) if self.chunks else self.schema.empty_table()
        return replace(self, chunks=split_table(table, npartitions) if table.num_rows else (), _indexes={})

    # -- constraints -----------------------------------------------------------------------------
    def _checked_not_null(self, rows: pa.Table) -> pa.Table:
        for c in self.columns:
            if c.not_null or c.name in self.primary_key:
                if rows.column(c.name).null_count:
                    raise ConstraintError(f"NOT NULL constraint failed: {self.name}.{c.name}")
        return rows

    def _conflict(self, key: tuple[str, ...]):
        kind = "primary key" if key == self.primary_key else "unique"

        def fail(values: tuple) -> None:
            shown = ", ".join(f"{k}: {v}" for k, v in zip(key, values))
            raise ConstraintError(f'duplicate key "{shown}" violates {kind} constraint of table {self.name!r}')
        return fail

    def index(self, key: tuple[str, ...]) -> "_KeyIndex":
        """The key -> row position index of ``key``'s columns (built now if this value has none)."""
        index = self._indexes.get(key)
        if index is None or index.owner is not self:
            index = _KeyIndex(self, {})
            offset = 0
            for t in self.chunks:
                index.positions.update(index.new_positions(t, key, offset, self._conflict(key)))
                offset += t.num_rows
            self._indexes[key] = index
        return index


class _KeyIndex:
    """Key tuples (without NULLs) to the row position holding them, valid for ``owner`` only."""

    def __init__(self, owner: MemoryTable, positions: dict):
        self.owner, self.positions = owner, positions

    def new_positions(self, rows: pa.Table, key: tuple[str, ...], offset: int, fail) -> dict:
        """``rows``' keys (rows numbered from ``offset``), none already here nor twice in ``rows``."""
        found: dict = {}
        for i, values in enumerate(key_tuples(rows, key)):
            if values is None:
                continue
            if values in self.positions or values in found:
                fail(values)
            found[values] = offset + i
        return found


def key_tuples(rows: pa.Table, key: Sequence[str]) -> list[tuple | None]:
    """Each row's key as a tuple of Python values, None where a key column is NULL."""
    columns = [rows.column(k).to_pylist() for k in key]
    return [None if None in values else values for values in zip(*columns)]


# -- values into columns ---------------------------------------------------------------------------
def cast_column(values: pa.Array | pa.ChunkedArray, column: ColumnSpec, table: str) -> pa.Array:
    """``values`` as ``column``'s type, cast as DuckDB casts on INSERT (``CAST``'s rules: '7' into
    an INTEGER column is 7, 2.5 is 3); a value that does not convert is an error naming the
    column and the value."""
    from planner.functions import sql_cast
    from planner.types import sql_type

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.type == column.type:
        return values
    try:
        return sql_cast(values, column.type)
    except (DataTypeError, SqlArithmeticError, pa.ArrowException) as exc:
        bad = _first_failing(values, column.type)
        shown = f"{bad!r}" if bad is not None else "a value"
        raise DataTypeError(f"cannot store {shown} ({sql_type(values.type)}) in column {table}.{column.name} "
                            f"of type {sql_type(column.type)}: {exc}") from None


def _first_failing(values: pa.Array, to: pa.DataType):
    from planner.functions import sql_cast

    for v in pc.unique(values).to_pylist():
        try:
            sql_cast(pa.array([v], values.type), to)
        except (DataTypeError, SqlArithmeticError, pa.ArrowException, SqlError):
            return v
    return None
