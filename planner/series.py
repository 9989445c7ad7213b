"""Generated tables in FROM, from constant arguments: ``range``, ``generate_series`` and ``unnest``
(the file readers are ``planner.table_functions``).

Each call is evaluated when the query is planned into an Arrow table (a constant relation, like
VALUES) and the call in the AST is replaced by a name for it, so sqlglot's passes see an ordinary
table with a known schema (``SELECT *`` expands, ``AS t(x)`` renames). As in DuckDB:

- ``range(stop)``, ``range(start, stop[, step])``: ``start`` up to ``stop`` excluded, column
  ``range``; ``generate_series`` is the same with ``stop`` included, column ``generate_series``.
  Integers give BIGINT; dates or timestamps with an INTERVAL step give TIMESTAMP. A zero step is an
  error (the series would not end).
- ``unnest([...])``: one row per element of a constant list, column ``unnest``.

Arguments that read columns (``FROM t, range(t.n)``: a lateral call) are refused by name.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
from sqlglot import exp

from frames.errors import InvalidArgumentError
from frames.dataframe.expr.node import Node as FramesNode
from planner.errors import UnsupportedFeatureError

MAX_ROWS = 100_000_000
"""A series longer than this is refused (it would be built in memory)."""
ROWS_PER_PARTITION = 1_000_000
"""Long series are split into partitions of this many rows, so what reads them runs in parallel."""


def replace_table_functions(query: exp.Expression, files: dict[str, FramesNode]) -> exp.Expression:
    """``query`` with every constant table function in FROM replaced by a table name; the tables
    are added to ``files``."""
    calls = [t for t in query.find_all(exp.Table) if isinstance(t.this, exp.GenerateSeries)]
    calls += [u for u in query.find_all(exp.Unnest) if isinstance(u.parent, (exp.From, exp.Join))]
    if not calls:
        return query
    query = query.copy()
    found = [t for t in query.find_all(exp.Table) if isinstance(t.this, exp.GenerateSeries)]
    found += [u for u in query.find_all(exp.Unnest) if isinstance(u.parent, (exp.From, exp.Join))]
    from frames.dataframe.expr.sources import FromTables, split_table

    for i, node in enumerate(found):
        if isinstance(node, exp.Table):
            table = _series(node.this)
            default = table.column_names[0]
        else:
            table = _unnest(node)
            default = "unnest"
        name = f"__table_function{i}"
        files[name] = FromTables(split_table(table, -(-table.num_rows // ROWS_PER_PARTITION) or 1), table.schema)
        alias = node.args.get("alias")
        if alias is None or not alias.columns:
            alias = alias.copy() if alias is not None else exp.TableAlias(this=exp.to_identifier(default))
            node.replace(exp.Table(this=exp.to_identifier(name), alias=alias))
            continue
        # AS t(x): the column renamed in a subquery (sqlglot does not rename a table's columns)
        if len(alias.columns) != table.num_columns:
            raise InvalidArgumentError(f"{alias.sql()} names {len(alias.columns)} columns; the table function has {table.num_columns}")
        renamed = exp.select(*[exp.column(c, quoted=True).as_(a.name, quoted=a.quoted) for c, a in zip(table.column_names, alias.columns)]).from_(name)
        node.replace(exp.Subquery(this=renamed, alias=exp.TableAlias(this=alias.this.copy())))
    return query


def _constant(e: exp.Expression, what: str):
    """The value of a constant argument (a Python value), or a clear error."""
    from planner.expressions import ExpressionTranslator
    from frames.dataframe.expr.scalar import Lit

    def refuse(c: exp.Column):
        raise UnsupportedFeatureError(f"{what} with arguments that read columns ({c.sql()}): lateral table functions")

    if isinstance(e, exp.Cast) and isinstance(e.this, exp.Literal) and e.this.is_string and e.to.is_type(*exp.DataType.TEMPORAL_TYPES):
        text = e.this.name
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidArgumentError(f"{what}: {text!r} is not a date or timestamp") from None
        return stamp.date() if e.to.is_type(exp.DataType.Type.DATE) else stamp
    value = ExpressionTranslator(refuse)(e)
    if not isinstance(value, Lit):
        table = pa.table({"__one": [1]})
        out = value.evaluate(table)
        return out.as_py() if isinstance(out, pa.Scalar) else out[0].as_py()
    return value.value


def _interval(e: exp.Interval) -> dt.timedelta | tuple[int, str]:
    """A step INTERVAL: a timedelta, or (n, "month") for calendar steps."""
    n = int(str(e.this.name if isinstance(e.this, exp.Literal) else e.this.sql()))
    unit = (e.unit.name if e.unit is not None else "DAY").lower().rstrip("s")
    fixed = {"microsecond": dt.timedelta(microseconds=1), "millisecond": dt.timedelta(milliseconds=1),
             "second": dt.timedelta(seconds=1), "minute": dt.timedelta(minutes=1), "hour": dt.timedelta(hours=1),
             "day": dt.timedelta(days=1), "week": dt.timedelta(weeks=1)}
    if unit in fixed:
        return n * fixed[unit]
    if unit in ("month", "year", "quarter"):
        return (n * {"month": 1, "quarter": 3, "year": 12}[unit], "month")
    raise UnsupportedFeatureError(f"a series step of INTERVAL unit {unit.upper()}")


def _series(call: exp.GenerateSeries) -> pa.Table:
    inclusive = not call.args.get("is_end_exclusive")
    name = "generate_series" if inclusive else "range"
    start, end, step = (call.args.get(k) for k in ("start", "end", "step"))
    if end is None:
        start, end = exp.Literal.number(0), start
    if isinstance(step, exp.Interval) or (step is not None and isinstance(step, exp.Neg) and isinstance(step.this, exp.Interval)):
        return _time_series(name, _constant(start, name), _constant(end, name), step, inclusive)
    lo, hi = _constant(start, name), _constant(end, name)
    by = _constant(step, name) if step is not None else 1
    if any(isinstance(v, (dt.date, dt.datetime)) for v in (lo, hi)):
        raise UnsupportedFeatureError(f"{name} over dates without an INTERVAL step")
    if any(v is None for v in (lo, hi, by)):
        return pa.table({name: pa.array([], pa.int64())})
    for v in (lo, hi, by):
        if not isinstance(v, int) or isinstance(v, bool):
            raise UnsupportedFeatureError(f"{name} over {v} (integers, dates and timestamps are supported)")
    if by == 0:
        raise InvalidArgumentError(f"{name}: the step must not be 0")
    stop = hi + (1 if by > 0 else -1) if inclusive else hi
    count = max(0, -(-(stop - lo) // by))
    if count > MAX_ROWS:
        raise InvalidArgumentError(f"{name} of {count:,} rows is larger than the {MAX_ROWS:,} rows it may build")
    import numpy as np

    return pa.table({name: pa.array(lo + by * np.arange(count, dtype=np.int64), pa.int64())})


def _time_series(name: str, lo, hi, step: exp.Expression, inclusive: bool) -> pa.Table:
    negate = isinstance(step, exp.Neg)
    by = _interval(step.this if negate else step)
    if negate:
        by = -by if isinstance(by, dt.timedelta) else (-by[0], by[1])
    if lo is None or hi is None:
        return pa.table({name: pa.array([], pa.timestamp("us"))})
    lo, hi = (v if isinstance(v, dt.datetime) else dt.datetime.combine(v, dt.time()) for v in (lo, hi))
    zero = by == dt.timedelta(0) if isinstance(by, dt.timedelta) else by[0] == 0
    if zero:
        raise InvalidArgumentError(f"{name}: the step must not be 0")
    forward = by > dt.timedelta(0) if isinstance(by, dt.timedelta) else by[0] > 0
    import calendar

    values, k, v = [], 0, lo
    while True:
        if k and isinstance(by, dt.timedelta):
            v = lo + k * by
        elif k:  # calendar steps add to the previous value (Jan 31, Feb 29, Mar 29, ... as DuckDB)
            months = v.month - 1 + by[0]
            year, month = v.year + months // 12, months % 12 + 1
            v = v.replace(year=year, month=month, day=min(v.day, calendar.monthrange(year, month)[1]))
        if (v > hi or (v == hi and not inclusive)) if forward else (v < hi or (v == hi and not inclusive)):
            break
        values.append(v)
        k += 1
        if k > MAX_ROWS:
            raise InvalidArgumentError(f"{name} is larger than the {MAX_ROWS:,} rows it may build")
    return pa.table({name: pa.array(values, pa.timestamp("us"))})


def _unnest(node: exp.Unnest) -> pa.Table:
    if len(node.expressions) != 1:
        raise UnsupportedFeatureError("unnest of several lists in FROM")
    arg = node.expressions[0]
    if not isinstance(arg, exp.Array):
        raise UnsupportedFeatureError(f"unnest in FROM of anything but a constant list ({arg.sql()})")
    values = [_constant(e, "unnest") for e in arg.expressions]
    try:
        column = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        column = pa.array([float(v) if v is not None else None for v in values], pa.float64())
    if pa.types.is_null(column.type):
        column = column.cast(pa.int32())
    return pa.table({"unnest": column})
