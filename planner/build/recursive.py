"""``WITH RECURSIVE``: a CTE whose body is ``anchor UNION [ALL] step`` and whose step names the CTE
itself. The anchor is built as any query; the step is built with the CTE's name bound to a
``WorkingTable`` leaf (the rows the last round added); the two meet in a ``RecursiveUnion`` node,
which frames iterates until a round adds no rows (at most ``frames.dataframe.expr.recursive.MAX_ITERATIONS``
rounds, then a clear error). A CTE of a WITH RECURSIVE that does not name itself is an ordinary CTE.
"""

from __future__ import annotations

from sqlglot import exp

from frames.dataframe.expr.scalar import Col
from frames.errors import InvalidArgumentError
from planner.errors import SqlColumnCountError, UnsupportedFeatureError
from planner.logical import LogicalPlan as Node, Project, RecursiveUnion, WorkingTable


def refuse_nested_recursion(query: exp.Expression) -> None:
    """WITH RECURSIVE is planned at the top of a statement only: sqlglot's passes hoist the CTEs of
    subqueries to the top and rename clashing ones without renaming their self-references, which
    would silently read another CTE."""
    for w in query.find_all(exp.With):
        if w.args.get("recursive") and w.parent is not query:
            raise UnsupportedFeatureError("WITH RECURSIVE inside a subquery (put it at the start of the statement)")


def names_itself(cte: exp.CTE) -> bool:
    name = cte.alias
    return any(t.name == name and not t.db for t in cte.this.find_all(exp.Table))


class RecursiveBuilder:
    """The part of ``QueryBuilder`` that plans recursive CTEs."""

    def _recursive_cte(self, cte: exp.CTE, ctes: dict[str, Node]) -> Node:
        name = cte.alias
        body = cte.this
        if not isinstance(body, exp.Union) or not any(t.name == name for t in body.expression.find_all(exp.Table)):
            raise UnsupportedFeatureError(f"WITH RECURSIVE {name} whose body is not 'anchor UNION [ALL] recursive part'")
        if any(t.name == name and not t.db for t in body.this.find_all(exp.Table)):
            raise UnsupportedFeatureError(f"WITH RECURSIVE {name} whose first part names {name} too")
        if body.args.get("order") or body.args.get("limit"):
            raise UnsupportedFeatureError(f"ORDER BY / LIMIT on the union of WITH RECURSIVE {name}")
        anchor = self.query(body.this, ctes)
        alias = cte.args.get("alias")
        names = [c.name for c in alias.columns] if alias is not None and alias.columns else list(anchor.schema.names)
        if len(names) != len(anchor.schema):
            raise InvalidArgumentError(f"WITH RECURSIVE {alias.sql()} names {len(names)} columns; its first part gives {len(anchor.schema)}")
        anchor = Project(anchor, tuple((n, Col(c)) for n, c in zip(names, anchor.schema.names)))
        working = WorkingTable(name, anchor.schema)
        step = self.query(body.expression, {**ctes, name: working})
        if len(step.schema) != len(names):
            raise SqlColumnCountError(len(names), len(step.schema))
        step = Project(step, tuple((n, Col(c)) for n, c in zip(names, step.schema.names)))
        distinct = body.args.get("distinct", True) is not False
        return RecursiveUnion(anchor, step, working, distinct)
