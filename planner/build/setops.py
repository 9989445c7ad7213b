"""Set operations: UNION [ALL], INTERSECT, EXCEPT, with the ORDER BY / LIMIT of the whole operation."""

from __future__ import annotations

from sqlglot import exp

from frames.dataframe.expr.aggregate import AggSpec
from frames.dataframe.expr.scalar import Col, Lit, call
from frames.dataframe.expr.sort import SortKey
from planner.build.common import limit_of
from planner.errors import SqlColumnCountError, UnsupportedFeatureError
from frames.dataframe.expr.window import WindowFunction
from planner.logical import Aggregate, Filter, Limit, LogicalPlan as Node, Project, Sort, Union, Window

class SetOperationBuilder:
    """The part of ``QueryBuilder`` that plans set operations."""

    def _set_operation(self, q: exp.SetOperation, ctes: dict[str, Node]) -> Node:
        """UNION [ALL] concatenates; INTERSECT / EXCEPT compare whole rows with NULLs equal (set
        semantics, unlike join keys): both inputs are tagged, grouped on every column, and a group
        is kept by which inputs it came from. The ALL forms first number the copies of each row on
        each side (``row_number`` over all columns) and compare (row, copy number) pairs: INTERSECT
        ALL keeps min(m, n) copies, EXCEPT ALL max(m - n, 0). ORDER BY / LIMIT of the whole operation apply last."""
        left, right = self.query(q.left, ctes), self.query(q.right, ctes)
        if q.args.get("by_name"):
            left, right = _by_name(left, right)
        if len(left.schema) != len(right.schema):
            raise SqlColumnCountError(len(left.schema), len(right.schema))
        distinct = q.args.get("distinct", True) is not False
        names = left.schema.names
        right = Project(right, tuple((n, Col(r)) for n, r in zip(names, right.schema.names)))
        if isinstance(q, exp.Union):
            node: Node = Union((left, right))
            if distinct:
                node = Aggregate(node, tuple(names), ())
        else:
            cols = tuple((n, Col(n)) for n in names)
            keys = tuple(names)
            if not distinct:  # the k-th copy of a row on each side pairs with the k-th on the other
                number = (WindowFunction("__k", "row_number", None, keys, ()),)
                left, right, keys = Window(left, number), Window(right, number), keys + ("__k",)
            tagged_cols = tuple((n, Col(n)) for n in keys)
            tagged = Union((Project(left, tagged_cols + (("__l", Lit(1)), ("__r", Lit(0)))),
                            Project(right, tagged_cols + (("__l", Lit(0)), ("__r", Lit(1))))))
            counted = Aggregate(tagged, keys, (AggSpec("__nl", "sum", "__l"), AggSpec("__nr", "sum", "__r")))
            keep = call("gt", Col("__nr"), Lit(0)) if isinstance(q, exp.Intersect) else call("eq", Col("__nr"), Lit(0))
            node = Project(Filter(counted, call("and", call("gt", Col("__nl"), Lit(0)), keep)), cols)
        return self._ordered_and_limited(node, q, "a set operation")

    def _ordered_and_limited(self, node: Node, q: exp.Expression, what: str) -> Node:
        """``node`` under the ORDER BY / LIMIT / OFFSET written after a whole query (a set operation,
        a parenthesized query): the keys are output columns, by name or position."""
        names = node.schema.names
        order = q.args.get("order")
        if order is not None:
            keys = []
            for o in order.expressions:
                target = o.this
                if isinstance(target, exp.Literal) and target.is_int and 1 <= int(target.this) <= len(names):
                    name = names[int(target.this) - 1]
                elif isinstance(target, exp.Column) and target.name in names:
                    name = target.name
                else:
                    raise UnsupportedFeatureError(f"ORDER BY an expression over {what} (use an output column)")
                keys.append(SortKey(name, not o.args.get("desc"), bool(o.args.get("nulls_first"))))
            node = Sort(node, tuple(keys))
        limit, offset = limit_of(q)
        if limit is not None or offset:
            node = Limit(node, limit, offset)
        return node


def _by_name(left: Node, right: Node) -> tuple[Node, Node]:
    """DuckDB's ``UNION [ALL] BY NAME``: columns paired by name (case-insensitively), the left's
    first in its order, then those only the right has; a side without a column gives NULLs."""
    lnames, rnames = left.schema.names, right.schema.names
    folded = {n.casefold(): n for n in rnames}
    known = {n.casefold() for n in lnames}
    names = list(lnames) + [n for n in rnames if n.casefold() not in known]
    left = Project(left, tuple((n, Col(n) if n in lnames else Lit(None)) for n in names))
    right = Project(right, tuple((n, Col(folded[n.casefold()]) if n.casefold() in folded else Lit(None)) for n in names))
    return left, right
