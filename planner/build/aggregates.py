"""Aggregation in three steps (project the arguments, aggregate, project the results) and the
grouping sets of ROLLUP / CUBE / GROUPING SETS.

How the clauses around aggregates are lowered:

- ``agg(x) FILTER (WHERE c)`` is ``agg(CASE WHEN c THEN x END)`` (``count(*)`` counts
  ``CASE WHEN c THEN 1 END``): aggregates skip NULLs, so the rows the filter rejects do not count,
  and an aggregate whose rows are all rejected is NULL (COUNT: 0), as in DuckDB
  (``filters_as_case``, applied to the whole SELECT before it is built, windows included).
- ``SUM/AVG/COUNT(DISTINCT x)`` are frames' ``sum_distinct`` / ``mean_distinct`` /
  ``count_distinct`` (their own reduction over the distinct (keys, x) pairs); MIN/MAX(DISTINCT x)
  are plain MIN/MAX.
- Grouping sets (ROLLUP / CUBE / GROUPING SETS): one aggregation per set (when one set holds all
  the others' keys and every aggregate merges from partial results, the input is aggregated once
  by it into partial results, and each other set merges those of the smallest set holding its keys:
  ROLLUP's levels one from the next), each projected onto the same columns (every grouping expression, NULL where the set rolls it up, typed as the key; the
  aggregates; each ``GROUPING(a, b)``, a constant per set: bit set for each argument rolled up
  there, the first argument the most significant), then one UNION ALL; HAVING, windows, QUALIFY
  and the output projection apply to the union once (a window ranks across all sets).
- ``GROUP BY ALL`` groups by every output expression holding no aggregate (``group_by_all``).
"""

from __future__ import annotations

import decimal
import itertools
from dataclasses import replace

import pyarrow as pa
from sqlglot import exp

from frames.dataframe.expr.aggregate import AggSpec, merges_from_partials
from frames.dataframe.expr.scalar import Cast, Col, Lit, ScalarExpr
from planner.errors import UnsupportedFeatureError
from planner.logical import Aggregate, LogicalPlan as Node, Project, Union

_AGGS = {exp.Sum: "sum", exp.Avg: "mean", exp.Min: "min", exp.Max: "max", exp.Count: "count",
         exp.Stddev: "std", exp.StddevSamp: "std", exp.StddevPop: "std", exp.Variance: "var",
         exp.VariancePop: "var", exp.AnyValue: "first", exp.LogicalOr: "any", exp.LogicalAnd: "all",
         exp.CountIf: "count_if", exp.ApproxDistinct: "count_distinct", exp.Corr: "corr", exp.CovarPop: "covar_pop",
         exp.CovarSamp: "covar_samp", exp.Median: "median", exp.PercentileCont: "quantile_cont",
         exp.PercentileDisc: "quantile_disc", exp.Quantile: "quantile_disc", exp.Mode: "mode", exp.ArgMin: "arg_min",
         exp.ArgMax: "arg_max", exp.GroupConcat: "string_agg", exp.ArrayAgg: "list", exp.First: "first_value",
         exp.Last: "last_value", exp.BitwiseAndAgg: "bit_and", exp.BitwiseOrAgg: "bit_or", exp.BitwiseXorAgg: "bit_xor"}
# aggregates of two arguments: the second is projected as its own column (AggSpec option "other")
_TWO_ARGUMENTS = {"corr", "covar_pop", "covar_samp", "arg_min", "arg_max"}

_DISTINCT = {"count": "count_distinct", "sum": "sum_distinct", "mean": "mean_distinct"}


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
            if isinstance(agg, exp.Grouping):
                replacements[agg] = grouping_value(agg, group_exprs)
                continue
            if agg in seen:
                continue
            j = len(seen)
            seen[agg] = j
            func, column, *extra = self._agg_spec(agg, tr, pre, j, node.schema)
            options = (("ddof", 0),) if isinstance(agg, (exp.StddevPop, exp.VariancePop)) else ()
            options += tuple(extra[0]) if extra else ()
            specs.append(AggSpec(f"__agg{j}", func, column, options))
            replacements[agg] = Col(f"__agg{j}")
        if not pre:
            pre.append(("__dummy", Lit(0)))
        if not keys and not specs:  # GROUP BY () alone: still one row (an Aggregate with nothing is a DISTINCT)
            specs.append(AggSpec("__rows", "count_all"))
        projected = Project(node, tuple(pre))
        return Aggregate(projected, tuple(keys), tuple(specs)), replacements

    def _grouping_sets(self, node: Node, sets: list, aggregates: list, projections: list) -> tuple[Node, dict]:
        """One aggregation per grouping set over the same columns, unioned; and the replacements
        that read the grouping expressions, aggregates and GROUPING() calls from the union."""
        tr = self._expr(node, None)
        every = _unique([g for gs in sets for g in gs])
        key_types = [tr(g).dtype(node.schema) for g in every]
        groupings = _unique([a for a in aggregates if isinstance(a, exp.Grouping)])
        finest = _finest(sets)
        if finest is not None:
            fine, fine_replacements = self._aggregate(node, finest, aggregates, projections)
            if fine.aggs and all(merges_from_partials(a.func) for a in fine.aggs):
                merged = self._merged_sets(fine, finest, sets)
            else:
                finest = None
        parts, replacements = [], {}
        for n, gs in enumerate(sets):
            if finest is None:
                agg_node, per_set = self._aggregate(node, gs, aggregates, projections)
            else:  # merged from a finer set's partial results: the input is aggregated once
                agg_node = merged[n]
                per_set = {**fine_replacements, **{g: Col(f"__g{_position(finest, g)}") for g in gs},
                           **{call: grouping_value(call, gs) for call in groupings}}
            columns = []
            for i, (g, t) in enumerate(zip(every, key_types)):
                grouped = any(g == x for x in gs)  # else rolled up: NULL in this set
                columns.append((f"__set_g{i}", per_set[g] if grouped else Cast(Lit(None), t)))
                replacements[g] = Col(f"__set_g{i}")
            for name in agg_node.schema.names:
                if name.startswith("__agg"):
                    columns.append((name, Col(name)))
            for k, call in enumerate(groupings):
                columns.append((f"__grouping{k}", per_set[call]))
                replacements[call] = Col(f"__grouping{k}")
            for agg, col in per_set.items():
                if isinstance(col, Col) and col.name.startswith("__agg"):
                    replacements[agg] = col
            parts.append(Project(agg_node, tuple(columns)))
        return (Union(tuple(parts)) if len(parts) > 1 else parts[0]), replacements

    @staticmethod
    def _merged_sets(fine: Aggregate, finest: list, sets: list) -> list[Node]:
        """Each set's aggregation from the partial results of the smallest set already built that
        holds its keys (ROLLUP: the next finer level), the finest one's from the input rows."""
        built: list[tuple[set[int], Node]] = []  # (key positions in the finest set, its partials)
        out: dict[int, Node] = {}
        for n in sorted(range(len(sets)), key=lambda n: -len(sets[n])):
            positions = {_position(finest, g) for g in sets[n]}
            keys = tuple(f"__g{i}" for i in sorted(positions))
            if not built:
                partials = replace(fine, partial_out=True)
            else:
                _, finer = min((b for b in built if positions <= b[0]), key=lambda b: len(b[0]))
                partials = Aggregate(finer, keys, fine.aggs, partial_in=True, partial_out=True)
            built.append((positions, partials))
            out[n] = Aggregate(partials, keys, fine.aggs, partial_in=True)
        return [out[n] for n in range(len(sets))]

    def _agg_spec(self, agg: exp.AggFunc, tr, pre: list, j: int, schema: pa.Schema) -> tuple[str, str | None]:
        for klass, func in _AGGS.items():
            if type(agg) is klass:
                break
        else:
            raise UnsupportedFeatureError(f"aggregate function {agg.sql()}")
        arg = agg.this
        if isinstance(arg, exp.IgnoreNulls):
            arg = arg.this
        if isinstance(agg, exp.Count) and (arg is None or isinstance(arg, exp.Star)):
            return "count_all", None
        if isinstance(arg, exp.Distinct):
            if len(arg.expressions) != 1:
                raise UnsupportedFeatureError(f"{type(agg).__name__.upper()}(DISTINCT ...) over several columns")
            if func in ("list", "string_agg"):  # their DISTINCT keeps each value's first place
                return self._agg_spec_with_options(agg, func, tr, pre, j)
            arg = arg.expressions[0]
            if func not in ("min", "max"):  # the extremes do not depend on duplicates
                if func not in _DISTINCT:
                    raise UnsupportedFeatureError(f"{type(agg).__name__.upper()}(DISTINCT ...)")
                func = _DISTINCT[func]
        if func in _TWO_ARGUMENTS or func in ("quantile_cont", "quantile_disc", "string_agg", "list"):
            return self._agg_spec_with_options(agg, func, tr, pre, j)
        value = tr(arg)
        if func == "mean_distinct":
            value = Cast(value, pa.float64())  # AVG is a DOUBLE, also of decimals
        name = f"__arg{j}"
        if func in ("sum", "sum_distinct") and pa.types.is_integer(value.dtype(schema)):
            value = Cast(value, pa.decimal128(38, 0))  # SUM of integers never wraps (DuckDB: a HUGEINT)
        pre.append((name, value))
        return func, name


    def _agg_spec_with_options(self, agg: exp.AggFunc, func: str, tr, pre: list, j: int):
        """Aggregates with a second argument or constant options: (func, column, options)."""
        name = f"__arg{j}"
        options: list = []
        sql_name = {"quantile_cont": "quantile_cont", "quantile_disc": "quantile_disc", "string_agg": "string_agg"}.get(func, func)
        if func in _TWO_ARGUMENTS:
            pre.append((name, tr(agg.this)))
            pre.append((f"{name}b", tr(agg.expression)))
            return func, name, (("other", f"{name}b"),)
        if func in ("string_agg", "list"):
            value = agg.this
            if isinstance(value, exp.Order):  # string_agg(x, sep ORDER BY k [DESC]), array_agg(x ORDER BY k)
                ordered = value.expressions
                if len(ordered) != 1:
                    raise UnsupportedFeatureError(f"{func} ... ORDER BY several keys")
                pre.append((f"{name}b", tr(ordered[0].this)))
                options += [("other", f"{name}b"), ("descending", bool(ordered[0].args.get("desc")))]
                value = value.this
            if isinstance(value, exp.Distinct):  # the first of each value, in the (ORDER BY) order
                if len(value.expressions) != 1:
                    raise UnsupportedFeatureError(f"{func}(DISTINCT ...) over several columns")
                options.append(("distinct", True))
                value = value.expressions[0]
            if func == "list":
                pre.append((name, tr(value)))
                return func, name, tuple(options)
            sep = tr(agg.args["separator"]) if agg.args.get("separator") is not None else Lit(",")
            if not isinstance(sep, Lit) or not isinstance(sep.value, str):
                raise UnsupportedFeatureError("string_agg with a non-constant separator")
            pre.append((name, Cast(tr(value), pa.string())))
            return func, name, tuple(options + [("sep", sep.value)])
        q = agg.args.get("quantile") if isinstance(agg, exp.Quantile) else agg.expression
        if q is None:
            raise UnsupportedFeatureError(f"{sql_name} without a quantile")
        items = q.expressions if isinstance(q, exp.Array) else [q]
        values = [tr(x) for x in items]
        if not all(isinstance(v, Lit) and isinstance(v.value, (int, float, decimal.Decimal)) and 0 <= v.value <= 1 for v in values):
            raise UnsupportedFeatureError(f"{sql_name} with a quantile that is not a constant between 0 and 1")
        qs = tuple(float(v.value) for v in values)
        pre.append((name, tr(agg.this)))
        return func, name, (("q", qs if isinstance(q, exp.Array) else qs[0]),)


def grouping_sets(group) -> list[list[exp.Expression]] | None:
    """The grouping sets of ROLLUP / CUBE / GROUPING SETS (None for a plain GROUP BY)."""
    if group is None:
        return None
    plain, sets = [], None
    for e in group.expressions:
        if isinstance(e, exp.Rollup):
            items = [x.unnest() for x in e.expressions]  # (y > 0), as an alias expands to, is y > 0
            new = [items[:i] for i in range(len(items), -1, -1)]
        elif isinstance(e, exp.Cube):
            items = [x.unnest() for x in e.expressions]
            new = [list(c) for r in range(len(items), -1, -1) for c in itertools.combinations(items, r)]
        elif isinstance(e, exp.GroupingSets):
            new = [[y.unnest() for y in x.expressions] if isinstance(x, exp.Tuple) else [x.unnest()] for x in e.expressions]
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


def _finest(sets: list) -> list | None:
    """The grouping set holding every other set's expressions (ROLLUP's first), when there is
    one and it groups by something (no ordinals: they name projections)."""
    finest = max(sets, key=len)
    if not finest or any(isinstance(g, exp.Literal) for g in finest):
        return None
    if all(all(any(g == f for f in finest) for g in gs) for gs in sets):
        return finest
    return None


def _position(finest: list, g: exp.Expression) -> int:
    return next(i for i, f in enumerate(finest) if f == g)


def _unique(items: list) -> list:
    out: list = []
    for x in items:
        if not any(x == y for y in out):
            out.append(x)
    return out


def grouping_value(call: exp.Grouping, grouped: list[exp.Expression]) -> Lit:
    """``GROUPING(a, b, ...)`` in a grouping set that groups by ``grouped``: bit ``n-1-i`` is set
    when argument ``i`` is rolled up (not grouped) there."""
    args = list(call.expressions)
    value = 0
    for a in args:
        value = value * 2 + (0 if any(a == g for g in grouped) else 1)
    return Lit(value, pa.int64())


def group_by_all(group, projections: list) -> list[exp.Expression] | None:
    """The keys of ``GROUP BY ALL``: every output expression with no aggregate nor window in it
    (None when the GROUP BY is not ALL)."""
    if group is None or not group.args.get("all"):
        return None
    keys = []
    for p in projections:
        e = p.this if isinstance(p, exp.Alias) else p
        if e.find(exp.AggFunc, exp.Window) is None and not isinstance(e, exp.Literal):
            keys.append(e)
    return keys


def filters_as_case(e: exp.Expression) -> exp.Expression:
    """Every ``agg(x) FILTER (WHERE c)`` in ``e`` rewritten as ``agg(CASE WHEN c THEN x END)``."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Filter) or not isinstance(node.this, exp.AggFunc):
            return node
        agg, cond = node.this.copy(), node.expression.this

        def guarded(x: exp.Expression) -> exp.Expression:
            return exp.Case(ifs=[exp.If(this=cond.copy(), true=x)])

        arg = agg.this
        if isinstance(arg, exp.IgnoreNulls):
            arg = arg.this
        if isinstance(agg, exp.Count) and (arg is None or isinstance(arg, exp.Star)):
            agg.set("this", guarded(exp.Literal.number(1)))
        elif isinstance(arg, exp.Distinct):
            arg.set("expressions", [guarded(x) for x in arg.expressions])
        elif arg is not None:
            agg.set("this", guarded(arg))
            # further arguments (e.g. a separator) are not guarded
        else:
            raise UnsupportedFeatureError(f"FILTER on {agg.sql()}")
        return agg

    return e.transform(rewrite, copy=False) if e.find(exp.Filter) is not None else e
