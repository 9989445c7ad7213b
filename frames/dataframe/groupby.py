"""``DataFrame.groupby``: pandas' grouped reductions on the tree-reduction Aggregate node."""

from __future__ import annotations

from typing import Any, Callable, Sequence


from frames.dataframe.collection import DataFrame, Series, _is_numeric, map_partitions
from frames.errors import InvalidArgumentError
from frames.dataframe.expr.aggregate import AGGREGATE_FUNCTIONS, Aggregate, AggSpec
from frames.dataframe.expr.scalar import Col

# pandas names -> our aggregate functions
_ALIASES = {"nunique": "count_distinct", "size": "count_all", "avg": "mean", "median": None}
_NUMERIC_ONLY = {"sum", "mean", "std", "var"}


def _func_name(func: Any) -> str:
    if callable(func):
        func = getattr(func, "__name__", str(func))
    name = _ALIASES.get(func, func)
    if name not in AGGREGATE_FUNCTIONS:
        raise InvalidArgumentError(f"unsupported aggregation {func!r}; supported: sum, mean, count, size, min, max, nunique, std, var, first, last, any, all")
    return name


class GroupBy:
    def __init__(self, frame: DataFrame, keys: list[str], sort: bool, dropna: bool, as_index: bool, selection: list[str] | None = None, series: bool = False):
        self._frame = frame
        self._keys = keys
        self._sort = sort
        self._dropna = dropna
        self._as_index = as_index
        self._selection = selection
        self._series = series

    def __getitem__(self, key: str | Sequence[str]) -> "GroupBy":
        cols = [key] if isinstance(key, str) else list(key)
        self._frame._check_columns(cols)
        return GroupBy(self._frame, self._keys, self._sort, self._dropna, self._as_index, cols, isinstance(key, str))

    def __getattr__(self, name: str) -> "GroupBy":
        if not name.startswith("_") and name in self._frame._node.schema.names:
            return self[name]
        raise AttributeError(name)

    def _value_columns(self, func: str) -> list[str]:
        cols = self._selection or [c for c in self._frame._node.schema.names if c not in self._keys]
        if func in _NUMERIC_ONLY and self._selection is None:
            cols = [c for c in cols if _is_numeric(self._frame._node.schema.field(c).type)]
        return cols

    def _result(self, specs: list[AggSpec], series_name: Any = None, labels: dict | None = None):
        node = Aggregate(self._frame._node, tuple(self._keys), tuple(specs), dropna=self._dropna, sort=self._sort)
        if series_name is not None or (self._series and len(specs) == 1):
            name = series_name if series_name is not None else (self._selection[0] if self._selection else specs[0].name)
            if not self._as_index:
                return DataFrame(node)
            return Series(node, Col(specs[0].name), name if name != "__size__" else None, tuple(self._keys))
        index = tuple(self._keys) if self._as_index else ()
        return DataFrame(node, index, column_labels=labels)

    def _simple(self, func: str, **options: Any):
        cols = self._value_columns(func)
        specs = [AggSpec(c, func, c, tuple(options.items())) for c in cols]
        return self._result(specs)

    def sum(self):
        return self._simple("sum")

    def mean(self):
        return self._simple("mean")

    def min(self):
        return self._simple("min")

    def max(self):
        return self._simple("max")

    def count(self):
        return self._simple("count")

    def nunique(self):
        return self._simple("count_distinct")

    def first(self):
        return self._simple("first")

    def last(self):
        return self._simple("last")

    def std(self, ddof: int = 1):
        return self._simple("std", ddof=ddof)

    def var(self, ddof: int = 1):
        return self._simple("var", ddof=ddof)

    def size(self):
        spec = AggSpec("size", "count_all")
        node = Aggregate(self._frame._node, tuple(self._keys), (spec,), dropna=self._dropna, sort=self._sort)
        if not self._as_index:
            return DataFrame(node)
        return Series(node, Col("size"), None, tuple(self._keys))

    def agg(self, arg: Any = None, **named: Any):
        """``agg("sum")``, ``agg(["sum", "max"])``, ``agg({"b": "sum", "c": ["min", "max"]})`` or
        named aggregation ``agg(total=("b", "sum"))``."""
        if named:
            specs = []
            for out, pair in named.items():
                if not (isinstance(pair, tuple) and len(pair) == 2):
                    raise InvalidArgumentError(f"named aggregation {out}= needs a (column, function) pair")
                column, func = pair
                self._frame._check_columns([column])
                specs.append(AggSpec(out, _func_name(func), column if _func_name(func) != "count_all" else None))
            return self._result(specs)
        if isinstance(arg, (str,)) or callable(arg):
            if self._series:
                func = _func_name(arg)
                return self._result([AggSpec(self._selection[0], func, self._selection[0] if func != "count_all" else None)])
            return self._simple(_func_name(arg))
        if isinstance(arg, dict):
            specs, labels = [], {}
            multi = any(isinstance(v, (list, tuple)) for v in arg.values())
            for column, funcs in arg.items():
                self._frame._check_columns([column])
                for f in (funcs if isinstance(funcs, (list, tuple)) else [funcs]):
                    func = _func_name(f)
                    name = f"{column}_{f if isinstance(f, str) else func}" if multi else column
                    specs.append(AggSpec(name, func, column if func != "count_all" else None))
                    labels[name] = (column, f if isinstance(f, str) else func)
            return self._result(specs, labels=labels if multi else None)
        if isinstance(arg, (list, tuple)):
            cols = self._selection or self._value_columns("min")
            specs, labels = [], {}
            for c in cols:
                for f in arg:
                    func = _func_name(f)
                    label = f if isinstance(f, str) else func
                    name = label if self._series else f"{c}_{label}"
                    specs.append(AggSpec(name, func, c if func != "count_all" else None))
                    labels[name] = (c, label)
            if self._series:  # one column: plain columns named after the functions, like pandas
                node = Aggregate(self._frame._node, tuple(self._keys), tuple(specs), dropna=self._dropna, sort=self._sort)
                return DataFrame(node, tuple(self._keys) if self._as_index else ())
            return self._result(specs, labels=labels)
        raise InvalidArgumentError(f"agg does not accept {type(arg).__name__}")

    aggregate = agg

    def apply(self, func: Callable, *args: Any, meta: Any = None, **kwargs: Any) -> DataFrame:
        """Run ``func`` on each group as a pandas DataFrame: rows are hash-shuffled so each group is
        whole in one partition, then every partition runs a pandas groupby-apply."""
        from frames.dataframe.expr.shuffle import Shuffle

        frame = self._frame
        shuffled = DataFrame(Shuffle(frame._node, tuple(self._keys), frame.npartitions))
        keys = self._keys

        def per_partition(pdf, *a, **kw):
            import pandas as pd

            if len(pdf) == 0:
                out = func(pdf, *a, **kw)
                return out.reset_index(drop=True) if isinstance(out, pd.DataFrame) else pd.DataFrame(out)
            res = pdf.groupby(keys, sort=True, dropna=self._dropna, group_keys=True).apply(lambda g: func(g, *a, **kw))
            if isinstance(res, pd.Series):
                res = res.to_frame()
            return res.reset_index(drop=False).drop(columns=[c for c in res.index.names if c is None or str(c).startswith("level_")], errors="ignore")

        if meta is None:
            sample = frame._node.schema.empty_table().to_pandas()
            try:
                meta = per_partition(sample.head(0), *args, **kwargs)
            except Exception as exc:
                raise InvalidArgumentError(f"could not infer the output of groupby.apply; pass meta= ({exc})") from exc
        return map_partitions(per_partition, shuffled, *args, meta=meta, **kwargs)
