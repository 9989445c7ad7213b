"""Aggregation in three steps (project the arguments, aggregate, project the results) and the
grouping sets of ROLLUP / CUBE / GROUPING SETS."""

from __future__ import annotations

import itertools

import pyarrow as pa
from sqlglot import exp

from frames.expr.aggregate import AggSpec
from frames.expr.scalar import Cast, Col, Lit, ScalarExpr
from planner.errors import UnsupportedFeatureError
from planner.logical import Aggregate, LogicalPlan as Node, Project

_AGGS = {exp.Sum: "sum", exp.Avg: "mean", exp.Min: "min", exp.Max: "max", exp.Count: "count",
         exp.Stddev: "std", exp.StddevSamp: "std", exp.StddevPop: "std", exp.Variance: "var",
         exp.VariancePop: "var", exp.AnyValue: "first", exp.LogicalOr: "any", exp.LogicalAnd: "all"}



class AggregateBuilder:
    """The part of ``QueryBuilder`` that plans aggregations."""

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
            func, column = self._agg_spec(agg, tr, pre, j, node.schema)
            options = (("ddof", 0),) if isinstance(agg, (exp.StddevPop, exp.VariancePop)) else ()
            specs.append(AggSpec(f"__agg{j}", func, column, options))
            replacements[agg] = Col(f"__agg{j}")
        if not pre:
            pre.append(("__dummy", Lit(0)))
        projected = Project(node, tuple(pre))
        return Aggregate(projected, tuple(keys), tuple(specs)), replacements

    def _agg_spec(self, agg: exp.AggFunc, tr, pre: list, j: int, schema: pa.Schema) -> tuple[str, str | None]:
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
        value = tr(arg)
        if func == "sum" and pa.types.is_integer(value.dtype(schema)):
            value = Cast(value, pa.decimal128(38, 0))  # SUM of integers never wraps (DuckDB: a HUGEINT)
        pre.append((name, value))
        return func, name


def grouping_sets(group) -> list[list[exp.Expression]] | None:
    """The grouping sets of ROLLUP / CUBE / GROUPING SETS (None for a plain GROUP BY)."""
    if group is None:
        return None
    plain, sets = [], None
    for e in group.expressions:
        if isinstance(e, exp.Rollup):
            items = list(e.expressions)
            new = [items[:i] for i in range(len(items), -1, -1)]
        elif isinstance(e, exp.Cube):
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
