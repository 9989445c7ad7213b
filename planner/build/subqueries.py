"""Subqueries the builder turns into joins: uncorrelated scalar subqueries (one row joined onto
every row), ``[NOT] EXISTS`` and ``[NOT] IN (SELECT ...)`` as semi (anti) joins."""

from __future__ import annotations

from sqlglot import exp

from frames.expr.aggregate import AggSpec
from frames.expr.scalar import Col, Lit, call, conjunction
from planner.build.common import conjuncts_sql, rename, tables_of
from planner.errors import UnsupportedFeatureError
from planner.logical import Aggregate, Filter, Join, Limit, LogicalPlan as Node, Project, RowId

class SubqueryBuilder:
    """The part of ``QueryBuilder`` that plans subqueries."""

    def _scalar_subqueries(self, sel: exp.Select, node: Node, ctes: dict[str, Node]) -> Node:
        """Uncorrelated scalar subqueries left in the SELECT list or WHERE: computed once (one row)
        and joined onto every row; the expression then reads the joined column."""
        found = []
        for e in list(sel.expressions) + ([sel.args["where"].this] if sel.args.get("where") else []):
            for sub in e.find_all(exp.Subquery):
                if isinstance(sub.parent, exp.In) or sub.find_ancestor(exp.Exists):
                    continue
                found.append(sub)
        for k, sub in enumerate(found):
            value = self.query(sub.this, ctes)
            if len(value.schema) != 1:
                raise UnsupportedFeatureError("a scalar subquery returning several columns")
            alias = f"__sq{k}"
            one = Limit(rename(value, alias), 2)
            node = Join(node, one, "cross")
            sub.replace(exp.column(value.schema.names[0], alias))
        return node

    def _exists(self, node: Node, outer: set[str], sub: exp.Expression, negated: bool, ctes: dict[str, Node], i: int) -> Node:
        """Correlated ``[NOT] EXISTS``: a semi (anti) join on the equality correlations; other
        correlations become a filter on the inner join of outer row ids with inner rows."""
        sub = sub.this if isinstance(sub, exp.Subquery) else sub
        if not isinstance(sub, exp.Select) or sub.args.get("group") or sub.args.get("with_"):
            raise UnsupportedFeatureError("this EXISTS subquery shape")
        inner = {s.alias_or_name for s in [sub.args["from_"].this] + [j.this for j in sub.args.get("joins") or []]}
        where = sub.args.get("where")
        equi, residual, local = [], [], []
        for c in conjuncts_sql(where.this) if where is not None else []:
            tabs = tables_of(c)
            if tabs <= inner:
                local.append(c)
            elif (isinstance(c, exp.EQ) and isinstance(c.this, exp.Column) and isinstance(c.expression, exp.Column)
                  and {c.this.table, c.expression.table} & inner and {c.this.table, c.expression.table} & outer):
                o, n = (c.this, c.expression) if c.this.table in outer else (c.expression, c.this)
                equi.append((o, n))
            else:
                residual.append(c)
        alias = f"__ex{i}"
        needed = sorted({(col.table, col.name) for c in [n for _, n in equi] + residual for col in c.find_all(exp.Column) if col.table in inner}
                        | {(n.table, n.name) for _, n in equi})
        inner_sel = sub.copy()
        inner_sel.set("expressions", [exp.alias_(exp.column(n, t), f"{t}__{n}") for t, n in needed] or [exp.alias_(exp.Literal.number(1), "one")])
        inner_sel.set("where", exp.Where(this=exp.and_(*local)) if local else None)
        right = rename(self.query(inner_sel, ctes), alias)

        def inner_ref(e: exp.Expression) -> exp.Expression:
            return e.transform(lambda x: exp.column(f"{x.table}__{x.name}", alias) if isinstance(x, exp.Column) and x.table in inner else x)

        lkeys = tuple(f"{o.table}.{o.name}" for o, _ in equi)
        rkeys = tuple(f"{alias}.{n.table}__{n.name}" for _, n in equi)
        cols = tuple((n, Col(n)) for n in node.schema.names)
        if not residual:
            if not lkeys:  # uncorrelated: one row saying whether the subquery has any
                found = rename(Aggregate(Limit(right, 1), (), (AggSpec("n", "count_all"),)), f"{alias}_n")
                test = call("eq" if negated else "gt", Col(f"{alias}_n.n"), Lit(0))
                return Project(Filter(Join(node, found, "cross"), test), cols)
            return Join(node, right, "anti" if negated else "semi", lkeys, rkeys)
        single = residual[0] if len(residual) == 1 and lkeys else None
        if isinstance(single, exp.NEQ) and all(isinstance(x, exp.Column) for x in (single.this, single.expression)):
            inner_col, outer_col = (single.this, single.expression) if single.this.table in inner else (single.expression, single.this)
            if inner_col.table in inner and outer_col.table in outer:
                return self._exists_other_value(node, right, lkeys, rkeys, f"{alias}.{inner_col.table}__{inner_col.name}",
                                                f"{outer_col.table}.{outer_col.name}", negated, cols, i)
        rid = f"__rid{i}"
        with_id = RowId(node, rid)
        pairs: Node = Join(with_id, right, "inner", lkeys, rkeys) if lkeys else Join(with_id, right, "cross")
        pairs = Filter(pairs, conjunction(map(self._expr(pairs, None), [inner_ref(r) for r in residual])))
        matched = rename(Aggregate(Project(pairs, ((rid, Col(rid)),)), (rid,), ()), "__m")
        out = Join(with_id, matched, "anti" if negated else "semi", (rid,), (f"__m.{rid}",))
        return Project(out, cols)

    def _exists_other_value(self, node: Node, right: Node, lkeys, rkeys, inner: str, outer: str, negated: bool, cols, i: int) -> Node:
        """``EXISTS (... k = outer.k AND x <> outer.y)``: some matching row has another value of x
        exactly when x's min or max per key differs from y (NULLs never compare), so one grouped
        min/max joined back replaces the pairwise join (TPC-H q21). Only keys the outer rows have
        are aggregated: the subquery's rows are first semi-joined with the outer keys (q21 SF1:
        lineitem's 1.5M orders shrink to the ~70k the outer query can ask about)."""
        outer_keys = Project(node, tuple((k, Col(k)) for k in lkeys))
        reduced = Join(right, outer_keys, "semi", rkeys, lkeys)
        stats = Aggregate(reduced, rkeys, (AggSpec("mn", "min", inner), AggSpec("mx", "max", inner)))
        stats = rename(stats, f"__ov{i}")
        joined = Join(node, stats, "left", lkeys, tuple(f"__ov{i}.{k}" for k in rkeys))
        y = Col(outer)
        other = call("or", call("ne", Col(f"__ov{i}.mn"), y), call("ne", Col(f"__ov{i}.mx"), y))
        found = call("fill_null", other, Lit(False))
        return Project(Filter(joined, call("not", found) if negated else found), cols)

    def _in_subquery(self, node: Node, test: exp.In, negated: bool, ctes: dict[str, Node], i: int) -> Node:
        """``x [NOT] IN (SELECT y ...)`` as a semi (anti) join on x = y.

        NOT IN returns no rows when the subquery yields a NULL (SQL's three-valued logic): the anti
        join is guarded by a check on the subquery's NULL count."""
        sub = self.query(test.args["query"].this if isinstance(test.args["query"], exp.Subquery) else test.args["query"], ctes)
        if len(sub.schema) != 1:
            raise UnsupportedFeatureError("IN (subquery) returning several columns")
        alias = f"__in{i}"
        right = rename(sub, alias)
        rcol = right.schema.names[0]
        value = self._expr(node, None)(test.this)
        lname = f"__in{i}_key"
        cols = tuple((n, Col(n)) for n in node.schema.names)
        keyed = Project(node, cols + ((lname, value),))
        if negated:
            # three-valued logic: a NULL in the subquery makes every NOT IN unknown (no row), and a
            # NULL value is NOT IN a non-empty subquery unknown, but NOT IN an empty one TRUE
            counts = Aggregate(right, (), (AggSpec("n", "count_all"), AggSpec("nn", "count", rcol)))
            guard = rename(counts, f"{alias}_n")
            n, nn = Col(f"{alias}_n.n"), Col(f"{alias}_n.nn")
            ok = call("and", call("eq", n, nn), call("or", call("is_not_null", Col(lname)), call("eq", n, Lit(0))))
            keyed = Project(Filter(Join(keyed, guard, "cross"), ok), cols + ((lname, Col(lname)),))
        joined = Join(keyed, right, "anti" if negated else "semi", (lname,), (rcol,))
        return Project(joined, cols)
