"""``FROM t PIVOT (agg FOR col IN (v1, v2))`` and ``FROM t UNPIVOT (value FOR name IN (c1, c2))``,
planned from the nodes the builder already has (DuckDB's semantics, the SQL-standard form):

- PIVOT groups by every column of ``t`` the aggregates and the pivoted column do not read, and
  computes each aggregate once per listed value, over that value's rows only (``agg(x) FILTER
  (WHERE col = v)``): one output column per (value, aggregate), named ``v`` (one unaliased
  aggregate) or ``v_alias`` / ``v_agg(x)``, as sqlglot names them for the outer query.
- UNPIVOT turns each listed column into rows: the other columns, the column's name, its value
  (rows whose value is NULL are dropped, DuckDB's default ``EXCLUDE NULLS``); one projection per
  listed column, unioned.

The IN list must be given: DuckDB's form without it reads the pivoted column's distinct values
first, which would need running part of the query while planning it (refused, naming it).
"""

from __future__ import annotations

import pyarrow as pa
import sqlglot
from sqlglot import exp

from frames.dataframe.expr.kernels import common_type
from frames.dataframe.expr.scalar import Cast, Col, Lit, call
from planner.build.aggregates import filters_as_case
from planner.errors import UnsupportedFeatureError
from planner.logical import Filter, LogicalPlan as Node, Project, Union


class PivotBuilder:
    """The part of ``QueryBuilder`` that plans PIVOT and UNPIVOT after a FROM source."""

    def _pivoted(self, node: Node, alias: str, source: exp.Expression) -> tuple[Node, str]:
        for pivot in source.args.get("pivots") or []:
            out_alias = pivot.alias or alias
            node = self._unpivot(node, alias, pivot, out_alias) if pivot.args.get("unpivot") else self._pivot(node, alias, pivot, out_alias)
            alias = out_alias
        return node, alias

    @staticmethod
    def _field(pivot: exp.Pivot) -> exp.In:
        fields = pivot.args.get("fields") or []
        if len(fields) != 1 or not isinstance(fields[0], exp.In) or not fields[0].expressions:
            raise UnsupportedFeatureError(f"{'UNPIVOT' if pivot.args.get('unpivot') else 'PIVOT'} without exactly one FOR ... IN (...) list: {pivot.sql()[:80]}")
        if fields[0].args.get("query") is not None or pivot.args.get("include_nulls"):
            raise UnsupportedFeatureError(f"this form of {pivot.sql()[:80]}")
        return fields[0]

    def _pivot(self, node: Node, alias: str, pivot: exp.Pivot, out_alias: str) -> Node:
        field = self._field(pivot)
        aggregates = list(pivot.expressions)
        if not aggregates:
            raise UnsupportedFeatureError("PIVOT without an aggregate")
        read = {c.name for a in aggregates for c in a.find_all(exp.Column)} | {field.this.name}
        prefix = f"{alias}."
        others = [n[len(prefix):] for n in node.schema.names if n.startswith(prefix) and n[len(prefix):] not in read]
        keys = [exp.column(o, table=alias, quoted=True) for o in others]
        calls, names = [], []
        values = [(v.this, v.alias) if isinstance(v, exp.PivotAlias) else (v, None) for v in field.expressions]
        default = [self._value_name(v, name) for v, name in values]
        columns = [c.name for c in pivot.args.get("columns") or []]
        for i, (value, _) in enumerate(values):
            for agg in aggregates:
                inner = agg.this if isinstance(agg, exp.Alias) else agg
                if not isinstance(inner, exp.AggFunc):
                    raise UnsupportedFeatureError(f"PIVOT over {inner.sql()} (not an aggregate)")
                where = exp.Where(this=exp.EQ(this=_qualified(field.this, alias), expression=value.copy()))
                calls.append(filters_as_case(exp.Filter(this=_qualify_all(inner.copy(), alias), expression=where)))
                names.append(default[i] if len(aggregates) == 1 and not isinstance(agg, exp.Alias)
                             else f"{default[i]}_{agg.alias if isinstance(agg, exp.Alias) else inner.sql('duckdb')}")
        if len(columns) == len(names):
            names = columns  # as sqlglot named them for the outer query
        agg_node, replacements = self._aggregate(node, keys, calls, [])
        exprs = [(f"{out_alias}.{o}", replacements[k]) for o, k in zip(others, keys)]
        exprs += [(f"{out_alias}.{n}", replacements[c]) for n, c in zip(names, calls)]
        return Project(agg_node, tuple(exprs))

    @staticmethod
    def _value_name(value: exp.Expression, name: str | None) -> str:
        if name:
            return name
        return value.name if isinstance(value, (exp.Literal, exp.Column, exp.Identifier)) else value.sql("duckdb")

    def _unpivot(self, node: Node, alias: str, pivot: exp.Pivot, out_alias: str) -> Node:
        field = self._field(pivot)
        if len(pivot.expressions) != 1:
            raise UnsupportedFeatureError("UNPIVOT into several value columns")
        value_name, name_name = pivot.expressions[0].name, field.this.name
        listed = [c.name if isinstance(c, (exp.Column, exp.Identifier)) else None for c in field.expressions]
        if None in listed:
            raise UnsupportedFeatureError(f"UNPIVOT of expressions other than columns: {field.sql()[:80]}")
        prefix = f"{alias}."
        have = [n[len(prefix):] for n in node.schema.names if n.startswith(prefix)]
        for c in listed:
            if c not in have:
                from frames.errors import ColumnNotFoundError
                raise ColumnNotFoundError(c, have)
        others = [n for n in have if n not in listed]
        target = common_type([node.schema.field(prefix + c).type for c in listed])
        parts = []
        for c in listed:
            value = Col(prefix + c)
            exprs = [(f"{out_alias}.{o}", Col(prefix + o)) for o in others]
            exprs += [(f"{out_alias}.{name_name}", Lit(c, pa.string())),
                      (f"{out_alias}.{value_name}", value if node.schema.field(prefix + c).type == target else Cast(value, target))]
            parts.append(Project(Filter(node, call("not", call("is_null", value))), tuple(exprs)))
        return Union(tuple(parts)) if len(parts) > 1 else parts[0]


def _qualified(column: exp.Expression, alias: str) -> exp.Expression:
    return exp.column(column.name, table=alias, quoted=True) if isinstance(column, exp.Column) else column.copy()


def _qualify_all(e: exp.Expression, alias: str) -> exp.Expression:
    """``e`` with every column read from the pivoted source (sqlglot leaves them bare in PIVOT)."""
    for c in list(e.find_all(exp.Column)):
        if not c.table:
            c.replace(exp.column(c.name, table=alias, quoted=True))
    return e


def pivot_statements_as_selects(statement: exp.Expression, dialect: str) -> exp.Expression:
    """DuckDB's statements ``PIVOT t ON g IN (...) USING agg [GROUP BY ...]`` and ``UNPIVOT t ON
    a, b INTO NAME k VALUE v``, wherever they stand (alone, in a CTE, after CREATE TABLE AS), as
    the SELECTs with a PIVOT / UNPIVOT clause that mean the same. A GROUP BY keeps only the columns
    it names (and what the pivot reads)."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Pivot) or node.this is None:
            return node
        source = node.this.copy()
        if node.args.get("unpivot"):
            into = node.args.get("into")
            if into is None or len(into.expressions) != 1:
                raise UnsupportedFeatureError("UNPIVOT without INTO NAME ... VALUE ... (one value column)")
            field = exp.In(this=exp.to_identifier(into.this.name), expressions=[c.copy() for c in node.expressions])
            clause = exp.Pivot(expressions=[exp.to_identifier(into.expressions[0].name)], fields=[field], unpivot=True)
        else:
            fields = [f.copy() for f in node.expressions]
            if not fields or not all(isinstance(f, exp.In) for f in fields):
                raise UnsupportedFeatureError("PIVOT ... ON a column without its IN (...) list of values (the values would have to be read first)")
            using = [u.copy() for u in node.args.get("using") or []]
            if not using:
                raise UnsupportedFeatureError("PIVOT without USING an aggregate")
            group = node.args.get("group")
            if group is not None:
                read = [*group.expressions, *[f.this for f in fields], *[c for u in using for c in u.find_all(exp.Column)]]
                names = list(dict.fromkeys(c.name for c in read if isinstance(c, exp.Column)))
                source = exp.select(*[exp.column(n, quoted=True) for n in names]).from_(source).subquery()
            clause = exp.Pivot(expressions=using, fields=fields, unpivot=False)
        # through text: sqlglot's parser works out the pivot's output names (and the flags its
        # optimizer reads to name them) only while it parses a PIVOT clause
        text = f"SELECT * FROM {source.sql(dialect)} {clause.sql(dialect)}"
        return sqlglot.parse_one(text, read=dialect)

    return statement.transform(rewrite)
