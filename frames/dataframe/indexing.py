"""The index of a DataFrame: ``set_index``, ``.loc``, joins on the index, ``repartition(divisions=)``.

Arrow tables have no index, so an index is a designated column of the partitions (the frame's
``_index`` names it), made the pandas index at ``compute()`` (``restore_index``). An index pandas
left unnamed is the column ``__index_level_0__`` (pandas' own name for it in Arrow), shown as
``None``; ``reset_index`` calls it ``index``, as pandas does. When the index is range-partitioned
its ``divisions`` are known (``expr/divisions.py``): ``.loc`` then reads only the partitions a
label can be in, and two frames with known divisions join partition by partition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd
import pyarrow as pa

from frames.errors import DataTypeError, InvalidArgumentError
from frames.dataframe.expr.blockwise import Filter, MapPartitions, Project
from frames.dataframe.expr.divisions import (RangeShuffle, RepartitionDivisions, divided, divisions_from_samples,
                                             divisions_of, partition_of, partitions_between, sample_and_extent,
                                             sorted_divisions, stable, trimmed)
from frames.dataframe.expr.join import Join
from frames.dataframe.expr.node import Node
from frames.dataframe.expr.reshape import SelectPartitions
from frames.dataframe.expr.scalar import Col, Lit, call

if TYPE_CHECKING:  # pragma: no cover
    from frames.dataframe.collection import DataFrame, Series, _Frame

UNNAMED = "__index_level_"  # + "{i}__": a level pandas left unnamed
COPY = "__index__:"  # + name: the index of set_index(name, drop=False), beside the column ``name``
KEY = "__join_key__"


def unnamed(level: int) -> str:
    return f"{UNNAMED}{level}__"


def label(column: str) -> str | None:
    """The pandas name of the index held in ``column``."""
    if column.startswith(UNNAMED):
        return None
    return column[len(COPY):] if column.startswith(COPY) else column


def reset_names(columns: Sequence[str]) -> list[str]:
    """The column names ``reset_index`` gives index columns, as pandas: an unnamed index becomes
    ``index`` (``level_i`` for levels of a MultiIndex)."""
    single = len(columns) == 1
    return [("index" if single else f"level_{i}") if label(c) is None else label(c) for i, c in enumerate(columns)]


def index_as_columns(frame: "DataFrame", only: Any = None) -> Node:
    """``frame``'s node with the index as ordinary columns under ``reset_index``'s names, first;
    an index whose name a column already has is left out, the column wins (after
    ``set_index(k, drop=False)`` it holds the same values; after ``assign(k=...)`` SQL does not
    see the index). What SQL and the writers see of a frame. ``only``: keep just the index
    columns of these names (a merge on columns or a group-by drops the rest, as pandas)."""
    names = reset_names(frame._index)
    rest = [n for n in frame._node.schema.names if n not in frame._index]
    exprs = tuple((n, Col(c)) for n, c in zip(names, frame._index) if n not in rest and (only is None or n in only))
    return Project(frame._node, exprs + tuple((n, Col(n)) for n in rest))


def restore_index(pdf: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``pdf`` with its index columns made the pandas index, under their pandas names."""
    if not columns:
        return pdf
    kept = pdf[columns[0]].dtype
    pdf = pdf.set_index(list(columns))
    if len(columns) == 1 and pdf.index.dtype != kept:  # set_index widens int32 labels to int64; groupby keeps them
        pdf.index = pd.Index(pdf.index, dtype=kept)
    pdf.index.names = [label(c) for c in columns]
    return pdf


def indexed_pandas(table: pa.Table, columns: Sequence[str], categoricals: dict) -> pd.DataFrame:
    """What ``compute()`` gives of ``table``: pandas (``arrow_to_pandas``), ``categoricals``
    (column: categories) made pandas categoricals, the index columns made the index; several
    integer or text ones as a MultiIndex built from Arrow (``convert.arrow_multi_index``)."""
    from frames.dataframe.categorical import to_pandas_categoricals
    from frames.dataframe.convert import arrow_multi_index, arrow_to_pandas

    index = None if set(columns) & set(categoricals) else arrow_multi_index(table, columns, [label(c) for c in columns])
    if index is None:
        return restore_index(to_pandas_categoricals(arrow_to_pandas(table), categoricals), columns)
    pdf = to_pandas_categoricals(arrow_to_pandas(table.drop_columns(list(columns))), categoricals)
    pdf.index = index
    return pdf


def partition_to_pandas(table: pa.Table, columns: Sequence[str]) -> pd.DataFrame:
    """One partition as pandas with its index (``to_delayed``)."""
    from frames.dataframe.convert import arrow_to_pandas

    return restore_index(arrow_to_pandas(table), columns)


def divisions(frame: "_Frame") -> tuple:
    found = known(frame)
    return found if found is not None else (None,) * (frame.npartitions + 1)


def known(frame: "_Frame") -> tuple | None:
    if len(frame._index) != 1:
        return None
    return divisions_of(frame._node, frame._index[0])


def keep_divisions(frame: "_Frame", node: Node) -> Node:
    """``node`` (the same partitions as ``frame``'s, e.g. persisted) marked with its divisions."""
    found = known(frame)
    return divided(node, frame._index[0], found) if found is not None else node


def _need_index(frame: "_Frame", what: str) -> str:
    if not frame._index:
        raise InvalidArgumentError(f"{what} needs an index; call set_index(column) first")
    if len(frame._index) > 1:
        raise InvalidArgumentError(f"{what} over a MultiIndex is not supported")
    return frame._index[0]


def index_aside(frame: "DataFrame", names: Any) -> "DataFrame":
    """``frame`` with its index columns named as any of ``names`` renamed out of their way (the
    index keeps its pandas name): ``assign(k=...)`` on a frame indexed by ``k`` adds a column."""
    from frames.dataframe.collection import DataFrame

    renamed = {c: COPY + c for c in frame._index if c in names}
    exprs = tuple((renamed.get(n, n), Col(n)) for n in frame._node.schema.names)
    return DataFrame(Project(frame._node, exprs), tuple(renamed.get(c, c) for c in frame._index))


def _sorted_partition(table: pa.Table, column: str, ascending: bool) -> pa.Table:
    from frames.dataframe.expr.sort import SortKey, sort_table

    return sort_table(table, (SortKey(column, ascending),))


def sort_index(frame: "DataFrame", ascending: bool = True) -> "DataFrame":
    from frames.dataframe.expr.sort import Sort, SortKey

    column = _need_index(frame, "sort_index")
    found = known(frame)
    if found is None or not ascending:
        return frame._with(Sort(frame._node, (SortKey(column, ascending),)))
    node = MapPartitions(frame._node, _sorted_partition, frame._node.schema, (column, ascending), (), pandas=False,
                         func_name="sort-partition")
    return frame._with(divided(node, column, found))


# -- set_index ------------------------------------------------------------------------------------
def _extents(node: Node, column: str) -> list[dict]:
    """Per partition: a sample of ``column``, its min, max and row count (one computation)."""
    from frames.dataframe.collection import DataFrame

    schema = sample_and_extent(node.schema.empty_table().select([column]), column).schema
    only = Project(node, ((column, Col(column)),))
    stats = MapPartitions(only, sample_and_extent, schema, (column,), (), pandas=False, func_name="index-extent")
    return DataFrame(stats).to_arrow().to_pylist()


def set_index(frame: "DataFrame", key: str, drop: bool = True, sorted: bool = False, divisions: Sequence | None = None,
              npartitions: int | None = None) -> "DataFrame":
    """``key`` as the index, the rows range-partitioned and sorted by it (Dask's ``set_index``):
    with ``sorted=True`` the partitions are taken to be in order already and only their min and
    max are computed; otherwise the boundaries are sampled (one computation) unless
    ``divisions`` gives them, and the rows are shuffled into those ranges."""
    from frames.dataframe.collection import DataFrame, Series

    if isinstance(key, Series):
        raise InvalidArgumentError("set_index takes a column name; assign the Series as a column first")
    if isinstance(key, (list, tuple)) and len(key) == 1:
        key = key[0]
    if not isinstance(key, str):
        raise InvalidArgumentError(f"set_index takes one column name, not {type(key).__name__} (a MultiIndex has no divisions)")
    frame._check_columns([key])
    names = [c for c in frame._node.schema.names if c not in frame._index]  # the old index is dropped, as pandas
    column = key if drop else COPY + key
    exprs = tuple((n, Col(n)) for n in names if not (drop and n == key)) + ((column, Col(key)),)
    node: Node = Project(frame._node, exprs)
    if divisions is not None:
        divisions = tuple(divisions)
        if len(divisions) < 2 or any(not a <= b for a, b in zip(divisions, divisions[1:])):
            raise InvalidArgumentError(f"divisions must be at least two values in ascending order, got {divisions!r}")
        if sorted:
            if len(divisions) != node.npartitions + 1:
                raise InvalidArgumentError(f"{len(divisions)} divisions for {node.npartitions} partitions (need npartitions + 1)")
            return DataFrame(divided(node, column, divisions), (column,))
        return DataFrame(divided(RangeShuffle(node, column, divisions), column, divisions), (column,))
    if sorted and not stable(node):  # the partitions as they will be read (a Parquet scan's pieces left after filters)
        from frames.dataframe.expr.optimize import optimize

        node = optimize(node)
    stats = _extents(node, column)
    mins, maxes, rows = [s["min"] for s in stats], [s["max"] for s in stats], [s["rows"] for s in stats]
    if sorted:
        keep, found = sorted_divisions(mins, maxes, rows)
        if len(keep) != node.npartitions:
            node = SelectPartitions(node, tuple(keep))
        if found[0] is None:
            return DataFrame(node, (column,))
        return DataFrame(divided(node, column, found), (column,))
    n = node.npartitions if npartitions is None else npartitions
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InvalidArgumentError(f"npartitions must be a positive integer, got {npartitions!r}")
    found = divisions_from_samples([s["sample"] for s in stats], mins, maxes, n)
    if found[0] is None:  # no values at all: one partition, nothing to range
        from frames.dataframe.expr.reshape import Repartition

        return DataFrame(Repartition(node, 1), (column,))
    return DataFrame(divided(RangeShuffle(node, column, found), column, found), (column,))


def parquet_divisions(scan: Node, column: str) -> Node:
    """``scan`` (a ``ParquetScan``) marked with the divisions of ``column`` its pieces' row group
    statistics give, or as it is when they give none: a piece without statistics or rows, missing
    values before the last piece, or pieces out of order or overlapping."""
    mins, maxes = [], []
    for i, piece in enumerate(scan.pieces):
        try:
            stats = [rg[column] for rg in piece.stats]
        except KeyError:
            return scan
        if not stats or any(s[0] is None for s in stats) or (any(s[2] for s in stats) and i < len(scan.pieces) - 1):
            return scan
        mins.append(min(s[0] for s in stats))
        maxes.append(max(s[1] for s in stats))
    if not mins or any(not a < b for a, b in zip(maxes, mins[1:])):
        return scan
    return divided(scan, column, tuple(mins) + (maxes[-1],))


def concat_divisions(frames: Sequence["DataFrame"], node: Node) -> Node:
    """``node`` (the frames concatenated) with divisions when every frame has them on the same
    index and each ends before the next begins (Dask's ``concat`` keeps them then too)."""
    found = [known(f) for f in frames]
    if any(d is None for d in found) or len({f._index for f in frames}) != 1:
        return node
    if any(not a[-1] < b[0] for a, b in zip(found, found[1:])):
        return node
    return divided(node, frames[0]._index[0], tuple(v for d in found[:-1] for v in d[:-1]) + found[-1])


# -- map_partitions ---------------------------------------------------------------------------
class WithIndex:
    """``func`` called on a partition with its pandas index; the result's index made columns
    again (``keep``: the result keeps the index, so the frame keeps it and its divisions, as
    Dask's ``map_partitions``) or dropped. ``keep=None`` gives ``func``'s result as it is (to
    infer the meta)."""

    def __init__(self, func: Any, columns: tuple[str, ...], keep: bool | None, value: str | None = None,
                 out_index: tuple[str, ...] | None = None):
        self.func, self.columns, self.keep, self.value = func, columns, keep, value
        self.out_index = columns if out_index is None else out_index  # the kept index's column names
        self.__name__ = getattr(func, "__name__", "function")

    def __call__(self, part: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
        out = self.func(restore_index(part, self.columns), *args, **kwargs)
        if self.keep is None or (not self.keep and not isinstance(out, (pd.DataFrame, pd.Series))):
            return out
        if not isinstance(out, (pd.DataFrame, pd.Series)):  # one value, where meta promised rows: no label
            return pd.DataFrame({**{c: [None] for c in self.columns}, self.value: [out]})
        if not self.keep:
            return out.reset_index(drop=True)
        if out.index.nlevels != len(self.columns):
            raise DataTypeError(f"{self.__name__} returned an index of {out.index.nlevels} levels; the frame's has "
                                f"{len(self.columns)} (pass meta= without the index columns, or reset_index first)")
        if isinstance(out, pd.Series):
            out = out.to_frame(self.value)
        out = out.copy(deep=False)
        out.index = out.index.set_names(list(self.out_index))
        return out.reset_index()


def map_with_index(frame: "DataFrame", func: Any, args: tuple, kwargs: dict, meta: Any):
    """``map_partitions`` of a frame with an index: see ``WithIndex``. Whether the result keeps
    the index: with ``meta`` inferred, whether ``func``'s result on a sample has an index of the
    same names; with ``meta`` given, unless it is a single value or names an index as a column."""
    from frames.dataframe.collection import (DataFrame, Series, _declared_objects, _first_rows, _infer_meta, _meta_schema,
                                             _object_types, _sample_meta, _typed_like)

    columns = frame._index
    labels = [label(c) for c in columns]
    source = frame._node
    inferred = meta is None
    if inferred:
        meta = _infer_meta(WithIndex(func, columns, None), source.schema, args, kwargs)
        keep = isinstance(meta, (pd.DataFrame, pd.Series)) and list(meta.index.names) == labels
    else:
        keep = not pd.api.types.is_scalar(meta) and not any(
            str(n) in _meta_schema(meta)[0].names for n in labels if n is not None)
    schema, is_series, series_name = _meta_schema(meta)
    if inferred:
        schema = _typed_like(schema, source.schema)
    elif objects := _declared_objects(meta):  # typed by the values func gives (on a sample, else the first rows)
        run = WithIndex(func, columns, False)
        schema = _object_types(schema, objects, lambda: run(_sample_meta(source.schema), *args, **kwargs),
                               lambda: run(_first_rows(source), *args, **kwargs))
    out_index = columns
    if keep:  # a result column named as the index (a Series named like it) leaves the index its copy's name
        out_index = tuple(COPY + label(c) if label(c) in schema.names else c for c in columns)
        schema = pa.schema([source.schema.field(c).with_name(o) for c, o in zip(columns, out_index)] + list(schema))
    use_info = "partition_info" in getattr(getattr(func, "__code__", None), "co_varnames", ())
    value = schema.names[-1] if is_series else None
    node: Node = MapPartitions(source, WithIndex(func, columns, keep, value, out_index), schema, tuple(args),
                               tuple(sorted(kwargs.items())), pandas=True, func_name=getattr(func, "__name__", "function"),
                               partition_info=use_info)
    index = out_index if keep else ()
    if keep and (found := known(frame)) is not None:
        node = divided(node, out_index[0], found)
    if is_series:
        return Series(node, Col(value), series_name, index)
    return DataFrame(node, index)


# -- .loc -----------------------------------------------------------------------------------------
def _label_value(value: Any, t: pa.DataType) -> Any:
    """A label as the index column's kind of value (a date string for a datetime index)."""
    if isinstance(value, str) and (pa.types.is_timestamp(t) or pa.types.is_date(t)):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            raise InvalidArgumentError(f"loc label {value!r} is not a date or time, which the index ({t}) holds") from None
        return stamp.date() if pa.types.is_date(t) else stamp.to_pydatetime()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _string_span(value: Any, t: pa.DataType) -> tuple[Any, Any] | None:
    """The first and last instants a date string names on a datetime (or date) index, as pandas'
    partial string indexing reads it: ``loc["2024-01-02"]`` is that whole day, ``loc["2024-01"]``
    the month, and a slice ``"2024-01-02":"2024-01-05"`` ends with the last day's last instant.
    None when ``value`` is no such string."""
    if not (isinstance(value, str) and (pa.types.is_timestamp(t) or pa.types.is_date(t))):
        return None
    try:
        period = pd.Period(value)
    except (ValueError, TypeError):
        return None
    lo, hi = period.start_time, period.end_time
    if pa.types.is_date(t):
        return lo.date(), hi.date()
    if t.tz is not None:
        lo, hi = lo.tz_localize(t.tz), hi.tz_localize(t.tz)
    return lo.to_pydatetime(warn=False), hi.floor("us").to_pydatetime(warn=False)


class LocIndexer:
    """``obj.loc[...]``: by a label, a label slice (both ends included, as pandas), a list of
    labels or a boolean Series; ``loc[rows, columns]`` also selects columns. With known divisions
    only the partitions that can hold the labels are read."""

    def __init__(self, obj: "_Frame"):
        self._obj = obj

    def __getitem__(self, key: Any):
        from frames.dataframe.collection import DataFrame, Series

        obj = self._obj
        if isinstance(key, tuple) and isinstance(obj, DataFrame):
            if len(key) != 2:
                raise InvalidArgumentError("loc[rows, columns] takes two keys")
            rows, cols = key
            out = self[rows] if not (isinstance(rows, slice) and rows == slice(None)) else obj
            return out[cols]
        if isinstance(key, Series):
            return obj[key] if isinstance(obj, DataFrame) else _filter_series(obj, key)
        column = _need_index(obj, "loc")
        t = obj._node.schema.field(column).type
        divs = known(obj)
        col = Col(column)
        span = _string_span(key, t)
        if span is not None:  # a date string: the period it names (pandas' partial string indexing)
            key = slice(*span)
        if isinstance(key, slice):
            if key.step is not None:
                raise InvalidArgumentError("loc slices take no step")
            start, stop = _string_span(key.start, t), _string_span(key.stop, t)
            lo = start[0] if start is not None else _label_value(key.start, t)
            hi = stop[1] if stop is not None else _label_value(key.stop, t)
            parts = [call("ge", col, Lit(lo))] if lo is not None else []
            parts += [call("le", col, Lit(hi))] if hi is not None else []
            pred = parts[0] if len(parts) == 1 else call("and", *parts) if parts else None
            indices = partitions_between(divs, lo, hi) if divs else None
            new = trimmed(divs, indices, lo, hi) if indices else None
            return _select(obj, pred, indices, new, column)
        if isinstance(key, (list, tuple, pd.Index, pd.Series)) or (hasattr(key, "__array__") and not pd.api.types.is_scalar(key)):
            labels = [_label_value(v, t) for v in list(key)]
            pred = call("is_in", col, values=tuple(labels))
            present = [v for v in labels if v is not None]
            indices = sorted({partition_of(divs, v) for v in present}) if divs else None
            new = trimmed(divs, indices, min(present), max(present)) if indices else None  # the ranges cut to the labels
            return _select(obj, pred, indices, new, column)
        value = _label_value(key, t)
        pred = call("eq", col, Lit(value))
        indices = [partition_of(divs, value)] if divs else None
        return _select(obj, pred, indices, trimmed(divs, indices, value, value) if divs else None, column)


def _filter_series(series: "Series", mask: "Series") -> "Series":
    from frames.dataframe.collection import Series, _as_expr, _as_filter

    pred = _as_expr(mask, series._node, "the filter")
    return Series(Filter(series._node, _as_filter(pred)), series._expr, series._name, series._index)


def select_partitions(obj: "_Frame", indices: list[int]):
    """``obj.partitions[indices]`` (ascending) with the divisions of those partitions."""
    return _select(obj, None, indices, None, obj._index[0])


def _select(obj: "_Frame", pred, indices: list[int] | None, new: tuple | None, column: str):
    """``obj``'s rows where ``pred`` holds, reading only the partitions ``indices`` (None: all);
    ``new``: the divisions of what is left."""
    from frames.dataframe.collection import Series

    node = obj._node
    if indices is not None:
        node = SelectPartitions(node, tuple(indices) or (0,))
        if not indices:
            pred = Lit(False)
    if pred is not None:
        node = Filter(node, pred)
    if new is not None and len(new) == node.npartitions + 1:
        node = divided(node, column, new)
    elif indices is not None and indices and (old := known(obj)):  # keep the partitions' ranges
        node = divided(node, column, tuple(old[i] for i in indices) + (old[indices[-1] + 1],))
    if isinstance(obj, Series):
        return Series(node, obj._expr, obj._name, obj._index)
    return obj._with(node)


# -- repartition(divisions=) ----------------------------------------------------------------------
def repartition_divisions(frame: "DataFrame", new: Sequence) -> "DataFrame":
    """The frame cut at ``new`` divisions, which must span the current ones (Dask's rule: no
    row may fall outside them); only overlapping partitions are read for each output."""
    column = _need_index(frame, "repartition(divisions=)")
    old = known(frame)
    if old is None:
        raise InvalidArgumentError("repartition(divisions=) needs known divisions; use set_index(column, divisions=...) to sort into them")
    new = tuple(new)
    if len(new) < 2 or any(not a < b for a, b in zip(new[:-1], new[1:-1])) or not new[-2] <= new[-1]:
        raise InvalidArgumentError(f"divisions must be at least two values in ascending order, got {new!r}")
    if new[0] > old[0] or new[-1] < old[-1]:
        raise InvalidArgumentError(f"new divisions {new!r} must span the current ones ({old[0]!r} to {old[-1]!r})")
    if new == old:
        return frame
    return frame._with(divided(RepartitionDivisions(frame._node, column, old, new), column, new))


def merged_npartitions(frame: "DataFrame", node: Node) -> "DataFrame":
    """After ``Repartition`` to fewer partitions (neighbours merged), the divisions it keeps."""
    old = known(frame)
    n_in, n_out = frame.npartitions, node.npartitions
    if old is None or n_out > n_in:
        return frame._with(node)
    bounds = [round(i * n_in / n_out) for i in range(n_out + 1)]  # Repartition's own grouping
    return frame._with(divided(node, frame._index[0], tuple(old[b] for b in bounds)))


# -- joins on the index ---------------------------------------------------------------------------
def _side(frame: "DataFrame", on: str | None, use_index: bool, what: str) -> tuple[str, list[str]]:
    """The key column of one side and its other columns (the index dropped when it is the key)."""
    if use_index:
        key = _need_index(frame, f"{what}=True")
        return key, [c for c in frame._node.schema.names if c != key]
    if isinstance(on, (list, tuple)):
        if len(on) != 1:
            raise InvalidArgumentError("a merge with the index takes one key column")
        on = on[0]
    frame._check_columns([on])
    return on, list(frame._node.schema.names)


def _union(a: tuple, b: tuple) -> tuple:
    return tuple(sorted(set(a) | set(b)))


def merge_on_index(left: "DataFrame", right: "DataFrame", how: str, left_on: Any, right_on: Any, left_index: bool,
                   right_index: bool, suffixes: tuple[str, str]) -> "DataFrame":
    """pandas' merge where a side joins on its index. Both keys the indexes with known divisions:
    the sides are cut at the union of their divisions (unless they already agree) and joined
    partition ``i`` with partition ``i``, and the result keeps those divisions."""
    from frames.dataframe.collection import DataFrame

    if how not in ("inner", "left", "right", "outer"):
        raise InvalidArgumentError(f"a merge on the index takes how='inner', 'left', 'right' or 'outer', not {how!r}")
    lk, lcols = _side(left, left_on, left_index, "left_index")
    rk, rcols = _side(right, right_on, right_index, "right_index")
    lnode, rnode = left._node, right._node
    ldiv, rdiv = divisions_of(lnode, lk), divisions_of(rnode, rk)
    strategy, divs = None, None
    if ldiv is not None and rdiv is not None and None not in ldiv and None not in rdiv:
        divs = ldiv if ldiv == rdiv else _union(ldiv, rdiv)
        if len(divs) == 1:
            divs = divs * 2
        if ldiv != divs:
            lnode = RepartitionDivisions(lnode, lk, ldiv, divs)
        if rdiv != divs:
            rnode = RepartitionDivisions(rnode, rk, rdiv, divs)
        strategy = "aligned"
    elif ldiv is not None and rnode.npartitions == 1 and how in ("inner", "left"):
        strategy, divs = "broadcast_right", ldiv  # the left partitions stay as they are
    lside = Project(lnode, tuple((c, Col(c)) for c in lcols) + ((KEY, Col(lk)),))
    rside = Project(rnode, tuple((c, Col(c)) for c in rcols) + ((KEY, Col(rk)),))
    joined = Join(lside, rside, how, (KEY,), (KEY,), strategy=strategy, suffixes=tuple(suffixes), coalesce_keys=True)
    out_names = [n for n in joined.schema.names if n != KEY]
    if left_index and right_index:
        name = rk if how == "right" else lk  # pandas names the result's index so
        node = Project(joined, tuple((n, Col(n)) for n in out_names) + ((name, Col(KEY)),))
        if strategy is not None and divs is not None:
            node = divided(node, name, divs)
        return DataFrame(node, (name,))
    # a column met the other side's index: the result keeps the other side's own index (pandas)
    on_left = right_index
    index = tuple(_output_name(joined, c, on_left) for c in (left._index if on_left else right._index))
    node = Project(joined, tuple((n, Col(n)) for n in out_names))
    if strategy == "broadcast_right" and on_left and index == (lk,):
        node = divided(node, lk, divs)
    return DataFrame(node, index)


def _output_name(joined: Join, column: str, on_left: bool) -> str:
    """The output name of an input ``column`` of ``joined`` (a suffix added on a clash)."""
    spec = joined.spec
    if on_left:
        return spec.output_names[list(spec.left_names).index(column)]
    kept = [n for n in spec.right_names if n not in spec.drop_right]
    return spec.output_names[len(spec.left_names) + kept.index(column)]


def join(left: "DataFrame", other: "DataFrame", on: Any, how: str, lsuffix: str, rsuffix: str) -> "DataFrame":
    """pandas' ``DataFrame.join``: ``other``'s index meets the left index (or the column ``on``);
    clashing column names need a suffix, as in pandas."""
    from frames.dataframe.collection import DataFrame

    if not isinstance(other, DataFrame):
        raise InvalidArgumentError(f"join takes a frames.DataFrame, not {type(other).__name__}")
    clash = sorted(set(left.columns) & set(other.columns))
    if clash and not (lsuffix or rsuffix):
        raise InvalidArgumentError(f"columns overlap but no suffix specified: {clash}; pass lsuffix= or rsuffix=")
    if on is None:
        return merge_on_index(left, other, how, None, None, True, True, (lsuffix, rsuffix))
    return merge_on_index(left, other, how, on, None, False, True, (lsuffix, rsuffix))


class ILocIndexer:
    """``df.iloc[:, columns]``: columns by position (an int, a slice, a list of ints or of
    booleans), as Dask. Rows have no global positions without counting every partition first,
    so Dask refuses row positions and so does frames (``head``, ``tail``, ``partitions[i]``)."""

    def __init__(self, frame: "DataFrame"):
        self._frame = frame

    def __getitem__(self, key: Any):
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], slice) and key[0] == slice(None)):
            raise InvalidArgumentError("iloc selects columns only (df.iloc[:, columns]), as Dask: rows have no positions "
                                       "in a partitioned frame; use head/tail/partitions[i], or loc after set_index")
        names = list(self._frame.columns)
        cols = key[1]
        if isinstance(cols, bool) or not isinstance(cols, (int, slice, list, tuple)) and not hasattr(cols, "__array__"):
            raise InvalidArgumentError(f"iloc column positions must be an int, a slice or a list, not {cols!r}")
        if isinstance(cols, int):
            if not -len(names) <= cols < len(names):
                raise InvalidArgumentError(f"iloc column position {cols} is out of range for {len(names)} columns")
            return self._frame[names[cols]]
        if isinstance(cols, slice):
            return self._frame[names[cols]]
        cols = list(cols)
        if cols and all(isinstance(c, (bool,)) or type(c).__name__ == "bool_" for c in cols):
            if len(cols) != len(names):
                raise InvalidArgumentError(f"iloc boolean column mask has {len(cols)} entries for {len(names)} columns")
            return self._frame[[n for n, keep in zip(names, cols) if keep]]
        out = []
        for c in cols:
            if not isinstance(c, int) and not type(c).__name__.startswith("int"):
                raise InvalidArgumentError(f"iloc column positions must be integers, not {c!r}")
            if not -len(names) <= int(c) < len(names):
                raise InvalidArgumentError(f"iloc column position {c} is out of range for {len(names)} columns")
            out.append(names[int(c)])
        return self._frame[out]
