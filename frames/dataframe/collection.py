"""The user-facing lazy collections: DataFrame, Series and Scalar.

A collection holds a relational expression (``frames.dataframe.expr`` node) and, for a Series, a scalar
expression over that node's columns; every method builds a new expression and nothing runs until
``compute()``. At compute time the expression is optimized (filters into scans, column pruning),
lowered to a task graph and run by an ``exec`` scheduler. Partitions are Arrow tables; users see
pandas objects at the boundary (``compute()``, ``map_partitions``).

Arrow tables have no row index: a pandas index (after ``set_index``, ``groupby``,
``value_counts``, or of a ``from_pandas`` frame) is a designated column of the partitions, recorded
as ``_index`` and made the pandas index at ``compute()``; ``indexing.py`` holds the index's
operations and ``expr/divisions.py`` its known partition boundaries (``divisions``).
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, Sequence

import pandas as pd
import pyarrow as pa

from frames.base import Lazy, run
from frames.dataframe.convert import arrow_to_pandas, concat_tables, holds_null_type, labelled_categories
from frames.dataframe.dtypes import is_object_dtype, nonempty_sample, pandas_dtypes, to_arrow_type
from frames.errors import ColumnNotFoundError, DataTypeError, InvalidArgumentError
from frames.dataframe import tracking as _tracking
from frames.dataframe.expr import optimize as _optimize
from frames.dataframe.expr.aggregate import Aggregate, AggSpec
from frames.dataframe.expr.approx_quantile import ApproxQuantile
from frames.dataframe.expr.blockwise import Filter, MapPartitions, Project, ZipColumns, partition_root
from frames.dataframe.expr.join import Join
from frames.dataframe.expr.node import Node, build_graph, build_graphs
from frames.dataframe.expr.reshape import Concat, Limit, Repartition
from frames.dataframe.expr.scalar import Call, Case, Cast, Col, Lit, ScalarExpr, ScalarInput, balanced, call
from frames.dataframe.expr.sort import Sort, SortKey
from frames.dataframe.expr.sources import FromTables
from frames.dataframe.indexing import indexed_pandas, restore_index


def _lift(node: Node, expr: ScalarExpr) -> tuple[Node, ScalarExpr]:
    """Rewrite ``expr`` (over ``node``) through projections to the first non-projection below."""
    while isinstance(node, Project):
        expr = expr.substitute(dict(node.exprs))
        node = node.child
    return node, expr


def _as_expr(value: Any, node: Node, what: str = "value") -> ScalarExpr:
    """A scalar expression over ``node`` for a Series (of the same frame) or a constant."""
    if isinstance(value, Series):
        if value._node is node:
            return value._expr
        base, expr = _lift(value._node, value._expr)
        target, _ = _lift(node, Lit(None))
        if base is target:
            if node is base:
                return expr
            # express over ``node``: only possible when node passes the needed columns through
            mapping = {}
            cur = node
            if isinstance(cur, Project):
                passthrough = {e.name: n for n, e in cur.exprs if isinstance(e, Col)}
                if all(c in passthrough for c in expr.columns()):
                    mapping = {c: Col(passthrough[c]) for c in expr.columns()}
                    return expr.substitute(mapping)
        raise InvalidArgumentError(
            f"cannot combine {what} from a different DataFrame (rows cannot be aligned without an index); "
            "merge the frames first"
        )
    if isinstance(value, ScalarExpr):
        return value
    if isinstance(value, Scalar) and value._kind == "value":
        return ScalarInput(value._node)  # computed once, broadcast to every row
    if isinstance(value, (Lazy,)):
        raise InvalidArgumentError(f"{what} must be a Series of this DataFrame or a constant, not {type(value).__name__}")
    if isinstance(value, (list, tuple, set, dict, pd.Series, pd.DataFrame)):
        raise InvalidArgumentError(f"{what} must be a constant or a Series of this DataFrame, not {type(value).__name__}")
    return Lit(value)


def _same_base(a: "Series", b: "Series") -> tuple[Node, ScalarExpr, ScalarExpr]:
    if a._node is b._node:
        return a._node, a._expr, b._expr
    base_a, ea = _lift(a._node, a._expr)
    base_b, eb = _lift(b._node, b._expr)
    if base_a is not base_b:
        zipped = _zipped(a._node, b)
        if zipped is None:
            raise InvalidArgumentError(
                "cannot combine columns of different DataFrames (rows cannot be aligned without an index); merge the frames first"
            )
        return zipped[0], a._expr, zipped[1]
    return base_a, ea, eb


def _zipped(node: Node, series: "Series") -> tuple[Node, ScalarExpr] | None:
    """``node`` with ``series``' values beside its columns, partition by partition, when both come
    from the same partitions through per-partition steps (``blockwise.partition_root``: a
    ``map_partitions`` result of the frame): the zipped node and the values' column in it; None
    when they do not."""
    if partition_root(node) is not partition_root(series._node) or node.npartitions != series._node.npartitions:
        return None
    name = f"__zip_{series._node.token}__"
    while name in node.schema.names:
        name += "_"
    return ZipColumns(node, Project(series._node, ((name, series._expr),))), Col(name)


def _compute_head(out: "_Frame", scheduler: str | None) -> Any:
    """``out`` (a ``Limit`` of n rows, maybe under projections) computed reading only the
    partitions it needs, as Dask's ``head()`` does: the first partition, then as many more as the
    rows per partition so far say are missing (twice as many while none had rows). Only when partitions share no upstream work (a shuffle or a sort
    feeds all of them, so those are computed in one pass instead of again for each batch)."""
    from dataclasses import replace

    from exec import cull

    node = out._optimized()
    projections = []
    while isinstance(node, Project):
        projections.append(node)
        node = node.child
    if not (isinstance(node, Limit) and node.offset == 0 and node.n is not None and node.child.npartitions > 1):
        return out.compute(scheduler=scheduler)
    graph, keys = build_graph(node.child)
    if set(cull(graph, keys[:1])) & set(cull(graph, keys[1:])):
        return out.compute(scheduler=scheduler)
    tables: list[pa.Table] = []
    got, start, step = 0, 0, 1
    while start < len(keys) and got < node.n:
        batch = keys[start:start + step]
        for table in run(graph, batch, scheduler=scheduler):
            table = table.slice(0, node.n - got)
            tables.append(table)
            got += table.num_rows
        start += len(batch)
        step = -(-(node.n - got) * start // got) if got else 2 * step
    head: Node = FromTables((concat_tables(tables, node.schema),), node.schema)
    for projection in reversed(projections):
        head = replace(projection, child=head)
    result_graph, result_keys = build_graph(head)
    return out._finalize(run(result_graph, result_keys, scheduler="sync"))


class _Frame(Lazy):
    """What DataFrame and Series share: the node, the index columns, compute and partitions."""

    _node: Node
    _index: tuple[str, ...]

    @property
    def npartitions(self) -> int:
        return self._node.npartitions

    @property
    def divisions(self) -> tuple:
        """The index value where each partition starts, and the last one's end (Dask's): all
        None when the partitions are not known to be sorted by a one-column index."""
        from frames.dataframe.indexing import divisions

        return divisions(self)

    @property
    def known_divisions(self) -> bool:
        from frames.dataframe.indexing import known

        return known(self) is not None

    @property
    def loc(self):
        """Rows by index label, label slice (both ends included), list of labels or boolean Series;
        with known divisions only the partitions that can hold them are read."""
        from frames.dataframe.indexing import LocIndexer

        return LocIndexer(self)

    @property
    def iloc(self):
        """Columns by position: ``df.iloc[:, 0]``, ``df.iloc[:, 1:3]``, ``df.iloc[:, [0, 2]]`` (Dask's subset)."""
        from frames.dataframe.indexing import ILocIndexer

        if not isinstance(self, DataFrame):
            raise InvalidArgumentError("Series.iloc is not supported: rows have no positions in a partitioned frame (as Dask)")
        return ILocIndexer(self)

    @property
    def index(self) -> "Index":
        """The index as a lazy ``Index`` (without one: the row positions pandas would number,
        computed as ``RangeIndex``-like values)."""
        if len(self._index) > 1:
            raise InvalidArgumentError("the index of a MultiIndex frame is not supported; use reset_index()")
        if not self._index:
            from frames.dataframe.expr.prefix import PrefixScan, RowNumbers, no_state

            node = self._result_node()
            numbers = RowNumbers("__position__")
            schema = pa.schema(list(node.schema) + [pa.field("__position__", pa.int64())])
            return Index(PrefixScan(node, no_state, numbers.step, numbers.emit, schema, "row-numbers"), Col("__position__"), None)
        from frames.dataframe.indexing import label

        return Index(self._node, Col(self._index[0]), label(self._index[0]))

    def _result_node(self) -> Node:  # pragma: no cover - abstract
        raise NotImplementedError

    def _optimized(self) -> Node:
        return _optimize.optimize(self._result_node())

    _query_text: str | None = None  # the SQL text of a query's result (its runs go in the query log)

    def _build_graph(self):
        node = self._optimized()
        out = build_graph(node)
        _tracking.track([self], [node])
        return out

    @staticmethod
    def _graph_group(frames: Sequence["_Frame"]) -> tuple[dict, list[list[Hashable]]]:
        """The graphs of several frames built from their trees optimized as one: a scan they share
        is read once, for the union of their columns."""
        nodes = _optimize.optimize_many([f._result_node() for f in frames])
        out = build_graphs(nodes)
        _tracking.track(frames, nodes)
        return out

    def explain(self) -> str:
        """The optimized expression tree, one node per line (filters and columns of every scan)."""
        return self._optimized().explain()

    def to_arrow(self, scheduler: str | None = None, **kwargs: Any) -> pa.Table:
        node = self._optimized()
        graph, keys = build_graph(node)
        _tracking.track([self], [node])
        return concat_tables(run(graph, keys, scheduler=scheduler, **kwargs), node.schema)

    def __dask_tokenize__(self):  # pragma: no cover - interop nicety
        return self._node.name

    # -- operations that read the partitions before (``expr/prefix.py``) --------------------------
    def _scan_columns(self) -> tuple[Node, tuple[str, ...]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _with_scan(self, make: Callable[[tuple[str, ...]], Any], what: str, both_ways: bool = False, every_column: bool = False):
        """``make(columns)``'s operation over the partitions in order (``both_ways``: the
        partitions after each one carried back too); on the numeric columns, or ``every_column``."""
        from frames.dataframe.expr.prefix import PrefixScan, no_state

        node, columns = self._scan_columns()
        if every_column and isinstance(self, DataFrame):
            columns = tuple(self.columns)
        op = make(columns)
        sample = _sample_meta(node.schema)
        schema = _typed_like(_meta_schema(op.emit((None, None) if both_ways else None, sample))[0], node.schema)
        out = PrefixScan(node, no_state, op.step, op.emit, schema, what, back_step=op.back_step if both_ways else None)
        if isinstance(self, Series):
            return Series(out, Col(columns[0]), self._name, self._index)
        return DataFrame(out, self._index)

    def _labelled(self) -> tuple[Node, str]:
        """The node with a ``__label__`` column: the index column, or without an index each row's
        position (what pandas' default index holds), numbered by a ``PrefixScan``."""
        from frames.dataframe.expr.prefix import PrefixScan, RowNumbers, no_state

        node = self._result_node() if isinstance(self, Series) else self._node
        if len(self._index) == 1:
            return Project(node, ((("__label__", Col(self._index[0])),) + tuple((n, Col(n)) for n in node.schema.names))), "__label__"
        if self._index:
            raise InvalidArgumentError("idxmax/idxmin over a MultiIndex are not supported")
        numbers = RowNumbers("__label__")
        schema = pa.schema(list(node.schema) + [pa.field("__label__", pa.int64())])
        return PrefixScan(node, no_state, numbers.step, numbers.emit, schema, "row-numbers"), "__label__"

    def _arg_extreme(self, func: str, columns: Sequence[str]):
        node, label = self._labelled()
        specs = tuple(AggSpec(c, func, label, (("other", c),)) for c in columns)
        return node, specs

    def _cumulative(self, how: str):
        from frames.dataframe.expr.prefix import Cumulative

        return self._with_scan(lambda cols: Cumulative(how, cols), f"cum{how}")

    def cumsum(self):
        """Running sums over the rows in order (partition ``i`` adds the total of those before it)."""
        return self._cumulative("sum")

    def cumprod(self):
        return self._cumulative("prod")

    def cummax(self):
        return self._cumulative("max")

    def cummin(self):
        return self._cumulative("min")

    def _window(self, before: int, fn: Callable, what: str, after: int = 0):
        from frames.dataframe.expr.prefix import Window

        return self._with_scan(lambda cols: Window(before, cols, fn, after), what, both_ways=after > 0)

    def map_overlap(self, func: Callable, before: int, after: int, *args: Any, meta: Any = None, **kwargs: Any):
        """Dask's ``map_overlap``: ``func`` (pandas in, pandas out, a row per row) of each partition
        with the ``before`` rows before it and the ``after`` rows after it prepended and appended,
        those rows' results dropped; rows are carried from as many partitions back as needed (Dask
        asks each neighbour to hold them). ``meta`` as ``map_partitions`` (inferred from a sample)."""
        from frames.dataframe.expr.prefix import Overlap, PrefixScan, no_state

        for name, n in (("before", before), ("after", after)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise InvalidArgumentError(f"map_overlap {name}= must be a whole number of rows >= 0 (time spans are not supported), got {n!r}")
        if not callable(func):
            raise InvalidArgumentError(f"map_overlap needs a function, got {type(func).__name__}")
        node = self._result_node()
        value = self._value_name() if isinstance(self, Series) else "__value__"
        op = Overlap(before, after, func, tuple(args), tuple(sorted(kwargs.items())), tuple(self._index), value,
                     isinstance(self, Series), self._name if isinstance(self, Series) else None)
        sample = _sample_meta(node.schema)
        probe = op.run(sample)
        if meta is None:
            try:
                schema = _typed_like(_meta_schema(op.emit((None, None) if after else None, sample))[0], node.schema)
            except Exception as exc:
                raise InvalidArgumentError(f"map_overlap could not infer meta from a sample ({type(exc).__name__}: {exc}); pass meta=") from exc
            is_series, name = isinstance(probe, pd.Series), getattr(probe, "name", None)
        else:
            schema, is_series, name = _meta_schema(meta)
            if is_series:
                schema = pa.schema([pa.field(value, schema.field(0).type)])
            keep = self._index and list(getattr(probe, "index", pd.RangeIndex(0)).names) == list(self._index)
            if keep:
                schema = pa.schema([node.schema.field(c) for c in self._index] + list(schema))
        index = tuple(c for c in self._index if c in schema.names)
        out = PrefixScan(node, no_state, op.step, op.emit, schema, "map-overlap", back_step=op.back_step if after else None)
        if is_series:
            return Series(out, Col(value if value in schema.names else schema.names[-1]), name, index)
        return DataFrame(out, index)

    def _moved(self, how: str, periods: int):
        from frames.dataframe.expr.prefix import Moved

        _check_periods(periods, how)
        return self._window(max(periods, 0), Moved(how, periods), how, after=max(-periods, 0))

    def shift(self, periods: int = 1):
        """Values moved down ``periods`` rows (negative: up), across partition boundaries (the
        rows of the neighbouring partitions are carried in, as Dask's ``map_overlap``)."""
        return self._moved("shift", periods)

    def diff(self, periods: int = 1):
        return self._moved("diff", periods)

    def pct_change(self, periods: int = 1):
        """The change from ``periods`` rows before, as a fraction (missing values not filled: pandas 3)."""
        return self._moved("pct_change", periods)

    def _edges(self, how: str, limit: int | None = None):
        from frames.dataframe.expr.prefix import Edges

        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            raise InvalidArgumentError(f"{how} limit must be a positive whole number, got {limit!r}")
        return self._with_scan(lambda cols: Edges(how, cols, limit), how, both_ways=how != "ffill", every_column=how != "interpolate")

    def ffill(self, limit: int | None = None):
        """Missing values filled with the last value before them, across partitions."""
        return self._edges("ffill", limit)

    def bfill(self, limit: int | None = None):
        """Missing values filled with the next value after them, across partitions."""
        return self._edges("bfill", limit)

    def interpolate(self, method: str = "linear"):
        """Missing values of the numeric columns linearly interpolated by row position across
        partitions (pandas' default: leading ones stay missing, trailing ones take the last value)."""
        if method != "linear":
            raise InvalidArgumentError(f"interpolate supports method='linear', not {method!r}")
        return self._edges("interpolate")

    def rolling(self, window: int | str, min_periods: int | None = None, center: bool = False) -> "Rolling":
        """A window of ``window`` rows ending at each row (``center=True``: around it), or with a
        fixed time span (``"1D"``, ``"30min"``, a Timedelta) over a sorted datetime index, the
        rows of that span up to each row (pandas' ``(t - span, t]``), carried across partitions."""
        if isinstance(window, (str, pd.Timedelta, pd.DateOffset)) or hasattr(window, "total_seconds"):
            return TimeRolling(self, _time_span(self, window), min_periods, center)
        if not isinstance(window, int) or isinstance(window, bool) or window < 1:
            raise InvalidArgumentError(f"rolling window must be a positive number of rows or a time span, got {window!r}")
        return Rolling(self, window, min_periods, center)

    def expanding(self, min_periods: int = 1) -> "Expanding":
        return Expanding(self, min_periods)

    def resample(self, rule: str, closed: str | None = None, label: str | None = None):
        """Reductions per time bin of a datetime index (``frames.dataframe.resample``)."""
        from frames.dataframe.resample import Resampler

        return Resampler(self, rule, closed, label)


def _check_periods(periods: Any, what: str) -> None:
    if not isinstance(periods, int) or isinstance(periods, bool):
        raise InvalidArgumentError(f"{what}(periods={periods!r}): frames supports whole numbers of rows")


class Rolling:
    """``obj.rolling(window)``: pandas' rolling reductions, each partition given the
    ``window - 1`` rows before it (``center``: half of them from each side)."""

    def __init__(self, obj: "_Frame", window: int, min_periods: int | None, center: bool = False):
        self._obj, self._window, self._min_periods, self._center = obj, window, min_periods, center

    def _agg(self, how: str, *args: Any, **kwargs: Any):
        from frames.dataframe.expr.prefix import Rolling as RollingFn

        before, after = (self._window // 2, (self._window - 1) // 2) if self._center else (self._window - 1, 0)
        fn = RollingFn(self._window, self._min_periods, how, args, self._center, tuple(sorted(kwargs.items())))
        return self._obj._window(before, fn, f"rolling-{how}", after=after)

    def apply(self, func: Callable, raw: bool = False, args: tuple = (), kwargs: dict | None = None):
        return self._agg("apply", func, raw, None, None, args, kwargs or {})

    def agg(self, func: str):
        if not isinstance(func, str):
            raise InvalidArgumentError("rolling.agg takes one function name (call each reduction for several)")
        return self._agg(func)

    aggregate = agg


def _time_span(obj: "_Frame", window: Any) -> pd.Timedelta:
    """A time window's span, checked: a fixed frequency over a datetime index."""
    if len(obj._index) != 1 or not pa.types.is_timestamp(obj._node.schema.field(obj._index[0]).type):
        raise InvalidArgumentError(f"rolling({window!r}) needs a datetime index: set_index(a timestamp column) first")
    try:
        span = pd.Timedelta(pd.tseries.frequencies.to_offset(window) if isinstance(window, str) else window)
    except (ValueError, TypeError) as exc:
        raise InvalidArgumentError(f"rolling({window!r}): a time window is a fixed span ('1D', '6h', '30min', ...)") from exc
    if span <= pd.Timedelta(0):
        raise InvalidArgumentError(f"rolling({window!r}): the span must be positive")
    return span


class TimeRolling(Rolling):
    """``obj.rolling("1D")``: pandas' rolling reductions over a time span of a sorted datetime
    index (``expr.prefix.TimeWindow`` carries the rows of the span before each partition)."""

    def __init__(self, obj: "_Frame", span: pd.Timedelta, min_periods: int | None, center: bool = False):
        if center:
            raise InvalidArgumentError("rolling(<time span>, center=True) is not supported")
        super().__init__(obj, span, min_periods, False)

    def _agg(self, how: str, *args: Any, **kwargs: Any):
        from frames.dataframe.expr.prefix import TimeWindow

        time = self._obj._index[0]
        return self._obj._with_scan(lambda cols: TimeWindow(self._window, time, cols, self._min_periods, how, args,
                                                            tuple(sorted(kwargs.items()))), f"rolling-{how}")


class Expanding:
    """``obj.expanding()``: a window from the first row to each row; the sums, counts, min and
    max are running totals across partitions (``cumsum``'s carry), the others use pandas' expanding."""

    def __init__(self, obj: "_Frame", min_periods: int):
        self._obj, self._min_periods = obj, min_periods

    def _agg(self, how: str):
        from frames.dataframe.expr.prefix import ExpandingFn

        return self._obj._with_scan(lambda cols: ExpandingFn(how, cols, self._min_periods), f"expanding-{how}")


for _how in ("sum", "mean", "min", "max", "std", "var", "count", "median"):
    setattr(Rolling, _how, (lambda how: lambda self, *args: self._agg(how, *args))(_how))
for _how in ("sum", "mean", "min", "max", "count", "std", "var"):
    setattr(Expanding, _how, (lambda how: lambda self: self._agg(how))(_how))


class DataFrame(_Frame):
    """A lazy, partitioned table that mirrors the pandas DataFrame API."""

    def __init__(self, node: Node, index: Sequence[str] = (), column_labels: dict | None = None):
        self._node = node
        self._index = tuple(index)
        self._column_labels = column_labels

    @classmethod
    def from_node(cls, node: Node) -> "DataFrame":
        return cls(node)

    def _result_node(self) -> Node:
        return self._node

    def _scan_columns(self) -> tuple[Node, tuple[str, ...]]:
        return self._node, tuple(c for c in self.columns if _is_numeric(self._node.schema.field(c).type))

    def copy(self) -> "DataFrame":
        """A new collection over the same expression (``df["c"] = ...`` on it leaves this one alone)."""
        return DataFrame(self._node, self._index, self._column_labels)

    # -- metadata -----------------------------------------------------------------------------
    @property
    def schema(self) -> pa.Schema:
        return self._node.schema

    @property
    def columns(self) -> pd.Index:
        return pd.Index([c for c in self._node.schema.names if c not in self._index])

    @columns.setter
    def columns(self, names: Sequence[Hashable]) -> None:
        """``df.columns = [...]``: every column renamed by position, as pandas (``__setitem__``'s
        kind of change of this frame object)."""
        names = [str(n) for n in names]
        current = list(self.columns)
        if len(names) != len(current):
            raise InvalidArgumentError(f"the frame has {len(current)} columns, {len(names)} names were given")
        if len(set(names)) != len(names) or set(names) & set(self._index):
            raise InvalidArgumentError(f"column names must be unique and not the index's: {names}")
        self._node = self.rename(columns=dict(zip(current, names)))._node

    @property
    def dtypes(self) -> pd.Series:
        from frames.dataframe.categorical import categorical_columns

        dtypes = pandas_dtypes(self._node.schema)
        for name, cats in categorical_columns(self._node, dtypes.index).items():
            dtypes[name] = pd.CategoricalDtype(None if cats is None else list(cats))
        return dtypes.drop(list(self._index))

    @property
    def index_columns(self) -> tuple[str, ...]:
        return self._index

    def __repr__(self) -> str:
        cols = ", ".join(f"{f.name}: {f.type}" for f in self._node.schema)
        return f"<frames.DataFrame npartitions={self.npartitions} columns=[{cols}]>"

    def _repr_html_(self) -> str:
        """Columns, types and partitions (and a SQL result's query), without computing."""
        from frames.display import frame_html

        return frame_html(self)

    def __dir__(self):
        return list(super().__dir__()) + [c for c in self.columns if str(c).isidentifier()]

    def __iter__(self):
        """The column names, as iterating a pandas DataFrame gives."""
        return iter(self.columns)

    def _finalize(self, results: Sequence[pa.Table]) -> pd.DataFrame:
        from frames.dataframe.categorical import categorical_columns

        table = concat_tables(list(results), self._optimized_schema())
        pdf = indexed_pandas(table, self._index, categorical_columns(self._node, table.column_names))
        if self._column_labels:  # a name that would clash with a key's, or (column, function) pairs
            labels = [self._column_labels.get(c, c) for c in pdf.columns]
            if any(isinstance(label, tuple) for label in labels):
                pdf.columns = pd.MultiIndex.from_tuples([label if isinstance(label, tuple) else (label, "") for label in labels])
            else:
                pdf.columns = labels
        return pdf

    def _optimized_schema(self) -> pa.Schema:
        return self._node.schema

    def _check_columns(self, names: Iterable[str]) -> None:
        available = self._node.schema.names
        for n in names:
            if n not in available:
                raise ColumnNotFoundError(n, [c for c in available if c not in self._index] or available)

    def _columns_node(self, named: Iterable[str]) -> Node:
        """What a merge on columns or a group-by sees: the columns, and the index only where
        ``named`` (the keys) names it, as in pandas (``indexing.index_as_columns``)."""
        from frames.dataframe.indexing import index_as_columns

        return index_as_columns(self, set(named)) if self._index else self._node

    def _with(self, node: Node, index: Sequence[str] | None = None) -> "DataFrame":
        return DataFrame(node, self._index if index is None else index)

    # -- selection ----------------------------------------------------------------------------
    def __getitem__(self, key: Any):
        if isinstance(key, str):
            self._check_columns([key])
            return Series(self._node, Col(key), key, self._index)
        if isinstance(key, (list, tuple, pd.Index)):
            names = list(key)
            self._check_columns(names)
            keep = [c for c in self._index if c not in names] + names
            return self._with(Project(self._node, tuple((n, Col(n)) for n in keep)))
        if isinstance(key, Series):
            return self._filter(key)
        if isinstance(key, slice) and key == slice(None):
            return self
        raise InvalidArgumentError(f"cannot index a DataFrame with {type(key).__name__}; use a column name, a list of names or a boolean Series")

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._node.schema.names and name not in self._index:
            return self[name]
        raise AttributeError(f"DataFrame has no attribute or column {name!r}")

    def _filter(self, mask: "Series") -> "DataFrame":
        pred = _as_expr(mask, self._node, "the filter")
        return self._with(Filter(self._node, _as_filter(pred)))

    def _project_all(self, updates: dict[str, ScalarExpr]) -> Node:
        """All current columns with ``updates`` applied (new names appended), folded into a
        projection below when there is one so chains of ``assign`` stay one node."""
        node = self._node
        names = node.schema.names
        exprs = [(n, updates.get(n, Col(n))) for n in names] + [(n, e) for n, e in updates.items() if n not in names]
        if isinstance(node, Project):
            mapping = dict(node.exprs)
            return Project(node.child, tuple((n, e.substitute(mapping)) for n, e in exprs))
        return Project(node, tuple(exprs))

    def assign(self, **columns: Any) -> "DataFrame":
        """New or replaced columns, in order: a function is called with the frame as the
        columns before it left it (pandas: ``assign(z=..., w=lambda f: f.z + 1)``). A column
        named as the index is a new column beside it, as in pandas."""
        if any(c in columns for c in self._index):
            from frames.dataframe.indexing import index_aside

            return index_aside(self, columns).assign(**columns)
        node = self._node
        exprs = {n: Col(n) for n in node.schema.names}  # over node
        for name, value in columns.items():
            if callable(value) and not isinstance(value, (Series, ScalarExpr)):
                frame = self._with(Project(node, tuple(exprs.items())))
                value = value(frame)
                if isinstance(value, Series) and value._node is frame._node:
                    exprs[name] = value._expr.substitute(exprs)
                    continue
            try:
                exprs[name] = _as_expr(value, node, f"column {name!r}")
            except InvalidArgumentError:
                zipped = _zipped(node, value) if isinstance(value, Series) else None
                if zipped is None:
                    raise
                node, exprs[name] = zipped  # a map_partitions result of this frame, beside it
        if node is not self._node:
            return self._with(Project(node, tuple(exprs.items())))
        updates = {n: e for n, e in exprs.items() if not (isinstance(e, Col) and e.name == n)}
        return self._with(self._project_all(updates))

    def __setitem__(self, key: str, value: Any) -> None:
        new = self.assign(**{key: value})
        self._node = new._node

    def rename(self, columns: dict[str, str] | Callable | None = None) -> "DataFrame":
        if columns is None:
            return self
        mapper = columns if callable(columns) else (lambda c: columns.get(c, c))
        if not callable(columns):
            self._check_columns(columns.keys())
        exprs = tuple((mapper(n) if n not in self._index else n, Col(n)) for n in self._node.schema.names)
        return self._with(Project(self._node, exprs))

    def drop(self, columns: str | Sequence[str] | None = None, **kwargs: Any) -> "DataFrame":
        columns = kwargs.get("labels", columns)
        names = [columns] if isinstance(columns, str) else list(columns or [])
        self._check_columns(names)
        return self._with(Project(self._node, tuple((n, Col(n)) for n in self._node.schema.names if n not in names)))

    def sort_index(self, ascending: bool = True) -> "DataFrame":
        """Rows ordered by the index: with known divisions each partition is sorted on its own
        (the ranges are in order already) and the divisions stay; else a full sort."""
        from frames.dataframe.indexing import sort_index

        return sort_index(self, ascending)

    def reset_index(self, drop: bool = False) -> "DataFrame":
        """The index as ordinary columns, first (an unnamed one as ``index``), or dropped."""
        from frames.dataframe.indexing import reset_names

        if drop and self._index:
            keep = [n for n in self._node.schema.names if n not in self._index]
            return DataFrame(Project(self._node, tuple((n, Col(n)) for n in keep)))
        if self._index:  # index columns come first, as pandas puts them
            rest = [n for n in self._node.schema.names if n not in self._index]
            names = reset_names(self._index)
            clash = sorted(set(names) & set(rest))
            if clash:
                raise InvalidArgumentError(f"cannot reset the index: columns {clash} already exist; use reset_index(drop=True)")
            exprs = tuple((n, Col(c)) for n, c in zip(names, self._index)) + tuple((n, Col(n)) for n in rest)
            return DataFrame(Project(self._node, exprs))
        return DataFrame(self._node)

    def set_index(self, other: str, drop: bool = True, sorted: bool = False, divisions: Sequence | None = None,
                  npartitions: int | None = None) -> "DataFrame":
        """``other`` (a column) as the index, the rows sorted by it into ranges with known
        ``divisions`` (Dask's set_index): ``sorted=True`` trusts the partitions to be in order
        already and computes only their min and max; otherwise boundaries are sampled (computed
        now) unless ``divisions`` gives them, and the rows are shuffled into those ranges."""
        from frames.dataframe.indexing import set_index

        return set_index(self, other, drop=drop, sorted=sorted, divisions=divisions, npartitions=npartitions)

    # -- element-wise -------------------------------------------------------------------------
    def _map_columns(self, fn: Callable[[str, ScalarExpr], ScalarExpr], columns: Iterable[str] | None = None) -> "DataFrame":
        targets = set(self.columns if columns is None else columns)
        exprs = tuple((n, fn(n, Col(n)) if n in targets else Col(n)) for n in self._node.schema.names)
        return self._with(Project(self._node, exprs))

    def astype(self, dtype: Any) -> "DataFrame":
        """Columns cast to ``dtype`` (or ``{column: dtype}``); "category" makes a categorical with
        unknown categories, a ``pandas.CategoricalDtype`` with categories a known one (see
        ``frames.dataframe.categorical``)."""
        from frames.dataframe.categorical import categorical_expr, is_category_dtype

        def cast(e: ScalarExpr, to: Any) -> ScalarExpr:
            return categorical_expr(e, to) if is_category_dtype(to) else Cast(e, to_arrow_type(to))

        if isinstance(dtype, dict):
            self._check_columns(dtype)
            return self._map_columns(lambda n, e: cast(e, dtype[n]), dtype.keys())
        return self._map_columns(lambda n, e: cast(e, dtype))

    def categorize(self, columns: str | Sequence[str] | None = None, index: Any = None) -> "DataFrame":
        """Text columns (or ``columns``) as categoricals with known categories, found in one pass
        over the data (Dask's ``categorize``; ``index`` is accepted and ignored: frames has no row index)."""
        from frames.dataframe.categorical import categorize

        return categorize(self, columns)

    def fillna(self, value: Any) -> "DataFrame":
        """Missing values replaced by ``value`` (or ``{column: value}``). A single value fills the
        columns whose type can hold it (``fillna(0)`` fills the numeric ones and leaves text
        alone: pandas 3 would turn a text column into objects and warns that this will raise)."""
        if isinstance(value, dict):
            self._check_columns(value)
            return self._map_columns(lambda n, e: call("fill_null", e, Lit(value[n])), value.keys())
        fits = [n for n in self.columns if _holds(self._node.schema.field(n).type, value)]
        return self._map_columns(lambda n, e: call("fill_null", e, Lit(value)), fits)

    def isna(self) -> "DataFrame":
        return self._map_columns(lambda n, e: call("is_null", e))

    isnull = isna

    def notna(self) -> "DataFrame":
        return self._map_columns(lambda n, e: call("is_not_null", e))

    def isin(self, values: Iterable | dict) -> "DataFrame":
        if isinstance(values, dict):
            return self._map_columns(lambda n, e: call("is_in", e, **_isin_options(values.get(n, ()))))
        options = _isin_options(values)
        return self._map_columns(lambda n, e: call("is_in", e, **options))

    # -- reshaping ----------------------------------------------------------------------------
    def map_partitions(self, func: Callable, *args: Any, meta: Any = None, **kwargs: Any):
        """Apply ``func(pandas_df, *args, **kwargs)`` to every partition.

        ``meta`` (an empty pandas DataFrame/Series, a dict of column to dtype, or a pyarrow Schema)
        declares the output; without it ``func`` is run once on an empty frame to find out.
        """
        return map_partitions(func, self, *args, meta=meta, **kwargs)

    def repartition(self, npartitions: int | None = None, partition_size: int | str | None = None,
                    divisions: Sequence | None = None) -> "DataFrame":
        """``npartitions`` partitions (neighbours merged or each split evenly, order kept), or about
        ``partition_size`` bytes each (``"100MB"``), by the frame's size estimate (Arrow bytes of its
        sources through the filters: no computation, unlike Dask's, which measures), or the ranges
        of ``divisions`` (the frame's own must be known and within them)."""
        from frames.dataframe.indexing import merged_npartitions, repartition_divisions

        if divisions is not None:
            return repartition_divisions(self, divisions)
        if partition_size is not None:
            from frames.dataframe.io.csv import parse_size

            size = parse_size(partition_size)
            if not size or size < 1:
                raise InvalidArgumentError(f"partition_size must be a positive size, got {partition_size!r}")
            npartitions = max(1, -(-int(self._node.estimated_bytes()) // size))
        if not isinstance(npartitions, int) or npartitions < 1:
            raise InvalidArgumentError(f"npartitions must be a positive integer, got {npartitions!r}")
        return merged_npartitions(self, Repartition(self._node, npartitions))

    def merge(
        self,
        right: "DataFrame",
        how: str = "inner",
        on: str | Sequence[str] | None = None,
        left_on: str | Sequence[str] | None = None,
        right_on: str | Sequence[str] | None = None,
        suffixes: tuple[str, str] = ("_x", "_y"),
        strategy: str | None = None,
        indicator: bool | str = False,
        left_index: bool = False,
        right_index: bool = False,
    ) -> "DataFrame":
        """Join with ``right`` like ``pandas.merge`` (inner, left, right, outer, cross);
        ``indicator=True`` adds ``_merge``: "left_only", "right_only" or "both" (as text).
        ``left_index`` / ``right_index`` join on a side's index (``indexing.merge_on_index``):
        two indexes with known divisions meet partition by partition, without a shuffle.

        NULL keys do not match each other (SQL semantics; pandas would match NaN with NaN).
        ``right`` may be a pandas DataFrame (one partition, as Dask takes one).
        """
        if isinstance(right, pd.DataFrame):
            from frames.dataframe.api import from_pandas

            right = from_pandas(right, npartitions=1)
        if left_index or right_index:
            from frames.dataframe.indexing import merge_on_index

            if not isinstance(right, DataFrame):
                raise InvalidArgumentError(f"can only merge with a frames.DataFrame, not {type(right).__name__}")
            if indicator or strategy:
                raise InvalidArgumentError("merge on the index takes neither indicator= nor strategy=")
            for side, use_index, side_on in (("left", left_index, left_on), ("right", right_index, right_on)):
                if bool(use_index) == bool(side_on or on):
                    raise InvalidArgumentError(f"merge on the index: give the {side} side either {side}_index=True or {side}_on=, not both or neither")
            return merge_on_index(self, right, how, left_on, right_on, left_index, right_index, tuple(suffixes))
        if indicator:
            name = indicator if isinstance(indicator, str) else "_merge"
            named = lambda *keys: {k for v in keys for k in ([v] if isinstance(v, str) else list(v or []))}  # noqa: E731
            left_m = DataFrame(self._columns_node(named(on, left_on))).assign(__left_marker=True)
            right_m = DataFrame(right._columns_node(named(on, right_on))).assign(__right_marker=True)
            joined = left_m.merge(right_m, how=how, on=on, left_on=left_on, right_on=right_on, suffixes=suffixes, strategy=strategy)
            lm, rm = call("is_not_null", Col("__left_marker")), call("is_not_null", Col("__right_marker"))
            flag = Case(((call("and", lm, rm), Lit("both")), (lm, Lit("left_only"))), Lit("right_only"))
            names = [c for c in joined._node.schema.names if c not in ("__left_marker", "__right_marker")]
            return DataFrame(Project(joined._node, tuple((c, Col(c)) for c in names) + ((name, flag),)))
        if not isinstance(right, DataFrame):
            raise InvalidArgumentError(f"can only merge with a frames.DataFrame, not {type(right).__name__}")
        valid = ("inner", "left", "right", "outer", "cross", "leftsemi", "leftanti")
        if how not in valid:
            raise InvalidArgumentError(f"merge how={how!r} is not one of {valid}")
        listify = lambda v: [v] if isinstance(v, str) else list(v or [])
        if how == "cross":
            lk, rk = [], []
        elif on is not None:
            lk = rk = listify(on)
        elif left_on is not None and right_on is not None:
            lk, rk = listify(left_on), listify(right_on)
        else:
            common = [c for c in self.columns if c in set(right.columns)]
            if not common:
                raise InvalidArgumentError("no common columns to merge on; pass on= or left_on=/right_on=")
            lk = rk = common
        self._check_columns(lk)
        right._check_columns(rk)
        join_how = {"leftsemi": "semi", "leftanti": "anti"}.get(how, how)
        node = Join(self._columns_node(lk), right._columns_node(rk), join_how, tuple(lk), tuple(rk),
                    strategy=strategy, suffixes=tuple(suffixes), coalesce_keys=True)
        return DataFrame(node)

    def join(self, other: "DataFrame", on: str | None = None, how: str = "left", lsuffix: str = "", rsuffix: str = "") -> "DataFrame":
        """pandas' join: ``other``'s index meets this frame's index (or its column ``on``)."""
        from frames.dataframe.indexing import join

        return join(self, other, on, how, lsuffix, rsuffix)

    def sort_values(self, by: str | Sequence[str], ascending: bool | Sequence[bool] = True, na_position: str = "last") -> "DataFrame":
        by = [by] if isinstance(by, str) else list(by)
        self._check_columns(by)
        asc = [ascending] * len(by) if isinstance(ascending, bool) else list(ascending)
        if len(asc) != len(by):
            raise InvalidArgumentError("ascending must be a bool or one bool per sort column")
        if na_position not in ("first", "last"):
            raise InvalidArgumentError(f"na_position must be 'first' or 'last', not {na_position!r}")
        keys = tuple(SortKey(c, a, na_position == "first") for c, a in zip(by, asc))
        return self._with(Sort(self._node, keys))

    def nlargest(self, n: int, columns: str | Sequence[str]) -> "DataFrame":
        cols = [columns] if isinstance(columns, str) else list(columns)
        self._check_columns(cols)
        return self._with(Sort(self._node, tuple(SortKey(c, False, False) for c in cols), limit=n))

    def nsmallest(self, n: int, columns: str | Sequence[str]) -> "DataFrame":
        cols = [columns] if isinstance(columns, str) else list(columns)
        self._check_columns(cols)
        return self._with(Sort(self._node, tuple(SortKey(c, True, False) for c in cols), limit=n))

    def head(self, n: int = 5, npartitions: int | None = None, compute: bool = True, scheduler: str | None = None):
        """The first ``n`` rows; after ``sort_values`` this is a top-k that never sorts everything.
        ``npartitions``: look only at the first that many partitions (-1: all), as Dask; by
        default as many as it takes to find ``n`` rows."""
        if npartitions is not None and npartitions != -1:
            return self.partitions[:npartitions].head(n, compute=compute, scheduler=scheduler)
        node = self._node
        if isinstance(node, Sort) and node.limit is None:
            limited: Node = Sort(node.child, node.keys, limit=n)
        else:
            limited = Limit(node, n)
        out = self._with(limited)
        return _compute_head(out, scheduler) if compute else out

    def limit(self, n: int, offset: int = 0) -> "DataFrame":
        return self._with(Limit(self._node, n, offset))

    def drop_duplicates(self, subset: str | Sequence[str] | None = None, keep: str = "first", split_out: Any = None,
                        ignore_index: bool = False) -> "DataFrame":
        """The first (``keep="last"``: last) whole row of each distinct ``subset`` (default: all
        columns), in input order; ``keep=False`` drops every row whose subset repeats.
        ``split_out`` (Dask's output partition count) is accepted and left to the engine."""
        if keep not in ("first", "last", False):
            raise InvalidArgumentError(f"drop_duplicates keep={keep!r} is not one of 'first', 'last', False")
        from frames.dataframe.expr.dedup import DropDuplicates

        names = [n for n in self._node.schema.names]
        subset = names if subset is None else ([subset] if isinstance(subset, str) else list(subset))
        self._check_columns(subset)
        return self._with(DropDuplicates(self._node, tuple(subset), "none" if keep is False else keep))

    def groupby(self, by: str | Sequence[str], sort: bool = True, dropna: bool = True, as_index: bool = True,
                observed: bool = True, group_keys: bool = True):
        """Group by columns, with pandas' arguments (``observed``: see ``frames.dataframe.groupby.GroupBy``)."""
        from frames.dataframe.groupby import GroupBy

        given = [by] if isinstance(by, (str, Series)) else list(by)
        computed = _computed_keys(self, given)
        if computed:  # keys computed from this frame's columns (df.groupby(df.t.dt.hour)): grouped as added columns
            extra = tuple(computed.values())
            names = {n for n, _ in extra}
            exprs = tuple((n, Col(n)) for n in self._node.schema.names if n not in names) + extra
            framed = DataFrame(Project(self._node, exprs), self._index)
            keys = [computed[i][0] if i in computed else k for i, k in enumerate(given)]
            return framed.groupby(keys, sort=sort, dropna=dropna, as_index=as_index, observed=observed, group_keys=group_keys)
        keys = [_key_name(self, k) for k in given]
        if self._index:
            from frames.dataframe.indexing import reset_names

            grouped = DataFrame(self._columns_node(keys)).groupby(keys, sort=sort, dropna=dropna, as_index=as_index, observed=observed)
            if not set(keys) & set(reset_names(self._index)):  # per-row results (cumsum, head, ...) keep the labels
                grouped._labelled = self
            else:
                grouped._by_index = True  # grouped by the index itself: rows have no other labels to keep
            return grouped
        self._check_columns(keys)
        return GroupBy(self, keys, sort=sort, dropna=dropna, as_index=as_index, observed=observed)

    def value_counts(self, subset: Sequence[str] | None = None, normalize: bool = False, sort: bool = True, ascending: bool = False,
                     dropna: bool = True) -> "Series":
        cols = list(subset) if subset is not None else list(self.columns)
        self._check_columns(cols)
        return _value_counts(self._node, tuple(cols), sort, ascending, normalize, dropna)

    # -- pandas conveniences -----------------------------------------------------------------
    def apply(self, func: Callable, axis: int | str = 1, meta: Any = None, args: tuple = (), **kwargs: Any):
        """``func`` of every row (``axis=1`` only, as Dask); ``meta`` as map_partitions'. One value
        per row is a column expression of this frame (the ``python_row_map`` kernel), so
        ``df.assign(z=df.apply(f, axis=1))`` and filters by it work as in pandas; a function giving
        a Series per row (a frame) runs as ``map_partitions``."""
        if axis not in (1, "columns"):
            raise InvalidArgumentError("DataFrame.apply supports axis=1 (rows) only, as Dask; use map_partitions or reductions for columns")
        if not callable(func):
            raise InvalidArgumentError(f"apply takes a function, not {type(func).__name__}")
        rows = _RowApply(func, args, tuple(sorted(kwargs.items())))
        names = tuple(self._index) + tuple(self.columns)
        source = pa.schema([self._node.schema.field(c) for c in self.columns])
        if meta is None:
            out = _infer_meta(rows, source, (), {})
            if not isinstance(out, pd.Series):
                return self.map_partitions(rows)
            schema, name = _typed_like(_meta_schema(out)[0], source), None
        else:
            schema, is_series, name = _meta_schema(meta)
            if not is_series:
                return self.map_partitions(rows, meta=meta)
            schema = _object_types(schema, _declared_objects(meta), lambda: rows(_sample_meta(source)),
                                   lambda: rows(_first_rows(Project(self._node, tuple((c, Col(c)) for c in self.columns)))))
        field = schema.field(0)
        expr = call("python_row_map", *(Col(c) for c in names), fn=rows, names=names, index=tuple(self._index),
                    type=field.type, name=field.name)
        return Series(self._node, expr, name, self._index)

    @property
    def shape(self) -> tuple["Scalar", int]:
        """(the row count as a lazy Scalar, the column count), as Dask's."""
        return Scalar(Aggregate(self._node, (), (AggSpec("n", "count_all"),))), len(self.columns)

    @property
    def partitions(self) -> "_PartitionIndexer":
        """``df.partitions[i]`` (an int, a slice or a list): a frame of only those partitions."""
        return _PartitionIndexer(self)

    def get_partition(self, n: int) -> "DataFrame":
        return self.partitions[n]

    def dropna(self, how: str = "any", subset: str | Sequence[str] | None = None, thresh: int | None = None) -> "DataFrame":
        """The rows without a missing value (``how="all"``: not all missing; ``thresh``: at least that
        many present) in ``subset`` (default: every column)."""
        cols = list(self.columns) if subset is None else ([subset] if isinstance(subset, str) else list(subset))
        self._check_columns(cols)
        if how not in ("any", "all"):
            raise InvalidArgumentError(f"dropna how={how!r} is not 'any' or 'all'")
        present = [call("is_not_null", Col(c)) for c in cols]
        if not present:
            return self
        if thresh is not None:
            count = present[0] if len(present) == 1 else None
            total: ScalarExpr = Cast(present[0], pa.int64())
            for p in present[1:]:
                total = call("add", total, Cast(p, pa.int64()))
            pred = call("ge", total if count is None else Cast(count, pa.int64()), Lit(int(thresh)))
        else:
            pred = balanced("and" if how == "any" else "or", present)
        return self._with(Filter(self._node, pred))

    def reduction(self, chunk: Callable, aggregate: Callable | None = None, meta: Any = None,
                  chunk_kwargs: dict | None = None, aggregate_kwargs: dict | None = None) -> "Scalar":
        """Dask's ``reduction``: ``chunk(partition)`` (pandas, with its index) per partition, then
        ``aggregate`` (default: ``chunk``) of the chunks' results concatenated, in one final task:
        a Series result becomes a one-row frame first, as Dask, so ``ddf.reduction(lambda x:
        x.count(), lambda x: x.sum())`` gives each column's count."""
        if not callable(chunk) or (aggregate is not None and not callable(aggregate)):
            raise InvalidArgumentError("reduction takes functions chunk= and aggregate=")
        from functools import partial

        chunk = partial(chunk, **chunk_kwargs) if chunk_kwargs else chunk
        aggregate = aggregate or chunk
        aggregate = partial(aggregate, **aggregate_kwargs) if aggregate_kwargs else aggregate
        parts = MapPartitions(self._node, _FrameChunk(chunk, self._index), pa.schema([("__chunk", pa.binary())]),
                              (), (), pandas=False, func_name=getattr(chunk, "__name__", "chunk"))
        return Scalar(Repartition(parts, 1) if parts.npartitions > 1 else parts, kind="table", post=_Aggregated(aggregate))

    def idxmax(self) -> "Scalar":
        """Per numeric column, the index label (without an index: the position) of its first largest value."""
        node, specs = self._arg_extreme("arg_max", [c for c in self.columns if _is_numeric(self._node.schema.field(c).type)])
        return Scalar(Aggregate(node, (), specs), kind="row")

    def idxmin(self) -> "Scalar":
        node, specs = self._arg_extreme("arg_min", [c for c in self.columns if _is_numeric(self._node.schema.field(c).type)])
        return Scalar(Aggregate(node, (), specs), kind="row")

    def tail(self, n: int = 5, compute: bool = True, scheduler: str | None = None):
        """The last ``n`` rows (each partition cut to its last ``n`` first)."""
        from frames.dataframe.expr.reshape import Tail

        out = self._with(Tail(self._node, n))
        return out.compute(scheduler=scheduler) if compute else out

    def query(self, expr: str, local_dict: dict | None = None) -> "DataFrame":
        """The rows where the pandas expression string ``expr`` holds (``@name`` reads a variable)."""
        from frames.dataframe.query import evaluate

        mask = evaluate(self, expr, local_dict, level=1)
        if not isinstance(mask, Series):
            raise InvalidArgumentError(f"query {expr!r} is not a condition on the columns")
        return self[mask]

    def eval(self, expr: str, local_dict: dict | None = None):
        """A Series computed by the pandas expression string ``expr``, or the frame with the
        columns of ``name = expression`` lines assigned."""
        from frames.dataframe.query import evaluate

        return evaluate(self, expr, local_dict, level=1)

    def describe(self, percentiles: Sequence[float] = (0.25, 0.5, 0.75), percentiles_method: str = "exact") -> "Scalar":
        """count, mean, std, min, the percentiles and max of the numeric columns, as pandas. With
        ``percentiles_method="exact"`` (the default) the percentiles are exact (linear
        interpolation, as pandas): each column's values are gathered into the one final task, so
        this needs the column in memory once; ``"dask"`` (Dask's default method) merges
        per-partition percentile summaries instead (see ``Series.quantile``)."""
        if _approximate(percentiles_method):
            return self._describe_approximate(tuple(float(q) for q in percentiles))
        types = {c: self._node.schema.field(c).type for c in self.columns}
        cols = [c for c, t in types.items() if _is_numeric(t) and not pa.types.is_boolean(t)]
        times = {c: t for c, t in types.items() if pa.types.is_timestamp(t) and t.tz is None}  # pandas leaves zoned ones out
        cols += list(times)  # pandas describes numbers and instants; booleans and text apart (count/unique/top/freq)
        cols = [c for c in self.columns if c in cols]
        if not cols:
            raise DataTypeError("describe needs a numeric or datetime column; frames does not describe text or "
                                "boolean columns (pandas' count/unique/top/freq) yet")
        qs = tuple(float(q) for q in percentiles)
        inputs = tuple((c, Cast(Cast(Col(c), pa.int64()) if c in times else Col(c), pa.float64())) for c in cols)
        specs = []
        for i, c in enumerate(cols):
            specs += [AggSpec(f"{i}_count", "count", c), AggSpec(f"{i}_mean", "mean", c), AggSpec(f"{i}_std", "std", c),
                      AggSpec(f"{i}_min", "min", c), AggSpec(f"{i}_q", "quantile_cont", c, (("q", qs),)), AggSpec(f"{i}_max", "max", c)]
        labels = ["count", "mean", "std", "min"] + [f"{q * 100:g}%" for q in qs] + ["max"]
        return Scalar(Aggregate(Project(self._node, inputs), (), tuple(specs)), kind="table",
                      post=_Described(tuple(cols), tuple(labels), tuple(sorted(times.items()))))

    def _describe_approximate(self, qs: tuple[float, ...]) -> "Scalar":
        """The moments' one-row aggregate and the approximate quantiles' one row, side by side
        (numeric columns; booleans left out, as pandas)."""
        cols = [c for c in self.columns if _is_numeric(t := self._node.schema.field(c).type) and not pa.types.is_boolean(t)]
        if not cols:
            raise DataTypeError("describe needs a numeric column; frames does not describe text columns yet")
        inputs = Project(self._node, tuple((c, Cast(Col(c), pa.float64())) for c in cols))
        moments = Aggregate(inputs, (), tuple(AggSpec(f"{f}:{c}", f, c) for c in cols for f in ("count", "mean", "std", "min", "max")))
        quantiles = ApproxQuantile(Project(inputs, tuple((f"q:{c}", Col(c)) for c in cols)), tuple(f"q:{c}" for c in cols), qs, True)
        return Scalar(Join(moments, quantiles, "cross"), kind="table", post=_DescribedApproximate(tuple(cols), qs))

    def quantile(self, q: float | Sequence[float] = 0.5, numeric_only: bool = True, method: str = "exact"):
        """Each numeric column's quantiles (``Series.quantile``'s ``method``): a Series indexed by
        the columns for one ``q``, a DataFrame indexed by ``q`` for a list, as pandas."""
        many, qs = _quantile_args(q)
        cols = [c for c in self.columns if _is_numeric(self._node.schema.field(c).type)]
        if not numeric_only and len(cols) != len(self.columns):
            raise DataTypeError("quantile of non-numeric columns; pass numeric_only=True")
        inputs = tuple((c, Cast(Col(c), pa.float64())) for c in cols)
        if _approximate(method):
            node: Node = ApproxQuantile(Project(self._node, inputs), tuple(cols), qs, True)
        else:
            node = Aggregate(Project(self._node, inputs), (), tuple(AggSpec(c, "quantile_cont", c, (("q", qs),)) for c in cols))
        return Scalar(node, kind="table", post=_FrameQuantiles(tuple(cols), qs, many))

    def median(self, numeric_only: bool = True):
        """Each numeric column's exact median (see ``quantile``)."""
        return self._unnamed(self.quantile(0.5, numeric_only=numeric_only))

    def median_approximate(self, numeric_only: bool = True, method: str = "default"):
        """Each numeric column's median from merged per-partition summaries (Dask's)."""
        return self._unnamed(self.quantile(0.5, numeric_only=numeric_only, method="dask" if method == "default" else method))

    @staticmethod
    def _unnamed(quantile: "Scalar") -> "Scalar":
        """pandas names ``quantile(q)``'s Series ``q`` but ``median()``'s not at all."""
        quantile._post.named = False
        return quantile

    def nunique(self) -> "Scalar":
        """The number of distinct non-missing values of each column."""
        return self._reduce("count_distinct")

    def abs(self) -> "DataFrame":
        self._numeric_only_frame("abs")
        return self._map_columns(lambda n, e: call("abs", e))

    def round(self, decimals: int = 0) -> "DataFrame":
        """Numeric columns rounded half to even (as pandas and NumPy); other columns unchanged."""
        numeric = [c for c in self.columns if _is_numeric(self._node.schema.field(c).type)]
        return self._map_columns(lambda n, e: call("round", e, ndigits=decimals, mode="half_to_even"), numeric)

    def select_dtypes(self, include: Any = None, exclude: Any = None) -> "DataFrame":
        """The columns whose pandas dtype is (not) of ``include`` (``exclude``), as pandas decides."""
        empty = self._node.schema.empty_table().to_pandas().drop(columns=list(self._index))
        for name, dtype in self.dtypes.items():
            empty[name] = empty[name].astype(dtype) if isinstance(dtype, pd.CategoricalDtype) else empty[name]
        keep = list(empty.select_dtypes(include=include, exclude=exclude).columns)
        return self[keep]

    def _numeric_only_frame(self, what: str) -> None:
        bad = [c for c in self.columns if not _is_numeric(self._node.schema.field(c).type)]
        if bad:
            raise DataTypeError(f"{what} needs numeric columns; {bad[0]!r} is {self._node.schema.field(bad[0]).type}")

    def random_split(self, frac: Sequence[float], random_state: int | None = None, shuffle: bool = False) -> list["DataFrame"]:
        """The rows dealt at random into ``len(frac)`` frames of about those shares, as Dask's:
        each row goes to one, drawn per partition with a seed from ``random_state`` (the same
        seed, the same split); every frame keeps its rows' order (``shuffle=True`` is refused)."""
        import numpy as np

        shares = [float(f) for f in frac] if isinstance(frac, (list, tuple)) else None
        if not shares or any(f < 0 for f in shares) or not np.isclose(sum(shares), 1.0):
            raise InvalidArgumentError(f"random_split frac must be a list of shares summing to 1, got {frac!r}")
        if shuffle:
            raise InvalidArgumentError("random_split(shuffle=True) is not supported: each split keeps its rows' order")
        seed = int(np.random.default_rng(random_state).integers(2**62))
        schema = pa.schema(list(self._node.schema) + [pa.field("__split__", pa.int8())])
        dealt = MapPartitions(self._node, _deal_partition, schema, (tuple(shares), seed), (), pandas=False,
                              func_name="random_split", partition_info=True)
        keep = tuple((n, Col(n)) for n in self._node.schema.names)
        return [self._with(Project(Filter(dealt, call("eq", Col("__split__"), Lit(i))), keep)) for i in range(len(shares))]

    def shuffle(self, on: str | Sequence[str], npartitions: int | None = None) -> "DataFrame":
        """The rows hash-partitioned on the columns ``on`` (equal keys in one partition), into
        ``npartitions`` (default: as many as now), as Dask's ``shuffle``."""
        from frames.dataframe.expr.shuffle import Shuffle

        keys = [on] if isinstance(on, str) else list(on)
        self._check_columns(keys)
        target = self.npartitions if npartitions is None else npartitions
        if not isinstance(target, int) or target < 1:
            raise InvalidArgumentError(f"npartitions must be a positive integer, got {npartitions!r}")
        return self._with(Shuffle(self._node, tuple(keys), target))

    def sample(self, frac: float, replace: bool = False, random_state: int | None = None) -> "DataFrame":
        """About ``frac`` of the rows: each partition samples ``round(frac * rows)`` of its own
        (as Dask), with a seed per partition drawn from ``random_state`` when the frame is built."""
        import numpy as np

        if not (isinstance(frac, (int, float)) and frac >= 0 and (replace or frac <= 1)):
            raise InvalidArgumentError(f"sample frac must be in [0, 1] (any >= 0 with replace=True), got {frac!r}")
        seed = int(np.random.default_rng(random_state).integers(2**62))
        node = MapPartitions(self._node, _sample_partition, self._node.schema, (float(frac), bool(replace), seed), (),
                             pandas=False, func_name="sample", partition_info=True)
        return self._with(node)

    def memory_usage(self, index: bool = True, deep: bool = False) -> "Scalar":
        """Bytes per column as Arrow holds them (summed over the partitions), a pandas Series at compute."""
        fields = [pa.field(c, pa.int64()) for c in self.columns]
        node = MapPartitions(self._node, _column_bytes, pa.schema(fields), (tuple(self.columns),), (), pandas=False,
                             func_name="memory_usage")
        return Scalar(Aggregate(node, (), tuple(AggSpec(c, "sum", c, (("min_count", 0),)) for c in self.columns)), kind="row")

    def info(self, buf: Any = None) -> None:
        """Columns, non-null counts, dtypes and Arrow memory, printed (computes the counts)."""
        import sys

        from frames.base import compute

        counts, usage = compute(self.count(), self.memory_usage())
        lines = [f"<class 'frames.DataFrame'> npartitions={self.npartitions}", f"Data columns (total {len(self.columns)} columns):",
                 " #   Column  Non-Null Count  Dtype"]
        for i, (c, dtype) in enumerate(self.dtypes.items()):
            lines.append(f" {i:<3} {c}  {counts[c]} non-null  {dtype}")
        lines.append(f"memory usage: {int(usage.sum())} bytes (Arrow)")
        print("\n".join(lines), file=buf or sys.stdout)

    def to_delayed(self, optimize_graph: bool = True) -> list:
        """One ``frames.Delayed`` per partition, each computing a pandas DataFrame."""
        from frames.delayed import delayed, delayed_partitions

        from frames.dataframe.indexing import partition_to_pandas

        to_pandas = delayed(partition_to_pandas, pure=True)
        return [to_pandas(d, self._index) for d in delayed_partitions(self, optimize_graph)]

    def melt(self, id_vars: Any = None, value_vars: Any = None, var_name: Any = None, value_name: str = "value") -> "DataFrame":
        """pandas' melt, partition by partition (the rows of each partition, one column after
        another: pandas orders all rows of the first column first)."""
        return melt(self, id_vars, value_vars, var_name, value_name)

    def pivot_table(self, index: str, columns: str, values: str, aggfunc: str = "mean") -> "DataFrame":
        """One row per ``index`` value, one column per distinct ``columns`` value (found by a
        first computation, as Dask needs known categories), each the ``aggfunc`` of ``values``."""
        self._check_columns([index, columns, values])
        from frames.dataframe.groupby import _func_name

        func = _func_name(aggfunc)
        levels = sorted(v for v in self[columns].drop_duplicates().compute().tolist() if v is not None and v == v)
        exprs = [(index, Col(index))] + [(str(v), call("if_else", call("eq", Col(columns), Lit(v)), Col(values), Lit(None)))
                                         for v in levels]
        grouped = self._with(Project(self._node, tuple(exprs))).groupby(index)
        if not levels:
            return grouped.size().to_frame()
        # a combination without rows is missing, as in pandas (not a sum of 0)
        return grouped._aggregate([(str(v), str(v), func, {"min_count": 1}) for v in levels], series=False)

    # -- element-wise over every column -----------------------------------------------------------
    def _elementwise(self, op: str, other: Any, reflected: bool = False, fill_value: Any = None) -> "DataFrame":
        """``op`` of each column with ``other`` (a constant, a lazy Scalar or a Series of this
        frame: the same for every column), as pandas' operators on a frame."""
        if isinstance(other, DataFrame):
            raise InvalidArgumentError("operators between two DataFrames are not supported (no alignment on labels); "
                                       "combine their columns one by one")
        if isinstance(other, Series):
            raise InvalidArgumentError("a DataFrame with a Series aligns on column labels in pandas; combine columns one by one")
        return self._each_column(lambda s: s._method(op, other, fill_value, reflected))

    def _each_column(self, fn: Callable[["Series"], "Series"], columns: Iterable[str] | None = None) -> "DataFrame":
        """``fn`` of each (or each of ``columns``) column as a Series, other columns kept."""
        exprs = {}
        for name in (self.columns if columns is None else columns):
            out = fn(self[name])
            exprs[name] = _as_expr(out, self._node, f"column {name!r}")
        return self._with(self._project_all(exprs))

    def where(self, cond: "Series", other: Any = None) -> "DataFrame":
        """Each column where ``cond`` (a boolean Series of this frame) holds, else ``other``."""
        return self._each_column(lambda s: s.where(cond, other))

    def mask(self, cond: "Series", other: Any = None) -> "DataFrame":
        return self._each_column(lambda s: s.mask(cond, other))

    def clip(self, lower: Any = None, upper: Any = None) -> "DataFrame":
        self._numeric_only_frame("clip")
        return self._each_column(lambda s: s.clip(lower, upper))

    def replace(self, to_replace: Any = None, value: Any = None, regex: bool = False) -> "DataFrame":
        """``Series.replace`` of every column whose type can hold the values replaced (or, with
        ``{column: {old: new}}``, of the columns named)."""
        if isinstance(to_replace, dict) and value is None and all(isinstance(v, dict) for v in to_replace.values()):
            self._check_columns(to_replace)
            return self._each_column(lambda s: s.replace(to_replace[s.name]), to_replace.keys())
        olds = list(to_replace) if isinstance(to_replace, (dict, list, tuple, set)) else [to_replace]
        fits = [c for c in self.columns if all(_holds(self._node.schema.field(c).type, v) for v in olds)]
        return self._each_column(lambda s: s.replace(to_replace, value, regex=regex), fits)

    def combine_first(self, other: "DataFrame") -> "DataFrame":
        """Missing values taken from ``other``'s column of the same name (columns of ``other``
        alone added): both must be columns of one frame, as without an index rows align by position."""
        if not isinstance(other, DataFrame):
            raise InvalidArgumentError(f"combine_first takes a DataFrame, not {type(other).__name__}")
        exprs = {}
        for name in dict.fromkeys(list(self.columns) + list(other.columns)):
            mine = self[name] if name in self.columns else None
            theirs = other[name] if name in other.columns else None
            exprs[name] = mine.fillna(theirs) if mine is not None and theirs is not None else (mine if mine is not None else theirs)
        base = exprs[next(iter(exprs))]
        node = _lift(base._node, base._expr)[0]
        return DataFrame(Project(node, tuple((n, _as_expr(e, node, f"column {n!r}")) for n, e in exprs.items())), self._index)

    def notnull(self) -> "DataFrame":
        return self.notna()

    def pipe(self, func: Callable, *args: Any, **kwargs: Any):
        return func(self, *args, **kwargs)

    def add_prefix(self, prefix: str) -> "DataFrame":
        return self.rename(columns=lambda c: f"{prefix}{c}")

    def add_suffix(self, suffix: str) -> "DataFrame":
        return self.rename(columns=lambda c: f"{c}{suffix}")

    ndim = 2

    @property
    def size(self) -> "Scalar":
        """Rows times columns, lazy (the row count is computed)."""
        return self.shape[0] * len(self.columns)

    def items(self):
        """(name, Series) for every column, as pandas' ``items``."""
        for name in self.columns:
            yield name, self[name]

    def iterrows(self):
        """(label, row) for every row, one partition computed at a time (Dask's)."""
        for i in range(self.npartitions):
            yield from self.get_partition(i).compute().iterrows()

    def itertuples(self, index: bool = True, name: str | None = "Pandas"):
        for i in range(self.npartitions):
            yield from self.get_partition(i).compute().itertuples(index=index, name=name)

    def explode(self, column: str | Sequence[str], ignore_index: bool = False) -> "DataFrame":
        """Each element of the list ``column`` (or of several, zipped) as a row, the other columns
        repeated; an empty or missing list gives one row with a missing value, as pandas."""
        names = [column] if isinstance(column, str) else list(column)
        self._check_columns(names)
        from frames.dataframe.expr.unnest import unnested_type

        schema = pa.schema([pa.field(f.name, unnested_type(f.type, f.name)) if f.name in names else f for f in self._node.schema])
        node = MapPartitions(self._node, _explode_partition, schema, (tuple(names),), (), pandas=False, func_name="explode")
        return self._with(node)

    def corr(self, method: str = "pearson", min_periods: int | None = None, numeric_only: bool = False) -> "Scalar":
        """Pearson's correlation of every pair of numeric columns over the rows where both are
        present (pandas' pairwise rule), from one pass of sums per pair: no gathering."""
        if method != "pearson" or min_periods is not None:
            raise InvalidArgumentError("corr supports method='pearson' without min_periods")
        return self._pairwise("corr", numeric_only)

    def cov(self, min_periods: int | None = None, ddof: int = 1, numeric_only: bool = False) -> "Scalar":
        """The sample covariance (ddof=1) of every pair of numeric columns, pairwise complete."""
        if min_periods is not None or ddof != 1:
            raise InvalidArgumentError("cov supports ddof=1 without min_periods")
        return self._pairwise("covar_samp", numeric_only)

    def _pairwise(self, func: str, numeric_only: bool) -> "Scalar":
        cols = [c for c in self.columns if _is_numeric(self._node.schema.field(c).type)]
        if not numeric_only and len(cols) != len(self.columns):
            bad = [c for c in self.columns if c not in cols][0]
            raise DataTypeError(f"{'corr' if func == 'corr' else 'cov'} needs numeric columns; {bad!r} is not (pass numeric_only=True)")
        inputs = tuple((f"__{i}", Cast(Col(c), pa.float64())) for i, c in enumerate(cols))
        specs = tuple(AggSpec(f"{i}:{j}", func, f"__{i}", (("other", f"__{j}"),)) for i in range(len(cols)) for j in range(i, len(cols)))
        return Scalar(Aggregate(Project(self._node, inputs), (), specs), kind="table", post=_PairMatrix(tuple(cols)))

    def mode(self, dropna: bool = True) -> "Scalar":
        """Each column's most frequent value(s), sorted, side by side (a shorter column padded
        with missing values), as pandas; computed from each column's value counts."""
        modes = [self[c].mode(dropna=dropna) for c in self.columns]
        return Scalar(Concat(tuple(_numbered(m, c) for m, c in zip(modes, self.columns))), kind="table",
                      post=_Modes(tuple(self.columns), tuple(pandas_dtypes(self._node.schema)[list(self.columns)].astype(str))))

    def prod(self, numeric_only: bool = False) -> "Scalar":
        """Each numeric column's product (int64 for integers and booleans, else float64; 1 over no values)."""
        self._numeric_only_frame("prod") if not numeric_only else None
        schema = self._node.schema
        cols = [c for c in self.columns if _is_numeric(schema.field(c).type)]
        node = Aggregate(Project(self._node, tuple((c, Cast(Col(c), pa.float64())) for c in cols)), (), tuple(AggSpec(c, "product", c) for c in cols))
        return Scalar(Project(node, tuple((c, _product_result(Col(c), schema.field(c).type)) for c in cols)), kind="row")

    product = prod

    def any(self) -> "Scalar":
        return self._reduce("any")

    def all(self) -> "Scalar":
        return self._reduce("all")

    def sem(self, ddof: int = 1, numeric_only: bool = False) -> "Scalar":
        """Each numeric column's standard error of the mean, std(ddof) / sqrt(count), as pandas
        (the ``sem`` aggregate: one pass of counts, sums and sums of squares)."""
        return self._reduce("sem", numeric_only, ddof=ddof)

    # -- reductions ---------------------------------------------------------------------------
    def _reduce(self, func: str, numeric_only: bool = False, **options: Any) -> "Scalar":
        """One value per column, as pandas: with ``numeric_only`` only numbers and booleans; else
        a column ``func`` cannot reduce is an error naming it (``sum`` joins text, as pandas)."""
        inputs, specs = [], []
        for n in self.columns:
            t = self._node.schema.field(n).type
            if numeric_only and not _is_numeric(t):
                continue
            expr, spec = _reduction(Col(n), t, n, func, options)
            inputs.append((n, expr))
            specs.append(spec)
        return Scalar(Aggregate(Project(self._node, tuple(inputs)), (), tuple(specs)), kind="row")

    def agg(self, func: str | Sequence[str] | dict) -> "Scalar":
        """pandas' ``DataFrame.agg`` of reduction names: one name gives a value per column (a
        Series), a list a frame indexed by the names, a dict ``{column: name or [names]}`` only
        those (a Series when every column has one name). All in one aggregation."""
        if isinstance(func, str):
            return self._reduce(func)
        if isinstance(func, dict):
            self._check_columns(list(func))
            wanted = {str(c): ([f] if isinstance(f, str) else list(f)) for c, f in func.items()}
            flat = all(isinstance(f, str) for f in func.values())
        elif isinstance(func, (list, tuple)):
            wanted, flat = {c: list(func) for c in self.columns}, False
        else:
            raise InvalidArgumentError("DataFrame.agg takes a reduction's name, a list of names or a {column: name(s)} dict")
        inputs, specs, cells = [], [], []
        for c, names in wanted.items():
            for f in names:
                if not isinstance(f, str):
                    raise InvalidArgumentError(f"DataFrame.agg takes reductions by name, got {f!r}")
                out = f"{len(specs)}"
                expr, spec = _reduction(Col(c), self._node.schema.field(c).type, out, f, {})
                inputs.append((out, expr))
                specs.append(spec)
                cells.append((c, f, out))
        return Scalar(Aggregate(Project(self._node, tuple(inputs)), (), tuple(specs)), kind="table",
                      post=_AggByName(tuple(cells), flat))

    aggregate = agg

    def sum(self, axis: int | str | None = 0, numeric_only: bool = False) -> "Scalar | Series":
        return self._row_reduce("sum", numeric_only) if _rows_axis(axis) else self._reduce("sum", numeric_only)

    def mean(self, axis: int | str | None = 0, numeric_only: bool = False) -> "Scalar | Series":
        return self._row_reduce("mean", numeric_only) if _rows_axis(axis) else self._reduce("mean", numeric_only)

    def _row_reduce(self, func: str, numeric_only: bool) -> "Series":
        """``axis=1``: one value per row over its columns (Dask's and pandas'), as a column
        expression; missing values (NaN too) are skipped: a row without any sums to 0, its mean
        and extremes are missing, as pandas."""
        types = {c: self._node.schema.field(c).type for c in self.columns}
        cols = [c for c, t in types.items() if _is_numeric(t)]
        if not numeric_only and len(cols) != len(types):
            bad = next(c for c in types if c not in cols)
            raise DataTypeError(f"cannot take the {func} across a row of column {bad!r} ({types[bad]}); pass numeric_only=True")
        if not cols:
            raise DataTypeError(f"{func}(axis=1) needs a numeric column")
        values = [call("nan_to_null", Cast(Col(c), pa.int64()) if pa.types.is_boolean(types[c]) else Col(c)) for c in cols]
        if func in ("min", "max"):
            expr = call("row_extreme", *values, least=func == "min")
        else:
            counted = balanced("add", [Cast(call("is_not_null", v), pa.int64()) for v in values])
            total = balanced("add", [call("fill_null", v, Lit(0)) for v in values])
            if func == "count":
                expr = counted
            elif func == "sum":
                expr = total
            else:
                expr = call("divide", Cast(total, pa.float64()), call("nan_to_null", Cast(counted, pa.float64())))
        return Series(self._node, expr, None, self._index)

    def std(self, ddof: int = 1, numeric_only: bool = False) -> "Scalar":
        return self._reduce("std", numeric_only, ddof=ddof)

    def var(self, ddof: int = 1, numeric_only: bool = False) -> "Scalar":
        return self._reduce("var", numeric_only, ddof=ddof)

    def min(self, axis: int | str | None = 0, numeric_only: bool = False) -> "Scalar | Series":
        return self._row_reduce("min", numeric_only) if _rows_axis(axis) else self._reduce("min", numeric_only)

    def max(self, axis: int | str | None = 0, numeric_only: bool = False) -> "Scalar | Series":
        return self._row_reduce("max", numeric_only) if _rows_axis(axis) else self._reduce("max", numeric_only)

    def count(self, axis: int | str | None = 0, numeric_only: bool = False) -> "Scalar | Series":
        return self._row_reduce("count", True) if _rows_axis(axis) else self._reduce("count")

    def __len__(self) -> int:
        return int(Scalar(Aggregate(self._node, (), (AggSpec("n", "count_all"),))).compute())

    # -- materialization ----------------------------------------------------------------------
    def _rebuild(self, results: Sequence[pa.Table]) -> "DataFrame":
        """``persist``: every partition computed, kept in memory as a new DataFrame."""
        from frames.dataframe.categorical import with_categoricals
        from frames.dataframe.indexing import keep_divisions

        node = keep_divisions(self, with_categoricals(FromTables(tuple(results), self._node.schema), self._node))
        return DataFrame(node, self._index, self._column_labels)

    def _node_to_write(self, index: bool | None) -> Node:
        """What the writers write: the index columns first (pandas' and Dask's default for an index
        that is not the default one), or left out with ``index=False``."""
        if not self._index:
            return self._optimized()
        if index is False:
            return self.reset_index(drop=True)._optimized()
        from frames.dataframe.indexing import index_as_columns

        return _optimize.optimize(index_as_columns(self))

    def to_parquet(self, path: str, engine: str = "auto", index: bool | None = None, write_index: bool | None = None,
                   **kwargs: Any) -> None:
        """Write Parquet: one file (``path`` ending in .parquet, or ``single_file=True``) or a directory
        of ``part.{i}.parquet``; ``compression=`` (default snappy), ``partition_on=`` (hive layout),
        ``overwrite=``, ``name_function=``, ``storage_options=``, ``scheduler=``, as Dask's.
        See ``frames.dataframe.io.writers`` and ``frames.dataframe.io.targets`` for what may be replaced."""
        from frames.dataframe.io import to_parquet

        if engine not in ("auto", "pyarrow"):
            raise InvalidArgumentError(f"engine={engine!r}: frames writes Parquet with pyarrow ('auto' or 'pyarrow')")
        from frames.dataframe.indexing import label as index_label

        index = index if write_index is None else write_index
        node = self._node_to_write(index)
        written = [n for n in (index_label(c) for c in self._index) if n is not None and n in node.schema.names and n not in self.columns]
        if written and len(written) == len(self._index) and index is not False:
            # pandas' metadata names the index columns, so pandas, Dask and frames read the index back
            empty = arrow_to_pandas(node.schema.empty_table()).set_index(written)
            kwargs["pandas_metadata"] = pa.Schema.from_pandas(empty, preserve_index=True).metadata[b"pandas"]
        to_parquet(node, path, **kwargs)

    def to_csv(self, path: str, index: bool | None = None, **kwargs: Any) -> None:
        """Write CSV: one file (``path`` ending in .csv, .csv.gz, ..., or ``single_file=True``) or a
        directory of ``part.{i}.csv``; ``sep=``, ``header=``, ``quotechar=``, ``na_rep=``,
        ``compression=`` (default: from the extension), ``partition_on=``, ``overwrite=``, as pandas' and Dask's."""
        from frames.dataframe.io import to_csv

        to_csv(self._node_to_write(index), path, **kwargs)

    def to_json(self, path: str, orient: str = "records", lines: bool = True, index: bool | None = None,
                **kwargs: Any) -> None:
        """Write JSON records, one object per line (``lines=True``, as DuckDB's COPY ... (FORMAT JSON))
        or one array (``lines=False``): one file (``path`` ending in .json/.jsonl/.ndjson) or a
        directory of ``part.{i}.json``; ``compression=``, ``partition_on=``, ``overwrite=``."""
        from frames.dataframe.io import to_json

        to_json(self._node_to_write(index), path, orient=orient, lines=lines, **kwargs)

    def to_pandas(self, **kwargs: Any) -> pd.DataFrame:
        return self.compute(**kwargs)

    def to_array(self, lengths: Any = None) -> Any:
        """The columns as a ``frames.array`` Array, one row block per partition (dask's
        ``to_dask_array``): row counts unknown (``nan``) unless ``lengths=True`` computes them."""
        from frames.array.convert import frame_to_array

        return frame_to_array(self, lengths)

    to_dask_array = to_array

    @property
    def values(self) -> Any:
        """The columns as a ``frames.array`` Array (row counts unknown), as dask's ``.values``."""
        return self.to_array()


def _computed_keys(frame: "DataFrame", keys: list) -> dict[int, tuple[str, ScalarExpr]]:
    """The group-by keys that are Series computed from ``frame``'s columns (not a column as it
    is), by position: the column each is grouped as and its expression. The column takes the
    Series' name, which labels the result's index as in pandas; where a column of the frame
    already has that name (``df.groupby(df.x // 10).x.mean()`` averages the original ``x``), the
    key column's name is the index copy's (``indexing.COPY``), which still labels it ``x``; an
    unnamed Series labels an unnamed level."""
    from frames.dataframe.indexing import COPY, UNNAMED

    out = {}
    names = set(frame._node.schema.names)
    for i, key in enumerate(keys):
        if not isinstance(key, Series) or (isinstance(key._expr, Col) and key._expr.name in names
                                           and _as_expr(key, frame._node, "a group-by key") == Col(key._expr.name)):
            continue
        expr = _as_expr(key, frame._node, "a group-by key")
        if key._name is None:
            name = f"{UNNAMED}{i}__"
        else:
            name = str(key._name) if str(key._name) not in names else COPY + str(key._name)
        out[i] = (name, expr)
    return out


def _key_name(frame: "DataFrame", key: Any) -> Any:
    """A group-by key: a column name, or a column of ``frame`` given as a Series (``df.groupby(df.k)``)."""
    if isinstance(key, Series):
        if isinstance(key._expr, Col) and key._expr.name in frame._node.schema.names and _as_expr(key, frame._node) == Col(key._expr.name):
            return key._expr.name
        raise InvalidArgumentError("groupby takes column names or columns of the frame itself (df.groupby(df.k)); "
                                   "assign a computed key as a column first")
    return key


def _value_counts(node: Node, keys: tuple[str, ...], sort: bool, ascending: bool, normalize: bool, dropna: bool) -> "Series":
    """The rows per distinct ``keys`` (a grouped count), or their share of all rows counted."""
    out: Node = Aggregate(node, keys, (AggSpec("count", "count_all"),), dropna=dropna)
    name = "count"
    if normalize:
        total = Scalar(Aggregate(out, (), (AggSpec("total", "sum", "count"),)))
        share = call("divide", Cast(Col("count"), pa.float64()), Cast(ScalarInput(total._node), pa.float64()))
        out, name = Project(out, tuple((k, Col(k)) for k in keys) + (("proportion", share),)), "proportion"
    if sort:
        out = Sort(out, (SortKey(name, ascending),))
    return Series(out, Col(name), name, keys)


def _replaced(expr: ScalarExpr, to_replace: Any, value: Any) -> ScalarExpr:
    """``expr`` with the values of ``to_replace`` (a value, a list, or a dict of old to new) replaced."""
    if isinstance(to_replace, dict):
        if value is not None:
            raise InvalidArgumentError("replace takes a dict of old to new values, or to_replace and value, not both")
        pairs = list(to_replace.items())
    elif isinstance(to_replace, (list, tuple, set)):
        values = list(value) if isinstance(value, (list, tuple)) else [value] * len(to_replace)
        if len(values) != len(to_replace):
            raise InvalidArgumentError(f"replace: {len(to_replace)} values to replace but {len(values)} replacements")
        pairs = list(zip(to_replace, values))
    else:
        pairs = [(to_replace, value)]
    if not pairs:
        return expr
    keys = tuple(k for k, _ in pairs)
    new = call("map_values", expr, keys=keys, values=tuple(v for _, v in pairs))
    return call("if_else", call("is_in", expr, **_isin_options(keys)), new, expr)


def _is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or pa.types.is_boolean(t)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _reduction(expr: ScalarExpr, t: pa.DataType, name: str, func: str, options: dict,
               series: Hashable | None = None) -> tuple[ScalarExpr, AggSpec]:
    """The input and the aggregate for pandas' reduction ``func`` of a column: booleans sum as
    int64 (Arrow: uint64), a sum of no values is 0 (``min_count=0``; SQL's SUM gives NULL), text
    sums by joining, as pandas; a column the reduction cannot take is an error naming it (or,
    for a Series' reduction, the Series' name ``series``)."""
    if func == "sum":
        if _is_text(t):
            return expr, AggSpec(name, "string_agg", name, (("sep", ""),))
        if not _is_numeric(t):
            raise _not_reducible("sum", name, t, series)
        if pa.types.is_boolean(t):
            expr = Cast(expr, pa.int64())
        return expr, AggSpec(name, "sum", name, (("min_count", options.get("min_count", 0)),))
    if func in ("mean", "std", "var", "sem", "median") and not _is_numeric(t):
        raise _not_reducible(func, name, t, series)
    if func == "count_distinct" and pa.types.is_floating(t):
        # NaN is a missing value in pandas, not one more distinct value; -0.0 is 0.0 (+ 0.0 makes it so)
        expr = call("nan_to_null", call("add", expr, Lit(0.0)))
    if func in ("any", "all") and _is_numeric(t) and not pa.types.is_boolean(t):
        expr = call("ne", expr, Lit(0))  # pandas: a number is true when not zero (Arrow's any takes booleans only)
    return expr, AggSpec(name, func, name, tuple(sorted(options.items())))


def _rows_axis(axis: int | str | None) -> bool:
    """Whether a frame reduction's ``axis`` asks for one value per row (1 / "columns")."""
    if axis in (0, "index", None):
        return False
    if axis in (1, "columns"):
        return True
    raise InvalidArgumentError(f"axis must be 0 / 'index' or 1 / 'columns', not {axis!r}")


def _row_extreme(*args: Any, least: bool) -> Any:
    """The least (``least``) or greatest value across a row's columns, missing ones skipped."""
    import pyarrow.compute as pc

    from frames.dataframe.expr.kernels import common_type, cast_value

    target = common_type([a.type for a in args])
    values = [cast_value(a, target) for a in args]
    return (pc.min_element_wise if least else pc.max_element_wise)(*values, skip_nulls=True)


def _not_reducible(func: str, column: str, t: pa.DataType, series: Hashable | None) -> DataTypeError:
    what = "sum" if func == "sum" else f"take the {func} of"
    if series is not None:
        shown = "a Series" if series == "__value__" else f"Series {series!r}"
        return DataTypeError(f"cannot {what} {shown} of {t} values")
    return DataTypeError(f"cannot {what} column {column!r} ({t}); pass numeric_only=True to leave it out")


def _product_result(product: ScalarExpr, t: pa.DataType) -> ScalarExpr:
    """A float64 product of a column of type ``t`` as pandas gives it: int64 for integers and
    booleans, 1 over no values."""
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return call("fill_null", Cast(product, pa.int64()), Lit(1))
    return call("fill_null", product, Lit(1.0))


def _holds(t: pa.DataType, value: Any) -> bool:
    """Whether a column of type ``t`` can hold ``value`` without changing its kind (fillna)."""
    if isinstance(value, bool):
        return pa.types.is_boolean(t)
    if isinstance(value, (int, float)):
        return _is_numeric(t) and not pa.types.is_boolean(t)
    if isinstance(value, str):
        return _is_text(t)
    return not (_is_numeric(t) or _is_text(t))


def _as_filter(pred: ScalarExpr) -> ScalarExpr:
    """``pred`` without the ``fill_null(..., False)`` that pandas' comparisons carry where only
    its truth matters (under AND / OR at the top: a filter drops NULL as it drops false), so
    the comparisons still reach Parquet statistics."""
    if isinstance(pred, Call) and pred.func == "fill_null" and isinstance(pred.args[1], Lit) and pred.args[1].value is False:
        return _as_filter(pred.args[0])
    if isinstance(pred, Call) and pred.func in ("and", "or"):
        return Call(pred.func, tuple(_as_filter(a) for a in pred.args), pred.options)
    return pred


def _isin_options(values: Iterable) -> dict:
    """``is_in``'s options for pandas' ``isin``: None and NaN stand for a missing value."""
    values = list(values)
    missing = [v for v in values if v is None or (isinstance(v, float) and v != v)]
    if not missing:
        return {"values": tuple(values)}
    return {"values": tuple(v for v in values if not (v is None or (isinstance(v, float) and v != v))), "skip_nulls": False}


def _pandas_comparison(op: str, a: ScalarExpr, b: ScalarExpr) -> ScalarExpr:
    """A comparison as pandas answers it: a missing value compares false (``!=``: true), not NULL
    as in SQL (whose kernel this reuses). A NaN compares as a missing value does (false; ``!=``:
    true), so an operand's ``nan_to_null`` is left out: the comparison stays one a scan's
    row-group statistics can use."""
    return call("fill_null", call(op, _nan_kept(a), _nan_kept(b)), Lit(op == "ne"))


_COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})
_ARITHMETIC = frozenset({"add", "subtract", "multiply", "divide", "floordiv", "pymod", "power"})


def _pandas_operation(op: str, a: ScalarExpr, b: ScalarExpr) -> ScalarExpr:
    """``op`` as pandas answers it: comparisons as ``_pandas_comparison``; arithmetic that makes
    NaN (``0 / 0``, ``inf - inf``) makes a missing value instead, since pandas treats NaN as
    missing (sums skip it, ``fillna`` fills it) while Arrow's kernels count it as a number."""
    if op in _COMPARISONS:
        return _pandas_comparison(op, a, b)
    if op in _ARITHMETIC:  # one NaN test per expression: inner NaNs stay NaN up to the outermost operation
        return call("nan_to_null", call(op, _nan_kept(a), _nan_kept(b)))
    return call(op, a, b)


def _nan_kept(expr: ScalarExpr) -> ScalarExpr:
    """An operand without its own ``nan_to_null``: arithmetic carries a NaN on to the result (which
    is tested), and NaN ** 0 is 1 as in pandas where NULL ** 0 would stay NULL."""
    return expr.args[0] if isinstance(expr, Call) and expr.func == "nan_to_null" else expr


def _register_kernels() -> None:
    from frames.dataframe.expr.kernels import register

    from frames.dataframe.convert import nan_to_null

    register("nan_to_null", nan_to_null)
    register("python_map", _python_map)
    register("python_row_map", _python_row_map)
    register("numpy_ufunc", _numpy_ufunc)
    register("row_extreme", _row_extreme)


def _python_map(a: Any, fn: "_MapValues", type: pa.DataType, name: str = "__value__") -> Any:
    """``fn`` (``Series.map`` / ``apply``'s Python function) of every value of ``a``, as ``type``
    (``name``: the column's, for errors): the values to pandas as a partition's are, pandas'
    ``map``, the result back to Arrow. Typing on an empty input calls nothing."""
    from frames.dataframe.convert import pandas_to_arrow

    if isinstance(a, pa.Scalar):
        return _python_map(pa.array([a.as_py()], a.type), fn, type, name)[0]
    if not len(a):
        return pa.array([], type)
    out = fn(arrow_to_pandas(pa.table({"__value__": a})))
    return pandas_to_arrow(out, pa.schema([(name, type)]), where=fn.__name__).column(0)


def _numpy_ufunc(*args: Any, ufunc: str) -> Any:
    """NumPy's ``ufunc`` (by name: ``np.log(df.x)``) of Arrow values, vectorized. The result's
    type is the ufunc's on the inputs' NumPy types, whatever the values (an empty partition and
    one with missing ints agree); a missing input, or a NaN out (``log(-1)``), is missing, as
    pandas counts NaN."""
    import numpy as np
    import pyarrow.compute as pc

    fn = getattr(np, ufunc)
    if all(isinstance(a, pa.Scalar) for a in args):
        return _numpy_ufunc(*(pa.array([a.as_py()], a.type) for a in args), ufunc=ufunc)[0]
    length = next(len(a) for a in args if not isinstance(a, pa.Scalar))
    values, missing = [], np.zeros(length, dtype=bool)
    for a in args:
        if isinstance(a, pa.Scalar):
            values.append(np.asarray(a.as_py(), dtype=a.type.to_pandas_dtype()))
            continue
        a = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
        if a.null_count:
            missing |= np.asarray(a.is_null().to_numpy(zero_copy_only=False))
            a = pc.fill_null(a, pa.scalar(0, a.type) if not pa.types.is_boolean(a.type) else False)
        values.append(a.to_numpy(zero_copy_only=False))
    with np.errstate(all="ignore"):
        out = fn(*values)
    if out.dtype.kind == "f":
        missing |= np.isnan(out)
    return pa.array(out, mask=missing if missing.any() else None)


def _python_row_map(*columns: Any, fn: "_RowApply", names: tuple[str, ...], index: tuple[str, ...], type: pa.DataType,
                    name: str = "__value__") -> Any:
    """``fn`` (``DataFrame.apply(axis=1)``'s) of every row of ``columns`` (named ``names``; the
    first ``index`` of them the frame's index, restored as the pandas index so each row's
    ``.name`` is its label), as ``type``. Typing on an empty input calls nothing."""
    from frames.dataframe.convert import pandas_to_arrow

    if all(isinstance(c, pa.Scalar) for c in columns):  # constants only: one row
        return _python_row_map(*(pa.array([c.as_py()], c.type) for c in columns), fn=fn, names=names, index=index,
                               type=type, name=name)[0]
    length = next(len(c) for c in columns if not isinstance(c, pa.Scalar))
    if not length:
        return pa.array([], type)
    arrays = [pa.repeat(c, length) if isinstance(c, pa.Scalar) else c for c in columns]
    part = arrow_to_pandas(pa.table(dict(zip(names, arrays))))
    out = fn(restore_index(part, index) if index else part)
    if isinstance(out, pd.Series):
        out = out.reset_index(drop=True)
    return pandas_to_arrow(out, pa.schema([(name, type)]), where=fn.__name__).column(0)


_register_kernels()


def _binary(op: str, reflected: bool = False):
    def method(self: "Series", other: Any) -> "Series":
        if isinstance(other, Series):
            node, a, b = _same_base(self, other)
            index = self._index
        else:
            node, a, b, index = self._node, self._expr, _as_expr(_as_time(other, self.arrow_type, op), self._node), self._index
        if reflected:
            a, b = b, a
        if op == "add" and _is_text(self.arrow_type) and (isinstance(other, str) or (isinstance(other, Series) and _is_text(other.arrow_type))):
            expr = call("concat", a, b)  # text + text joins, as pandas (missing stays missing)
        else:
            expr = _pandas_operation(op, a, b)
        name = self._name if not isinstance(other, Series) or other._name == self._name else None  # as pandas
        return Series(node, expr, name, index)

    method.__name__ = f"__{op}__"
    return method


def _as_time(value: Any, t: pa.DataType, op: str) -> Any:
    """A text ``value`` compared with a timestamp column as the instant it spells, as pandas reads
    ``df[df.t > "2024-02-01"]`` (in the column's time zone when the text names none); anything
    else as it is. Text that is no instant is an error naming it."""
    if not (isinstance(value, str) and pa.types.is_timestamp(t) and op in _COMPARISONS):
        return value
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataTypeError(f"cannot compare a {t} column with {value!r}: not a date or time ({exc})") from None
    if t.tz is not None:
        stamp = stamp.tz_localize(t.tz) if stamp.tz is None else stamp.tz_convert(t.tz)
    elif stamp.tz is not None:
        raise DataTypeError(f"cannot compare a column without a time zone with {value!r}, which names one")
    return pa.scalar(stamp, t)


class Series(_Frame):
    """One lazy column: a scalar expression over a DataFrame's expression."""

    def __init__(self, node: Node, expr: ScalarExpr, name: Hashable = None, index: Sequence[str] = ()):
        self._node = node
        self._expr = expr
        self._name = name
        self._index = tuple(index)

    @property
    def name(self) -> Hashable:
        return self._name

    def _scan_columns(self) -> tuple[Node, tuple[str, ...]]:
        return self._result_node(), (self._value_name(),)

    @property
    def dtype(self):
        from frames.dataframe.categorical import _MISSING, _series_categories

        cats = _series_categories(self)
        if cats is not _MISSING:
            return pd.CategoricalDtype(None if cats is None else list(cats))
        return pandas_dtypes(pa.schema([("x", self.arrow_type)]))["x"]

    @property
    def arrow_type(self) -> pa.DataType:
        return self._expr.dtype(self._node.schema)

    def __repr__(self) -> str:
        return f"<frames.Series name={self._name!r} type={self.arrow_type} npartitions={self.npartitions}>"

    def _repr_html_(self) -> str:
        from frames.display import series_html

        return series_html(self)

    def _value_name(self) -> str:
        name = "__value__" if self._name is None or self._name in self._index else str(self._name)
        return name

    def _result_node(self) -> Node:
        exprs = [(c, Col(c)) for c in self._index] + [(self._value_name(), self._expr)]
        return Project(self._node, tuple(exprs))

    def _finalize(self, results: Sequence[pa.Table]) -> pd.Series:
        from frames.dataframe.categorical import categorical_columns

        result = self._result_node()
        table = concat_tables(list(results), result.schema)
        pdf = indexed_pandas(table, self._index, categorical_columns(result, table.column_names))
        s = pdf[self._value_name()]
        s.name = self._name
        return s

    def _rebuild(self, results: Sequence[pa.Table]) -> "Series":
        from frames.dataframe.categorical import with_categoricals

        result = self._result_node()
        return Series(with_categoricals(FromTables(tuple(results), result.schema), result), Col(self._value_name()), self._name, self._index)

    def to_frame(self, name: Hashable | None = None) -> DataFrame:
        name = self._name if name is None else name
        name = 0 if name is None else name
        exprs = [(c, Col(c)) for c in self._index] + [(str(name), self._expr)]
        return DataFrame(Project(self._node, tuple(exprs)), self._index)

    def rename(self, name: Hashable) -> "Series":
        return Series(self._node, self._expr, name, self._index)

    def reset_index(self, drop: bool = False, name: Hashable | None = None) -> "DataFrame | Series":
        """The index as columns before the values (named ``name``, else the Series' own, else
        ``0``), as pandas: ``groupby(k).x.mean().reset_index()``; ``drop=True``: the values alone.
        A Series without a stored index (a default ``RangeIndex``) has no labels to turn into a
        column: its frame is the values alone."""
        if drop:
            return Series(self._node, self._expr, self._name, ())
        return self.to_frame(name).reset_index()

    # operators
    __add__ = _binary("add")
    __radd__ = _binary("add", True)
    __sub__ = _binary("subtract")
    __rsub__ = _binary("subtract", True)
    __mul__ = _binary("multiply")
    __rmul__ = _binary("multiply", True)
    __truediv__ = _binary("divide")
    __rtruediv__ = _binary("divide", True)
    __floordiv__ = _binary("floordiv")
    __rfloordiv__ = _binary("floordiv", True)
    __mod__ = _binary("pymod")
    __rmod__ = _binary("pymod", True)
    __pow__ = _binary("power")
    __rpow__ = _binary("power", True)
    __eq__ = _binary("eq")  # type: ignore[assignment]
    __ne__ = _binary("ne")  # type: ignore[assignment]
    __lt__ = _binary("lt")
    __le__ = _binary("le")
    __gt__ = _binary("gt")
    __ge__ = _binary("ge")
    __and__ = _binary("and")
    __rand__ = _binary("and", True)
    __or__ = _binary("or")
    __ror__ = _binary("or", True)
    __xor__ = _binary("xor")
    __hash__ = object.__hash__

    ndim = 1

    def _method(self, op: str, other: Any, fill_value: Any = None, reflected: bool = False) -> "Series":
        """pandas' named operators (``add``, ``eq``, ...): ``fill_value`` stands in for a missing
        value on one side (both missing stays missing)."""
        if fill_value is None:
            return _binary(op, reflected)(self, other)
        if isinstance(other, Series):
            node, a, b = _same_base(self, other)
        else:
            node, a, b = self._node, self._expr, _as_expr(other, self._node)
        fill = Lit(fill_value)
        left, right = call("fill_null", a, fill), call("fill_null", b, fill)
        if reflected:
            left, right = right, left
        value = _pandas_operation(op, left, right)
        both = call("and", call("is_null", a), call("is_null", b))
        return Series(node, call("if_else", both, Lit(None), value), self._name, self._index)

    def _unary(self, op: str, **options: Any) -> "Series":
        return Series(self._node, call(op, self._expr, **options), self._name, self._index)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> "Series":
        """``np.log(df.x)``, ``np.maximum(df.x, 0)``, ``np.hypot(df.x, df.y)``: NumPy's ufunc as a
        column expression (the ``numpy_ufunc`` kernel), lazy as Dask's."""
        if method != "__call__" or kwargs or not all(isinstance(i, Series) or pd.api.types.is_scalar(i) for i in inputs):
            return NotImplemented
        if not all(_is_numeric(i.arrow_type) for i in inputs if isinstance(i, Series)):
            raise DataTypeError(f"numpy.{ufunc.__name__} takes numeric Series")
        if len(inputs) > 2:
            return NotImplemented
        node, index = self._node, self._index
        if len(inputs) == 2 and all(isinstance(i, Series) for i in inputs):
            node, a, b = _same_base(*inputs)
            exprs = [a, b]
        else:
            exprs = [i._expr if isinstance(i, Series) else Lit(i) for i in inputs]
        names = {i._name for i in inputs if isinstance(i, Series)}
        name = names.pop() if len(names) == 1 else None  # pandas keeps a name the Series share
        return Series(node, call("numpy_ufunc", *exprs, ufunc=ufunc.__name__), name, self._index)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        """``np.where(df.x > 0, "pos", "neg")`` (values or Series of the same frame) as a lazy
        column, as tutorials write it; other NumPy functions run as NumPy would without the
        override (``np.sum(s)`` calls ``s.sum()``)."""
        import numpy as np

        if func is np.where and len(args) == 3 and not kwargs and isinstance(args[0], Series):
            cond, x, y = args
            if isinstance(x, Series):
                return x.where(cond, y).rename(None)
            if isinstance(y, Series):
                return y.mask(cond, x).rename(None)
            if not (pd.api.types.is_scalar(x) and pd.api.types.is_scalar(y)):
                raise InvalidArgumentError("np.where over a lazy Series takes values or Series of the same frame")
            return Series(cond._node, call("if_else", cond._expr, Lit(x), Lit(y)), None, cond._index)
        return func._implementation(*args, **kwargs)

    def __neg__(self) -> "Series":
        return self._unary("negate")

    def __invert__(self) -> "Series":
        return self._unary("not")

    def __abs__(self) -> "Series":
        return self._unary("abs")

    def abs(self) -> "Series":
        return self._unary("abs")

    def round(self, decimals: int = 0) -> "Series":
        return self._unary("round", ndigits=decimals, mode="half_to_even")

    def __bool__(self) -> bool:
        raise InvalidArgumentError("the truth value of a lazy Series is ambiguous; use & | ~ instead of and/or/not")

    def astype(self, dtype: Any) -> "Series":
        from frames.dataframe.categorical import categorical_expr, is_category_dtype

        if is_category_dtype(dtype):
            return Series(self._node, categorical_expr(self._expr, dtype), self._name, self._index)
        return Series(self._node, Cast(self._expr, to_arrow_type(dtype)), self._name, self._index)

    @property
    def cat(self):
        """Categorical properties (``known``, ``categories``, ``codes``), as Dask's ``.cat``."""
        from frames.dataframe.categorical import CategoricalAccessor

        return CategoricalAccessor(self)

    def isin(self, values: Iterable) -> "Series":
        """Whether each value is one of ``values``; a missing value is in them when they hold
        None or NaN (pandas; SQL's IN never matches NULL)."""
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise InvalidArgumentError(f"isin needs a list-like of values, not {type(values).__name__}")
        return self._unary("is_in", **_isin_options(values))

    def between(self, left: Any, right: Any, inclusive: str = "both") -> "Series":
        lo_op = "ge" if inclusive in ("both", "left") else "gt"
        hi_op = "le" if inclusive in ("both", "right") else "lt"
        if inclusive not in ("both", "left", "right", "neither"):
            raise InvalidArgumentError(f"inclusive must be 'both', 'left', 'right' or 'neither', not {inclusive!r}")
        lo = getattr(self, f"__{lo_op}__")(left)
        hi = getattr(self, f"__{hi_op}__")(right)
        return lo & hi

    def fillna(self, value: Any) -> "Series":
        if isinstance(value, Series):
            node, a, b = _same_base(self, value)
            return Series(node, call("fill_null", a, b), self._name, self._index)
        return Series(self._node, call("fill_null", self._expr, _as_expr(value, self._node)), self._name, self._index)

    def isna(self) -> "Series":
        return self._unary("is_null")

    isnull = isna

    def notna(self) -> "Series":
        return self._unary("is_not_null")

    notnull = notna

    def where(self, cond: "Series", other: Any = None) -> "Series":
        node, c, v = _same_base(cond, self)
        o = _as_expr(other, node) if not isinstance(other, Series) else _same_base(cond, other)[2]
        return Series(node, call("if_else", c, v, o), self._name, self._index)

    def mask(self, cond: "Series", other: Any = None) -> "Series":
        """Values where ``cond`` is False (missing where it is True, or ``other``), as pandas."""
        return self.where(~cond, other)

    def clip(self, lower: Any = None, upper: Any = None) -> "Series":
        """Values limited to ``[lower, upper]`` (None: no limit); missing values stay missing."""
        out = self
        if lower is not None:
            out = out.where((out >= lower) | out.isna(), lower)
        if upper is not None:
            out = out.where((out <= upper) | out.isna(), upper)
        return out

    def replace(self, to_replace: Any = None, value: Any = None, regex: bool = False) -> "Series":
        """Values equal to ``to_replace`` (a value or a list of them) replaced by ``value``, or by
        ``to_replace``'s mapping (a dict), one vectorized pass; ``regex=True`` replaces patterns in text."""
        if regex:
            if not isinstance(to_replace, str) or not isinstance(value, str):
                raise InvalidArgumentError("replace(regex=True) takes a pattern and a replacement string")
            return self._unary("replace", pattern=to_replace, replacement=value, regex=True)
        return Series(self._node, _replaced(self._expr, to_replace, value), self._name, self._index)

    def combine_first(self, other: "Series") -> "Series":
        """Missing values taken from ``other`` (a Series of the same frame, or a constant)."""
        return self.fillna(other)

    def explode(self) -> "Series":
        """Each list's elements as rows (an empty or missing list: one missing value), as pandas."""
        frame = self.to_frame(self._value_name())
        return Series(frame.explode(self._value_name())._node, Col(self._value_name()), self._name, self._index)

    def mode(self, dropna: bool = True) -> "Series":
        """The most frequent value(s), sorted, as pandas: the value counts (a grouped count),
        those equal to their maximum (a scalar computed once)."""
        counts = self.value_counts(sort=False, dropna=dropna)
        top = counts.max()
        value = counts._index[0]
        node = Filter(counts._node, _as_expr(counts == top, counts._node))
        node = Sort(Project(node, ((value, Col(value)),)), (SortKey(value, True),))
        return Series(node, Col(value), self._name)

    def reduction(self, chunk: Callable, aggregate: Callable | None = None, meta: Any = None) -> "Scalar":
        """Dask's ``reduction``: ``chunk(partition)`` (a pandas Series) per partition, then
        ``aggregate`` of the chunks' results as a pandas Series (default: ``chunk`` again), in
        one final task."""
        if not callable(chunk) or (aggregate is not None and not callable(aggregate)):
            raise InvalidArgumentError("reduction takes functions chunk= and aggregate=")
        value = self._value_name()
        parts = MapPartitions(Project(self._node, ((value, self._expr),)), _Chunk(chunk, value), pa.schema([("__chunk", pa.binary())]),
                              (), (), pandas=False, func_name=getattr(chunk, "__name__", "chunk"))
        return Scalar(Repartition(parts, 1) if parts.npartitions > 1 else parts, kind="table", post=_Aggregated(aggregate or chunk))

    @property
    def is_monotonic_increasing(self) -> "Scalar":
        """Whether each value is >= the one before, across partitions (a ``reduction`` of each
        partition's (monotonic, first, last)); missing values make it False, as pandas."""
        test = _Monotonic(True)
        return self.reduction(test.chunk, test.aggregate)

    @property
    def is_monotonic_decreasing(self) -> "Scalar":
        test = _Monotonic(False)
        return self.reduction(test.chunk, test.aggregate)

    def _moments(self, what: str) -> "Scalar":
        """``skew`` / ``kurtosis`` (pandas' bias-corrected ones) from one pass of the sums of the
        values' first four powers: no gathering, but raw power sums lose digits when the values'
        mean is large against their spread (pandas centres first)."""
        x = Cast(self._expr, pa.float64())
        powers = (("p1", x), ("p2", call("multiply", x, x)), ("p3", call("multiply", call("multiply", x, x), x)),
                  ("p4", call("multiply", call("multiply", x, x), call("multiply", x, x))))
        specs = (AggSpec("n", "count", "p1"),) + tuple(AggSpec(f"s{i}", "sum", f"p{i}") for i in range(1, 5))
        return Scalar(Aggregate(Project(self._node, powers), (), specs), kind="table", post=_Moment(what))

    def skew(self) -> "Scalar":
        return self._moments("skew")

    def kurtosis(self) -> "Scalar":
        return self._moments("kurtosis")

    kurt = kurtosis

    def sem(self, ddof: int = 1) -> "Scalar":
        """The standard error of the mean: std(ddof) / sqrt(count), in one aggregation."""
        return self._reduce("sem", ddof=ddof)

    @property
    def size(self) -> "Scalar":
        return self.shape[0]

    def pipe(self, func: Callable, *args: Any, **kwargs: Any):
        return func(self, *args, **kwargs)

    def corr(self, other: "Series", method: str = "pearson") -> "Scalar":
        """Pearson's correlation with ``other`` (a column of the same frame) over the rows where
        both are present, from one pass of sums (no gathering)."""
        if method != "pearson":
            raise InvalidArgumentError("corr supports method='pearson'")
        return self._paired("corr", other)

    def cov(self, other: "Series") -> "Scalar":
        """The sample covariance with ``other`` (ddof=1), as pandas."""
        return self._paired("covar_samp", other)

    def _paired(self, func: str, other: "Series") -> "Scalar":
        if not isinstance(other, Series):
            raise InvalidArgumentError(f"{func} needs another Series of the same frame")
        node, x, y = _same_base(self, other)
        projected = Project(node, (("__x", Cast(x, pa.float64())), ("__y", Cast(y, pa.float64()))))
        return Scalar(Aggregate(projected, (), (AggSpec("result", func, "__x", (("other", "__y"),)),)))

    @property
    def str(self):
        from frames.dataframe.accessors import StringAccessor

        return StringAccessor(self)

    @property
    def dt(self):
        from frames.dataframe.accessors import DatetimeAccessor

        return DatetimeAccessor(self)

    def map_partitions(self, func: Callable, *args: Any, meta: Any = None, **kwargs: Any):
        return map_partitions(func, self, *args, meta=meta, **kwargs)

    # reductions
    def _reduce(self, func: str, **options: Any) -> "Scalar":
        expr, spec = _reduction(self._expr, self.arrow_type, "__value__", func, options,
                                series="__value__" if self._name is None else self._name)
        projected = Project(self._node, (("__value__", expr),))
        return Scalar(Aggregate(projected, (), (AggSpec("result", spec.func, "__value__", spec.options),)))

    def sum(self, axis: Any = None, skipna: bool = True, **kwargs: Any) -> "Scalar":
        _series_reduction("sum", axis, skipna, kwargs)
        return self._reduce("sum")

    def mean(self, axis: Any = None, skipna: bool = True, **kwargs: Any) -> "Scalar":
        _series_reduction("mean", axis, skipna, kwargs)
        return self._reduce("mean")

    def min(self, axis: Any = None, skipna: bool = True, **kwargs: Any) -> "Scalar":
        _series_reduction("min", axis, skipna, kwargs)
        return self._reduce("min")

    def max(self, axis: Any = None, skipna: bool = True, **kwargs: Any) -> "Scalar":
        _series_reduction("max", axis, skipna, kwargs)
        return self._reduce("max")

    def count(self) -> "Scalar":
        return self._reduce("count")

    def nunique(self) -> "Scalar":
        return self._reduce("count_distinct")

    def nunique_approx(self) -> "Scalar":
        """The number of distinct values, counted exactly (Dask estimates it with HyperLogLog;
        a hash count per partition merged by key is what frames' ``nunique`` already does)."""
        return self.nunique()

    def memory_usage(self, index: bool = True, deep: bool = False) -> "Scalar":
        """Bytes of the values as Arrow holds them, summed over the partitions (``DataFrame.memory_usage``'s)."""
        projected = Project(self._node, (("__value__", self._expr),))
        node = MapPartitions(projected, _column_bytes, pa.schema([pa.field("__value__", pa.int64())]), (("__value__",),), (),
                             pandas=False, func_name="memory_usage")
        return Scalar(Aggregate(node, (), (AggSpec("result", "sum", "__value__", (("min_count", 0),)),)))

    def agg(self, func: str | Sequence[str]) -> "Scalar":
        """pandas' ``Series.agg`` of reduction names: one name gives its value, a list a Series
        of them indexed by the names (one aggregation)."""
        if isinstance(func, str):
            return getattr(self, func)() if func in ("median", "quantile", "prod", "std", "var", "sem") else self._reduce(func)
        frame = self.to_frame("__value__")
        out = frame.agg({"__value__": list(func)})
        out._post = _AggByName(out._post.cells, False, series=self._name)
        return out

    aggregate = agg

    def prod(self) -> "Scalar":
        """The product of the values (int64 for integers and booleans, else float64; 1 for none, as pandas)."""
        agg = Aggregate(Project(self._node, (("__value__", Cast(self._expr, pa.float64())),)), (), (AggSpec("result", "product", "__value__"),))
        return Scalar(Project(agg, (("result", _product_result(Col("result"), self.arrow_type)),)))

    def std(self, axis: Any = None, skipna: bool = True, ddof: int = 1, **kwargs: Any) -> "Scalar":
        _series_reduction("std", axis, skipna, kwargs)
        return self._reduce("std", ddof=ddof)

    def var(self, axis: Any = None, skipna: bool = True, ddof: int = 1, **kwargs: Any) -> "Scalar":
        _series_reduction("var", axis, skipna, kwargs)
        return self._reduce("var", ddof=ddof)

    def any(self) -> "Scalar":
        return self._reduce("any")

    def all(self) -> "Scalar":
        return self._reduce("all")

    def __len__(self) -> int:
        return int(Scalar(Aggregate(self._node, (), (AggSpec("n", "count_all"),))).compute())

    @property
    def shape(self) -> tuple["Scalar"]:
        return (Scalar(Aggregate(self._node, (), (AggSpec("n", "count_all"),))),)

    @property
    def partitions(self) -> _PartitionIndexer:
        return _PartitionIndexer(self)

    def get_partition(self, n: int) -> "Series":
        return self.partitions[n]

    def dropna(self) -> "Series":
        return Series(Filter(self._node, call("is_not_null", self._expr)), self._expr, self._name, self._index)

    def idxmax(self) -> "Scalar":
        """The index label (without an index: the position) of the first largest value, missing values skipped."""
        node, specs = self._arg_extreme("arg_max", [self._value_name()])
        return Scalar(Aggregate(node, (), specs))

    def idxmin(self) -> "Scalar":
        node, specs = self._arg_extreme("arg_min", [self._value_name()])
        return Scalar(Aggregate(node, (), specs))

    def describe(self, percentiles: Sequence[float] = (0.25, 0.5, 0.75), percentiles_method: str = "exact") -> "Scalar":
        """count, mean, std, min, the percentiles and max of a numeric Series, as pandas
        (``DataFrame.describe`` of the one column)."""
        if not _is_numeric(self.arrow_type):
            raise DataTypeError(f"describe needs a numeric Series; {self._name!r} is {self.arrow_type}")
        described = self.to_frame("__value__").describe(percentiles, percentiles_method)
        return Scalar(described._node, kind="table", post=_DescribedSeries(described._post, self._name))

    def median(self) -> "Scalar":
        """Exact: the values gathered into one task (linear interpolation, as pandas)."""
        return self._reduce("median")

    def median_approximate(self, method: str = "default") -> "Scalar":
        """The median from per-partition percentile summaries merged (Dask's method: see
        ``quantile(method="dask")``): exact on one partition, a few hundred numbers per partition
        in memory instead of the whole column."""
        return self.quantile(0.5, method="dask" if method == "default" else method)

    def quantile(self, q: float | Sequence[float] = 0.5, method: str = "exact"):
        """Quantiles by linear interpolation, as pandas. ``method="exact"`` (the default) gathers the
        values into one task; ``method="dask"`` (or ``"default"``/``"approximate"``, Dask's name)
        merges per-partition percentile summaries (``expr/approx_quantile.py``: exact on one
        partition, otherwise off by at most the spread between neighbouring percentiles of a
        partition) and needs no more memory than the summaries. A list of ``q`` gives a Series
        indexed by ``q``."""
        many, qs = _quantile_args(q)
        if not _is_numeric(self.arrow_type):
            raise _not_reducible("quantile", "__value__", self.arrow_type, "__value__" if self._name is None else self._name)
        projected = Project(self._node, (("__value__", Cast(self._expr, pa.float64())),))
        if _approximate(method):
            node: Node = ApproxQuantile(projected, ("__value__",), qs, many)
        else:
            node = Aggregate(projected, (), (AggSpec("result", "quantile_cont", "__value__", (("q", qs if many else qs[0]),)),))
        if not many:
            return Scalar(node)
        return Scalar(node, kind="table", post=_Quantiles(qs, self._name))

    def map(self, arg: Any, na_action: str | None = None, meta: Any = None) -> "Series":
        """Values looked up in a dict (missing keys give a missing value, as pandas: one
        vectorized lookup) or passed through a function (per partition, pandas' ``map``)."""
        if isinstance(arg, dict):
            return self._unary("map_values", keys=tuple(arg.keys()), values=tuple(arg.values()))
        if not callable(arg):
            raise InvalidArgumentError(f"map takes a dict or a function, not {type(arg).__name__}")
        if na_action not in (None, "ignore"):
            raise InvalidArgumentError(f"map's na_action must be None or 'ignore', not {na_action!r}")
        return self._map_values(_MapValues(arg, na_action), meta)

    def apply(self, func: Callable, meta: Any = None, args: tuple = (), **kwargs: Any) -> "Series":
        """``func`` of every value (pandas' ``Series.apply``), per partition."""
        if not callable(func):
            raise InvalidArgumentError(f"apply takes a function, not {type(func).__name__}")
        return self._map_values(_MapValues(func, None, args, tuple(sorted(kwargs.items()))), meta)

    def _map_values(self, fn: "_MapValues", meta: Any) -> "Series":
        """``fn`` of every value as a column expression (the ``python_map`` kernel: pandas' ``map``
        of each partition's values), so the result stays a column of this frame: ``assign``,
        filters and other columns combine with it. Its type is meta's, or what ``fn`` gives on a
        made-up sample (as ``map_partitions`` infers); meta's ``object`` is typed by the values
        (``_object_types``). A function giving a frame per value (``apply`` returning Series) runs
        as ``map_partitions``."""
        value = self._value_name()
        source = pa.schema([(value, self.arrow_type)])
        if meta is None:
            out = _infer_meta(fn, source, (), {})
            if isinstance(out, pd.DataFrame):
                return self.map_partitions(fn)
            schema = _typed_like(_meta_schema(out)[0], source)
        else:
            schema, _, _ = _meta_schema(meta)
            if len(schema) != 1:
                raise InvalidArgumentError(f"{fn.__name__}: map's meta declares one column ((name, dtype) or a Series), got {schema.names}")
            schema = _object_types(schema, _declared_objects(meta), lambda: fn(_sample_meta(source)),
                                   lambda: fn(_first_rows(self._result_node()).iloc[:, -1:]))
        field = schema.field(0)
        return Series(self._node, call("python_map", self._expr, fn=fn, type=field.type, name=field.name), self._name, self._index)

    def tail(self, n: int = 5, compute: bool = True, scheduler: str | None = None):
        from frames.dataframe.expr.reshape import Tail

        out = Series(Tail(self._result_node(), n), Col(self._value_name()), self._name, self._index)
        return out.compute(scheduler=scheduler) if compute else out

    def value_counts(self, sort: bool = True, ascending: bool = False, normalize: bool = False, dropna: bool = True) -> "Series":
        """Each value's count (``normalize``: its share of the rows counted, as ``proportion``);
        ``dropna=False`` counts the missing value too."""
        value = self._value_name() if self._name is not None else "__value__"
        projected = Project(self._node, ((value, self._expr),))
        return _value_counts(projected, (value,), sort, ascending, normalize, dropna)

    def drop_duplicates(self, keep: str | bool = "first") -> "Series":
        """Each distinct value once, in the order of its first (``keep="last"``: last) row."""
        value = self._value_name()
        frame = DataFrame(Project(self._node, ((value, self._expr),)))
        return Series(frame.drop_duplicates(keep=keep)._node, Col(value), self._name)

    def unique(self) -> "Series":
        return self.drop_duplicates()

    def head(self, n: int = 5, compute: bool = True, scheduler: str | None = None):
        out = Series(Limit(self._result_node(), n), Col(self._value_name()), self._name, self._index)
        return _compute_head(out, scheduler) if compute else out

    def nlargest(self, n: int = 5) -> "Series":
        value = self._value_name()
        node = Sort(self._result_node(), (SortKey(value, False),), limit=n)
        return Series(node, Col(value), self._name, self._index)

    def nsmallest(self, n: int = 5) -> "Series":
        value = self._value_name()
        node = Sort(self._result_node(), (SortKey(value, True),), limit=n)
        return Series(node, Col(value), self._name, self._index)

    def sort_values(self, ascending: bool = True, na_position: str = "last") -> "Series":
        value = self._value_name()
        node = Sort(self._result_node(), (SortKey(value, ascending, na_position == "first"),))
        return Series(node, Col(value), self._name, self._index)

    def to_array(self, lengths: Any = None) -> Any:
        """The values as a 1-D ``frames.array`` Array, one block per partition (row counts
        unknown unless ``lengths=True`` computes them), as dask's ``to_dask_array``."""
        from frames.array.convert import frame_to_array

        return frame_to_array(self, lengths)

    to_dask_array = to_array

    @property
    def values(self) -> Any:
        return self.to_array()

    def to_arrow(self, scheduler: str | None = None, **kwargs: Any) -> pa.Array:
        return super().to_arrow(scheduler=scheduler, **kwargs).column(self._value_name())


class Index(Series):
    """A frame's index as a lazy collection (Dask's ``Index``): a Series of the index column that
    computes to a ``pandas.Index``, with the frame's divisions."""

    def _known(self) -> tuple | None:
        from frames.dataframe.expr.divisions import divisions_of

        return divisions_of(self._node, self._expr.name) if isinstance(self._expr, Col) else None

    @property
    def divisions(self) -> tuple:
        found = self._known()
        return found if found is not None else (None,) * (self.npartitions + 1)

    @property
    def known_divisions(self) -> bool:
        return self._known() is not None

    def _finalize(self, results: Sequence[pa.Table]) -> pd.Index:
        return pd.Index(super()._finalize(results), name=self._name)

    def __repr__(self) -> str:
        return f"<frames.Index name={self._name!r} type={self.arrow_type} npartitions={self.npartitions}>"


class Scalar(_Frame):
    """A lazy single value (or, with ``kind="row"``, one value per column as a pandas Series).

    A value combines with constants, other Scalars and Series (``df.a - df.a.mean()``,
    ``df[df.a > df.a.mean()]``, ``df.a.sum() > 0``): it is computed once, as its own task, and
    every partition's task receives it (``scalar.ScalarInput``)."""

    def __init__(self, node: Node, kind: str = "value", post: Callable[[pa.Table], Any] | None = None):
        self._node = node
        self._index = ()
        self._kind = kind
        self._post = post  # kind "table": what compute() gives, made from the result table

    def _result_node(self) -> Node:
        return self._node

    def _finalize(self, results: Sequence[pa.Table]):
        table = concat_tables(list(results), self._node.schema)
        if self._kind == "table":
            return self._post(table)
        if self._kind == "row":  # one value per column, in the dtype pandas gives such a row
            row = arrow_to_pandas(table)
            return row.iloc[0].rename(None) if len(row) else pd.Series(dtype=float)
        value = arrow_to_pandas(table.select([0])).iloc[0, 0] if table.num_rows else None
        return value

    def __repr__(self) -> str:
        return f"<frames.Scalar {self._node.describe()}>"

    def _rebuild(self, results: Sequence[pa.Table]) -> "Scalar":
        return Scalar(FromTables(tuple(results), self._node.schema), self._kind, self._post)

    def __int__(self) -> int:
        return int(self.compute())

    def __bool__(self) -> bool:
        raise InvalidArgumentError("the truth value of a lazy Scalar is not known until computed; use bool(s.compute())")

    def _value(self) -> ScalarExpr:
        if self._kind != "value":
            raise InvalidArgumentError("a row of reductions (one per column) cannot be combined in an expression; pick a column first")
        return Col(self._node.schema.names[0])

    def _combine(self, op: str, other: Any, reflected: bool) -> "Scalar":
        if isinstance(other, (Series, DataFrame)):
            return NotImplemented  # the Series' reflected operator broadcasts this value
        a, b = self._value(), _as_expr(other, self._node)
        if reflected:
            a, b = b, a
        return Scalar(Project(self._node, (("result", _pandas_operation(op, a, b)),)))

    def __neg__(self) -> "Scalar":
        return Scalar(Project(self._node, (("result", call("negate", self._value())),)))

    def __abs__(self) -> "Scalar":
        return Scalar(Project(self._node, (("result", call("abs", self._value())),)))

    def __float__(self) -> float:
        return float(self.compute())


class _PartitionIndexer:
    def __init__(self, frame: "_Frame"):
        self._frame = frame

    def __getitem__(self, key: Any):
        from frames.dataframe.expr.reshape import SelectPartitions

        n = self._frame.npartitions
        if isinstance(key, int) and not isinstance(key, bool):
            indices = [key]
        elif isinstance(key, slice):
            indices = list(range(n))[key]
        elif isinstance(key, (list, tuple)):
            indices = list(key)
        else:
            raise InvalidArgumentError(f"partitions[...] takes an int, a slice or a list, not {type(key).__name__}")
        for i in indices:
            if not isinstance(i, int) or not -n <= i < n:
                raise InvalidArgumentError(f"partition {i!r} does not exist (the frame has {n})")
        indices = [i % n for i in indices]
        f = self._frame
        if indices and indices == sorted(set(indices)) and f.known_divisions:  # in order: their divisions stay
            from frames.dataframe.indexing import select_partitions

            return select_partitions(f, indices)
        node = SelectPartitions(f._node, tuple(indices))
        if isinstance(f, Series):
            return Series(node, f._expr, f._name, f._index)
        return f._with(node)


def _explode_partition(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """pandas' explode of one partition: like ``unnest_lists``, but an empty or missing list
    keeps its row (with a missing value)."""
    import numpy as np
    import pyarrow.compute as pc

    from frames.dataframe.expr.unnest import unnest_lists

    keep = np.zeros(table.num_rows, dtype=bool)
    for c in columns:
        lengths = pc.fill_null(pc.list_value_length(table.column(c)), 0)
        keep |= np.asarray(lengths.to_numpy(zero_copy_only=False)) > 0
    if keep.all():
        return unnest_lists(table, columns)
    marker = "__explode_row__"
    numbered = table.append_column(marker, pa.array(np.arange(table.num_rows), pa.int64()))
    out = unnest_lists(numbered.filter(pa.array(keep)), columns)
    empty = numbered.filter(pa.array(~keep))
    for c in columns:
        i = empty.schema.get_field_index(c)
        empty = empty.set_column(i, c, pa.nulls(empty.num_rows, out.schema.field(c).type))
    both = pa.concat_tables([out, empty.cast(out.schema)])
    order = pc.sort_indices(both, sort_keys=[(marker, "ascending")])  # stable: each row's elements in order
    return both.take(order).drop_columns([marker])


class _Chunk:
    """``reduction``'s chunk of one partition, its result pickled into a one-row table."""

    def __init__(self, chunk: Callable, column: str):
        self.chunk, self.column = chunk, column
        self.__name__ = getattr(chunk, "__name__", "chunk")

    def __call__(self, table: pa.Table) -> pa.Table:
        import pickle

        values = arrow_to_pandas(table)[self.column]
        return pa.table({"__chunk": pa.array([pickle.dumps(self.chunk(values))], pa.binary())})


class _FrameChunk:
    """``DataFrame.reduction``'s chunk of one partition (pandas, with its index), pickled into a
    one-row table; a Series result as a one-row frame (Dask's rule, so the chunks concatenate)."""

    def __init__(self, chunk: Callable, index: tuple[str, ...]):
        self.chunk, self.index = chunk, index
        self.__name__ = getattr(chunk, "__name__", "chunk")

    def __call__(self, table: pa.Table) -> pa.Table:
        import pickle

        from frames.dataframe.indexing import partition_to_pandas

        out = self.chunk(partition_to_pandas(table, self.index))
        out = out.to_frame().T if isinstance(out, pd.Series) else out
        return pa.table({"__chunk": pa.array([pickle.dumps(out)], pa.binary())})


class _Aggregated:
    def __init__(self, aggregate: Callable):
        self.aggregate = aggregate

    def __call__(self, table: pa.Table) -> Any:
        import pickle

        chunks = [pickle.loads(b) for b in table.column("__chunk").to_pylist()]
        if chunks and all(isinstance(c, pd.DataFrame) for c in chunks):  # DataFrame.reduction's frames
            return self.aggregate(pd.concat(chunks))
        return self.aggregate(pd.Series(chunks))


class _Monotonic:
    """``is_monotonic_increasing`` / ``_decreasing`` as a ``reduction``: each partition's (in
    order, first, last), then the partitions in order with each last value next to the next first."""

    def __init__(self, increasing: bool):
        self.increasing = increasing

    def chunk(self, s: pd.Series) -> tuple:
        ok = s.is_monotonic_increasing if self.increasing else s.is_monotonic_decreasing
        return (bool(ok and not s.isna().any()), s.iloc[0] if len(s) else None, s.iloc[-1] if len(s) else None)

    def aggregate(self, chunks: pd.Series) -> bool:
        parts = [c for c in chunks if c[1] is not None]
        if not all(ok for ok, _, _ in parts):
            return False
        return all((a[2] <= b[1]) if self.increasing else (a[2] >= b[1]) for a, b in zip(parts, parts[1:]))


class _Moment:
    """pandas' sample skewness (G1) or excess kurtosis (G2) from the count and power sums."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, table: pa.Table) -> float:
        row = table.to_pylist()[0] if table.num_rows else {}
        n = row.get("n") or 0
        if n < (3 if self.what == "skew" else 4):
            return float("nan")
        s1, s2, s3, s4 = (row[f"s{i}"] for i in range(1, 5))
        mu = s1 / n
        m2 = s2 / n - mu * mu
        if m2 <= 1e-14 * max(abs(s2 / n), 1e-300):  # constant values: pandas gives 0
            return 0.0
        m3 = s3 / n - 3 * mu * s2 / n + 2 * mu ** 3
        if self.what == "skew":
            return float((n * (n - 1)) ** 0.5 / (n - 2) * m3 / m2 ** 1.5)
        m4 = s4 / n - 4 * mu * s3 / n + 6 * mu * mu * s2 / n - 3 * mu ** 4
        return float((n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / (m2 * m2) - 3 * (n - 1)))


class _PairMatrix:
    """``corr()`` / ``cov()``'s pandas matrix from its one row of pairwise aggregates."""

    def __init__(self, columns: tuple[str, ...]):
        self.columns = columns

    def __call__(self, table: pa.Table) -> pd.DataFrame:
        import numpy as np

        row = table.to_pylist()[0] if table.num_rows else {}
        n = len(self.columns)
        matrix = np.full((n, n), np.nan)
        for i in range(n):
            for j in range(i, n):
                v = row.get(f"{i}:{j}")
                matrix[i, j] = matrix[j, i] = np.nan if v is None else v
        return pd.DataFrame(matrix, index=list(self.columns), columns=list(self.columns))


def _numbered(mode: "Series", column: str) -> Node:
    """A column's modes as (column name, value as text) rows, so all columns' share one table."""
    value = mode._value_name()
    return Project(mode._node, (("__column", Lit(column, pa.string())), ("__value", Cast(Col(value), pa.string()))))


class _Modes:
    """``DataFrame.mode()``'s pandas frame from each column's sorted modes (as text), each column
    back in its dtype and padded with missing values to the longest (ints then float, as pandas)."""

    def __init__(self, columns: tuple[str, ...], dtypes: tuple[str, ...]):
        self.columns, self.dtypes = columns, dtypes

    def __call__(self, table: pa.Table) -> pd.DataFrame:
        rows = table.to_pydict()
        data = {c: [v for k, v in zip(rows["__column"], rows["__value"]) if k == c] for c in self.columns}
        length = max((len(v) for v in data.values()), default=0)
        out = {}
        for c, dtype in zip(self.columns, self.dtypes):
            text = pd.Series(data[c], dtype="object")
            values = text.map({"true": True, "false": False}) if dtype == "bool" else text.astype(dtype)
            out[c] = values.reindex(range(length))
        return pd.DataFrame(out)


class _AggByName:
    """``DataFrame.agg`` / ``Series.agg``'s pandas result from its one row of (column, function)
    cells: a Series by column (``flat``), a Series by function (``series``: its name), else a
    frame indexed by function, NaN where a column has no such cell, as pandas."""

    def __init__(self, cells: tuple[tuple[str, str, str], ...], flat: bool, series: Hashable | None = "__frame__"):
        self.cells, self.flat, self.series = cells, flat, series

    def __call__(self, table: pa.Table) -> Any:
        row = arrow_to_pandas(table).iloc[0] if table.num_rows else pd.Series(dtype=float)
        if not self.flat and self.series == "__frame__":  # each cell in its own type (a row of pandas' upcasts)
            row = {k: arrow_to_pandas(table.select([k])).iloc[0, 0] for k in table.column_names} if table.num_rows else {}
        if self.flat:
            return pd.Series({c: row[out] for c, _, out in self.cells})
        if self.series != "__frame__":
            return pd.Series({f: row[out] for _, f, out in self.cells}, name=self.series)
        columns = list(dict.fromkeys(c for c, _, _ in self.cells))
        funcs = list(dict.fromkeys(f for _, f, _ in self.cells))
        by_column: dict[str, dict[str, Any]] = {c: {} for c in columns}
        for c, f, cell in self.cells:
            by_column[c][f] = row[cell]
        return pd.DataFrame({c: pd.Series(v) for c, v in by_column.items()}, index=funcs, columns=columns)  # ints stay ints


class _Described:
    """``describe()``'s pandas frame from its one row of aggregates."""

    def __init__(self, columns: tuple[str, ...], labels: tuple[str, ...], times: tuple = ()):
        self.columns, self.labels, self.times = columns, labels, dict(times)

    def __call__(self, table: pa.Table) -> pd.DataFrame:
        row = table.to_pylist()[0]
        data = {}
        for i, c in enumerate(self.columns):
            qs = row[f"{i}_q"] or [None] * (len(self.labels) - 5)
            data[c] = [row[f"{i}_count"], row[f"{i}_mean"], row[f"{i}_std"], row[f"{i}_min"], *qs, row[f"{i}_max"]]
        out = pd.DataFrame(data, index=list(self.labels), dtype="float64")
        if not self.times:
            return out
        # as pandas with instants: their statistics are instants (std none), std is the last row
        order = [label for label in self.labels if label != "std"] + ["std"]
        out = out.loc[order]
        for c, t in self.times.items():
            values = [pd.Timestamp(int(round(v)), unit=t.unit, tz=t.tz) if v is not None and v == v else pd.NaT for v in out[c]]
            out[c] = pd.Series([int(out.at["count", c])] + values[1:-1] + [float("nan")], index=out.index, dtype=object)
        return out


def _sample_partition(table: pa.Table, frac: float, replace: bool, seed: int, partition_info: dict) -> pa.Table:
    import numpy as np

    rng = np.random.default_rng([seed, partition_info["number"]])
    k = int(round(frac * table.num_rows))
    from frames.dataframe.convert import take_rows

    return take_rows(table, rng.choice(table.num_rows, size=k, replace=replace))


def _series_reduction(name: str, axis: Any, skipna: bool, kwargs: dict) -> None:
    """The arguments pandas' and NumPy's calls give a Series reduction (``np.sum(s)`` passes
    ``axis=None, out=None``): a Series has one axis, missing values are skipped."""
    if axis not in (None, 0, "index"):
        raise InvalidArgumentError(f"Series.{name}: a Series has one axis (0), not axis={axis!r}")
    if skipna is not True:
        raise InvalidArgumentError(f"Series.{name}(skipna=False) is not supported: missing values are skipped")
    extra = {k: v for k, v in kwargs.items() if not (v is None or (k == "numeric_only" and v is False) or (k == "keepdims" and v is False))}
    if extra:
        raise InvalidArgumentError(f"Series.{name} does not take {', '.join(sorted(extra))}")


def _deal_partition(table: pa.Table, shares: tuple[float, ...], seed: int, partition_info: dict) -> pa.Table:
    """``random_split``: each row's split, drawn with the partition's own seed."""
    import numpy as np

    rng = np.random.default_rng([seed, partition_info["number"]])
    dealt = rng.choice(len(shares), size=table.num_rows, p=np.asarray(shares) / sum(shares)).astype(np.int8)
    return table.append_column("__split__", pa.array(dealt))


def _column_bytes(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    return pa.table({c: pa.array([table.column(c).nbytes], pa.int64()) for c in columns})


class _OfSeries:
    """``func`` of a Series' partition: the one value column of its frame as a pandas Series
    under the Series' name (the index, when there is one, already restored)."""

    def __init__(self, func: Callable, name: Hashable):
        self.func, self.name = func, name
        self.__name__ = getattr(func, "__name__", "function")
        if hasattr(func, "__code__"):  # ``partition_info`` is passed when ``func`` asks for it
            self.__code__ = func.__code__

    def __call__(self, part: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        values = part.iloc[:, -1]
        values.name = self.name
        return self.func(values, *args, **kwargs)


class _RowApply:
    def __init__(self, func: Callable, args: tuple, kwargs: tuple):
        self.func, self.args, self.kwargs = func, args, dict(kwargs)
        self.__name__ = getattr(func, "__name__", "apply")

    def __call__(self, part: pd.DataFrame):
        return part.apply(self.func, axis=1, args=self.args, **self.kwargs)


class _FrameQuantiles:
    """``DataFrame.quantile``'s pandas result from its one row of per-column quantile lists."""

    def __init__(self, columns: tuple[str, ...], qs: tuple[float, ...], many: bool, named: bool = True):
        self.columns, self.qs, self.many, self.named = columns, qs, many, named

    def __call__(self, table: pa.Table) -> Any:
        row = table.to_pylist()[0] if table.num_rows else {}
        data = {c: (row.get(c) or [None] * len(self.qs)) for c in self.columns}
        frame = pd.DataFrame(data, index=list(self.qs), dtype="float64", columns=list(self.columns))
        if self.many:
            return frame
        out = frame.iloc[0]
        out.name = self.qs[0] if self.named else None
        return out


class _DescribedSeries:
    """``Series.describe()``: its one-column frame's summary as a Series with the Series' name."""

    def __init__(self, described: Callable[[pa.Table], pd.DataFrame], name: Hashable):
        self.described, self.name = described, name

    def __call__(self, table: pa.Table) -> pd.Series:
        return self.described(table)["__value__"].rename(self.name)


class _DescribedApproximate:
    """``describe(percentiles_method="dask")``: the moments' row and the quantiles' row, together."""

    def __init__(self, columns: tuple[str, ...], qs: tuple[float, ...]):
        self.columns, self.qs = columns, qs

    def __call__(self, table: pa.Table) -> pd.DataFrame:
        row = table.to_pylist()[0]
        labels = ["count", "mean", "std", "min"] + [f"{q * 100:g}%" for q in self.qs] + ["max"]
        data = {}
        for c in self.columns:
            qs = row[f"q:{c}"] or [None] * len(self.qs)
            data[c] = [row[f"count:{c}"], row[f"mean:{c}"], row[f"std:{c}"], row[f"min:{c}"], *qs, row[f"max:{c}"]]
        return pd.DataFrame(data, index=labels, dtype="float64")


class _Quantiles:
    def __init__(self, qs: tuple[float, ...], name: Hashable):
        self.qs, self.name = qs, name

    def __call__(self, table: pa.Table) -> pd.Series:
        values = table.column(0)[0].as_py() or [None] * len(self.qs)
        return pd.Series(values, index=list(self.qs), name=self.name, dtype="float64")


class _MapValues:
    """pandas' ``Series.map`` / ``apply`` of a function over one partition's values."""

    def __init__(self, func: Callable, na_action: str | None, args: tuple = (), kwargs: tuple = ()):
        self.func, self.na_action, self.args, self.kwargs = func, na_action, args, dict(kwargs)
        self.__name__ = getattr(func, "__name__", "map")

    def __call__(self, part: pd.DataFrame) -> pd.Series:
        values = part.iloc[:, -1]
        if self.args or self.kwargs:
            return values.apply(self.func, args=self.args, **self.kwargs)
        return values.map(self.func, na_action=self.na_action)


def melt(frame: "DataFrame", id_vars: Any = None, value_vars: Any = None, var_name: Any = None,
         value_name: str = "value") -> "DataFrame":
    """pandas' ``melt`` of every partition (the same rows as pandas, ordered partition by partition)."""
    if not isinstance(frame, DataFrame):
        raise InvalidArgumentError(f"melt takes a frames.DataFrame, not {type(frame).__name__}")
    listed = lambda v: None if v is None else ([v] if isinstance(v, str) else list(v))
    frame._check_columns((listed(id_vars) or []) + (listed(value_vars) or []))
    return frame.map_partitions(pd.melt, id_vars=listed(id_vars), value_vars=listed(value_vars), var_name=var_name,
                                value_name=value_name)


def _quantile_args(q: Any) -> tuple[bool, tuple[float, ...]]:
    many = isinstance(q, (list, tuple))
    qs = tuple(float(x) for x in (q if many else [q]))
    if not qs or any(not 0 <= x <= 1 for x in qs):
        raise InvalidArgumentError(f"quantile q must be in [0, 1], got {q!r}")
    return many, qs


def _approximate(method: str) -> bool:
    if method not in ("exact", "dask", "default", "approximate"):
        raise InvalidArgumentError(f"quantile method must be 'exact' or 'dask' (approximate), not {method!r}")
    return method != "exact"


_NAMED_OPERATORS = [("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("div", "divide"), ("truediv", "divide"),
                    ("floordiv", "floordiv"), ("mod", "pymod"), ("pow", "power")]
_NAMED_COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]


def _named_operator(op: str, reflected: bool = False):
    def method(self, other: Any, axis: Any = "columns", level: Any = None, fill_value: Any = None):
        if level is not None:
            raise InvalidArgumentError("level= is not supported: frames has no MultiIndex")
        if isinstance(self, DataFrame):
            return self._elementwise(op, other, reflected, fill_value)
        return self._method(op, other, fill_value, reflected)

    return method


for _name, _op in _NAMED_OPERATORS:
    for _cls in ("Series", "DataFrame"):
        setattr(globals()[_cls], _name, _named_operator(_op))
        setattr(globals()[_cls], f"r{_name}", _named_operator(_op, True))
for _op in _NAMED_COMPARISONS:
    for _cls in ("Series", "DataFrame"):
        setattr(globals()[_cls], _op, _named_operator(_op))
for _dunder, _op, _reflected in [("add", "add", False), ("radd", "add", True), ("sub", "subtract", False), ("rsub", "subtract", True),
                                 ("mul", "multiply", False), ("rmul", "multiply", True), ("truediv", "divide", False),
                                 ("rtruediv", "divide", True), ("floordiv", "floordiv", False), ("rfloordiv", "floordiv", True),
                                 ("mod", "pymod", False), ("rmod", "pymod", True), ("pow", "power", False), ("rpow", "power", True),
                                 ("eq", "eq", False), ("ne", "ne", False), ("lt", "lt", False), ("le", "le", False),
                                 ("gt", "gt", False), ("ge", "ge", False), ("and", "and", False), ("or", "or", False),
                                 ("rand", "and", True), ("ror", "or", True), ("xor", "xor", False)]:
    setattr(DataFrame, f"__{_dunder}__", (lambda op, r: lambda self, other: self._elementwise(op, other, r))(_op, _reflected))
DataFrame.__hash__ = object.__hash__


def _scalar_operator(op: str, reflected: bool = False):
    def method(self: Scalar, other: Any):
        return self._combine(op, other, reflected)

    method.__name__ = f"__{'r' if reflected else ''}{op}__"
    return method


for _op, _name in [("add", "add"), ("subtract", "sub"), ("multiply", "mul"), ("divide", "truediv"), ("floordiv", "floordiv"),
                   ("pymod", "mod"), ("power", "pow"), ("and", "and"), ("or", "or")]:
    setattr(Scalar, f"__{_name}__", _scalar_operator(_op))
    setattr(Scalar, f"__r{_name}__", _scalar_operator(_op, True))
for _op, _name in [("eq", "eq"), ("ne", "ne"), ("lt", "lt"), ("le", "le"), ("gt", "gt"), ("ge", "ge")]:
    setattr(Scalar, f"__{_name}__", _scalar_operator(_op))
Scalar.__hash__ = object.__hash__


def map_partitions(func: Callable, obj: DataFrame | Series, *args: Any, meta: Any = None, **kwargs: Any):
    """Run ``func`` on every partition of ``obj`` (pandas in, pandas out)."""
    if not callable(func):
        raise InvalidArgumentError(f"map_partitions needs a function, got {type(func).__name__}")
    if isinstance(obj, Series):  # its partitions reach ``func`` as pandas Series, as Dask's
        func = _OfSeries(func, obj.name)
    frame = obj if isinstance(obj, DataFrame) else obj.to_frame()
    if frame._index:  # partitions reach ``func`` with their index (``indexing.map_with_index``)
        from frames.dataframe.indexing import map_with_index

        return map_with_index(frame, func, args, kwargs, meta)
    source = frame._node
    inferred = meta is None
    if inferred:
        meta = _infer_meta(func, source.schema, args, kwargs)
    schema, is_series, series_name = _meta_schema(meta)
    use_info = "partition_info" in getattr(func, "__code__", type("c", (), {"co_varnames": ()})).co_varnames
    if inferred:
        schema = _typed_like(schema, source.schema)
    elif objects := _declared_objects(meta):
        extra = {"partition_info": {"number": 0, "npartitions": source.npartitions}} if use_info else {}
        run = lambda part: func(part, *args, **kwargs, **extra)  # noqa: E731
        schema = _object_types(schema, objects, lambda: run(_sample_meta(source.schema)), lambda: run(_first_rows(source)))
    node = MapPartitions(source, func, schema, tuple(args), tuple(sorted(kwargs.items())), pandas=True,
                         func_name=getattr(func, "__name__", "function"), partition_info=use_info)
    if is_series:
        return Series(node, Col(schema.names[0]), series_name)
    return DataFrame(node)


def _sample_meta(schema: pa.Schema) -> pd.DataFrame:
    """A two-row pandas frame of made-up values of ``schema`` (``dtypes.nonempty_sample``)."""
    return arrow_to_pandas(nonempty_sample(schema))


def _infer_meta(func: Callable, schema: pa.Schema, args: tuple, kwargs: dict):
    """What ``func`` returns, run on two made-up rows (as Dask's ``meta_nonempty``: an empty
    frame's object columns hold no values, so a DATE column came back NULL-typed), else on an
    empty frame; only the result's types count."""
    use_info = "partition_info" in getattr(func, "__code__", type("c", (), {"co_varnames": ()})).co_varnames
    extra = {"partition_info": {"number": 0, "npartitions": 1}} if use_info else {}
    try:
        out = func(_sample_meta(schema), *args, **kwargs, **extra)
    except Exception:
        try:
            out = func(arrow_to_pandas(schema.empty_table()), *args, **kwargs, **extra)
        except Exception as exc:  # user code: report what happened and how to avoid running it
            raise InvalidArgumentError(
                f"could not infer the output of {getattr(func, '__name__', func)!r} by running it on a sample "
                f"partition ({type(exc).__name__}: {exc}); pass meta= (an empty DataFrame, a dict of column to dtype, or a pyarrow schema)"
            ) from exc
    return out  # with its rows: Arrow types a new object column from its values


def _typed_like(schema: pa.Schema, source: pa.Schema, keep: Sequence[str] = ()) -> pa.Schema:
    """``schema`` with the NULL-typed columns (objects pandas held no value of) typed as the input
    column of the same name, but those in ``keep`` (meta's declared ``object`` columns)."""
    fields = []
    for f in schema:
        if pa.types.is_null(f.type) and f.name in source.names and f.name not in keep:
            f = pa.field(f.name, source.field(f.name).type)
        fields.append(f)
    return pa.schema(fields)


def _meta_schema(meta: Any) -> tuple[pa.Schema, bool, Hashable]:
    if isinstance(meta, pa.Schema):
        return meta, False, None
    if isinstance(meta, pd.Series):
        name = meta.name if meta.name is not None else "__value__"
        return labelled_categories(pa.Table.from_pandas(meta.to_frame(str(name)), preserve_index=False)).schema.remove_metadata(), True, meta.name
    if isinstance(meta, pd.DataFrame):
        return labelled_categories(pa.Table.from_pandas(meta, preserve_index=False)).schema.remove_metadata(), False, None
    if isinstance(meta, dict):
        return pa.schema([(str(k), _meta_type(v)) for k, v in meta.items()]), False, None
    if isinstance(meta, tuple) and len(meta) == 2:
        return pa.schema([(str(meta[0]), _meta_type(meta[1]))]), True, meta[0]
    if pd.api.types.is_scalar(meta) and meta is not None:  # a function giving one value per partition (len)
        t = pa.scalar(meta).type
        return pa.schema([("__value__", pa.int64() if pa.types.is_integer(t) else t)]), True, None
    raise InvalidArgumentError(f"meta must be a pandas DataFrame/Series, a dict of column to dtype or a pyarrow schema, not {type(meta).__name__}")


def _meta_type(dtype: Any) -> pa.DataType:
    """A dtype of ``meta=``'s dict or (name, dtype) forms; ``object`` is NULL-typed here, its type
    found later from the values (``_object_types``)."""
    return pa.null() if is_object_dtype(dtype) else to_arrow_type(dtype)


def _declared_objects(meta: Any) -> tuple[str, ...]:
    """The columns ``meta`` declares as Python objects, without values to type them by:
    ``object`` / ``"O"`` / ``"object"`` in its dict or (name, dtype) forms, or an empty object column
    of a pandas meta (Dask's ``meta={"l": object}``, ``meta=("l", object)``, ``pd.Series(dtype=object)``)."""
    if isinstance(meta, dict):
        return tuple(str(k) for k, v in meta.items() if is_object_dtype(v))
    if isinstance(meta, tuple) and len(meta) == 2:
        return (str(meta[0]),) if is_object_dtype(meta[1]) else ()
    if isinstance(meta, pd.Series):
        return ("__value__" if meta.name is None else str(meta.name),) if meta.dtype == object and meta.isna().all() else ()
    if isinstance(meta, pd.DataFrame):
        return tuple(str(c) for c, t in meta.dtypes.items() if t == object and meta[c].isna().all())
    return ()


def _object_types(schema: pa.Schema, objects: Sequence[str], *results: Callable[[], Any]) -> pa.Schema:
    """``schema`` (a given meta's) with its ``objects`` columns typed as the function's values are.
    Each of ``results`` gives one output of the function: on the made-up sample partition first
    (as an inferred meta is found; nothing computed), then on the first rows of the input, computed
    now (``_first_rows``: the first partition unless it is empty), as ``from_delayed`` computes its
    first value without meta. A result that raises, or gives a column no values (or only empty
    lists), leaves it to the next; a column no result types stays NULL-typed, and a partition that
    gives it values is an error naming it (``convert.pandas_to_arrow``). Columns are matched by
    position: a Series' name may differ from meta's."""
    pending = [i for i, f in enumerate(schema) if f.name in objects and pa.types.is_null(f.type)]
    fields = list(schema)
    for result in results:
        if not pending:
            break
        try:
            found = _meta_schema(result())[0]
        except Exception:  # user code on made-up or real values: the next result, or the check at compute time
            continue
        if len(found) != len(fields):
            continue
        for i in list(pending):
            t = found.field(i).type
            if not holds_null_type(t) or pa.types.is_null(fields[i].type):  # list<null> (only empty lists) until better is found
                fields[i] = pa.field(fields[i].name, t)
            if not holds_null_type(t):
                pending.remove(i)
    return pa.schema(fields)


def _first_rows(node: Node, n: int = 1000) -> pd.DataFrame:
    """The first ``n`` rows of ``node``, computed as ``head`` computes them (the first partition,
    more only while those are empty or short), to type meta's ``object`` columns by real values."""
    return DataFrame(node).head(n)
