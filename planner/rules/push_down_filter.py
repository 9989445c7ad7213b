"""push_down_filter: move every filter as close to the data as it can go, into the scan.

``filter(op(x)) = op(filter(x))`` holds for row-wise ``op``: a projection (the predicate is rewritten
through the projected expressions), a sort without limit, each input of a UNION ALL, an aggregate
when the conjunct reads only group keys, a window when it reads only PARTITION BY keys (whole
partitions are kept or dropped). A conjunct crosses an inner or cross join to the side whose columns
it reads (an equality between the two sides becomes a join key), an outer join only to its preserved
side, a semi/anti join to its left side. A limit, a top-k and a ``RowId`` stop it (row ids
must not depend on which reader of a shared subtree filtered it). In a ``Scan`` the filter is
applied while reading; lowering hands it to the frames scan (``with_filter``), which also prunes
Parquet row groups by statistics and hive directories by value.

Before:  Filter (t.x > 5)                  After:  Project x AS t.x, y AS t.y
           Project x AS t.x, y AS t.y                Scan t: columns=[x, y] filter=(x > 5)
             Scan t
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from frames.expr.scalar import Call, Col, Lit, ScalarExpr, conjunction, conjuncts
from planner.logical import (Aggregate, Filter, Join, LogicalPlan, Project, Scan, Sort, Union, Values, Window, same_explain,
                             transform_up)
from planner.rules.fold_constants import fold


def push_down_filter(plan: LogicalPlan, ctx) -> LogicalPlan:
    new = transform_up(plan, lambda n: _sink(n.child, conjuncts(n.predicate)) if isinstance(n, Filter) else n)
    return plan if same_explain(new, plan) else new  # a filter rebuilt where it was: nothing moved


def _sink(child: LogicalPlan, preds: list[ScalarExpr]) -> LogicalPlan:
    """``Filter(child, AND(preds))`` with as much as possible moved below ``child``."""
    preds = [fold(p) for p in preds]
    if any(isinstance(p, Lit) and (p.value is False or p.value is None) for p in preds):
        return _empty(child)
    preds = [p for p in preds if not (isinstance(p, Lit) and p.value is True)]
    if not preds:
        return child
    if isinstance(child, Scan):
        parts = (conjuncts(child.filter) if child.filter is not None else []) + preds
        parts = [p for p in dict.fromkeys(parts) if not _holds_for_every_row(p, child)]
        return replace(child, filter=conjunction(parts))
    if isinstance(child, Filter):
        return _sink(child.child, conjuncts(child.predicate) + preds)
    if isinstance(child, Project):
        mapping = dict(child.exprs)
        return child.with_inputs(_sink(child.child, [p.substitute(mapping) for p in preds]))
    if isinstance(child, Sort) and child.limit is None:
        return child.with_inputs(_sink(child.child, preds))
    if isinstance(child, Union):
        moved = []
        for c in child.children:
            rename = {out: Col(name) for out, name in zip(child.schema.names, c.schema.names)}
            moved.append(_sink(c, [p.substitute(rename) for p in preds]))
        return child.with_inputs(*moved)
    if isinstance(child, Aggregate):
        if not child.keys:  # one row even for no input: a constant filter (HAVING 1 = 0) must stay above
            return _keep(child, preds)
        return _split(child, preds, set(child.keys))
    if isinstance(child, Window):
        common = set.intersection(*(set(f.partition) for f in child.functions))
        return _split(child, preds, common)
    if isinstance(child, Join):
        return _sink_join(child, preds)
    return _keep(child, preds)  # Limit, TopK, RowId, Values: a filter must not pass them


def _empty(child: LogicalPlan) -> LogicalPlan:
    """What a filter that is FALSE (or NULL) for every row leaves of ``child``: no row, and nothing
    below it read. A conjunct becomes constant when it is substituted through a projection of
    literals: ``sale_type = 'w'`` pushed into the branches of a CTE's UNION ALL whose branches
    project ``'s' AS sale_type``, ``'c'``, ``'w'`` (TPC-DS q4, q11, q74 read every channel's fact table
    in each of the CTE's references before)."""
    return Values(child.schema.empty_table())


def _holds_for_every_row(pred: ScalarExpr, scan: Scan) -> bool:
    """``x IS NOT NULL`` (or ``NOT x IS NULL``) on a column the source declares non-nullable (a
    Parquet ``required`` column): the guard an IN subquery puts on its key. Dropped, it costs
    nothing to evaluate and no longer keeps two scans of one table apart (TPC-H q18 read lineitem
    twice: once with ``NOT l_orderkey IS NULL``, once without). Floats are kept: ``is_null``
    counts NaN as NULL."""
    if not isinstance(pred, Call):
        return False
    if pred.func == "not" and len(pred.args) == 1 and isinstance(pred.args[0], Call) and pred.args[0].func == "is_null":
        target = pred.args[0].args
    elif pred.func == "is_not_null":
        target = pred.args
    else:
        return False
    if len(target) != 1 or not isinstance(target[0], Col):
        return False
    source = scan.source
    schema = source.full_schema() if hasattr(source, "full_schema") else source.schema
    name = target[0].name
    if name not in schema.names:
        return False
    field = schema.field(name)
    return not field.nullable and not pa.types.is_floating(field.type)


def _split(child: LogicalPlan, preds: list[ScalarExpr], allowed: set[str]) -> LogicalPlan:
    """Conjuncts reading only ``allowed`` columns go below the (single-input) ``child``."""
    below = [p for p in preds if p.columns() <= allowed]
    above = [p for p in preds if not p.columns() <= allowed]
    if below:
        child = child.with_inputs(_sink(child.inputs()[0], below))
    return _keep(child, above)


def _keep(child: LogicalPlan, preds: list[ScalarExpr]) -> LogicalPlan:
    return Filter(child, conjunction(preds)) if preds else child


def _sink_join(join: Join, preds: list[ScalarExpr]) -> LogicalPlan:
    left, right = set(join.left.schema.names), set(join.right.schema.names)
    can_left = join.how in ("inner", "cross", "left", "semi", "anti")
    can_right = join.how in ("inner", "cross", "right")
    to_left, to_right, above = [], [], []
    lkeys, rkeys = list(join.left_on), list(join.right_on)
    for p in preds:
        cols = p.columns()
        if can_left and cols <= left:
            to_left.append(p)
        elif can_right and join.how != "semi" and cols <= right:
            to_right.append(p)
        elif join.how in ("inner", "cross") and _is_key_pair(p, left, right):
            a, b = p.args[0].name, p.args[1].name
            lkeys.append(a if a in left else b)
            rkeys.append(b if a in left else a)
        else:
            above.append(p)
    if not to_left and not to_right and len(lkeys) == len(join.left_on):
        return _keep(join, above)  # nothing crossed the join
    how = "inner" if join.how == "cross" and lkeys else join.how
    new = replace(join, left=_sink(join.left, to_left), right=_sink(join.right, to_right), how=how,
                  left_on=tuple(lkeys), right_on=tuple(rkeys))
    return _keep(new, above)


def _is_key_pair(p: ScalarExpr, left: set[str], right: set[str]) -> bool:
    if not (isinstance(p, Call) and p.func == "eq" and all(isinstance(a, Col) for a in p.args)):
        return False
    a, b = p.args[0].name, p.args[1].name
    return (a in left and b in right) or (a in right and b in left)
