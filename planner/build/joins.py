"""Joins: a run of inner joins pooled for ``reorder_joins``, join keys taken from ON / USING / WHERE
equalities (the rest stays a filter), outer joins with non-equality conditions."""

from __future__ import annotations

from sqlglot import exp

from frames.errors import ColumnNotFoundError
from frames.dataframe.expr.scalar import Col, Lit, conjunction
from planner.build.common import conjuncts_sql, is_subquery_predicate, tables_of
from planner.errors import UnsupportedFeatureError
from planner.logical import Filter, Join, LogicalPlan as Node, Project, RowId, Union

class JoinBuilder:
    """The part of ``QueryBuilder`` that plans joins."""

    def _ordered_joins(self, tables: list, joins: list, pending: list, ctes: dict[str, Node]):
        """A run of inner joins as the optimizer's ``reorder_joins`` expects it: the inputs as a
        chain of cross joins in the order written, under one filter with every condition of the
        run (ON and WHERE conjuncts pooled: inner joins commute). Subquery predicates and
        conditions on tables joined later stay pending."""
        pending = list(pending)
        for j in joins:
            on = j.args.get("on")
            pending += conjuncts_sql(on) if on is not None else []
        node: Node | None = None
        available: set[str] = set()
        for t in tables:
            source, alias = self._source(t, ctes)
            node = source if node is None else Join(node, source, "cross")
            available.add(alias)
        mine = [p for p in pending if tables_of(p) <= available and not is_subquery_predicate(p) and p.find(exp.Select) is None]
        pending = [p for p in pending if not any(p is m for m in mine)]
        if mine:
            tr = self._expr(node, None)
            node = Filter(node, conjunction(map(tr, mine)))
        return node, available, pending

    def _join(self, left: Node, left_aliases: set[str], right: Node, ralias: str, join: exp.Join,
              pending: list[exp.Expression], ctes: dict[str, Node]) -> tuple[Node, list[exp.Expression]]:
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
            movable = [p for p in pending if tables_of(p) <= scope and ralias in tables_of(p)]
            pending = [p for p in pending if p not in movable]
            conds += movable
            if conds and how == "cross":
                how = "inner"
        scope = left_aliases | {ralias}
        # conditions with subqueries are applied to the joined pairs (``_where``): after an inner
        # join, or inside an outer join's pairs before unmatched rows are padded
        with_subqueries = [c for c in conds if c.find(exp.Select) is not None]
        conds = [c for c in conds if c.find(exp.Select) is None]
        if with_subqueries and how in ("semi", "anti"):
            raise UnsupportedFeatureError(f"{how.upper()} JOIN with a subquery in its condition {with_subqueries[0].sql()!r}")
        if with_subqueries and how in ("left", "right", "outer"):
            return self._outer_join_on(left, right, how, *self._equi_keys(conds, left_aliases, ralias), with_subqueries, scope, ctes), pending
        if with_subqueries and how == "cross":
            how = "inner"
        lkeys, rkeys, residual = self._equi_keys(conds, left_aliases, ralias)
        if how in ("left", "right", "outer", "semi", "anti") and residual:
            # conditions on one side only can be applied to that side before an outer join
            keep = []
            for c in residual:
                tabs = tables_of(c)
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
            if how in ("left", "right", "outer"):  # ON conditions all moved into one side (or none)
                return self._outer_join_on(left, right, how, [], [], []), pending
            if how not in ("inner", "cross"):
                raise UnsupportedFeatureError(f"{how.upper()} JOIN without an equality condition")
            node: Node = Join(left, right, "cross")
        else:
            node = Join(left, right, how, tuple(lkeys), tuple(rkeys))
        if residual:
            tr = self._expr(node, None)
            node = Filter(node, conjunction(map(tr, residual)))
        if with_subqueries:
            node = self._where(node, with_subqueries, scope, ctes)
        return node, pending

    @staticmethod
    def _equi_keys(conds: list, left_aliases: set[str], ralias: str) -> tuple[list, list, list]:
        """(left keys, right keys, the other conditions): the equalities of a left column with a
        right one are join keys."""
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
        return lkeys, rkeys, residual

    def _outer_join_on(self, left: Node, right: Node, how: str, lkeys: list, rkeys: list, conds: list,
                       with_subqueries: list = (), scope: set[str] = frozenset(), ctes: dict | None = None) -> Node:
        """An outer join whose ON has conditions other than key equalities: the pairs that satisfy
        the whole ON (an inner join on the keys, or a cross join, then a filter; conditions with
        subqueries through ``_where`` over the pairs, ``scope`` their relations), plus the rows of
        each preserved side that are in no pair (found by row id), padded with NULLs."""
        self._count += 1
        lid, rid = f"__lid{self._count}", f"__rid{self._count}"
        keep_left, keep_right = how in ("left", "outer"), how in ("right", "outer")
        lrows = RowId(left, lid) if keep_left else left
        rrows = RowId(right, rid) if keep_right else right
        pairs: Node = Join(lrows, rrows, "inner", tuple(lkeys), tuple(rkeys)) if lkeys else Join(lrows, rrows, "cross")
        if conds:
            pairs = Filter(pairs, conjunction(map(self._expr(pairs, None), conds)))
        if with_subqueries:
            pairs = self._where(pairs, list(with_subqueries), scope, ctes or {})
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
