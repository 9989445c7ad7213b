"""reduce_grouped_join: aggregate only the groups a join will keep.

A join on the group keys of an aggregate keeps only the groups whose keys the other side has. When
the other side is much smaller than the aggregate's input, the input is first semi-joined with the
other side's keys, so rows of groups the join would drop are never aggregated (a "semi-join
reduction"). Decorrelated subqueries have this shape: TPC-H q17 averages the quantity of every part
in lineitem (6M rows, 200k groups) to join it with the ~200 parts of one brand and container.

It is valid for an inner join, for the non-preserved side of a left/right join, and for the right
side of a semi join: a group whose keys the other side lacks finds no partner there anyway. The
rewrite happens once per aggregate (the reducing semi-join's key columns carry a marker name).

Before:  Join inner on [part.k = agg.k]          After:  Join inner on [part.k = agg.k]
           Scan part (filtered, small)                     Scan part (filtered, small)
           Aggregate keys=[k] avg(q)                       Aggregate keys=[k] avg(q)
             Scan lineitem                                   Join semi on [k = __reduce.part.k]
                                                               Scan lineitem
                                                               Project part.k AS __reduce.part.k
                                                                 Scan part (filtered, small)
"""

from __future__ import annotations

from frames.dataframe.expr.scalar import Col
from planner.logical import Aggregate, Filter, Join, LogicalPlan, Project, transform_up

MARK = "__reduce."
SHRINK = 4.0  # reduce only when the other side is estimated at most 1/SHRINK of the aggregate's input (or keeps 1/SHRINK of its rows)


def reduce_grouped_join(plan: LogicalPlan, ctx) -> LogicalPlan:
    def rewrite(node: LogicalPlan) -> LogicalPlan:
        if not isinstance(node, Join) or not node.left_on:
            return node
        sides = []
        if node.how in ("inner", "left", "semi"):
            sides.append("right")
        if node.how in ("inner", "right"):
            sides.append("left")
        for side in sides:
            grouped, other = (node.right, node.left) if side == "right" else (node.left, node.right)
            keys, other_keys = (node.right_on, node.left_on) if side == "right" else (node.left_on, node.right_on)
            found = _aggregate_below(grouped, keys)
            if found is None:
                continue
            agg, agg_keys = found
            if _reduced(agg) or not _worth_it(other, agg):
                continue
            names = tuple(dict.fromkeys(other_keys))
            source, columns = _key_source(other, names)
            probe = Project(source, tuple((MARK + k, Col(columns[k])) for k in names))
            reduced = Join(agg.child, probe, "semi", agg_keys, tuple(MARK + k for k in other_keys))
            new_agg = agg.with_inputs(reduced)
            new_grouped = transform_up(grouped, lambda n: new_agg if n is agg else n)
            return node.with_inputs(*((other, new_grouped) if side == "right" else (new_grouped, other)))
        return node

    return transform_up(plan, rewrite)


def _key_source(other: LogicalPlan, names: tuple[str, ...]) -> tuple[LogicalPlan, dict[str, str]]:
    """Where the semi-join takes the other side's keys from (with the keys' names there): the
    other side itself or, when it is an inner join (under filters and renames) whose keys all come
    from one input no bigger than the join, that input. Its keys are a superset of the join's, so
    no group the join keeps is dropped, and the semi-join no longer waits for the whole join:
    TPC-H q17 reads lineitem once for its join with part and for the averages, and each partition
    was held (2.1 GB spilled under 2 GB at SF10) until all of lineitem had met part, where part
    alone has the keys."""
    best = (other, dict(zip(names, names)))
    source, inner = other, names  # the keys' names at ``source``
    while True:
        if isinstance(source, Filter):
            source = source.child
        elif isinstance(source, Project):
            inner = _renamed(source, inner)
            if inner is None:
                return best
            source = source.child
        elif isinstance(source, Join) and source.how == "inner":
            side = next((s for s in (source.left, source.right) if set(inner) <= set(s.columns)), None)
            if side is None or side.estimated_bytes() > source.estimated_bytes():
                return best
            source, best = side, (side, dict(zip(names, inner)))
        else:
            return best


def _renamed(project: Project, names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The input columns ``project`` passes on as ``names`` (None: one of them is computed)."""
    exprs = dict(project.exprs)
    if not all(isinstance(exprs.get(k), Col) for k in names):
        return None
    return tuple(exprs[k].name for k in names)


def _worth_it(other: LogicalPlan, agg: Aggregate) -> bool:
    """Whether the other side probably holds few of the aggregate's groups: it is much smaller
    than the aggregate's input, or its filters keep a small share of its tables' rows (TPC-H q20:
    partsupp of the parts named 'forest%' against a year of lineitem; bytes alone did not tell,
    since partsupp rows are wider than lineitem's three columns). The semi-join costs one probe
    of the input against an index of the other side's keys."""
    return other.estimated_bytes() * SHRINK <= agg.child.estimated_bytes() or other.frames.selectivity() * SHRINK <= 1.0


def _aggregate_below(node: LogicalPlan, keys: tuple[str, ...]) -> tuple[Aggregate, tuple[str, ...]] | None:
    """The aggregate under ``node`` (through projections that pass the keys on as plain columns,
    and filters) whose group keys include every one of ``keys``; with the keys' names there."""
    while True:
        if isinstance(node, Aggregate):
            return (node, keys) if keys and all(k in node.keys for k in keys) else None
        if isinstance(node, Filter):
            node = node.child
            continue
        if isinstance(node, Project):
            keys = _renamed(node, keys)
            if keys is None:
                return None
            node = node.child
            continue
        return None


def _reduced(agg: Aggregate) -> bool:
    child = agg.child
    return isinstance(child, Join) and child.how == "semi" and any(k.startswith(MARK) for k in child.right_on)
