"""The builder's entry point: a query (CTEs, set operations, SELECT) onto logical nodes. A SELECT
is FROM and joins, then subquery predicates, then the remaining WHERE, then projection with
aggregation, windows, DISTINCT, ORDER BY and LIMIT."""

from __future__ import annotations

from typing import Callable

import pyarrow as pa
from sqlglot import exp

from frames.errors import ColumnNotFoundError, DataTypeError
from frames.dataframe.expr.kernels import common_type
from frames.dataframe.expr.scalar import Col, Lit, ScalarExpr, call, conjunction
from frames.dataframe.expr.sort import SortKey
from frames.dataframe.expr.window import WindowFunction
from planner.build.aggregates import AggregateBuilder, filters_as_case, group_by_all, grouping_sets
from planner.build.common import (conjuncts_sql, is_window_function, limit_of, one_row, plain_inner, rename,
                                  unique_names)
from planner.build.joins import JoinBuilder
from planner.build.recursive import RecursiveBuilder, names_itself
from planner.build.pivot import PivotBuilder
from planner.build.sample import sampled
from planner.build.unnest import UnnestBuilder
from planner.build.setops import SetOperationBuilder
from planner.build.subqueries import SubqueryBuilder, correlations, has_subquery, outer_aggregate, query_of
from planner.build.windows import WindowBuilder
from planner.errors import SqlError, UnsupportedFeatureError
from planner.expressions import ExpressionTranslator
from planner.logical import Aggregate, Filter, Limit, LogicalPlan as Node, Project, Sort, Values, Window

class QueryBuilder(JoinBuilder, SubqueryBuilder, AggregateBuilder, WindowBuilder, SetOperationBuilder, RecursiveBuilder, PivotBuilder,
                   UnnestBuilder):
    """Builds frames nodes for one statement; ``tables`` resolves catalog names to nodes."""

    def __init__(self, table_node: Callable[[str], Node]):
        self.table_node = table_node
        self._count = 0  # for unique internal column names

    # -- queries ------------------------------------------------------------------------------
    def query(self, q: exp.Expression, ctes: dict[str, Node] | None = None) -> Node:
        ctes = dict(ctes or {})
        with_ = q.args.get("with_") or q.args.get("with")
        if with_ is not None:
            recursive = bool(with_.args.get("recursive"))
            for cte in with_.expressions:
                if recursive and names_itself(cte):
                    ctes[cte.alias] = self._recursive_cte(cte, ctes)
                else:
                    ctes[cte.alias] = self.query(cte.this, ctes)
        if isinstance(q, exp.Subquery):  # (SELECT ...) ORDER BY ... LIMIT ...: the parentheses' own clauses last
            return self._ordered_and_limited(self.query(q.this, ctes), q, "a parenthesized query")
        if isinstance(q, exp.SetOperation):
            return self._set_operation(q, ctes)
        if isinstance(q, exp.Select):
            return self._select(q, ctes)
        raise UnsupportedFeatureError(f"{type(q).__name__} queries")

    def _source(self, source: exp.Expression, ctes: dict[str, Node]) -> tuple[Node, str]:
        node, alias = self._unsampled_source(source, ctes)
        if source.args.get("pivots"):
            if isinstance(source, exp.Table):
                alias = source.alias or source.name  # the pivot's alias names what comes out
            node, alias = self._pivoted(node, alias, source)
        return sampled(node, source.args.get("sample")), alias  # TABLESAMPLE: before any join

    def _unsampled_source(self, source: exp.Expression, ctes: dict[str, Node]) -> tuple[Node, str]:
        alias = source.alias_or_name
        if isinstance(source, exp.Table):
            name = source.name
            node = ctes[name] if name in ctes and not source.db else self.table_node(name)
            return rename(node, alias), alias
        if isinstance(source, exp.Subquery):
            return rename(self.query(source.this, ctes), alias), alias
        if isinstance(source, exp.Values):
            return rename(self._values(source), alias), alias
        raise UnsupportedFeatureError(f"FROM {type(source).__name__}")

    def _values(self, values: exp.Values) -> Node:
        """``VALUES (...), (...)`` with constant rows: a constant table, types inferred per column
        (integers widen to decimals or floats, NULLs take the other rows' type)."""
        tr = self._expr(one_row(), None)
        rows = []
        for row in values.expressions:
            items = row.expressions if isinstance(row, exp.Tuple) else [row]
            lits = [tr(e) for e in items]
            if not all(isinstance(v, Lit) for v in lits):
                raise UnsupportedFeatureError("VALUES with non-constant expressions")
            rows.append(lits)
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise UnsupportedFeatureError("VALUES rows of different lengths")
        alias = values.args.get("alias")
        names = [c.name for c in alias.columns] if alias is not None and alias.columns else []
        names += [f"col{i}" for i in range(len(names), width)]
        columns = {}
        for i, name in enumerate(names):
            column = [r[i].value for r in rows]
            try:  # the literals' common type, as DuckDB types a VALUES column
                columns[name] = pa.array(column, common_type(pa.scalar(r[i].value, r[i].type).type for r in rows))
            except (pa.ArrowInvalid, pa.ArrowTypeError, DataTypeError):
                try:
                    columns[name] = pa.array(column)
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    columns[name] = pa.array([float(v) if v is not None else None for v in column], pa.float64())
            if pa.types.is_null(columns[name].type):
                columns[name] = columns[name].cast(pa.int32())
        return Values(pa.table(columns))

    def _select(self, sel: exp.Select, ctes: dict[str, Node]) -> Node:
        sel = filters_as_case(sel)
        where = sel.args.get("where")
        pending = conjuncts_sql(where.this) if where is not None else []
        from_ = sel.args.get("from_") or sel.args.get("from")
        joins = sel.args.get("joins") or []
        if from_ is None:
            node: Node = one_row()
            available: set[str] = set()
        else:
            aliases = {from_.this.alias_or_name} | {j.this.alias_or_name for j in joins}
            scalars = self._scalar_sources(pending, aliases, ctes)
            # one-row sources join the leading inner run, unless a RIGHT / FULL join would pad them with NULLs
            preserving = any((j.side or "").upper() in ("RIGHT", "FULL") for j in joins)
            joins = list(joins) + scalars if preserving else scalars + list(joins)
            # the leading run of inner joins is reordered (a LEFT JOIN whose right side WHERE
            # requires to be non-NULL is made inner by the rule left_to_inner_join); outer joins follow
            lead = 0
            while lead < len(joins) and plain_inner(joins[lead]):
                lead += 1
            # a later RIGHT or FULL join pads the earlier tables with NULLs, and USING SAMPLE samples
            # the joined rows: WHERE applies after them
            holds = sel.args.get("sample") is not None or any((j.side or "").upper() in ("RIGHT", "FULL") for j in joins)
            held, pending = (pending, []) if holds else ([], pending)
            if lead:
                node, available, pending = self._ordered_joins([from_.this] + [j.this for j in joins[:lead]], joins[:lead], pending, ctes)
                if preserving:  # the run's ON conditions left (subquery ones) apply before a later join pads its rows
                    node, pending = self._where(node, pending, available, ctes), []
            else:
                node, alias = self._source(from_.this, ctes)
                available = {alias}
            for join in joins[lead:]:
                right, ralias = self._source(join.this, ctes)
                node, pending = self._join(node, available, right, ralias, join, pending, ctes)
                available.add(ralias)
            node = sampled(node, sel.args.get("sample"))  # USING SAMPLE: after FROM, before WHERE
            pending += held
        node = self._where(node, pending, available, ctes)
        sel, node = self._unnest(sel, node)
        return self._project(sel, node, ctes)

    def _where(self, node: Node, conds: list[exp.Expression], available: set[str], ctes: dict[str, Node]) -> Node:
        """``node`` filtered by the conjuncts ``conds`` (over the relations ``available``):
        ``[NOT] IN (SELECT ...)`` and simple ``[NOT] EXISTS`` conjuncts as semi (anti) joins, other
        subqueries as columns joined on (``_subquery_values``), then one Filter for the rest."""
        remaining = []
        for p in conds:
            self._count += 1
            i = self._count
            negated = isinstance(p, exp.Not) and isinstance(p.this, (exp.In, exp.Exists))
            test = p.this if negated else p
            if (isinstance(test, exp.In) and test.args.get("query") is not None and not correlations(query_of(test), available, False)
                    and not (negated and isinstance(test.this, exp.Tuple))):
                node = self._in_subquery(node, test, negated, ctes, i)
            elif isinstance(test, exp.Exists) and self._exists_is_simple(test.this, available):
                node = self._exists(node, available, test.this, negated, ctes, i)
            elif has_subquery(p):
                node, (p,) = self._subquery_values(node, [p], None, ctes, available)
                remaining.append(p)
            else:
                remaining.append(p)
        if remaining:
            tr = self._expr(node, None)
            node = Filter(node, conjunction(map(tr, remaining)))
        return node

    def _expr(self, node: Node, replacements) -> ExpressionTranslator:
        names = set(node.schema.names)

        def resolve(c: exp.Column) -> ScalarExpr:
            name = f"{c.table}.{c.name}" if c.table else c.name
            if name in names:
                return Col(name)
            matches = [n for n in names if n.endswith("." + c.name)] if not c.table else []
            if len(matches) == 1:
                return Col(matches[0])
            if any(n.startswith(("__g", "__agg")) for n in names):  # above an aggregation
                raise SqlError(f"column {c.name!r} must appear in the GROUP BY clause or be used in an aggregate function")
            raise ColumnNotFoundError(c.name, sorted({n.split(".", 1)[-1] for n in names}))

        return ExpressionTranslator(resolve, replacements)

    def _project(self, sel: exp.Select, node: Node, ctes: dict[str, Node] | None = None) -> Node:
        """Aggregation (with HAVING), windows, QUALIFY, the output projection, DISTINCT [ON],
        ORDER BY and LIMIT.

        ``QUALIFY c`` is a Filter on ``c`` after the windows (its own windows computed with the
        select list's) and before the output projection, so it may use any input column.
        ``DISTINCT ON (e, ...)`` keeps the first row of each ``e`` by the ORDER BY: a ``row_number``
        window partitioned by the ``e`` and ordered by the ORDER BY keys, then a Filter on it being 1
        (``distinct_on``). ``ORDER BY ALL`` orders by every output column in turn."""
        projections = list(sel.expressions)
        outer = {n.split(".", 1)[0] for n in node.schema.names if "." in n}
        names = unique_names([p.alias_or_name or f"col{i}" for i, p in enumerate(projections)])
        having = sel.args.get("having")
        qualify = sel.args.get("qualify")
        group = sel.args.get("group")
        order = sel.args.get("order")
        order_items = order_all(order, len(names)) if order is not None else []
        distinct = sel.args.get("distinct")
        distinct_on = list(distinct.args["on"].expressions) if distinct is not None and distinct.args.get("on") else []
        clauses = projections + ([having.this] if having else []) + ([qualify.this] if qualify else []) + [o.this for o in order_items]
        aggregates = [a for p in clauses for a in p.find_all(exp.AggFunc)
                      if not is_window_function(a) and outer_aggregate(a, sel, outer)]
        # ORDER BY and DISTINCT ON items: an output column by alias, ordinal or same expression,
        # else a hidden one
        sort_keys, hidden = [], []
        for i, o in enumerate(order_items):
            name = output_column(o.this, names, projections)
            if name is None:
                name = f"__order{i}"
                hidden.append((name, inline_aliases(o.this, names, projections)))
            # DuckDB's default is NULLS LAST in both directions
            sort_keys.append(SortKey(name, not o.args.get("desc"), bool(o.args.get("nulls_first"))))
        on_names = []
        for i, e in enumerate(distinct_on):
            name = output_column(e, names, projections)
            if name is None:
                name = f"__on{i}"
                hidden.append((name, e))
            on_names.append(name)

        def finish(agg_node: Node, replacements: dict) -> Node:
            condition, selected, extra = having.this if having is not None else None, projections, [t for _, t in hidden]
            exprs = [e for e in [condition] + selected + extra if e is not None]
            if any(has_subquery(e) for e in exprs):  # evaluated on copies
                agg_node, exprs = self._subquery_values(agg_node, [e.copy() for e in exprs], replacements, ctes or {}, outer,
                                                        post_aggregation=bool(replacements))
                condition = exprs.pop(0) if condition is not None else None
                selected, extra = exprs[:len(selected)], exprs[len(selected):]
            if condition is not None:
                agg_node = Filter(agg_node, self._expr(agg_node, replacements)(condition))
            windows = [w for p in selected + ([qualify.this] if qualify else []) + [o.this for o in order_items]
                       for w in p.find_all(exp.Window)]
            if windows:
                agg_node, replacements = self._windows(agg_node, windows, replacements, sel)
            tr = self._expr(agg_node, replacements)
            if qualify is not None:
                agg_node = Filter(agg_node, tr(qualify.this))
            return Project(agg_node, tuple([(n, tr(p)) for n, p in zip(names, selected)] + [(n[0], tr(t)) for n, t in zip(hidden, extra)]))

        if group is not None or aggregates:
            node = self._pre_aggregation_subqueries(node, group, aggregates, projections, [having, order], ctes or {}, outer)
        sets = grouping_sets(group)
        keys = group_by_all(group, projections)
        if sets is not None:
            out: Node = finish(*self._grouping_sets(node, sets, aggregates, projections))
        elif group is not None or aggregates:
            if keys is None:
                keys = list(group.expressions) if group is not None else []
            agg_node, replacements = self._aggregate(node, keys, aggregates, projections)
            out = finish(agg_node, replacements)
        else:
            out = finish(node, {})
        if distinct_on:
            out = distinct_on_first(out, on_names, sort_keys)
        elif distinct is not None:
            if hidden:
                raise UnsupportedFeatureError("SELECT DISTINCT with ORDER BY on a column not selected")
            out = Aggregate(out, tuple(out.schema.names), ())
        limit, offset = limit_of(sel)
        if sort_keys:
            out = Sort(out, tuple(sort_keys))  # push_down_limit makes ORDER BY ... LIMIT a top-k
        if limit is not None or offset:
            out = Limit(out, limit, offset)
        if hidden:
            out = Project(out, tuple((n, Col(n)) for n in names))
        return out


def inline_aliases(e: exp.Expression, names: list[str], projections: list) -> exp.Expression:
    """``e`` (an ORDER BY expression) with references to output aliases replaced by the aliased
    expressions (``ORDER BY CASE WHEN grouping(g) = 0 THEN g END``): sqlglot qualifies every real
    column, so an unqualified column there names an output."""
    by_name = {n: (p.this if isinstance(p, exp.Alias) else p) for n, p in zip(names, projections)}
    if not any(isinstance(c, exp.Column) and not c.table and c.name in by_name for c in e.find_all(exp.Column)):
        return e

    def swap(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table and node.name in by_name:
            return by_name[node.name].copy()
        return node

    return e.transform(swap)


def output_column(target: exp.Expression, names: list[str], projections: list) -> str | None:
    """The output column an ORDER BY / DISTINCT ON item names: by alias, ordinal or the same
    expression (None: it is an expression of its own)."""
    if isinstance(target, exp.Column) and not target.table and target.name in names:
        return target.name
    if isinstance(target, exp.Literal) and target.is_int:
        return names[int(target.this) - 1]
    for n, p in zip(names, projections):
        if (p.this if isinstance(p, exp.Alias) else p) == target:
            return n
    return None


def order_all(order: exp.Order, width: int) -> list[exp.Ordered]:
    """The ORDER BY items; ``ORDER BY ALL [DESC]`` is every output column in turn, by ordinal."""
    items = list(order.expressions)
    if len(items) == 1 and isinstance(items[0].this, exp.Var) and items[0].this.name.upper() == "ALL":
        o = items[0]
        return [exp.Ordered(this=exp.Literal.number(i + 1), desc=o.args.get("desc"), nulls_first=o.args.get("nulls_first"))
                for i in range(width)]
    return items


def distinct_on_first(node: Node, on: list[str], sort_keys: list[SortKey]) -> Node:
    """The first row (by ``sort_keys``) of each distinct ``on``: row_number over them, kept where 1."""
    rn = "__distinct_on_rn"
    numbered = Window(node, (WindowFunction(rn, "row_number", None, tuple(on), tuple(sort_keys)),))
    kept = Filter(numbered, call("eq", Col(rn), Lit(1)))
    return Project(kept, tuple((n, Col(n)) for n in node.schema.names))
