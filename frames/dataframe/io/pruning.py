"""Deciding from min/max statistics (or a file's partition values) that no row can match.

Judged: ``column <op> constant`` comparisons, ``IN``, ``IS [NOT] NULL``, and ``AND``/``OR`` of
those; anything else is assumed to match, so pruning can skip work but never drop a matching row.
The scan still applies its filter row by row afterwards.

Statistics exclude NaN (Arrow's writer leaves NaN out of min/max), and the engine's ``IS NULL``
counts NaN as NULL and ``NaN != x`` is true; so ``!=`` and ``IS NULL`` are only judged on columns
whose statistics are not floating point.
"""

from __future__ import annotations

from typing import Any, Mapping

import pyarrow as pa

from frames.dataframe.expr.scalar import Call, Col, Lit, ScalarExpr, conjuncts

_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}
_UNKNOWN = object()


def _value(lit: Lit) -> Any:
    """The literal as the Python value statistics compare with (``Lit("2020-01-02", date32)`` is a
    date); ``_UNKNOWN`` when it does not convert."""
    if lit.type is None:
        return lit.value
    try:
        return pa.scalar(lit.value, type=lit.type).as_py()
    except (pa.ArrowException, TypeError, ValueError):
        return _UNKNOWN


def _simple(pred: ScalarExpr) -> tuple[str, str, Any] | None:
    if not isinstance(pred, Call):
        return None
    if pred.func in _FLIP and len(pred.args) == 2:
        a, b = pred.args
        if isinstance(a, Col) and isinstance(b, Lit):
            return a.name, pred.func, _value(b)
        if isinstance(b, Col) and isinstance(a, Lit):
            return b.name, _FLIP[pred.func], _value(a)
    if pred.func == "is_in" and pred.args and isinstance(pred.args[0], Col):
        return pred.args[0].name, "in", tuple(dict(pred.options).get("values", ()))
    if pred.func in ("is_null", "is_not_null") and len(pred.args) == 1 and isinstance(pred.args[0], Col):
        return pred.args[0].name, pred.func, None
    if pred.func == "not" and len(pred.args) == 1:  # NOT x IS NULL: the null guard IN subqueries get
        inner = pred.args[0]
        if isinstance(inner, Call) and inner.func == "is_null" and len(inner.args) == 1 and isinstance(inner.args[0], Col):
            return inner.args[0].name, "is_not_null", None
    return None


def may_match(predicate: ScalarExpr | None, stats: Mapping[str, tuple[Any, Any, int, int]]) -> bool:
    """False only when ``stats`` (column -> (min, max, null_count, num_values)) prove no row of
    the chunk satisfies ``predicate``. ``num_values`` counts NULLs too; ``null_count`` is None when
    unknown."""
    if predicate is None:
        return True
    return all(_may_match(part, stats) for part in conjuncts(predicate))


def _may_match(pred: ScalarExpr, stats: Mapping[str, tuple[Any, Any, int, int]]) -> bool:
    if isinstance(pred, Call) and pred.func == "and":
        return all(_may_match(a, stats) for a in pred.args)
    if isinstance(pred, Call) and pred.func == "or":
        return any(_may_match(a, stats) for a in pred.args)
    simple = _simple(pred)
    if simple is None:
        return True  # not a shape statistics can judge
    column, op, value = simple
    if column not in stats or value is _UNKNOWN:
        return True
    lo, hi, nulls, count = stats[column]
    floating = isinstance(lo, float) or isinstance(hi, float)
    all_null = nulls is not None and count > 0 and nulls == count
    if op == "is_not_null":
        return not all_null
    if op == "is_null":
        return nulls is None or nulls > 0 or lo is None or floating or count == 0
    if value is None:
        return True  # comparing with NULL: the row-level filter decides
    if all_null:
        return False  # all NULL: no comparison (nor IN, which skips NULLs) is true
    if lo is None or hi is None:
        return True
    try:
        if op == "eq":
            return lo <= value <= hi
        if op == "ne":
            return floating or not (lo == hi == value)
        if op == "lt":
            return lo < value
        if op == "le":
            return lo <= value
        if op == "gt":
            return hi > value
        if op == "ge":
            return hi >= value
        if op == "in":
            return any(v is None or lo <= v <= hi for v in value) if value else False
    except TypeError:
        return True  # incomparable kinds (a date against a string): keep the chunk
    return True


def filter_selectivity(predicate: ScalarExpr | None, stats: Mapping[str, tuple[Any, Any, int, int]] | None = None) -> float:
    """A rough fraction of rows a filter keeps, for size estimates (join strategies) once a filter
    lives inside a scan rather than in a Filter node above it.

    Conjuncts multiply (independence). With ``stats`` (column -> (min, max, ...) over the rows
    scanned), a range on a numeric or date column keeps the share of [min, max] it covers, as if
    values were uniform (TPC-H q14's one month of seven years of ship dates: 1.2%, where a flat guess
    says 25%); an equality keeps 10%, an IN list 10% per value, a LIKE 5-10%; anything else keeps
    half. At least 0.1%."""
    if predicate is None:
        return 1.0
    share = 1.0
    ranges: dict[str, list] = {}
    for part in conjuncts(predicate):
        pattern = _like_share(part)
        if pattern is not None:
            share *= pattern
            continue
        simple = _simple(part)
        if simple is None or simple[2] is _UNKNOWN:
            share *= 0.5
            continue
        column, op, value = simple
        if op in ("lt", "le", "gt", "ge") and stats is not None and _numeric_range(stats.get(column), value):
            lo, hi = ranges.setdefault(column, list(_as_number(v) for v in stats[column][:2]))
            x = _as_number(value)
            if op in ("lt", "le"):
                ranges[column][1] = min(hi, x)
            else:
                ranges[column][0] = max(lo, x)
        elif op == "eq":
            share *= 0.1
        elif op == "in":
            share *= min(1.0, 0.1 * max(len(value), 1))
        elif op == "ne" or op == "is_not_null":
            share *= 0.9
        else:
            share *= 0.5
    for column, (lo, hi) in ranges.items():
        full_lo, full_hi = (_as_number(v) for v in stats[column][:2])
        width = full_hi - full_lo
        share *= 1.0 if width <= 0 else min(max((hi - lo) / width, 0.0), 1.0)
    return max(share, 0.001)


def _like_share(part: ScalarExpr) -> float | None:
    """A LIKE on a column keeps 5% with a literal prefix (a narrow range of strings: TPC-H q20's
    ``p_name LIKE 'forest%'`` keeps 1%), 10% otherwise; NOT LIKE the rest. None: not a LIKE."""
    negated = isinstance(part, Call) and part.func == "not" and len(part.args) == 1
    inner = part.args[0] if negated else part
    if not (isinstance(inner, Call) and inner.func == "like" and inner.args and isinstance(inner.args[0], Col)):
        return None
    pattern = str(dict(inner.options).get("pattern", ""))
    share = 0.05 if pattern[:1] not in ("%", "_", "") else 0.1
    return 1.0 - share if negated else share


def _as_number(value: Any) -> float:
    import datetime

    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, datetime.date):
        return float(value.toordinal())
    return float(value)


def _numeric_range(stat: tuple | None, value: Any) -> bool:
    """Whether a column's (min, max) and ``value`` are numbers or dates that can be placed on one line."""
    import datetime
    import decimal

    kinds = (int, float, decimal.Decimal, datetime.date)
    if stat is None or stat[0] is None or stat[1] is None or value is None:
        return False
    if isinstance(value, bool) or not all(isinstance(v, kinds) for v in (stat[0], stat[1], value)):
        return False
    dates = [isinstance(v, datetime.date) for v in (stat[0], stat[1], value)]
    return all(dates) or not any(dates)
