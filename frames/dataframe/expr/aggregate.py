"""Grouped and global aggregation as a tree reduction.

Every input partition is aggregated on its own (``chunk``) into partial results, partials are merged
``split_every`` at a time (``combine``) and the last merge computes the final values (``finalize``).
Each aggregate function is described by the partial aggregates it needs, how partials combine and how
the final value follows from them (mean = sum / count; variance from count, sum and sum of squares).
All steps run on ``pyarrow.Table.group_by`` hash kernels.

``count_distinct``, ``sum_distinct`` and ``mean_distinct`` (SQL's COUNT/SUM/AVG(DISTINCT x)) cannot be
combined from per-partition results, so their partials are the distinct (keys, value) pairs; each gets
its own reduction tree, aggregated only in ``finalize``, where the trees meet aligned by sorting them
all on the group keys (every tree sees the same rows, hence the same groups).

Grouping sets nested in one another (ROLLUP's levels) aggregate the input once: with
``partial_out`` an aggregation outputs partial results (keys and ``__p{i}_{j}`` columns, not
finalized), and with ``partial_in`` it reads the partial results of the same ``aggs`` grouped by
more keys and groups them by its own (``combine``, as any two partials merge). Each level is
merged from the next finer one's partials and finalized from its own. TPC-DS q22 grouped 2.3M
joined inventory rows by four strings five times.
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Hashable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exec import Ref, Task
from frames.dataframe.convert import concat_tables, take_rows
from frames.errors import DataTypeError, InvalidArgumentError
from frames.dataframe.expr.node import Lowering, Node, UnaryNode, memoized
from frames.patterns import exchange, tree_reduce
from frames.dataframe.expr.pushdown import AggregateRewrites
from frames.dataframe.expr.shuffle import hash_split
from frames.dataframe.expr.direct_group import direct_group
from frames.dataframe.expr.fixed_width import hash_group
from frames.dataframe.expr.run_group import run_group
from frames.dataframe.expr.gathered import gathered_value
from frames.dataframe.expr.spill import over_budget, partitioned_merge, task_budget



@dataclass(frozen=True)
class AggSpec:
    """One output column: ``func`` applied to ``column`` (None for ``count_all``)."""

    name: str
    func: str
    column: str | None = None
    options: tuple[tuple[str, Any], ...] = ()

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    @property
    def inputs(self) -> tuple[str, ...]:
        """The input columns it reads: its column and, for two-argument aggregates, ``other``."""
        return tuple(c for c in (self.column, self.option("other")) if c is not None)

    def __repr__(self) -> str:
        arg = "*" if self.column is None else self.column
        return f"{self.func}({arg}) AS {self.name}"


# func -> (partial aggregations over the input column, how each partial combines)
_PARTIALS: dict[str, tuple[tuple[str, str], ...]] = {
    "sum": (("sum", "sum"),),
    "count": (("count", "sum"),),
    "count_all": (("count_all", "sum"),),
    "min": (("min", "min"),),
    "max": (("max", "max"),),
    "mean": (("sum", "sum"), ("count", "sum")),
    "var": (("count", "sum"), ("sum", "sum"), ("sumsq", "sum")),
    "std": (("count", "sum"), ("sum", "sum"), ("sumsq", "sum")),
    "sem": (("count", "sum"), ("sum", "sum"), ("sumsq", "sum")),  # pandas' standard error of the mean: std / sqrt(count)
    "first": (("first", "first"),),
    "last": (("last", "last"),),
    # SQL's first / last (DuckDB's): the first row's value even when it is NULL
    "first_value": (("first_value", "first_value"),),
    "last_value": (("last_value", "last_value"),),
    "any": (("any", "any"),),
    "all": (("all", "all"),),
    "count_if": (("sum_int", "sum"),),
    "product": (("product", "product"),),
    # moments of the pairs where both values are present (option "other": the second column)
    "covar_pop": (("pair_count", "sum"), ("pair_x", "sum"), ("pair_y", "sum"), ("pair_xy", "sum")),
    "covar_samp": (("pair_count", "sum"), ("pair_x", "sum"), ("pair_y", "sum"), ("pair_xy", "sum")),
    "corr": (("pair_count", "sum"), ("pair_x", "sum"), ("pair_y", "sum"), ("pair_xy", "sum"),
             ("pair_xx", "sum"), ("pair_yy", "sum")),
    # gathered: each group's values as a list, in input order (lists concatenate when merged)
    "median": (("gather", "gather"),),
    "quantile_cont": (("gather", "gather"),),
    "quantile_disc": (("gather", "gather"),),
    "mode": (("gather", "gather"),),
    "arg_min": (("gather", "gather"), ("gather_key", "gather")),
    "arg_max": (("gather", "gather"), ("gather_key", "gather")),
    "string_agg": (("gather", "gather"), ("gather_key", "gather")),
    "list": (("gather", "gather"), ("gather_key", "gather")),
    "bit_and": (("gather", "gather"),),
    "bit_or": (("gather", "gather"),),
    "bit_xor": (("gather", "gather"),),
}
# func -> the aggregation applied to the distinct (keys, value) pairs in ``finalize``
DISTINCT_FUNCTIONS = {"count_distinct": "count", "sum_distinct": "sum", "mean_distinct": "mean"}
AGGREGATE_FUNCTIONS = frozenset(_PARTIALS) | frozenset(DISTINCT_FUNCTIONS)
_GATHERED = {"median", "quantile_cont", "quantile_disc", "mode", "arg_min", "arg_max", "string_agg", "list",
             "bit_and", "bit_or", "bit_xor"}
_PAIRED = {"covar_pop", "covar_samp", "corr"}
_MOMENTS = {"var", "std", "sem"}  # from the count, sum and sum of squares (option "ddof")


GROUPS_PER_SPLIT = 15  # input partitions per output partition of a one-key aggregation (dask-expr's)
SPLIT_OUT_MIN = 8  # ...but at least this many outputs (or one per input, if fewer): parallel merges
SMALL_INPUT_BYTES = 4 << 20  # an input estimated this small merges its partials in one tree (TPC-H q4 at SF1: 96 tasks for 5 groups)


def merges_from_partials(func: str) -> bool:
    """Whether ``func``'s partial results grouped by more keys merge into its value for fewer
    (grouping sets from the finest one): not DISTINCT ones (their partials are value pairs) nor
    gathered ones (their lists would concatenate in group order, not input order)."""
    return func in _PARTIALS and func not in _GATHERED


def _partial_input(spec: AggSpec, kind: str, table: pa.Table) -> pa.Array | pa.ChunkedArray | None:
    if spec.column is None:
        return None
    values = table.column(spec.column)
    if spec.func == "mean" and kind == "sum" and pa.types.is_integer(values.type):
        return pc.cast(values, pa.float64(), safe=False)  # as NumPy and DuckDB: the mean of big integers never wraps
    if kind == "sum_int":
        return pc.cast(values, pa.int64())
    if kind == "product":
        return pc.cast(values, pa.float64())
    if kind.startswith("pair_"):
        other = table.column(spec.option("other"))
        x, y = pc.cast(values, pa.float64()), pc.cast(other, pa.float64())
        both = pc.and_(pc.is_valid(x), pc.is_valid(y))
        x, y = pc.if_else(both, x, pa.scalar(None, pa.float64())), pc.if_else(both, y, pa.scalar(None, pa.float64()))
        return {"pair_count": x, "pair_x": x, "pair_y": y, "pair_xy": pc.multiply(x, y), "pair_xx": pc.multiply(x, x),
                "pair_yy": pc.multiply(y, y)}[kind]
    if kind == "gather_key":  # the second argument (arg_min's ordering, string_agg's ORDER BY)
        return table.column(spec.option("other")) if spec.option("other") else pa.nulls(len(values), pa.int8())
    if spec.func in _MOMENTS and kind in ("sum", "sumsq"):
        values = pc.cast(values, pa.float64())
        if kind == "sumsq":
            values = pc.multiply(values, values)
    return values


def _combined(column):
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _pa_func(kind: str) -> str:
    if kind.startswith("pair_"):
        return "count" if kind == "pair_count" else "sum"
    return {"sumsq": "sum", "count_all": "count_all", "sum_int": "sum", "gather": "list", "gather_key": "list",
            "first_value": "first", "last_value": "last"}.get(kind, kind)


def _aggregation(column: str, kind: str) -> tuple:
    """The Arrow aggregation computing (or merging) partial ``kind`` of ``column``: sums stay NULL
    for a group without values; ``first_value`` / ``last_value`` keep a NULL first / last value."""
    func = _pa_func(kind)
    if func == "sum":
        return (column, func, pc.ScalarAggregateOptions(skip_nulls=True, min_count=1))
    if kind in ("first_value", "last_value"):
        return (column, func, pc.ScalarAggregateOptions(skip_nulls=False))
    return (column, func)


@dataclass(frozen=True)
class _Plan:
    keys: tuple[str, ...]
    aggs: tuple[AggSpec, ...]
    dropna: bool

    @property
    def regular(self) -> list[tuple[int, AggSpec]]:
        return [(i, a) for i, a in enumerate(self.aggs) if a.func not in DISTINCT_FUNCTIONS]

    @property
    def distinct(self) -> list[tuple[int, AggSpec]]:
        return [(i, a) for i, a in enumerate(self.aggs) if a.func in DISTINCT_FUNCTIONS]


def _group(table: pa.Table, keys: list[str], aggs: list) -> pa.Table:
    if keys:
        grouped = run_group(table, keys, aggs)  # keys in order (data stored sorted): no hash table
        if grouped is None:
            grouped = direct_group(table, keys, aggs)  # integer keys of a small range: no hash table
        return grouped if grouped is not None else hash_group(table, keys, aggs)  # string keys of one width as fixed-size binary
    if not any(a[1] == "list" for a in aggs):
        return table.group_by(keys, use_threads=False).aggregate(aggs)
    # Arrow has no global "list" aggregation: the one group's list is the whole column
    others = [a for a in aggs if a[1] != "list"]
    base = table.group_by([], use_threads=False).aggregate(others or [([], "count_all")])
    columns, names, k = [], [], 0
    for a in aggs:
        if a[1] == "list":
            values = _combined(table.column(a[0]))
            columns.append(pa.ListArray.from_arrays(pa.array([0, len(values)], pa.int32()), values))
            names.append(f"{a[0]}_list")
        else:
            columns.append(base.column(k))
            names.append(base.column_names[k])
            k += 1
    return pa.Table.from_arrays(columns, names=names)


def _drop_null_keys(table: pa.Table, plan: _Plan) -> pa.Table:
    if not plan.dropna or not plan.keys:
        return table
    mask = None
    for k in plan.keys:
        valid = pc.is_valid(table.column(k))
        mask = valid if mask is None else pc.and_(mask, valid)
    return table.filter(mask)


def chunk(table: pa.Table, plan: _Plan) -> pa.Table:
    """Partial aggregates of one partition: keys, then one column per (agg, partial).

    Partials that compute the same thing are computed once: ``sum(x)`` and ``avg(x)`` share the
    sum, and counting a column that has no NULLs in this partition is counting rows (TPC-H q1's
    eleven partials are six distinct aggregations: its hash aggregation 20% faster)."""
    table = _drop_null_keys(_unified_keys(table, plan.keys), plan)
    cols: dict[str, Any] = {k: table.column(k) for k in plan.keys}
    aggs: list = []
    computed: dict[tuple, str] = {}  # what an aggregation computes -> the name of its result
    partials: list[tuple[str, str]] = []  # (partial's name, result it reads)
    for i, spec in plan.regular:
        for j, (kind, _) in enumerate(_PARTIALS[spec.func]):
            counts_rows = kind == "count_all" or (kind == "count" and table.column(spec.column).null_count == 0)
            what = ("count_all",) if counts_rows else (kind, spec.column, spec.func in _MOMENTS or (spec.func == "mean" and kind == "sum" and pa.types.is_integer(table.column(spec.column).type)))
            if kind.startswith(("pair_", "gather")) or kind in ("sum_int", "product"):
                what = (kind, spec.column, spec.options)
            if what not in computed:
                if counts_rows:
                    aggs.append(([], "count_all"))
                    computed[what] = "count_all"
                else:
                    name = f"__u{len(computed)}"
                    cols[name] = _partial_input(spec, kind, table)
                    aggs.append(_aggregation(name, kind))
                    computed[what] = f"{name}_{_pa_func(kind)}"
            partials.append((f"__p{i}_{j}", computed[what]))
    work = pa.table(cols) if cols else pa.table({"__dummy": pa.nulls(table.num_rows)})
    out = _group(work, list(plan.keys), aggs)
    return pa.Table.from_arrays([_decoded(out.column(k)) for k in plan.keys] + [out.column(r) for _, r in partials],
                                names=list(plan.keys) + [n for n, _ in partials])


# Partial kinds whose value for a one-row group is a function of that row alone (not the lists
# of gathered aggregates, whose merge orders by row position)
_ROW_KINDS = frozenset({"sum", "count", "count_all", "min", "max", "first", "last", "first_value", "last_value", "any", "all", "sum_int", "product",
                        "sumsq", "pair_count", "pair_x", "pair_y", "pair_xy", "pair_xx", "pair_yy"})
SAMPLE_ROWS = 1 << 16  # at most these rows of a partition (and a quarter of them) grouped to estimate its groups
ROW_PARTIALS_MIN_ROWS = 1024  # smaller partitions are aggregated as they come
ROW_PARTIALS_ABOVE = 0.5  # estimated groups per row above which a partition's rows are its partials


def chunk_before_merge(table: pa.Table, plan: _Plan) -> pa.Table:
    """``chunk``'s partials for a partition whose partials are merged after (``combine``). When
    most of its groups would hold one row, hash-aggregating it first hardly reduces what is
    merged, so every row becomes its own group's partial (``row_partials``: no hash table) and
    the merge aggregates the rows once. h2o q10 (1e7 rows, 1e7 groups of six keys) spent as
    long in the first aggregation, which kept 1M of every 1M rows, as in the merge."""
    if _few_rows_per_group(table, plan):
        return row_partials(table, plan)
    return chunk(table, plan)


def _few_rows_per_group(table: pa.Table, plan: _Plan) -> bool:
    """Whether the partition's estimated groups per row exceed ``ROW_PARTIALS_ABOVE``: the groups
    of its first rows (a quarter, at most ``SAMPLE_ROWS``: a few percent of a 1M-row partition's
    aggregation) counted and extrapolated to all its rows."""
    n = table.num_rows
    if not plan.keys or n < ROW_PARTIALS_MIN_ROWS or plan.distinct:
        return False
    if any(kind not in _ROW_KINDS for _, spec in plan.regular for kind, _ in _PARTIALS[spec.func]):
        return False
    sampled = min(SAMPLE_ROWS, n // 4)
    sample = _unified_keys(table.slice(0, sampled).select(list(plan.keys)), plan.keys)
    groups = hash_group(sample, list(plan.keys), []).num_rows
    return estimated_groups(groups, sampled, n) > ROW_PARTIALS_ABOVE * n


def estimated_groups(seen: int, sampled: int, rows: int) -> float:
    """Groups in ``rows`` rows when ``sampled`` of them held ``seen`` groups, for groups of equal
    size: ``seen = D * (1 - exp(-sampled / D))`` solved for the number of groups D (bisection),
    then the groups that ``rows`` rows reach, ``D * (1 - exp(-rows / D))``."""
    if seen >= sampled:
        return float(rows)

    def reached(d: float, k: int) -> float:
        return d * -np.expm1(-k / d)

    lo, hi = float(seen), float(seen)
    while reached(hi, sampled) < seen:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if reached(mid, sampled) < seen else (lo, mid)
    return reached(hi, rows)


def row_partials(table: pa.Table, plan: _Plan) -> pa.Table:
    """``chunk``'s output as if every row were a group of its own (a key may repeat: merging
    partials joins them), typed as ``chunk`` types it; no hash aggregation."""
    table = _drop_null_keys(table, plan)
    cols: dict[str, Any] = {k: _decoded(table.column(k)) for k in plan.keys}
    for i, spec in plan.regular:
        for j, (kind, _) in enumerate(_PARTIALS[spec.func]):
            if kind == "count_all":
                value = pa.array(np.ones(table.num_rows, dtype=np.int64))
            elif kind in ("count", "pair_count"):  # pair_count's input is NULL unless both values are
                value = pc.cast(pc.is_valid(_partial_input(spec, kind, table)), pa.int64())
            else:
                value = _partial_input(spec, kind, table)
            cols[f"__p{i}_{j}"] = value
    out = pa.table(cols)
    schema = chunk(table.schema.empty_table(), plan).schema
    return out.cast(schema) if out.schema != schema else out


def _unified_keys(table: pa.Table, keys) -> pa.Table:
    """Dictionary-encoded key columns (``encode_group_keys``) with one dictionary per column: the
    row groups a partition was read from each brought their own, and Arrow groups on indices."""
    if not any(pa.types.is_dictionary(table.schema.field(k).type) for k in keys):
        return table
    return table.unify_dictionaries()


def _decoded(column):
    """Keys leave the aggregation as plain values, whatever they were grouped as."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def _partial_names(names: list[str], plan: _Plan) -> list[str]:
    """Map pyarrow's output names (``__p0_0_sum``, ``count_all``) back to ``__p{i}_{j}``."""
    expected = _partial_columns(plan)
    aggregated = [n for n in names if n not in plan.keys]
    mapping = dict(zip(aggregated, expected))
    return [mapping.get(n, n) for n in names]


def combine(tables: list[pa.Table], plan: _Plan, budget: int | None = None) -> pa.Table:
    """Partials merged into one row per group; past the task's memory ``budget`` the groups are
    merged bucket by bucket (``spill.partitioned_merge``)."""
    if plan.keys and len(tables) > 1 and over_budget(budget, *tables):
        return partitioned_merge(tables, plan.keys, lambda parts: _combine(parts, plan), budget)
    return _combine(tables, plan)


def _combine(tables: list[pa.Table], plan: _Plan) -> pa.Table:
    table = concat_tables(tables)
    merged, gathered = [], []
    for i, spec in plan.regular:
        for j, (_, how) in enumerate(_PARTIALS[spec.func]):
            (gathered if how == "gather" else merged).append((f"__p{i}_{j}", how))
    merged = [_aggregation(name, how) for name, how in merged]
    if not gathered:
        out = _group(table, list(plan.keys), merged)
        return out.rename_columns(_partial_names(out.column_names, plan))
    # gathered lists: each group's input rows, in order, then their lists concatenated
    table = table.append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))
    out = _group(table, list(plan.keys), merged + [("__row", "list")])
    aggregated = iter([m[0] for m in merged] + ["__rows"])
    out = out.rename_columns([n if n in plan.keys else next(aggregated) for n in out.column_names])
    rows = _combined(out.column("__rows"))
    for name, _ in gathered:
        out = out.append_column(name, _concat_lists(rows, _combined(table.column(name))))
    expected = _partial_columns(plan)
    return out.select(list(plan.keys) + expected)


def _concat_lists(rows: pa.ListArray, lists: pa.ListArray) -> pa.ListArray:
    """Per output row, the ``lists`` at its input ``rows`` concatenated in order."""
    taken = lists.take(rows.flatten())
    taken_offsets = np.asarray(taken.offsets) - taken.offsets[0].as_py()
    row_offsets = np.asarray(rows.offsets) - rows.offsets[0].as_py()
    return pa.ListArray.from_arrays(pa.array(taken_offsets[row_offsets], pa.int32()), taken.flatten())


def distinct_chunk(table: pa.Table, plan: _Plan, column: str) -> pa.Table:
    table = _drop_null_keys(_unified_keys(table.select(list(dict.fromkeys(list(plan.keys) + [column]))), plan.keys), plan)
    out = _group(table, list(plan.keys) + [column], [])
    return pa.Table.from_arrays([_decoded(c) for c in out.columns], names=out.column_names)


def distinct_combine(tables: list[pa.Table], plan: _Plan, column: str) -> pa.Table:
    return _group(concat_tables(tables), list(plan.keys) + [column], [])


def _sort_by_keys(table: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    if not keys or table.num_rows <= 1:
        return table
    return take_rows(table, pc.sort_indices(table, sort_keys=[(k, "ascending", "at_end") for k in keys]))


def concat_sorted(tables: list[pa.Table], keys: tuple[str, ...]) -> pa.Table:
    """The finished groups of every merge bucket, in key order (a sorted aggregation's one output)."""
    return _sort_by_keys(concat_tables(tables), keys)


def finalize(partials: pa.Table, distinct_partials: list[pa.Table], plan: _Plan, schema: pa.Schema, sort: bool) -> pa.Table:
    partials = _sort_by_keys(partials, plan.keys) if (sort or distinct_partials) else partials
    n = partials.num_rows
    out: dict[str, Any] = {k: partials.column(k) for k in plan.keys}
    counted = []
    for (i, spec), table in zip(plan.distinct, distinct_partials):
        how = DISTINCT_FUNCTIONS[spec.func]
        counted.append((i, _sort_by_keys(_group(table, list(plan.keys), [(spec.column, how)]), plan.keys)))
    distinct_by_index = dict(counted)
    if plan.distinct and not plan.regular:
        # no regular partials: the groups come from the distinct tree
        first = counted[0][1]
        n = first.num_rows
        out = {k: first.column(k) for k in plan.keys}
    for i, spec in enumerate(plan.aggs):
        if spec.func in DISTINCT_FUNCTIONS:
            values = distinct_by_index[i].column(f"{spec.column}_{DISTINCT_FUNCTIONS[spec.func]}")
        else:
            values = _final_value(spec, [partials.column(f"__p{i}_{j}") for j in range(len(_PARTIALS[spec.func]))])
        out[spec.name] = values
    if not plan.keys and n == 0:  # pragma: no cover - group_by([]) always yields one row
        return schema.empty_table()
    table = pa.table(out)
    return table.cast(schema) if table.schema != schema else table


def _final_value(spec: AggSpec, parts: list) -> Any:
    func = spec.func
    if func in ("count", "count_all"):
        return pc.cast(pc.fill_null(parts[0], 0), pa.int64())
    if func == "mean":
        total, count = parts
        return pc.divide(pc.cast(total, pa.float64()), pc.cast(count, pa.float64()))
    if func in _MOMENTS:
        count, total, sumsq = (pc.cast(p, pa.float64()) for p in parts)
        ddof = spec.option("ddof", 1)
        denom = pc.subtract(count, float(ddof))
        num = pc.subtract(sumsq, pc.divide(pc.multiply(total, total), count))
        var = pc.divide(pc.max_element_wise(num, 0.0), denom)
        var = pc.if_else(pc.greater(denom, 0.0), var, pa.scalar(None, pa.float64()))
        if func == "sem":
            return pc.divide(pc.sqrt(var), pc.sqrt(count))
        return pc.sqrt(var) if func == "std" else var
    if func == "count_if":
        return pc.cast(parts[0], pa.decimal128(38, 0))  # DuckDB: a HUGEINT, NULL for no rows
    if func == "product":
        return pc.cast(parts[0], pa.float64())
    if func in _PAIRED:
        return _pair_moment(func, [pc.cast(p, pa.float64()) for p in parts])
    if func in _GATHERED:
        return gathered_value(spec, *[_combined(p) for p in parts])
    if func == "sum" and spec.option("min_count") == 0 and not pa.types.is_null(parts[0].type):
        return pc.fill_null(parts[0], pa.scalar(0, parts[0].type))  # pandas: the sum of no values is 0
    return parts[0]


def _pair_moment(func: str, parts: list):
    """covar_pop / covar_samp / corr from the pairs' count and sums (NULL without pairs;
    covar_samp NULL for one pair; corr NaN when a variance is zero, as DuckDB)."""
    count, sx, sy, sxy = parts[:4]
    none = pa.scalar(None, pa.float64())
    co = pc.subtract(sxy, pc.divide(pc.multiply(sx, sy), count))  # n * covar_pop
    if func == "covar_pop":
        return pc.if_else(pc.greater(count, 0.0), pc.divide(co, count), none)
    if func == "covar_samp":
        return pc.if_else(pc.greater(count, 1.0), pc.divide(co, pc.subtract(count, 1.0)), none)
    sxx, syy = parts[4:]
    vx = pc.subtract(sxx, pc.divide(pc.multiply(sx, sx), count))
    vy = pc.subtract(syy, pc.divide(pc.multiply(sy, sy), count))
    denom = pc.sqrt(pc.multiply(pc.max_element_wise(vx, 0.0), pc.max_element_wise(vy, 0.0)))
    r = pc.if_else(pc.greater(denom, 0.0), pc.divide(co, denom), float("nan"))
    r = pc.if_else(pc.greater(r, 1.0), 1.0, pc.if_else(pc.less(r, -1.0), -1.0, r))  # rounding never leaves [-1, 1]
    return pc.if_else(pc.greater(count, 0.0), r, none)


@dataclass(frozen=True, eq=False)
class Aggregate(AggregateRewrites, UnaryNode):
    """GROUP BY ``keys`` computing ``aggs``.

    With no keys the result has exactly one row, also for empty input (SUM gives NULL, COUNT 0;
    a ``sum`` with option ``min_count=0``, pandas' rule, gives 0 for no values).
    ``dropna`` drops groups whose key is NULL (pandas); SQL keeps them. ``sort`` orders the groups
    by key (pandas' ``groupby(sort=True)``) in one output partition.

    ``split_out``: the number of output partitions. Above one, every partial result is hash-split
    on the keys and each output partition merges one bucket, so the merge runs in parallel and the
    output is hash-partitioned on the keys (a join on them shuffles only its other side). The
    default (None) splits a grouped, unsorted aggregation of ``n`` input partitions into
    ``ceil(n * len(keys) / GROUPS_PER_SPLIT)`` (dask-expr's rule), but no fewer than
    ``SPLIT_OUT_MIN`` (or ``n``, if smaller), and one for an input estimated within
    ``SMALL_INPUT_BYTES`` when no memory limit is set: a single merge of 1.5M groups
    (TPC-H q21, q18) was a serial step of 0.3-0.6 s, and the single-partition result was then
    broadcast whole to every partition of the join after it; but as many outputs as inputs made
    ``n * n`` pieces, for TPC-H q1's four groups at SF10 too (60 x 60, and as many for the sort
    after it: 6.2 s against 4.1 s with one output partition).
    """

    child: Node
    keys: tuple[str, ...]
    aggs: tuple[AggSpec, ...]
    dropna: bool = False
    sort: bool = False
    split_out: int | None = None
    partial_in: bool = False  # the input: partial results of the same aggs grouped by more keys
    partial_out: bool = False  # the output: partial results (keys, __p columns), not final values

    label = "aggregate"

    def __post_init__(self) -> None:
        from frames.errors import ColumnNotFoundError

        names = self.child.schema.names
        for k in self.keys:
            if k not in names:
                raise ColumnNotFoundError(k, names)
        if (self.partial_in or self.partial_out) and not all(merges_from_partials(a.func) for a in self.aggs):
            raise InvalidArgumentError(f"{', '.join(map(repr, self.aggs))}: not all merge from partial results")
        if self.partial_in:
            for name in _partial_columns(self._plan()):
                if name not in names:
                    raise ColumnNotFoundError(name, names)
            return
        for a in self.aggs:
            if a.func not in AGGREGATE_FUNCTIONS:
                raise InvalidArgumentError(f"unknown aggregate function {a.func!r}; known: {sorted(AGGREGATE_FUNCTIONS)}")
            if a.column is None and a.func != "count_all":
                raise InvalidArgumentError(f"aggregate {a.func!r} needs a column")
            if (a.func in _PAIRED or a.func in ("arg_min", "arg_max")) and a.option("other") is None:
                raise InvalidArgumentError(f"aggregate {a.func!r} needs a second column (option 'other')")
            for c in a.inputs:
                if c not in names:
                    raise ColumnNotFoundError(c, names)
        if self.split_out is not None:
            if not isinstance(self.split_out, int) or self.split_out < 1:
                raise InvalidArgumentError(f"split_out must be a positive integer, got {self.split_out!r}")
            if self.split_out > 1 and (self.sort or not self.keys):
                raise InvalidArgumentError("split_out above 1 needs group keys and sort=False (sorted groups come in one partition)")

    def _npartitions(self) -> int:
        if self.sort:  # sorted groups come in one partition (split_out above 1 is refused)
            return 1
        return self._merge_buckets()

    @memoized
    def _merge_buckets(self) -> int:
        """How many hash buckets the partials merge in, in parallel (the output partitions, unless
        sorted: a sorted aggregation whose groups gather values (median, quantiles, mode, lists:
        their last step sorts every group's values, the heavy part) merges in as many buckets as an
        unsorted one would, then sorts the finished groups in one task; any other sorted one merges in one tree)."""
        if self.split_out is not None:
            return self.split_out
        if not self.keys:
            return 1
        if self.sort and not any(a.func in _GATHERED for a in self.aggs):
            return 1
        n = self.child.npartitions
        part = self.child.partitioning
        if part is not None and set(part) <= set(self.keys):
            return n  # each partition aggregates on its own (``_partition_local``)
        if task_budget() is None and self.child.estimated_bytes() <= SMALL_INPUT_BYTES:
            # the partials merge in a tree: no n x split_out pieces for a few groups (not under a
            # memory limit: the split merges spill, one merge of everything must hold it all)
            return 1
        return min(n, max(SPLIT_OUT_MIN, math.ceil(n * len(self.keys) / GROUPS_PER_SPLIT)))

    @cached_property
    def _partition_local(self) -> bool:
        """Whether every group lies within one input partition: the input is hash-partitioned on
        some of the group keys (a join or shuffle on them came first, as in TPC-H q3, q13, q18),
        so each partition aggregates on its own with no exchange."""
        part = self.child.partitioning
        return (part is not None and set(part) <= set(self.keys) and self.child.npartitions > 1
                and self.npartitions == self.child.npartitions)

    @cached_property
    def partitioning(self) -> tuple[str, ...] | None:
        if self.npartitions == 1:
            return None
        return self.child.partitioning if self._partition_local else self.keys

    def _plan(self) -> _Plan:
        return _Plan(self.keys, self.aggs, self.dropna)

    def _schema(self) -> pa.Schema:
        """Types from running the kernels on an empty input, so they match real results exactly."""
        plan = self._plan()
        empty = self.child.schema.empty_table()
        try:
            partial = self._first_step(empty, plan)
            if self.partial_out:
                return combine([partial], plan).schema
            fields = [self.child.schema.field(k) for k in self.keys]
            for i, spec in enumerate(self.aggs):
                if spec.func in DISTINCT_FUNCTIONS:
                    how = DISTINCT_FUNCTIONS[spec.func]
                    typed = _group(empty.select([spec.column]), [], [(spec.column, how)])
                    fields.append(pa.field(spec.name, typed.column(0).type))
                    continue
                parts = [partial.column(f"__p{i}_{j}") for j in range(len(_PARTIALS[spec.func]))]
                fields.append(pa.field(spec.name, _final_value(spec, parts).type))
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataTypeError(f"cannot aggregate {', '.join(map(repr, self.aggs))}: {exc}") from None
        return pa.schema(fields)

    def lower(self, lowering: Lowering) -> list[Hashable]:
        if self._partition_local:
            return self._lower_local(lowering)
        if self.npartitions > 1:
            return self._lower_split(lowering, self.npartitions, self.name)
        if self.sort and self._merge_buckets() > 1:
            buckets = self._lower_split(lowering, self._merge_buckets(), self.name + "-bucket")
            key = (self.name, 0)
            lowering.graph[key] = Task(concat_sorted, [Ref(b) for b in buckets], self.keys)
            return [key]
        plan = self._plan()
        src = lowering.keys(self.child)
        graph = lowering.graph
        reduced = None
        if plan.regular or not plan.distinct:
            level = []
            for i, k in enumerate(src):
                key = (self.name + "-chunk", i)
                graph[key] = Task(self._merged_first_step, Ref(k), plan)
                level.append(key)
            reduced = tree_reduce(graph, level, self.name + "-combine", combine, plan, task_budget())
        distinct_keys = []
        for d, (_, spec) in enumerate(plan.distinct):
            level = []
            for i, k in enumerate(src):
                key = (f"{self.name}-dchunk{d}", i)
                graph[key] = Task(distinct_chunk, Ref(k), plan, spec.column)
                level.append(key)
            distinct_keys.append(tree_reduce(graph, level, f"{self.name}-dcombine{d}", distinct_combine, plan, spec.column))
        key = (self.name, 0)
        partials = Ref(reduced) if reduced is not None else _empty_partials(plan, self.child.schema)
        graph[key] = self._last_step(partials, [Ref(k) for k in distinct_keys], plan, self.sort)
        return [key]

    def _lower_local(self, lowering: Lowering) -> list[Hashable]:
        """One aggregation per input partition (its groups are complete there)."""
        plan = self._plan()
        graph = lowering.graph
        keys = []
        for i, k in enumerate(lowering.keys(self.child)):
            partial = (self.name + "-chunk", i)
            graph[partial] = Task(self._first_step, Ref(k), plan)
            distinct = []
            for d, (_, spec) in enumerate(plan.distinct):
                dk = (f"{self.name}-dchunk{d}", i)
                graph[dk] = Task(distinct_chunk, Ref(k), plan, spec.column)
                distinct.append(Ref(dk))
            partials = Ref(partial) if (plan.regular or not plan.distinct) else _empty_partials(plan, self.child.schema)
            key = (self.name, i)
            graph[key] = self._last_step(partials, distinct, plan, False)
            keys.append(key)
        return keys

    def _lower_split(self, lowering: Lowering, n: int, name: str) -> list[Hashable]:
        """Partials hash-split on the keys; output ``(name, j)`` of ``n`` merges bucket ``j`` of every
        partial and finalizes it (the count-distinct trees are split the same way, so bucket ``j``
        of each holds the same groups)."""
        plan = self._plan()
        src = lowering.keys(self.child)
        graph = lowering.graph

        def split_level(chunk_name: str, func, *args) -> list[Hashable]:
            splits = []
            for i, k in enumerate(src):
                ck, sk = (chunk_name, i), (chunk_name + "-split", i)
                graph[ck] = Task(func, Ref(k), *args)
                graph[sk] = Task(hash_split, Ref(ck), plan.keys, n)
                splits.append(sk)
            return splits

        regular = None
        if plan.regular or not plan.distinct:
            regular = exchange(graph, self.name + "-combine", split_level(self.name + "-chunk", self._merged_first_step, plan), n, combine, plan,
                               task_budget())
        distinct = []
        for d, (_, spec) in enumerate(plan.distinct):
            splits = split_level(f"{self.name}-dchunk{d}", distinct_chunk, plan, spec.column)
            distinct.append(exchange(graph, f"{self.name}-dcombine{d}", splits, n, distinct_combine, plan, spec.column))
        keys = []
        for j in range(n):
            key = (name, j)
            partials = Ref(regular[j]) if regular is not None else _empty_partials(plan, self.child.schema)
            graph[key] = self._last_step(partials, [Ref(keys_d[j]) for keys_d in distinct], plan, False)
            keys.append(key)
        return keys

    @property
    def _first_step(self):
        """What each input partition goes through: rows to partials, or (merge) partials regrouped."""
        return regroup if self.partial_in else chunk

    @property
    def _merged_first_step(self):
        """The first step of partials merged after (not of a partition-local aggregation)."""
        return regroup if self.partial_in else chunk_before_merge

    def _last_step(self, partials, distinct: list, plan: _Plan, sort: bool) -> Task:
        if self.partial_out:
            return Task(partial_result, partials, self.schema)
        return Task(finalize, partials, distinct, plan, self.schema, sort)

    @memoized
    def estimated_bytes(self) -> float:
        return self.child.estimated_bytes() * (0.1 if self.keys else 0.0) + 1000

    @memoized
    def selectivity(self) -> float:
        """Grouped: the share of its input's keys it can hold, at most the input's own share (the
        distinct part keys of filtered parts, an IN subquery's keys); one row otherwise."""
        return self.child.selectivity() if self.keys else 1.0

    def describe(self) -> str:
        keys = f"keys=[{', '.join(self.keys)}] " if self.keys else ""
        split = f" split_out={self.npartitions}" if self.npartitions > 1 else ""
        split = f" per partition (input partitioned on {', '.join(self.child.partitioning)})" if self._partition_local else split
        stage = (" merge" if self.partial_in else "") + (" partial" if self.partial_out else "")
        return f"Aggregate{stage} {keys}aggs=[{', '.join(map(repr, self.aggs))}]{split}"


def _partial_columns(plan: _Plan) -> list[str]:
    """The partial results' columns after the keys: ``__p{i}_{j}`` per aggregate and partial."""
    return [f"__p{i}_{j}" for i, spec in plan.regular for j, _ in enumerate(_PARTIALS[spec.func])]


def regroup(partials: pa.Table, plan: _Plan) -> pa.Table:
    """Partial results grouped by more keys (a finer grouping set's), merged onto ``plan.keys``."""
    return combine([partials.select(list(plan.keys) + _partial_columns(plan))], plan)


def partial_result(partials: pa.Table, schema: pa.Schema) -> pa.Table:
    """A partial stage's output: the merged partials as typed for the stage."""
    partials = partials.select(schema.names)
    return partials.cast(schema) if partials.schema != schema else partials


def _empty_partials(plan: _Plan, schema: pa.Schema) -> pa.Table:
    return chunk(schema.empty_table(), plan)
