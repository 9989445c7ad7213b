"""Lowering an optimized sqlglot query (qualified, subqueries unnested) onto frames nodes.

Inside a SELECT every column is named ``alias.column`` so joined relations never collide; a query's
output columns carry the SELECT's names. sqlglot has already qualified names, expanded ``*``,
decorrelated subqueries into joins and folded constants; this module owns what reaches the engine:
join keys taken from ON conditions (the rest of a condition stays as a filter), WHERE conjuncts
placed on the join that first has all their columns, aggregation in three steps (project the
arguments, aggregate, project the results), ORDER BY ... LIMIT as top-k, set operations.
"""

from __future__ import annotations

from typing import Callable

import pyarrow as pa
from sqlglot import exp

from frames.expr.aggregate import AggSpec
from frames.expr.scalar import Col, Lit, ScalarExpr, call, conjunction
from frames.expr.sort import SortKey
from frames.expr.window import WindowFunction
from frames.errors import ColumnNotFoundError
from planner.errors import SqlColumnCountError, UnsupportedFeatureError
from planner.expressions import ExpressionTranslator
from planner.logical import Aggregate, Filter, Join, Limit, LogicalPlan as Node, Project, RowId, Sort, Union, Values, Window

_AGGS = {exp.Sum: "sum", exp.Avg: "mean", exp.Min: "min", exp.Max: "max", exp.Count: "count",
         exp.Stddev: "std", exp.StddevSamp: "std", exp.StddevPop: "std", exp.Variance: "var",
         exp.VariancePop: "var", exp.AnyValue: "first", exp.LogicalOr: "any", exp.LogicalAnd: "all"}


def _rename(node: Node, prefix: str) -> Node:
    return Project(node, tuple((f"{prefix}.{n}", Col(n)) for n in node.schema.names))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}_{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


class QueryBuilder:
    """Builds frames nodes for one statement; ``tables`` resolves catalog names to nodes."""

    def __init__(self, table_node: Callable[[str], Node]):
        self.table_node = table_node
        self._count = 0  # for unique internal column names

    # -- queries ------------------------------------------------------------------------------
    def query(self, q: exp.Expression, ctes: dict[str, Node] | None = None) -> Node:
        ctes = dict(ctes or {})
        with_ = q.args.get("with_") or q.args.get("with")
        if with_ is not None:
            for cte in with_.expressions:
                ctes[cte.alias] = self.query(cte.this, ctes)
        if isinstance(q, exp.Subquery):
            return self.query(q.this, ctes)
        if isinstance(q, exp.SetOperation):
            return self._set_operation(q, ctes)
        if isinstance(q, exp.Select):
            return self._select(q, ctes)
        raise UnsupportedFeatureError(f"{type(q).__name__} queries")

    def _source(self, source: exp.Expression, ctes: dict[str, Node]) -> tuple[Node, str]:
        alias = source.alias_or_name
        if isinstance(source, exp.Table):
            name = source.name
            node = ctes[name] if name in ctes and not source.db else self.table_node(name)
            return _rename(node, alias), alias
        if isinstance(source, exp.Subquery):
            return _rename(self.query(source.this, ctes), alias), alias
        if isinstance(source, exp.Values):
            return _rename(self._values(source), alias), alias
        raise UnsupportedFeatureError(f"FROM {type(source).__name__}")

    def _values(self, values: exp.Values) -> Node:
        """``VALUES (...), (...)`` with constant rows: a constant table, types inferred per column
        (integers widen to decimals or floats, NULLs take the other rows' type)."""
        tr = self._expr(_one_row(), None)
        rows = []
        for row in values.expressions:
            items = row.expressions if isinstance(row, exp.Tuple) else [row]
            lits = [tr(e) for e in items]
            if not all(isinstance(v, Lit) for v in lits):
                raise UnsupportedFeatureError("VALUES with non-constant expressions")
            rows.append([v.value for v in lits])
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise UnsupportedFeatureError("VALUES rows of different lengths")
        alias = values.args.get("alias")
        names = [c.name for c in alias.columns] if alias is not None and alias.columns else []
        names += [f"col{i}" for i in range(len(names), width)]
        columns = {}
        for i, name in enumerate(names):
            column = [r[i] for r in rows]
            try:
                columns[name] = pa.array(column)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                columns[name] = pa.array([float(v) if v is not None else None for v in column], pa.float64())
            if pa.types.is_null(columns[name].type):
                columns[name] = columns[name].cast(pa.int32())
        return Values(pa.table(columns))

    def _select(self, sel: exp.Select, ctes: dict[str, Node]) -> Node:
        where = sel.args.get("where")
        pending = [f for c in (conjuncts_sql(where.this) if where is not None else []) for f in factor_or(c)]
        from_ = sel.args.get("from_") or sel.args.get("from")
        joins = sel.args.get("joins") or []
        if from_ is None:
            node: Node = _one_row()
            available: set[str] = set()
        else:
            # a LEFT JOIN whose right side WHERE requires to be non-NULL is an inner join (this is
            # how sqlglot's decorrelated IN looks); then the leading run of inner joins is
            # reordered and the outer joins follow
            rejected = {c.this.this.table for c in pending if isinstance(c, exp.Not) and isinstance(c.this, exp.Is)
                        and isinstance(c.this.this, exp.Column) and isinstance(c.this.expression, exp.Null)}
            joins = [_as_inner(j) if (j.side or "").upper() == "LEFT" and j.this.alias_or_name in rejected else j for j in joins]
            lead = 0
            while lead < len(joins) and _plain_inner(joins[lead]):
                lead += 1
            if lead:
                node, available, pending = self._ordered_joins([from_.this] + [j.this for j in joins[:lead]], joins[:lead], pending, ctes)
            else:
                node, alias = self._source(from_.this, ctes)
                available = {alias}
            for join in joins[lead:]:
                right, ralias = self._source(join.this, ctes)
                node, pending = self._join(node, available, right, ralias, join, pending)
                available.add(ralias)
        node = self._scalar_subqueries(sel, node, ctes)
        remaining = []
        for i, p in enumerate(pending):
            negated = isinstance(p, exp.Not) and isinstance(p.this, (exp.In, exp.Exists))
            test = p.this if negated else p
            if isinstance(test, exp.In) and test.args.get("query") is not None:
                node = self._in_subquery(node, test, negated, ctes, i)
            elif isinstance(test, exp.Exists):
                node = self._exists(node, available, test.this, negated, ctes, i)
            else:
                remaining.append(p)
        if remaining:
            tr = self._expr(node, None)
            node = Filter(node, conjunction(map(tr, remaining)))
        return self._project(sel, node)

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
            one = Limit(_rename(value, alias), 2)
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
            tabs = _tables(c)
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
        right = _rename(self.query(inner_sel, ctes), alias)

        def inner_ref(e: exp.Expression) -> exp.Expression:
            return e.transform(lambda x: exp.column(f"{x.table}__{x.name}", alias) if isinstance(x, exp.Column) and x.table in inner else x)

        lkeys = tuple(f"{o.table}.{o.name}" for o, _ in equi)
        rkeys = tuple(f"{alias}.{n.table}__{n.name}" for _, n in equi)
        cols = tuple((n, Col(n)) for n in node.schema.names)
        if not residual:
            if not lkeys:  # uncorrelated: one row saying whether the subquery has any
                found = _rename(Aggregate(Limit(right, 1), (), (AggSpec("n", "count_all"),)), f"{alias}_n")
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
        matched = _rename(Aggregate(Project(pairs, ((rid, Col(rid)),)), (rid,), ()), "__m")
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
        stats = _rename(stats, f"__ov{i}")
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
        right = _rename(sub, alias)
        rcol = right.schema.names[0]
        value = self._expr(node, None)(test.this)
        lname = f"__in{i}_key"
        cols = tuple((n, Col(n)) for n in node.schema.names)
        keyed = Project(node, cols + ((lname, value),))
        if negated:
            # three-valued logic: a NULL in the subquery makes every NOT IN unknown (no row), and a
            # NULL value is NOT IN a non-empty subquery unknown, but NOT IN an empty one TRUE
            counts = Aggregate(right, (), (AggSpec("n", "count_all"), AggSpec("nn", "count", rcol)))
            guard = _rename(counts, f"{alias}_n")
            n, nn = Col(f"{alias}_n.n"), Col(f"{alias}_n.nn")
            ok = call("and", call("eq", n, nn), call("or", call("is_not_null", Col(lname)), call("eq", n, Lit(0))))
            keyed = Project(Filter(Join(keyed, guard, "cross"), ok), cols + ((lname, Col(lname)),))
        joined = Join(keyed, right, "anti" if negated else "semi", (lname,), (rcol,))
        return Project(joined, cols)

    def _ordered_joins(self, tables: list, joins: list, pending: list, ctes: dict[str, Node]):
        """A run of inner joins as the optimizer's ``reorder_joins`` expects it: the inputs as a
        chain of cross joins in the order written, under one filter with every condition of the
        run (ON and WHERE conjuncts pooled: inner joins commute). Subquery predicates and
        conditions on tables joined later stay pending."""
        pending = list(pending)
        for j in joins:
            on = j.args.get("on")
            pending += [f for c in (conjuncts_sql(on) if on is not None else []) for f in factor_or(c)]
        node: Node | None = None
        available: set[str] = set()
        for t in tables:
            source, alias = self._source(t, ctes)
            node = source if node is None else Join(node, source, "cross")
            available.add(alias)
        mine = [p for p in pending if _tables(p) <= available and not _is_subquery_predicate(p) and p.find(exp.Subquery) is None]
        pending = [p for p in pending if not any(p is m for m in mine)]
        if mine:
            tr = self._expr(node, None)
            node = Filter(node, conjunction(map(tr, mine)))
        return node, available, pending

    def _join(self, left: Node, left_aliases: set[str], right: Node, ralias: str, join: exp.Join,
              pending: list[exp.Expression]) -> tuple[Node, list[exp.Expression]]:
        side = (join.side or "").upper()
        kind = (join.kind or "").upper()
        how = {"LEFT": "left", "RIGHT": "right", "FULL": "outer"}.get(side, "inner")
        if kind == "CROSS":
            how = "cross"
        if kind in ("SEMI", "ANTI"):
            how = kind.lower()
        on = join.args.get("on")
        conds = conjuncts_sql(on) if on is not None else []
        using = join.args.get("using")
        if using:
            for ident in using:
                name = ident.name
                owner = next((a for a in left_aliases if f"{a}.{name}" in left.schema.names), None)
                if owner is None:
                    raise ColumnNotFoundError(name, [n.split(".", 1)[1] for n in left.schema.names], where="USING")
                conds.append(exp.EQ(this=exp.column(name, owner), expression=exp.column(name, ralias)))
        if how in ("inner", "cross"):
            # WHERE conjuncts whose columns are all available now belong to this join
            scope = left_aliases | {ralias}
            movable = [p for p in pending if _tables(p) <= scope and ralias in _tables(p)]
            pending = [p for p in pending if p not in movable]
            conds += movable
            if conds and how == "cross":
                how = "inner"
        if how in ("inner", "cross"):
            # subquery predicates wait until every join is done (they become semi/anti joins)
            deferred = [c for c in conds if _is_subquery_predicate(c)]
            conds = [c for c in conds if not _is_subquery_predicate(c)]
            pending = pending + deferred
        lkeys, rkeys, residual = [], [], []
        for c in conds:
            if isinstance(c, exp.EQ) and isinstance(c.this, exp.Column) and isinstance(c.expression, exp.Column):
                a, b = c.this, c.expression
                if a.table in left_aliases and b.table == ralias:
                    lkeys.append(f"{a.table}.{a.name}"); rkeys.append(f"{b.table}.{b.name}")
                    continue
                if b.table in left_aliases and a.table == ralias:
                    lkeys.append(f"{b.table}.{b.name}"); rkeys.append(f"{a.table}.{a.name}")
                    continue
            residual.append(c)
        if how in ("left", "right", "outer", "semi", "anti") and residual:
            # conditions on one side only can be applied to that side before an outer join
            keep = []
            for c in residual:
                tabs = _tables(c)
                if tabs <= {ralias} and how in ("left", "semi", "anti"):
                    right = Filter(right, self._expr(right, None)(c))
                elif tabs <= left_aliases and how == "right":
                    left = Filter(left, self._expr(left, None)(c))
                else:
                    keep.append(c)
            if keep:
                if how in ("semi", "anti"):
                    raise UnsupportedFeatureError(f"{how.upper()} JOIN with a non-equality condition {keep[0].sql()!r}")
                return self._outer_join_on(left, right, how, lkeys, rkeys, keep), pending
            residual = []
        if not lkeys:
            if how not in ("inner", "cross"):
                raise UnsupportedFeatureError(f"{how.upper()} JOIN without an equality condition")
            node: Node = Join(left, right, "cross")
        else:
            node = Join(left, right, how, tuple(lkeys), tuple(rkeys))
        if residual:
            tr = self._expr(node, None)
            node = Filter(node, conjunction(map(tr, residual)))
        return node, pending

    def _outer_join_on(self, left: Node, right: Node, how: str, lkeys: list, rkeys: list, conds: list) -> Node:
        """An outer join whose ON has conditions other than key equalities: the pairs that satisfy
        the whole ON (an inner join on the keys, or a cross join, then a filter), plus the rows of
        each preserved side that are in no pair (found by row id), padded with NULLs."""
        self._count += 1
        lid, rid = f"__lid{self._count}", f"__rid{self._count}"
        keep_left, keep_right = how in ("left", "outer"), how in ("right", "outer")
        lrows = RowId(left, lid) if keep_left else left
        rrows = RowId(right, rid) if keep_right else right
        pairs: Node = Join(lrows, rrows, "inner", tuple(lkeys), tuple(rkeys)) if lkeys else Join(lrows, rrows, "cross")
        tr = self._expr(pairs, None)
        pairs = Filter(pairs, conjunction(map(tr, conds)))
        lnames, rnames = left.schema.names, right.schema.names
        parts = [Project(pairs, tuple((n, Col(n)) for n in lnames + rnames))]
        for keep, rows, id_, own, other, other_schema, own_first in (
                (keep_left, lrows, lid, lnames, rnames, right.schema, True),
                (keep_right, rrows, rid, rnames, lnames, left.schema, False)):
            if not keep:
                continue
            matched = Project(pairs, ((f"{id_}_m", Col(id_)),))
            alone = Join(rows, matched, "anti", (id_,), (f"{id_}_m",))
            own_cols = [(n, Col(n)) for n in own]
            nulls = [(n, Lit(None, other_schema.field(n).type)) for n in other]
            parts.append(Project(alone, tuple(own_cols + nulls if own_first else nulls + own_cols)))
        return Union(tuple(parts))

    def _expr(self, node: Node, replacements) -> ExpressionTranslator:
        names = set(node.schema.names)

        def resolve(c: exp.Column) -> ScalarExpr:
            name = f"{c.table}.{c.name}" if c.table else c.name
            if name in names:
                return Col(name)
            matches = [n for n in names if n.endswith("." + c.name)] if not c.table else []
            if len(matches) == 1:
                return Col(matches[0])
            raise ColumnNotFoundError(c.name, sorted({n.split(".", 1)[-1] for n in names}))

        return ExpressionTranslator(resolve, replacements)

    def _project(self, sel: exp.Select, node: Node) -> Node:
        projections = list(sel.expressions)
        names = _unique([p.alias_or_name or f"col{i}" for i, p in enumerate(projections)])
        having = sel.args.get("having")
        group = sel.args.get("group")
        order = sel.args.get("order")
        order_items = list(order.expressions) if order is not None else []
        aggregates = [a for p in projections + ([having.this] if having else []) + [o.this for o in order_items]
                      for a in p.find_all(exp.AggFunc) if not _inside_window(a)]
        # ORDER BY items: an output column by alias, ordinal or same expression, else a hidden one
        sort_keys, hidden = [], []
        for i, o in enumerate(order_items):
            target, name = o.this, None
            if isinstance(target, exp.Column) and not target.table and target.name in names:
                name = target.name
            elif isinstance(target, exp.Literal) and target.is_int:
                name = names[int(target.this) - 1]
            else:
                for n, p in zip(names, projections):
                    if (p.this if isinstance(p, exp.Alias) else p) == target:
                        name = n
                        break
            if name is None:
                name = f"__order{i}"
                hidden.append((name, target))
            # DuckDB's default is NULLS LAST in both directions
            sort_keys.append(SortKey(name, not o.args.get("desc"), bool(o.args.get("nulls_first"))))

        def finish(agg_node: Node, replacements: dict) -> Node:
            if having is not None:
                agg_node = Filter(agg_node, self._expr(agg_node, replacements)(having.this))
            windows = [w for p in projections + [o.this for o in order_items] for w in p.find_all(exp.Window)]
            if windows:
                agg_node, replacements = self._windows(agg_node, windows, replacements, sel)
            tr = self._expr(agg_node, replacements)
            return Project(agg_node, tuple([(n, tr(p)) for n, p in zip(names, projections)] + [(n, tr(t)) for n, t in hidden]))

        sets = _grouping_sets(group)
        if sets is not None:
            every = [g for gs in sets for g in gs]
            parts = []
            for gs in sets:
                agg_node, replacements = self._aggregate(node, gs, aggregates, projections)
                for g in every:
                    if not any(g == x for x in gs):
                        replacements[g] = Lit(None)  # rolled up: NULL in this grouping set
                parts.append(finish(agg_node, replacements))
            out: Node = Union(tuple(parts)) if len(parts) > 1 else parts[0]
        elif group is not None or aggregates:
            agg_node, replacements = self._aggregate(node, list(group.expressions) if group is not None else [], aggregates, projections)
            out = finish(agg_node, replacements)
        else:
            out = finish(node, {})
        if sel.args.get("distinct"):
            if hidden:
                raise UnsupportedFeatureError("SELECT DISTINCT with ORDER BY on a column not selected")
            out = Aggregate(out, tuple(out.schema.names), ())
        limit, offset = _limit(sel)
        if sort_keys:
            out = Sort(out, tuple(sort_keys))  # push_down_limit makes ORDER BY ... LIMIT a top-k
        if limit is not None or offset:
            out = Limit(out, limit, offset)
        if hidden:
            out = Project(out, tuple((n, Col(n)) for n in names))
        return out

    def _windows(self, node: Node, windows: list, replacements: dict, sel: exp.Select):
        """Each window function becomes a column ``__w{k}`` computed by a frames Window node."""
        named = {w.this.name: w for w in sel.args.get("windows") or []}
        replacements = dict(replacements)
        for k, w in enumerate(windows):
            if w in replacements:
                continue
            ref = w.args.get("alias")
            base = named.get(ref.name) if isinstance(ref, exp.Identifier) else None
            partition = w.args.get("partition_by") or (base.args.get("partition_by") if base else None) or []
            order = w.args.get("order") or (base.args.get("order") if base else None)
            spec = w.args.get("spec") or (base.args.get("spec") if base else None)
            tr = self._expr(node, replacements)
            extra = []
            pcols = []
            for i, e in enumerate(partition):
                extra.append((f"__wp{k}_{i}", tr(e)))
                pcols.append(f"__wp{k}_{i}")
            okeys = []
            for i, o in enumerate(order.expressions if order is not None else []):
                extra.append((f"__wo{k}_{i}", tr(o.this)))
                okeys.append(SortKey(f"__wo{k}_{i}", not o.args.get("desc"), bool(o.args.get("nulls_first"))))
            func, column, offset, default = self._window_function(w.this, tr, extra, k)
            base_cols = tuple((n, Col(n)) for n in node.schema.names)
            node = Project(node, base_cols + tuple(extra))
            wf = WindowFunction(f"__w{k}", func, column, tuple(pcols), tuple(okeys), _frame(spec, bool(okeys)), offset, default)
            node = Window(node, (wf,))
            replacements[w] = Col(f"__w{k}")
        return node, replacements

    def _window_function(self, f: exp.Expression, tr, extra: list, k: int):
        simple = {exp.RowNumber: "row_number", exp.Rank: "rank", exp.DenseRank: "dense_rank"}
        for klass, name in simple.items():
            if isinstance(f, klass):
                return name, None, 1, None
        if isinstance(f, (exp.Lag, exp.Lead)):
            extra.append((f"__wa{k}", tr(f.this)))
            off = f.args.get("offset")
            default = f.args.get("default")
            dv = tr(default).value if default is not None else None
            return ("lag" if isinstance(f, exp.Lag) else "lead"), f"__wa{k}", int(off.this) if off is not None else 1, dv
        if isinstance(f, (exp.FirstValue, exp.LastValue)):
            extra.append((f"__wa{k}", tr(f.this)))
            return ("first_value" if isinstance(f, exp.FirstValue) else "last_value"), f"__wa{k}", 1, None
        if isinstance(f, exp.Count) and (f.this is None or isinstance(f.this, exp.Star)):
            return "count_all", None, 1, None
        for klass, name in {exp.Sum: "sum", exp.Avg: "mean", exp.Min: "min", exp.Max: "max", exp.Count: "count"}.items():
            if type(f) is klass:
                extra.append((f"__wa{k}", tr(f.this)))
                return name, f"__wa{k}", 1, None
        raise UnsupportedFeatureError(f"window function {f.sql()}")

    def _aggregate(self, node: Node, group_exprs: list, aggregates: list, projections: list):
        tr = self._expr(node, None)
        pre: list[tuple[str, ScalarExpr]] = []
        replacements: dict = {}
        keys = []
        for i, g in enumerate(group_exprs):
            if isinstance(g, exp.Literal) and g.is_int:  # GROUP BY ordinal
                g = projections[int(g.this) - 1]
                g = g.this if isinstance(g, exp.Alias) else g
            name = f"__g{i}"
            pre.append((name, tr(g)))
            keys.append(name)
            replacements[g] = Col(name)
        specs = []
        seen: dict = {}
        for agg in aggregates:
            if agg in seen:
                continue
            j = len(seen)
            seen[agg] = j
            func, column = self._agg_spec(agg, tr, pre, j)
            options = (("ddof", 0),) if isinstance(agg, (exp.StddevPop, exp.VariancePop)) else ()
            specs.append(AggSpec(f"__agg{j}", func, column, options))
            replacements[agg] = Col(f"__agg{j}")
        if not pre:
            pre.append(("__dummy", Lit(0)))
        projected = Project(node, tuple(pre))
        return Aggregate(projected, tuple(keys), tuple(specs)), replacements

    def _agg_spec(self, agg: exp.AggFunc, tr, pre: list, j: int) -> tuple[str, str | None]:
        for klass, func in _AGGS.items():
            if type(agg) is klass:
                break
        else:
            raise UnsupportedFeatureError(f"aggregate function {agg.sql()}")
        arg = agg.this
        if isinstance(agg, exp.Count):
            if arg is None or isinstance(arg, exp.Star):
                return "count_all", None
            if isinstance(arg, exp.Distinct):
                func = "count_distinct"
                if len(arg.expressions) != 1:
                    raise UnsupportedFeatureError("COUNT(DISTINCT) over several columns")
                arg = arg.expressions[0]
        elif isinstance(arg, exp.Distinct):
            if func not in ("min", "max") or len(arg.expressions) != 1:
                raise UnsupportedFeatureError(f"{type(agg).__name__.upper()}(DISTINCT ...)")
            arg = arg.expressions[0]  # the extremes do not depend on duplicates
        name = f"__arg{j}"
        pre.append((name, tr(arg)))
        return func, name

    def _set_operation(self, q: exp.SetOperation, ctes: dict[str, Node]) -> Node:
        """UNION [ALL] concatenates; INTERSECT / EXCEPT compare whole rows with NULLs equal (set
        semantics, unlike join keys): both inputs are tagged, grouped on every column, and a group
        is kept by which inputs it came from. ORDER BY / LIMIT of the whole operation apply last."""
        left, right = self.query(q.left, ctes), self.query(q.right, ctes)
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
            if not distinct:
                raise UnsupportedFeatureError(f"{type(q).__name__.upper()} ALL")
            cols = tuple((n, Col(n)) for n in names)
            tagged = Union((Project(left, cols + (("__l", Lit(1)), ("__r", Lit(0)))),
                            Project(right, cols + (("__l", Lit(0)), ("__r", Lit(1))))))
            counted = Aggregate(tagged, tuple(names), (AggSpec("__nl", "sum", "__l"), AggSpec("__nr", "sum", "__r")))
            keep = call("gt", Col("__nr"), Lit(0)) if isinstance(q, exp.Intersect) else call("eq", Col("__nr"), Lit(0))
            node = Project(Filter(counted, call("and", call("gt", Col("__nl"), Lit(0)), keep)), cols)
        order = q.args.get("order")
        if order is not None:
            keys = []
            for o in order.expressions:
                target = o.this
                if isinstance(target, exp.Literal) and target.is_int:
                    name = names[int(target.this) - 1]
                elif isinstance(target, exp.Column) and target.name in names:
                    name = target.name
                else:
                    raise UnsupportedFeatureError("ORDER BY an expression over a set operation (use an output column)")
                keys.append(SortKey(name, not o.args.get("desc"), bool(o.args.get("nulls_first"))))
            node = Sort(node, tuple(keys))
        limit, offset = _limit(q)
        if limit is not None or offset:
            node = Limit(node, limit, offset)
        return node


def _grouping_sets(group) -> list[list[exp.Expression]] | None:
    """The grouping sets of ROLLUP / CUBE / GROUPING SETS (None for a plain GROUP BY)."""
    if group is None:
        return None
    plain, sets = [], None
    for e in group.expressions:
        if isinstance(e, exp.Rollup):
            items = list(e.expressions)
            new = [items[:i] for i in range(len(items), -1, -1)]
        elif isinstance(e, exp.Cube):
            import itertools

            items = list(e.expressions)
            new = [list(c) for r in range(len(items), -1, -1) for c in itertools.combinations(items, r)]
        elif isinstance(e, exp.GroupingSets):
            new = [list(x.expressions) if isinstance(x, exp.Tuple) else [x.unnest()] for x in e.expressions]
        else:
            plain.append(e)
            continue
        sets = new if sets is None else [a + b for a in sets for b in new]
    for key in ("rollup", "cube", "grouping_sets"):
        if group.args.get(key):
            raise UnsupportedFeatureError(f"GROUP BY {key.upper()} in this form")
    if sets is None:
        return None
    return [plain + s for s in sets]


def _as_inner(join: exp.Join) -> exp.Join:
    join = join.copy()
    join.set("side", None)
    return join


def _plain_inner(join: exp.Join) -> bool:
    """An inner or comma join without USING (free to reorder)."""
    return not join.side and (join.kind or "").upper() in ("", "INNER", "CROSS") and not join.args.get("using")


def _is_subquery_predicate(c: exp.Expression) -> bool:
    test = c.this if isinstance(c, exp.Not) else c
    return isinstance(test, exp.Exists) or (isinstance(test, exp.In) and test.args.get("query") is not None)


def _frame(spec, ordered: bool):
    """A ROWS frame as (start, end) offsets; None for the default frame."""
    if spec is None:
        return None
    kind = (spec.args.get("kind") or "").upper()

    def bound(value, side):
        text = value if isinstance(value, str) else (value.name if value is not None else "")
        if str(text).upper() == "UNBOUNDED":
            return None
        if str(text).upper() in ("CURRENT ROW", "CURRENT"):
            return 0
        n = int(value.this if isinstance(value, exp.Literal) else text)
        return -n if (side or "").upper() == "PRECEDING" else n

    start = bound(spec.args.get("start"), spec.args.get("start_side"))
    end = bound(spec.args.get("end"), spec.args.get("end_side")) if spec.args.get("end") is not None else 0
    if kind == "RANGE":
        if start is None and end == 0 and ordered:
            return None
        if start is None and end is None:
            return (None, None)
        raise UnsupportedFeatureError("RANGE frames other than the default")
    return (start, end)


def _one_row() -> Node:
    return Values(pa.table({"__one": [1]}))


def _limit(sel: exp.Expression) -> tuple[int | None, int]:
    limit = sel.args.get("limit")
    offset = sel.args.get("offset")
    n = int(limit.expression.this) if limit is not None else None
    off = int(offset.expression.this) if offset is not None else 0
    return n, off


def _tables(e: exp.Expression) -> set[str]:
    return {c.table for c in e.find_all(exp.Column)}


def _inside_window(node: exp.Expression) -> bool:
    return node.find_ancestor(exp.Window) is not None


def factor_or(e: exp.Expression) -> list[exp.Expression]:
    """``(a AND x) OR (a AND y)`` -> ``a``, ``x OR y``: the shared part can then act as a join key
    (TPC-H q19 would otherwise be a cross join)."""
    if not isinstance(e, exp.Or):
        return [e]
    branches = _disjuncts(e)
    parts = [conjuncts_sql(b) for b in branches]
    common = [c for c in parts[0] if all(any(c == d for d in other) for other in parts[1:])]
    if not common:
        return [e]
    rests = [[c for c in p if not any(c == d for d in common)] for p in parts]
    if any(not r for r in rests):
        return common
    return common + [exp.or_(*[exp.and_(*r) if len(r) > 1 else r[0] for r in rests])]


def _disjuncts(e: exp.Expression) -> list[exp.Expression]:
    if isinstance(e, exp.Or):
        return _disjuncts(e.this) + _disjuncts(e.expression)
    if isinstance(e, exp.Paren):
        return _disjuncts(e.this)
    return [e]


def conjuncts_sql(e: exp.Expression) -> list[exp.Expression]:
    if isinstance(e, exp.And):
        return conjuncts_sql(e.this) + conjuncts_sql(e.expression)
    if isinstance(e, exp.Paren):
        return conjuncts_sql(e.this)
    return [e]
