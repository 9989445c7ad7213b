"""Deciding from min/max statistics (or a file's partition values) that no row can match.

Only conjuncts of the form ``column <op> constant`` (and ``IN``/``IS NULL``) are judged; anything
else is assumed to match, so pruning can skip work but never drop a matching row.
"""

from __future__ import annotations

from typing import Any, Mapping

from frames.expr.scalar import Call, Col, Lit, ScalarExpr, conjuncts

_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


def _simple(pred: ScalarExpr) -> tuple[str, str, Any] | None:
    if not isinstance(pred, Call):
        return None
    if pred.func in _FLIP and len(pred.args) == 2:
        a, b = pred.args
        if isinstance(a, Col) and isinstance(b, Lit):
            return a.name, pred.func, b.value
        if isinstance(b, Col) and isinstance(a, Lit):
            return b.name, _FLIP[pred.func], a.value
    if pred.func == "is_in" and isinstance(pred.args[0], Col):
        return pred.args[0].name, "in", dict(pred.options).get("values", ())
    return None


def may_match(predicate: ScalarExpr | None, stats: Mapping[str, tuple[Any, Any, int, int]]) -> bool:
    """False only when ``stats`` (column -> (min, max, null_count, num_values)) prove no row of
    the chunk satisfies ``predicate``."""
    if predicate is None:
        return True
    for part in conjuncts(predicate):
        simple = _simple(part)
        if simple is None:
            continue
        column, op, value = simple
        if column not in stats or value is None:
            continue
        lo, hi, nulls, count = stats[column]
        if nulls == count and count > 0:
            return False  # all NULL: no comparison is true
        if lo is None or hi is None:
            continue
        try:
            if op == "eq" and (value < lo or value > hi):
                return False
            if op == "lt" and not lo < value:
                return False
            if op == "le" and not lo <= value:
                return False
            if op == "gt" and not hi > value:
                return False
            if op == "ge" and not hi >= value:
                return False
            if op == "in" and value and all(v is not None and (v < lo or v > hi) for v in value):
                return False
        except TypeError:
            continue  # incomparable kinds: keep the chunk
    return True


def filter_selectivity(predicate: ScalarExpr | None) -> float:
    """A rough fraction of rows a filter keeps (half per conjunct, at least 1%), for size estimates
    once a filter lives inside a scan rather than in a Filter node above it."""
    if predicate is None:
        return 1.0
    return max(0.5 ** len(conjuncts(predicate)), 0.01)
