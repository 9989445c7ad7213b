"""The statements that write tables: CREATE TABLE (columns), INSERT (ON CONFLICT, OR REPLACE /
OR IGNORE), UPDATE (FROM), DELETE (USING), TRUNCATE, ALTER TABLE, COPY ... FROM.

Each statement computes the table's next value (``planner.tables.MemoryTable``, immutable, its
constraints checked) and only then hands it to the session to store, so a statement that fails
leaves the table as it was. The rows a statement touches are found by an ordinary query: the
target is read with a row-id column (``MemoryTable.with_row_ids``) under the hidden name
``__dml_target`` aliased as the statement names it, so WHERE, FROM / USING, subqueries and SET's
expressions are planned and run by the engine like any SELECT. Values are cast to the columns'
types as DuckDB casts on INSERT (``planner.tables.cast_column``). Each returns the number of rows
it wrote (DuckDB's ``Count``), or None for a statement without one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from frames.errors import ColumnNotFoundError, InvalidArgumentError
from frames.dataframe.expr.scalar import Lit
from planner.errors import SqlError, UnsupportedFeatureError
from planner.expressions import ExpressionTranslator
from planner.tables import ROW_ID, ColumnSpec, MemoryTable, cast_column, key_tuples
from planner.types import arrow_type

if TYPE_CHECKING:
    from sqlengine.context import Context

TARGET = "__dml_target"
RETURNED = "__dml_returned"
EXCLUDED = "__dml_excluded"


# -- CREATE TABLE t (columns) -------------------------------------------------------------------
def create_table(name: str, schema: exp.Schema) -> MemoryTable:
    """The empty table a ``CREATE TABLE name (col type [NOT NULL] [DEFAULT x] [PRIMARY KEY |
    UNIQUE], ..., PRIMARY KEY (..), UNIQUE (..))`` defines."""
    columns: list[ColumnSpec] = []
    primary: tuple[str, ...] = ()
    unique: list[tuple[str, ...]] = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            spec, is_key, is_unique = _column_def(item)
            if any(c.name.lower() == spec.name.lower() for c in columns):
                raise InvalidArgumentError(f"column {spec.name!r} is defined twice in CREATE TABLE {name}")
            columns.append(spec)
            if is_key:
                primary = _one_primary_key(name, primary, (spec.name,))
            if is_unique:
                unique.append((spec.name,))
        elif isinstance(item, exp.PrimaryKey):
            primary = _one_primary_key(name, primary, tuple(e.name for e in item.expressions))
        elif isinstance(item, exp.UniqueColumnConstraint) and isinstance(item.this, exp.Schema):
            unique.append(tuple(e.name for e in item.this.expressions))
        else:
            raise UnsupportedFeatureError(f"the table constraint {item.sql('duckdb')!r} in CREATE TABLE {name}")
    table = MemoryTable(name, tuple(columns))
    known = {c.name.lower(): c.name for c in columns}
    spell = lambda key: tuple(_known_column(known, k, name) for k in key)  # noqa: E731
    return replace(table, primary_key=spell(primary), unique=tuple(spell(k) for k in unique if spell(k) != spell(primary)))


def _one_primary_key(table: str, before: tuple, key: tuple) -> tuple:
    if before:
        raise InvalidArgumentError(f"table {table!r} has more than one PRIMARY KEY")
    return key


def _known_column(known: dict[str, str], name: str, table: str) -> str:
    if name.lower() not in known:
        raise ColumnNotFoundError(name, list(known.values()), f"table {table!r}")
    return known[name.lower()]


def column_type(kind: exp.DataType | None, column: str) -> pa.DataType:
    if kind is None:
        raise InvalidArgumentError(f"column {column!r} needs a type")
    try:
        return arrow_type(kind)
    except UnsupportedFeatureError:
        raise UnsupportedFeatureError(f"the column type {kind.sql('duckdb')} (column {column!r})") from None


def _column_def(item: exp.ColumnDef) -> tuple[ColumnSpec, bool, bool]:
    """(spec, PRIMARY KEY?, UNIQUE?) of one column definition."""
    name = item.name
    not_null, default, key, unique = False, None, False, False
    for c in item.args.get("constraints") or []:
        kind = c.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            not_null = not kind.args.get("allow_null")
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default = kind.this
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            key = not_null = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            unique = True
        else:
            raise UnsupportedFeatureError(f"the column constraint {c.sql('duckdb')!r} (column {name!r})")
    return ColumnSpec(name, column_type(item.args.get("kind"), name), not_null, default), key, unique


# -- INSERT -------------------------------------------------------------------------------------
def insert(ctx: "Context", st: exp.Insert) -> int:
    target = st.this
    names = [i.name for i in target.expressions] if isinstance(target, exp.Schema) else None
    if isinstance(target, exp.Schema):
        target = target.this
    table = ctx.catalog.writable(target.name)
    columns = _named_columns(table, names)
    if st.args.get("default"):
        source: list = []
        nrows = 1
    else:
        source, nrows = _source(ctx, st.expression, columns, table)
    rows = _full_rows(ctx, table, columns, source, nrows)
    conflict, alternative = st.args.get("conflict"), (st.args.get("alternative") or "").lower()
    if conflict is None and alternative not in ("replace", "ignore"):
        ctx._store(target.name, table.appended(rows))
        return _returning(ctx, st, target.alias_or_name, rows.num_rows, lambda: rows)
    if st.args.get("returning"):
        raise UnsupportedFeatureError("RETURNING with ON CONFLICT / INSERT OR REPLACE")
    return _upsert(ctx, st, table, rows, conflict, alternative, target.alias_or_name)


def _returning(ctx: "Context", st: exp.Expression, alias: str, count: int, rows: Callable[[], pa.Table]):
    """``count``, or with RETURNING (count, its expressions over the rows written: ``rows()``)."""
    returning = st.args.get("returning")
    if not returning:
        return count
    from frames import from_arrow

    query = exp.select(*[e.copy() for e in returning.expressions]).from_(exp.table_(RETURNED, alias=alias))
    return count, from_arrow(ctx._rows(query, {RETURNED: from_arrow(rows())._node}))


def _named_columns(table: MemoryTable, names: list[str] | None) -> list[ColumnSpec]:
    if names is None:
        return list(table.columns)
    seen = set()
    out = []
    for n in names:
        if n.lower() in seen:
            raise InvalidArgumentError(f"column {n!r} is named twice in INSERT INTO {table.name}")
        seen.add(n.lower())
        out.append(table.column(n))
    return out


def _width_error(table: MemoryTable, columns: list, width: int) -> SqlError:
    return SqlError(f"table {table.name!r} has {len(columns)} columns but {width} values were supplied")


def _source(ctx: "Context", source: exp.Expression, columns: list[ColumnSpec], table: MemoryTable) -> tuple[list, int]:
    """The inserted values by position, cast to ``columns`` (a ``DEFAULT`` in VALUES stays
    ``None`` for its column's default), and how many rows."""
    if isinstance(source, exp.Values):
        constant = _constant_values(source, columns, table)
        if constant is not None:
            return constant
        rows = [r.expressions if isinstance(r, exp.Tuple) else [r] for r in source.expressions]
        if any(_is_default(e) for r in rows for e in r):
            raise UnsupportedFeatureError("DEFAULT among non-constant VALUES")
        source = exp.union(*[exp.select(*[e.copy().as_(f"c{i}") for i, e in enumerate(r)]) for r in rows], distinct=False) \
            if len(rows) > 1 else exp.select(*[e.copy().as_(f"c{i}") for i, e in enumerate(rows[0])])
    result = ctx._rows(source)
    if result.num_columns != len(columns):
        raise _width_error(table, columns, result.num_columns)
    return [cast_column(result.column(i), c, table.name) for i, c in enumerate(columns)], result.num_rows


def _is_default(e: exp.Expression) -> bool:
    return isinstance(e, (exp.Var, exp.Column)) and not (isinstance(e, exp.Column) and e.table) and e.name.upper() == "DEFAULT"


def _constant_values(values: exp.Values, columns: list[ColumnSpec], table: MemoryTable) -> tuple[list, int] | None:
    """VALUES of constants made into columns without planning a query (one-row INSERTs in a loop
    must be cheap); None when a value is not a constant."""
    translate = ExpressionTranslator(_no_columns)
    rows = []
    for row in values.expressions:
        items = row.expressions if isinstance(row, exp.Tuple) else [row]
        if len(items) != len(columns):
            raise _width_error(table, columns, len(items))
        lits = []
        for e in items:
            if _is_default(e):
                lits.append(None)
                continue
            try:
                lit = translate(e)
            except SqlError:
                return None
            if not isinstance(lit, Lit):
                return None
            lits.append(lit)
        rows.append(lits)
    out = []
    for i, column in enumerate(columns):
        cells = [r[i] for r in rows]
        if any(c is None for c in cells):
            if not all(c is None for c in cells):
                raise UnsupportedFeatureError("DEFAULT in some rows of a VALUES list and not in others")
            out.append(None)
            continue
        scalars = [pa.scalar(c.value, c.type) for c in cells]
        types = {s.type for s in scalars if s.is_valid}
        if len(types) <= 1:
            arr = pa.array([s.as_py() for s in scalars], types.pop() if types else pa.null())
            out.append(cast_column(arr, column, table.name))
        else:  # each value cast on its own, as DuckDB casts every VALUES entry to the column
            out.append(pa.concat_arrays([cast_column(pa.array([s.as_py()], s.type), column, table.name) for s in scalars]))
    return out, len(rows)


def _no_columns(c: exp.Column):
    raise SqlError(f"column {c.name!r} in VALUES")


def _full_rows(ctx: "Context", table: MemoryTable, columns: list[ColumnSpec], values: list, nrows: int) -> pa.Table:
    """Rows of every column of ``table``: ``values`` for ``columns``, the defaults elsewhere."""
    given = {c.name: v for c, v in zip(columns, values) if v is not None}
    arrays = [given[c.name] if c.name in given else default_values(ctx, c, nrows, table.name) for c in table.columns]
    return pa.Table.from_arrays(arrays, schema=table.schema)


def default_values(ctx: "Context", column: ColumnSpec, nrows: int, table: str) -> pa.Array:
    """``column``'s DEFAULT (NULL without one) for ``nrows`` rows, evaluated once."""
    if column.default is None:
        return pa.nulls(nrows, column.type)
    try:
        lit = ExpressionTranslator(_no_columns)(column.default)
    except SqlError:
        lit = None
    if isinstance(lit, Lit):
        value = pa.array([lit.value], pa.scalar(lit.value, lit.type).type)
    else:
        value = ctx._rows(exp.select(column.default.copy().as_("v"))).column(0)
    one = cast_column(value, column, table)
    return pc.take(one, pa.array(np.zeros(nrows, dtype=np.int64)))


def _upsert(ctx: "Context", st: exp.Insert, table: MemoryTable, rows: pa.Table, conflict, alternative: str, alias: str) -> int:
    """INSERT ... ON CONFLICT [(key)] DO NOTHING | DO UPDATE SET ... [WHERE], INSERT OR IGNORE /
    OR REPLACE: rows whose key is in the table already update it (or are skipped); a key repeated
    among the rows counts once, its first row (as DuckDB 2.0 does)."""
    action = conflict.args.get("action").name.upper() if conflict is not None and conflict.args.get("action") else ""
    nothing = action == "DO NOTHING" or alternative == "ignore"
    if nothing and (conflict is None or not conflict.args.get("conflict_keys")):
        if not table.keys:
            raise SqlError(f"ON CONFLICT DO NOTHING / INSERT OR IGNORE on table {table.name!r}, which has no PRIMARY KEY or UNIQUE constraint")
        first, existing = np.ones(rows.num_rows, dtype=bool), np.full(rows.num_rows, -1, dtype=np.int64)
        for key in table.keys:  # a conflict on any key skips the row
            f, e = _conflicts(table, rows, key)
            first &= f
            existing = np.maximum(existing, e)
    else:
        first, existing = _conflicts(table, rows, _conflict_key(table, conflict))
    fresh = rows.filter(pa.array(first & (existing < 0)))
    clashing = rows.filter(pa.array(first & (existing >= 0))).append_column(ROW_ID, pa.array(existing[first & (existing >= 0)]))
    if nothing or clashing.num_rows == 0:
        updated = table
        count = 0
    else:
        key = _conflict_key(table, conflict)
        if alternative == "replace":
            sets = [(c, exp.column(c.name, table=EXCLUDED.lower())) for c in table.columns if c.name not in key]
            where = None
        else:
            sets = [(table.column(eq.this.name), _excluded(eq.expression, alias)) for eq in conflict.expressions]
            where = conflict.args.get("where")
            where = _excluded(where.this, alias) if where is not None else None
        query = exp.select(exp.column(ROW_ID, table=alias), *[e.as_(f"__v{i}") for i, (_, e) in enumerate(sets)]) \
            .from_(exp.table_(TARGET, alias=alias)).join(exp.table_(EXCLUDED, alias=EXCLUDED.lower()),
                                                          on=exp.column(ROW_ID, table=alias).eq(exp.column(ROW_ID, table=EXCLUDED.lower())))
        if where is not None:
            query = query.where(where)
        from frames import from_arrow

        found = ctx._rows(query, {TARGET: table.with_row_ids(), EXCLUDED: from_arrow(clashing)._node})
        updated = _apply_sets(table, found, [c for c, _ in sets]) if sets else table
        count = found.num_rows
    ctx._store(table.name, updated.appended(fresh))
    return count + fresh.num_rows


def _conflicts(table: MemoryTable, rows: pa.Table, key: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(whether each row is the first with its key among ``rows``, the position of the table's
    row with that key or -1)."""
    index = table.index(key)
    existing = np.full(rows.num_rows, -1, dtype=np.int64)
    first = np.ones(rows.num_rows, dtype=bool)
    seen: set = set()
    for i, values in enumerate(key_tuples(rows, key)):
        if values is None:
            continue
        if values in seen:
            first[i] = False
        seen.add(values)
        existing[i] = index.positions.get(values, -1)
    return first, existing


def _excluded(e: exp.Expression, alias: str) -> exp.Expression:
    """ON CONFLICT's expressions: ``excluded.x`` is the row being inserted, a bare name the row in
    the table."""
    def fix(node):
        if isinstance(node, exp.Column):
            if node.table.lower() == "excluded":
                return exp.column(node.name, table=EXCLUDED.lower())
            if not node.table:
                return exp.column(node.name, table=alias)
        return node
    return e.copy().transform(fix)


def _conflict_key(table: MemoryTable, conflict) -> tuple[str, ...]:
    if conflict is not None and conflict.args.get("conflict_keys"):
        wanted = tuple(k.this.name if isinstance(k, exp.Ordered) else k.name for k in conflict.args["conflict_keys"])
        for key in table.keys:
            if tuple(k.lower() for k in key) == tuple(w.lower() for w in wanted):
                return key
        raise SqlError(f"ON CONFLICT ({', '.join(wanted)}): table {table.name!r} has no PRIMARY KEY or UNIQUE constraint on those columns")
    if not table.keys:
        raise SqlError(f"ON CONFLICT / INSERT OR REPLACE on table {table.name!r}, which has no PRIMARY KEY or UNIQUE constraint")
    if len(table.keys) > 1:
        raise SqlError(f"ON CONFLICT without columns on table {table.name!r}, which has several keys: name one")
    return table.keys[0]


def _apply_sets(table: MemoryTable, found: pa.Table, columns: list[ColumnSpec]) -> MemoryTable:
    """``found`` (row id, then one value per column) written into ``table``; a row found twice
    takes its last value."""
    ids = found.column(0).combine_chunks()
    keep = _last_per_id(ids)
    ids = pc.take(ids, keep)
    values = {c.name: cast_column(pc.take(found.column(i + 1), keep), c, table.name) for i, c in enumerate(columns)}
    return table.updated(ids, values)


def _last_per_id(ids: pa.Array) -> pa.Array:
    arr = np.asarray(ids.to_numpy(zero_copy_only=False))
    _, last = np.unique(arr[::-1], return_index=True)
    return pa.array(len(arr) - 1 - last)


# -- UPDATE / DELETE / TRUNCATE ------------------------------------------------------------------
def _matching(ctx: "Context", table: MemoryTable, target: exp.Table, outputs: list[exp.Expression],
              sources: list[exp.Expression], where: exp.Expression | None) -> pa.Table:
    """(row id, *outputs) of the target's rows that WHERE keeps, joined with ``sources``."""
    alias = target.alias_or_name
    query = exp.select(exp.column(ROW_ID, table=alias), *[e.as_(f"__v{i}") for i, e in enumerate(outputs)]) \
        .from_(exp.table_(TARGET, alias=alias))
    for s in sources:
        s = s.copy()
        joins = s.args.pop("joins", None) or []
        query = query.join(s, join_type="cross")
        for j in joins:
            query.append("joins", j)
    if where is not None:
        query = query.where(where.copy())
    return ctx._rows(query, {TARGET: table.with_row_ids()})


def _sources(st: exp.Expression, arg: str) -> list[exp.Expression]:
    """UPDATE's FROM / DELETE's USING tables (each with the joins sqlglot hangs on it)."""
    found = st.args.get(arg)
    if not isinstance(found, (exp.Expression, list)):  # absent (sqlglot may leave False)
        return []
    if isinstance(found, exp.From):
        return [found.this]
    return list(found) if isinstance(found, list) else [found]


def update(ctx: "Context", st: exp.Update) -> int:
    target = st.this
    table = ctx.catalog.writable(target.name)
    sets = []
    for eq in st.expressions:
        if not isinstance(eq, exp.EQ) or not isinstance(eq.this, exp.Column):
            raise UnsupportedFeatureError(f"the SET item {eq.sql('duckdb')!r}")
        sets.append((table.column(eq.this.name), eq.expression))
    if len({c.name for c, _ in sets}) != len(sets):
        raise InvalidArgumentError(f"a column is set twice in UPDATE {table.name}")
    where = st.args.get("where")
    found = _matching(ctx, table, target, [e for _, e in sets], _sources(st, "from_"), where.this if where else None)
    new = _apply_sets(table, found, [c for c, _ in sets]) if found.num_rows else table
    ctx._store(target.name, new)
    ids = pc.take(found.column(0).combine_chunks(), _last_per_id(found.column(0).combine_chunks()))
    return _returning(ctx, st, target.alias_or_name, len(ids), lambda: _rows_at(new, ids))


def delete(ctx: "Context", st: exp.Delete) -> int:
    target = st.this
    table = ctx.catalog.writable(target.name)
    where = st.args.get("where")
    sources = _sources(st, "using")
    if where is None and not sources:
        ctx._store(target.name, table.with_chunks(()))
        return _returning(ctx, st, target.alias_or_name, table.num_rows, lambda: _rows_at(table, None))
    found = _matching(ctx, table, target, [], sources, where.this if where else None)
    ids = pc.unique(found.column(0).combine_chunks())
    if len(ids):
        ctx._store(target.name, table.deleted(ids))
    return _returning(ctx, st, target.alias_or_name, len(ids), lambda: _rows_at(table, ids))


def _rows_at(table: MemoryTable, ids: pa.Array | None) -> pa.Table:
    """The rows at positions ``ids`` (None: all), in position order."""
    whole = pa.concat_tables(table.chunks) if table.chunks else table.schema.empty_table()
    return whole if ids is None else whole.take(pc.take(ids, pc.sort_indices(ids)))


def truncate(ctx: "Context", st: exp.TruncateTable) -> int:
    count = 0
    tables = [(t.name, ctx.catalog.writable(t.name)) for t in st.expressions]
    for name, table in tables:
        ctx._store(name, table.with_chunks(()))
        count += table.num_rows
    return count


# -- ALTER TABLE --------------------------------------------------------------------------------
def alter(ctx: "Context", st: exp.Alter) -> None:
    kind = (st.args.get("kind") or "").upper()
    name = st.this.name
    if name not in ctx.catalog:
        if st.args.get("exists"):
            return None
        from planner.errors import TableNotFoundError

        raise TableNotFoundError(name, ctx.catalog.names())
    for action in st.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            new_name = action.this.name
            if new_name in ctx.catalog:
                raise InvalidArgumentError(f"cannot rename {name!r} to {new_name!r}: {new_name!r} already exists")
            entry = ctx.catalog.entry(name)
            if isinstance(entry, MemoryTable):
                entry = replace(entry, name=new_name, _indexes={})
            ctx._store(new_name, entry)
            ctx._store(name, None)
            name = new_name
            continue
        if kind != "TABLE":
            raise UnsupportedFeatureError(f"ALTER {kind} {action.sql('duckdb')}")
        table = ctx.catalog.writable(name)
        handler = _ALTER.get(type(action))
        if handler is None:
            raise UnsupportedFeatureError(f"ALTER TABLE ... {action.sql('duckdb')}")
        new = handler(ctx, table, action)
        if new is not None:
            ctx._store(name, new)
    return None


def _add_column(ctx: "Context", table: MemoryTable, action: exp.ColumnDef) -> MemoryTable | None:
    if any(c.name.lower() == action.name.lower() for c in table.columns):
        if action.args.get("exists"):
            return None
        raise InvalidArgumentError(f"column {action.name!r} already exists in table {table.name!r}")
    spec, key, unique = _column_def(action)
    if key:
        raise UnsupportedFeatureError("ALTER TABLE ... ADD COLUMN with PRIMARY KEY")
    chunks = [t.append_column(spec.name, default_values(ctx, spec, t.num_rows, table.name)) for t in table.chunks]
    return table.restructured(table.columns + (spec,), chunks,
                              unique=table.unique + (((spec.name,),) if unique else ()))


def _drop_column(ctx: "Context", table: MemoryTable, action: exp.Drop) -> MemoryTable | None:
    (column,) = action.args.get("tables") or [action.this]
    try:
        spec = table.column(column.name)
    except ColumnNotFoundError:
        if action.args.get("exists"):
            return None
        raise
    if any(spec.name in key for key in table.keys):
        raise SqlError(f"cannot drop column {spec.name!r} of table {table.name!r}: a PRIMARY KEY or UNIQUE constraint uses it")
    if len(table.columns) == 1:
        raise SqlError(f"cannot drop column {spec.name!r}: it is the only column of table {table.name!r}")
    return table.restructured([c for c in table.columns if c is not spec], [t.drop_columns([spec.name]) for t in table.chunks])


def _rename_column(ctx: "Context", table: MemoryTable, action: exp.RenameColumn) -> MemoryTable:
    spec = table.column(action.this.name)
    new = action.args["to"].name
    if any(c.name.lower() == new.lower() for c in table.columns if c is not spec):
        raise InvalidArgumentError(f"column {new!r} already exists in table {table.name!r}")
    rename: Callable[[str], str] = lambda n: new if n == spec.name else n  # noqa: E731
    columns = [replace(c, name=new) if c is spec else c for c in table.columns]
    chunks = [t.rename_columns([rename(n) for n in t.column_names]) for t in table.chunks]
    return table.restructured(columns, chunks, primary_key=tuple(map(rename, table.primary_key)),
                              unique=tuple(tuple(map(rename, k)) for k in table.unique))


def _alter_column(ctx: "Context", table: MemoryTable, action: exp.AlterColumn) -> MemoryTable:
    """ALTER COLUMN: TYPE / SET DATA TYPE (values cast as INSERT casts them), SET / DROP DEFAULT,
    SET / DROP NOT NULL; the whole table checked again."""
    spec = table.column(action.name)
    if action.args.get("using"):
        raise UnsupportedFeatureError("ALTER COLUMN ... TYPE ... USING")
    new, chunks = spec, list(table.chunks)
    if action.args.get("dtype") is not None:
        new = replace(spec, type=column_type(action.args["dtype"], spec.name))
        i = table.schema.get_field_index(spec.name)
        chunks = [t.set_column(i, pa.field(spec.name, new.type), cast_column(t.column(i), new, table.name)) for t in chunks]
    elif action.args.get("default") is not None:
        new = replace(spec, default=action.args["default"])
    elif action.args.get("allow_null") is not None:
        new = replace(spec, not_null=not action.args["allow_null"])
    elif action.args.get("drop"):
        new = replace(spec, default=None)
    else:
        raise UnsupportedFeatureError(f"ALTER TABLE ... {action.sql('duckdb')}")
    return table.restructured([new if c is spec else c for c in table.columns], chunks)


_ALTER = {exp.ColumnDef: _add_column, exp.Drop: _drop_column, exp.RenameColumn: _rename_column,
          exp.AlterColumn: _alter_column}


# -- CREATE TABLE AS, COPY FROM -------------------------------------------------------------------
def table_from_result(name: str, schema: pa.Schema, chunks: list[pa.Table]) -> MemoryTable:
    """The writable table CREATE TABLE ... AS makes of a query's result partitions, one chunk each
    (a column of untyped NULLs becomes INTEGER: DuckDB keeps a "NULL" type that no value fits)."""
    fields = [pa.field(f.name, pa.int32() if pa.types.is_null(f.type) else f.type) for f in schema]
    target = pa.schema(fields)
    chunks = [t.cast(target) if t.schema != target else t for t in chunks]
    columns = tuple(ColumnSpec(f.name, f.type) for f in target)
    return MemoryTable(name, columns, tuple(t for t in chunks if t.num_rows))


def copy_from(ctx: "Context", st: exp.Copy, path: str) -> int:
    """``COPY t [(cols)] FROM 'path' (options)``: the file's rows appended by position, read by
    the ``read_csv`` / ``read_parquet`` / ``read_json`` table functions with the statement's
    options (FORMAT picks the reader; otherwise the file name does)."""
    from planner.copy import copy_options, infer_format

    options = copy_options(st)
    fmt = str(options.pop("format", None) or infer_format(path)).lower()
    if fmt not in ("csv", "parquet", "json"):
        raise InvalidArgumentError(f"COPY ... FROM with FORMAT {fmt!r} (csv, parquet, json)")
    args = [exp.Literal.string(path)] + [exp.EQ(this=exp.column(k), expression=_option_value(v)) for k, v in options.items()]
    source = exp.select("*").from_(exp.Table(this=exp.Anonymous(this=f"read_{fmt}", expressions=args)))
    target = st.this
    return insert(ctx, exp.Insert(this=target.copy(), expression=source))


def _option_value(v) -> exp.Expression:
    if isinstance(v, bool):
        return exp.Boolean(this=v)
    if isinstance(v, (int, float)):
        return exp.Literal.number(v)
    if isinstance(v, list):
        return exp.Array(expressions=[_option_value(x) for x in v])
    return exp.Literal.string(str(v))
