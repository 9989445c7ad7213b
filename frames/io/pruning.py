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

from frames.expr.scalar import Call, Col, Lit, ScalarExpr, conjuncts

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


def filter_selectivity(predicate: ScalarExpr | None) -> float:
    """A rough fraction of rows a filter keeps (half per conjunct, at least 1%), for size estimates
    once a filter lives inside a scan rather than in a Filter node above it."""
    if predicate is None:
        return 1.0
    return max(0.5 ** len(conjuncts(predicate)), 0.01)
