"""``DataFrame.groupby``: pandas' grouped reductions on the tree-reduction Aggregate node, and
``apply`` / ``transform`` / ``rolling`` running the user's function (or pandas' own) on whole groups
(rows hash-shuffled so each group lies in one partition)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import pandas as pd
import pyarrow as pa

from frames.dataframe.collection import (DataFrame, Series, _declared_objects, _is_numeric, _meta_schema, _object_types, _reduction,
                                         _sample_meta, _typed_like, map_partitions)
from frames.errors import DataTypeError, InvalidArgumentError
from frames.dataframe.expr.aggregate import AGGREGATE_FUNCTIONS, Aggregate, AggSpec
from frames.dataframe.expr.blockwise import Project
from frames.dataframe.expr.scalar import Cast, Col, call

# pandas names -> our aggregate functions
_ALIASES = {"nunique": "count_distinct", "size": "count_all", "avg": "mean", "prod": "product"}


# pandas names answered by a labelled aggregate: the label at each group's extreme value
_ARG_EXTREMES = {"idxmax": "arg_max", "idxmin": "arg_min"}


def _func_name(func: Any) -> str:
    if callable(func):
        func = getattr(func, "__name__", str(func))
    name = _ALIASES.get(func, func)
    if name not in AGGREGATE_FUNCTIONS and name not in _ARG_EXTREMES:
        raise InvalidArgumentError(f"unsupported aggregation {func!r}; supported: sum, mean, count, size, min, max, nunique, std, var, "
                                   "sem, first, last, median, prod, any, all, idxmax, idxmin")
    return name


class GroupBy:
    """``df.groupby(keys)``: pandas' arguments (``sort``, ``dropna``, ``as_index``, ``observed``).

    ``observed`` matters for categorical keys only, as in pandas: True (pandas 3's default) gives
    the groups that occur, False every combination of the keys' known categories (those without
    rows count 0 and sum 0; their other aggregates are missing)."""

    def __init__(self, frame: DataFrame, keys: list[str], sort: bool, dropna: bool, as_index: bool, selection: list[str] | None = None,
                 series: bool = False, observed: bool = True, labelled: DataFrame | None = None, by_index: bool = False):
        self._frame = frame
        self._by_index = by_index  # a key is the frame's index (``DataFrame.groupby``)
        self._labelled = labelled if labelled is not None else frame  # the frame with its index, for per-row results
        self._keys = keys
        self._sort = sort
        self._dropna = dropna
        self._as_index = as_index
        self._selection = selection
        self._series = series
        self._observed = observed

    def __getitem__(self, key: str | Sequence[str]) -> "GroupBy":
        cols = [key] if isinstance(key, str) else list(key)
        self._frame._check_columns(cols)
        return GroupBy(self._frame, self._keys, self._sort, self._dropna, self._as_index, cols, isinstance(key, str), self._observed,
                       self._labelled, self._by_index)

    def __getattr__(self, name: str) -> "GroupBy":
        if not name.startswith("_") and name in self._frame._node.schema.names:
            return self[name]
        raise AttributeError(name)

    def _value_columns(self, numeric_only: bool = False) -> list[str]:
        """The selected columns, or all but the keys (pandas); with ``numeric_only`` only numbers."""
        cols = self._selection or [c for c in self._frame._node.schema.names if c not in self._keys]
        if numeric_only:
            cols = [c for c in cols if _is_numeric(self._frame._node.schema.field(c).type)]
        return cols

    def _aggregate(self, items: list[tuple[str, str | None, str, dict]], labels: dict | None = None, series: bool | None = None,
                   split_out: int | None = None, casts: dict | None = None):
        """Aggregate ``(output name, column, function, options)`` items per group. Inputs are
        projected under private names (a column may be a key as well: ``groupby("k").k.count()``)
        and outputs named like a key are renamed back at ``compute()``. ``split_out`` above 1
        (Dask's): that many output partitions, hash-partitioned on the keys, merged in parallel;
        their groups are then not sorted (as Dask's default ``sort=None``). ``idxmax`` / ``idxmin``
        items aggregate the rows' labels (see ``_arg_extreme``)."""
        if any(func in _ARG_EXTREMES for _, _, func, _ in items):
            grouped, label = self._with_labels()
            items = [(out, label, _ARG_EXTREMES[func], {**options, "other": Col(column)}) if func in _ARG_EXTREMES
                     else (out, column, func, options) for out, column, func, options in items]
            return grouped._aggregate(items, labels, series, split_out, casts)
        schema = self._frame._node.schema
        exprs: dict[str, Any] = {k: Col(k) for k in self._keys}
        specs, labels = [], dict(labels or {})
        for i, (out, column, func, options) in enumerate(items):
            name = out if out not in self._keys else f"__out_{out}"
            if name != out:
                labels[name] = labels.get(out, out)
            if column is None:
                specs.append(AggSpec(name, "count_all"))
                continue
            other = options.pop("other", None)
            expr, spec = _reduction(Col(column), schema.field(column).type, name, func, options)
            exprs[f"__in{i}"] = expr
            if other is not None:  # a paired aggregate (corr, cov): the other column projected too
                exprs[f"__other{i}"] = other
                spec = AggSpec(name, spec.func, spec.column, spec.options + (("other", f"__other{i}"),))
            specs.append(AggSpec(name, spec.func, f"__in{i}", spec.options))
        split = split_out if split_out is not None and split_out > 1 else None
        node = Aggregate(Project(self._frame._node, tuple(exprs.items())), tuple(self._keys), tuple(specs),
                         dropna=self._dropna, sort=self._sort and split is None, split_out=split)
        node = self._with_unobserved(node, specs)
        casts = dict(casts or {})
        casts.update((s.name, pa.int64()) for (_, c, f, _), s in zip(items, specs)
                     if f == "product" and (pa.types.is_integer(schema.field(c).type) or pa.types.is_boolean(schema.field(c).type)))
        node = _cast_columns(node, {s.name: casts[out] for (out, _, _, _), s in zip(items, specs) if out in casts})
        series = self._series and len(specs) == 1 if series is None else series
        if not self._as_index:
            out_names = [labels.get(s.name, s.name) for s in specs]
            return DataFrame(Project(node, tuple((n, Col(n)) for n in self._keys) + tuple((o, Col(s.name)) for o, s in zip(out_names, specs))))
        if series:
            name = labels.get(specs[0].name, specs[0].name)
            return Series(node, Col(specs[0].name), None if name == "__size__" else name, tuple(self._keys))
        return DataFrame(node, tuple(self._keys), column_labels=labels or None)

    def _with_unobserved(self, node, specs):
        """``observed=False`` over categorical keys: the aggregate outer-joined with every
        combination of their categories (counts and sums of the groups without rows 0, as pandas)."""
        from frames.dataframe.categorical import Categorical, categorical_columns, unobserved_groups
        from frames.dataframe.expr.join import Join
        from frames.dataframe.expr.scalar import Lit, call
        from frames.dataframe.expr.sort import Sort, SortKey
        from frames.dataframe.expr.sources import FromTables

        cats = categorical_columns(self._frame._node, self._keys)
        if self._observed or not cats:
            return node
        groups = unobserved_groups(self._keys, cats, node.schema)
        keys = tuple(self._keys)
        joined = Join(FromTables((groups,), groups.schema), node, "outer", keys, keys, coalesce_keys=True)
        exprs = [(k, Categorical(Col(k), cats[k])) for k in keys]
        for spec in specs:
            zero = spec.func in ("count", "count_all", "count_distinct") or (spec.func == "sum" and spec.option("min_count") == 0)
            t = node.schema.field(spec.name).type
            exprs.append((spec.name, call("fill_null", Col(spec.name), Lit(0, t)) if zero else Col(spec.name)))
        out = Project(joined, tuple(exprs))
        return Sort(out, tuple(SortKey(k, True) for k in keys)) if self._sort else out

    def _simple(self, func: str, numeric_only: bool = False, split_out: int | None = None, **options: Any):
        return self._aggregate([(c, c, func, dict(options)) for c in self._value_columns(numeric_only)], split_out=split_out)

    def sum(self, numeric_only: bool = False, split_out: int | None = None):
        return self._simple("sum", numeric_only, split_out)

    def mean(self, numeric_only: bool = False, split_out: int | None = None):
        return self._simple("mean", numeric_only, split_out)

    def median(self, numeric_only: bool = False):
        """Exact: each group's values gathered in one list, as SQL's median."""
        return self._simple("median", numeric_only)

    def min(self, numeric_only: bool = False):
        return self._simple("min", numeric_only)

    def max(self, numeric_only: bool = False):
        return self._simple("max", numeric_only)

    def count(self):
        return self._simple("count")

    def nunique(self):
        return self._simple("count_distinct")

    def first(self):
        return self._simple("first")

    def last(self):
        return self._simple("last")

    def prod(self, numeric_only: bool = False):
        return self._simple("product", numeric_only)

    def any(self):
        return self._simple("any")

    def all(self):
        return self._simple("all")

    def quantile(self, q: float = 0.5, numeric_only: bool = False):
        """Each group's exact quantile ``q`` (linear interpolation, as pandas; the group's values gathered)."""
        if not isinstance(q, (int, float)) or isinstance(q, bool) or not 0 <= q <= 1:
            raise InvalidArgumentError(f"groupby quantile takes one q in [0, 1], got {q!r}")
        return self._simple("quantile_cont", numeric_only, q=float(q))

    def value_counts(self, normalize: bool = False, sort: bool = True, ascending: bool = False, dropna: bool = True):
        """The rows per (keys, selected column) value, as pandas' ``SeriesGroupBy.value_counts``:
        within each group from the most frequent (``normalize``: shares of the group's rows)."""
        from frames.dataframe.expr.sort import Sort, SortKey

        if not self._series:
            raise InvalidArgumentError("groupby value_counts needs one selected column: df.groupby(keys)[column].value_counts()")
        column = self._selection[0]
        keys = list(self._keys) + [column]
        frame = DataFrame(Project(self._frame._node, tuple((k, Col(k)) for k in keys)))
        counts = GroupBy(frame, keys, self._sort, self._dropna and dropna, True, observed=self._observed).size()
        name = "count"
        node = Project(counts._node, tuple((k, Col(k)) for k in keys) + ((name, counts._expr),))
        if normalize:
            by_key = GroupBy(frame, list(self._keys), self._sort, self._dropna, True)
            totals = by_key[column].count() if dropna else by_key.size()  # the rows counted
            from frames.dataframe.expr.join import Join

            total = Project(totals._node, tuple((k, Col(k)) for k in self._keys) + (("__total", totals._expr),))
            joined = Join(node, total, "inner", tuple(self._keys), tuple(self._keys), coalesce_keys=True)
            share = call("divide", Cast(Col(name), pa.float64()), Cast(Col("__total"), pa.float64()))
            name = "proportion"
            node = Project(joined, tuple((k, Col(k)) for k in keys) + ((name, share),))
        if sort:
            node = Sort(node, tuple(SortKey(k, True) for k in self._keys) + (SortKey(name, ascending),))
        return Series(node, Col(name), name, tuple(keys))

    def get_group(self, key: Any):
        """The rows of one group (all columns, the keys too, as pandas 3), in input order."""
        values = key if isinstance(key, tuple) else (key,)
        if len(values) != len(self._keys):
            raise InvalidArgumentError(f"get_group needs one value per key {self._keys}, got {key!r}")
        frame = self._frame
        mask = None
        for k, v in zip(self._keys, values):
            part = frame[k] == v
            mask = part if mask is None else mask & part
        out = frame[mask]
        return out[self._selection] if self._selection else out

    def pipe(self, func: Callable, *args: Any, **kwargs: Any):
        return func(self, *args, **kwargs)

    def filter(self, func: Callable, dropna: bool = True):
        """The rows of the groups for which ``func(group)`` is True (pandas' ``filter``), in input order."""
        if not dropna:
            raise InvalidArgumentError("groupby filter supports dropna=True")
        return self._rowwise("filter", func, filters=True)

    def std(self, ddof: int = 1, numeric_only: bool = False):
        return self._simple("std", numeric_only, ddof=ddof)

    def var(self, ddof: int = 1, numeric_only: bool = False):
        return self._simple("var", numeric_only, ddof=ddof)

    def sem(self, ddof: int = 1, numeric_only: bool = False):
        """Each group's standard error of the mean, std(ddof) / sqrt(count) as pandas: the
        ``sem`` aggregate, merged from the same partials as ``std`` (no gathering)."""
        return self._simple("sem", numeric_only, ddof=ddof)

    # -- two columns, and the best rows of each group ---------------------------------------------
    def corr(self, other: Series, method: str = "pearson", min_periods: int | None = None):
        """Pearson's correlation of the selected column with ``other`` (a column of the grouped
        frame) per group, over the rows where both are present (pandas' ``SeriesGroupBy.corr``),
        from per-partition sums of x, y, xy, x² and y²: one pass, no shuffle."""
        if method != "pearson" or min_periods is not None:
            raise InvalidArgumentError("groupby corr supports method='pearson' without min_periods")
        return self._paired("corr", other)

    def cov(self, other: Series, min_periods: int | None = None, ddof: int = 1):
        """The sample covariance (``ddof=1``) of the selected column with ``other`` per group."""
        if min_periods is not None or ddof != 1:
            raise InvalidArgumentError("groupby cov supports ddof=1 without min_periods")
        return self._paired("covar_samp", other)

    def _paired(self, func: str, other: Series):
        if not self._series:
            raise InvalidArgumentError(f"groupby {func} needs one selected column: df.groupby(keys)[column].{func}(df[other])")
        if not isinstance(other, Series) or other._node is not self._frame._node:
            raise InvalidArgumentError(f"groupby {func}'s other must be a column of the grouped frame (df.groupby(k).x.{func}(df.y))")
        column = self._selection[0]
        if not (_is_numeric(self._frame._node.schema.field(column).type) and _is_numeric(other.arrow_type)):
            raise DataTypeError(f"groupby {func} needs numeric columns, not {column!r} and {other.name!r}")
        return self._aggregate([(column, column, func, {"other": other._expr})], series=True)

    def describe(self, percentiles: Sequence[float] | None = None):
        """pandas' per-group summary of each numeric column: count, mean, std, min, the
        percentiles (exact, linear interpolation), max, all float64; one aggregation pass."""
        from pandas.io.formats.format import format_percentiles

        qs = sorted(set([0.25, 0.5, 0.75] if percentiles is None else list(percentiles)))  # pandas 3 adds no median
        if any(not isinstance(q, (int, float)) or not 0 <= q <= 1 for q in qs):
            raise InvalidArgumentError(f"percentiles must be between 0 and 1, got {percentiles!r}")
        stats = [("count", "count", {}), ("mean", "mean", {}), ("std", "std", {"ddof": 1}), ("min", "min", {})]
        stats += [(label, "quantile_cont", {"q": float(q)}) for label, q in zip(format_percentiles(qs), qs)]
        stats.append(("max", "max", {}))
        schema = self._frame._node.schema
        columns = self._selection if self._series else [c for c in self._value_columns(numeric_only=True)
                                                         if not pa.types.is_boolean(schema.field(c).type)]  # as pandas
        if not columns or not all(_is_numeric(schema.field(c).type) for c in columns):
            raise DataTypeError("groupby describe summarizes numeric columns; select some")
        items, labels = [], {}
        for c in columns:
            for label, func, options in stats:
                name = label if self._series else f"{c}_{label}"
                items.append((name, c, func, dict(options)))
                labels[name] = (c, label)
        casts = {name: pa.float64() for name, _, _, _ in items}
        return self._aggregate(items, labels=None if self._series else labels, series=False, casts=casts)

    def idxmax(self, skipna: bool = True, numeric_only: bool = False):
        """Per group, the index label (without an index: the row's position) of each column's
        first largest value, missing values skipped, as pandas."""
        return self._arg_extreme("arg_max", skipna, numeric_only)

    def idxmin(self, skipna: bool = True, numeric_only: bool = False):
        return self._arg_extreme("arg_min", skipna, numeric_only)

    def _arg_extreme(self, func: str, skipna: bool, numeric_only: bool):
        """The labels numbered as ``DataFrame.idxmax`` numbers them, then the ``arg_max`` /
        ``arg_min`` aggregate per group (the label at the extreme value)."""
        if not skipna:
            raise InvalidArgumentError(f"groupby {func.replace('arg_', 'idx')} supports skipna=True only")
        columns = self._value_columns(numeric_only)
        return self._aggregate([(c, c, func.replace("arg_", "idx"), {}) for c in columns])

    def _with_labels(self) -> tuple["GroupBy", str]:
        """This grouping over the frame with each row's label as a column (``DataFrame.idxmax``'s)."""
        node, label = self._labelled._labelled()
        return GroupBy(DataFrame(node), self._keys, self._sort, self._dropna, self._as_index, self._selection,
                       self._series, self._observed), label

    def nlargest(self, n: int = 5):
        """Each group's ``n`` largest values of the selected column, groups in key order, each
        from its largest value (pandas' ``SeriesGroupBy.nlargest``, indexed by the keys only:
        frames has no row labels to add). A tree reduction of per-partition top ``n``s."""
        return self._top(n, True)

    def nsmallest(self, n: int = 5):
        """Each group's ``n`` smallest values of the selected column (see ``nlargest``)."""
        return self._top(n, False)

    def _top(self, n: int, largest: bool):
        from frames.dataframe.expr.topk import GroupTopK

        if not self._series:
            raise InvalidArgumentError("nlargest/nsmallest need one selected column: df.groupby(keys)[column].nlargest(n)")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise InvalidArgumentError(f"n must be a non-negative integer, got {n!r}")
        column = self._selection[0]
        value = column if column not in self._keys else "__value__"
        exprs = tuple((k, Col(k)) for k in self._keys) + ((value, Col(column)),)
        node = GroupTopK(Project(self._frame._node, exprs), tuple(self._keys), value, n, largest, self._dropna)
        return Series(node, Col(value), column, tuple(self._keys))

    def size(self):
        return self._aggregate([("size", None, "count_all", {})], labels={"size": "__size__"} if self._as_index else None,
                               series=True)

    def agg(self, arg: Any = None, *, split_out: int | None = None, split_every: int | None = None,
            shuffle_method: str | None = None, **named: Any):
        """``agg("sum")``, ``agg(["sum", "max"])``, ``agg({"b": "sum", "c": ["min", "max"]})`` or
        named aggregation ``agg(total=("b", "sum"))``. Dask's ``split_out=n`` gives n output
        partitions (see ``_aggregate``); ``split_every`` and ``shuffle_method`` are accepted for
        Dask's code and change nothing (frames merges partials in a tree of its own width)."""
        if split_out is not None and (not isinstance(split_out, int) or isinstance(split_out, bool) or split_out < 1):
            raise InvalidArgumentError(f"split_out must be a positive integer, got {split_out!r}")
        return self._agg(arg, split_out, **named)

    aggregate = agg

    def _agg(self, arg: Any, split_out: int | None, **named: Any):
        if named:
            items = []
            for out, pair in named.items():
                if hasattr(pair, "column") and hasattr(pair, "aggfunc"):  # pandas.NamedAgg
                    pair = (pair.column, pair.aggfunc)
                if not (isinstance(pair, tuple) and len(pair) == 2):
                    raise InvalidArgumentError(f"named aggregation {out}= needs a (column, function) pair")
                column, func = pair
                self._frame._check_columns([column])
                name = _func_name(func)
                items.append((out, column if name != "count_all" else None, name, {}))
            return self._aggregate(items, series=False, split_out=split_out)
        if isinstance(arg, Aggregation):
            return self._custom(arg)
        if callable(arg) and _ALIASES.get(getattr(arg, "__name__", None), getattr(arg, "__name__", None)) not in AGGREGATE_FUNCTIONS:
            return self._agg_function(arg)
        if isinstance(arg, str) or callable(arg):
            if self._series:
                func = _func_name(arg)
                column = self._selection[0]
                return self._aggregate([(column, column if func != "count_all" else None, func, {})], split_out=split_out)
            return self._simple(_func_name(arg), split_out=split_out)
        if isinstance(arg, dict):
            items, labels = [], {}
            multi = any(isinstance(v, (list, tuple)) for v in arg.values())
            for column, funcs in arg.items():
                self._frame._check_columns([column])
                for f in (funcs if isinstance(funcs, (list, tuple)) else [funcs]):
                    func = _func_name(f)
                    label = f if isinstance(f, str) else func
                    name = f"{column}_{label}" if multi else column
                    items.append((name, column if func != "count_all" else None, func, {}))
                    labels[name] = (column, label)
            return self._aggregate(items, labels=labels if multi else None, series=False, split_out=split_out)
        if isinstance(arg, (list, tuple)):
            items, labels = [], {}
            for c in self._value_columns():
                for f in arg:
                    func = _func_name(f)
                    label = f if isinstance(f, str) else func
                    name = label if self._series else f"{c}_{label}"
                    items.append((name, c if func != "count_all" else None, func, {}))
                    labels[name] = (c, label)
            # one column: plain columns named after the functions, like pandas
            return self._aggregate(items, labels=None if self._series else labels, series=False, split_out=split_out)
        raise InvalidArgumentError(f"agg does not accept {type(arg).__name__}")

    def _agg_function(self, func: Callable):
        """``agg(f)`` with a function of a group's values (per column): run on the whole groups."""
        if self._series:
            return self.apply(func).rename(self._selection[0])
        return self.apply(_PerColumn(func))

    def _custom(self, spec: "Aggregation"):
        """A Dask-style ``Aggregation``: ``chunk`` of each partition's groups, the partials of all
        partitions concatenated in one task, ``agg`` of them grouped again, then ``finalize``."""
        from frames.dataframe.expr.reshape import Repartition

        cols = self._value_columns()
        keys = list(self._keys)
        chunked = map_partitions(_AggregationStep(spec, keys, cols, "chunk"), self._frame)
        merged = DataFrame(Repartition(chunked._node, 1))
        out = map_partitions(_AggregationStep(spec, keys, cols, "agg"), merged)
        if self._series:
            return Series(out._node, Col(cols[0]), cols[0], tuple(keys))
        return DataFrame(out._node, tuple(keys))

    # -- per-row results of each group, in the input's row order ---------------------------------
    def _rowwise(self, how: str, *args: Any, filters: bool = False, **kwargs: Any):
        """pandas' ``GroupBy.<how>`` (cumsum, rank, shift, head, ...) of each group's rows: rows
        numbered, hash-shuffled so each group lies whole in one partition, the pandas method run
        once per partition (vectorized over its groups), the rows sorted back into input order.
        ``filters``: the method keeps some whole rows (head, tail, nth) instead of giving values."""
        from frames.dataframe.expr.sort import Sort, SortKey

        frame = self._labelled
        numbered, sample = _numbered(frame)
        values = None if filters else tuple(self._selection or self._value_columns())
        spec = _GroupedRows(tuple(self._keys), values, self._dropna, how, args, tuple(sorted(kwargs.items())), frame._index)
        try:
            meta = spec(sample)
        except Exception as exc:
            raise InvalidArgumentError(f"groupby.{how} cannot run on these columns ({type(exc).__name__}: {exc})") from exc
        shuffled = GroupBy(numbered, self._keys, self._sort, self._dropna, True)._shuffled()
        result = map_partitions(spec, shuffled, meta=_typed_like(_meta_schema(meta)[0], numbered._node.schema))
        ordered = Sort(result._node, (SortKey("__row", True),))
        index = frame._index  # the rows keep their labels, as in pandas
        names = [c for c in meta.columns if c != "__row" and c not in index]
        if how == "cumcount" or (self._series and not filters):
            name = None if how == "cumcount" else self._selection[0]
            return Series(ordered, Col(names[0]), name, index)
        return DataFrame(Project(ordered, tuple((c, Col(c)) for c in list(index) + names)), index)

    def cumsum(self):
        return self._rowwise("cumsum")

    def cumprod(self):
        return self._rowwise("cumprod")

    def cummax(self):
        return self._rowwise("cummax")

    def cummin(self):
        return self._rowwise("cummin")

    def cumcount(self, ascending: bool = True):
        """Each row's number within its group (from 0), as pandas: an int64 Series."""
        return self._rowwise("cumcount", ascending=ascending)

    def rank(self, method: str = "average", ascending: bool = True, na_option: str = "keep", pct: bool = False):
        return self._rowwise("rank", method=method, ascending=ascending, na_option=na_option, pct=pct)

    def shift(self, periods: int = 1, fill_value: Any = None):
        """Values moved ``periods`` rows within each group (negative: up)."""
        _check_int(periods, "shift periods")
        return self._rowwise("shift", periods, **({} if fill_value is None else {"fill_value": fill_value}))

    def diff(self, periods: int = 1):
        _check_int(periods, "diff periods")
        return self._rowwise("diff", periods)

    def pct_change(self, periods: int = 1):
        _check_int(periods, "pct_change periods")
        return self._rowwise("pct_change", periods, fill_method=None)

    def ffill(self, limit: int | None = None):
        return self._rowwise("ffill", limit=limit)

    def bfill(self, limit: int | None = None):
        return self._rowwise("bfill", limit=limit)

    def head(self, n: int = 5):
        """The first ``n`` rows of each group, in the input's row order (pandas keeps their
        labels; frames numbers the result's rows afresh)."""
        _check_int(n, "head n")
        return self._rowwise("head", n, filters=True)

    def tail(self, n: int = 5):
        _check_int(n, "tail n")
        return self._rowwise("tail", n, filters=True)

    def nth(self, n: int | Sequence[int]):
        """The ``n``-th row (or rows) of each group, a filter as in pandas 2+."""
        ns = [n] if isinstance(n, int) else list(n)
        for i in ns:
            _check_int(i, "nth n")
        return self._rowwise("nth", n if isinstance(n, int) else tuple(ns), filters=True)

    def rolling(self, window: int | str, min_periods: int | None = None, center: bool = False) -> "RollingGroupBy":
        """Rolling windows within each group (pandas' ``groupby(k).rolling(window)``): ``window``
        rows, or a fixed time span (``"2h"``) over a datetime index; the result is indexed by the
        keys and each row's label (its index, or its position), groups in key order, as pandas
        and Dask. Rows are hash-shuffled so each group lies in one partition (``_shuffled``, as
        ``apply``) and pandas' grouped rolling runs once per partition."""
        return RollingGroupBy(self, window, min_periods, center)

    # -- functions of whole groups ------------------------------------------------------------
    def _shuffled(self) -> DataFrame:
        from frames.dataframe.expr.shuffle import Shuffle

        frame = self._frame
        return DataFrame(Shuffle(frame._node, tuple(self._keys), frame.npartitions))

    def apply(self, func: Callable, *args: Any, meta: Any = None, **kwargs: Any):
        """``func`` run on each group as a pandas DataFrame (without the key columns, as pandas 3;
        with ``groupby(...)[cols]`` only those), after a hash shuffle puts each group whole in one
        partition. What ``func`` returns shapes the result, as in pandas:

        - a scalar: a Series with one value per group, indexed by the keys;
        - a DataFrame or a Series of the group's own rows (``g.head(2)``, ``g.x * 2``): their rows
          under the keys (pandas also keeps each row's original label, which frames does not have);
        - a Series indexed by (some of) the group's columns (``g.sum()``): one row per group, those columns;
        - anything else with its own index (``g.describe()``, ``g.s.value_counts()``): its rows under
          the keys, its index kept as index levels.

        The shape is found once by running ``func`` on a made-up two-row group (Dask's
        ``meta_nonempty``); ``meta=`` gives the result's columns instead (key columns need not be listed).
        """
        frame = self._frame
        spec = _ApplySpec(tuple(self._keys), tuple(self._selection) if self._selection else None, self._dropna,
                          self._series, func, args, tuple(sorted(kwargs.items())))
        try:
            shape, out, index = spec.run(_sample_meta(frame._node.schema), None)
        except Exception as exc:  # user code: report what happened and how to avoid running it
            if meta is None:
                raise InvalidArgumentError(f"could not infer the output of groupby.apply({getattr(func, '__name__', func)!r}) by "
                                           f"running it on a sample group ({type(exc).__name__}: {exc}); pass meta=") from exc
            shape, out, index = None, None, list(self._keys)  # the shape is found on the data
        sampled = out
        if meta is not None:
            given, is_series, _ = _meta_schema(meta)
            keys = _sample_meta(frame._node.schema)[list(index)] if out is None else out[list(index)]
            out = pd.concat([keys.iloc[:0], given.empty_table().to_pandas()], axis=1)
            spec.value_names = list(given.names)
            if shape is None:
                shape = "scalar" if is_series else "frame_rows"
        spec.empty = out.iloc[:0]
        schema, objects = _object_columns(_meta_schema(out)[0], meta, sampled)
        schema = _typed_like(schema, frame._node.schema, keep=objects)
        result = map_partitions(spec, self._shuffled(), shape, meta=schema)
        if self._sort:  # groups in key order, as pandas (each group's rows keep theirs: the sort is stable)
            from frames.dataframe.expr.sort import Sort, SortKey

            result = DataFrame(Sort(result._node, tuple(SortKey(k, True) for k in self._keys)))
        if shape in _SERIES_SHAPES:
            value = [c for c in out.columns if c not in index][0]
            name = value if value != "__value__" else self._selection[0] if self._series and self._selection else None
            return Series(result._node, Col(value), name, tuple(index))  # a column's groups: its name, as pandas
        return DataFrame(result._node, tuple(index))

    def transform(self, func: Callable | str, *args: Any, meta: Any = None, **kwargs: Any):
        """``func`` (a function or an aggregation's name) of each group's columns, one value per
        input row, in the input's row order (pandas gives the input's index; frames numbers rows
        before the shuffle and sorts them back)."""
        from frames.dataframe.expr.sort import Sort, SortKey

        if isinstance(func, str) and meta is None:  # pandas' own grouped transform, vectorized over the groups
            return self._rowwise("transform", func, *args, **kwargs)
        frame = self._labelled  # the rows keep their labels, as in pandas
        index = frame._index
        numbered, sample = _numbered(frame)
        grouped = GroupBy(numbered, self._keys, self._sort, self._dropna, True, self._selection or self._value_columns(), self._series)
        spec = _TransformSpec(tuple(self._keys), tuple(grouped._selection), self._dropna, self._series, func, args,
                              tuple(sorted(kwargs.items())))
        spec.index = tuple(index)
        try:
            out = spec(sample)
        except Exception as exc:
            raise InvalidArgumentError(f"could not infer the output of groupby.transform({getattr(func, '__name__', func)!r}) by "
                                       f"running it on a sample group ({type(exc).__name__}: {exc}); pass meta=") from exc
        sampled = out
        if meta is not None:
            given, _, _ = _meta_schema(meta)
            out = pd.concat([out[["__row", *index]], given.empty_table().to_pandas()], axis=1)
        spec.empty = out.iloc[:0]
        schema, objects = _object_columns(_meta_schema(out)[0], meta, sampled)
        schema = _typed_like(schema, numbered._node.schema, keep=objects)
        result = map_partitions(spec, grouped._shuffled(), meta=schema)
        ordered = Sort(result._node, (SortKey("__row", True),))
        values = [c for c in out.columns if c != "__row" and c not in index]
        if self._series:
            return Series(ordered, Col(values[0]), self._selection[0], index)
        return DataFrame(Project(ordered, tuple((c, Col(c)) for c in list(index) + values)), index)


def _object_columns(schema: pa.Schema, meta: Any, sampled: pd.DataFrame | None) -> tuple[pa.Schema, tuple[str, ...]]:
    """``schema`` with the columns ``meta`` declares ``object`` typed as on the sample group
    (``sampled``: the function's result there, None when it failed), and those names, which must
    not be typed like an input column of the same name (``_typed_like``'s ``keep``)."""
    objects = _declared_objects(meta) if meta is not None else ()
    if objects and sampled is not None:
        schema = _object_types(schema, objects, lambda: sampled)
    return schema, objects


class RollingGroupBy:
    """``df.groupby(keys).rolling(window)`` (also of selected columns): pandas' rolling reductions
    within each group, whole groups gathered in one partition by the hash shuffle of
    ``groupby.apply``, pandas' grouped rolling per partition (vectorized over its groups), then the
    rows in pandas' order: groups by key (``sort=False``: by their first row), each group's rows in
    input order, recovered from the rows' numbers."""

    def __init__(self, grouped: GroupBy, window: Any, min_periods: int | None, center: bool):
        from frames.dataframe.collection import _time_span

        frame = grouped._labelled
        if grouped._by_index:
            raise InvalidArgumentError("groupby(<the index>).rolling is not supported: the rows' labels are the keys; "
                                       "reset_index() first")
        if isinstance(window, (str, pd.Timedelta, pd.DateOffset)) or hasattr(window, "total_seconds"):
            window = _time_span(frame, window)  # a fixed span over a datetime index (checked)
            if min_periods is not None:
                _check_int(min_periods, "rolling min_periods")
        else:
            _check_int(window, "rolling window")
            if window < 1:
                raise InvalidArgumentError(f"rolling window must be a positive number of rows or a time span, got {window!r}")
            if min_periods is not None:
                _check_int(min_periods, "rolling min_periods")
                if not 0 <= min_periods <= window:
                    raise InvalidArgumentError(f"rolling min_periods={min_periods} must be between 0 and the window ({window})")
        if not isinstance(center, bool):
            raise InvalidArgumentError(f"rolling center must be True or False, got {center!r}")
        values = grouped._selection or grouped._value_columns()
        schema = grouped._frame._node.schema
        for c in values:
            if not _is_numeric(schema.field(c).type):
                raise DataTypeError(f"groupby rolling needs numeric columns; {c!r} is {schema.field(c).type} (select the numeric ones)")
        self._grouped, self._frame, self._values = grouped, frame, tuple(values)
        self._window, self._min_periods, self._center = window, min_periods, center

    def _agg(self, how: str, *args: Any, **kwargs: Any):
        from frames.dataframe.expr.sort import Sort, SortKey
        from frames.dataframe.indexing import label

        grouped, frame = self._grouped, self._frame
        keys = tuple(grouped._keys)
        if frame._index:
            node, labels = frame._node, tuple(frame._index)
        else:  # no index: each row's position, pandas' default labels
            node, position = frame._labelled()
            labels = (position,)
        names = tuple(label(c) if frame._index else None for c in labels)
        needed = list(dict.fromkeys(keys + self._values + labels))
        numbered, sample = _numbered(DataFrame(Project(node, tuple((c, Col(c)) for c in needed))))
        spec = _GroupedRolling(keys, self._values, labels, names, grouped._series, grouped._sort, grouped._dropna,
                               grouped._as_index, self._window, self._min_periods, self._center, how, args,
                               tuple(sorted(kwargs.items())))
        try:
            meta = spec(sample)
        except Exception as exc:
            raise InvalidArgumentError(f"groupby rolling.{how} cannot run on these columns ({type(exc).__name__}: {exc})") from exc
        spec.empty = meta.iloc[:0]
        shuffled = GroupBy(numbered, list(keys), grouped._sort, grouped._dropna, True)._shuffled()
        result = map_partitions(spec, shuffled, meta=_typed_like(_meta_schema(meta)[0], numbered._node.schema))
        order = tuple(SortKey(k, True) for k in keys) if grouped._sort else (SortKey("__first", True),)
        ordered = Sort(result._node, order + (SortKey("__row", True),))
        index = tuple(spec.index_columns)
        columns = [c for c in meta.columns if c not in index and c not in ("__row", "__first")]
        out = Project(ordered, tuple((c, Col(c)) for c in list(index) + columns))
        if spec.series_result:
            return Series(out, Col(columns[0]), self._values[0], index)
        return DataFrame(out, index)

    def apply(self, func: Callable, raw: bool = False, args: tuple = (), kwargs: dict | None = None):
        """``func`` of each window's values (``raw``: a NumPy array), per group."""
        if not callable(func):
            raise InvalidArgumentError(f"rolling apply takes a function, not {type(func).__name__}")
        return self._agg("apply", func, raw=raw, args=tuple(args), kwargs=dict(kwargs or {}))

    def agg(self, func: str):
        if not isinstance(func, str) or func not in _ROLLING_REDUCTIONS:
            raise InvalidArgumentError(f"groupby rolling.agg takes one of {', '.join(_ROLLING_REDUCTIONS)}, not {func!r}")
        return self._agg(func)

    aggregate = agg

    def std(self, ddof: int = 1):
        return self._agg("std", ddof=ddof)

    def var(self, ddof: int = 1):
        return self._agg("var", ddof=ddof)


_ROLLING_REDUCTIONS = ("sum", "mean", "min", "max", "count", "median", "std", "var", "sem")
for _how in ("sum", "mean", "min", "max", "count", "median", "sem"):
    setattr(RollingGroupBy, _how, (lambda how: lambda self: self._agg(how))(_how))


class _GroupedRolling:
    """One partition's ``groupby(keys)[values].rolling(...).<how>()``, its rows' labels as the
    partition's index, with each result row's ``__row`` number (and, for ``sort=False``, its
    group's first, ``__first``). Each group lies whole in the partition; pandas gives the groups
    in key order (``sort=False``: first appearance), each group's rows in partition order, which
    ``ngroup`` reproduces without matching labels."""

    empty: pd.DataFrame | None = None

    def __init__(self, keys, values, labels, names, series, sort, dropna, as_index, window, min_periods, center, how, args, kwargs):
        self.keys, self.values, self.labels, self.names = list(keys), list(values), list(labels), list(names)
        self.series, self.sort, self.dropna, self.as_index = series, sort, dropna, as_index
        self.window, self.min_periods, self.center = window, min_periods, center
        self.how, self.args, self.kwargs = how, args, dict(kwargs)
        self.index_columns: list[str] = []  # the result's index levels as columns, and whether it is a Series:
        self.series_result = False  # found by the run on the sample partition, read when the graph is built
        self.__name__ = f"groupby-rolling-{how}"

    def __call__(self, pdf: pd.DataFrame) -> pd.DataFrame:
        import numpy as np

        from frames.dataframe.indexing import unnamed

        if not len(pdf) and self.empty is not None:
            return self.empty
        if not pdf["__row"].is_monotonic_increasing:
            pdf = pdf.sort_values("__row", kind="stable")
        rows = pdf["__row"].to_numpy()
        frame = pdf.drop(columns="__row").set_index(self.labels)
        frame.index.names = self.names
        grouped = frame.groupby(self.keys, sort=self.sort, dropna=self.dropna, as_index=self.as_index)
        picked = grouped[self.values[0]] if self.series else grouped[self.values]
        try:
            result = getattr(picked.rolling(self.window, min_periods=self.min_periods, center=self.center), self.how)(*self.args, **self.kwargs)
        except (ValueError, TypeError, pd.errors.DataError) as exc:
            raise InvalidArgumentError(f"groupby rolling({self.window!r}).{self.how}: {exc}") from exc
        groups = frame.groupby(self.keys, sort=self.sort, dropna=self.dropna).ngroup().to_numpy(dtype="float64")
        kept = ~np.isnan(groups)
        order = np.argsort(groups[kept], kind="stable")
        self.series_result = isinstance(result, pd.Series)
        out = result.to_frame(str(self.values[0])) if self.series_result else result
        levels = [str(n) if n is not None else unnamed(i) for i, n in enumerate(out.index.names)]
        self.index_columns = levels
        out = out.copy(deep=False)
        out.index = out.index.set_names(levels)
        out = out.reset_index()
        out["__row"] = rows[kept][order]
        if not self.sort:  # groups by their first row
            out["__first"] = out.groupby(groups[kept][order], sort=False)["__row"].transform("min").to_numpy()
        return out


def _cast_columns(node, types: dict):
    """``node`` with the columns named in ``types`` cast to their type (the aggregate's result
    type is SQL's where pandas' differs: a product of integers is float64 there, int64 in pandas)."""
    if not types:
        return node
    return Project(node, tuple((n, Cast(Col(n), types[n]) if n in types else Col(n)) for n in node.schema.names))


class Aggregation:
    """A custom grouped reduction, as ``dask.dataframe.Aggregation``: ``chunk(grouped)`` gives each
    partition's partial(s) per group (a Series or a tuple of them, from a pandas SeriesGroupBy),
    ``agg(grouped_partials)`` combines them (called with the partials grouped by the keys again,
    one argument per partial), ``finalize(*combined)`` gives the value (default: the one
    combined Series). Used as ``df.groupby(k).agg(Aggregation(...))``."""

    def __init__(self, name: str, chunk: Callable, agg: Callable, finalize: Callable | None = None):
        self.__name__ = name
        self.chunk, self.agg, self.finalize = chunk, agg, finalize


class _AggregationStep:
    def __init__(self, spec: Aggregation, keys: list[str], columns: list[str], step: str):
        self.spec, self.keys, self.columns, self.step = spec, keys, columns, step
        self.__name__ = f"{spec.__name__}-{step}"

    def __call__(self, pdf: pd.DataFrame) -> pd.DataFrame:
        out = {}
        for c in self.columns:
            if self.step == "chunk":
                parts = self.spec.chunk(pdf.groupby(self.keys, sort=True)[c])
                parts = parts if isinstance(parts, tuple) else (parts,)
                for j, part in enumerate(parts):
                    out[f"{c}\x00{j}"] = part
            else:
                names = [n for n in pdf.columns if n.startswith(f"{c}\x00")]
                grouped = pdf.groupby(self.keys, sort=True)
                combined = [self.spec.agg(grouped[n]) for n in names]
                out[c] = self.spec.finalize(*combined) if self.spec.finalize else combined[0]
        frame = pd.DataFrame(out)
        frame.index.names = self.keys
        return frame.reset_index()


class _PerColumn:
    """``agg(f)`` of a group frame: ``f`` of each of its columns."""

    def __init__(self, func: Callable):
        self.func = func
        self.__name__ = getattr(func, "__name__", "function")

    def __call__(self, group: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: [self.func(group[c])] for c in group.columns})  # one row, each column its own type


_SERIES_SHAPES = ("scalar", "series_rows", "series_indexed")


def _number_rows(pdf: pd.DataFrame, partition_info: dict | None = None) -> pd.DataFrame:
    """The partition with ``__row``: (partition number, row) as one sortable int64."""
    import numpy as np

    out = pdf.copy()
    out["__row"] = (np.int64((partition_info or {}).get("number", 0)) << np.int64(40)) + np.arange(len(pdf), dtype=np.int64)
    return out


def _numbered(frame: DataFrame) -> tuple[DataFrame, pd.DataFrame]:
    """``frame`` with each row's ``__row`` number, and a made-up two-row sample of it (for meta)."""
    sample = _number_rows(_sample_meta(frame._node.schema), {"number": 0})  # index columns as columns, as after a shuffle
    return frame.map_partitions(_number_rows, meta=sample.drop(columns=list(frame._index)).iloc[:0]), sample


class _GroupFunction:
    """What apply and transform share: the groups of a pandas partition, as pandas forms them."""

    def __init__(self, keys, selection, dropna, series, func, args, kwargs):
        self.keys, self.selection, self.dropna, self.series = list(keys), selection, dropna, series
        self.func, self.args, self.kwargs = func, args, dict(kwargs)
        self.__name__ = getattr(func, "__name__", "function")

    def groups(self, pdf: pd.DataFrame):
        columns = list(self.selection) if self.selection else [c for c in pdf.columns if c not in self.keys and c != "__row"]
        for key, group in pdf.groupby(self.keys, sort=True, dropna=self.dropna):
            values = group[columns[0]] if self.series else group[columns]
            yield (key if isinstance(key, tuple) else (key,)), group, values


class _ApplySpec(_GroupFunction):
    empty: pd.DataFrame | None = None  # the result of a partition without groups
    value_names: list[str] | None = None  # the value columns as ``meta=`` names them

    def run(self, pdf: pd.DataFrame, shape: str | None):
        """(shape, result frame, its index columns): the keys and any index levels of the
        function's results kept, then the values."""
        rows, keys_of, inner = [], [], []
        for key, group, values in self.groups(pdf):
            result = self.func(values, *self.args, **self.kwargs)
            if shape is None:
                shape = _shape_of(result, values)
            if shape in ("frame_indexed", "series_indexed") and not inner:
                inner = _index_names(result.index)
            rows.append(_as_rows(result, shape, values))
            keys_of.append(key)
        if not rows:
            return shape, None, list(self.keys)
        if shape == "scalar":
            body = pd.DataFrame({"__value__": pd.Series(rows)})
        else:
            body = pd.concat(rows, ignore_index=True).infer_objects()
        lengths = [1 if shape in ("scalar", "series_columns") else len(r) for r in rows]
        keys = pd.DataFrame([k for k, n in zip(keys_of, lengths) for _ in range(n)], columns=self.keys)
        for k in self.keys:
            keys[k] = keys[k].astype(pdf[k].dtype)
        body = body.drop(columns=[c for c in body.columns if c in self.keys and c not in (self.selection or ())], errors="ignore")
        out = pd.concat([keys, body.reset_index(drop=True)], axis=1)
        out.columns = [str(c) for c in out.columns]
        return shape, out, list(self.keys) + inner

    def __call__(self, pdf: pd.DataFrame, shape: str) -> pd.DataFrame:
        _, out, index = self.run(pdf, shape)
        if out is None:
            return self.empty
        if self.value_names is not None:
            if len(out.columns) != len(index) + len(self.value_names):
                raise InvalidArgumentError(f"groupby.apply's function returned columns {list(out.columns[len(index):])}, "
                                           f"but meta= declares {self.value_names}")
            out.columns = list(out.columns[:len(index)]) + self.value_names
        return out


def _shape_of(result: Any, group: Any) -> str:
    if isinstance(result, pd.DataFrame):
        return "frame_rows" if _own_rows(result.index, group) else "frame_indexed"
    if isinstance(result, pd.Series):
        if _own_rows(result.index, group):
            return "series_rows"
        if isinstance(group, pd.DataFrame) and len(result) and result.index.isin(group.columns).all():
            return "series_columns"
        return "series_indexed"
    return "scalar"


def _own_rows(index: pd.Index, group: Any) -> bool:
    """Whether ``index`` labels rows of the group (or is a fresh 0..n-1 numbering)."""
    return isinstance(index, pd.RangeIndex) or bool(index.isin(group.index).all())


def _as_rows(result: Any, shape: str, group: Any) -> Any:
    if shape == "scalar":
        return result
    if shape == "frame_rows":
        return result.reset_index(drop=True)
    if shape == "frame_indexed":
        return _index_as_columns(result)
    if shape == "series_rows":
        return result.to_frame(_series_name(result)).reset_index(drop=True)
    if shape == "series_columns":  # one row; each column typed by its own value, as pandas
        return pd.DataFrame({c: [v] for c, v in result.items()})
    return _index_as_columns(result.to_frame(_series_name(result)))


def _series_name(s: pd.Series) -> str:
    return "__value__" if s.name is None else str(s.name)


def _index_names(index: pd.Index) -> list[str]:
    return [str(n) if n is not None else f"level_{i + 1}" for i, n in enumerate(index.names)]


def _index_as_columns(frame: pd.DataFrame) -> pd.DataFrame:
    names = _index_names(frame.index)
    frame = frame.copy()
    frame.index.names = names
    return frame.reset_index()


class _TransformSpec(_GroupFunction):
    empty: pd.DataFrame | None = None
    index: tuple[str, ...] = ()  # the frame's index columns, carried beside the values by row number
    def __call__(self, pdf: pd.DataFrame) -> pd.DataFrame:
        parts = []
        for _, group, values in self.groups(pdf):
            if isinstance(self.func, str):  # a reduction broadcast to the rows, or a pandas transform
                result = getattr(values, self.func)(*self.args, **self.kwargs)
            else:
                result = self.func(values, *self.args, **self.kwargs)
            if isinstance(result, pd.Series) and not self.series and not result.index.equals(group.index):
                # one value per column (a reduction of the group's frame): broadcast to its rows, as pandas
                result = pd.DataFrame({c: [result[c]] * len(group) for c in result.index}, index=group.index)
            if isinstance(result, pd.Series) and not self.series:
                result = result.to_frame()
            if isinstance(result, pd.Series):
                result = result.to_frame(str(self.selection[0]))
            elif not isinstance(result, pd.DataFrame):  # a scalar: broadcast to the group's rows
                result = pd.DataFrame({str(self.selection[0]) if self.series else "__value__": [result] * len(group)}, index=group.index)
            result = result.reindex(group.index) if len(result) != len(group) or not result.index.equals(group.index) else result
            result = result.copy()
            result["__row"] = group["__row"].to_numpy()
            parts.append(result.reset_index(drop=True))
        missing = self.missing_key_rows(pdf)
        if missing is not None and len(missing):  # pandas keeps them, their values missing
            filler = self.empty.reindex(range(len(missing))) if self.empty is not None else pd.DataFrame(index=range(len(missing)))
            filler["__row"] = missing
            parts.append(filler)
        if not parts:
            return self.empty
        out = pd.concat(parts, ignore_index=True)
        out.columns = [str(c) for c in out.columns]
        values = [c for c in out.columns if c != "__row" and c not in self.index]
        if self.index:
            labels = pdf.set_index("__row")[list(self.index)]
            out = out.drop(columns=list(self.index), errors="ignore").join(labels, on="__row")
        return out[["__row", *self.index, *values]]

    def missing_key_rows(self, pdf: pd.DataFrame):
        """The ``__row`` numbers of the rows no group holds (a missing key, ``dropna=True``)."""
        if not self.dropna:
            return None
        return pdf["__row"][pdf[self.keys].isna().any(axis=1)].to_numpy()


def _check_int(n: Any, what: str) -> None:
    if not isinstance(n, int) or isinstance(n, bool):
        raise InvalidArgumentError(f"{what} must be a whole number, got {n!r}")


class _GroupedRows:
    """One partition's ``pdf.groupby(keys)[values].<method>(...)``, with ``__row`` kept beside
    the values (or, for filters, the kept rows whole)."""

    def __init__(self, keys, values, dropna, method, args, kwargs, index=()):
        self.keys, self.values, self.dropna, self.method, self.index = list(keys), values, dropna, method, list(index)
        self.args, self.kwargs = args, dict(kwargs)
        self.__name__ = f"groupby-{method}"

    def __call__(self, pdf: pd.DataFrame) -> pd.DataFrame:
        source = pdf
        if self.dropna:  # the rows no group holds are left out before pandas groups (pandas 3 fails on
            present = pdf[self.keys].notna().all(axis=1)  # Arrow-backed keys that are all missing)
            source = pdf if present.all() else pdf[present]
        grouped = source.groupby(self.keys, sort=False, dropna=self.dropna)
        if self.values is None:  # a filter of whole rows
            return getattr(grouped, self.method)(*self.args, **self.kwargs).reset_index(drop=True)
        if self.method == "cumcount":  # rows of a missing key (dropna=True) have none: nullable
            out = grouped.cumcount(**self.kwargs).astype("Int64").to_frame("__value__")
        else:
            out = getattr(grouped[list(self.values)], self.method)(*self.args, **self.kwargs)
        # every input row keeps its place, as in pandas: with dropna=True a missing key's row gets missing values
        out = out.reindex(pdf.index).reset_index(drop=True)
        rows = pdf["__row"]
        out.insert(0, "__row", rows.to_numpy())
        for i, c in enumerate(self.index):  # the frame's index columns, carried beside the values
            out.insert(1 + i, c, pdf.loc[rows.index, c].to_numpy())
        return out
