"""Subqueries: every subquery expression sqlglot's unnesting left becomes columns joined onto the
rows that use it, and the expression reads those columns.

The general mechanism (``_subquery_values``) follows Neumann and Kemper's "Unnesting Arbitrary
Queries" (DuckDB's model): for a correlated subquery, a relation ``D`` holds each distinct
combination of the outer values it reads, with an id ``__rid``; D is given to the subquery as one
more FROM source, its outer references become D's columns (equalities among them then become hash
join keys like any other), and the subquery is grouped (LIMIT: windowed; windows: partitioned) per
id: one dependent join for all outer rows. Each outer row finds its id by a NULL-safe join on the
values, and the per-id result is left-joined back on it, so outer rows the subquery has no row for
read NULL (or the value an aggregate has over no rows, COUNT's 0). Each kind of use then reads it:

- a scalar subquery: its value, raising when some id has several rows (``sql_single_row``);
- ``EXISTS``: whether the id has a row;
- ``x op ANY / ALL (...)``, ``IN``: counts of comparisons that are TRUE / FALSE per id, from
  which three-valued logic follows (TRUE if one is TRUE, else NULL if one is NULL, else FALSE).

Uncorrelated subqueries are computed once: one row (a scalar value, a row count, or min / max /
counts for ANY / ALL) cross-joined onto every row, or a hash join on the distinct values for IN.
The fast special cases stay where they apply: ``[NOT] IN (SELECT ...)`` and ``[NOT] EXISTS`` as
WHERE conjuncts become semi (anti) joins on their equality correlations, and TPC-H q21's
``<>`` correlation a grouped min/max."""

from __future__ import annotations

import decimal

import pyarrow as pa
from sqlglot import exp

from frames.dataframe.expr.aggregate import AggSpec
from frames.dataframe.expr.scalar import Col, Lit, call
from planner.build.common import conjuncts_sql, limit_of, rename, tables_of
from planner.errors import SqlError, UnsupportedFeatureError
from planner.logical import Aggregate, Filter, Join, Limit, LogicalPlan as Node, Project, RowId

# aggregates whose value over no rows is 0 rather than NULL
_ZERO_WHEN_EMPTY = (exp.Count, exp.CountIf, exp.ApproxDistinct)

class SubqueryBuilder:
    """The part of ``QueryBuilder`` that plans subqueries."""

    # -- the general mechanism ----------------------------------------------------------------
    def _subquery_values(self, node: Node, exprs: list, replacements, ctes: dict[str, Node], outer: set[str],
                         post_aggregation: bool = False) -> tuple[Node, list]:
        """``node`` with the columns the subquery expressions in ``exprs`` read, and ``exprs`` with
        each such expression replaced by one over those columns (in place; a whole expression that
        is a subquery expression is replaced in the returned list). ``outer`` are the relations
        ``node`` holds; ``post_aggregation``: ``exprs`` are evaluated after the query's grouping, so
        an aggregate of outer columns inside a subquery is the outer query's aggregate."""
        out = []
        for e in exprs:
            for term in subquery_terms(e):
                node, value = self._subquery_value(node, term, replacements, ctes, outer, post_aggregation)
                if term is e:
                    e = value
                else:
                    term.replace(value)
            out.append(e)
        return node, out

    def _scalar_sources(self, pending: list, aliases: set[str], ctes: dict[str, Node]) -> list[exp.Join]:
        """Uncorrelated scalar subqueries in WHERE conjuncts as one-row sources of the FROM (joins
        to add; ``ctes`` gets their nodes): as in sqlglot's unnesting, the join ordering then places
        them, and ``col = (SELECT ...)`` becomes a join key (TPC-DS q06's month), while each still
        raises on several rows and reads NULL for none."""
        joins = []
        for p in pending:
            for term in subquery_terms(p):
                if term is p or not isinstance(term, exp.Subquery) or correlations(term.this, aliases, False):
                    continue
                self._count += 1
                name = f"__sq{self._count}"
                value = self.query(term.this, ctes)
                if len(value.schema) != 1:
                    raise UnsupportedFeatureError("a subquery used as a value returning several columns")
                ctes[name] = _single_value(value)
                term.replace(exp.column("v", name))
                joins.append(exp.Join(this=exp.Table(this=exp.to_identifier(name))))
        return joins

    def _pre_aggregation_subqueries(self, node: Node, group, aggregates: list, projections: list, others: list,
                                    ctes: dict[str, Node], outer: set[str]) -> Node:
        """Subqueries a grouping reads before it aggregates (in GROUP BY keys, also by ordinal, and
        in aggregate arguments) joined onto its input; the same subquery written again in the
        SELECT list or HAVING reads the same column, so it matches its GROUP BY key."""
        keys = [projections[int(g.this) - 1] for g in (group.expressions if group is not None else [])
                if isinstance(g, exp.Literal) and g.is_int]
        terms = [t for e in keys + ([group] if group is not None else []) + list(aggregates) for t in subquery_terms(e)]
        everywhere = [e for e in list(projections) + list(others) + ([group] if group is not None else []) if e is not None]
        for term in terms:
            if term.parent is None:
                continue  # already replaced as the twin of an earlier one
            twins = [t for e in everywhere for t in subquery_terms(e) if t is not term and t == term]
            node, value = self._subquery_value(node, term, None, ctes, outer, False)
            term.replace(value)
            for t in twins:
                t.replace(value.copy())
        return node

    def _subquery_value(self, node: Node, term: exp.Expression, replacements, ctes, outer, post_aggregation):
        self._count += 1
        k = self._count
        q = query_of(term)
        if isinstance(term, exp.Exists):
            kind, op, operand = "exists", None, None
        elif isinstance(term, exp.In):
            kind, op, operand = "any", exp.EQ, term.this
        elif isinstance(term, exp.Binary):
            kind, op, operand = ("all" if isinstance(term.expression, exp.All) else "any"), type(term), term.this
        else:
            kind, op, operand = "scalar", None, None
        if operand is not None and has_subquery(operand):
            # a subquery in the operand (``CASE WHEN EXISTS (...) ... END IN (SELECT ...)``): its
            # columns first
            node, (operand,) = self._subquery_values(node, [operand], replacements, ctes, outer, post_aggregation)
        row_value = isinstance(operand, exp.Tuple)  # ``(a, b) IN (SELECT x, y ...)``: compared per row below
        if row_value and op is not exp.EQ:
            raise UnsupportedFeatureError(f"a row value compared with {op.__name__.upper()} ANY / ALL (only IN)")
        if kind in ("any", "all") and not row_value and isinstance(q, exp.Select) and _one_row(q) and not q.args.get("having"):
            # exactly one row: x op ANY / ALL (it) is x op (it)
            value_node, value = self._subquery_value(node, exp.Subquery(this=q), replacements, ctes, outer, post_aggregation)
            return value_node, op(this=operand, expression=value)
        occurrences = correlations(q, outer, post_aggregation)
        if not occurrences and not row_value:
            return self._uncorrelated(node, q, kind, op, operand, replacements, ctes, k)
        if isinstance(q, exp.SetOperation):
            # the set operation as a derived table (planned per row id like any lateral one)
            names = q.named_selects
            q = exp.select(*[exp.column(n, "__u") for n in names]).from_(exp.Subquery(this=q, alias=exp.TableAlias(this=exp.to_identifier("__u"))))
            occurrences = correlations(q, outer, post_aggregation)
        if not isinstance(q, exp.Select):
            raise UnsupportedFeatureError(f"a correlated {type(q).__name__.upper()} subquery")
        return self._correlated(node, q, occurrences, kind, op, operand, replacements, ctes, k)

    def _uncorrelated(self, node: Node, q, kind: str, op, operand, replacements, ctes, k: int):
        """A subquery without outer references, computed once."""
        value = self.query(q, ctes)
        alias = f"__sq{k}"
        if kind == "exists":
            found = rename(Aggregate(Limit(value, 1), (), (AggSpec("n", "count_all"),)), alias)
            return Join(node, found, "cross"), exp.GT(this=exp.column("n", alias), expression=exp.Literal.number(0))
        if len(value.schema) != 1:
            raise UnsupportedFeatureError("a subquery used as a value returning several columns")
        v = value.schema.names[0]
        n, nn, mn, mx = (exp.column(c, alias) for c in ("n", "nn", "mn", "mx"))
        if kind == "scalar":
            return Join(node, rename(_single_value(value), alias), "cross"), exp.column("v", alias)
        counts = rename(Aggregate(value, (), (AggSpec("n", "count_all"), AggSpec("nn", "count", v),
                                             AggSpec("mn", "min", v), AggSpec("mx", "max", v))), alias)
        node = Join(node, counts, "cross")
        unknown = exp.or_(exp.Is(this=operand.copy(), expression=exp.Null()), exp.LT(this=nn, expression=n))
        empty = exp.EQ(this=n.copy(), expression=exp.Literal.number(0))
        if op in (exp.EQ, exp.NEQ) and (op is exp.EQ) == (kind == "any"):
            # IN / = ANY (NOT IN / <> ALL): a hash join on the distinct values
            values = rename(Aggregate(Project(value, (("v", Col(v)),)), ("v",), ()), f"{alias}_v")
            key = f"{alias}_key"
            tr = self._expr(node, replacements)
            keyed = Project(node, tuple((c, Col(c)) for c in node.schema.names) + ((key, tr(operand)),))
            node = Join(keyed, values, "left", (key,), (f"{alias}_v.v",))
            unknown = exp.or_(exp.Is(this=exp.column(key), expression=exp.Null()), exp.LT(this=nn.copy(), expression=n.copy()))
            found = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=exp.column("v", f"{alias}_v"), expression=exp.Null())), true=exp.true()),
                                  exp.If(this=empty, true=exp.false()), exp.If(this=unknown, true=exp.null())], default=exp.false())
            return node, (found if kind == "any" else exp.Not(this=exp.Paren(this=found)))
        if op in (exp.EQ, exp.NEQ):  # = ALL, <> ANY: some value differs from x
            differs = exp.or_(exp.NEQ(this=operand.copy(), expression=mn), exp.NEQ(this=operand.copy(), expression=mx))
            decided, when = differs, kind == "any"
        else:
            # x > ANY: x > the least value; x > ALL is decided FALSE by x <= the greatest
            low = op in (exp.GT, exp.GTE)
            if kind == "any":
                decided, when = op(this=operand.copy(), expression=mn if low else mx), True
            else:
                decided, when = exp.Not(this=op(this=operand.copy(), expression=mx if low else mn)), False
        answer = exp.true() if when else exp.false()
        otherwise = exp.false() if kind == "any" else exp.true()
        case = exp.Case(ifs=[exp.If(this=empty, true=otherwise.copy()), exp.If(this=decided, true=answer),
                             exp.If(this=unknown, true=exp.null())], default=otherwise)
        return node, case

    def _correlated(self, node: Node, q: exp.Select, occurrences: list, kind: str, op, operand, replacements, ctes, k: int):
        """A correlated subquery as a dependent join over the outer rows (see the module docstring)."""
        rid, dname, alias = f"__rid{k}", f"__d{k}", f"__sq{k}"
        items = []
        for o in occurrences:
            if not any(o == i for i in items):
                items.append(o.copy())
        operands = list(operand.expressions) if isinstance(operand, exp.Tuple) else [operand] if operand is not None else []
        values = list(items) + operands
        with_id, dep = self._dependent_relation(node, values, replacements, rid, k)
        ctes = dict(ctes, **{dname: dep})
        one_row = _one_row(q)
        empty = _empty_value(q) if kind == "scalar" and one_row else None
        having_empty = _empty_having(q) if one_row else None
        for occurrence in occurrences:
            j = next(j for j, item in enumerate(items) if item == occurrence)
            occurrence.replace(exp.column(f"__c{j}", dname))
        if kind == "exists" and one_row and having_empty is None:
            return node, exp.true()  # an aggregate without GROUP BY has a row
        if kind == "exists":
            projections = [exp.alias_(exp.Literal.number(1), "__one")]
        elif kind in ("any", "all"):
            selected = [_unalias(p) for p in q.expressions]
            if len(selected) != len(operands):
                raise SqlError(f"IN (subquery) compares {len(operands)} value(s) with a subquery returning {len(selected)} columns")
            tests = [op(this=exp.column(f"__c{len(items) + j}", dname), expression=e.copy()) for j, e in enumerate(selected)]
            test = exp.and_(*tests) if len(tests) > 1 else tests[0]  # a row equals a row when every field does
            projections = [exp.alias_(exp.Case(ifs=[exp.If(this=test, true=exp.Literal.number(1))], default=exp.Literal.number(0)), "__tt"),
                           exp.alias_(exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Paren(this=test.copy())), true=exp.Literal.number(1))],
                                               default=exp.Literal.number(0)), "__tf")]
        else:
            if len(q.expressions) != 1:
                raise UnsupportedFeatureError("a subquery used as a value returning several columns")
            projections = None
        dependent = dependent_select(q, dname, len(values), projections)
        rows = self.query(dependent, ctes)
        key = (rid,), (f"{alias}.__rid",)
        marker = exp.column("__rid", alias)
        missing = exp.Is(this=marker, expression=exp.Null())
        if kind == "exists":
            found = rename(Aggregate(Project(rows, (("__rid", Col("__rid")),)), ("__rid",), ()), alias)
            value = exp.Not(this=missing)
            if having_empty is not None:
                value = exp.or_(value, exp.func("coalesce", having_empty, exp.false()))
            return Join(with_id, found, "left", *key), value
        if kind == "scalar":
            v = rows.schema.names[0]
            per_row = Aggregate(rows, ("__rid",), (AggSpec("n", "count_all"), AggSpec("v", "min", v)))
            per_row = rename(Project(per_row, (("__rid", Col("__rid")), ("v", call("sql_single_row", Col("n"), Col("v"))))), alias)
            value = exp.column("v", alias)
            if empty is not None and not isinstance(empty, exp.Null):
                value = exp.Case(ifs=[exp.If(this=missing, true=empty)], default=value)
            return Join(with_id, per_row, "left", *key), value
        counts = rename(Aggregate(rows, ("__rid",), (AggSpec("n", "count_all"), AggSpec("tt", "sum", "__tt"),
                                                     AggSpec("tf", "sum", "__tf"))), alias)
        n, tt, tf = (exp.column(c, alias) for c in ("n", "tt", "tf"))
        if kind == "any":
            ifs = [exp.If(this=missing, true=exp.false()), exp.If(this=exp.GT(this=tt, expression=exp.Literal.number(0)), true=exp.true()),
                   exp.If(this=exp.GT(this=n, expression=tf), true=exp.null())]
            value = exp.Case(ifs=ifs, default=exp.false())
        else:
            ifs = [exp.If(this=missing, true=exp.true()), exp.If(this=exp.GT(this=tf, expression=exp.Literal.number(0)), true=exp.false()),
                   exp.If(this=exp.GT(this=n, expression=tt), true=exp.null())]
            value = exp.Case(ifs=ifs, default=exp.true())
        return Join(with_id, counts, "left", *key), value

    def _dependent_relation(self, node: Node, values: list, replacements, rid: str, k: int) -> tuple[Node, Node]:
        """(``node`` with a column ``rid``, the dependent relation ``D``: ``__rid`` and the outer
        ``values`` as ``__c0, __c1, ...``). D holds each distinct combination of the values once
        (Neumann and Kemper's domain), and ``rid`` names an outer row's combination: the join back
        compares NULL-safely (a NULL value is a combination like any other: each key is the value
        with NULLs filled, plus one bit mask of which were NULL). Values of a type with no filler
        (nested types) fall back to one D row per outer row."""
        tr = self._expr(node, replacements)
        cols = tuple((n, Col(n)) for n in node.schema.names)
        names = [f"__k{k}_{j}" for j in range(len(values))]
        base = Project(node, cols + tuple((n, tr(v)) for n, v in zip(names, values)))
        fillers = [_filler(base.schema.field(n).type) for n in names]
        if any(f is None for f in fillers):
            with_id = RowId(node, rid)
            tr = self._expr(with_id, replacements)
            return with_id, Project(with_id, (("__rid", Col(rid)),) + tuple((f"__c{j}", tr(v)) for j, v in enumerate(values)))
        distinct = Aggregate(Project(base, tuple((n, Col(n)) for n in names)), tuple(names), ())
        dep = Project(RowId(distinct, "__rid"), (("__rid", Col("__rid")),) + tuple((f"__c{j}", Col(n)) for j, n in enumerate(names)))

        def safe_keys(columns: list[str]) -> tuple:
            mask = None
            keys = []
            for j, (c, filler) in enumerate(zip(columns, fillers)):
                keys.append((f"__nk{j}", call("fill_null", Col(c), filler)))
                bit = call("if_else", call("is_null", Col(c)), Lit(1 << j), Lit(0))
                mask = bit if mask is None else call("add", mask, bit)
            return tuple(keys) + (("__nk_mask", mask),)

        left = Project(base, cols + safe_keys(names))
        right = rename(Project(dep, (("__rid", Col("__rid")),) + safe_keys([f"__c{j}" for j in range(len(values))])), f"__dr{k}")
        lkeys = tuple(n for n, _ in safe_keys(names))
        joined = Join(left, right, "inner", lkeys, tuple(f"__dr{k}.{n}" for n in lkeys))
        return Project(joined, cols + ((rid, Col(f"__dr{k}.__rid")),)), dep

    # -- the fast special cases ---------------------------------------------------------------
    @staticmethod
    def _exists_is_simple(sub: exp.Expression, outer: set[str]) -> bool:
        """Whether ``_exists`` plans this EXISTS: a plain SELECT (no grouping, aggregate or LIMIT)
        whose outer references are all in its own WHERE conjuncts, without nested subqueries there."""
        sub = sub.this if isinstance(sub, exp.Subquery) else sub
        if not isinstance(sub, exp.Select) or _aggregated(sub):
            return False
        if any(sub.args.get(a) for a in ("group", "having", "limit", "offset", "with_", "qualify", "distinct")):
            return False
        where = sub.args.get("where")
        if where is not None and where.this.find(exp.Select) is not None:
            return False
        return all(c.find_ancestor(exp.Where, exp.Select) is where and where is not None for c in correlations(sub, outer, False))

    def _exists(self, node: Node, outer: set[str], sub: exp.Expression, negated: bool, ctes: dict[str, Node], i: int) -> Node:
        """``[NOT] EXISTS`` as a WHERE conjunct: a semi (anti) join on the equality correlations
        (q21's ``<>`` beside them a grouped min/max); other correlations take the general path."""
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
        cols = tuple((n, Col(n)) for n in node.schema.names)
        single = residual[0] if len(residual) == 1 and equi else None
        other_value = None  # (inner column, outer column) of q21's shape
        if isinstance(single, exp.NEQ) and all(isinstance(x, exp.Column) for x in (single.this, single.expression)):
            inner_col, outer_col = (single.this, single.expression) if single.this.table in inner else (single.expression, single.this)
            if inner_col.table in inner and outer_col.table in outer:
                other_value = inner_col, outer_col
        if residual and other_value is None:
            # other correlations: the general dependent join (over distinct outer values)
            with_value, value = self._subquery_value(node, exp.Exists(this=sub), None, ctes, outer, False)
            test = self._expr(with_value, None)(exp.Not(this=value) if negated else value)
            return Project(Filter(with_value, test), cols)
        alias = f"__ex{i}"
        needed = sorted({(col.table, col.name) for c in [n for _, n in equi] + residual for col in c.find_all(exp.Column) if col.table in inner}
                        | {(n.table, n.name) for _, n in equi})
        inner_sel = sub.copy()
        inner_sel.set("expressions", [exp.alias_(exp.column(n, t), f"{t}__{n}") for t, n in needed] or [exp.alias_(exp.Literal.number(1), "one")])
        inner_sel.set("where", exp.Where(this=exp.and_(*local)) if local else None)
        right = rename(self.query(inner_sel, ctes), alias)
        lkeys = tuple(f"{o.table}.{o.name}" for o, _ in equi)
        rkeys = tuple(f"{alias}.{n.table}__{n.name}" for _, n in equi)
        if other_value is not None:
            inner_col, outer_col = other_value
            return self._exists_other_value(node, right, lkeys, rkeys, f"{alias}.{inner_col.table}__{inner_col.name}",
                                            f"{outer_col.table}.{outer_col.name}", negated, cols, i)
        if not lkeys:  # uncorrelated: one row saying whether the subquery has any
            found = rename(Aggregate(Limit(right, 1), (), (AggSpec("n", "count_all"),)), f"{alias}_n")
            test = call("eq" if negated else "gt", Col(f"{alias}_n.n"), Lit(0))
            return Project(Filter(Join(node, found, "cross"), test), cols)
        return Join(node, right, "anti" if negated else "semi", lkeys, rkeys)

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
        operands = list(test.this.expressions) if isinstance(test.this, exp.Tuple) else [test.this]
        if len(sub.schema) != len(operands):
            raise SqlError(f"IN (subquery) compares {len(operands)} value(s) with a subquery returning {len(sub.schema)} columns")
        alias = f"__in{i}"
        right = rename(sub, alias)
        rcols = tuple(right.schema.names)
        rcol = rcols[0]
        tr = self._expr(node, None)
        lnames = tuple(f"__in{i}_key{j}" for j in range(len(operands)))
        lname = lnames[0]
        cols = tuple((n, Col(n)) for n in node.schema.names)
        keyed = Project(node, cols + tuple((n, tr(e)) for n, e in zip(lnames, operands)))
        if len(operands) > 1:  # a row value, as a WHERE conjunct: a semi join on every field (NULLs never match)
            assert not negated, "NOT IN of a row value takes the general path"
            return Project(Join(keyed, right, "semi", lnames, rcols), cols)
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


def _single_value(value: Node) -> Node:
    """One row, column ``v``: the one value of ``value`` (one column), NULL when it has no row;
    several rows raise (``sql_single_row``)."""
    one = Aggregate(Limit(value, 2), (), (AggSpec("n", "count_all"), AggSpec("v", "min", value.schema.names[0])))
    return Project(one, (("v", call("sql_single_row", Col("n"), Col("v"))),))


def _filler(t: pa.DataType) -> Lit | None:
    """A non-NULL value of type ``t`` (None for types without one here) to fill NULL join keys."""
    if pa.types.is_decimal(t):
        return Lit(decimal.Decimal(0), t)  # Arrow refuses int64 0 cast to a narrow decimal
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return Lit(pa.scalar(0).cast(t).as_py(), t)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return Lit("", t)
    if pa.types.is_boolean(t):
        return Lit(False, t)
    if pa.types.is_date32(t):
        return Lit(pa.scalar(0, pa.int32()).cast(t).as_py(), t)
    if pa.types.is_date64(t) or pa.types.is_timestamp(t):
        return Lit(pa.scalar(0, pa.int64()).cast(t).as_py(), t)
    return None


# -- finding subqueries and their outer references ---------------------------------------------

def subquery_terms(e: exp.Expression) -> list[exp.Expression]:
    """The outermost subquery expressions in ``e``: scalar subqueries, EXISTS, ``IN (SELECT ...)``
    and comparisons with ANY / ALL / SOME (the ones inside them are their own business)."""
    found, stack = [], [e]
    while stack:
        x = stack.pop()
        if is_subquery_term(x):
            found.append(x)
            continue
        stack.extend(reversed(list(x.iter_expressions())))
    return found


def is_subquery_term(x: exp.Expression) -> bool:
    if isinstance(x, exp.Exists):
        return True
    if isinstance(x, exp.In):
        return x.args.get("query") is not None
    if isinstance(x, exp.Binary) and isinstance(x.expression, (exp.Any, exp.All)):
        return True
    if not isinstance(x, exp.Subquery):
        return False
    # the query of an IN, ANY, ALL or EXISTS belongs to that expression; anything else is a value
    return not (isinstance(x.parent, exp.In) and x.arg_key == "query") and not isinstance(x.parent, (exp.Any, exp.All, exp.Exists))


def has_subquery(e: exp.Expression) -> bool:
    return bool(subquery_terms(e))


def query_of(term: exp.Expression) -> exp.Expression:
    """The query of a subquery expression (without its Subquery wrapper)."""
    if isinstance(term, exp.In):
        q = term.args["query"]
    elif isinstance(term, exp.Binary):
        q = term.expression.this
    else:
        q = term.this
    return q.this if isinstance(q, exp.Subquery) else q


def _sources(select: exp.Expression) -> set[str]:
    if not isinstance(select, exp.Select):
        return set()
    from_ = select.args.get("from_")
    return ({from_.this.alias_or_name} if from_ is not None else set()) | {j.this.alias_or_name for j in select.args.get("joins") or []}


def _outer_column(c: exp.Column, q: exp.Expression, outer: set[str]) -> bool:
    """Whether ``c`` (inside ``q``) refers to one of the ``outer`` relations rather than to a
    relation of ``q`` or of a query nested in it."""
    if not c.table or c.table not in outer:
        return False
    x = c.parent
    while x is not None:
        if c.table in _sources(x):
            return False
        if x is q:
            return True
        x = x.parent
    return True


def correlations(q: exp.Expression, outer: set[str], post_aggregation: bool) -> list[exp.Expression]:
    """The places in ``q`` that read the outer query: its outer columns, or (``post_aggregation``)
    the outer aggregates around them (``(SELECT ... WHERE t2.a = min(t1.a))`` in a HAVING)."""
    found: list[exp.Expression] = []
    for c in q.find_all(exp.Column):
        if not _outer_column(c, q, outer):
            continue
        item = _outer_expression(c, q, outer) if post_aggregation else c
        if not any(item is f for f in found):
            found.append(item)
    return found


# where an outer expression inside a subquery stops growing
_BOUNDARIES = (exp.Select, exp.Subquery, exp.Where, exp.Having, exp.Group, exp.Order, exp.Ordered, exp.Join, exp.From,
               exp.Alias, exp.Window, exp.Query)


def _outer_expression(c: exp.Column, q: exp.Expression, outer: set[str]) -> exp.Expression:
    """The largest expression around outer column ``c`` that reads only outer columns: after the
    outer query's grouping it is evaluated there, so it may be a GROUP BY expression
    (``(SELECT ... WHERE y = g.a + g.b)`` under ``GROUP BY g.a + g.b``) or an aggregate of the
    outer rows (``WHERE y = min(t1.a)`` in a HAVING), neither of whose columns are available alone."""
    item: exp.Expression = c
    x = c.parent
    while x is not None and x is not q and not isinstance(x, _BOUNDARIES):
        if (x.find(exp.Select) is not None or not all(_outer_column(y, q, outer) for y in x.find_all(exp.Column))
                or any(a.find(exp.Column) is None for a in x.find_all(exp.AggFunc))):  # count(*) is the subquery's
            break
        item, x = x, x.parent
    return item


def outer_aggregate(agg: exp.AggFunc, sel: exp.Select, outer: set[str]) -> bool:
    """Whether aggregate ``agg`` found under ``sel`` is ``sel``'s own: directly in it, or inside a
    subquery but over ``sel``'s columns only."""
    inner = agg.find_ancestor(exp.Select)
    if inner is sel:
        return True
    columns = list(agg.find_all(exp.Column))
    return bool(columns) and all(_outer_column(c, inner, outer) for c in columns)


# -- the dependent subquery ---------------------------------------------------------------------

def _aggregated(q: exp.Select) -> bool:
    return any(a.find_ancestor(exp.Select) is q for p in q.expressions for a in p.find_all(exp.AggFunc)
               if a.find_ancestor(exp.Window) is None)


def _one_row(q: exp.Select) -> bool:
    """An aggregate query without GROUP BY: one row (fewer only through HAVING; LIMIT 0 or an
    OFFSET leave none)."""
    if not isinstance(q, exp.Select) or q.args.get("group") or not _aggregated(q):
        return False
    limit, offset = limit_of(q)
    return limit != 0 and not offset


def _unalias(e: exp.Expression) -> exp.Expression:
    return e.this if isinstance(e, exp.Alias) else e


def _over_no_rows(e: exp.Expression) -> exp.Expression:
    """``e`` (a projection of an aggregate query without GROUP BY) as its value over no rows:
    COUNT is 0, other aggregates NULL; outer references stay (they are the outer row's)."""
    def empty(x):
        if isinstance(x, exp.AggFunc) and x.find_ancestor(exp.Window) is None:
            return exp.Literal.number(0) if isinstance(x, _ZERO_WHEN_EMPTY) else exp.null()
        return x
    return _unalias(e).copy().transform(empty)


def _empty_value(q: exp.Select) -> exp.Expression:
    value = _over_no_rows(q.expressions[0])
    having = _empty_having(q)
    return value if having is None else exp.Case(ifs=[exp.If(this=having, true=value)])


def _empty_having(q: exp.Select) -> exp.Expression | None:
    having = q.args.get("having")
    return _over_no_rows(having.this) if having is not None else None


def dependent_select(q: exp.Select, dname: str, ncols: int, projections: list | None) -> exp.Select:
    """``q`` computed for every row of the dependent relation ``dname`` at once: ``dname`` becomes
    its first FROM source, its result carries the outer row id ``__rid`` (last column), grouping
    is per row id and LIMIT / OFFSET per row id (a ROW_NUMBER window). A set operation is applied
    to each of its inputs (its rows then carry their row id)."""
    if isinstance(q, exp.SetOperation):
        if q.args.get("order") or q.args.get("limit") or q.args.get("offset"):
            raise UnsupportedFeatureError("ORDER BY / LIMIT on a correlated set operation")
        q = q.copy()
        q.set("this", dependent_select(q.this, dname, ncols, projections))
        q.set("expression", dependent_select(q.expression, dname, ncols, projections))
        return q
    q = q.copy()
    rid = exp.column("__rid", dname)
    keys = [rid] + [exp.column(f"__c{j}", dname) for j in range(ncols)]
    source = exp.Table(this=exp.to_identifier(dname))
    from_ = q.args.get("from_")
    if from_ is not None:
        q.set("joins", [exp.Join(this=from_.this.copy())] + list(q.args.get("joins") or []))
    q.set("from_", exp.From(this=source))
    for join in q.args.get("joins") or []:
        derived = join.this
        if isinstance(derived, exp.Subquery) and isinstance(derived.this, (exp.Select, exp.SetOperation)) and any(
                c.table == dname for c in derived.this.find_all(exp.Column)):
            # a derived table reading the outer row (LATERAL): computed per row id as well and
            # joined on it
            derived.set("this", dependent_select(derived.this, dname, ncols, None))
            same_row = exp.EQ(this=exp.column("__rid", derived.alias_or_name), expression=rid.copy())
            if join.side:
                join.set("on", exp.and_(join.args["on"], same_row) if join.args.get("on") else same_row)
            else:
                q.where(same_row, copy=False)
    for window in [w for p in q.expressions for w in p.find_all(exp.Window) if w.find_ancestor(exp.Select) is q]:
        window.set("partition_by", [rid.copy()] + list(window.args.get("partition_by") or []))  # windows per row id
    order = q.args.get("order")
    order_items = [_resolve_order(o, q) for o in order.expressions] if order is not None else []
    if projections is not None:
        q.set("expressions", projections)
    group = q.args.get("group")
    if group is not None:
        group.set("expressions", list(group.expressions) + keys)
    elif _aggregated(q) or q.args.get("having"):
        q.set("group", exp.Group(expressions=keys))
    names = [p.alias_or_name for p in q.expressions]
    q.set("expressions", list(q.expressions) + [exp.alias_(rid.copy(), "__rid")])
    limit, offset = limit_of(q)
    if limit is None and not offset:
        return q
    q.set("limit", None)
    q.set("offset", None)
    q.set("order", None)
    number = exp.Window(this=exp.RowNumber(), partition_by=[rid.copy()],
                        order=exp.Order(expressions=order_items) if order_items else None)
    q.set("expressions", list(q.expressions) + [exp.alias_(number, "__rn")])
    rn = exp.column("__rn", "__l")
    keep = exp.GT(this=rn, expression=exp.Literal.number(offset))
    if limit is not None:
        keep = exp.and_(keep, exp.LTE(this=rn.copy(), expression=exp.Literal.number(offset + limit)))
    return (exp.select(*[exp.column(n, "__l") for n in names + ["__rid"]])
            .from_(exp.Subquery(this=q, alias=exp.TableAlias(this=exp.to_identifier("__l")))).where(keep))


def _resolve_order(o: exp.Ordered, q: exp.Select) -> exp.Ordered:
    """An ORDER BY item with output names and ordinals replaced by the expressions they name."""
    o = o.copy()
    target = o.this
    projections = q.expressions
    if isinstance(target, exp.Literal) and target.is_int:
        o.set("this", _unalias(projections[int(target.this) - 1]).copy())
    elif isinstance(target, exp.Column) and not target.table:
        for p in projections:
            if p.alias_or_name == target.name:
                o.set("this", _unalias(p).copy())
                break
    return o
